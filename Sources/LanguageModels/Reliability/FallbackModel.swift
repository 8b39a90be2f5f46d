import Logging

/// Tries a chain of models in order until one answers: the configured model first, then the fallbacks.
///
/// A model is skipped for failures another model may not share (unreachable, rate-limited, rejected key, missing
/// model, bad reply, timeout). Budget and cancellation end the chain at once: a cheaper model would still be
/// spending from the same budget the user capped. A stream falls back only before its first chunk; after that,
/// part of a reply has been shown and switching models would splice two replies together.
public struct FallbackModel: LanguageModel {
    /// The models, in the order they are tried.
    public let models: [any LanguageModel]
    private let logger: Logger

    /// Creates a chain of `primary`, then `fallbacks` in order.
    public init(
        primary: any LanguageModel, fallbacks: [any LanguageModel],
        logger: Logger = Logger(label: "ticket-master.language-models")
    ) {
        self.models = [primary] + fallbacks
        self.logger = logger
    }

    /// The primary model's descriptor.
    public var descriptor: ModelDescriptor { models[0].descriptor }

    /// The first model's reply that succeeds.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        var failures: [(ModelDescriptor, LanguageModelError)] = []
        for model in models {
            do {
                return try await model.complete(request)
            } catch let error as LanguageModelError where Self.fallsBack(error) {
                note(error, from: model, isLast: model.descriptor == models.last?.descriptor)
                failures.append((model.descriptor, error))
            }
        }
        throw Self.exhausted(failures)
    }

    /// The first model's stream that produces a chunk.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let models = models
        return chunkStream { continuation in
            var failures: [(ModelDescriptor, LanguageModelError)] = []
            for (index, model) in models.enumerated() {
                var started = false
                do {
                    for try await chunk in model.stream(request) {
                        started = true
                        continuation.yield(chunk)
                    }
                    return
                } catch let error as LanguageModelError where !started && Self.fallsBack(error) {
                    note(error, from: model, isLast: index == models.count - 1)
                    failures.append((model.descriptor, error))
                }
            }
            throw Self.exhausted(failures)
        }
    }

    private func note(_ error: LanguageModelError, from model: any LanguageModel, isLast: Bool) {
        guard !isLast else { return }
        logger.info("\(model.descriptor) failed (\(error.code.rawValue)); trying the next model")
    }

    private static func fallsBack(_ error: LanguageModelError) -> Bool {
        error.code != .budgetExceeded && error.code != .invalidStructuredOutput
    }

    /// One error for a chain where every model failed: the primary's code (what the user configured) and every
    /// model's message.
    private static func exhausted(_ failures: [(ModelDescriptor, LanguageModelError)]) -> LanguageModelError {
        guard let primary = failures.first?.1 else {
            return LanguageModelError(.unavailable, "no model was configured; set llm.provider")
        }
        guard failures.count > 1 else { return primary }
        let each = failures.map { "\($0.0): \($0.1.message)" }.joined(separator: " | ")
        return LanguageModelError(
            primary.code, "all \(failures.count) configured models failed: \(each)", cause: primary,
            retryAfter: primary.retryAfter)
    }
}
