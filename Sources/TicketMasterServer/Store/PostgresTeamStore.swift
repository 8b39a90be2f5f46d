import Foundation
import Logging
import PostgresNIO
import TicketMaster

/// The web service's records in the PostgreSQL history database (its migration `v3`), shared by any number of web and
/// worker processes on any machines. Every method is one statement or one transaction; dates are the caller's clock,
/// like the SQLite store's, so sessions expire the same way on both.
public struct PostgresTeamStore: TeamStore {
    let store: PostgresHistoryStore
    let now: @Sendable () -> Date

    /// A store over the history database `history`.
    public init(history: PostgresHistoryStore, now: @escaping @Sendable () -> Date = Date.init) {
        store = history
        self.now = now
    }

    private var logger: Logger { store.logger }

    /// The rows of `query` on a connection inside a transaction.
    private static func rows(
        _ query: PostgresQuery, on connection: PostgresConnection, logger: Logger
    ) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    // MARK: Accounts

    private static let accountColumns = "id, name, role, password_hash, disabled, created_at"
    /// The account columns of a join where the account table is `a`.
    private static let joinedAccountColumns = "a.id, a.name, a.role, a.password_hash, a.disabled, a.created_at"

    private static func account(_ row: PostgresRow) throws -> Account {
        account(try row.decode((Int64, String, String, String, Bool, Date).self))
    }

    private static func account(_ values: (Int64, String, String, String, Bool, Date)) -> Account {
        let (id, name, role, hash, disabled, created) = values
        return Account(
            id: id, name: name, role: Role(rawValue: role) ?? .viewer, passwordHash: hash, disabled: disabled,
            createdAt: created)
    }

    public func accountCount() async throws -> Int {
        try await store.rows("SELECT count(*) FROM account").first?.decode(Int.self) ?? 0
    }

    public func accounts() async throws -> [Account] {
        try await store.rows("SELECT \(unescaped: Self.accountColumns) FROM account ORDER BY lower(name), id")
            .map(Self.account)
    }

    public func account(named name: String) async throws -> Account? {
        try await store.rows(
            "SELECT \(unescaped: Self.accountColumns) FROM account WHERE lower(name) = lower(\(name))"
        ).first.map(Self.account)
    }

    public func account(id: Int64) async throws -> Account? {
        try await store.rows("SELECT \(unescaped: Self.accountColumns) FROM account WHERE id = \(id)").first.map(
            Self.account)
    }

    public func createAccount(
        name: String, role: Role, passwordHash: String, onlyIfFirst: Bool
    ) async throws -> Account? {
        let date = now()
        let logger = logger
        return try await store.transaction { connection in
            if onlyIfFirst {
                // Two servers starting at once on an empty database both reach this point: the lock makes the
                // second one see the first one's account.
                try await connection.query("LOCK TABLE account IN SHARE ROW EXCLUSIVE MODE", logger: logger)
                let count =
                    try await Self.rows("SELECT count(*) FROM account", on: connection, logger: logger)
                    .first?.decode(Int.self) ?? 0
                if count > 0 { return nil }
            }
            let rows = try await Self.rows(
                """
                INSERT INTO account (name, role, password_hash, disabled, created_at)
                VALUES (\(name), \(role.rawValue), \(passwordHash), false, \(date))
                ON CONFLICT DO NOTHING RETURNING id
                """, on: connection, logger: logger)
            guard let id = try rows.first?.decode(Int64.self) else { return nil }
            return Account(
                id: id, name: name, role: role, passwordHash: passwordHash, disabled: false, createdAt: date)
        }
    }

    public func update(account id: Int64, role: Role, disabled: Bool) async throws {
        let logger = logger
        try await store.transaction { connection in
            try await connection.query(
                "UPDATE account SET role = \(role.rawValue), disabled = \(disabled) WHERE id = \(id)", logger: logger)
            if disabled {
                try await connection.query("DELETE FROM account_session WHERE account_id = \(id)", logger: logger)
            }
        }
    }

    // MARK: Sessions

