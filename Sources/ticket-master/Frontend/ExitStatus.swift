import ArgumentParser
import TicketMaster

/// The documented exit codes. Keep this table, `--help` and the README in step.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case failure = 1
    case usage = 2
    case configuration = 3
    case authentication = 4
    case partial = 5
    case interrupted = 130

    var meaning: String {
        switch self {
        case .success: "success"
        case .failure: "failure (git, a model or a tracker failed)"
        case .usage: "usage error (bad arguments, a path that is not a repository)"
        case .configuration: "configuration error"
        case .authentication: "authentication error (missing or rejected token)"
        case .partial: "partial: rate-limited or stopped part way, what was done is kept"
        case .interrupted: "interrupted (Ctrl-C), what was done is kept"
        }
    }

    /// The table for `--help`.
    static var table: String {
        "Exit codes:\n"
            + allCases.map { "  \(String($0.rawValue).padding(toLength: 5, withPad: " ", startingAt: 0))\($0.meaning)" }
            .joined(separator: "\n")
    }
}
