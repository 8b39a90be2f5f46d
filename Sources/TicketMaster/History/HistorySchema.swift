import GRDB
import Logging

/// The history database's schema: its migrations, and the tables export and import carry.
///
/// A migration, once released, never changes: later versions add migrations. Each released version has a fixture
/// database in `Tests/TicketMasterTests/History/Fixtures/` that the tests migrate to the current version.
enum HistorySchema {
    /// The migration identifiers, oldest first; the last is the current schema version.
    static let versions = ["v1", "v2", "v3", "v4", "v5"]

    /// Tables earlier versions had and a later one dropped: their rows in an old export are not imported.
    static let droppedTables: Set<String> = ["analysisCache"]

    /// A table that export and import carry, in an order where every table comes after those it refers to.
    struct Table: Sendable {
        /// The table's name.
        let name: String
        /// The integer primary key that import renumbers when merging into a non-empty history; nil for tables
        /// with a natural key.
        let idColumn: String?
        /// Columns holding another table's id, by the table they refer to.
        let references: [String: String]
        /// Columns ordering rows for export.
        let order: [String]
    }

    /// Every table of user data; search indexes are left out because they are rebuilt from these.
    static let tables: [Table] = [
        Table(name: "run", idColumn: "id", references: [:], order: ["id"]),
        Table(name: "signal", idColumn: "id", references: ["runId": "run"], order: ["id"]),
        Table(name: "draft", idColumn: "id", references: ["runId": "run"], order: ["id"]),
        Table(name: "modelCall", idColumn: "id", references: ["runId": "run"], order: ["id"]),
        Table(name: "publication", idColumn: "id", references: ["runId": "run", "draftId": "draft"], order: ["id"]),
        Table(name: "runEvent", idColumn: "id", references: ["runId": "run"], order: ["id"]),
    ]

    /// The full-text indexes, by the table they index.
    static let searchIndexes = ["draft": "draftText", "publication": "publicationText"]

