import Foundation

/// A model behind Anthropic's Messages API (`/v1/messages`), which llama.cpp's `llama-server` also serves.
///
/// Structured output is a forced tool call: the schema becomes the one tool's `input_schema` and `tool_choice`
/// names it, so the model's answer arrives as the tool's input.
public struct AnthropicModel: LanguageModel, ModelListing, TokenCounting, HealthChecking {
    /// Where the API is and how to authenticate.
    public struct Configuration: Sendable {
        /// The API root without the version, e.g. `https://api.anthropic.com`.
        public var baseURL: String
        /// The model name, e.g. `claude-3-5-haiku-latest`.
        public var model: String
        /// Sent as `x-api-key` when set.
        public var apiKey: String?
        /// The provider's name in messages and history.
        public var provider: String

        /// Creates a configuration.
        public init(
            baseURL: String = "https://api.anthropic.com", model: String, apiKey: String? = nil,
            provider: String = "anthropic"
        ) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.model = model
            self.apiKey = apiKey
            self.provider = provider
        }
    }

    /// The API version this client speaks, sent as `anthropic-version`.
    public static let apiVersion = "2023-06-01"

    /// The configuration.
    public let configuration: Configuration
    private let transport: HTTPTransport

    /// Creates a client; nothing is sent until the first call.
    public init(_ configuration: Configuration, options: TransportOptions = TransportOptions()) {
        self.configuration = configuration
        self.transport = HTTPTransport(
            provider: configuration.provider,
            remedies: Remedies(
                unauthorized: "set ANTHROPIC_API_KEY (or llm.anthropic.api_key) to a valid key",
                unavailable: "Anthropic's API is not answering; try again later or configure a fallback model",
                modelNotFound: "set llm.model to a model your key can use (`ticket-master models list`)"),
            secrets: [configuration.apiKey], options: options)
    }

    /// The provider, model and base URL.
    public var descriptor: ModelDescriptor {
        ModelDescriptor(provider: configuration.provider, model: configuration.model, baseURL: configuration.baseURL)
    }

    private var headers: [(String, String)] {
        var headers = [("anthropic-version", Self.apiVersion)]
        if let key = configuration.apiKey, !key.isEmpty { headers.append(("x-api-key", key)) }
        return headers
    }

    private var messagesURL: String { configuration.baseURL + "/v1/messages" }

    /// Sends the messages and waits for the reply; for structured output, the text is the tool input's JSON.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = ContinuousClock.now
        let body = Self.messagesBody(request, model: configuration.model, stream: false)
        let reply = try await transport.send(
            .post(messagesURL, json: body, headers: headers), decoding: MessagesReply.self)
        let toolInput = reply.content.first { $0.type == "tool_use" }?.input
        let text = toolInput?.jsonText ?? reply.content.compactMap(\.text).joined()
        return Completion(
            text: text, finishReason: FinishReason(anthropic: reply.stopReason),
            usage: Usage(promptTokens: reply.usage.inputTokens, completionTokens: reply.usage.outputTokens),
            latency: ContinuousClock.now - started, model: reply.model ?? configuration.model)
    }

    /// Streams the reply from server-sent events (`content_block_delta` … `message_stop`).
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let url = messagesURL
        let headers = headers
        let configuration = configuration
        let transport = transport
        return chunkStream { continuation in
            let started = ContinuousClock.now
            let body = Self.messagesBody(request, model: configuration.model, stream: true)
            var parser = ServerSentEventParser()
            var text = ""
            var usage = Usage.zero
            var finishReason: FinishReason?
            var model = configuration.model
            var stopped = false
            func handle(_ event: ServerSentEventParser.Event) throws {
                let payload = try transport.decode(StreamEvent.self, from: Data(event.data.utf8), url: url)
                switch payload.type {
                case "message_start":
                    model = payload.message?.model ?? model
                    usage.promptTokens = payload.message?.usage?.inputTokens ?? 0
                case "content_block_delta":
                    if let delta = payload.delta?.text ?? payload.delta?.partialJSON, !delta.isEmpty {
                        text += delta
                        continuation.yield(.delta(delta))
                    }
                case "message_delta":
                    if let reason = payload.delta?.stopReason { finishReason = FinishReason(anthropic: reason) }
                    if let output = payload.usage?.outputTokens { usage.completionTokens = output }
                    if let input = payload.usage?.inputTokens, input > 0 { usage.promptTokens = input }
                case "message_stop":
                    stopped = true
                case "error":
                    throw LanguageModelError(
                        .unavailable,
                        "\(configuration.provider): \(url) failed mid-reply: "
                            + "\(payload.error?.message ?? payload.error?.type ?? "unknown error"); try again")
                default:
                    break
                }
            }
            for try await line in transport.lines(.post(url, json: body, headers: headers)) {
                if let event = parser.feed(line) { try handle(event) }
            }
            if let event = parser.finish() { try handle(event) }
            guard stopped || finishReason != nil else {
                throw LanguageModelError(
                    .unavailable,
                    "\(configuration.provider): \(url) ended the stream before the reply was finished; try again")
            }
            continuation.yield(
                .done(
                    Completion(
                        text: text, finishReason: finishReason ?? .stop, usage: usage,
                        latency: ContinuousClock.now - started, model: model)))
        }
    }

    /// The models the key can use (`/v1/models`).
    public func models() async throws -> [ModelInfo] {
        let reply = try await transport.send(
            .get(configuration.baseURL + "/v1/models", headers: headers), decoding: ModelList.self)
        return reply.data.map { ModelInfo(name: $0.id, details: $0.displayName.map { ["display_name": $0] } ?? [:]) }
    }

    /// Counts the tokens of `text` as one user message (`/v1/messages/count_tokens`).
    public func countTokens(_ text: String) async throws -> Int? {
        let body: JSONValue = [
            "model": .string(configuration.model), "messages": [["role": "user", "content": .string(text)]],
        ]
        let reply = try await transport.send(
            .post(messagesURL + "/count_tokens", json: body, headers: headers), decoding: CountReply.self)
        return reply.inputTokens
    }

    /// Probes `/v1/models`.
    public func health() async -> HealthReport {
        await .probing { "\(descriptor.baseURL) answered with \(try await models().count) model(s)" }
    }
}

