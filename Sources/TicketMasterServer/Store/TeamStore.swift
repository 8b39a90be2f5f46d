import Crypto
import Foundation
import TicketMaster

/// The web service's records: accounts, sessions, API tokens, repositories, the runs people started, decisions on
/// drafts, settings and the audit log. Every method is one transaction.
///
/// `SQLiteTeamStore` keeps them in the SQLite history file, for a server that is one process; `PostgresTeamStore`
/// keeps them in the PostgreSQL history database, shared by any number of web and worker processes. One contract
/// suite tests both.
public protocol TeamStore: Sendable {
    // MARK: Accounts

    /// How many accounts exist.
    func accountCount() async throws -> Int
    /// Every account, by name.
    func accounts() async throws -> [Account]
    /// The account named `name`, regardless of case.
    func account(named name: String) async throws -> Account?
    /// The account with `id`.
    func account(id: Int64) async throws -> Account?
    /// Creates an account; nil when the name is taken, or when `onlyIfFirst` and any account exists (the
    /// first-admin step, raced safely).
    func createAccount(name: String, role: Role, passwordHash: String, onlyIfFirst: Bool) async throws -> Account?
    /// Changes an account's role and whether it is disabled; disabling ends its sessions.
    func update(account id: Int64, role: Role, disabled: Bool) async throws

    // MARK: Sessions and tokens

    /// Opens a session for `account`: the cookie secret (kept only by the browser) and the form token.
    func openSession(for account: Account) async throws -> (cookie: String, csrf: String)
    /// The account and form token of the live session whose cookie is `cookie`.
    func session(cookie: String) async throws -> (account: Account, csrf: String, digest: String)?
    /// Ends the session with `digest`.
    func closeSession(digest: String) async throws
    /// Creates a token for `account`; the returned secret is shown once and never stored.
    func createToken(named name: String, for account: Account) async throws -> (APIToken, String)
    /// The tokens of `account`, newest first.
    func tokens(of account: Account) async throws -> [APIToken]
    /// Revokes token `id` of `account`; false when it has no such token.
    func revokeToken(_ id: Int64, of account: Account) async throws -> Bool
    /// The account a live, unrevoked token `secret` belongs to. Its last use is recorded at most once a minute, so
    /// that a busy script does not turn every read into a write.
    func account(token secret: String) async throws -> Account?

    // MARK: Repositories

    /// Every repository, by name.
    func repositories() async throws -> [RepositoryRecord]
    /// The repository with `id`.
    func repository(id: Int64) async throws -> RepositoryRecord?
    /// Adds a repository; nil when the name is taken.
    func addRepository(
        name: String, location: String, tracker: String?, sealedToken: Data?
    ) async throws
        -> RepositoryRecord?
    /// Stores the sealed webhook secret of repository `id`, replacing any earlier one; false when there is no such
    /// repository.
    func setWebhookSecret(_ sealed: Data, repository id: Int64) async throws -> Bool
    /// Sets (or with nil clears) the schedule of repository `id`; due times from now on count. False when there is
    /// no such repository.
    func setSchedule(_ schedule: String?, timeZone: String?, repository id: Int64) async throws -> Bool
    /// Sets whether runs of repository `id` started by a webhook or a schedule file their drafts without review.
    func setAutoFile(_ on: Bool, repository id: Int64) async throws

    // MARK: Runs

    /// Records a run request and, in the same transaction, queues its suggestion job.
    func createRunRequest(
        repositoryId: Int64, requestedBy: String, maxIssues: Int, provider: String, issueTypes: [IssueType]?
    ) async throws -> RunRequest
    /// Queues the scheduled run of repository `id` due at `due`, once: only when the last due time recorded is
    /// still `previous` (another tick, or another server on the same database, has not queued it), in one
    /// transaction with the run request and its job. Nil when it was queued already.
    func queueScheduledRun(
        repository id: Int64, due: Date, previous: Date?, maxIssues: Int, provider: String
    ) async throws -> RunRequest?
    /// Queues the suggestion job of each request still waiting without one: requests made before the queue
    /// existed. Returns the requests still waiting, oldest first.
    func queueWaitingRequests() async throws -> [RunRequest]
    /// Queues filing the approved drafts of run request `id`; false when filing it is already queued or running.
    func queueFiling(runRequest id: Int64) async throws -> Bool
    /// The run request with `id`.
    func runRequest(id: Int64) async throws -> RunRequest?
    /// Run requests, newest first, `limit` of them after skipping `offset`.
    func runRequests(limit: Int, offset: Int) async throws -> [RunRequest]
    /// How many run requests exist.
    func runRequestCount() async throws -> Int
    /// Moves a run request on.
    func update(runRequest id: Int64, state: RunRequestState, runId: Int64?, message: String?) async throws
    /// Marks every run left running or filing by a stopped server as interrupted: its drafts, if any, stay
    /// reviewable. Only a server that is the only process on its database may call it.
    func interruptUnfinished() async throws -> Int

    // MARK: Drafts

