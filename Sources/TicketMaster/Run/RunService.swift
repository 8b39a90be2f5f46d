import Foundation
import IssueTrackers
import RepositoryAnalysis

/// One run of Ticket-Master, as a library call the command line, the web service, a queue worker and tests share:
/// ``suggest(_:events:)`` analyses a repository and writes reviewed, de-duplicated drafts into history;
/// ``file(_:approval:events:)`` and ``publish(runId:remote:approval:events:)`` file the approved ones. Each reports
/// what happens as ``RunEvent``s and finishes the run in history once, with its real outcome.
public struct RunService: Sendable {
    /// What the runs work with.
    public let environment: RunEnvironment

    /// A service over `environment`.
    public init(environment: RunEnvironment) {
        self.environment = environment
    }

    /// What to suggest issues for.
    public struct SuggestRequest: Sendable {
        /// A local path or a clone URL.
        public var location: String
        /// Where issues would be filed; the checkout's `origin` when nil.
        public var remote: RemoteRepository?
        /// Whether the run will file: the tracker and its token are settled before the slow work, and the run
        /// stays open for ``RunService/file(_:approval:events:)`` to finish.
        public var files: Bool
        /// Whether a model Ollama lacks may be pulled first.
        public var approvePull: ModelPullApproval

        /// A request.
        public init(
            location: String, remote: RemoteRepository? = nil, files: Bool = false,
            approvePull: @escaping ModelPullApproval = { _, _ in false }
        ) {
            self.location = location
            self.remote = remote
            self.files = files
            self.approvePull = approvePull
        }
    }

    /// What a suggestion run produced.
    public struct SuggestResult: Sendable {
        /// The run's id in history.
        public var runId: Int64
        /// The drafts, those set aside, and the run's notes.
        public var suggestions: Suggestions
        /// Where issues would be filed, when known.
        public var remote: RemoteRepository?
        /// Where the run files, when the request said it would.
        public var filing: Filing?
        /// The run's record.
        public let journal: RunJournal
    }