    /// The migrator; `logger` hears when full-text search is unavailable.
    static func migrator(logger: Logger) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try createVersion1(db, logger: logger)
        }
        migrator.registerMigration("v2") { db in
            // Each run's events, in order: what `history show` lists and the web service replays.
            try db.create(table: "runEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("sequence", .integer).notNull()
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("payload", .text).notNull()
                t.uniqueKey(["runId", "sequence"])
            }
            // Analysis keeps its facts in its own cache beside the repository's (`CommitFactsCache`); this copy in
            // history was never read.
            try db.drop(table: "analysisCache")
        }
        migrator.registerMigration("v3") { db in
            try createTeamTables(db)
        }
        migrator.registerMigration("v4") { db in
            // Who is filing which draft right now (see `FilingClaim`): a lease, not a record, so export leaves it.
            try db.create(table: "filingClaim", options: .withoutRowID) { t in
                t.column("tracker", .text).notNull()
                t.column("repository", .text).notNull()
                t.column("fingerprint", .text).notNull()
                t.column("holder", .text).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.primaryKey(["tracker", "repository", "fingerprint"])
            }
            try db.create(
                index: "publicationPlace", on: "publication", columns: ["tracker", "repository", "fingerprint"])
            // The secret a forge signs its webhook deliveries with, sealed with the server's key; the schedule of
            // its runs (a cron expression in a time zone) and the due time that last queued one.
            try db.alter(table: "repository") { t in
                t.add(column: "sealedWebhookSecret", .blob)
                t.add(column: "schedule", .text)
                t.add(column: "scheduleTimeZone", .text)
                t.add(column: "lastScheduledAt", .datetime)
                // Whether runs started by a webhook or a schedule file their drafts without review.
                t.add(column: "autoFile", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("v5") { db in
            // The job queue (see `SQLiteJobQueue`) and the leases that elect its leader: work in progress, not a
            // record, so export leaves them. Times are seconds since 1970, to compare and add to in SQL.
            try db.create(table: "job") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("payload", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempt", .integer).notNull()
                t.column("maxAttempts", .integer).notNull()
                t.column("runAt", .double).notNull()
                t.column("uniqueKey", .text).unique()
                t.column("lockedBy", .text)
                t.column("heartbeatAt", .double)
                t.column("errors", .text).notNull()
                t.column("createdAt", .double).notNull()
                t.column("finishedAt", .double)
            }
            try db.create(index: "jobDue", on: "job", columns: ["state", "runAt", "id"])
            try db.create(table: "leaderLease", options: .withoutRowID) { t in
                t.column("role", .text).primaryKey()
                t.column("holder", .text).notNull()
                t.column("expiresAt", .double).notNull()
            }
        }
        return migrator
    }

    /// The web service's tables: accounts and their sessions and API tokens, the repositories a team works on, the
    /// runs it started, and the audit trail; a draft also keeps who decided on it and why.
    private static func createTeamTables(_ db: Database) throws {
        try db.create(table: "account") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique().collate(.nocase)
            t.column("role", .text).notNull()
            t.column("passwordHash", .text).notNull()
            t.column("disabled", .boolean).notNull().defaults(to: false)
            t.column("createdAt", .datetime).notNull()
        }
        // Only digests of the cookie and token secrets are stored: a copy of the database opens no session.
        try db.create(table: "session", options: .withoutRowID) { t in
            t.primaryKey("digest", .text)
            t.belongsTo("account", onDelete: .cascade).notNull()
            t.column("csrfToken", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull().indexed()
        }
        try db.create(table: "apiToken") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("account", onDelete: .cascade).notNull()
            t.column("name", .text).notNull()
            t.column("digest", .text).notNull().unique()
            t.column("createdAt", .datetime).notNull()
            t.column("lastUsedAt", .datetime)
            t.column("revokedAt", .datetime)
        }
        try db.create(table: "repository") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique().collate(.nocase)
            t.column("location", .text).notNull()
            t.column("tracker", .text)
            // AES-GCM sealed with the server's key; never written in clear.
            t.column("sealedToken", .blob)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "runRequest") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("repository", onDelete: .cascade).notNull()
            t.column("requestedBy", .text).notNull()
            t.column("maxIssues", .integer).notNull()
            t.column("provider", .text).notNull()
            t.column("issueTypes", .text)
            t.column("state", .text).notNull()
            t.belongsTo("run", onDelete: .setNull)
            t.column("message", .text)
            t.column("createdAt", .datetime).notNull().indexed()
            t.column("finishedAt", .datetime)
        }
        try db.create(table: "auditEvent") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull().indexed()
            t.column("actor", .text).notNull()
            t.column("action", .text).notNull()
            t.column("target", .text).notNull()
            t.column("address", .text)
        }
        // Run defaults and model credentials an admin set; a credential is sealed, never stored in clear.
        try db.create(table: "setting", options: .withoutRowID) { t in
            t.primaryKey("key", .text)
            t.column("value", .text)
            t.column("sealedValue", .blob)
        }
        try db.alter(table: "draft") { t in
            t.add(column: "decidedBy", .text)
            t.add(column: "decisionReason", .text)
            t.add(column: "assignees", .text)
            t.add(column: "milestone", .integer)
        }
    }

    private static func createVersion1(_ db: Database, logger: Logger) throws {
        try db.create(table: "run") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("repositoryPath", .text).notNull()
            t.column("repositoryRemote", .text)
            t.column("commitHash", .text)
            t.column("configurationDigest", .text).notNull()
            t.column("startedAt", .datetime).notNull().indexed()
            t.column("finishedAt", .datetime)
            t.column("outcome", .text).notNull()
            t.column("signalCount", .integer).notNull().defaults(to: 0)
            t.column("draftCount", .integer).notNull().defaults(to: 0)
            t.column("filedCount", .integer).notNull().defaults(to: 0)
            t.column("message", .text)
        }
        try db.create(table: "signal") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("run", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull()
            t.column("severity", .text).notNull()
            t.column("fingerprint", .text).notNull().indexed()
            t.column("summary", .text).notNull()
            t.column("evidence", .text).notNull()
        }
        try db.create(table: "draft") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("run", onDelete: .cascade).notNull()
            t.column("title", .text).notNull()
            t.column("body", .text).notNull()
            t.column("labels", .text).notNull()
            t.column("type", .text).notNull()
            t.column("fingerprint", .text).notNull().indexed()
            t.column("signalFingerprints", .text).notNull()
            t.column("writer", .text).notNull()
            t.column("score", .double)
            t.column("reviewReasons", .text).notNull()
            t.column("status", .text).notNull()
            t.column("duplicateOf", .text)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "modelCall") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("run", onDelete: .cascade).notNull()
            t.column("provider", .text).notNull()
            t.column("model", .text).notNull()
            t.column("promptTemplate", .text).notNull()
            t.column("promptTokens", .integer).notNull()
            t.column("completionTokens", .integer).notNull()
            t.column("latencyMilliseconds", .integer).notNull()
            t.column("cost", .double)
            t.column("prompt", .text)
            t.column("response", .text)
            t.column("calledAt", .datetime).notNull().indexed()
        }
        try db.create(table: "publication") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("run", onDelete: .cascade).notNull()
            t.belongsTo("draft", onDelete: .setNull)
            t.column("tracker", .text).notNull()
            t.column("repository", .text).notNull()
            t.column("url", .text).notNull()
            t.column("number", .integer).notNull()
            t.column("fingerprint", .text).notNull().indexed()
            t.column("title", .text).notNull()
            t.column("publishedAt", .datetime).notNull()
        }
        // Facts per commit never go stale (a hash names one content for ever), so there is no timestamp to expire by.
        try db.create(table: "analysisCache", options: .withoutRowID) { t in
            t.column("repository", .text).notNull()
            t.column("commitHash", .text).notNull()
            t.column("facts", .blob).notNull()
            t.primaryKey(["repository", "commitHash"])
        }
        do {
            try db.create(virtualTable: "draftText", using: FTS5()) { t in
                t.synchronize(withTable: "draft")
                t.tokenizer = .porter(wrapping: .unicode61())
                t.column("title")
                t.column("body")
            }
            try db.create(virtualTable: "publicationText", using: FTS5()) { t in
                t.synchronize(withTable: "publication")
                t.tokenizer = .porter(wrapping: .unicode61())
                t.column("title")
            }
        } catch let error as DatabaseError where error.message?.contains("no such module") == true {
            // An SQLite built without FTS5: keep the history working, search by LIKE, and say so loudly.
            logger.error(
                "this SQLite has no FTS5 full-text search (\(error.message ?? "")); history search falls back to slow LIKE matching"
            )
        }
    }
}
