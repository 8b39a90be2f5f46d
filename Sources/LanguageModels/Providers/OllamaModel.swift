import Foundation

/// A model served by Ollama's native API: `/api/chat` (NDJSON streaming, `format` = JSON schema), `/api/tags`,
/// `/api/show`, `/api/pull` with streamed progress, `/api/embed`.
public struct OllamaModel: LanguageModel, ModelListing, TextEmbedding, HealthChecking {
    /// Where Ollama listens and which model to use.
    public struct Configuration: Sendable {
        /// Ollama's root, e.g. `http://localhost:11434` (configuration normalizes `OLLAMA_HOST` to this form).
        public var baseURL: String
        /// The model name, e.g. `llama3.2` or `qwen2.5:7b`.
        public var model: String
        /// The context window to load the model with (`options.num_ctx`); nil or 0 leaves it to the server.
        ///
        /// Ollama's default window is small (a few thousand tokens) and it silently cuts the start of a longer
        /// prompt, so prompts about large repositories may need it raised.
        public var contextLength: Int?

        /// Creates a configuration.
        public init(baseURL: String = "http://localhost:11434", model: String, contextLength: Int? = nil) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.model = model
            self.contextLength = contextLength
        }
    }

    /// One step of a pull, as Ollama reports it.
    public struct PullProgress: Sendable, Hashable {
        /// Ollama's words: `pulling manifest`, `downloading sha256:…`, `verifying sha256 digest`, `success`, …
        public var status: String
        /// The layer being downloaded, while downloading.
        public var digest: String?
        /// Bytes of this layer so far, while downloading.
        public var completed: Int?
        /// Bytes of this layer in all, while downloading.
        public var total: Int?

        /// Creates a progress report.
        public init(status: String, digest: String? = nil, completed: Int? = nil, total: Int? = nil) {
            self.status = status
            self.digest = digest
            self.completed = completed
            self.total = total
        }

        /// The fraction of the current layer downloaded, when known.
        public var fraction: Double? {
            guard let completed, let total, total > 0 else { return nil }
            return Double(completed) / Double(total)
        }
    }

    /// The configuration.
    public let configuration: Configuration
    private let transport: HTTPTransport

    /// Creates a client; nothing is sent until the first call.
    public init(_ configuration: Configuration, options: TransportOptions = TransportOptions()) {
        self.configuration = configuration
        self.transport = HTTPTransport(
            provider: "ollama",
            remedies: Remedies(
                unauthorized: "Ollama takes no key, so a proxy in front of it refused; check llm.ollama.base_url",
                unavailable: "start Ollama (`ollama serve`) or point OLLAMA_HOST / llm.ollama.base_url at it",
                modelNotFound: "pull it with `ticket-master models pull \(configuration.model)`"),
            secrets: [], options: options)
    }

    /// The provider, model and base URL.
    public var descriptor: ModelDescriptor {
        ModelDescriptor(provider: "ollama", model: configuration.model, baseURL: configuration.baseURL)
    }

    private var chatURL: String { configuration.baseURL + "/api/chat" }

    /// Sends the chat with `"stream": false` and waits for the reply.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = ContinuousClock.now
        let body = Self.chatBody(request, configuration: configuration, stream: false)
        let reply = try await transport.send(.post(chatURL, json: body), decoding: ChatLine.self)
        if let error = reply.error { throw streamError(error) }
        return reply.completion(text: reply.message?.content ?? "", latency: ContinuousClock.now - started)
    }

    /// Streams the reply from newline-delimited JSON objects, the last of which has `"done": true`.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let url = chatURL
        let configuration = configuration
        let transport = transport
        return chunkStream { continuation in
            let started = ContinuousClock.now
            let body = Self.chatBody(request, configuration: configuration, stream: true)
            var text = ""
            for try await line in transport.lines(.post(url, json: body)) where !line.isEmpty {
                let chunk = try transport.decode(ChatLine.self, from: Data(line.utf8), url: url)
                if let error = chunk.error { throw streamError(error) }
                if let delta = chunk.message?.content, !delta.isEmpty {
                    text += delta
                    continuation.yield(.delta(delta))
                }
                if chunk.done == true {
                    continuation.yield(.done(chunk.completion(text: text, latency: ContinuousClock.now - started)))
                    return
                }
            }
            throw LanguageModelError(
                .unavailable, "ollama: \(url) ended the stream before the reply was finished; try again")
        }
    }

    /// The models pulled into this Ollama (`/api/tags`).
    public func models() async throws -> [ModelInfo] {
        let reply = try await transport.send(.get(configuration.baseURL + "/api/tags"), decoding: TagList.self)
        return reply.models.map { ModelInfo(name: $0.name, sizeBytes: $0.size, details: $0.details?.summary ?? [:]) }
    }

    /// Whether the configured model is pulled; a name without a tag means `:latest`, as Ollama reads it.
    public func isModelAvailable() async throws -> Bool {
        let wanted = Self.normalizedName(configuration.model)
        return try await models().contains { Self.normalizedName($0.name) == wanted }
    }

    /// Details of the configured model (`/api/show`): family, parameter size, quantization, context length.
    public func show() async throws -> ModelInfo {
        let reply = try await transport.send(
            .post(configuration.baseURL + "/api/show", json: ["model": .string(configuration.model)]),
            decoding: ShowReply.self)
        var details = reply.details?.summary ?? [:]
        if let info = reply.modelInfo {
            for (key, value) in info where key.hasSuffix(".context_length") {
                if let length = value.numberValue { details["context_length"] = String(Int(length)) }
            }
        }
        return ModelInfo(name: configuration.model, details: details)
    }

    /// Pulls `name` (the configured model when nil), yielding Ollama's progress reports until `success`.
    ///
    /// A pull downloads gigabytes, so it has no total deadline; the idle timeout still catches a stalled one.
    public func pull(_ name: String? = nil) -> AsyncThrowingStream<PullProgress, any Error> {
        let url = configuration.baseURL + "/api/pull"
        let model = name ?? configuration.model
        let transport = transport
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var request = HTTPTransport.Request.post(url, json: ["model": .string(model), "stream": true])
                    request.timeout = .seconds(24 * 60 * 60)
                    var succeeded = false
                    for try await line in transport.lines(request) where !line.isEmpty {
                        let step = try transport.decode(PullLine.self, from: Data(line.utf8), url: url)
                        if let error = step.error {
                            throw LanguageModelError(
                                .modelNotFound,
                                "ollama: pulling \(model) from \(Redaction.displayURL(url)) failed: \(error); "
                                    + "check the name at https://ollama.com/library")
                        }
                        let progress = PullProgress(
                            status: step.status ?? "", digest: step.digest, completed: step.completed, total: step.total
                        )
                        continuation.yield(progress)
                        if step.status == "success" { succeeded = true }
                    }
                    guard succeeded else {
                        throw LanguageModelError(
                            .unavailable, "ollama: the pull of \(model) ended without success; run it again to resume")
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Embeddings from `/api/embed`, in input order.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let body: JSONValue = ["model": .string(configuration.model), "input": .array(texts.map(JSONValue.string))]
        let reply = try await transport.send(
            .post(configuration.baseURL + "/api/embed", json: body), decoding: EmbedReply.self)
        guard reply.embeddings.count == texts.count else {
            throw LanguageModelError(
                .badResponse,
                "ollama: /api/embed returned \(reply.embeddings.count) vectors for \(texts.count) texts; try again")
        }
        return reply.embeddings
    }

    /// Probes `/api/version`.
    public func health() async -> HealthReport {
        await .probing {
            let reply = try await transport.send(
                .get(configuration.baseURL + "/api/version"), decoding: VersionReply.self)
            return "Ollama \(reply.version) at \(descriptor.baseURL)"
        }
    }

    private func streamError(_ message: String) -> LanguageModelError {
        let lowered = message.lowercased()
        if lowered.contains("not found") && lowered.contains("model") {
            return LanguageModelError(
                .modelNotFound,
                "ollama: \(descriptor.baseURL) does not have \(configuration.model) (\(message)); "
                    + "pull it with `ticket-master models pull \(configuration.model)`")
        }
        return LanguageModelError(.unavailable, "ollama: \(chatURL) failed mid-reply: \(message); try again")
    }

    private static func normalizedName(_ name: String) -> String {
        name.contains(":") ? name : name + ":latest"
    }
}

