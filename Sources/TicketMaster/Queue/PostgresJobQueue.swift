import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The job queue on PostgreSQL: any number of workers, on any machines, sharing the history database.
///
/// The design is River's, Oban's and graphile-worker's. A claim is one `UPDATE … FROM` a `MATERIALIZED` CTE that
/// selects the due jobs `FOR UPDATE SKIP LOCKED`: concurrent claims skip each other's rows instead of waiting, and
/// the CTE is evaluated once, so the planner cannot re-run the `LIMIT` inside the update. The claim commits at once;
/// the lease lives in columns (`locked_by`, `heartbeat_at`), not in an open transaction, so a long job holds no
/// connection and no lock. Completion and failure are fenced on `locked_by`: a worker whose job the leader rescued
/// cannot overwrite what the next worker does. All times are the database's, so machines with skewed clocks agree.
/// Adding a job sends `NOTIFY` in its transaction; workers `LISTEN` on one connection and poll as the fallback.
public final class PostgresJobQueue: JobQueue {
    /// The notification channel.
    static let channel = "ticket_master_jobs"

    let store: PostgresHistoryStore
    public let timing: JobTiming
    private let doorbell = Doorbell()
    private let listener = Mutex<Task<Void, Never>?>(nil)

    /// The queue in `store`'s database (its migrations create the tables).
    public init(store: PostgresHistoryStore, timing: JobTiming = JobTiming()) {
        self.store = store
        self.timing = timing
    }

    deinit {
        listener.withLock { $0?.cancel() }
    }

    /// Stops listening for notifications.
    public func close() async {
        let task = listener.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// Adds `request` inside the caller's transaction on `connection`, with the notification that wakes the
    /// workers when it commits. Nil when its unique key is taken.
    public static func insert(
        _ request: JobRequest, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64? {
        var id: Int64?
        for try await value in try await connection.query(
            """
            INSERT INTO job (kind, payload, max_attempts, run_at, unique_key)
            VALUES (\(request.kind), \(request.payload), \(request.maxAttempts),
            coalesce(\(request.runAt), now()), \(request.uniqueKey))
            ON CONFLICT (unique_key) DO NOTHING RETURNING id
            """, logger: logger
        ).decode(Int64.self) {
            id = value
        }
        if id != nil {
            try await connection.query("SELECT pg_notify(\(channel), \(request.kind))", logger: logger)
        }
        return id
    }

    public func enqueue(_ request: JobRequest) async throws -> Int64? {
        let logger = store.logger
        return try await store.transaction { connection in
            try await Self.insert(request, on: connection, logger: logger)
        }
    }

    public func claim(worker: String, kinds: [String], limit: Int) async throws -> [ClaimedJob] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        let rows = try await store.rows(
            """
            WITH due AS MATERIALIZED (
                SELECT id FROM job WHERE state = 'available' AND run_at <= now() AND kind = ANY(\(kinds))
                ORDER BY run_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            UPDATE job SET state = 'running', attempt = job.attempt + 1, locked_by = \(worker),
                heartbeat_at = now()
            FROM due WHERE job.id = due.id
            RETURNING job.id, job.kind, job.payload, job.attempt, job.max_attempts, job.run_at
            """)
        return try rows.map { row in
            let (id, kind, payload, attempt, maxAttempts, runAt) = try row.decode(
                (Int64, String, String, Int, Int, Date).self)
            return (runAt, ClaimedJob(id: id, kind: kind, payload: payload, attempt: attempt, maxAttempts: maxAttempts))
        }
        .sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.map(\.1)
    }

    public func heartbeat(_ ids: [Int64], worker: String) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try await store.rows(
            """
            UPDATE job SET heartbeat_at = now()
            WHERE id = ANY(\(ids)) AND locked_by = \(worker) AND state = 'running' RETURNING id
            """)
        return Set(try rows.map { try $0.decode(Int64.self) })
    }

    public func complete(_ id: Int64, worker: String) async throws -> Bool {
        let rows = try await store.rows(
            """
            UPDATE job SET state = 'completed', locked_by = NULL, finished_at = now()
            WHERE id = \(id) AND locked_by = \(worker) AND state = 'running' RETURNING id
            """)
        return !rows.isEmpty
    }

