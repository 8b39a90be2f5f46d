/// A finished reply.
public struct Completion: Sendable, Hashable {
    /// The reply's text; for structured output, the JSON text.
    public var text: String
    /// Why the model stopped.
    public var finishReason: FinishReason
    /// Tokens read and written.
    public var usage: Usage
    /// Time from sending the request to receiving the end of the reply, retries included.
    public var latency: Duration
    /// The model that answered, as the provider names it (it may differ from the one asked for).
    public var model: String

    /// Creates a completion.
    public init(text: String, finishReason: FinishReason, usage: Usage, latency: Duration, model: String) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.latency = latency
        self.model = model
    }
}

/// Why a model stopped writing.
public enum FinishReason: Sendable, Hashable, CustomStringConvertible {
    /// It finished, or wrote a stop sequence, or (for forced tool use) produced the tool call.
    case stop
    /// It ran out of tokens: the reply is cut short.
    case length
    /// Anything else the provider reported (content filter, safety, …), with the provider's word for it.
    case other(String)

    /// The provider's word, or `stop` / `length`.
    public var description: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .other(let reason): reason
        }
    }
}

/// Tokens counted by the provider for one call.
public struct Usage: Sendable, Hashable {
    /// Tokens read: the prompt.
    public var promptTokens: Int
    /// Tokens written: the reply.
    public var completionTokens: Int

    /// Creates a usage record.
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// No tokens.
    public static let zero = Usage(promptTokens: 0, completionTokens: 0)

    /// Prompt and completion tokens together.
    public var totalTokens: Int { promptTokens + completionTokens }

    /// The sum of two records.
    public static func + (lhs: Usage, rhs: Usage) -> Usage {
        Usage(
            promptTokens: lhs.promptTokens + rhs.promptTokens,
            completionTokens: lhs.completionTokens + rhs.completionTokens)
    }
}

/// One piece of a streamed reply.
public enum CompletionChunk: Sendable, Hashable {
    /// More text, in order.
    case delta(String)
    /// The end: the whole reply with its usage and finish reason, as ``LanguageModel/complete(_:)`` returns it.
    case done(Completion)
}

extension AsyncThrowingStream where Element == CompletionChunk {
    /// Reads the stream to its end and returns the final completion.
    public func completion() async throws -> Completion {
        for try await chunk in self {
            if case .done(let completion) = chunk { return completion }
        }
        try Task.checkCancellation()
        throw LanguageModelError(.badResponse, "the reply stream ended without its final chunk; try again")
    }
}
