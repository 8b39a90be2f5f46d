import Foundation
import GRDB

/// What `importArchive` added.
public struct ImportReport: Codable, Sendable, Hashable {
    /// Rows added, by table.
    public var rows: [String: Int]
    /// Whether the imported runs got new ids because the history already had runs.
    public var renumbered: Bool
}

extension SQLiteHistoryStore {
    /// Every row of every table, read from one consistent snapshot.
    public func export() async throws -> HistoryArchive {
        try await read { db in
            let applied = try HistorySchema.migrator(logger: self.logger).appliedIdentifiers(db)
            var columns: [String: [String]] = [:]
            var tables: [String: [[String: HistoryValue]]] = [:]
            for table in HistorySchema.tables {
                columns[table.name] = try db.columns(in: table.name).map(\.name)
                let order = table.order.joined(separator: ", ")
                let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(table.name) ORDER BY \(order)")
                var rows: [[String: HistoryValue]] = []
                while let row = try cursor.next() {
                    var values: [String: HistoryValue] = [:]
                    for (column, value) in row {
                        values[column] = HistoryValue(value)
                    }
                    rows.append(values)
                }
                tables[table.name] = rows
            }
            return HistoryArchive(
                schema: HistorySchema.versions.filter(applied.contains), columns: columns, tables: tables)
        }
    }

    /// Adds every row of `archive` in one transaction: all of it is imported, or, if anything fails or the process
    /// dies, none of it.
    ///
    /// Into a history without runs the rows keep their ids, so export then import reproduces the same rows. Into a
    /// history that has runs, the imported runs and everything they refer to get new ids, so nothing is
    /// overwritten; tables a later schema dropped (the analysis cache of v1) are left out. Text is redacted by the store's policy
    /// like every other write, so an export from elsewhere cannot bring a credential of this run into the file.
    public func importArchive(_ archive: HistoryArchive, source: String) async throws -> ImportReport {
        let unknownSchema = archive.schema.filter { !HistorySchema.versions.contains($0) }
        guard unknownSchema.isEmpty else {
            throw TicketMasterError(
                .usage,
                "\(source) was exported by a newer ticket-master (schema \(unknownSchema.joined(separator: ", "))); "
                    + "upgrade ticket-master to import it")
        }
        let unknownTables = Set(archive.tables.keys).subtracting(HistorySchema.tables.map(\.name))
            .subtracting(HistorySchema.droppedTables)
        guard unknownTables.isEmpty else {
            throw TicketMasterError(
                .usage, "\(source) has tables this ticket-master does not know: \(unknownTables.sorted())")
        }
        let policy = policy
        return try await write { db in
            var renumber = false
            for table in HistorySchema.tables where table.idColumn != nil {
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0
                renumber = renumber || count > 0
            }
            var newIds: [String: [Int64: Int64]] = [:]
            var counts: [String: Int] = [:]
            for table in HistorySchema.tables {
                let declared = Dictionary(
                    uniqueKeysWithValues: try db.columns(in: table.name).map { ($0.name, $0.type.uppercased()) })
                var ids: [Int64: Int64] = [:]
                let rows = archive.tables[table.name] ?? []
                for (index, row) in rows.enumerated() {
                    let place = "\(source): \(table.name) row \(index + 1)"
                    var values = row
                    for column in values.keys where declared[column] == nil {
                        throw TicketMasterError(
                            .usage, "\(place) has column \(column), which this ticket-master does not know")
                    }
                    var oldId: Int64?
                    if renumber {
                        for (column, target) in table.references {
                            guard case .integer(let old)? = values[column].map({ Self.typed($0, declared[column]) })
                            else { continue }
                            guard let new = newIds[target]?[old] else {
                                throw TicketMasterError(
                                    .usage, "\(place) refers to \(target) \(old), which the export does not have")
                            }
                            values[column] = .integer(new)
                        }
                        if let idColumn = table.idColumn, let value = values.removeValue(forKey: idColumn) {
                            if case .integer(let id) = Self.typed(value, declared[idColumn]) { oldId = id }
                        }
                    }
                    let names = values.keys.sorted()
                    let verb = table.idColumn == nil ? "INSERT OR REPLACE" : "INSERT"
                    let statement = try db.cachedStatement(
                        sql: "\(verb) INTO \(table.name) (\(names.joined(separator: ", "))) "
                            + "VALUES (\(databaseQuestionMarks(count: names.count)))")
                    var arguments = StatementArguments()
                    for name in names {
                        var value = Self.typed(values[name] ?? .null, declared[name])
                        if case .text(let text) = value { value = .text(policy.redact(text)) }
                        guard Self.fits(value, declared[name]) else {
                            throw TicketMasterError(.usage, "\(place): \(name) is not a valid \(declared[name] ?? "")")
                        }
                        arguments += [value.databaseValue]
                    }
                    try statement.execute(arguments: arguments)
                    if let oldId { ids[oldId] = db.lastInsertedRowID }
                }
                newIds[table.name] = ids
                counts[table.name] = rows.count
            }
            return ImportReport(rows: counts, renumbered: renumber)
        }
    }

    /// `value` converted to the column's declared type: CSV gives text for every column, JSON cannot tell a blob
    /// from text nor 3.0 from 3.
    static func typed(_ value: HistoryValue, _ declared: String?) -> HistoryValue {
        switch (value, declared) {
        case (.text(let text), "INTEGER"): Int64(text).map(HistoryValue.integer) ?? value
        case (.text(let text), "DOUBLE"), (.text(let text), "REAL"): Double(text).map(HistoryValue.real) ?? value
        case (.integer(let number), "DOUBLE"), (.integer(let number), "REAL"): .real(Double(number))
        case (.text(let text), "BLOB"): Data(base64Encoded: text).map(HistoryValue.blob) ?? value
        default: value
        }
    }

    /// Whether a converted value is acceptable for its column (text left in a number or blob column is not).
    static func fits(_ value: HistoryValue, _ declared: String?) -> Bool {
        switch (value, declared) {
        case (.text, "INTEGER"), (.text, "DOUBLE"), (.text, "REAL"), (.text, "BLOB"): false
        default: true
        }
    }
}

extension HistoryValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = .integer(number)
        case .double(let number): self = .real(number)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob(data)
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let data): data.databaseValue
        }
    }
}
