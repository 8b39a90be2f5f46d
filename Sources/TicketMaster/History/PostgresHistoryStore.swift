import Foundation
import Logging
import NIOSSL
import PostgresNIO
import RepositoryAnalysis

/// The history on a PostgreSQL server, shared by every process and machine that names the same `database.url`.
///
/// Each table keeps the columns its queries filter, join, order and count by, and the whole record as `jsonb`,
/// so one record type serves both stores. The schema changes only through the named migrations of
/// `PostgresHistorySchema`, each in one transaction under an advisory lock, so processes starting together
/// migrate once. Search uses PostgreSQL's own full-text search (`tsvector`, prefix queries, `ts_headline`).
/// Connections come from a pool that `run()` drives: the store starts it and stops it on `close()`.
public final class PostgresHistoryStore: HistoryStore {
    /// Where the history is.
    public let location: DatabaseLocation

    public var locationDescription: String { location.description }
    /// What the store keeps.
    public let policy: HistoryPolicy

    package let client: PostgresClient
    package let logger: Logger
    private let runner: Task<Void, Never>

    /// How long opening waits for the server before it says it cannot be reached.
    public static let connectTimeout: Duration = .seconds(15)

    /// Connects to `location`, migrating the schema to the current version.
    ///
    /// Throws a `TicketMasterError` saying what to check (server, credentials, a newer schema) without the
    /// password.
    public init(
        location: DatabaseLocation, policy: HistoryPolicy = HistoryPolicy(),
        logger: Logger = Logger(label: "history")
    ) async throws {
        self.location = location
        self.policy = policy
        self.logger = logger
        let tls: PostgresClient.Configuration.TLS
        let connectionTLS: PostgresConnection.Configuration.TLS
        do {
            switch location.tls {
            case .disable:
                (tls, connectionTLS) = (.disable, .disable)
            case .prefer:
                let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                (tls, connectionTLS) = (.prefer(.makeClientConfiguration()), .prefer(context))
            case .require:
                let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                (tls, connectionTLS) = (.require(.makeClientConfiguration()), .require(context))
            }
        } catch {
            throw TicketMasterError(
                .failure, "cannot set up TLS for the history database \(location): \(error)", cause: error)
        }
        // One connection first, for the migrations: a wrong password or a server that is not there fails here at
        // once, where the pool would keep retrying.
        do {
            let configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: connectionTLS)
            let connection = try await Self.withTimeout(Self.connectTimeout, location: location) {
                try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            }
            do {
                try await PostgresHistorySchema.migrate(connection, logger: logger, location: location)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            throw Self.translate(error, location: location)
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 8
        // The pool's own chatter (a lease asked for while `run()` is still starting) is not the user's concern;
        // its errors are.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit {
        runner.cancel()
    }

    /// Closes every connection; the store cannot be used afterwards.
    public func close() async {
        runner.cancel()
        _ = await runner.result
    }

    private static func withTimeout<T: Sendable>(
        _ timeout: Duration, location: DatabaseLocation, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TicketMasterError(
                    .failure,
                    "cannot reach the history database at \(location.host):\(location.port) within "
                        + "\(timeout.components.seconds) s; check that PostgreSQL runs there and database.url")
            }
            return value
        }
    }

    /// The one-line error for a failure of the server at `location`; never the password.
    static func translate(_ error: any Error, location: DatabaseLocation) -> TicketMasterError {
        if let error = error as? TicketMasterError { return error }
        // A transaction reports the error of the step that failed.
        if let error = error as? PostgresTransactionError,
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
        {
            return translate(cause, location: location)
        }
        guard let error = error as? PSQLError else {
            return TicketMasterError(
                .failure, "history database \(location): \(error.localizedDescription)", cause: error)
        }
        let message = error.serverInfo?[.message] ?? ""
        let state = error.serverInfo?[.sqlState] ?? ""
        switch (error.code, state) {
        case (.server, "28P01"), (.server, "28000"):
            return TicketMasterError(
                .failure,
                "the history database \(location) refused the user \(location.user) (\(message)); check the user "
                    + "and password in database.url", cause: error)
        case (.server, "3D000"):
            return TicketMasterError(
                .failure,
                "the history database \(location) does not exist (\(message)); create it "
                    + "(createdb \(location.database)) or fix database.url", cause: error)
        case (.server, "53100"):
            return TicketMasterError(
                .failure, "the disk of the history database \(location) is full; free space on the server",
                cause: error)
        case (.server, _):
            return TicketMasterError(
                .failure, "history database \(location): \(message) (SQLSTATE \(state))", cause: error)
        case (.sslUnsupported, _):
            return TicketMasterError(
                .failure,
                "the history database \(location) does not offer TLS; use sslmode=disable on a trusted network "
                    + "or turn on ssl in the server", cause: error)
        default:
            return TicketMasterError(
                .failure,
                "cannot reach the history database \(location) (\(error.code)); check that PostgreSQL runs at "
                    + "\(location.host):\(location.port) and database.url", cause: error)
        }
    }

    /// Runs `work` in one transaction, translating server errors.
    package func transaction<T: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await work(connection) }
        } catch {
            throw Self.translate(error, location: location)
        }
    }

    /// Runs `query` and collects its rows, translating server errors.
    package func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await client.query(query, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw Self.translate(error, location: location)
        }
    }

    /// Listens on `channel` on one connection of the pool until the returned task is cancelled, reconnecting a
    /// second after the connection drops. `started` runs each time the listen begins (what was sent before is not
    /// delivered, so a listener looks again then); `received` runs for each notification's payload.
    package func listen(
        on channel: String, started: @escaping @Sendable () async -> Void = {},
        received: @escaping @Sendable (String) async -> Void
    ) -> Task<Void, Never> {
        let client = client
        return Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            await started()
                            for try await notification in notifications { await received(notification.payload) }
                        }
                    }
                } catch {
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    // MARK: Records as JSON

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    package static func json(_ record: some Encodable) throws -> String {
        String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    package static func record<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    // MARK: Recording

    public func startRun(_ run: RunRecord) async throws -> RunRecord {
        var record = run.applying(policy)
        record.id = nil
        let json = try Self.json(record)
        let rows = try await self.rows(
            """
            INSERT INTO run (started_at, outcome, record) VALUES (\(record.startedAt), \(record.outcome.rawValue),
            \(json)::jsonb) RETURNING id
            """)
        record.id = try rows.first?.decode(Int64.self)
        return record
    }

    public func finishRun(
        _ id: Int64, outcome: RunOutcome, counts: RunCounts, message: String?, at date: Date
    ) async throws {
        let message = message.map(policy.redact)
        let location = location
        try await transaction { connection in
            var found: String?
            for try await text in try await connection.query(
                "SELECT record::text FROM run WHERE id = \(id) FOR UPDATE", logger: self.logger
            ).decode(String.self) {
                found = text
            }
            guard let found else { throw TicketMasterError.unknownRun(id, in: location.description) }
            var run = try Self.record(RunRecord.self, from: found)
            run.finish(outcome: outcome, counts: counts, message: message, at: date)
            run.id = nil
            let json = try Self.json(run)
            try await connection.query(
                "UPDATE run SET outcome = \(outcome.rawValue), record = \(json)::jsonb WHERE id = \(id)",
                logger: self.logger)
        }
    }

    public func recordSignals(_ signals: [Signal], runId: Int64) async throws {
        let records = try signals.map { signal -> String in
            var record = SignalRecord(runId: runId, signal: signal).applying(policy)
            record.id = nil
            return try Self.json(record)
        }
        guard !records.isEmpty else { return }
        try await requireRun(runId)
        try await transaction { connection in
            for json in records {
                try await connection.query(
                    "INSERT INTO signal (run_id, record) VALUES (\(runId), \(json)::jsonb)", logger: self.logger)
            }
        }
    }

    public func recordDraft(_ draft: DraftRecord) async throws -> DraftRecord {
        var record = draft.applying(policy)
        record.id = nil
        try await requireRun(record.runId)
        let json = try Self.json(record)
        let rows = try await self.rows(
            """
            INSERT INTO draft (run_id, fingerprint, record) VALUES (\(record.runId), \(record.fingerprint),
            \(json)::jsonb) RETURNING id
            """)
        record.id = try rows.first?.decode(Int64.self)
        return record
    }

    public func setStatus(_ status: DraftStatus, ofDraft id: Int64, duplicateOf: String?) async throws {
        let duplicateOf = policy.redactLocation(duplicateOf)
        let rows = try await self.rows(
            """
            UPDATE draft SET record = record || jsonb_build_object('status', \(status.rawValue)::text,
            'duplicateOf', \(duplicateOf)::text) WHERE id = \(id) RETURNING id
            """)
        guard !rows.isEmpty else { throw TicketMasterError(.usage, "no draft \(id) in the history") }
    }

    public func recordModelCall(_ call: ModelCallRecord) async throws -> ModelCallRecord {
        var record = call.applying(policy)
        record.id = nil
        try await requireRun(record.runId)
        let json = try Self.json(record)
        let rows = try await self.rows(
            """
            INSERT INTO model_call (run_id, called_at, provider, prompt_tokens, completion_tokens, cost, record)
            VALUES (\(record.runId), \(record.calledAt), \(record.provider), \(record.promptTokens),
            \(record.completionTokens), \(record.cost), \(json)::jsonb) RETURNING id
            """)
        record.id = try rows.first?.decode(Int64.self)
        return record
    }

    public func recordEvents(_ events: [RunEventRecord]) async throws {
        let applied = events.map { $0.applying(policy) }
        guard !applied.isEmpty else { return }
        for runId in Set(applied.map(\.runId)) { try await requireRun(runId) }
        try await transaction { connection in
            for event in applied {
                try await connection.query(
                    """
                    INSERT INTO run_event (run_id, sequence, at, kind, payload) VALUES (\(event.runId),
                    \(event.sequence), \(event.at), \(event.kind), \(event.payload))
                    """, logger: self.logger)
            }
        }
    }

    public func recordPublication(_ publication: PublicationRecord) async throws -> PublicationRecord {
        var record = publication.applying(policy)
        record.id = nil
        try await requireRun(record.runId)
        let json = try Self.json(record)
        let stored = record
        let id = try await transaction { connection -> Int64? in
            var id: Int64?
            for try await value in try await connection.query(
                """
                INSERT INTO publication (run_id, draft_id, tracker, repository, fingerprint, published_at, record)
                VALUES (\(stored.runId), \(stored.draftId), \(stored.tracker), \(stored.repository),
                \(stored.fingerprint), \(stored.publishedAt), \(json)::jsonb) RETURNING id
                """, logger: self.logger
            ).decode(Int64.self) {
                id = value
            }
            try await connection.query(
                """
                DELETE FROM filing_claim WHERE tracker = \(stored.tracker) AND repository = \(stored.repository)
                AND fingerprint = \(stored.fingerprint)
                """, logger: self.logger)
            if let draftId = stored.draftId {
                try await connection.query(
                    """
                    UPDATE draft SET record = record || jsonb_build_object('status', \(DraftStatus.filed.rawValue)::text,
                    'duplicateOf', NULL) WHERE id = \(draftId)
                    """, logger: self.logger)
            }
            return id
        }
        record.id = id
        return record
    }

    public func claimFiling(_ request: FilingClaimRequest) async throws -> FilingClaim {
        try await transaction { connection in
            for try await (number, url, title) in try await connection.query(
                """
                SELECT (record->>'number')::bigint, record->>'url', record->>'title' FROM publication
                WHERE tracker = \(request.tracker) AND repository = \(request.repository)
                AND fingerprint = \(request.fingerprint) ORDER BY id LIMIT 1
                """, logger: self.logger
            ).decode((Int64, String, String).self) {
                return .filed(number: Int(number), url: url, title: title)
            }
            // One statement decides: a new claim, a lapsed or own one taken over, or nothing when another
            // holder's claim lasts; the row lock makes a concurrent claim wait for this one's commit.
            for try await _ in try await connection.query(
                """
                INSERT INTO filing_claim (tracker, repository, fingerprint, holder, expires_at)
                VALUES (\(request.tracker), \(request.repository), \(request.fingerprint), \(request.holder),
                \(request.until))
                ON CONFLICT (tracker, repository, fingerprint) DO UPDATE
                SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE filing_claim.holder = excluded.holder OR filing_claim.expires_at <= now()
                OR filing_claim.holder = \(request.replacing)
                RETURNING holder
                """, logger: self.logger
            ) {
                return .claimed
            }
            for try await (holder, until) in try await connection.query(
                """
                SELECT holder, expires_at FROM filing_claim WHERE tracker = \(request.tracker)
                AND repository = \(request.repository) AND fingerprint = \(request.fingerprint)
                """, logger: self.logger
            ).decode((String, Date).self) {
                return .held(by: holder, until: until)
            }
            // Released between the two statements: the caller asks again.
            return .held(by: "another process", until: Date())
        }
    }

    public func releaseFiling(fingerprint: String, tracker: String, repository: String, holder: String) async throws {
        _ = try await rows(
            """
            DELETE FROM filing_claim WHERE tracker = \(tracker) AND repository = \(repository)
            AND fingerprint = \(fingerprint) AND holder = \(holder)
            """)
    }

    /// Throws the usage error for an unknown run, as the other stores do, instead of a foreign-key failure.
    private func requireRun(_ id: Int64) async throws {
        guard try await !rows("SELECT 1 FROM run WHERE id = \(id)").isEmpty else {
            throw TicketMasterError.unknownRun(id, in: location.description)
        }
    }
}
