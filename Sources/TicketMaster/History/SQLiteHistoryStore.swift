import Foundation
import GRDB
import Logging
import RepositoryAnalysis

/// The history in one SQLite file, shared safely by every process that opens it.
///
/// The file is in WAL mode, so readers never wait for writers; writers take turns, each waiting up to
/// `busyTimeout` for another process's transaction to end, so two runs writing at once both complete.
/// Each recording method is one transaction: a process killed at any point leaves every earlier write intact and
/// none of the one in progress.
public final class SQLiteHistoryStore: HistoryStore {
    /// The database file.
    public let path: String

    public var locationDescription: String { path }
    /// What the store keeps.
    public let policy: HistoryPolicy
    /// Whether search uses the FTS5 index (false only on an SQLite built without FTS5).
    public let usesFullTextSearch: Bool

    let pool: DatabasePool
    let logger: Logger

    /// The database, for the web service's own tables (accounts, sessions, repositories, audit), which the same
    /// migrations create.
    public var database: any DatabaseWriter { pool }

    /// How long a write waits for another process's transaction before giving up.
    public static let busyTimeout: TimeInterval = 30

    /// Opens the history at `path`, creating the file and its folder if needed and migrating it to the current
    /// schema.
    ///
    /// Throws a `TicketMasterError` naming the file and the remedy when it cannot be opened, is not a history
    /// database, or was written by a newer Ticket-Master.
    public init(
        path: String, policy: HistoryPolicy = HistoryPolicy(), logger: Logger = Logger(label: "history")
    )
        throws
    {
        self.path = path
        self.policy = policy
        self.logger = logger
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TicketMasterError(
                .failure,
                "cannot create the history folder \(directory.path): \(error.localizedDescription); "
                    + "set history.path to a writable file",
                cause: error)
        }
        // The history can hold prompt texts quoting private code: only its owner may read it. SQLite gives the WAL
        // and shared-memory files the same mode. O_EXCL never replaces a file another process has just created.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 { close(descriptor) }
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "history"
        do {
            (pool, usesFullTextSearch) = try Self.openRetryingBusy(
                path: path, configuration: configuration, logger: logger)
        } catch let error as TicketMasterError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Opens and migrates the file, trying again while another process is setting up the same new file: switching
    /// it to WAL and recovering its log can answer "busy" at once, without waiting out the busy timeout, so two
    /// `ticket-master` runs starting on a new file would otherwise fail one of them.
    private static func openRetryingBusy(
        path: String, configuration: GRDB.Configuration, logger: Logger
    ) throws -> (DatabasePool, Bool) {
        let deadline = Date().addingTimeInterval(busyTimeout)
        while true {
            do {
                return try openAndMigrate(path: path, configuration: configuration, logger: logger)
            } catch let error as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && Date() < deadline
            {
                usleep(UInt32.random(in: 20_000...100_000))
            }
        }
    }

    private static func openAndMigrate(
        path: String, configuration: GRDB.Configuration, logger: Logger
    ) throws -> (DatabasePool, Bool) {
        let pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = HistorySchema.migrator(logger: logger)
        if try pool.read(migrator.hasBeenSuperseded) {
            let applied = try pool.read { try migrator.appliedIdentifiers($0) }
            let unknown = applied.subtracting(HistorySchema.versions).sorted()
            throw TicketMasterError(
                .failure,
                "the history database \(path) was written by a newer ticket-master (schema "
                    + "\(unknown.joined(separator: ", ")); this one knows up to \(HistorySchema.versions.last ?? "")"
                    + "); upgrade ticket-master, or set history.path to another file")
        }
        do {
            try migrator.migrate(pool)
        } catch let error as DatabaseError {
            // Two processes opening a new file at once both see it unmigrated; the second one's migration then
            // fails on tables the first has just created. That is success once the first has finished: wait for it,
            // applying whatever it has not.
            let deadline = Date().addingTimeInterval(busyTimeout)
            while try !pool.read(migrator.hasCompletedMigrations) {
                guard Date() < deadline else { throw error }
                usleep(UInt32.random(in: 20_000...100_000))
                try? migrator.migrate(pool)
            }
        }
        return (pool, try pool.read { try $0.tableExists("draftText") })
    }