    public func openSession(for account: Account) async throws -> (cookie: String, csrf: String) {
        let cookie = TeamSecrets.randomToken()
        let csrf = TeamSecrets.randomToken()
        let date = now()
        let expires = date.addingTimeInterval(TeamSecrets.sessionLifetime)
        let digest = TeamSecrets.digest(cookie)
        let accountId = account.id ?? 0
        let logger = logger
        try await store.transaction { connection in
            try await connection.query("DELETE FROM account_session WHERE expires_at < \(date)", logger: logger)
            try await connection.query(
                """
                INSERT INTO account_session (digest, account_id, csrf_token, created_at, expires_at)
                VALUES (\(digest), \(accountId), \(csrf), \(date), \(expires))
                """, logger: logger)
        }
        return (cookie, csrf)
    }

    public func session(cookie: String) async throws -> (account: Account, csrf: String, digest: String)? {
        let digest = TeamSecrets.digest(cookie)
        let date = now()
        guard
            let row = try await store.rows(
                """
                SELECT \(unescaped: Self.joinedAccountColumns), s.csrf_token FROM account_session s JOIN account a ON a.id = s.account_id
                WHERE s.digest = \(digest) AND s.expires_at > \(date) AND NOT a.disabled
                """
            ).first
        else { return nil }
        let (id, name, role, hash, disabled, created, csrf) = try row.decode(
            (Int64, String, String, String, Bool, Date, String).self)
        return (Self.account((id, name, role, hash, disabled, created)), csrf, digest)
    }

    public func closeSession(digest: String) async throws {
        _ = try await store.rows("DELETE FROM account_session WHERE digest = \(digest)")
    }

    // MARK: API tokens

    private static let tokenColumns = "id, account_id, name, digest, created_at, last_used_at, revoked_at"

    private static func token(_ row: PostgresRow) throws -> APIToken {
        let (id, accountId, name, digest, created, lastUsed, revoked) = try row.decode(
            (Int64, Int64, String, String, Date, Date?, Date?).self)
        return APIToken(
            id: id, accountId: accountId, name: name, digest: digest, createdAt: created, lastUsedAt: lastUsed,
            revokedAt: revoked)
    }

    public func createToken(named name: String, for account: Account) async throws -> (APIToken, String) {
        let secret = "tm_" + TeamSecrets.randomToken()
        var token = APIToken(
            id: nil, accountId: account.id ?? 0, name: name, digest: TeamSecrets.digest(secret), createdAt: now())
        let rows = try await store.rows(
            """
            INSERT INTO api_token (account_id, name, digest, created_at)
            VALUES (\(token.accountId), \(token.name), \(token.digest), \(token.createdAt)) RETURNING id
            """)
        token.id = try rows.first?.decode(Int64.self)
        return (token, secret)
    }

    public func tokens(of account: Account) async throws -> [APIToken] {
        try await store.rows(
            """
            SELECT \(unescaped: Self.tokenColumns) FROM api_token WHERE account_id = \(account.id ?? 0)
            ORDER BY id DESC
            """
        ).map(Self.token)
    }

    public func revokeToken(_ id: Int64, of account: Account) async throws -> Bool {
        try await !store.rows(
            """
            UPDATE api_token SET revoked_at = \(now()) WHERE id = \(id) AND account_id = \(account.id ?? 0)
            AND revoked_at IS NULL RETURNING id
            """
        ).isEmpty
    }

    public func account(token secret: String) async throws -> Account? {
        let digest = TeamSecrets.digest(secret)
        let date = now()
        guard
            let row = try await store.rows(
                """
                SELECT \(unescaped: Self.joinedAccountColumns), t.id, t.last_used_at FROM api_token t JOIN account a ON a.id = t.account_id
                WHERE t.digest = \(digest) AND t.revoked_at IS NULL AND NOT a.disabled
                """
            ).first
        else { return nil }
        let (id, name, role, hash, disabled, created, tokenId, lastUsed) = try row.decode(
            (Int64, String, String, String, Bool, Date, Int64, Date?).self)
        if lastUsed.map({ date.timeIntervalSince($0) > 60 }) ?? true {
            _ = try await store.rows("UPDATE api_token SET last_used_at = \(date) WHERE id = \(tokenId)")
        }
        return Self.account((id, name, role, hash, disabled, created))
    }

