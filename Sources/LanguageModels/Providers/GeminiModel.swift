import Foundation

/// A Gemini model behind Google's Generative Language API (`/v1beta/models/{model}:generateContent`).
///
/// The key travels in the `x-goog-api-key` header, never in the URL, so it cannot leak into logs, error
/// messages or proxies' access logs.
public struct GeminiModel: LanguageModel, ModelListing, TokenCounting, HealthChecking {
    /// Where the API is and how to authenticate.
    public struct Configuration: Sendable {
        /// The API root without the version, e.g. `https://generativelanguage.googleapis.com`.
        public var baseURL: String
        /// The model name, e.g. `gemini-2.0-flash` (a leading `models/` is accepted).
        public var model: String
        /// Sent as `x-goog-api-key`.
        public var apiKey: String?

        /// Creates a configuration.
        public init(
            baseURL: String = "https://generativelanguage.googleapis.com", model: String, apiKey: String? = nil
        ) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.model = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
            self.apiKey = apiKey
        }
    }

    /// The configuration.
    public let configuration: Configuration
    private let transport: HTTPTransport

    /// Creates a client; nothing is sent until the first call.
    public init(_ configuration: Configuration, options: TransportOptions = TransportOptions()) {
        self.configuration = configuration
        self.transport = HTTPTransport(
            provider: "gemini",
            remedies: Remedies(
                unauthorized: "set GEMINI_API_KEY (or llm.gemini.api_key) to a valid key",
                unavailable: "Gemini's API is not answering; try again later or configure a fallback model",
                modelNotFound: "set llm.model to a Gemini model (`ticket-master models list`)"),
            secrets: [configuration.apiKey], options: options)
    }

    /// The provider, model and base URL.
    public var descriptor: ModelDescriptor {
        ModelDescriptor(provider: "gemini", model: configuration.model, baseURL: configuration.baseURL)
    }

    private var headers: [(String, String)] {
        guard let key = configuration.apiKey, !key.isEmpty else { return [] }
        return [("x-goog-api-key", key)]
    }

    private func modelURL(_ method: String) -> String {
        "\(configuration.baseURL)/v1beta/models/\(configuration.model):\(method)"
    }

    /// Sends the contents and waits for the reply.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = ContinuousClock.now
        let body = Self.generateBody(request)
        let reply = try await transport.send(
            .post(modelURL("generateContent"), json: body, headers: headers), decoding: GenerateReply.self)
        var accumulated = Accumulated(model: configuration.model)
        accumulated.add(reply)
        return accumulated.completion(latency: ContinuousClock.now - started)
    }

    /// Streams the reply from `streamGenerateContent?alt=sse`, one `GenerateContentResponse` per event.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let url = modelURL("streamGenerateContent") + "?alt=sse"
        let headers = headers
        let configuration = configuration
        let transport = transport
        return chunkStream { continuation in
            let started = ContinuousClock.now
            let body = Self.generateBody(request)
            var parser = ServerSentEventParser()
            var accumulated = Accumulated(model: configuration.model)
            func handle(_ event: ServerSentEventParser.Event) throws {
                let reply = try transport.decode(GenerateReply.self, from: Data(event.data.utf8), url: url)
                let delta = accumulated.add(reply)
                if !delta.isEmpty { continuation.yield(.delta(delta)) }
            }
            for try await line in transport.lines(.post(url, json: body, headers: headers)) {
                if let event = parser.feed(line) { try handle(event) }
            }
            if let event = parser.finish() { try handle(event) }
            guard accumulated.finishReason != nil else {
                throw LanguageModelError(
                    .unavailable, "gemini: \(url) ended the stream before the reply was finished; try again")
            }
            continuation.yield(.done(accumulated.completion(latency: ContinuousClock.now - started)))
        }
    }

    /// The models the key can use (`/v1beta/models`), without the `models/` prefix.
    public func models() async throws -> [ModelInfo] {
        let reply = try await transport.send(
            .get(configuration.baseURL + "/v1beta/models", headers: headers), decoding: ModelList.self)
        return reply.models.map { entry in
            var details: [String: String] = [:]
            details["display_name"] = entry.displayName
            details["input_token_limit"] = entry.inputTokenLimit.map(String.init)
            let name = entry.name.hasPrefix("models/") ? String(entry.name.dropFirst("models/".count)) : entry.name
            return ModelInfo(name: name, details: details)
        }
    }

    /// Counts the tokens of `text` (`:countTokens`).
    public func countTokens(_ text: String) async throws -> Int? {
        let body: JSONValue = ["contents": [["role": "user", "parts": [["text": .string(text)]]]]]
        let reply = try await transport.send(
            .post(modelURL("countTokens"), json: body, headers: headers), decoding: CountReply.self)
        return reply.totalTokens
    }

    /// Probes `/v1beta/models`.
    public func health() async -> HealthReport {
        await .probing { "\(descriptor.baseURL) answered with \(try await models().count) model(s)" }
    }
}

