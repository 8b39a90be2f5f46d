import ArgumentParser
import Foundation
import TicketMaster

/// `ticket-master analyze PATH`: the findings, without drafting issues.
struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse a repository's history and files and print the findings.",
        discussion: "The JSON output's schema is documented in docs/analysis.md.")

    @Argument(help: ArgumentHelp("The repository: a local path or a clone URL.", valueName: "path-or-url"))
    var path: String = "."

    @OptionGroup var window: AnalysisWindowOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format: text or json.")
    var format: DataFormat = .text

    func run() async throws {
        let session = try Session.start(
            global, searchDirectory: RepositoryCheckout.isURL(path) ? nil : path, flags: window.configurationFlags)
        let report = try await session.analyze(path)
        switch format {
        case .json: try printJSON(report)
        case .text: print(AnalysisSummary(report: report, terminal: session.terminal).text, terminator: "")
        }
    }
}

/// Flags that narrow the analysed history; they override `repository.*` configuration.
struct AnalysisWindowOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Analyse at most this many recent commits.", valueName: "n"))
    var maxCommits: Int?

    @Option(
        help: ArgumentHelp("Only commits after a date (2024-01-31) or an age (90d, 12w, 6m, 1y).", valueName: "when"))
    var since: String?

    @Flag(help: "Follow only the first parent of merge commits.")
    var firstParent = false

    func validate() throws {
        if let maxCommits, maxCommits < 1 {
            throw ValidationError("--max-commits must be at least 1, got \(maxCommits)")
        }
        if let since, RelativeDate.parse(since, relativeTo: Date()) == nil {
            throw ValidationError("--since must be a date (2024-01-31) or an age (90d, 12w, 6m, 1y), got '\(since)'")
        }
    }

    var configurationFlags: [(path: String, flag: String, value: String)] {
        var flags: [(path: String, flag: String, value: String)] = []
        if let maxCommits { flags.append(("repository.max_commits", "--max-commits", String(maxCommits))) }
        if let since { flags.append(("repository.since", "--since", since)) }
        if firstParent { flags.append(("repository.first_parent", "--first-parent", "true")) }
        return flags
    }
}

extension Session {
    /// Analyses a local path or a clone URL with this run's configuration, showing progress.
    func analyze(_ location: String) async throws -> RepositoryReport {
        let display = ProgressDisplay(terminal: terminal, quiet: !showsProgress)
        defer { display.finish() }
        return try await environment.analyze(location, events: display.events)
    }
}
