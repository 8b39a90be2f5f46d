/// A service that continues a conversation: the seam between Ticket-Master and every model provider.
///
/// Implementations speak one provider's HTTP API; wrappers (``FallbackModel``, ``MeteredModel``) add behaviour
/// around any of them. Retries and timeouts happen inside the providers' shared transport, so a caller sees either
/// a reply or one ``LanguageModelError``.
public protocol LanguageModel: Sendable {
    /// Which provider, model and endpoint this is; safe to print (it never holds a secret).
    var descriptor: ModelDescriptor { get }

    /// Sends `request` and waits for the whole reply.
    func complete(_ request: CompletionRequest) async throws -> Completion

    /// Sends `request` and yields the reply as it is written, ending with a ``CompletionChunk/done(_:)`` chunk.
    ///
    /// The stream fails with a ``LanguageModelError``; cancelling the consuming task cancels the request.
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error>
}

/// A provider that can list the models it serves.
public protocol ModelListing: Sendable {
    /// The models the provider can serve now.
    func models() async throws -> [ModelInfo]
}

/// A provider that turns text into embedding vectors.
public protocol TextEmbedding: Sendable {
    /// One vector per input text, in input order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// A provider that can count tokens with the model's own tokenizer.
public protocol TokenCounting: Sendable {
    /// The number of tokens in `text`, or nil when the server has no tokenizer endpoint.
    func countTokens(_ text: String) async throws -> Int?
}

/// A provider that can say whether it is reachable and ready.
public protocol HealthChecking: Sendable {
    /// Probes the provider; never throws, because "unreachable" is an answer.
    func health() async -> HealthReport
}

/// What a model is, for logs, history and error messages.
public struct ModelDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The provider's name as configuration spells it: `openai`, `ollama`, `anthropic`, `gemini`, `local`.
    public var provider: String
    /// The model name sent to the provider.
    public var model: String
    /// The API root, without credentials.
    public var baseURL: String

    /// Creates a descriptor; credentials and secret query items in `baseURL` are removed.
    public init(provider: String, model: String, baseURL: String) {
        self.provider = provider
        self.model = model
        self.baseURL = Redaction.displayURL(baseURL)
    }

    /// `provider/model`.
    public var description: String { "\(provider)/\(model)" }
}

/// One model a provider offers.
public struct ModelInfo: Sendable, Hashable {
    /// The name to configure, e.g. `llama3.2:latest` or `gpt-4o-mini`.
    public var name: String
    /// Size on disk in bytes, when the provider reports it (Ollama does).
    public var sizeBytes: Int?
    /// Extra facts worth showing (family, parameter size, quantization), when reported.
    public var details: [String: String]

    /// Creates a model description.
    public init(name: String, sizeBytes: Int? = nil, details: [String: String] = [:]) {
        self.name = name
        self.sizeBytes = sizeBytes
        self.details = details
    }
}

/// The result of a health probe.
public struct HealthReport: Sendable, Hashable {
    /// Whether the provider answered as expected.
    public var isHealthy: Bool
    /// One line for people: what answered, or what failed and what to do.
    public var detail: String
    /// How long the probe took.
    public var latency: Duration

    /// Creates a report.
    public init(isHealthy: Bool, detail: String, latency: Duration) {
        self.isHealthy = isHealthy
        self.detail = detail
        self.latency = latency
    }
}

extension HealthReport {
    /// Times `probe`: healthy with the line it returns, or unhealthy with the error it throws.
    static func probing(_ probe: () async throws -> String) async -> HealthReport {
        let started = ContinuousClock.now
        do {
            let detail = try await probe()
            return HealthReport(isHealthy: true, detail: detail, latency: ContinuousClock.now - started)
        } catch {
            return HealthReport(isHealthy: false, detail: "\(error)", latency: ContinuousClock.now - started)
        }
    }
}