    /// Runs `work` in one write transaction, translating database errors into what the user can do about them.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(work)
        } catch let error as TicketMasterError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Runs `work` on a read-only snapshot, translating database errors.
    func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(work)
        } catch let error as TicketMasterError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// The one-line error for a failure of the database at `path`.
    static func translate(_ error: any Error, path: String) -> TicketMasterError {
        guard let error = error as? DatabaseError else {
            return TicketMasterError(.failure, "history database \(path): \(error.localizedDescription)", cause: error)
        }
        let aside = "move it aside (mv \(path) \(path).broken) to start a new history, or set history.path"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return TicketMasterError(
                .failure, "the history database \(path) is damaged or not an SQLite file; \(aside)", cause: error)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return TicketMasterError(
                .failure,
                "cannot open the history database \(path) for writing (\(error.message ?? "access denied")); "
                    + "check its permissions and its folder's, or set history.path to a writable file",
                cause: error)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return TicketMasterError(
                .failure,
                "the history database \(path) stayed locked by another process for \(Int(busyTimeout)) s; "
                    + "wait for the other ticket-master to finish and try again",
                cause: error)
        case .SQLITE_FULL:
            return TicketMasterError(
                .failure,
                "the disk holding the history database \(path) is full; free space or run "
                    + "`ticket-master history prune`", cause: error)
        case .SQLITE_IOERR:
            return TicketMasterError(
                .failure,
                "cannot read or write the history database \(path) (\(error.message ?? "I/O error")); "
                    + "check the disk, or \(aside)", cause: error)
        default:
            return TicketMasterError(
                .failure, "history database \(path): \(error.message ?? error.description)", cause: error)
        }
    }

    // MARK: Recording

    public func startRun(_ run: RunRecord) async throws -> RunRecord {
        let applied = run.applying(policy)
        return try await write { db in
            var record = applied
            try record.insert(db)
            return record
        }
    }

    public func finishRun(
        _ id: Int64, outcome: RunOutcome, counts: RunCounts, message: String?, at date: Date
    ) async throws {
        let message = message.map(policy.redact)
        let path = path
        try await write { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else {
                throw TicketMasterError.unknownRun(id, in: path)
            }
            run.finish(outcome: outcome, counts: counts, message: message, at: date)
            try run.update(db)
        }
    }

    public func recordSignals(_ signals: [Signal], runId: Int64) async throws {
        let records = signals.map { SignalRecord(runId: runId, signal: $0).applying(policy) }
        try await write { db in
            for var record in records { try record.insert(db) }
        }
    }

    public func recordDraft(_ draft: DraftRecord) async throws -> DraftRecord {
        let applied = draft.applying(policy)
        return try await write { db in
            var record = applied
            try record.insert(db)
            return record
        }
    }

    public func setStatus(_ status: DraftStatus, ofDraft id: Int64, duplicateOf: String?) async throws {
        let duplicateOf = policy.redactLocation(duplicateOf)
        try await write { db in
            try db.execute(
                sql: "UPDATE draft SET status = ?, duplicateOf = ? WHERE id = ?",
                arguments: [status.rawValue, duplicateOf, id])
            guard db.changesCount == 1 else {
                throw TicketMasterError(.usage, "no draft \(id) in the history")
            }
        }
    }

    public func recordModelCall(_ call: ModelCallRecord) async throws -> ModelCallRecord {
        let applied = call.applying(policy)
        return try await write { db in
            var record = applied
            try record.insert(db)
            return record
        }
    }

    public func recordEvents(_ events: [RunEventRecord]) async throws {
        let applied = events.map { $0.applying(policy) }
        guard !applied.isEmpty else { return }
        try await write { db in
            for var record in applied { try record.insert(db) }
        }
    }

    public func recordPublication(_ publication: PublicationRecord) async throws -> PublicationRecord {
        let applied = publication.applying(policy)
        return try await write { db in
            var record = applied
            try record.insert(db)
            try db.execute(
                sql: "DELETE FROM filingClaim WHERE tracker = ? AND repository = ? AND fingerprint = ?",
                arguments: [publication.tracker, publication.repository, publication.fingerprint])
            if let draftId = record.draftId {
                try db.execute(
                    sql: "UPDATE draft SET status = ?, duplicateOf = NULL WHERE id = ?",
                    arguments: [DraftStatus.filed.rawValue, draftId])
            }
            return record
        }
    }

    public func claimFiling(_ request: FilingClaimRequest) async throws -> FilingClaim {
        let now = Date()
        return try await write { db in
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT number, url, title FROM publication WHERE tracker = ? AND repository = ? AND fingerprint = ?
                    ORDER BY id LIMIT 1
                    """,
                arguments: [request.tracker, request.repository, request.fingerprint])
            {
                return .filed(number: row["number"], url: row["url"], title: row["title"])
            }
            if let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT holder, expiresAt FROM filingClaim WHERE tracker = ? AND repository = ? AND fingerprint = ?",
                arguments: [request.tracker, request.repository, request.fingerprint]),
                let holder: String = row["holder"], let expires: Date = row["expiresAt"],
                holder != request.holder, holder != request.replacing, expires > now
            {
                return .held(by: holder, until: expires)
            }
            try db.execute(
                sql: """
                    INSERT INTO filingClaim (tracker, repository, fingerprint, holder, expiresAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (tracker, repository, fingerprint) DO UPDATE
                    SET holder = excluded.holder, expiresAt = excluded.expiresAt
                    """,
                arguments: [request.tracker, request.repository, request.fingerprint, request.holder, request.until])
            return .claimed
        }
    }

    public func releaseFiling(fingerprint: String, tracker: String, repository: String, holder: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM filingClaim WHERE tracker = ? AND repository = ? AND fingerprint = ? AND holder = ?
                    """,
                arguments: [tracker, repository, fingerprint, holder])
        }
    }
}
