/// A failure the user can act on: what happened and what to do, in one line, with a category the command line maps
/// to an exit code.
public struct TicketMasterError: Error, Sendable, CustomStringConvertible {
    /// The category of failure; each maps to a documented exit code.
    public enum Code: String, Sendable {
        case usage, configuration, authentication, partial, failure
    }

    /// The category.
    public var code: Code
    /// What happened and what to do, in one sentence.
    public var message: String
    /// The underlying error, for `--verbose` logs.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
