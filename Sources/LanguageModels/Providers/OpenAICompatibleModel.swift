import Foundation

/// A model behind the OpenAI chat-completions API: OpenAI itself, llama.cpp's `llama-server`, vLLM, LM Studio,
/// OpenRouter, or Ollama's `/v1`.
public struct OpenAICompatibleModel: LanguageModel, ModelListing, TextEmbedding, TokenCounting, HealthChecking {
    /// Where the API is and how to authenticate.
    public struct Configuration: Sendable {
        /// The API root, including the version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1`.
        public var baseURL: String
        /// The model name.
        public var model: String
        /// Sent as `Authorization: Bearer …` when set.
        public var apiKey: String?
        /// Sent as `OpenAI-Organization` when set.
        public var organization: String?
        /// More headers for every request, for gateways that want them (OpenRouter's `HTTP-Referer`, …).
        public var headers: [String: String]
        /// The provider's name in messages and history: `openai` unless this is the managed `local` model.
        public var provider: String
        /// Which request field carries the reply's token limit.
        public var tokenLimitField: TokenLimitField

        /// Creates a configuration.
        public init(
            baseURL: String = "https://api.openai.com/v1", model: String, apiKey: String? = nil,
            organization: String? = nil, headers: [String: String] = [:], provider: String = "openai",
            tokenLimitField: TokenLimitField = .automatic
        ) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.model = model
            self.apiKey = apiKey
            self.organization = organization
            self.headers = headers
            self.provider = provider
            self.tokenLimitField = tokenLimitField
        }

        /// The name of the field the token limit is sent in, with `automatic` settled by the base URL's host.
        public var tokenLimitFieldName: String {
            switch tokenLimitField {
            case .maxTokens, .maxCompletionTokens:
                return tokenLimitField.rawValue
            case .automatic:
                let host = URL(string: baseURL)?.host?.lowercased()
                return host == "api.openai.com"
                    ? TokenLimitField.maxCompletionTokens.rawValue : TokenLimitField.maxTokens.rawValue
            }
        }

        /// Whether the model is one of OpenAI's reasoning models (`o1`, `o3-mini`, `o4-mini`, `gpt-5`, …) on OpenAI's
        /// own API: they accept only their default temperature and refuse a request that sets another.
        public var isOpenAIReasoningModel: Bool {
            guard URL(string: baseURL)?.host?.lowercased() == "api.openai.com" else { return false }
            let name = model.lowercased()
            return name.hasPrefix("gpt-5") || (name.first == "o" && name.dropFirst().first?.isNumber == true)
        }
    }

    /// The request field that limits the reply's length.
    ///
    /// OpenAI deprecated `max_tokens` for `max_completion_tokens`, which also counts reasoning tokens, and its
    /// reasoning models (o-series, gpt-5) reject `max_tokens` outright; llama-server, vLLM, LM Studio and most
    /// other compatible servers read only `max_tokens`.
    public enum TokenLimitField: String, Sendable, CaseIterable {
        /// `max_completion_tokens` for OpenAI's own API (`api.openai.com`), `max_tokens` for every other server.
        case automatic = "auto"
        /// Always `max_tokens`.
        case maxTokens = "max_tokens"
        /// Always `max_completion_tokens`.
        case maxCompletionTokens = "max_completion_tokens"
    }

    /// The configuration.
    public let configuration: Configuration
    let transport: HTTPTransport

    /// Creates a model client; nothing is sent until the first call.
    public init(_ configuration: Configuration, options: TransportOptions = TransportOptions()) {
        self.configuration = configuration
        let isLocal = configuration.provider == "local"
        self.transport = HTTPTransport(
            provider: configuration.provider,
            remedies: Remedies(
                unauthorized: isLocal
                    ? "the managed llama-server does not take a key; check that nothing else listens on its port"
                    : "set OPENAI_API_KEY (or llm.openai.api_key) to a valid key for \(configuration.baseURL)",
                unavailable: isLocal
                    ? "the managed llama-server is not answering; run `ticket-master models check`"
                    : "check that the server is running and llm.openai.base_url points at it",
                modelNotFound: "set llm.model to one the server lists (`ticket-master models list`)"),
            secrets: [configuration.apiKey] + Array(configuration.headers.values), options: options)
    }

    /// The provider, model and base URL.
    public var descriptor: ModelDescriptor {
        ModelDescriptor(provider: configuration.provider, model: configuration.model, baseURL: configuration.baseURL)
    }

    private var headers: [(String, String)] {
        var headers: [(String, String)] = []
        if let key = configuration.apiKey, !key.isEmpty { headers.append(("authorization", "Bearer \(key)")) }
        if let organization = configuration.organization { headers.append(("openai-organization", organization)) }
        headers += configuration.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return headers
    }

    private var chatURL: String { configuration.baseURL + "/chat/completions" }

    /// Sends the chat and waits for the reply.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = ContinuousClock.now
        let body = Self.chatBody(request, configuration: configuration, stream: false)
        let reply = try await transport.send(
            .post(chatURL, json: body, headers: headers), decoding: ChatReply.self)
        guard let choice = reply.choices.first else {
            throw LanguageModelError(
                .badResponse, "\(configuration.provider): \(chatURL) replied with no choices; try again")
        }
        return Completion(
            text: choice.message.content ?? "", finishReason: FinishReason(openAI: choice.finishReason),
            usage: Usage(
                promptTokens: reply.usage?.promptTokens ?? 0, completionTokens: reply.usage?.completionTokens ?? 0),
            latency: ContinuousClock.now - started, model: reply.model ?? configuration.model)
    }

    /// Streams the reply from server-sent events, ending at `data: [DONE]`.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let url = chatURL
        let headers = headers
        let configuration = configuration
        let transport = transport
        return chunkStream { continuation in
            let started = ContinuousClock.now
            let body = Self.chatBody(request, configuration: configuration, stream: true)
            var parser = ServerSentEventParser()
            var text = ""
            var finishReason: FinishReason?
            var usage = Usage.zero
            var model = configuration.model
            func handle(_ event: ServerSentEventParser.Event) throws -> Bool {
                if event.data == "[DONE]" { return true }
                let chunk = try transport.decode(StreamChunk.self, from: Data(event.data.utf8), url: url)
                if let error = chunk.error {
                    throw LanguageModelError(
                        .unavailable, "\(configuration.provider): \(url) failed mid-reply: \(error.message ?? "?")")
                }
                model = chunk.model ?? model
                if let reported = chunk.usage {
                    usage = Usage(promptTokens: reported.promptTokens, completionTokens: reported.completionTokens)
                }
                for choice in chunk.choices ?? [] {
                    if let delta = choice.delta?.content, !delta.isEmpty {
                        text += delta
                        continuation.yield(.delta(delta))
                    }
                    if let reason = choice.finishReason { finishReason = FinishReason(openAI: reason) }
                }
                return false
            }
            reading: for try await line in transport.lines(.post(url, json: body, headers: headers)) {
                if let event = parser.feed(line), try handle(event) { break reading }
            }
            if let event = parser.finish() { _ = try handle(event) }
            guard let finishReason else {
                throw LanguageModelError(
                    .unavailable,
                    "\(configuration.provider): \(url) ended the stream before the reply was finished; try again")
            }
            continuation.yield(
                .done(
                    Completion(
                        text: text, finishReason: finishReason, usage: usage,
                        latency: ContinuousClock.now - started, model: model)))
        }
    }

    /// The models the server lists at `/models`.
    public func models() async throws -> [ModelInfo] {
        let reply = try await transport.send(
            .get(configuration.baseURL + "/models", headers: headers), decoding: ModelList.self)
        return reply.data.map { ModelInfo(name: $0.id, details: $0.ownedBy.map { ["owned_by": $0] } ?? [:]) }
    }

    /// Embeddings from `/embeddings`, in input order.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let body: JSONValue = ["model": .string(configuration.model), "input": .array(texts.map(JSONValue.string))]
        let reply = try await transport.send(
            .post(configuration.baseURL + "/embeddings", json: body, headers: headers), decoding: EmbeddingReply.self)
        return reply.data.sorted { $0.index < $1.index }.map(\.embedding)
    }

    /// Counts tokens with llama-server's `/tokenize`, which lives at the server root rather than under `/v1`;
    /// nil from servers without it.
    public func countTokens(_ text: String) async throws -> Int? {
        let root =
            configuration.baseURL.hasSuffix("/v1") ? String(configuration.baseURL.dropLast(3)) : configuration.baseURL
        let body: JSONValue = ["content": .string(text)]
        do {
            let reply = try await transport.send(
                .post(root + "/tokenize", json: body, headers: headers), decoding: TokenizeReply.self)
            return reply.tokens.count
        } catch let error as LanguageModelError where error.code == .invalidRequest || error.code == .modelNotFound {
            return nil
        }
    }

    /// Probes `/models`, which every compatible server answers.
    public func health() async -> HealthReport {
        await .probing { "\(configuration.baseURL) answered with \(try await models().count) model(s)" }
    }
}

