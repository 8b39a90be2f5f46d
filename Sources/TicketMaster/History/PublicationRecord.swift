import Foundation
import GRDB

/// An issue filed on a tracker.
public struct PublicationRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// The run that filed it.
    public var runId: Int64
    /// The draft it was filed from, if the draft is recorded.
    public var draftId: Int64?
    /// The tracker kind: `github`, `gitlab` or `gitea`.
    public var tracker: String
    /// The repository on the tracker, such as `acme/api`.
    public var repository: String
    /// The web address.
    public var url: String
    /// The issue number.
    public var number: Int
    /// The evidence fingerprint carried in the hidden marker.
    public var fingerprint: String
    /// The title as filed.
    public var title: String
    /// When it was filed.
    public var publishedAt: Date

    /// Creates a record.
    public init(
        runId: Int64, draftId: Int64? = nil, tracker: String, repository: String, url: String, number: Int,
        fingerprint: String, title: String, publishedAt: Date = Date()
    ) {
        self.runId = runId
        self.draftId = draftId
        self.tracker = tracker
        self.repository = repository
        self.url = url
        self.number = number
        self.fingerprint = fingerprint
        self.title = title
        self.publishedAt = publishedAt
    }

    /// The record with stored text redacted by `policy`.
    public func applying(_ policy: HistoryPolicy) -> PublicationRecord {
        var copy = self
        copy.url = policy.redactLocation(url) ?? url
        copy.title = policy.redact(title)
        return copy
    }
}

extension PublicationRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "publication"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
