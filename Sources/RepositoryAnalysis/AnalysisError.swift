import Foundation

/// Why an analysis could not run, with a one-line message that says what to do about it.
public struct AnalysisError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, stable for scripts and exit codes.
    public var code: Code
    /// One line that says what happened and what to do.
    public var message: String
    /// The lower-level error or `git`'s own message, when there is one.
    public var cause: String?

    /// The kinds of failure.
    public enum Code: String, Sendable, Codable {
        /// The path does not exist.
        case pathNotFound
        /// The path exists but is not inside a Git working tree.
        case notARepository
        /// The path is a bare repository, which has no working tree to scan.
        case bareRepository
        /// No `git` executable could be found.
        case gitMissing
        /// `git` ran but failed.
        case gitFailed
    }

    /// Creates an error.
    public init(code: Code, message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message, followed by the cause when there is one.
    public var description: String {
        guard let cause, !cause.isEmpty else { return message }
        return "\(message) (\(cause))"
    }
}
