import Foundation

/// A tracker failure the user can act on: what happened and what to do in one line, a code the command line maps to
/// an exit code, and the underlying cause. Never contains the access token.
public struct TrackerError: Error, Sendable, CustomStringConvertible {
    /// The category of failure.
    public enum Code: String, Sendable, Hashable {
        /// The token is missing, expired or revoked (401).
        case unauthorized
        /// The token is valid but may not do this (403 that is not a rate limit).
        case forbidden
        /// The repository or issue does not exist, or the token cannot see it (404, 410).
        case notFound
        /// A rate limit stopped the request and waiting longer than allowed would be needed.
        case rateLimited
        /// The forge rejected the request's content (422, 400).
        case validationFailed
        /// The forge could not be reached or kept failing (5xx, timeouts, refused connections).
        case unavailable
        /// The forge answered with something that is not what its API documents.
        case badResponse
    }

    /// The category.
    public var code: Code
    /// What happened and what to do, in one line.
    public var message: String
    /// The HTTP status, when a response was received.
    public var status: Int?
    /// For ``Code/rateLimited``: when the limit resets, if the forge said.
    public var retryAt: Date?
    /// The underlying error, for verbose logs.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, status: Int? = nil, retryAt: Date? = nil, cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAt = retryAt
        self.cause = cause
    }

    public var description: String { message }
}
