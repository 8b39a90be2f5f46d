import Foundation

/// A draft waiting to be filed: the text and labels to send, the fingerprint that makes filing idempotent, and the
/// history row it came from.
public struct PendingIssue: Sendable, Hashable, Codable {
    /// The draft's id in history, when it is recorded there.
    public var draftId: Int64?
    /// The title.
    public var title: String
    /// The Markdown body, without the fingerprint marker (the tracker adds it).
    public var body: String
    /// The labels to apply.
    public var labels: [String]
    /// The evidence fingerprint, carried in the filed issue's hidden marker.
    public var fingerprint: String
    /// Whether the draft reports a security finding (a leaked credential), which is not filed publicly unless the
    /// configuration says so.
    public var isSecurityFinding = false
    /// Who to assign, when a reviewer chose; nil uses the configured assignees.
    public var assignees: [String]?
    /// The milestone, when a reviewer chose; nil uses the configured one.
    public var milestone: Int?
    /// The evidence behind the draft, carried in the filed issue's hidden marker so that later runs can keep the
    /// issue current.
    public var evidence: EvidenceSnapshot?

    /// Creates a pending issue.
    public init(draftId: Int64?, title: String, body: String, labels: [String], fingerprint: String) {
        self.draftId = draftId
        self.title = title
        self.body = body
        self.labels = labels
        self.fingerprint = fingerprint
    }

    /// The draft a run recorded in history.
    public init(_ record: DraftRecord) {
        self.init(
            draftId: record.id, title: record.title, body: record.body, labels: record.labels,
            fingerprint: record.fingerprint)
        isSecurityFinding = record.type == .security
        assignees = record.assignees
        milestone = record.milestone
    }
}

extension RunDetail {
    /// The drafts of this run still waiting to be filed: written or approved, and with no publication recorded.
    public var unfiledDrafts: [DraftRecord] {
        let published = Set(publications.compactMap(\.draftId))
        return drafts.filter { draft in
            (draft.status == .draft || draft.status == .approved) && !published.contains(draft.id ?? -1)
        }
    }
}