extension FinishReason {
    /// Anthropic's `stop_reason`; a forced tool call ends with `tool_use`, which is the expected end.
    init(anthropic reason: String?) {
        switch reason {
        case "end_turn", "stop_sequence", "tool_use", nil: self = .stop
        case "max_tokens": self = .length
        case let other?: self = .other(other)
        }
    }
}

// MARK: - Wire format

extension AnthropicModel {
    /// The `/v1/messages` body: system prompt apart; with a schema, one tool whose input is the answer and a
    /// `tool_choice` that forces it.
    static func messagesBody(_ request: CompletionRequest, model: String, stream: Bool) -> JSONValue {
        var body: JSONObject = ["model": .string(model), "max_tokens": JSONValue(request.maxTokens)]
        body["system"] = request.systemPrompt.map(JSONValue.string)
        body["messages"] = .array(
            request.conversation.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] })
        body["temperature"] = request.temperature.map(JSONValue.number)
        if !request.stop.isEmpty { body["stop_sequences"] = .array(request.stop.map(JSONValue.string)) }
        if stream { body["stream"] = true }
        if let schema = request.responseSchema {
            body["tools"] = [
                [
                    "name": .string(schema.name), "description": "Record the answer in this exact structure.",
                    "input_schema": schema.schema.jsonValue,
                ]
            ]
            body["tool_choice"] = ["type": "tool", "name": .string(schema.name)]
        }
        return .object(body)
    }
}

private struct TokenUsage: Decodable {
    var inputTokens: Int?
    var outputTokens: Int?

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
    }
}

private struct MessagesReply: Decodable {
    struct Block: Decodable {
        var type: String
        var text: String?
        var input: JSONValue?
    }

    struct Counts: Decodable {
        var inputTokens: Int
        var outputTokens: Int

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
        }
    }

    var model: String?
    var content: [Block]
    var stopReason: String?
    var usage: Counts

    enum CodingKeys: String, CodingKey {
        case model, content, usage
        case stopReason = "stop_reason"
    }
}

private struct StreamEvent: Decodable {
    struct Message: Decodable {
        var model: String?
        var usage: TokenUsage?
    }

    struct Delta: Decodable {
        var text: String?
        var partialJSON: String?
        var stopReason: String?

        enum CodingKeys: String, CodingKey {
            case text
            case partialJSON = "partial_json"
            case stopReason = "stop_reason"
        }
    }

    struct StreamError: Decodable {
        var type: String?
        var message: String?
    }

    var type: String
    var message: Message?
    var delta: Delta?
    var usage: TokenUsage?
    var error: StreamError?
}

private struct ModelList: Decodable {
    struct Entry: Decodable {
        var id: String
        var displayName: String?

        enum CodingKeys: String, CodingKey {
            case id
            case displayName = "display_name"
        }
    }

    var data: [Entry]
}

private struct CountReply: Decodable {
    var inputTokens: Int

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
    }
}
