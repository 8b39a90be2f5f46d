import Foundation

/// What a process may do about filing one draft on one tracker repository, as the shared history says.
///
/// Before a process creates an issue it claims the draft's fingerprint for that tracker repository. The claim is a
/// row with a unique key and a lease: a second process asking while the first files is told who holds it and until
/// when, and waits; once the first has recorded the issue, the second is told it was filed and reports a duplicate.
/// A process that fails releases its claim; one that dies leaves a lease that expires.
public enum FilingClaim: Sendable, Hashable {
    /// The caller holds the claim and may file.
    case claimed
    /// Another process holds the claim until `until`.
    case held(by: String, until: Date)
    /// The draft was filed already, as this issue.
    case filed(number: Int, url: String, title: String)
}

/// The draft and place a claim is about, and who asks.
public struct FilingClaimRequest: Sendable, Hashable {
    /// The tracker kind: `github`, `gitlab` or `gitea`.
    public var tracker: String
    /// The repository on the tracker, such as `acme/api`.
    public var repository: String
    /// The draft's evidence fingerprint, lower-cased.
    public var fingerprint: String
    /// Who asks: unique to one filing process.
    public var holder: String
    /// When the claim lapses if its holder neither files nor releases it.
    public var until: Date
    /// A holder known to be gone (a process on this machine that no longer runs), whose claim is taken over as
    /// if it had lapsed.
    public var replacing: String?

    /// Creates a request.
    public init(
        tracker: String, repository: String, fingerprint: String, holder: String, until: Date,
        replacing: String? = nil
    ) {
        self.tracker = tracker
        self.repository = repository
        self.fingerprint = fingerprint
        self.holder = holder
        self.until = until
        self.replacing = replacing
    }
}
