import Crypto
import Foundation
import GRDB
import TicketMaster

/// The web service's records in the SQLite history file, for a server that is one process. Every method is one
/// transaction.
public struct SQLiteTeamStore: TeamStore {
    let database: any DatabaseWriter
    let now: @Sendable () -> Date

    /// A store over the history database `history`.
    public init(history: SQLiteHistoryStore, now: @escaping @Sendable () -> Date = Date.init) {
        database = history.database
        self.now = now
    }

    // MARK: Accounts

    /// How many accounts exist.
    public func accountCount() async throws -> Int {
        try await database.read { try Account.fetchCount($0) }
    }

    /// Every account, by name.
    public func accounts() async throws -> [Account] {
        try await database.read { try Account.order(Column("name")).fetchAll($0) }
    }

    /// The account named `name`, regardless of case.
    public func account(named name: String) async throws -> Account? {
        try await database.read { try Account.filter(Column("name") == name).fetchOne($0) }
    }

    /// The account with `id`.
    public func account(id: Int64) async throws -> Account? {
        try await database.read { try Account.fetchOne($0, key: id) }
    }

    /// Creates an account; `onlyIfFirst` refuses when any account exists (the first-admin step, raced safely).
    public func createAccount(
        name: String, role: Role, passwordHash: String, onlyIfFirst: Bool
    ) async throws -> Account? {
        let date = now()
        return try await database.write { db in
            if onlyIfFirst, try Account.fetchCount(db) > 0 { return nil }
            if try Account.filter(Column("name") == name).fetchCount(db) > 0 { return nil }
            var account = Account(
                id: nil, name: name, role: role, passwordHash: passwordHash, disabled: false, createdAt: date)
            try account.insert(db)
            return account
        }
    }

    /// Changes an account's role and whether it is disabled; disabling ends its sessions.
    public func update(account id: Int64, role: Role, disabled: Bool) async throws {
        try await database.write { db in
            try Account.filter(key: id).updateAll(
                db, Column("role").set(to: role), Column("disabled").set(to: disabled))
            if disabled { try SessionRow.filter(Column("accountId") == id).deleteAll(db) }
        }
    }

    // MARK: Sessions

    /// Opens a session for `account`: the cookie secret (kept only by the browser) and the form token.
    public func openSession(for account: Account) async throws -> (cookie: String, csrf: String) {
        let cookie = TeamSecrets.randomToken()
        let csrf = TeamSecrets.randomToken()
        let date = now()
        let row = SessionRow(
            digest: TeamSecrets.digest(cookie), accountId: account.id ?? 0, csrfToken: csrf, createdAt: date,
            expiresAt: date.addingTimeInterval(TeamSecrets.sessionLifetime))
        try await database.write { db in
            try SessionRow.filter(Column("expiresAt") < date).deleteAll(db)
            try row.insert(db)
        }
        return (cookie, csrf)
    }

    /// The account and form token of the live session whose cookie is `cookie`.
    public func session(cookie: String) async throws -> (account: Account, csrf: String, digest: String)? {
        let digest = TeamSecrets.digest(cookie)
        let date = now()
        return try await database.read { db in
            guard let row = try SessionRow.fetchOne(db, key: digest), row.expiresAt > date,
                let account = try Account.fetchOne(db, key: row.accountId), !account.disabled
            else { return nil }
            return (account, row.csrfToken, digest)
        }
    }

    /// Ends the session with `digest`.
    public func closeSession(digest: String) async throws {
        _ = try await database.write { try SessionRow.deleteOne($0, key: digest) }
    }

    // MARK: API tokens

    /// Creates a token for `account`; the returned secret is shown once and never stored.
    public func createToken(named name: String, for account: Account) async throws -> (APIToken, String) {
        let secret = "tm_" + TeamSecrets.randomToken()
        let token = APIToken(
            id: nil, accountId: account.id ?? 0, name: name, digest: TeamSecrets.digest(secret), createdAt: now())
        let inserted = try await database.write { db in
            var inserted = token
            try inserted.insert(db)
            return inserted
        }
        return (inserted, secret)
    }