extension FinishReason {
    /// OpenAI's `finish_reason`: `stop`, `length`, `content_filter`, `tool_calls`.
    init(openAI reason: String?) {
        switch reason {
        case "stop", nil: self = .stop
        case "length": self = .length
        case let other?: self = .other(other)
        }
    }
}

// MARK: - Wire format

extension OpenAICompatibleModel {
    /// The `/chat/completions` body; with a schema, `response_format` asks for strict JSON-schema output.
    static func chatBody(_ request: CompletionRequest, configuration: Configuration, stream: Bool) -> JSONValue {
        var body: JSONObject = [
            "model": .string(configuration.model),
            "messages": .array(
                request.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }),
            configuration.tokenLimitFieldName: JSONValue(request.maxTokens),
        ]
        if !configuration.isOpenAIReasoningModel { body["temperature"] = request.temperature.map(JSONValue.number) }
        if !request.stop.isEmpty { body["stop"] = .array(request.stop.map(JSONValue.string)) }
        if stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        if let schema = request.responseSchema {
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": [
                    "name": .string(schema.name), "schema": schema.schema.jsonValue,
                    "strict": .bool(schema.schema.isStrictCompatible),
                ],
            ]
        }
        return .object(body)
    }
}

private struct TokenUsage: Decodable {
    var promptTokens: Int
    var completionTokens: Int

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}

private struct ChatReply: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: String?
        }

        var message: Message
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case message
            case finishReason = "finish_reason"
        }
    }

    var model: String?
    var choices: [Choice]
    var usage: TokenUsage?
}

private struct StreamChunk: Decodable {
    struct Choice: Decodable {
        struct Delta: Decodable {
            var content: String?
        }

        var delta: Delta?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case delta
            case finishReason = "finish_reason"
        }
    }

    struct StreamError: Decodable {
        var message: String?
    }

    var model: String?
    var choices: [Choice]?
    var usage: TokenUsage?
    var error: StreamError?
}

private struct ModelList: Decodable {
    struct Entry: Decodable {
        var id: String
        var ownedBy: String?

        enum CodingKeys: String, CodingKey {
            case id
            case ownedBy = "owned_by"
        }
    }

    var data: [Entry]
}

private struct EmbeddingReply: Decodable {
    struct Entry: Decodable {
        var embedding: [Float]
        var index: Int
    }

    var data: [Entry]
}

private struct TokenizeReply: Decodable {
    var tokens: [Int]
}
