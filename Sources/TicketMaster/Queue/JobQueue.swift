import Foundation

/// Work for a worker process, kept in the database until it is done: runs to draft, drafts to file.
///
/// Jobs run at least once. A worker claims a job and holds it by a lease it renews with heartbeats; a worker that
/// stops renewing (killed, its machine gone) loses the job to the leader's rescue, and another worker runs it
/// again. Whatever a job does must therefore be safe to repeat: filing is, through the fingerprint claim and the
/// tracker check, never through hoping a job runs once.
///
/// Two implementations share this contract and its tests: ``SQLiteJobQueue`` (one machine, in the history file)
/// and ``PostgresJobQueue`` (any number of workers on any machines sharing the database).
public protocol JobQueue: Sendable {
    /// How long leases last and how failed jobs are retried.
    var timing: JobTiming { get }

    /// Adds a job; nil when a job with the same `uniqueKey` exists already (at any state), so that enqueueing is
    /// idempotent per key.
    func enqueue(_ request: JobRequest) async throws -> Int64?

    /// Claims up to `limit` due jobs of `kinds` for `worker`, oldest due first, each for one attempt. Jobs another
    /// worker is claiming at the same moment are skipped, never waited for.
    func claim(worker: String, kinds: [String], limit: Int) async throws -> [ClaimedJob]

    /// Renews `worker`'s lease on `ids`; returns the ids it still holds (a job the leader rescued is no longer).
    func heartbeat(_ ids: [Int64], worker: String) async throws -> Set<Int64>

    /// Marks a job `worker` holds done; false when `worker` no longer holds it.
    func complete(_ id: Int64, worker: String) async throws -> Bool

    /// Records a failed attempt of a job `worker` holds: it is retried after a back-off while attempts remain and
    /// `retry` is true, and discarded otherwise, keeping every attempt's error.
    func fail(_ id: Int64, worker: String, error: String, retry: Bool) async throws -> JobFailure

    /// Gives a job `worker` holds back at once without counting the attempt: the worker is shutting down.
    func release(_ id: Int64, worker: String) async throws -> Bool

    /// Takes or renews the lease of `role` (one leader per role among every process on the database) for
    /// `holder`; true while `holder` leads.
    func lead(_ role: String, holder: String, for duration: Duration) async throws -> Bool

    /// The leader's duties: puts back the running jobs whose heartbeat is older than `timing.leaseTimeout` (or
    /// discards them when they have no attempt left), and deletes finished jobs older than `timing.keepFinished`.
    func maintain() async throws -> JobMaintenance

    /// The job `id`, as stored.
    func job(_ id: Int64) async throws -> JobRecord?

    /// Jobs, newest first.
    func jobs(limit: Int) async throws -> [JobRecord]

    /// Returns when a job may have become due, or after `timeout`: at once on a notification from any process
    /// where the database sends them (PostgreSQL's `LISTEN/NOTIFY`), by polling otherwise.
    func waitForJobs(upTo timeout: Duration) async

    /// Wakes this process's idle workers after a job was added inside a caller's transaction, once it committed.
    func wake() async
}

extension JobQueue {
    /// Hands `role` on at once instead of when the lease lapses (a lease of no length ends now), in a task of its
    /// own: a process stopping may be in a cancelled task, whose database work the stores refuse.
    public func resign(_ role: String, holder: String) async {
        await Task { _ = try? await self.lead(role, holder: holder, for: .zero) }.value
    }
}

/// A job to add.
public struct JobRequest: Sendable, Hashable {
    /// What the job does, which selects the worker's handler (`suggest`, `file`).
    public var kind: String
    /// Its arguments, as JSON.
    public var payload: String
    /// When it becomes due; now when nil.
    public var runAt: Date?
    /// How many attempts it gets before it is discarded.
    public var maxAttempts: Int
    /// Makes enqueueing idempotent: a second job with the same key is not added.
    public var uniqueKey: String?

    /// A job of `kind` with `payload`.
    public init(kind: String, payload: String, runAt: Date? = nil, maxAttempts: Int = 3, uniqueKey: String? = nil) {
        self.kind = kind
        self.payload = payload
        self.runAt = runAt
        self.maxAttempts = max(1, maxAttempts)
        self.uniqueKey = uniqueKey
    }

    /// A job whose payload is `arguments` encoded as JSON.
    public init(
        kind: String, arguments: some Encodable, runAt: Date? = nil, maxAttempts: Int = 3, uniqueKey: String? = nil
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(
            kind: kind, payload: String(decoding: try encoder.encode(arguments), as: UTF8.self), runAt: runAt,
            maxAttempts: maxAttempts, uniqueKey: uniqueKey)
    }
}

