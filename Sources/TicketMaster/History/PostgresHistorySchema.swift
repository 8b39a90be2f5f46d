import Logging
import PostgresNIO

/// The PostgreSQL history's schema: named migrations, applied in order, each once.
///
/// A migration, once released, never changes: later versions add migrations. Applied names are kept in
/// `schema_migration`; a database with a name this build does not know was written by a newer Ticket-Master and is
/// refused. Every migration runs in its own transaction under an advisory lock, so processes starting together
/// apply each one once.
enum PostgresHistorySchema {
    /// The lock every migrating process takes (an arbitrary constant: "TMHS").
    static let lockKey: Int64 = 0x544D_4853

    /// The migrations, oldest first.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "v1",
            [
                """
                CREATE TABLE run (
                    id bigserial PRIMARY KEY,
                    started_at timestamptz NOT NULL,
                    outcome text NOT NULL,
                    record jsonb NOT NULL)
                """,
                "CREATE INDEX run_started ON run (started_at DESC, id DESC)",
                """
                CREATE TABLE signal (
                    id bigserial PRIMARY KEY,
                    run_id bigint NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                    record jsonb NOT NULL)
                """,
                "CREATE INDEX signal_run ON signal (run_id)",
                """
                CREATE TABLE draft (
                    id bigserial PRIMARY KEY,
                    run_id bigint NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                    fingerprint text NOT NULL,
                    record jsonb NOT NULL,
                    search tsvector GENERATED ALWAYS AS (
                        to_tsvector('simple', coalesce(record ->> 'title', '') || ' ' || coalesce(record ->> 'body', ''))
                    ) STORED)
                """,
                "CREATE INDEX draft_run ON draft (run_id)",
                "CREATE INDEX draft_fingerprint ON draft (fingerprint)",
                "CREATE INDEX draft_search ON draft USING gin (search)",
                """
                CREATE TABLE model_call (
                    id bigserial PRIMARY KEY,
                    run_id bigint NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                    called_at timestamptz NOT NULL,
                    provider text NOT NULL,
                    prompt_tokens integer NOT NULL,
                    completion_tokens integer NOT NULL,
                    cost double precision,
                    record jsonb NOT NULL)
                """,
                "CREATE INDEX model_call_run ON model_call (run_id)",
                """
                CREATE TABLE publication (
                    id bigserial PRIMARY KEY,
                    run_id bigint NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                    draft_id bigint REFERENCES draft (id) ON DELETE SET NULL,
                    tracker text NOT NULL,
                    repository text NOT NULL,
                    fingerprint text NOT NULL,
                    published_at timestamptz NOT NULL,
                    record jsonb NOT NULL,
                    search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(record ->> 'title', '')))
                        STORED)
                """,
                "CREATE INDEX publication_run ON publication (run_id)",
                "CREATE INDEX publication_place ON publication (tracker, repository, fingerprint)",
                "CREATE INDEX publication_search ON publication USING gin (search)",
                """
                CREATE TABLE run_event (
                    id bigserial PRIMARY KEY,
                    run_id bigint NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                    sequence integer NOT NULL,
                    at timestamptz NOT NULL,
                    kind text NOT NULL,
                    payload text NOT NULL,
                    UNIQUE (run_id, sequence))
                """,
                """
                CREATE TABLE filing_claim (
                    tracker text NOT NULL,
                    repository text NOT NULL,
                    fingerprint text NOT NULL,
                    holder text NOT NULL,
                    expires_at timestamptz NOT NULL,
                    PRIMARY KEY (tracker, repository, fingerprint))
                """,
            ]
        ),
        (
            // The job queue (see `PostgresJobQueue`) and the leases that elect its leader.
            "v2",
            [
                """
                CREATE TABLE job (
                    id bigserial PRIMARY KEY,
                    kind text NOT NULL,
                    payload text NOT NULL,
                    state text NOT NULL DEFAULT 'available'
                        CHECK (state IN ('available', 'running', 'completed', 'discarded')),
                    attempt integer NOT NULL DEFAULT 0,
                    max_attempts integer NOT NULL CHECK (max_attempts > 0),
                    run_at timestamptz NOT NULL DEFAULT now(),
                    unique_key text UNIQUE,
                    locked_by text,
                    heartbeat_at timestamptz,
                    errors jsonb NOT NULL DEFAULT '[]',
                    created_at timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz)
                """,
                "CREATE INDEX job_due ON job (run_at, id) WHERE state = 'available'",
                "CREATE INDEX job_heartbeat ON job (heartbeat_at) WHERE state = 'running'",
                "CREATE INDEX job_finished ON job (finished_at) WHERE state IN ('completed', 'discarded')",
                """
                CREATE TABLE leader (
                    role text PRIMARY KEY,
                    holder text NOT NULL,
                    expires_at timestamptz NOT NULL)
                """,
            ]
        ),
        (
            // The web service's records (see `PostgresTeamStore`), so that web and worker processes on any machines
            // share them: accounts with their sessions and API tokens (digests of the secrets only), repositories
            // (tracker tokens and webhook secrets sealed), the runs people started, settings, the audit trail, and
            // each run request's events as they happen, which any web node streams.
            "v3",
            [
                """
                CREATE TABLE account (
                    id bigserial PRIMARY KEY,
                    name text NOT NULL,
                    role text NOT NULL,
                    password_hash text NOT NULL,
                    disabled boolean NOT NULL DEFAULT false,
                    created_at timestamptz NOT NULL)
                """,
                "CREATE UNIQUE INDEX account_name ON account (lower(name))",
                """
                CREATE TABLE account_session (
                    digest text PRIMARY KEY,
                    account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
                    csrf_token text NOT NULL,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL)
                """,
                "CREATE INDEX account_session_expiry ON account_session (expires_at)",
                """
                CREATE TABLE api_token (
                    id bigserial PRIMARY KEY,
                    account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
                    name text NOT NULL,
                    digest text NOT NULL UNIQUE,
                    created_at timestamptz NOT NULL,
                    last_used_at timestamptz,
                    revoked_at timestamptz)
                """,
                """
                CREATE TABLE repository (
                    id bigserial PRIMARY KEY,
                    name text NOT NULL,
                    location text NOT NULL,
                    tracker text,
                    sealed_token bytea,
                    sealed_webhook_secret bytea,
                    schedule text,
                    schedule_time_zone text,
                    last_scheduled_at timestamptz,
                    auto_file boolean NOT NULL DEFAULT false,
                    created_at timestamptz NOT NULL)
                """,
                "CREATE UNIQUE INDEX repository_name ON repository (lower(name))",
                """
                CREATE TABLE run_request (
                    id bigserial PRIMARY KEY,
                    repository_id bigint NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
                    requested_by text NOT NULL,
                    max_issues integer NOT NULL,
                    provider text NOT NULL,
                    issue_types text,
                    state text NOT NULL,
                    run_id bigint REFERENCES run (id) ON DELETE SET NULL,
                    message text,
                    created_at timestamptz NOT NULL,
                    finished_at timestamptz)
                """,
                "CREATE INDEX run_request_state ON run_request (state)",
                """
                CREATE TABLE run_request_event (
                    run_request_id bigint NOT NULL REFERENCES run_request (id) ON DELETE CASCADE,
                    number integer NOT NULL,
                    at timestamptz NOT NULL DEFAULT now(),
                    payload text,
                    PRIMARY KEY (run_request_id, number))
                """,
                """
                CREATE TABLE audit_event (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    target text NOT NULL,
                    address text)
                """,
                "CREATE INDEX audit_event_at ON audit_event (at)",
                """
                CREATE TABLE setting (
                    key text PRIMARY KEY,
                    value text,
                    sealed_value bytea)
                """,
            ]
        ),
    ]

    /// The migration names, oldest first; the last is the current schema version.
    static var versions: [String] { migrations.map(\.name) }

    /// Applies the migrations `client`'s database lacks; refuses a database a newer build migrated.
    static func migrate(_ connection: PostgresConnection, logger: Logger, location: DatabaseLocation) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migration (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM schema_migration", logger: logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            let unknown = applied.subtracting(versions).sorted()
            guard unknown.isEmpty else {
                throw TicketMasterError(
                    .failure,
                    "the history database \(location) was written by a newer ticket-master (schema "
                        + "\(unknown.joined(separator: ", "))); this one knows up to \(versions.last ?? ""); upgrade "
                        + "ticket-master, or point database.url at another database")
            }
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migration (name) VALUES (\(migration.name))", logger: logger)
                logger.info("history database migrated", metadata: ["version": "\(migration.name)"])
            }
        }
    }

    /// The migrations applied to the database, oldest first.
    static func applied(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        var names: [String] = []
        for try await name in try await client.query(
            "SELECT name FROM schema_migration ORDER BY applied_at, name", logger: logger
        ).decode(String.self) {
            names.append(name)
        }
        return names
    }
}
