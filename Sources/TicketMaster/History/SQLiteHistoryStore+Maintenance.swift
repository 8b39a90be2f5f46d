import Foundation
import GRDB

/// What `prune` removed and what it gave back.
public struct PruneReport: Codable, Sendable, Hashable {
    /// Runs started before this were removed.
    public var cutoff: Date
    /// Rows removed, by table.
    public var removed: [String: Int]
    /// The database and its WAL before, in bytes.
    public var bytesBefore: Int64
    /// The database and its WAL after compacting, in bytes.
    public var bytesAfter: Int64
}

/// How much room the history takes, and where.
public struct HistorySize: Codable, Sendable, Hashable {
    /// One table's share.
    public struct Table: Codable, Sendable, Hashable {
        /// The table.
        public var name: String
        /// Its rows.
        public var rows: Int
        /// Its pages and its indexes' pages, in bytes; nil when this SQLite cannot tell (no `dbstat`).
        public var bytes: Int64?
    }

    /// The database file.
    public var path: String
    /// The database file's size.
    public var databaseBytes: Int64
    /// The write-ahead log's size: changes not yet copied into the database file.
    public var walBytes: Int64
    /// Space inside the file that holds nothing; `prune` gives it back.
    public var freeBytes: Int64
    /// The full-text index, when this SQLite can tell.
    public var searchIndexBytes: Int64?
    /// Every table of data.
    public var tables: [Table]
}

extension SQLiteHistoryStore {
    /// Removes runs started before `cutoff`, with everything they recorded, then compacts the file.
    public func prune(olderThan cutoff: Date) async throws -> PruneReport {
        let before = fileBytes()
        let removed: [String: Int] = try await write { db in
            var removed: [String: Int] = [:]
            let old = "runId IN (SELECT id FROM run WHERE startedAt < ?)"
            for table in ["signal", "draft", "modelCall", "publication", "runEvent"] {
                removed[table] = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(old)", arguments: [cutoff])
            }
            try db.execute(sql: "DELETE FROM run WHERE startedAt < ?", arguments: [cutoff])
            removed["run"] = db.changesCount
            return removed
        }
        do {
            try await pool.vacuum()
            _ = try await pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        } catch {
            // Another process reading the file can keep the log from shrinking; the rows are gone all the same.
            logger.debug("history compaction incomplete: \(error)")
        }
        return PruneReport(cutoff: cutoff, removed: removed, bytesBefore: before, bytesAfter: fileBytes())
    }

    /// How much room the history takes.
    public func size() async throws -> HistorySize {
        let path = path
        let (walBytes, databaseBytes) = (Self.bytes(at: path + "-wal"), Self.bytes(at: path))
        return try await read { db in
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let freePages = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            // dbstat is optional in SQLite builds; without it the sizes per table are unknown, not an error.
            let pages: [String: Int64]? = try? Dictionary(
                Row.fetchAll(
                    db,
                    sql: """
                        SELECT m.tbl_name AS name, SUM(d.pgsize) AS bytes
                        FROM dbstat d JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name
                        """
                ).map { ($0["name"], $0["bytes"]) }, uniquingKeysWith: +)
            var tables: [HistorySize.Table] = []
            for table in HistorySchema.tables {
                let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0
                tables.append(
                    .init(name: table.name, rows: rows, bytes: pages?[table.name] ?? (pages == nil ? nil : 0)))
            }
            let indexNames = Set(HistorySchema.searchIndexes.values)
            let searchBytes = pages.map { pages in
                pages.filter { name, _ in indexNames.contains { name.hasPrefix($0) } }.values.reduce(0, +)
            }
            return HistorySize(
                path: path, databaseBytes: databaseBytes, walBytes: walBytes, freeBytes: pageSize * freePages,
                searchIndexBytes: searchBytes, tables: tables)
        }
    }

    /// What `PRAGMA integrity_check` finds wrong; empty when the file is sound.
    public func integrityProblems() async throws -> [String] {
        let lines = try await read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        return lines == ["ok"] ? [] : lines
    }

    func fileBytes() -> Int64 {
        Self.bytes(at: path) + Self.bytes(at: path + "-wal")
    }

    static func bytes(at path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
