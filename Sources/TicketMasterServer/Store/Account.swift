import Foundation
import GRDB
import HummingbirdAuth

/// What a person may do in the web service: each role can do everything the one before it can.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    /// Reads runs, drafts, repositories and history; never secrets.
    case viewer
    /// Also starts runs, edits, approves and declines drafts, and files them.
    case user
    /// Also manages accounts, repositories, their tracker tokens, and reads the audit log.
    case admin

    public static func < (left: Role, right: Role) -> Bool {
        left.rank < right.rank
    }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .user: 1
        case .admin: 2
        }
    }
}

/// A person's account in the web service.
public struct Account: Codable, Sendable, Hashable, Identifiable, RoleProviding {
    /// Assigned by the store.
    public var id: Int64?
    /// The sign-in name, unique regardless of case.
    public var name: String
    /// What the account may do.
    public var role: Role
    /// The bcrypt hash of the password.
    var passwordHash: String
    /// A disabled account cannot sign in, and its sessions and tokens stop working.
    public var disabled: Bool
    /// When it was created.
    public var createdAt: Date

    /// Every role this account holds: its own and those below it.
    public var roles: Set<Role> { Set(Role.allCases.filter { $0 <= role }) }
}

extension Account: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "account"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A repository the team works on: a local path an admin allowed, or a clone URL.
public struct RepositoryRecord: Codable, Sendable, Hashable, Identifiable {
    /// Assigned by the store.
    public var id: Int64?
    /// A short name, unique regardless of case.
    public var name: String
    /// A local path or a clone URL.
    public var location: String
    /// Where issues are filed (`owner/repo` or its URL); the checkout's origin when nil.
    public var tracker: String?
    /// The tracker token, sealed with the server's key.
    var sealedToken: Data?
    /// The secret its webhooks are signed with, sealed with the server's key.
    var sealedWebhookSecret: Data?
    /// When its runs start on their own: a cron expression (see `CronSchedule`), read in `scheduleTimeZone`.
    public var schedule: String?
    /// The IANA time zone `schedule` is read in.
    public var scheduleTimeZone: String?
    /// The due time that last queued a scheduled run (or when the schedule was set): the next one comes after it.
    public var lastScheduledAt: Date?
    /// Whether runs started by a webhook or a schedule file their drafts without anyone reviewing them; off unless
    /// an admin turns it on.
    public var autoFile: Bool = false
    /// When it was added.
    public var createdAt: Date

    /// Whether a tracker token is stored for it (the token itself is never shown).
    public var hasToken: Bool { sealedToken != nil }
    /// Whether webhooks can start its runs (the secret itself is shown once, when made).
    public var hasWebhook: Bool { sealedWebhookSecret != nil }
}

extension RepositoryRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "repository"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Where a run started from the web service stands.
public enum RunRequestState: String, Codable, Sendable {
    /// Waiting for the worker.
    case queued
    /// Analysing and drafting.
    case running
    /// Drafts are ready for review.
    case drafted
    /// Filing the approved drafts.
    case filing
    /// Filing finished.
    case filed
    /// The run failed; `message` says why.
    case failed
    /// Stopped by a shutdown or a person.
    case interrupted
}

/// A run a person started from the web service, and the history run it became.
public struct RunRequest: Codable, Sendable, Hashable, Identifiable {
    /// Assigned by the store.
    public var id: Int64?
    /// The repository.
    public var repositoryId: Int64
    /// The account name of who started it.
    public var requestedBy: String
    /// Suggest at most this many issues.
    public var maxIssues: Int
    /// The model service: `none`, `auto`, `local`, …
    public var provider: String
    /// The kinds of issue to suggest, comma-separated; nil for every kind the configuration ranks.
    public var issueTypes: String?
    /// Where it stands.
    public var state: RunRequestState
    /// The history run, once analysis is done.
    public var runId: Int64?
    /// Why it failed, or a note on how it ended.
    public var message: String?
    /// When it was started.
    public var createdAt: Date
    /// When it ended.
    public var finishedAt: Date?
}

extension RunRequest: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runRequest"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One state-changing action, for the audit log.
public struct AuditEvent: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// When it happened.
    public var at: Date
    /// The account name, or `-` before anyone signed in.
    public var actor: String
    /// What was done: `login`, `run.start`, `draft.approve`, …
    public var action: String
    /// What it was done to: `run 3`, `account alice`, …
    public var target: String
    /// The client's address.
    public var address: String?
}

extension AuditEvent: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "auditEvent"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// An API token's record; the token itself is shown once and only its digest is kept.
public struct APIToken: Codable, Sendable, Hashable, Identifiable {
    /// Assigned by the store.
    public var id: Int64?
    /// The owner.
    public var accountId: Int64
    /// What the owner called it.
    public var name: String
    /// SHA-256 of the token, hex.
    var digest: String
    /// When it was created.
    public var createdAt: Date
    /// When it was last used.
    public var lastUsedAt: Date?
    /// When it was revoked; a revoked token opens nothing.
    public var revokedAt: Date?
}

extension APIToken: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "apiToken"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension Role: DatabaseValueConvertible {}
extension RunRequestState: DatabaseValueConvertible {}
