import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TicketMaster

/// Runs what people start in the web service through the same ``RunService`` as the command line: each run request
/// is a job in the database's queue (added in the transaction that records the request), and the ``JobWorker`` of
/// a process that works (`serve`, `serve --role worker`, `worker`) runs them one at a time, oldest first. Each run's
/// events go to the ``RunFeed`` as they happen: this process's memory on SQLite, the database on PostgreSQL, where
/// any web node streams them.
///
/// On shutdown the running run is cancelled: its drafts so far are kept and it is marked interrupted. Jobs still
/// waiting stay in the queue and run after the next start; a job cut off by a crash is rescued once its lease
/// lapses, which re-runs a filing (exactly once per draft, through the fingerprint claims) and ends a suggestion as
/// interrupted (a lone SQLite server has marked it so at its next start already).
actor RunCoordinator: Service {
    private let settings: ServerSettings
    private let team: any TeamStore
    private let queue: any JobQueue
    /// Whether this process runs jobs; a web node only queues them.
    private let works: Bool
    /// The PostgreSQL history the runs share instead of each opening a pool of its own; nil on SQLite.
    private let sharedHistory: PostgresHistoryStore?
    /// This server's name in the jobs and leader leases it holds.
    private let name = JobWorker.defaultName()
    let feed: any RunFeed
    /// Secrets already masked in the logs.
    private var redacted: Set<String> = []
    /// Which model services this server reached, and when it last looked.
    private var modelServices: (at: Date, rows: [ProviderStatus])?
    private var probing = false

    private let metrics: ServerMetrics

    init(
        settings: ServerSettings, team: any TeamStore, queue: any JobQueue, feed: any RunFeed, works: Bool,
        sharedHistory: PostgresHistoryStore? = nil, metrics: ServerMetrics
    ) {
        self.sharedHistory = sharedHistory
        self.settings = settings
        self.team = team
        self.queue = queue
        self.feed = feed
        self.works = works
        self.metrics = metrics
    }

    /// Says that `request`'s suggestion job was queued: its watchers wait for its events, and the worker wakes.
    func queued(_ request: RunRequest) async {
        guard let id = request.id else { return }
        metrics.runStarted(provider: request.provider)
        await feed.open(id)
        await queue.wake()
    }

    /// Queues filing the approved drafts of run request `id`; false when its filing is queued or running already.
    func file(_ id: Int64) async throws -> Bool {
        guard try await team.queueFiling(runRequest: id) else { return false }
        await feed.open(id)
        await queue.wake()
        return true
    }

    /// Takes or renews the leader lease of `role` for this server; true while it leads.
    func leads(_ role: String, for duration: Duration) async throws -> Bool {
        try await queue.lead(role, holder: name, for: duration)
    }

    /// Whether the request is waiting or being worked on, here or by any worker.
    func isBusy(_ id: Int64) async -> Bool {
        await feed.isLive(id)
    }

    /// Runs the queue's jobs until the graceful shutdown, then cancels the running one and waits for it to record
    /// how it ended.
    func run() async throws {
        guard works else {
            // A web node: its schedule ticks need the leadership handed on when it stops, nothing else.
            settings.logger.notice("web node \(name): runs and filings are queued for the workers")
            try? await gracefulShutdown()
            await queue.resign(ScheduleTicker.role, holder: name)
            return
        }
        let worker = JobWorker(
            queue: queue,
            handlers: [
                RunJob.suggest: { job in try await self.perform(job, filing: false) },
                RunJob.file: { job in try await self.perform(job, filing: true) },
            ], name: name, logger: settings.logger)
        let working = Task { await worker.run() }
        if settings.role == .worker {
            settings.logger.notice("worker \(name) runs the queued runs and filings; SIGTERM or Ctrl-C stops it")
        }
        // Returns when the service group shuts down gracefully (or this task is cancelled).
        try? await gracefulShutdown()
        working.cancel()
        await working.value
        // Hands the schedules on at once to a server that stays.
        await queue.resign(ScheduleTicker.role, holder: name)
        if settings.role == .worker { settings.logger.notice("worker \(name) stopped") }
    }

    /// Runs one job: a suggestion run still waiting (one the last start marked interrupted is passed over), or
    /// the filing of a run's approved drafts. A run's own failures are recorded on its request; only a database
    /// that cannot be read throws, so that the job is tried again.
    private func perform(_ job: ClaimedJob, filing: Bool) async throws {
        guard let id = try? job.arguments(RunJob.self).runRequest else {
            throw JobError("job \(job.id) names no run request: \(job.payload)", retryable: false)
        }
        guard let request = try await team.runRequest(id: id) else { return }
        guard let repository = try await team.repository(id: request.repositoryId) else {
            await record { try await $0.update(runRequest: id, state: .failed, message: "its repository was removed") }
            await feed.close(id)
            return
        }
        await feed.open(id)
        if filing {
            await file(request, repository)
        } else {
            guard request.state == .queued else {
                if request.state == .running, job.attempt > 1 {
                    // The worker that started it stopped without saying how it ended (its lease lapsed and the
                    // leader gave the job back): its drafts so far stay reviewable.
                    await record {
                        try await $0.update(
                            runRequest: id, state: .interrupted, runId: nil,
                            message: "the worker running it stopped")
                    }
                }
                await feed.close(id)
                return
            }
            await suggest(request, repository)
            await fileWithoutReview(request, repository)
        }
        if let state = try? await team.runRequest(id: id)?.state { metrics.runEnded(state) }
    }

    private func suggest(_ request: RunRequest, _ repository: RepositoryRecord) async {
        guard let id = request.id else { return }
        let events = events(for: id)
        defer { events.finish() }
        let started = Mutex<Int64?>(nil)
        do {
            try await team.update(runRequest: id, state: .running)
            let service = RunService(environment: try await environment(for: request, repository: repository))
            let remote = try repository.tracker.map { try RemoteRepository(parsing: $0) }
            var location = repository.location
            if RepositoryCheckout.isURL(location), let repositoryId = repository.id {
                // Kept in the data folder and refreshed before each run, so a run fetches only what changed.
                let folder = settings.dataDirectory.appendingPathComponent("clones/\(repositoryId)")
                location = try await RepositoryCheckout.mirror(
                    location, into: folder,
                    depth: service.environment.configuration.repository.maxCommits
                        ?? RepositoryCheckout.defaultCloneDepth,
                    git: service.environment.git
                ).path.path
            }
            let result = try await service.suggest(
                RunService.SuggestRequest(location: location, remote: remote),
                events: RunEvents { event in
                    if case .runStarted(let runId) = event { started.withLock { $0 = runId } }
                    events.send(event)
                })
            try await team.update(
                runRequest: id, state: result.suggestions.interrupted ? .interrupted : .drafted, runId: result.runId,
                message: "\(result.suggestions.drafts.count) draft(s), \(result.suggestions.duplicates.count) set aside"
            )
        } catch is CancellationError {
            let runId = started.withLock { $0 }
            await record {
                try await $0.update(runRequest: id, state: .interrupted, runId: runId, message: "interrupted")
            }
        } catch {
            let message = settings.redactions.apply(to: (TicketMasterError.categorized(error)?.message ?? "\(error)"))
            settings.logger.error("run request \(id) failed: \(message)")
            let runId = started.withLock { $0 }
            await record { try await $0.update(runRequest: id, state: .failed, runId: runId, message: message) }
        }
    }

    /// Files the drafts of a run a webhook or a schedule started, when the repository's settings say so: every
    /// draft still waiting is approved as "automatic filing" and filed at once, in the same job.
    private func fileWithoutReview(_ request: RunRequest, _ repository: RepositoryRecord) async {
        guard repository.autoFile, request.requestedBy == "schedule" || request.requestedBy.hasPrefix("webhook"),
            let id = request.id, let drafted = try? await team.runRequest(id: id), drafted.state == .drafted,
            let runId = drafted.runId
        else { return }
        do {
            let approved = try await team.approveWaitingDrafts(runId: runId, by: "automatic filing")
            try await team.audit(
                "run.file", target: "run \(id): \(approved) draft(s) approved and filed without review",
                actor: "automatic filing", address: nil)
        } catch {
            settings.logger.error("run request \(id): could not approve its drafts for filing: \(error)")
            return
        }
        await feed.open(id)
        await file(drafted, repository)
    }

    private func file(_ request: RunRequest, _ repository: RepositoryRecord) async {
        guard let id = request.id, let runId = request.runId else { return }
        let events = events(for: id)
        defer { events.finish() }
        do {
            try await team.update(runRequest: id, state: .filing)
            let service = RunService(environment: try await environment(for: request, repository: repository))
            let remote = try repository.tracker.map { try RemoteRepository(parsing: $0) }
            let (report, _) = try await service.publish(
                runId: runId, remote: remote, approval: ApprovedInReview(),
                events: RunEvents { events.send($0) })
            var message = "\(report.filed.count) filed, \(report.duplicates.count) already filed"
            let missing = Set(report.filed.flatMap(\.missingLabels)).sorted()
            if !missing.isEmpty {
                message += "; labels the tracker would not apply: " + missing.joined(separator: ", ")
            }
            if let stop = report.stop { message += "; stopped: \(stop.message)" }
            try await team.update(runRequest: id, state: .filed, message: settings.redactions.apply(to: message))
        } catch is CancellationError {
            await record { try await $0.update(runRequest: id, state: .interrupted, message: "filing interrupted") }
        } catch {
            let message = settings.redactions.apply(to: (TicketMasterError.categorized(error)?.message ?? "\(error)"))
            settings.logger.error("filing run request \(id) failed: \(message)")
            await record { try await $0.update(runRequest: id, state: .failed, message: message) }
        }
    }

    /// The model services this server can reach, as `models list` reports them; nil until the first probe ends.
    /// A probe (offline, each unreachable service costs a connection timeout) runs in the background at most every
    /// five minutes, so no page waits for it.
    func modelServiceStatuses() -> [ProviderStatus]? {
        let stale = modelServices.map { Date().timeIntervalSince($0.at) > 300 } ?? true
        if stale, !probing {
            probing = true
            Task {
                let flags = (try? await self.credentialFlags()) ?? []
                let environment = try? self.environment(flags: flags)
                let rows = await environment?.providerStatuses().providers ?? []
                self.probed(rows)
            }
        }
        return modelServices?.rows
    }

    private func probed(_ rows: [ProviderStatus]) {
        modelServices = (Date(), rows)
        probing = false
    }

    /// Records how a run ended in a task of its own: the run's task may be cancelled (a shutdown), and the store
    /// refuses work from a cancelled task.
    private func record(_ write: @escaping @Sendable (any TeamStore) async throws -> Void) async {
        let team = team
        let logger = settings.logger
        await Task {
            do {
                try await write(team)
            } catch {
                logger.error("could not record how a run ended: \(error)")
            }
        }.value
    }

    /// The run's environment: the server's configuration (never a file from the repository, whose content is
    /// untrusted), the form's choices, the server's history, and the repository's tracker token.
    private func environment(for request: RunRequest, repository: RepositoryRecord) async throws -> RunEnvironment {
        var flags: [(path: String, flag: String, value: String)] = [
            ("issue_generation.max_issues", "the run form", String(request.maxIssues)),
            ("llm.provider", "the run form", request.provider),
            ("history.path", "the server", settings.historyPath),
        ]
        if let types = request.issueTypes { flags.append(("issue_generation.templates", "the run form", types)) }
        if let sealed = repository.sealedToken {
            flags.append(("github.token", "the repository's settings", try settings.secrets.unseal(sealed)))
        }
        return try environment(flags: flags + (try await credentialFlags()))
    }

    /// The model credentials an admin stored, unsealed, as configuration values.
    private func credentialFlags() async throws -> [(path: String, flag: String, value: String)] {
        try await team.settings().sealed.sorted { $0.key < $1.key }.map { key, sealed in
            (key, "the server's settings", try settings.secrets.unseal(sealed))
        }
    }

    /// An environment from the server's configuration and `flags`.
    private func environment(flags: [(path: String, flag: String, value: String)]) throws -> RunEnvironment {
        let resolved = ConfigurationLoader(environment: settings.variables).load(
            explicitFile: settings.configurationFile, searchDirectory: settings.dataDirectory.path, flags: flags)
        for secret in resolved.secrets where !secret.isEmpty && !redacted.contains(secret) {
            redacted.insert(secret)
            settings.redactions.add { $0.replacingOccurrences(of: secret, with: "***") }
        }
        var environment = try RunEnvironment(
            resolved: resolved, logger: settings.logger, redactions: settings.redactions, variables: settings.variables)
        environment.openedHistory = sharedHistory
        return environment
    }

    /// An ordered pipe from the run's synchronous event callback to the feed.
    private func events(for id: Int64) -> EventPipe {
        EventPipe(id: id, feed: feed, metrics: metrics)
    }
}

/// Events from a run's task, handed on in order.
struct EventPipe: Sendable {
    private let continuation: AsyncStream<RunEvent>.Continuation

    init(id: Int64, feed: any RunFeed, metrics: ServerMetrics) {
        let (stream, continuation) = AsyncStream.makeStream(of: RunEvent.self)
        self.continuation = continuation
        Task {
            for await event in stream {
                metrics.observe(event)
                await feed.publish(event, to: id)
            }
            await feed.close(id)
        }
    }

    func send(_ event: RunEvent) {
        continuation.yield(event)
    }

    func finish() {
        continuation.finish()
    }
}

/// A job's payload: the run request it works on.
struct RunJob: Codable, Sendable {
    /// The kind of job that drafts a run's suggestions.
    static let suggest = "suggest"
    /// The kind of job that files a run's approved drafts.
    static let file = "file"

    var runRequest: Int64
}

/// Files exactly the drafts a reviewer approved in the web service, with their edits; the others wait.
struct ApprovedInReview: ApprovalPolicy {
    func review(_ drafts: [DraftRecord], target: TrackerTarget, runId: Int64) async throws -> ApprovalOutcome {
        ApprovalOutcome(approved: drafts.filter { $0.status == .approved }.map(PendingIssue.init))
    }
}