    /// Analyses the repository, writes, reviews and de-duplicates drafts, and saves them in history before
    /// anything is shown or filed. A run that is not going to file is finished here; Ctrl-C keeps the drafts
    /// written so far, and the run is marked interrupted.
    public func suggest(_ request: SuggestRequest, events caller: RunEvents = .ignored) async throws -> SuggestResult {
        // Every event is also kept for history, from the analysis on; the journal writes them once the run exists.
        let log = RunEventLog(now: environment.now)
        let events = log.recording(caller)
        let configuration = environment.configuration
        let logger = environment.logger
        let checkout = try await RepositoryCheckout.open(
            request.location, depth: configuration.repository.maxCommits ?? RepositoryCheckout.defaultCloneDepth,
            git: environment.git)
        defer { checkout.remove() }
        let remote: RemoteRepository?
        if let named = request.remote {
            remote = named
        } else {
            remote = await checkout.originRemote(git: environment.git)
        }
        // Where to file and with which token is settled before the slow work, so a missing token fails fast.
        let filing =
            request.files ? try await Filing.prepare(remote: remote, environment: environment, events: events) : nil
        let history = try await environment.openHistory()
        let report = try await environment.analyze(checkout, events: events)
        var labels = configuration.github.defaultLabels
        for type in IssueType.allCases where !labels.contains(type.rawValue) { labels.append(type.rawValue) }
        // Before the run is recorded: a model Ollama lacks is pulled first, or the run stops, and an interrupted or
        // refused pull leaves no half-started run in history.
        let models = try await environment.modelSetup(
            allowedLabels: labels, approvePull: request.approvePull, events: events)
        let journal = try await RunJournal.start(
            store: history, repository: checkout.displayName, remote: remote, report: report,
            configurationDigest: environment.resolved.digest, events: log)
        events(.runStarted(runId: journal.runId))
        var suggestions: Suggestions
        do {
            let links = LinkContext(remote: remote, commit: report.headCommit)
            let oracle = GitCitationOracle(repository: checkout.path, commit: report.headCommit, git: environment.git)
            let pipeline = SuggestionPipeline(
                configuration: configuration, secrets: environment.resolved.secrets, writer: models.writer,
                reviewThreshold: configuration.issueGeneration.reviewThreshold)
            let tracked = await trackerIssues(filing: filing, remote: remote)
            let lookback = environment.now().addingTimeInterval(
                -Double(Publisher.defaultClosedIssueLookback.components.seconds))
            let existing = tracked.filter { $0.state == .open || ($0.updatedAt ?? .distantFuture) >= lookback }
            // Issues filed earlier: those whose evidence changed or went are kept current, and findings people
            // closed as not planned are not suggested again.
            let (git, root) = (environment.git, checkout.path)
            let upkeep = await IssueLifecycle.plan(
                issues: tracked, signals: report.signals, commit: report.headCommit,
                closeResolved: configuration.publishing.closeResolved,
                lastChange: { paths, since in
                    await Self.lastChange(of: paths, since: since, in: root, git: git)
                })
            for item in upkeep.upkeep { events(.upkeepPlanned(item)) }
            var analysed = report
            analysed.signals.removeAll { upkeep.declined[$0.fingerprint] != nil }
            suggestions = try await pipeline.suggest(
                from: analysed, links: links, existing: existing.map(ExistingIssue.init), history: journal,
                citations: oracle, templates: IssueTemplate.load(from: checkout.path), events: events)
            suggestions.upkeep = upkeep.upkeep
            suggestions.leftOut += report.signals.compactMap { signal in
                upkeep.declined[signal.fingerprint].map {
                    LeftOut(
                        kind: signal.kind, summary: signal.summary, reason: "its issue \($0) was closed as not planned")
                }
            }
            await models.stop()
            // Drafts are saved before anything is shown or published, so nothing produced is ever lost; the save
            // runs in a task of its own, so it also completes after Ctrl-C.
            let finished = suggestions
            _ = try await Task { try await journal.record(finished) }.value
            events(.draftsSaved(drafts: suggestions.drafts.count, duplicates: suggestions.duplicates.count))
            if suggestions.interrupted {
                await journal.finish(
                    .interrupted, message: "interrupted after \(suggestions.drafts.count) draft(s)",
                    reporting: events)
            } else if filing == nil {
                await journal.finish(.succeeded, message: nil, reporting: events)
            }
        } catch is CancellationError {
            await models.stop()
            await journal.finish(.interrupted, message: "interrupted", reporting: events)
            throw CancellationError()
        } catch {
            await models.stop()
            await journal.finish(.failed, message: "\(error)", reporting: events)
            throw error
        }
        if !suggestions.interrupted {
            logger.info(
                "\(report.signals.count) findings, \(suggestions.drafts.count) suggestions, \(suggestions.duplicates.count) duplicates set aside"
            )
            logger.info("saved as run \(journal.runId): `ticket-master history show \(journal.runId)`")
        }
        return SuggestResult(
            runId: journal.runId, suggestions: suggestions, remote: remote, filing: filing, journal: journal)
    }

    /// Files the drafts of a run that ``suggest(_:events:)`` left open for filing, as `approval` decides, and
    /// finishes the run.
    public func file(
        _ result: SuggestResult, approval: any ApprovalPolicy, events: RunEvents = .ignored
    ) async throws -> PublishReport {
        guard let filing = result.filing else {
            throw TicketMasterError(.usage, "run \(result.runId) was not prepared for filing")
        }
        let setAside = result.suggestions.duplicates.map {
            PublishReport.SetAside(title: $0.draft.title, duplicateOf: $0.duplicateOf, reason: $0.reason)
        }
        let drafts = try await result.journal.detail().unfiledDrafts
        return try await filing.file(
            drafts, journal: result.journal, setAside: setAside, approval: approval, environment: environment,
            events: events)
    }