/// A job a worker holds for one attempt.
public struct ClaimedJob: Sendable, Hashable {
    /// The job's id in the queue.
    public var id: Int64
    /// What it does (see ``JobRequest/kind``).
    public var kind: String
    /// Its arguments, as JSON.
    public var payload: String
    /// This attempt's number, from 1.
    public var attempt: Int
    /// How many attempts it gets.
    public var maxAttempts: Int

    /// The payload decoded as `type`.
    public func arguments<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(payload.utf8))
    }
}

/// Where a job is.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its due time or a worker.
    case available
    /// Held by a worker.
    case running
    /// Done.
    case completed
    /// Out of attempts, or failed in a way a retry cannot mend; its errors are kept.
    case discarded
}

/// What became of a failed attempt.
public enum JobFailure: Sendable, Hashable {
    /// Due again at this time.
    case retry(at: Date)
    /// No attempt left, or not worth retrying.
    case discarded
    /// The worker no longer held the job (the leader rescued it); nothing was recorded.
    case notHeld
}

/// What the leader's maintenance did.
public struct JobMaintenance: Sendable, Hashable {
    /// Jobs whose worker stopped sending heartbeats, put back to run again.
    public var rescued: [Int64] = []
    /// Such jobs with no attempt left, discarded.
    public var discarded: [Int64] = []
    /// Finished jobs deleted after `keepFinished`.
    public var pruned = 0

    /// What a maintenance pass did.
    public init(rescued: [Int64] = [], discarded: [Int64] = [], pruned: Int = 0) {
        self.rescued = rescued
        self.discarded = discarded
        self.pruned = pruned
    }
}

/// A job as stored.
public struct JobRecord: Sendable, Hashable {
    /// The job's id in the queue.
    public var id: Int64
    /// What it does.
    public var kind: String
    /// Its arguments, as JSON.
    public var payload: String
    /// Where it is.
    public var state: JobState
    /// Attempts started so far.
    public var attempt: Int
    /// How many attempts it gets.
    public var maxAttempts: Int
    /// When it is (or was) due.
    public var runAt: Date
    /// The key that made enqueueing it idempotent, if any.
    public var uniqueKey: String?
    /// The worker holding it, while it runs.
    public var lockedBy: String?
    /// When its worker last renewed the lease.
    public var heartbeatAt: Date?
    /// Each failed attempt's error, oldest first.
    public var errors: [JobAttemptError]
    /// When it was added.
    public var createdAt: Date
    /// When it was completed or discarded.
    public var finishedAt: Date?
}

/// Why one attempt failed.
public struct JobAttemptError: Sendable, Hashable, Codable {
    /// The attempt's number, from 1.
    public var attempt: Int
    /// When it failed.
    public var at: Date
    /// What went wrong.
    public var error: String

    /// An attempt's error.
    public init(attempt: Int, at: Date, error: String) {
        self.attempt = attempt
        self.at = at
        self.error = error
    }
}

/// How long leases last and how failed jobs are retried.
public struct JobTiming: Sendable, Hashable {
    /// A running job whose last heartbeat is older than this is rescued by the leader.
    public var leaseTimeout: Duration
    /// How often a worker renews its leases; well under `leaseTimeout`.
    public var heartbeatInterval: Duration
    /// The first retry's delay; each later one doubles it, up to `backoffCap`, with ±25 % jitter so that jobs that
    /// failed together do not retry together.
    public var backoffBase: Duration
    /// The longest delay before a retry.
    public var backoffCap: Duration
    /// How often an idle worker looks for due jobs when no notification wakes it.
    public var pollInterval: Duration
    /// Finished jobs (done or discarded, with their errors) are kept this long.
    public var keepFinished: Duration

    /// Timings; the defaults suit a web service's runs and filings.
    public init(
        leaseTimeout: Duration = .seconds(60), heartbeatInterval: Duration = .seconds(10),
        backoffBase: Duration = .seconds(15), backoffCap: Duration = .seconds(1800),
        pollInterval: Duration = .seconds(5), keepFinished: Duration = .seconds(7 * 86_400)
    ) {
        self.leaseTimeout = leaseTimeout
        self.heartbeatInterval = heartbeatInterval
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.pollInterval = pollInterval
        self.keepFinished = keepFinished
    }

    /// The delay before retrying after failed attempt `attempt` (from 1); `jitter` is uniform in 0..<1.
    public func backoff(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0..<1)) -> TimeInterval {
        let base = backoffBase.seconds
        let doubled = base * pow(2, Double(min(max(attempt, 1), 30) - 1))
        return min(backoffCap.seconds, doubled) * (0.75 + 0.5 * jitter)
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
