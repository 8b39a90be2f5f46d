import Foundation
import GRDB

extension SQLiteHistoryStore {
    public func runs(limit: Int) async throws -> [RunRecord] {
        try await read { db in
            try RunRecord.order(Column("startedAt").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func run(_ id: Int64) async throws -> RunDetail {
        let path = path
        return try await read { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else {
                throw TicketMasterError.unknownRun(id, in: path)
            }
            let byRun = Column("runId") == id
            return RunDetail(
                run: run,
                signals: try SignalRecord.filter(byRun).order(Column("id")).fetchAll(db),
                drafts: try DraftRecord.filter(byRun).order(Column("id")).fetchAll(db),
                modelCalls: try ModelCallRecord.filter(byRun).order(Column("id")).fetchAll(db),
                publications: try PublicationRecord.filter(byRun).order(Column("id")).fetchAll(db),
                events: try RunEventRecord.filter(byRun).order(Column("sequence")).fetchAll(db))
        }
    }

    public func drafts(withFingerprints fingerprints: [String]) async throws -> [DraftRecord] {
        try await read { db in
            try DraftRecord.filter(fingerprints.contains(Column("fingerprint"))).order(Column("id")).fetchAll(db)
        }
    }

    public func search(_ text: String, limit: Int) async throws -> [SearchHit] {
        if usesFullTextSearch {
            guard let pattern = FTS5Pattern(matchingAllPrefixesIn: text) else { return [] }
            return try await read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT 'draft' AS kind, d.runId, d.id, d.title, d.status, NULL AS url,
                               snippet(draftText, -1, '[', ']', '…', 12) AS snippet, bm25(draftText) AS rank
                        FROM draftText JOIN draft d ON d.id = draftText.rowid
                        WHERE draftText MATCH ?
                        UNION ALL
                        SELECT 'issue', p.runId, p.id, p.title, NULL, p.url,
                               snippet(publicationText, -1, '[', ']', '…', 12), bm25(publicationText)
                        FROM publicationText JOIN publication p ON p.id = publicationText.rowid
                        WHERE publicationText MATCH ?
                        ORDER BY rank, runId DESC
                        LIMIT ?
                        """,
                    arguments: [pattern, pattern, limit]
                ).map(SearchHit.init(row:))
            }
        }
        let words = text.split(whereSeparator: \.isWhitespace).map { Self.likePattern(String($0)) }
        guard !words.isEmpty else { return [] }
        let draftCondition = words.map { _ in "(d.title LIKE ? ESCAPE '\\' OR d.body LIKE ? ESCAPE '\\')" }
        let issueCondition = words.map { _ in "p.title LIKE ? ESCAPE '\\'" }
        var arguments = StatementArguments(words.flatMap { [$0, $0] })
        arguments += StatementArguments(words)
        arguments += [limit]
        let sql = """
            SELECT 'draft' AS kind, d.runId, d.id, d.title, d.status, NULL AS url, substr(d.body, 1, 120) AS snippet
            FROM draft d WHERE \(draftCondition.joined(separator: " AND "))
            UNION ALL
            SELECT 'issue', p.runId, p.id, p.title, NULL, p.url, p.title
            FROM publication p WHERE \(issueCondition.joined(separator: " AND "))
            ORDER BY runId DESC
            LIMIT ?
            """
        let bound = arguments
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map(SearchHit.init(row:))
        }
    }

    public func stats() async throws -> HistoryStats {
        try await read { db in
            let outcomes = try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS count FROM run GROUP BY outcome")
            var months: [String: HistoryStats.Month] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT substr(startedAt, 1, 7) AS month, COUNT(*) AS count FROM run GROUP BY month")
            {
                let month: String = row["month"]
                months[month, default: .init(month: month, runs: 0, issuesFiled: 0)].runs = row["count"]
            }
            for row in try Row.fetchAll(
                db,
                sql: "SELECT substr(publishedAt, 1, 7) AS month, COUNT(*) AS count FROM publication GROUP BY month")
            {
                let month: String = row["month"]
                months[month, default: .init(month: month, runs: 0, issuesFiled: 0)].issuesFiled = row["count"]
            }
            let usage = try Row.fetchAll(
                db,
                sql: """
                    SELECT substr(calledAt, 1, 7) AS month, provider, COUNT(*) AS calls,
                           SUM(promptTokens) AS promptTokens, SUM(completionTokens) AS completionTokens,
                           TOTAL(cost) AS cost
                    FROM modelCall GROUP BY month, provider ORDER BY month, provider
                    """
            ).map { row in
                HistoryStats.Usage(
                    month: row["month"], provider: row["provider"], calls: row["calls"],
                    promptTokens: row["promptTokens"], completionTokens: row["completionTokens"], cost: row["cost"])
            }
            return HistoryStats(
                runs: try RunRecord.fetchCount(db),
                outcomes: Dictionary(uniqueKeysWithValues: outcomes.map { ($0["outcome"], $0["count"]) }),
                drafts: try DraftRecord.fetchCount(db),
                issuesFiled: try PublicationRecord.fetchCount(db),
                months: months.values.sorted { $0.month < $1.month },
                usage: usage)
        }
    }

    /// `%word%` with LIKE's own wildcards escaped.
    private static func likePattern(_ word: String) -> String {
        let escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%\(escaped)%"
    }
}

extension SearchHit {
    fileprivate init(row: Row) {
        let status: String? = row["status"]
        self.init(
            kind: Kind(rawValue: row["kind"]) ?? .draft, runId: row["runId"], id: row["id"], title: row["title"],
            snippet: row["snippet"], status: status.flatMap(DraftStatus.init(rawValue:)), url: row["url"])
    }
}
