import Foundation
import PostgresNIO

extension PostgresHistoryStore {
    public func runs(limit: Int) async throws -> [RunRecord] {
        try await rows("SELECT id, record::text FROM run ORDER BY started_at DESC, id DESC LIMIT \(max(0, limit))")
            .map { row in try Self.identified(RunRecord.self, row) { $0.id = $1 } }
    }

    public func run(_ id: Int64) async throws -> RunDetail {
        guard let run = try await rows("SELECT id, record::text FROM run WHERE id = \(id)").first else {
            throw TicketMasterError.unknownRun(id, in: location.description)
        }
        func records<T: Decodable>(
            _ type: T.Type, in table: String, set: (inout T, Int64) -> Void
        ) async throws -> [T] {
            try await rows(
                PostgresQuery(
                    unsafeSQL: "SELECT id, record::text FROM \(table) WHERE run_id = $1 ORDER BY id",
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(id)
                        return binds
                    }())
            ).map { try Self.identified(type, $0, set: set) }
        }
        var events: [RunEventRecord] = []
        for row in try await rows(
            "SELECT id, sequence, at, kind, payload FROM run_event WHERE run_id = \(id) ORDER BY sequence")
        {
            let (eventId, sequence, at, kind, payload) = try row.decode((Int64, Int, Date, String, String).self)
            events.append(
                RunEventRecord(id: eventId, runId: id, sequence: sequence, at: at, kind: kind, payload: payload))
        }
        return RunDetail(
            run: try Self.identified(RunRecord.self, run) { $0.id = $1 },
            signals: try await records(SignalRecord.self, in: "signal") { $0.id = $1 },
            drafts: try await records(DraftRecord.self, in: "draft") { $0.id = $1 },
            modelCalls: try await records(ModelCallRecord.self, in: "model_call") { $0.id = $1 },
            publications: try await records(PublicationRecord.self, in: "publication") { $0.id = $1 },
            events: events)
    }

    public func drafts(withFingerprints fingerprints: [String]) async throws -> [DraftRecord] {
        guard !fingerprints.isEmpty else { return [] }
        return try await rows(
            "SELECT id, record::text FROM draft WHERE fingerprint = ANY(\(fingerprints)) ORDER BY id"
        ).map { try Self.identified(DraftRecord.self, $0) { $0.id = $1 } }
    }

    public func search(_ text: String, limit: Int) async throws -> [SearchHit] {
        // Every word must match as a word or the start of one: `lexer:* & unicode:*`. Only letters and digits go
        // into the query, so no text can change its syntax.
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map { "\($0):*" }
        guard !words.isEmpty else { return [] }
        let query = words.joined(separator: " & ")
        let options = "StartSel=[, StopSel=], MaxWords=12, MinWords=4, ShortWord=2"
        return try await rows(
            """
            WITH q AS (SELECT to_tsquery('simple', \(query)) AS query)
            SELECT 'draft' AS kind, d.run_id, d.id, d.record->>'title', d.record->>'status', NULL::text,
                   ts_headline('simple', coalesce(d.record->>'body', ''), q.query, \(options)),
                   ts_rank(d.search, q.query) AS rank
            FROM draft d, q WHERE d.search @@ q.query
            UNION ALL
            SELECT 'issue', p.run_id, p.id, p.record->>'title', NULL, p.record->>'url',
                   ts_headline('simple', coalesce(p.record->>'title', ''), q.query, \(options)),
                   ts_rank(p.search, q.query)
            FROM publication p, q WHERE p.search @@ q.query
            ORDER BY rank DESC, run_id DESC
            LIMIT \(max(0, limit))
            """
        ).map { row in
            let (kind, runId, id, title, status, url, snippet, _) = try row.decode(
                (String, Int64, Int64, String, String?, String?, String, Float).self)
            return SearchHit(
                kind: SearchHit.Kind(rawValue: kind) ?? .draft, runId: runId, id: id, title: title, snippet: snippet,
                status: status.flatMap(DraftStatus.init(rawValue:)), url: url)
        }
    }

    public func stats() async throws -> HistoryStats {
        var outcomes: [String: Int] = [:]
        var runs = 0
        for row in try await rows("SELECT outcome, count(*) FROM run GROUP BY outcome") {
            let (outcome, count) = try row.decode((String, Int).self)
            outcomes[outcome] = count
            runs += count
        }
        var months: [String: HistoryStats.Month] = [:]
        for row in try await rows(
            "SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) FROM run GROUP BY month")
        {
            let (month, count) = try row.decode((String, Int).self)
            months[month, default: .init(month: month, runs: 0, issuesFiled: 0)].runs = count
        }
        var filed = 0
        for row in try await rows(
            """
            SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) FROM publication
            GROUP BY month
            """)
        {
            let (month, count) = try row.decode((String, Int).self)
            months[month, default: .init(month: month, runs: 0, issuesFiled: 0)].issuesFiled = count
            filed += count
        }
        let usage = try await rows(
            """
            SELECT to_char(called_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, provider, count(*),
                   sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, coalesce(sum(cost), 0)::float8
            FROM model_call GROUP BY month, provider ORDER BY month, provider
            """
        ).map { row in
            let (month, provider, calls, prompt, completion, cost) = try row.decode(
                (String, String, Int, Int, Int, Double).self)
            return HistoryStats.Usage(
                month: month, provider: provider, calls: calls, promptTokens: prompt, completionTokens: completion,
                cost: cost)
        }
        let drafts = try await rows("SELECT count(*) FROM draft").first?.decode(Int.self) ?? 0
        return HistoryStats(
            runs: runs, outcomes: outcomes, drafts: drafts, issuesFiled: filed,
            months: months.values.sorted { $0.month < $1.month }, usage: usage)
    }

    /// The schema versions applied to the database, oldest first.
    public func schemaVersions() async throws -> [String] {
        do {
            return try await PostgresHistorySchema.applied(client, logger: logger)
        } catch {
            throw Self.translate(error, location: location)
        }
    }

    /// A record decoded from a row of `(id, record::text)`, with its id set by `set`.
    package static func identified<T: Decodable>(
        _ type: T.Type, _ row: PostgresRow, set: (inout T, Int64) -> Void
    ) throws -> T {
        let (id, text) = try row.decode((Int64, String).self)
        var record = try record(type, from: text)
        set(&record, id)
        return record
    }
}
