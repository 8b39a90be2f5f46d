import LanguageModels
import Synchronization

/// A language model that answers from a script, for testing code that uses a ``LanguageModel`` without a server.
///
/// Each call takes the next scripted answer; when one answer is left it is repeated. Every request is recorded.
public final class InMemoryLanguageModel: LanguageModel, Sendable {
    /// One scripted answer.
    public enum Answer: Sendable {
        /// Reply with this text.
        case text(
            String, finishReason: FinishReason = .stop, usage: Usage = Usage(promptTokens: 10, completionTokens: 5))
        /// Fail with this error.
        case failure(LanguageModelError)
    }

    /// Who this model claims to be.
    public let descriptor: ModelDescriptor
    private let script: Mutex<(answers: [Answer], requests: [CompletionRequest])>

    /// Creates a model that gives `answers` in order.
    public init(
        _ answers: [Answer],
        descriptor: ModelDescriptor = ModelDescriptor(provider: "memory", model: "scripted", baseURL: "memory://")
    ) {
        self.descriptor = descriptor
        self.script = Mutex((answers, []))
    }

    /// Every request received, in order.
    public var requests: [CompletionRequest] { script.withLock { $0.requests } }

    /// The next scripted answer.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let answer = script.withLock { script -> Answer? in
            script.requests.append(request)
            guard let first = script.answers.first else { return nil }
            if script.answers.count > 1 { script.answers.removeFirst() }
            return first
        }
        switch answer {
        case .text(let text, let finishReason, let usage):
            return Completion(
                text: text, finishReason: finishReason, usage: usage, latency: .milliseconds(1), model: descriptor.model
            )
        case .failure(let error):
            throw error
        case nil:
            throw LanguageModelError(.unavailable, "\(descriptor): the script has no answers")
        }
    }

    /// The next scripted answer, one word per chunk.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let completion = try await complete(request)
                    for (index, word) in completion.text.split(separator: " ").enumerated() {
                        continuation.yield(.delta(index == 0 ? String(word) : " " + word))
                    }
                    continuation.yield(.done(completion))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
