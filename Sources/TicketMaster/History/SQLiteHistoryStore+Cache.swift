import Foundation
import GRDB

extension SQLiteHistoryStore {
    /// Rows per write transaction: large enough that 100,000 commits take a fraction of a second, small enough that
    /// another process's write never waits long.
    static let cacheBatchSize = 5_000

    /// Hashes per lookup query, and rows per insert statement: well under SQLite's limit on bound parameters
    /// (32,766 since 3.32, 999 before).
    static let cacheLookupSize = 900
    static let cacheRowsPerStatement = 300

    public func cachedFacts(repository: String, commits: [String]) async throws -> [String: Data] {
        try await read { db in
            var found: [String: Data] = [:]
            found.reserveCapacity(commits.count)
            let commits = commits.sorted()
            var start = 0
            while start < commits.count {
                let chunk = Array(commits[start..<min(start + Self.cacheLookupSize, commits.count)])
                start += chunk.count
                let placeholders = databaseQuestionMarks(count: chunk.count)
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT commitHash, facts FROM analysisCache
                        WHERE repository = ? AND commitHash IN (\(placeholders))
                        """,
                    arguments: StatementArguments([repository] + chunk))
                while let row = try rows.next() {
                    found[row[0]] = row[1]
                }
            }
            return found
        }
    }

    public func cacheFacts(_ facts: [String: Data], repository: String) async throws {
        // In key order, rows append to the same few pages instead of touching pages all over the table.
        let entries = facts.sorted { $0.key < $1.key }
        var start = 0
        while start < entries.count {
            let batch = Array(entries[start..<min(start + Self.cacheBatchSize, entries.count)])
            start += batch.count
            try await write { db in
                // Many rows per statement: each execution has a fixed cost that dominates when rows are small.
                var rest = batch[...]
                while !rest.isEmpty {
                    let rows = rest.prefix(Self.cacheRowsPerStatement)
                    rest = rest.dropFirst(rows.count)
                    let statement = try db.cachedStatement(
                        sql: "INSERT OR REPLACE INTO analysisCache (repository, commitHash, facts) VALUES "
                            + Array(repeating: "(?, ?, ?)", count: rows.count).joined(separator: ", "))
                    var values: [(any DatabaseValueConvertible)?] = []
                    values.reserveCapacity(rows.count * 3)
                    for (hash, data) in rows {
                        values.append(repository)
                        values.append(hash)
                        values.append(data)
                    }
                    try statement.execute(arguments: StatementArguments(values))
                }
            }
        }
    }
}
