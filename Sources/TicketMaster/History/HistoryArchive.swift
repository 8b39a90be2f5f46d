import Foundation

/// Every row of a history, as `history export` writes it and `history import` reads it.
///
/// Rows are kept column by column with their SQLite values, so an import into an empty file reproduces the exported
/// rows exactly, ids included. Search indexes are not exported: they are rebuilt from the rows.
public struct HistoryArchive: Codable, Sendable, Hashable {
    /// The value of `format` in every archive.
    public static let formatName = "ticket-master-history"

    /// Always `ticket-master-history`, so a wrong file is recognised.
    public var format: String
    /// The schema migrations the exporting database had.
    public var schema: [String]
    /// Each table's columns, in the database's order.
    public var columns: [String: [String]]
    /// Each table's rows, column name to value.
    public var tables: [String: [[String: HistoryValue]]]

    /// Creates an archive.
    public init(schema: [String], columns: [String: [String]], tables: [String: [[String: HistoryValue]]]) {
        format = Self.formatName
        self.schema = schema
        self.columns = columns
        self.tables = tables
    }
}

/// One SQLite value. In JSON a blob is its base64 text; import reads it back by the column's declared type.
public enum HistoryValue: Codable, Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let real = try? container.decode(Double.self) {
            self = .real(real)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .blob(let value): try container.encode(value.base64EncodedString())
        }
    }
}

extension HistoryArchive {
    /// The archive as JSON: sorted keys, so the same history always gives the same bytes.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads an archive from JSON; throws a usage error that says what is wrong with the file.
    public init(json data: Data, source: String) throws {
        do {
            self = try JSONDecoder().decode(HistoryArchive.self, from: data)
        } catch {
            throw TicketMasterError(
                .usage,
                "\(source) is not a history export (expected JSON written by `ticket-master history export "
                    + "--format json`)",
                cause: error)
        }
        guard format == Self.formatName else {
            throw TicketMasterError(.usage, "\(source) is not a history export (its format is \"\(format)\")")
        }
    }

    /// Writes one CSV file per table into `directory`, creating it if needed.
    ///
    /// Text and blobs (as base64) are always quoted and NULL is an empty unquoted field, so an empty text or blob is
    /// never read back as NULL.
    public func writeCSV(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for table in HistorySchema.tables.map(\.name) {
            let names = columns[table] ?? []
            var text = CSV.line(names.map { CSV.Field(text: $0, quoted: false) })
            for row in tables[table] ?? [] {
                text += CSV.line(names.map { CSV.Field(row[$0] ?? .null) })
            }
            try Data(text.utf8).write(to: directory.appendingPathComponent("\(table).csv"), options: .atomic)
        }
    }

    /// Reads the CSV files `writeCSV(to:)` wrote; tables without a file are left out.
    public init(csvDirectory directory: URL) throws {
        var columns: [String: [String]] = [:]
        var tables: [String: [[String: HistoryValue]]] = [:]
        for table in HistorySchema.tables.map(\.name) {
            let file = directory.appendingPathComponent("\(table).csv")
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let records: [[CSV.Field]]
            do {
                records = try CSV.parse(String(decoding: data, as: UTF8.self))
            } catch {
                throw TicketMasterError(.usage, "\(file.path): \(error)")
            }
            guard let header = records.first else { continue }
            let names = header.map(\.text)
            columns[table] = names
            tables[table] = try records.dropFirst().enumerated().map { index, fields in
                guard fields.count == names.count else {
                    throw TicketMasterError(
                        .usage,
                        "\(file.path): record \(index + 2) has \(fields.count) fields, the header \(names.count)")
                }
                var row: [String: HistoryValue] = [:]
                for (name, field) in zip(names, fields) {
                    row[name] = field.quoted || !field.text.isEmpty ? .text(field.text) : .null
                }
                return row
            }
        }
        guard !columns.isEmpty else {
            throw TicketMasterError(
                .usage, "\(directory.path) holds no history CSV files (run.csv, draft.csv, …)")
        }
        self.init(schema: [], columns: columns, tables: tables)
    }
}

/// The small part of RFC 4180 the export needs, keeping whether each field was quoted.
enum CSV {
    struct Field: Equatable {
        var text: String
        var quoted: Bool

        init(text: String, quoted: Bool) {
            self.text = text
            self.quoted = quoted
        }

        init(_ value: HistoryValue) {
            switch value {
            case .null: self.init(text: "", quoted: false)
            case .integer(let value): self.init(text: String(value), quoted: false)
            case .real(let value): self.init(text: String(value), quoted: false)
            case .text(let value): self.init(text: value, quoted: true)
            case .blob(let value): self.init(text: value.base64EncodedString(), quoted: true)
            }
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func line(_ fields: [Field]) -> String {
        fields.map { field in
            let needsQuotes = field.quoted || field.text.contains { $0 == "," || $0 == "\"" || $0.isNewline }
            return needsQuotes ? "\"" + field.text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field.text
        }.joined(separator: ",") + "\r\n"
    }

    static func parse(_ text: String) throws -> [[Field]] {
        var records: [[Field]] = []
        var record: [Field] = []
        var field = ""
        var quoted = false
        var inQuotes = false
        var atFieldStart = true
        var characters = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return characters.next()
        }
        func endField() {
            record.append(Field(text: field, quoted: quoted))
            field = ""
            quoted = false
            atFieldStart = true
        }
        while let scalar = next() {
            if inQuotes {
                if scalar == "\"" {
                    let following = next()
                    if following == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        // The closing quote: the character after it is ordinary input again.
                        inQuotes = false
                        pending = following
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where atFieldStart:
                inQuotes = true
                quoted = true
                atFieldStart = false
            case ",":
                endField()
            case "\r":
                continue
            case "\n":
                endField()
                records.append(record)
                record = []
            default:
                field.unicodeScalars.append(scalar)
                atFieldStart = false
            }
        }
        if inQuotes { throw ParseError(description: "a quoted field is not closed") }
        if !atFieldStart || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}
