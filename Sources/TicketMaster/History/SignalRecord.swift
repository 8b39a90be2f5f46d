import Foundation
import GRDB
import RepositoryAnalysis

/// A signal as a run found it.
public struct SignalRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// The run that found it.
    public var runId: Int64
    /// The kind of finding.
    public var kind: SignalKind
    /// How much it matters.
    public var severity: Severity
    /// The signal's stable fingerprint.
    public var fingerprint: String
    /// The one-line description.
    public var summary: String
    /// The evidence, as JSON.
    public var evidence: String

    /// The record of `signal`, found by run `runId`.
    public init(runId: Int64, signal: Signal) {
        self.runId = runId
        kind = signal.kind
        severity = signal.severity
        fingerprint = signal.fingerprint
        summary = signal.summary
        evidence = String(
            decoding: (try? HistoryJSON.encoder.encode(signal.evidence)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The signal again, for replaying a run's later stages.
    public func signal() throws -> Signal {
        let decoded = try HistoryJSON.decoder.decode(Evidence.self, from: Data(evidence.utf8))
        var signal = Signal(kind: kind, severity: severity, identity: [], summary: summary, evidence: decoded)
        signal.fingerprint = fingerprint
        return signal
    }

    /// The record with stored text redacted by `policy`.
    public func applying(_ policy: HistoryPolicy) -> SignalRecord {
        var copy = self
        copy.summary = policy.redact(summary)
        copy.evidence = policy.redact(evidence)
        return copy
    }
}

extension SignalRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "signal"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// The JSON coders for values the history keeps as text, so the same value always gives the same text.
enum HistoryJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