    /// The tokens of `account`, newest first.
    public func tokens(of account: Account) async throws -> [APIToken] {
        try await database.read { db in
            try APIToken.filter(Column("accountId") == account.id).order(Column("id").desc).fetchAll(db)
        }
    }

    /// Revokes token `id` of `account`; false when it has no such token.
    public func revokeToken(_ id: Int64, of account: Account) async throws -> Bool {
        let date = now()
        return try await database.write { db in
            try APIToken.filter(key: id).filter(Column("accountId") == account.id)
                .filter(Column("revokedAt") == nil)
                .updateAll(db, Column("revokedAt").set(to: date)) > 0
        }
    }

    /// The account a live, unrevoked token `secret` belongs to. Its last use is recorded at most once a minute, so
    /// that a busy script does not turn every read into a write.
    public func account(token secret: String) async throws -> Account? {
        let digest = TeamSecrets.digest(secret)
        let date = now()
        let found = try await database.read { db -> (APIToken, Account)? in
            guard let token = try APIToken.filter(Column("digest") == digest).fetchOne(db), token.revokedAt == nil,
                let account = try Account.fetchOne(db, key: token.accountId), !account.disabled
            else { return nil }
            return (token, account)
        }
        guard let (token, account) = found else { return nil }
        if token.lastUsedAt.map({ date.timeIntervalSince($0) > 60 }) ?? true {
            try await database.write { db in
                try APIToken.filter(key: token.id).updateAll(db, Column("lastUsedAt").set(to: date))
            }
        }
        return account
    }

    // MARK: Repositories

    /// Every repository, by name.
    public func repositories() async throws -> [RepositoryRecord] {
        try await database.read { try RepositoryRecord.order(Column("name")).fetchAll($0) }
    }

    /// The repository with `id`.
    public func repository(id: Int64) async throws -> RepositoryRecord? {
        try await database.read { try RepositoryRecord.fetchOne($0, key: id) }
    }

    /// Adds a repository; nil when the name is taken.
    public func addRepository(
        name: String, location: String, tracker: String?, sealedToken: Data?
    ) async throws -> RepositoryRecord? {
        let date = now()
        return try await database.write { db in
            if try RepositoryRecord.filter(Column("name") == name).fetchCount(db) > 0 { return nil }
            var record = RepositoryRecord(
                id: nil, name: name, location: location, tracker: tracker, sealedToken: sealedToken,
                sealedWebhookSecret: nil, schedule: nil, scheduleTimeZone: nil, lastScheduledAt: nil, autoFile: false,
                createdAt: date)
            try record.insert(db)
            return record
        }
    }

