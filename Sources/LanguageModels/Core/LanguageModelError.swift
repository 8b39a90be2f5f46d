/// A failure talking to a model: what happened, where, and what to do, in one line without secrets.
///
/// Messages name the provider and the URL (credentials and secret query items removed) and end with a remedy,
/// e.g. `openai: https://api.openai.com/v1/chat/completions answered 401 Unauthorized (Incorrect API key
/// provided); set OPENAI_API_KEY to a valid key`.
public struct LanguageModelError: Error, Sendable, CustomStringConvertible {
    /// The category of failure; callers decide on it (retry, fall back, exit code), never on the message.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The provider rejected the credentials (401, 403, or Gemini's `API_KEY_INVALID`).
        case unauthorized
        /// The provider asked us to slow down (429) and kept doing so through every retry.
        case rateLimited
        /// The provider could not be reached or failed (connection refused or lost, 5xx) through every retry.
        case unavailable
        /// No reply within the connect, idle or request timeout.
        case timeout
        /// The provider does not have the model (Ollama's and OpenAI's 404 for a model).
        case modelNotFound
        /// The provider rejected the request itself (another 4xx); retrying the same request cannot help.
        case invalidRequest
        /// The reply was not in the provider's documented format.
        case badResponse
        /// The reply did not match the requested schema, even after one repair attempt.
        case invalidStructuredOutput
        /// The call could cost more than what is left of the budget, or its cost cannot be known.
        case budgetExceeded
        /// The managed local model is not installed, or installing it failed.
        case notInstalled
        /// The managed local model server would not start or stopped unexpectedly.
        case localServerFailed
    }

    /// The category.
    public var code: Code
    /// What happened and what to do, in one line, without secrets.
    public var message: String
    /// The underlying error, for verbose logs.
    public var cause: (any Error & Sendable)?
    /// How long the provider asked us to wait, when it said (`retry-after`).
    public var retryAfter: Duration?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.retryAfter = retryAfter
    }

    /// The message.
    public var description: String { message }

    /// Whether the transport may send the same request again (408, 429, 5xx, connection failures); set only by
    /// the transport, which is the one place that knows.
    var isRetryable = false
}