// MARK: - Wire format

extension OllamaModel {
    /// The `/api/chat` body; `stream` is always sent because Ollama streams unless told not to.
    static func chatBody(_ request: CompletionRequest, configuration: Configuration, stream: Bool) -> JSONValue {
        var options: JSONObject = ["num_predict": JSONValue(request.maxTokens)]
        options["temperature"] = request.temperature.map(JSONValue.number)
        if !request.stop.isEmpty { options["stop"] = .array(request.stop.map(JSONValue.string)) }
        if let contextLength = configuration.contextLength, contextLength > 0 {
            options["num_ctx"] = JSONValue(contextLength)
        }
        var body: JSONObject = [
            "model": .string(configuration.model),
            "messages": .array(
                request.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }),
            "stream": .bool(stream),
        ]
        body["format"] = request.responseSchema?.schema.jsonValue
        body["options"] = .object(options)
        return .object(body)
    }
}

private struct ChatLine: Decodable {
    struct Message: Decodable {
        var content: String?
    }

    var model: String?
    var message: Message?
    var done: Bool?
    var doneReason: String?
    var promptEvalCount: Int?
    var evalCount: Int?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case model, message, done, error
        case doneReason = "done_reason"
        case promptEvalCount = "prompt_eval_count"
        case evalCount = "eval_count"
    }

    func completion(text: String, latency: Duration) -> Completion {
        let reason: FinishReason =
            switch doneReason {
            case "stop", nil: .stop
            case "length": .length
            case let other?: .other(other)
            }
        return Completion(
            text: text, finishReason: reason,
            usage: Usage(promptTokens: promptEvalCount ?? 0, completionTokens: evalCount ?? 0), latency: latency,
            model: model ?? "")
    }
}

private struct ModelDetails: Decodable {
    var family: String?
    var parameterSize: String?
    var quantizationLevel: String?

    enum CodingKeys: String, CodingKey {
        case family
        case parameterSize = "parameter_size"
        case quantizationLevel = "quantization_level"
    }

    var summary: [String: String] {
        var summary: [String: String] = [:]
        summary["family"] = family
        summary["parameter_size"] = parameterSize
        summary["quantization_level"] = quantizationLevel
        return summary
    }
}

private struct TagList: Decodable {
    struct Entry: Decodable {
        var name: String
        var size: Int?
        var details: ModelDetails?
    }

    var models: [Entry]
}

private struct ShowReply: Decodable {
    var details: ModelDetails?
    var modelInfo: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case details
        case modelInfo = "model_info"
    }
}

private struct PullLine: Decodable {
    var status: String?
    var digest: String?
    var total: Int?
    var completed: Int?
    var error: String?
}

private struct EmbedReply: Decodable {
    var embeddings: [[Float]]
}

private struct VersionReply: Decodable {
    var version: String
}
