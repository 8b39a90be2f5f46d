import Foundation
import GRDB

/// The job queue in the history's SQLite file: one machine, where the web service and its worker run.
///
/// SQLite serialises writers, so a claim (one `UPDATE … RETURNING` over the due jobs) never sees a job another
/// process is claiming, and processes on the same file never run a job twice at once. There is no notification
/// between processes: a job added by this process wakes its own workers at once, one added by another process is
/// found by polling (`timing.pollInterval`).
public struct SQLiteJobQueue: JobQueue {
    let database: any DatabaseWriter
    public let timing: JobTiming
    private let doorbell = Doorbell()
    private let now: @Sendable () -> Date

    /// The queue in `history`'s file.
    public init(
        history: SQLiteHistoryStore, timing: JobTiming = JobTiming(pollInterval: .seconds(1)),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        database = history.database
        self.timing = timing
        self.now = now
    }

    /// Adds `request` inside the caller's transaction `db`, so that a job exists exactly when what it belongs to
    /// (a run request) does; call ``wake()`` after the transaction commits. Nil when its unique key is taken.
    public static func insert(_ request: JobRequest, into db: Database, at date: Date = Date()) throws -> Int64? {
        try db.execute(
            sql: """
                INSERT INTO job (kind, payload, state, attempt, maxAttempts, runAt, uniqueKey, errors, createdAt)
                VALUES (?, ?, ?, 0, ?, ?, ?, '[]', ?) ON CONFLICT (uniqueKey) DO NOTHING
                """,
            arguments: [
                request.kind, request.payload, JobState.available.rawValue, request.maxAttempts,
                (request.runAt ?? date).timeIntervalSince1970, request.uniqueKey, date.timeIntervalSince1970,
            ])
        return db.changesCount == 1 ? db.lastInsertedRowID : nil
    }

    /// Wakes this process's waiting workers: a job was added.
    public func wake() async {
        await doorbell.ring()
    }

    public func enqueue(_ request: JobRequest) async throws -> Int64? {
        let date = now()
        let id = try await database.write { db in try Self.insert(request, into: db, at: date) }
        if id != nil { await wake() }
        return id
    }