    /// Stores the sealed webhook secret of repository `id`, replacing any earlier one; false when there is no such
    /// repository.
    public func setWebhookSecret(_ sealed: Data, repository id: Int64) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE repository SET sealedWebhookSecret = ? WHERE id = ?", arguments: [sealed, id])
            return db.changesCount == 1
        }
    }

    /// Sets (or with nil clears) the schedule of repository `id`; due times from now on count. False when there is
    /// no such repository.
    public func setSchedule(_ schedule: String?, timeZone: String?, repository id: Int64) async throws -> Bool {
        let date = now()
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE repository SET schedule = ?, scheduleTimeZone = ?, lastScheduledAt = ? WHERE id = ?",
                arguments: [schedule, schedule == nil ? nil : timeZone, schedule == nil ? nil : date, id])
            return db.changesCount == 1
        }
    }

    /// Sets whether runs of repository `id` started by a webhook or a schedule file their drafts without review.
    public func setAutoFile(_ on: Bool, repository id: Int64) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE repository SET autoFile = ? WHERE id = ?", arguments: [on, id])
        }
    }

    /// Approves every draft of run `runId` still waiting for a decision, as `actor`; how many it approved.
    public func approveWaitingDrafts(runId: Int64, by actor: String) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE draft SET status = ?, decidedBy = ? WHERE runId = ? AND status = ?",
                arguments: [DraftStatus.approved.rawValue, actor, runId, DraftStatus.draft.rawValue])
            return db.changesCount
        }
    }

    /// Queues the scheduled run of repository `id` due at `due`, once: only when the last due time recorded is
    /// still `previous` (another tick, or another server on the same database, has not queued it), in one
    /// transaction with the run request. Nil when it was queued already.
    public func queueScheduledRun(
        repository id: Int64, due: Date, previous: Date?, maxIssues: Int, provider: String
    ) async throws -> RunRequest? {
        let created = now()
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE repository SET lastScheduledAt = ? WHERE id = ? AND lastScheduledAt IS ?",
                arguments: [due, id, previous])
            guard db.changesCount == 1 else { return nil }
            var request = RunRequest(
                repositoryId: id, requestedBy: "schedule", maxIssues: maxIssues, provider: provider,
                createdAt: created)
            try request.insert(db)
            try Self.queueSuggestion(request, into: db, at: created)
            return request
        }
    }

    // MARK: Runs

    /// Records a run request.
    public func createRunRequest(
        repositoryId: Int64, requestedBy: String, maxIssues: Int, provider: String, issueTypes: [IssueType]?
    ) async throws -> RunRequest {
        let queued = RunRequest(
            repositoryId: repositoryId, requestedBy: requestedBy, maxIssues: maxIssues, provider: provider,
            issueTypes: issueTypes, createdAt: now())
        let created = queued.createdAt
        return try await database.write { db in
            var inserted = queued
            try inserted.insert(db)
            try Self.queueSuggestion(inserted, into: db, at: created)
            return inserted
        }
    }

    /// Queues the suggestion job of each request still waiting without one: requests made before the queue
    /// existed. Returns the requests still waiting, oldest first.
    public func queueWaitingRequests() async throws -> [RunRequest] {
        let date = now()
        return try await database.write { db in
            let waiting = try RunRequest.filter(Column("state") == RunRequestState.queued.rawValue)
                .order(Column("id")).fetchAll(db)
            for request in waiting { try Self.queueSuggestion(request, into: db, at: date) }
            return waiting
        }
    }

    /// Queues filing the approved drafts of run request `id`; false when filing it is already queued or running.
    public func queueFiling(runRequest id: Int64) async throws -> Bool {
        let date = now()
        let job = try JobRequest(kind: RunJob.file, arguments: RunJob(runRequest: id))
        return try await database.write { db in
            let pending = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM job WHERE kind = ? AND payload = ? AND state IN (?, ?)",
                arguments: [job.kind, job.payload, JobState.available.rawValue, JobState.running.rawValue])
            guard pending == 0 else { return false }
            return try SQLiteJobQueue.insert(job, into: db, at: date) != nil
        }
    }

    /// The suggestion job of `request`, once per request (its unique key); whether it was added now.
    @discardableResult
    private static func queueSuggestion(_ request: RunRequest, into db: Database, at date: Date) throws -> Bool {
        guard let id = request.id else { return false }
        let job = try JobRequest(
            kind: RunJob.suggest, arguments: RunJob(runRequest: id), uniqueKey: "\(RunJob.suggest):\(id)")
        return try SQLiteJobQueue.insert(job, into: db, at: date) != nil
    }

    /// The run request with `id`.
    public func runRequest(id: Int64) async throws -> RunRequest? {
        try await database.read { try RunRequest.fetchOne($0, key: id) }
    }

    /// Run requests, newest first, `limit` of them after skipping `offset`.
    public func runRequests(limit: Int, offset: Int) async throws -> [RunRequest] {
        try await database.read { db in
            try RunRequest.order(Column("id").desc).limit(limit, offset: offset).fetchAll(db)
        }
    }

    /// How many run requests exist.
    public func runRequestCount() async throws -> Int {
        try await database.read { try RunRequest.fetchCount($0) }
    }

    /// Moves a run request on.
    public func update(
        runRequest id: Int64, state: RunRequestState, runId: Int64?, message: String?
    ) async throws {
        let finished: Date? = [.drafted, .filed, .failed, .interrupted].contains(state) ? now() : nil
        try await database.write { db in
            guard var request = try RunRequest.fetchOne(db, key: id) else { return }
            request.state = state
            if let runId { request.runId = runId }
            if let message { request.message = message }
            if let finished { request.finishedAt = finished }
            try request.update(db)
        }
    }

    /// Marks every run left running or filing by a stopped server as interrupted: its drafts, if any, stay
    /// reviewable. Runs still queued keep their jobs, which run when the worker is free.
    public func interruptUnfinished() async throws -> Int {
        let date = now()
        return try await database.write { db in
            try RunRequest.filter([RunRequestState.running, .filing].map(\.rawValue).contains(Column("state")))
                .updateAll(
                    db, Column("state").set(to: RunRequestState.interrupted), Column("finishedAt").set(to: date),
                    Column("message").set(to: "the server stopped during the run"))
        }
    }

    // MARK: Drafts

    /// Edits a draft of run `runId` that is not filed yet and records the decision; false when there is no such
    /// draft or it is already filed.
    public func decide(
        draft id: Int64, runId: Int64, title: String?, body: String?, labels: [String]?, status: DraftStatus?,
        reason: String?, by actor: String, assignees: [String]?, milestone: Int??
    ) async throws -> Bool {
        try await database.write { db in
            guard var draft = try DraftRecord.filter(key: id).filter(Column("runId") == runId).fetchOne(db),
                draft.decide(
                    title: title, body: body, labels: labels, status: status, reason: reason, by: actor,
                    assignees: assignees, milestone: milestone)
            else { return false }
            try draft.update(db)
            return true
        }
    }

    // MARK: Settings

    /// Every setting: plain values, and sealed ones (credentials).
    public func settings() async throws -> (values: [String: String], sealed: [String: Data]) {
        try await database.read { db in
            var values: [String: String] = [:]
            var sealed: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value, sealedValue FROM setting") {
                let key: String = row["key"]
                if let value: String = row["value"] { values[key] = value }
                if let data: Data = row["sealedValue"] { sealed[key] = data }
            }
            return (values, sealed)
        }
    }

    /// Sets `key` to a plain `value`, or to a `sealed` one; both nil removes it.
    public func set(_ key: String, value: String?, sealed: Data?) async throws {
        try await database.write { db in
            if value == nil, sealed == nil {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            } else {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO setting (key, value, sealedValue) VALUES (?, ?, ?)",
                    arguments: [key, value, sealed])
            }
        }
    }

    // MARK: Audit

    /// Records a state-changing action.
    public func audit(_ action: String, target: String, actor: String, address: String?) async throws {
        let event = AuditEvent(id: nil, at: now(), actor: actor, action: action, target: target, address: address)
        try await database.write { db in
            var inserted = event
            try inserted.insert(db)
        }
    }

    /// Audit events, newest first, optionally only those by `actor` or with `action`.
    public func auditEvents(
        actor: String?, action: String?, limit: Int
    ) async throws
        -> [AuditEvent]
    {
        try await database.read { db in
            var query = AuditEvent.order(Column("id").desc)
            if let actor, !actor.isEmpty { query = query.filter(Column("actor") == actor) }
            if let action, !action.isEmpty { query = query.filter(Column("action") == action) }
            return try query.limit(limit).fetchAll(db)
        }
    }
}

/// A session row: the digest of the cookie secret, never the secret.
struct SessionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"

    var digest: String
    var accountId: Int64
    var csrfToken: String
    var createdAt: Date
    var expiresAt: Date
}
