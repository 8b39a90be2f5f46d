import Foundation
import GRDB

/// One event of a run, as history keeps it: what `history show` lists and what the web service replays.
public struct RunEventRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// The run it belongs to.
    public var runId: Int64
    /// Its place in the run, from 0.
    public var sequence: Int
    /// When it happened.
    public var at: Date
    /// The event's case name, such as `draftWritten` or `issueFiled`.
    public var kind: String
    /// The event as JSON.
    public var payload: String

    /// The record of `event`, the `sequence`-th of run `runId`.
    public init(runId: Int64, sequence: Int, at: Date = Date(), event: RunEvent) {
        self.runId = runId
        self.sequence = sequence
        self.at = at
        let data = (try? Self.encoder.encode(event)) ?? Data()
        self.payload = String(decoding: data, as: UTF8.self)
        // A synthesised `Codable` enum is an object with one key, the case name.
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        self.kind = object?.keys.first ?? "unknown"
    }

    /// A record read back from a store: the `sequence`-th event of run `runId`, of `kind`, as `payload`.
    public init(id: Int64?, runId: Int64, sequence: Int, at: Date, kind: String, payload: String) {
        self.id = id
        self.runId = runId
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.payload = payload
    }

    /// The event, when this build knows its kind.
    public func event() throws -> RunEvent {
        try JSONDecoder.history.decode(RunEvent.self, from: Data(payload.utf8))
    }

    /// The record with its text redacted by `policy`.
    public func applying(_ policy: HistoryPolicy) -> RunEventRecord {
        var copy = self
        copy.payload = policy.redact(payload)
        return copy
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

extension JSONDecoder {
    /// Decodes what history stores: ISO-8601 dates.
    fileprivate static var history: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

extension RunEventRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runEvent"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