    public func claim(worker: String, kinds: [String], limit: Int) async throws -> [ClaimedJob] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        let date = now().timeIntervalSince1970
        let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
        let values: [(any DatabaseValueConvertible)?] =
            [JobState.running.rawValue, worker, date, JobState.available.rawValue, date] + kinds + [limit]
        let arguments = StatementArguments(values)
        return try await database.write { db in
            try Row.fetchAll(
                db,
                sql: """
                    UPDATE job SET state = ?, attempt = attempt + 1, lockedBy = ?, heartbeatAt = ?
                    WHERE id IN (SELECT id FROM job WHERE state = ? AND runAt <= ? AND kind IN (\(marks))
                        ORDER BY runAt, id LIMIT ?)
                    RETURNING id, kind, payload, attempt, maxAttempts, runAt
                    """, arguments: arguments
            )
            .sorted { ($0["runAt"] as Double, $0["id"] as Int64) < ($1["runAt"] as Double, $1["id"] as Int64) }
            .map { row in
                ClaimedJob(
                    id: row["id"], kind: row["kind"], payload: row["payload"], attempt: row["attempt"],
                    maxAttempts: row["maxAttempts"])
            }
        }
    }

    public func heartbeat(_ ids: [Int64], worker: String) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let values: [(any DatabaseValueConvertible)?] =
            [now().timeIntervalSince1970, worker, JobState.running.rawValue] + ids
        let arguments = StatementArguments(values)
        return try await database.write { db in
            Set(
                try Int64.fetchAll(
                    db,
                    sql: """
                        UPDATE job SET heartbeatAt = ? WHERE lockedBy = ? AND state = ? AND id IN (\(marks))
                        RETURNING id
                        """, arguments: arguments))
        }
    }

    public func complete(_ id: Int64, worker: String) async throws -> Bool {
        let date = now().timeIntervalSince1970
        return try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE job SET state = ?, lockedBy = NULL, finishedAt = ?
                    WHERE id = ? AND lockedBy = ? AND state = ?
                    """,
                arguments: [JobState.completed.rawValue, date, id, worker, JobState.running.rawValue])
            return db.changesCount == 1
        }
    }

    public func fail(_ id: Int64, worker: String, error: String, retry: Bool) async throws -> JobFailure {
        let date = now()
        let timing = timing
        return try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT attempt, maxAttempts, errors FROM job WHERE id = ? AND lockedBy = ? AND state = ?",
                    arguments: [id, worker, JobState.running.rawValue])
            else { return .notHeld }
            let attempt: Int = row["attempt"]
            let maxAttempts: Int = row["maxAttempts"]
            let errors = try Self.appending(
                JobAttemptError(attempt: attempt, at: date, error: error), to: row["errors"])
            guard retry, attempt < maxAttempts else {
                try db.execute(
                    sql: "UPDATE job SET state = ?, lockedBy = NULL, errors = ?, finishedAt = ? WHERE id = ?",
                    arguments: [JobState.discarded.rawValue, errors, date.timeIntervalSince1970, id])
                return .discarded
            }
            let due = date.addingTimeInterval(timing.backoff(afterAttempt: attempt))
            try db.execute(
                sql:
                    "UPDATE job SET state = ?, lockedBy = NULL, heartbeatAt = NULL, errors = ?, runAt = ? WHERE id = ?",
                arguments: [JobState.available.rawValue, errors, due.timeIntervalSince1970, id])
            return .retry(at: due)
        }
    }

    public func release(_ id: Int64, worker: String) async throws -> Bool {
        let date = now().timeIntervalSince1970
        return try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE job SET state = ?, attempt = attempt - 1, lockedBy = NULL, heartbeatAt = NULL, runAt = ?
                    WHERE id = ? AND lockedBy = ? AND state = ?
                    """,
                arguments: [JobState.available.rawValue, date, id, worker, JobState.running.rawValue])
            return db.changesCount == 1
        }
    }

    public func lead(_ role: String, holder: String, for duration: Duration) async throws -> Bool {
        let date = now().timeIntervalSince1970
        return try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO leaderLease (role, holder, expiresAt) VALUES (?, ?, ?)
                    ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, expiresAt = excluded.expiresAt
                    WHERE leaderLease.holder = excluded.holder OR leaderLease.expiresAt <= ?
                    """, arguments: [role, holder, date + duration.seconds, date])
            return db.changesCount == 1
        }
    }

    public func maintain() async throws -> JobMaintenance {
        let date = now()
        let timing = timing
        return try await database.write { db in
            var done = JobMaintenance()
            let stale = try Row.fetchAll(
                db,
                sql: "SELECT id, attempt, maxAttempts, lockedBy, errors FROM job WHERE state = ? AND heartbeatAt < ?",
                arguments: [JobState.running.rawValue, date.timeIntervalSince1970 - timing.leaseTimeout.seconds])
            for row in stale {
                let id: Int64 = row["id"]
                let attempt: Int = row["attempt"]
                let holder: String = row["lockedBy"] ?? "its worker"
                let errors = try Self.appending(
                    JobAttemptError(attempt: attempt, at: date, error: "\(holder) stopped sending heartbeats"),
                    to: row["errors"])
                if attempt >= (row["maxAttempts"] as Int) {
                    try db.execute(
                        sql: "UPDATE job SET state = ?, lockedBy = NULL, errors = ?, finishedAt = ? WHERE id = ?",
                        arguments: [JobState.discarded.rawValue, errors, date.timeIntervalSince1970, id])
                    done.discarded.append(id)
                } else {
                    try db.execute(
                        sql: """
                            UPDATE job SET state = ?, lockedBy = NULL, heartbeatAt = NULL, errors = ?, runAt = ?
                            WHERE id = ?
                            """, arguments: [JobState.available.rawValue, errors, date.timeIntervalSince1970, id])
                    done.rescued.append(id)
                }
            }
            try db.execute(
                sql: "DELETE FROM job WHERE state IN (?, ?) AND finishedAt < ?",
                arguments: [
                    JobState.completed.rawValue, JobState.discarded.rawValue,
                    date.timeIntervalSince1970 - timing.keepFinished.seconds,
                ])
            done.pruned = db.changesCount
            return done
        }
    }

    public func job(_ id: Int64) async throws -> JobRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    public func jobs(limit: Int) async throws -> [JobRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.record)
        }
    }

    public func waitForJobs(upTo timeout: Duration) async {
        await doorbell.wait(upTo: timeout)
    }

    private static func appending(_ error: JobAttemptError, to text: String) throws -> String {
        var errors = (try? JSONDecoder.jobErrors.decode([JobAttemptError].self, from: Data(text.utf8))) ?? []
        errors.append(error)
        return String(decoding: try JSONEncoder.jobErrors.encode(errors), as: UTF8.self)
    }

    private static func record(_ row: Row) throws -> JobRecord {
        let errors: String = row["errors"]
        return JobRecord(
            id: row["id"], kind: row["kind"], payload: row["payload"],
            state: JobState(rawValue: row["state"]) ?? .discarded, attempt: row["attempt"],
            maxAttempts: row["maxAttempts"], runAt: Date(timeIntervalSince1970: row["runAt"]),
            uniqueKey: row["uniqueKey"], lockedBy: row["lockedBy"],
            heartbeatAt: (row["heartbeatAt"] as Double?).map(Date.init(timeIntervalSince1970:)),
            errors: try JSONDecoder.jobErrors.decode([JobAttemptError].self, from: Data(errors.utf8)),
            createdAt: Date(timeIntervalSince1970: row["createdAt"]),
            finishedAt: (row["finishedAt"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

extension JSONEncoder {
    /// Encodes the errors a job keeps, with dates as ISO 8601 text (as PostgreSQL's `jsonb` holds them).
    static let jobErrors: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

extension JSONDecoder {
    /// Decodes the errors a job keeps.
    static let jobErrors: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            for options: ISO8601DateFormatter.Options in [
                [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
            ] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return date }
            }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
        }
        return decoder
    }()
}
