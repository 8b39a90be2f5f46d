import ArgumentParser
import Foundation
import TicketMaster

@main
struct TicketMasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket-master",
        abstract: "Suggest evidence-backed issues for a Git repository, and file the ones you approve.",
        discussion: """
            Run `ticket-master PATH [OWNER/REPO] --dry-run` to preview suggestions; `generate` is the default \
            subcommand.

            \(ExitStatus.table)
            """,
        version: ticketMasterVersion,
        subcommands: [
            Generate.self, Publish.self, Analyze.self, Config.self, Models.self, History.self, Pipeline.self,
            Serve.self, Worker.self,
        ],
        defaultSubcommand: Generate.self
    )

    /// Runs the command, mapping every error to a one-line message and a documented exit code.
    static func main() async {
        let status: ExitStatus
        do {
            var command = try await asyncParseAsRoot(nil)
            if let asyncCommand = command as? any AsyncParsableCommand {
                // The parsed command is used by this task alone; the signal handler only cancels it.
                nonisolated(unsafe) var running = asyncCommand
                if asyncCommand is Serve || asyncCommand is Worker {
                    // The web service and the worker shut down gracefully on SIGINT and SIGTERM themselves (their
                    // service groups).
                    try await running.run()
                } else {
                    try await Interruption.run { try await running.run() }
                }
            } else {
                try command.run()
            }
            status = .success
        } catch {
            status = report(error)
        }
        Foundation.exit(status.rawValue)
    }

    /// Prints `error` and returns the exit status it maps to.
    private static func report(_ error: any Error) -> ExitStatus {
        let colored = Terminal(color: .auto).colored && isatty(STDERR_FILENO) == 1
        let prefix = colored ? "\u{1B}[31merror\u{1B}[0m" : "error"
        func fail(_ status: ExitStatus, _ message: String) -> ExitStatus {
            StandardError.write("\(prefix): \(message)\n")
            return status
        }
        if let error = TicketMasterError.categorized(error) {
            return fail(ExitStatus(error.code), error.message)
        }
        switch error {
        case is CancellationError:
            return fail(.interrupted, "interrupted; work finished so far was kept")
        case let error as ExitCode:
            return ExitStatus(rawValue: error.rawValue) ?? .failure
        default:
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version and completion scripts.
                exit(withError: error)
            }
            // An argument-parser usage error: its message on one line, then the documented usage code.
            StandardError.write("\(prefix): \(message(for: error)) (see `ticket-master help`)\n")
            return code == .validationFailure ? .usage : .failure
        }
    }
}

extension ExitStatus {
    init(_ code: TicketMasterError.Code) {
        switch code {
        case .usage: self = .usage
        case .configuration: self = .configuration
        case .authentication: self = .authentication
        case .partial: self = .partial
        case .failure: self = .failure
        }
    }
}
