import IssueTrackers
import RepositoryAnalysis

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

extension TicketMasterError {
    /// `error` in the category the command line maps to an exit code and the web service to a status: the
    /// library's own errors, configuration errors, and the analysis and tracker errors below them. Nil for errors
    /// of no category (cancellation, argument parsing), which the caller handles itself.
    public static func categorized(_ error: any Error) -> TicketMasterError? {
        switch error {
        case let error as TicketMasterError:
            return error
        case let error as ConfigurationError:
            return TicketMasterError(.configuration, error.description, cause: error)
        case let error as AnalysisError:
            switch error.code {
            case .pathNotFound, .notARepository, .bareRepository:
                return TicketMasterError(.usage, error.message, cause: error)
            case .gitMissing, .gitFailed:
                return TicketMasterError(.failure, error.description, cause: error)
            }
        case let error as TrackerError:
            switch error.code {
            case .unauthorized, .forbidden: return TicketMasterError(.authentication, error.message, cause: error)
            case .rateLimited: return TicketMasterError(.partial, error.message, cause: error)
            case .notFound, .validationFailed, .unavailable, .badResponse:
                return TicketMasterError(.failure, error.message, cause: error)
            }
        default:
            return nil
        }
    }
}