    // MARK: Repositories

    private static let repositoryColumns =
        "id, name, location, tracker, sealed_token, sealed_webhook_secret, schedule, schedule_time_zone, "
        + "last_scheduled_at, auto_file, created_at"

    private static func repository(_ row: PostgresRow) throws -> RepositoryRecord {
        let (id, name, location, tracker, token, webhook, schedule, zone, last, autoFile, created) = try row.decode(
            (Int64, String, String, String?, Data?, Data?, String?, String?, Date?, Bool, Date).self)
        return RepositoryRecord(
            id: id, name: name, location: location, tracker: tracker, sealedToken: token,
            sealedWebhookSecret: webhook, schedule: schedule, scheduleTimeZone: zone, lastScheduledAt: last,
            autoFile: autoFile, createdAt: created)
    }

    public func repositories() async throws -> [RepositoryRecord] {
        try await store.rows("SELECT \(unescaped: Self.repositoryColumns) FROM repository ORDER BY lower(name), id")
            .map(Self.repository)
    }

    public func repository(id: Int64) async throws -> RepositoryRecord? {
        try await store.rows("SELECT \(unescaped: Self.repositoryColumns) FROM repository WHERE id = \(id)").first
            .map(Self.repository)
    }

    public func addRepository(
        name: String, location: String, tracker: String?, sealedToken: Data?
    ) async throws -> RepositoryRecord? {
        let date = now()
        let rows = try await store.rows(
            """
            INSERT INTO repository (name, location, tracker, sealed_token, created_at)
            VALUES (\(name), \(location), \(tracker), \(sealedToken), \(date))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard let id = try rows.first?.decode(Int64.self) else { return nil }
        return RepositoryRecord(
            id: id, name: name, location: location, tracker: tracker, sealedToken: sealedToken,
            sealedWebhookSecret: nil, schedule: nil, scheduleTimeZone: nil, lastScheduledAt: nil, autoFile: false,
            createdAt: date)
    }

    public func setWebhookSecret(_ sealed: Data, repository id: Int64) async throws -> Bool {
        try await !store.rows(
            "UPDATE repository SET sealed_webhook_secret = \(sealed) WHERE id = \(id) RETURNING id"
        ).isEmpty
    }

    public func setSchedule(_ schedule: String?, timeZone: String?, repository id: Int64) async throws -> Bool {
        let zone = schedule == nil ? nil : timeZone
        let last: Date? = schedule == nil ? nil : now()
        return try await !store.rows(
            """
            UPDATE repository SET schedule = \(schedule), schedule_time_zone = \(zone), last_scheduled_at = \(last)
            WHERE id = \(id) RETURNING id
            """
        ).isEmpty
    }

    public func setAutoFile(_ on: Bool, repository id: Int64) async throws {
        _ = try await store.rows("UPDATE repository SET auto_file = \(on) WHERE id = \(id)")
    }

    // MARK: Runs

    private static let requestColumns =
        "id, repository_id, requested_by, max_issues, provider, issue_types, state, run_id, message, created_at, "
        + "finished_at"

    private static func request(_ row: PostgresRow) throws -> RunRequest {
        let (id, repository, requestedBy, maxIssues, provider, types, state, runId, message, created, finished) =
            try row.decode((Int64, Int64, String, Int, String, String?, String, Int64?, String?, Date, Date?).self)
        return RunRequest(
            id: id, repositoryId: repository, requestedBy: requestedBy, maxIssues: maxIssues, provider: provider,
            issueTypes: types, state: RunRequestState(rawValue: state) ?? .failed, runId: runId, message: message,
            createdAt: created, finishedAt: finished)
    }

    /// Inserts `request` and its suggestion job on `connection`; returns it with its id.
    private static func insert(
        _ request: RunRequest, on connection: PostgresConnection, logger: Logger
    ) async throws -> RunRequest {
        var inserted = request
        let rows = try await Self.rows(
            """
            INSERT INTO run_request (repository_id, requested_by, max_issues, provider, issue_types, state,
            created_at) VALUES (\(request.repositoryId), \(request.requestedBy), \(request.maxIssues),
            \(request.provider), \(request.issueTypes), \(request.state.rawValue), \(request.createdAt))
            RETURNING id
            """, on: connection, logger: logger)
        inserted.id = try rows.first?.decode(Int64.self)
        try await queueSuggestion(inserted, on: connection, logger: logger)
        return inserted
    }

    /// The suggestion job of `request`, once per request (its unique key).
    private static func queueSuggestion(
        _ request: RunRequest, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard let id = request.id else { return }
        let job = try JobRequest(
            kind: RunJob.suggest, arguments: RunJob(runRequest: id), uniqueKey: "\(RunJob.suggest):\(id)")
        _ = try await PostgresJobQueue.insert(job, on: connection, logger: logger)
    }

    public func createRunRequest(
        repositoryId: Int64, requestedBy: String, maxIssues: Int, provider: String, issueTypes: [IssueType]?
    ) async throws -> RunRequest {
        let queued = RunRequest(
            repositoryId: repositoryId, requestedBy: requestedBy, maxIssues: maxIssues, provider: provider,
            issueTypes: issueTypes, createdAt: now())
        let logger = logger
        return try await store.transaction { connection in
            try await Self.insert(queued, on: connection, logger: logger)
        }
    }

    public func queueScheduledRun(
        repository id: Int64, due: Date, previous: Date?, maxIssues: Int, provider: String
    ) async throws -> RunRequest? {
        let request = RunRequest(
            repositoryId: id, requestedBy: "schedule", maxIssues: maxIssues, provider: provider,
            createdAt: now())
        let logger = logger
        return try await store.transaction { connection in
            let moved = try await Self.rows(
                """
                UPDATE repository SET last_scheduled_at = \(due)
                WHERE id = \(id) AND last_scheduled_at IS NOT DISTINCT FROM \(previous) RETURNING id
                """, on: connection, logger: logger)
            guard !moved.isEmpty else { return nil }
            return try await Self.insert(request, on: connection, logger: logger)
        }
    }

    public func queueWaitingRequests() async throws -> [RunRequest] {
        let logger = logger
        return try await store.transaction { connection in
            let waiting = try await Self.rows(
                """
                SELECT \(unescaped: Self.requestColumns) FROM run_request
                WHERE state = \(RunRequestState.queued.rawValue) ORDER BY id
                """, on: connection, logger: logger
            ).map(Self.request)
            for request in waiting { try await Self.queueSuggestion(request, on: connection, logger: logger) }
            return waiting
        }
    }

    public func queueFiling(runRequest id: Int64) async throws -> Bool {
        let job = try JobRequest(kind: RunJob.file, arguments: RunJob(runRequest: id))
        let logger = logger
        return try await store.transaction { connection in
            // Serialises two web nodes asked to file the same run at once.
            try await connection.query("SELECT id FROM run_request WHERE id = \(id) FOR UPDATE", logger: logger)
            let pending =
                try await Self.rows(
                    """
                    SELECT count(*) FROM job WHERE kind = \(job.kind) AND payload = \(job.payload)
                    AND state IN ('available', 'running')
                    """, on: connection, logger: logger
                ).first?.decode(Int.self) ?? 0
            guard pending == 0 else { return false }
            return try await PostgresJobQueue.insert(job, on: connection, logger: logger) != nil
        }
    }

    public func runRequest(id: Int64) async throws -> RunRequest? {
        try await store.rows("SELECT \(unescaped: Self.requestColumns) FROM run_request WHERE id = \(id)").first.map(
            Self.request)
    }

    public func runRequests(limit: Int, offset: Int) async throws -> [RunRequest] {
        try await store.rows(
            """
            SELECT \(unescaped: Self.requestColumns) FROM run_request ORDER BY id DESC
            LIMIT \(max(0, limit)) OFFSET \(max(0, offset))
            """
        ).map(Self.request)
    }

    public func runRequestCount() async throws -> Int {
        try await store.rows("SELECT count(*) FROM run_request").first?.decode(Int.self) ?? 0
    }

    public func update(runRequest id: Int64, state: RunRequestState, runId: Int64?, message: String?) async throws {
        let finished = Self.finishedAt(state, now: now())
        _ = try await store.rows(
            """
            UPDATE run_request SET state = \(state.rawValue), run_id = coalesce(\(runId), run_id),
            message = coalesce(\(message), message), finished_at = coalesce(\(finished), finished_at)
            WHERE id = \(id)
            """)
    }

    public func interruptUnfinished() async throws -> Int {
        try await store.rows(
            """
            UPDATE run_request SET state = \(RunRequestState.interrupted.rawValue), finished_at = \(now()),
            message = 'the server stopped during the run' WHERE state IN ('running', 'filing') RETURNING id
            """
        ).count
    }

    // MARK: Drafts

    public func approveWaitingDrafts(runId: Int64, by actor: String) async throws -> Int {
        try await store.rows(
            """
            UPDATE draft SET record = record || jsonb_build_object('status', \(DraftStatus.approved.rawValue)::text,
            'decidedBy', \(actor)::text) WHERE run_id = \(runId) AND record ->> 'status' = \(DraftStatus.draft.rawValue)
            RETURNING id
            """
        ).count
    }

    public func decide(
        draft id: Int64, runId: Int64, title: String?, body: String?, labels: [String]?, status: DraftStatus?,
        reason: String?, by actor: String, assignees: [String]?, milestone: Int??
    ) async throws -> Bool {
        let logger = logger
        return try await store.transaction { connection in
            guard
                let row = try await Self.rows(
                    "SELECT record::text FROM draft WHERE id = \(id) AND run_id = \(runId) FOR UPDATE",
                    on: connection, logger: logger
                ).first
            else { return false }
            var draft = try PostgresHistoryStore.record(DraftRecord.self, from: try row.decode(String.self))
            guard
                draft.decide(
                    title: title, body: body, labels: labels, status: status, reason: reason, by: actor,
                    assignees: assignees, milestone: milestone)
            else { return false }
            draft.id = nil
            let json = try PostgresHistoryStore.json(draft)
            try await connection.query(
                "UPDATE draft SET record = \(json)::jsonb WHERE id = \(id)", logger: logger)
            return true
        }
    }

    // MARK: Settings

    public func settings() async throws -> (values: [String: String], sealed: [String: Data]) {
        var values: [String: String] = [:]
        var sealed: [String: Data] = [:]
        for row in try await store.rows("SELECT key, value, sealed_value FROM setting") {
            let (key, value, data) = try row.decode((String, String?, Data?).self)
            if let value { values[key] = value }
            if let data { sealed[key] = data }
        }
        return (values, sealed)
    }

    public func set(_ key: String, value: String?, sealed: Data?) async throws {
        if value == nil, sealed == nil {
            _ = try await store.rows("DELETE FROM setting WHERE key = \(key)")
        } else {
            _ = try await store.rows(
                """
                INSERT INTO setting (key, value, sealed_value) VALUES (\(key), \(value), \(sealed))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, sealed_value = excluded.sealed_value
                """)
        }
    }

    // MARK: Audit

    public func audit(_ action: String, target: String, actor: String, address: String?) async throws {
        _ = try await store.rows(
            """
            INSERT INTO audit_event (at, actor, action, target, address)
            VALUES (\(now()), \(actor), \(action), \(target), \(address))
            """)
    }

    public func auditEvents(actor: String?, action: String?, limit: Int) async throws -> [AuditEvent] {
        let actor = actor.flatMap { $0.isEmpty ? nil : $0 }
        let action = action.flatMap { $0.isEmpty ? nil : $0 }
        return try await store.rows(
            """
            SELECT id, at, actor, action, target, address FROM audit_event
            WHERE (\(actor)::text IS NULL OR actor = \(actor)) AND (\(action)::text IS NULL OR action = \(action))
            ORDER BY id DESC LIMIT \(max(0, limit))
            """
        ).map { row in
            let (id, at, actor, action, target, address) = try row.decode(
                (Int64, Date, String, String, String, String?).self)
            return AuditEvent(id: id, at: at, actor: actor, action: action, target: target, address: address)
        }
    }
}
