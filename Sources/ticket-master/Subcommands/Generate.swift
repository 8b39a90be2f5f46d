import ArgumentParser
import Foundation
import TicketMaster

/// `ticket-master generate`: analyse, plan, write, review, de-duplicate, then preview or file.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse a repository and suggest issues (the default subcommand).",
        discussion: """
            Examples:
              ticket-master generate . --dry-run
              ticket-master /path/to/repo owner/repo --dry-run --max-issues 3
              ticket-master generate https://github.com/acme/api.git --dry-run --format json
            """)

    @Argument(help: ArgumentHelp("The repository: a local path or a clone URL.", valueName: "path-or-url"))
    var path: String = "."

    @Argument(
        help: ArgumentHelp(
            "Where issues would be filed: owner/repo or its URL; inferred from the origin remote when omitted.",
            valueName: "owner/repo"))
    var tracker: String?

    @Option(name: .customLong("repo"), help: ArgumentHelp("Same as the second argument.", valueName: "owner/repo"))
    var trackerOption: String?

    @Flag(help: "Preview the suggestions and file nothing.")
    var dryRun = false

    @Flag(
        help:
            "File every suggestion, and pull a missing Ollama model, without asking (required when stdin is not a terminal)."
    )
    var yes = false

    // Unconditional parsing so that `--max-issues -3` reaches validation instead of reading as an unknown flag.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Suggest at most this many issues (overrides issue_generation.max_issues).", valueName: "n"))
    var maxIssues: Int?

    @Option(
        help: ArgumentHelp(
            "The model service: auto, none (no model), local, ollama, openai, anthropic or gemini.",
            valueName: "name"))
    var provider: String?

    @Option(help: ArgumentHelp("The model name (overrides llm.model).", valueName: "name"))
    var model: String?

    @Option(help: ArgumentHelp("Stop using models before spending more than this many US dollars.", valueName: "usd"))
    var maxCost: Double?

    @Flag(
        help:
            "Before planning, let the model read the hottest code for defects; only those whose citations hold are kept (pipeline.discover)."
    )
    var discover = false

    @Option(help: "Output format: text, json or markdown.")
    var format: PreviewFormat = .text

    @OptionGroup var window: AnalysisWindowOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let maxIssues, maxIssues < 1 {
            throw ValidationError("--max-issues must be at least 1, got \(maxIssues)")
        }
        if tracker != nil && trackerOption != nil {
            throw ValidationError("give the repository to file on once: as the second argument or with --repo")
        }
    }

    func run() async throws {
        var flags = window.configurationFlags
        if let maxIssues { flags.append(("issue_generation.max_issues", "--max-issues", String(maxIssues))) }
        if let provider { flags.append(("llm.provider", "--provider", provider)) }
        if let model { flags.append(("llm.model", "--model", model)) }
        if let maxCost { flags.append(("llm.max_cost", "--max-cost", String(maxCost))) }
        if discover { flags.append(("pipeline.discover", "--discover", "true")) }
        // A wrong owner/repo is a usage error; report it before any slow work.
        let named = try (tracker ?? trackerOption).map { try RemoteRepository(parsing: $0) }
        let session = try Session.start(
            global, searchDirectory: RepositoryCheckout.isURL(path) ? nil : path, flags: flags)
        let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
        defer { display.finish() }
        let service = RunService(environment: session.environment)
        let result = try await service.suggest(
            .init(location: path, remote: named, files: !dryRun, approvePull: Approval.modelPull(assumeYes: yes)),
            events: display.events)
        let drafts = result.suggestions.drafts.count
        if result.suggestions.interrupted {
            StandardError.write(
                "interrupted: the \(drafts) draft(s) written so far are saved as run \(result.runId): "
                    + "`ticket-master history show \(result.runId)`\n")
        } else if let filing = result.filing {
            let report = try await service.file(
                result, approval: Approval.policy(assumeYes: yes, terminal: session.terminal), events: display.events)
            try ReportText.print(report, target: filing.target, json: format == .json, terminal: session.terminal)
            try Filing.check(report, runId: result.runId)
        } else {
            try Preview(suggestions: result.suggestions, remote: result.remote, terminal: session.terminal).print(
                format)
        }
    }
}