/// A reply assembled from one or more `GenerateContentResponse`s.
private struct Accumulated {
    var model: String
    var text = ""
    var usage = Usage.zero
    var finishReason: FinishReason?

    /// Adds one response and returns the text it added.
    @discardableResult
    mutating func add(_ reply: GenerateReply) -> String {
        model = reply.modelVersion ?? model
        if let counts = reply.usageMetadata {
            usage = Usage(
                promptTokens: counts.promptTokenCount ?? usage.promptTokens,
                completionTokens: counts.candidatesTokenCount ?? usage.completionTokens)
        }
        guard let candidate = reply.candidates?.first else {
            if let blocked = reply.promptFeedback?.blockReason { finishReason = .other("blocked: \(blocked)") }
            return ""
        }
        let delta = candidate.content?.parts?.compactMap(\.text).joined() ?? ""
        text += delta
        if let reason = candidate.finishReason {
            finishReason =
                switch reason {
                case "STOP": .stop
                case "MAX_TOKENS": .length
                default: .other(reason.lowercased())
                }
        }
        return delta
    }

    func completion(latency: Duration) -> Completion {
        Completion(text: text, finishReason: finishReason ?? .stop, usage: usage, latency: latency, model: model)
    }
}

// MARK: - Wire format

extension GeminiModel {
    /// The `generateContent` body: roles `user` and `model`, the system prompt as `systemInstruction`, and a
    /// schema as `responseSchema` in Gemini's dialect with `responseMimeType: application/json`.
    static func generateBody(_ request: CompletionRequest) -> JSONValue {
        var config: JSONObject = ["maxOutputTokens": JSONValue(request.maxTokens)]
        config["temperature"] = request.temperature.map(JSONValue.number)
        if !request.stop.isEmpty { config["stopSequences"] = .array(request.stop.map(JSONValue.string)) }
        if let schema = request.responseSchema {
            config["responseMimeType"] = "application/json"
            config["responseSchema"] = schema.schema.geminiValue
        }
        var body: JSONObject = [
            "contents": .array(
                request.conversation.map {
                    ["role": $0.role == .assistant ? "model" : "user", "parts": [["text": .string($0.content)]]]
                })
        ]
        body["systemInstruction"] = request.systemPrompt.map { ["parts": [["text": .string($0)]]] }
        body["generationConfig"] = .object(config)
        return .object(body)
    }
}

private struct Content: Decodable {
    struct Part: Codable {
        var text: String?
    }

    var role: String?
    var parts: [Part]?
}

private struct GenerateReply: Decodable {
    struct Candidate: Decodable {
        var content: Content?
        var finishReason: String?
    }

    struct UsageMetadata: Decodable {
        var promptTokenCount: Int?
        var candidatesTokenCount: Int?
    }

    struct PromptFeedback: Decodable {
        var blockReason: String?
    }

    var candidates: [Candidate]?
    var usageMetadata: UsageMetadata?
    var modelVersion: String?
    var promptFeedback: PromptFeedback?
}

private struct ModelList: Decodable {
    struct Entry: Decodable {
        var name: String
        var displayName: String?
        var inputTokenLimit: Int?
    }

    var models: [Entry]
}

private struct CountReply: Decodable {
    var totalTokens: Int
}
