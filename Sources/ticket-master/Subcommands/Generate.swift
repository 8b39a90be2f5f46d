import ArgumentParser
import Foundation
import IssueTrackers
import RepositoryAnalysis
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
        let isURL = RepositoryCheckout.isURL(path)
        // A wrong owner/repo is a usage error; report it before any slow work.
        let named = try (tracker ?? trackerOption).map { try RemoteRepository(parsing: $0) }
        let session = try Session.start(global, searchDirectory: isURL ? nil : path, flags: flags)
        let git = GitExecutable()
        let checkout = try await RepositoryCheckout.open(
            path, depth: session.configuration.repository.maxCommits ?? RepositoryCheckout.defaultCloneDepth, git: git)
        defer { checkout.remove() }
        let remote: RemoteRepository?
        if let named {
            remote = named
        } else {
            remote = await checkout.originRemote(git: git)
        }
        // Where to file and with which token is settled before the slow work, so a missing token fails fast.
        let filing = dryRun ? nil : try await Filing.prepare(remote: remote, session: session)
        let history = try session.openHistory()
        let report = try await session.analyze(checkout)
        var labels = session.configuration.github.defaultLabels
        for type in IssueType.allCases where !labels.contains(type.rawValue) { labels.append(type.rawValue) }
        // Before the run is recorded: a model Ollama lacks is pulled first, or the run stops, and an interrupted or
        // refused pull leaves no half-started run in history.
        let models = try await session.modelSetup(allowedLabels: labels, assumeYes: yes)
        let journal = try await RunJournal.start(
            store: history, repository: checkout.displayName, remote: remote, report: report,
            configurationDigest: session.resolved.digest)
        let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
        let suggestions: Suggestions
        do {
            defer { display.finish() }
            let links = LinkContext(remote: remote, commit: report.headCommit)
            let oracle = GitCitationOracle(repository: checkout.path, commit: report.headCommit, git: git)
            let pipeline = SuggestionPipeline(
                configuration: session.configuration, secrets: session.resolved.secrets, writer: models.writer,
                reviewThreshold: session.configuration.issueGeneration.reviewThreshold)
            let existing = await trackerIssues(filing: filing, remote: remote, session: session)
            suggestions = try await pipeline.suggest(
                from: report, links: links, existing: existing, history: journal, citations: oracle
            ) {
                display.update("writing issues", completed: $0, total: $1)
            }
            await models.stop()
            // Drafts are saved before anything is shown or published, so nothing produced is ever lost; the save
            // runs in a task of its own, so it also completes after Ctrl-C.
            let finished = suggestions
            try await Task { try await journal.record(finished) }.value
            if suggestions.interrupted {
                await journal.finish(.interrupted, message: "interrupted after \(suggestions.drafts.count) draft(s)")
                StandardError.write(
                    "interrupted: the \(suggestions.drafts.count) draft(s) written so far are saved as run "
                        + "\(journal.runId): `ticket-master history show \(journal.runId)`\n")
                return
            }
            await journal.finish(.succeeded)
        } catch is CancellationError {
            await models.stop()
            await journal.finish(.interrupted, message: "interrupted")
            throw CancellationError()
        } catch {
            await models.stop()
            await journal.finish(.failed, message: "\(error)")
            throw error
        }
        session.logger.info(
            "\(report.signals.count) findings, \(suggestions.drafts.count) suggestions, \(suggestions.duplicates.count) duplicates set aside"
        )
        session.logger.info("saved as run \(journal.runId): `ticket-master history show \(journal.runId)`")
        if let filing {
            let setAside = suggestions.duplicates.map {
                PublishReport.SetAside(title: $0.draft.title, duplicateOf: $0.duplicateOf, reason: $0.reason)
            }
            try await filing.file(run: journal, setAside: setAside, assumeYes: yes, json: format == .json)
        } else {
            try Preview(suggestions: suggestions, remote: remote, terminal: session.terminal).print(format)
        }
    }

    /// The tracker's open and recently closed issues, so that a preview already leaves out what people filed.
    /// A preview without a token, or offline, still runs: the drafts are then compared with history only, and
    /// filing checks the tracker again.
    private func trackerIssues(filing: Filing?, remote: RemoteRepository?, session: Session) async -> [ExistingIssue] {
        guard let remote else { return [] }
        let lookback = Date().addingTimeInterval(-Double(Publisher.defaultClosedIssueLookback.components.seconds))
        do {
            let tracker: any IssueTracker
            if let filing {
                tracker = filing.tracker
            } else {
                tracker = try await Filing.prepare(remote: remote, session: session).tracker
            }
            let issues = try await tracker.existingIssues(closedSince: lookback)
            session.logger.info("compared the drafts with \(issues.count) issues on \(remote)")
            return issues
        } catch is CancellationError {
            return []
        } catch {
            session.logger.notice("drafts not compared with the issues on \(remote): \(error)")
            return []
        }
    }
}
