import Foundation
import GRDB

/// Where a draft stands.
public enum DraftStatus: String, Codable, Sendable, CaseIterable, Hashable {
    /// Written, not yet decided.
    case draft
    /// Approved for filing.
    case approved
    /// Declined by the user or the review.
    case skipped
    /// Filed on the tracker.
    case filed
    /// Not filed because the tracker or the history already has it.
    case duplicate
}

/// A draft as a run wrote it, with its review and what became of it.
public struct DraftRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// The run that wrote it.
    public var runId: Int64
    /// The title.
    public var title: String
    /// The Markdown body.
    public var body: String
    /// The labels.
    public var labels: [String]
    /// The kind of issue.
    public var type: IssueType
    /// The evidence fingerprint that recognises the same suggestion later.
    public var fingerprint: String
    /// The fingerprints of the signals it rests on.
    public var signalFingerprints: [String]
    /// `plain`, or `provider/model`.
    public var writer: String
    /// The review's score, when reviewed.
    public var score: Double?
    /// Why the review lowered the score or rejected the draft.
    public var reviewReasons: [String]
    /// Where it stands.
    public var status: DraftStatus
    /// The issue it duplicates (a URL or a fingerprint), when `status` is `duplicate`.
    public var duplicateOf: String?
    /// When it was written.
    public var createdAt: Date
    /// Who approved or declined it in the web service.
    public var decidedBy: String?
    /// Why it was declined, as its reviewer said: feedback for later runs.
    public var decisionReason: String?
    /// Who to assign, as its reviewer chose in the web service; nil uses the configured assignees.
    public var assignees: [String]?
    /// The milestone, as its reviewer chose; nil uses the configured one.
    public var milestone: Int?

    /// The record of `draft`, written by run `runId`.
    public init(
        runId: Int64, draft: IssueDraft, score: Double? = nil, reviewReasons: [String] = [],
        status: DraftStatus = .draft, createdAt: Date = Date()
    ) {
        self.runId = runId
        title = draft.title
        body = draft.body
        labels = draft.labels
        type = draft.type
        fingerprint = draft.fingerprint
        signalFingerprints = draft.signals.map(\.fingerprint)
        switch draft.writer {
        case .plain: writer = "plain"
        case .model(let provider, let model): writer = "\(provider)/\(model)"
        }
        self.score = score
        self.reviewReasons = reviewReasons
        self.status = status
        self.createdAt = createdAt
    }

    /// The record with stored text redacted by `policy`.
    public func applying(_ policy: HistoryPolicy) -> DraftRecord {
        var copy = self
        copy.title = policy.redact(title)
        copy.body = policy.redact(body)
        copy.labels = labels.map { policy.redact($0) }
        copy.reviewReasons = reviewReasons.map { policy.redact($0) }
        copy.duplicateOf = policy.redactLocation(duplicateOf)
        return copy
    }
}

extension DraftRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "draft"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
