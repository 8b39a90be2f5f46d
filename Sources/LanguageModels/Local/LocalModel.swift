import Foundation

/// The managed local model (provider `local`): SmolLM2 served by the cached `llama-server`, which is started on
/// the first call and spoken to through its OpenAI-compatible API.
public struct LocalModel: LanguageModel, TextEmbedding, TokenCounting, HealthChecking {
    /// The server this model runs on; stop it when the run ends.
    public let runtime: LocalModelRuntime
    private let options: TransportOptions

    /// Creates the model; the server starts on the first call.
    public init(runtime: LocalModelRuntime = LocalModelRuntime(), options: TransportOptions = TransportOptions()) {
        self.runtime = runtime
        self.options = options
    }

    /// `local/SmolLM2-135M-Instruct`; the port is chosen when the server starts, so the URL names the host only.
    public var descriptor: ModelDescriptor {
        ModelDescriptor(provider: "local", model: LocalModelInstallation.modelName, baseURL: "http://127.0.0.1")
    }

    /// An OpenAI-compatible client for the running server, starting it if needed.
    public func client() async throws -> OpenAICompatibleModel {
        let root = try await runtime.start()
        return OpenAICompatibleModel(
            .init(
                baseURL: root.absoluteString + "/v1", model: LocalModelInstallation.modelName, provider: "local"),
            options: options)
    }

    /// Sends the chat to the local server.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try await client().complete(request)
    }

    /// Streams the reply from the local server.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        chunkStream { continuation in
            for try await chunk in try await client().stream(request) { continuation.yield(chunk) }
        }
    }

    /// Embeddings from the local server (it is started with `--embeddings` unless its options say otherwise).
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await client().embed(texts)
    }

    /// Counts tokens with the server's tokenizer.
    public func countTokens(_ text: String) async throws -> Int? {
        try await client().countTokens(text)
    }

    /// Whether the model is installed and its server answers; starts the server if it is not running.
    public func health() async -> HealthReport {
        let started = ContinuousClock.now
        do {
            let client = try await client()
            return await client.health()
        } catch {
            return HealthReport(isHealthy: false, detail: "\(error)", latency: ContinuousClock.now - started)
        }
    }
}