    public func fail(_ id: Int64, worker: String, error: String, retry: Bool) async throws -> JobFailure {
        // One statement: the attempt's error is appended, and the job is either due again after the back-off or
        // discarded. The jitter is drawn here; the delay doubles per attempt in SQL.
        let base = timing.backoffBase.seconds * (0.75 + 0.5 * Double.random(in: 0..<1))
        let cap = timing.backoffCap.seconds * 1.25
        let rows = try await store.rows(
            """
            UPDATE job SET
                state = CASE WHEN \(retry) AND attempt < max_attempts THEN 'available' ELSE 'discarded' END,
                run_at = CASE WHEN \(retry) AND attempt < max_attempts
                    THEN now() + make_interval(secs => least(\(cap), \(base) * power(2, least(attempt, 30) - 1)))
                    ELSE run_at END,
                finished_at = CASE WHEN \(retry) AND attempt < max_attempts THEN NULL ELSE now() END,
                locked_by = NULL, heartbeat_at = NULL,
                errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt,
                    'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'error', \(error)::text))
            WHERE id = \(id) AND locked_by = \(worker) AND state = 'running'
            RETURNING state, run_at
            """)
        guard let row = rows.first else { return .notHeld }
        let (state, runAt) = try row.decode((String, Date).self)
        return state == JobState.available.rawValue ? .retry(at: runAt) : .discarded
    }

    public func release(_ id: Int64, worker: String) async throws -> Bool {
        let rows = try await store.rows(
            """
            UPDATE job SET state = 'available', attempt = attempt - 1, locked_by = NULL, heartbeat_at = NULL,
                run_at = now()
            WHERE id = \(id) AND locked_by = \(worker) AND state = 'running' RETURNING id
            """)
        return !rows.isEmpty
    }

    public func lead(_ role: String, holder: String, for duration: Duration) async throws -> Bool {
        let rows = try await store.rows(
            """
            INSERT INTO leader (role, holder, expires_at)
            VALUES (\(role), \(holder), now() + make_interval(secs => \(duration.seconds)))
            ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leader.holder = excluded.holder OR leader.expires_at <= now()
            RETURNING holder
            """)
        return !rows.isEmpty
    }

    public func maintain() async throws -> JobMaintenance {
        let rows = try await store.rows(
            """
            UPDATE job SET
                state = CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'available' END,
                run_at = now(), finished_at = CASE WHEN attempt >= max_attempts THEN now() END,
                errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt,
                    'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    'error', coalesce(locked_by, 'its worker') || ' stopped sending heartbeats')),
                locked_by = NULL, heartbeat_at = NULL
            WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => \(timing.leaseTimeout.seconds))
            RETURNING id, state
            """)
        var done = JobMaintenance()
        for row in rows {
            let (id, state) = try row.decode((Int64, String).self)
            if state == JobState.discarded.rawValue { done.discarded.append(id) } else { done.rescued.append(id) }
        }
        done.pruned =
            try await store.rows(
                """
                DELETE FROM job WHERE state IN ('completed', 'discarded')
                AND finished_at < now() - make_interval(secs => \(timing.keepFinished.seconds)) RETURNING id
                """
            ).count
        return done
    }

    public func job(_ id: Int64) async throws -> JobRecord? {
        try await records("SELECT \(unescaped: Self.columns) FROM job WHERE id = \(id)").first
    }

    public func jobs(limit: Int) async throws -> [JobRecord] {
        try await records("SELECT \(unescaped: Self.columns) FROM job ORDER BY id DESC LIMIT \(limit)")
    }

    public func wake() async {
        await doorbell.ring()
    }

    public func waitForJobs(upTo timeout: Duration) async {
        startListening()
        await doorbell.wait(upTo: timeout)
    }

    /// Holds one connection listening for new jobs (see `PostgresHistoryStore.listen`).
    private func startListening() {
        listener.withLock { task in
            guard task == nil else { return }
            let doorbell = doorbell
            // Jobs added before the listen began are found by the claim after the first ring.
            task = store.listen(on: Self.channel, started: { await doorbell.ring() }) { _ in await doorbell.ring() }
        }
    }

    private static let columns =
        "id, kind, payload, state, attempt, max_attempts, run_at, unique_key, locked_by, heartbeat_at, "
        + "errors::text, created_at, finished_at"

    private func records(_ query: PostgresQuery) async throws -> [JobRecord] {
        try await store.rows(query).map { row in
            let (
                id, kind, payload, state, attempt, maxAttempts, runAt, uniqueKey, lockedBy, heartbeatAt, errors,
                createdAt, finishedAt
            ) = try row.decode(
                (Int64, String, String, String, Int, Int, Date, String?, String?, Date?, String, Date, Date?).self)
            return JobRecord(
                id: id, kind: kind, payload: payload, state: JobState(rawValue: state) ?? .discarded,
                attempt: attempt, maxAttempts: maxAttempts, runAt: runAt, uniqueKey: uniqueKey, lockedBy: lockedBy,
                heartbeatAt: heartbeatAt,
                errors: try JSONDecoder.jobErrors.decode([JobAttemptError].self, from: Data(errors.utf8)),
                createdAt: createdAt, finishedAt: finishedAt)
        }
    }
}