    /// The drafts of run `runId` that are not filed yet, and where the run would file them (`remote`, else the
    /// repository the run recorded).
    public func unfiled(
        runId: Int64, remote: RemoteRepository? = nil
    ) async throws -> (
        drafts: [DraftRecord], remote: RemoteRepository?
    ) {
        try await Self.unfiled(
            in: RunJournal.resume(store: try await environment.openHistory(), runId: runId), remote: remote)
    }

    /// Files the drafts of an earlier run that are not filed yet (`publish --resume`), as `approval` decides.
    public func publish(
        runId: Int64, remote: RemoteRepository? = nil, approval: any ApprovalPolicy, events: RunEvents = .ignored
    ) async throws -> (report: PublishReport, target: TrackerTarget) {
        let journal = try await RunJournal.resume(store: try await environment.openHistory(), runId: runId)
        let (drafts, target) = try await Self.unfiled(in: journal, remote: remote)
        // Rate-limit waits are part of the run's story in history too.
        let filing = try await Filing.prepare(
            remote: target, environment: environment, events: journal.events.recording(events))
        let report = try await filing.file(
            drafts, journal: journal, approval: approval, environment: environment, events: events)
        return (report, filing.target)
    }

    private static func unfiled(
        in journal: RunJournal, remote: RemoteRepository?
    ) async throws -> (
        drafts: [DraftRecord], remote: RemoteRepository?
    ) {
        let detail = try await journal.detail()
        let recorded = try detail.run.repositoryRemote.map { try RemoteRepository(parsing: $0) }
        return (detail.unfiledDrafts, remote ?? recorded)
    }

    /// Every issue on the tracker, open and closed, so that a preview already leaves out what people filed and a
    /// run can keep the issues it filed earlier current. A preview without a token, or offline, still runs: the
    /// drafts are then compared with history only, and filing checks the tracker again.
    private func trackerIssues(filing: Filing?, remote: RemoteRepository?) async -> [TrackedIssue] {
        guard let remote else { return [] }
        do {
            let tracker: any IssueTracker
            if let filing {
                tracker = filing.tracker
            } else {
                tracker = try await Filing.prepare(remote: remote, environment: environment).tracker
            }
            let issues = try await tracker.issues(state: .all, since: nil)
            environment.logger.info("compared the findings with \(issues.count) issues on \(remote)")
            return issues
        } catch is CancellationError {
            return []
        } catch {
            environment.logger.notice("drafts not compared with the issues on \(remote): \(error)")
            return []
        }
    }

    /// The last commit after `since` that changed any of `paths`, for saying where evidence went. `since` and the
    /// paths come from an issue body, which anyone who can edit the issue can change: the commit must be a hash,
    /// and the paths are taken literally, never as pathspec magic.
    public static func lastChange(
        of paths: [String], since: String?, in repository: URL, git: GitExecutable
    ) async
        -> CommitReference?
    {
        let paths = paths.prefix(20).filter { !$0.isEmpty && !$0.hasPrefix("-") }
        guard !paths.isEmpty else { return nil }
        var ranges: [String] = ["HEAD"]
        if let since, since.count >= 7, since.allSatisfy(\.isHexDigit) { ranges.insert("\(since)..HEAD", at: 0) }
        for range in ranges {
            guard
                let result = try? await git.run(
                    ["--literal-pathspecs", "log", "-1", "--format=%H%x1f%s%x1f%cI", range, "--"] + paths,
                    in: repository),
                result.status == 0
            else { continue }
            let fields = String(decoding: result.standardOutput, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).split(
                    separator: "\u{1f}", omittingEmptySubsequences: false)
            guard fields.count == 3 else { return nil }
            return CommitReference(
                hash: String(fields[0]), subject: String(fields[1]),
                date: ISO8601DateFormatter().date(from: String(fields[2])) ?? Date(timeIntervalSince1970: 0))
        }
        return nil
    }
}