    /// Approves every draft of run `runId` still waiting for a decision, as `actor`; how many it approved.
    func approveWaitingDrafts(runId: Int64, by actor: String) async throws -> Int
    /// Edits a draft of run `runId` that is not filed yet and records the decision; false when there is no such
    /// draft or it is already filed.
    func decide(
        draft id: Int64, runId: Int64, title: String?, body: String?, labels: [String]?, status: DraftStatus?,
        reason: String?, by actor: String, assignees: [String]?, milestone: Int??
    ) async throws -> Bool

    // MARK: Settings and audit

    /// Every setting: plain values, and sealed ones (credentials).
    func settings() async throws -> (values: [String: String], sealed: [String: Data])
    /// Sets `key` to a plain `value`, or to a `sealed` one; both nil removes it.
    func set(_ key: String, value: String?, sealed: Data?) async throws
    /// Records a state-changing action.
    func audit(_ action: String, target: String, actor: String, address: String?) async throws
    /// Audit events, newest first, optionally only those by `actor` or with `action`.
    func auditEvents(actor: String?, action: String?, limit: Int) async throws -> [AuditEvent]
}

extension TeamStore {
    /// Creates an account; nil when the name is taken.
    public func createAccount(name: String, role: Role, passwordHash: String) async throws -> Account? {
        try await createAccount(name: name, role: role, passwordHash: passwordHash, onlyIfFirst: false)
    }

    /// Records a run request for every kind of issue.
    public func createRunRequest(
        repositoryId: Int64, requestedBy: String, maxIssues: Int, provider: String
    ) async throws -> RunRequest {
        try await createRunRequest(
            repositoryId: repositoryId, requestedBy: requestedBy, maxIssues: maxIssues, provider: provider,
            issueTypes: nil)
    }

    /// The newest `limit` run requests.
    public func runRequests(limit: Int) async throws -> [RunRequest] {
        try await runRequests(limit: limit, offset: 0)
    }

    /// Moves a run request on, keeping its run and message.
    public func update(runRequest id: Int64, state: RunRequestState) async throws {
        try await update(runRequest: id, state: state, runId: nil, message: nil)
    }

    /// Moves a run request on with a message.
    public func update(runRequest id: Int64, state: RunRequestState, message: String) async throws {
        try await update(runRequest: id, state: state, runId: nil, message: message)
    }

    /// Edits a draft, keeping its assignees and milestone.
    public func decide(
        draft id: Int64, runId: Int64, title: String?, body: String?, labels: [String]?, status: DraftStatus?,
        reason: String?, by actor: String
    ) async throws -> Bool {
        try await decide(
            draft: id, runId: runId, title: title, body: body, labels: labels, status: status, reason: reason,
            by: actor, assignees: nil, milestone: nil)
    }

    /// Sets `key` to a plain `value`.
    public func set(_ key: String, value: String) async throws {
        try await set(key, value: value, sealed: nil)
    }

    /// Sets `key` to a sealed value.
    public func set(_ key: String, sealed: Data) async throws {
        try await set(key, value: nil, sealed: sealed)
    }

    /// Removes `key`.
    public func remove(_ key: String) async throws {
        try await set(key, value: nil, sealed: nil)
    }

    /// Audit events, newest first.
    public func auditEvents(actor: String? = nil, action: String? = nil) async throws -> [AuditEvent] {
        try await auditEvents(actor: actor, action: action, limit: 500)
    }

    /// The first time a run request's state counts as finished.
    static func finishedAt(_ state: RunRequestState, now: Date) -> Date? {
        [.drafted, .filed, .failed, .interrupted].contains(state) ? now : nil
    }
}

extension DraftRecord {
    /// Applies a reviewer's edits and decision, as both stores record them; false when the draft is already filed
    /// (or failed, or set aside) and can no longer be changed.
    mutating func decide(
        title: String?, body: String?, labels: [String]?, status: DraftStatus?, reason: String?, by actor: String,
        assignees: [String]?, milestone: Int??
    ) -> Bool {
        guard [.draft, .approved, .skipped].contains(self.status) else { return false }
        if let title { self.title = title }
        if let body { self.body = body }
        if let labels { self.labels = labels }
        if let assignees { self.assignees = assignees.isEmpty ? nil : assignees }
        if let milestone { self.milestone = milestone }
        if let status {
            self.status = status
            decidedBy = actor
            decisionReason = status == .skipped ? reason : nil
        }
        return true
    }
}

extension RunRequest {
    /// A new request, queued, for the kinds of issue `issueTypes` (nil for every kind).
    init(
        repositoryId: Int64, requestedBy: String, maxIssues: Int, provider: String, issueTypes: [IssueType]? = nil,
        createdAt: Date
    ) {
        self.init(
            id: nil, repositoryId: repositoryId, requestedBy: requestedBy, maxIssues: maxIssues, provider: provider,
            issueTypes: issueTypes.map { $0.map(\.rawValue).joined(separator: ",") }, state: .queued, runId: nil,
            message: nil, createdAt: createdAt, finishedAt: nil)
    }
}

/// The secrets a team store makes: session cookies, form tokens and API tokens, kept only as digests.
public enum TeamSecrets {
    /// How long a session lasts without signing in again.
    public static let sessionLifetime: TimeInterval = 12 * 3600

    /// 32 random bytes, base64url without padding.
    static func randomToken() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of `secret`, hex.
    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
