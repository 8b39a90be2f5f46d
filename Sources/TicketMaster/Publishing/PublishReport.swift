import Foundation

/// What one publishing pass did: the issues it filed, the drafts the tracker already had, the drafts it did not
/// file and why, and the labels it created or could not use.
public struct PublishReport: Sendable, Hashable, Codable {
    /// A draft filed as a new issue.
    public struct Filed: Sendable, Hashable, Codable {
        /// The draft's id in history.
        public var draftId: Int64?
        /// The title as filed.
        public var title: String
        /// The new issue's number.
        public var number: Int
        /// The new issue's address.
        public var url: String
        /// The draft's fingerprint, carried in the issue.
        public var fingerprint: String
        /// Labels the draft asked for that the issue does not carry.
        public var missingLabels: [String]
        /// Configured assignees the issue does not have (the token may not assign them).
        public var missingAssignees: [String] = []
    }

    /// A draft not filed because the tracker already has an issue with its fingerprint.
    public struct Duplicate: Sendable, Hashable, Codable {
        /// The draft's id in history.
        public var draftId: Int64?
        /// The draft's title.
        public var title: String
        /// The existing issue's number.
        public var number: Int
        /// The existing issue's address.
        public var url: String
        /// The shared fingerprint.
        public var fingerprint: String
    }

    /// A draft that was not filed, and why.
    public struct NotFiled: Sendable, Hashable, Codable {
        /// The draft's id in history.
        public var draftId: Int64?
        /// The draft's title.
        public var title: String
        /// The draft's fingerprint.
        public var fingerprint: String
        /// Why it was not filed.
        public var reason: String
    }

    /// A draft the suggestion pipeline set aside before filing, because it repeats an issue on the tracker, one
    /// filed earlier, or another draft of the run.
    public struct SetAside: Sendable, Hashable, Codable {
        /// The draft's title.
        public var title: String
        /// The issue it repeats: `#12 (url)`, or the draft it repeats.
        public var duplicateOf: String
        /// How the match was made: the same evidence, or how similar the texts are.
        public var reason: String

        /// Creates an entry.
        public init(title: String, duplicateOf: String, reason: String) {
            self.title = title
            self.duplicateOf = duplicateOf
            self.reason = reason
        }
    }

    /// An issue filed earlier that was kept current: commented on, or closed because its evidence is gone.
    public struct Updated: Sendable, Hashable, Codable {
        /// The issue's number.
        public var number: Int
        /// The issue's address.
        public var url: String
        /// The issue's title.
        public var title: String
        /// A comment, or a comment and a close.
        public var action: IssueUpkeep.Action
        /// What changed; for an update that failed, also why it failed.
        public var summary: String
    }

    /// A label that could not be created, and why.
    public struct UnavailableLabel: Sendable, Hashable, Codable {
        /// The label as the drafts spell it.
        public var name: String
        /// Why it could not be created, with what to do.
        public var reason: String
    }

    /// Why filing stopped before every draft was tried.
    public struct Stop: Sendable, Hashable, Codable {
        /// The kind of stop, which decides the exit code.
        public enum Reason: String, Sendable, Hashable, Codable {
            /// A rate limit would have needed a longer wait than allowed.
            case rateLimited
            /// The token was rejected or lacks access.
            case authentication
            /// The tracker failed or could not be reached.
            case trackerFailed
            /// The run was cancelled (Ctrl-C).
            case interrupted
        }

        /// The kind of stop.
        public var reason: Reason
        /// What happened and what to do.
        public var message: String
        /// When a rate limit resets, when the tracker said.
        public var retryAt: Date?
    }

    /// The tracker kind: `github`, `gitlab` or `gitea`.
    public var tracker: String
    /// The repository on the tracker.
    public var repository: String
    /// Issues filed, in filing order.
    public var filed: [Filed] = []
    /// Drafts the tracker already had.
    public var duplicates: [Duplicate] = []
    /// Drafts set aside as duplicates before filing.
    public var setAside: [SetAside] = []
    /// Drafts not filed: rejected by the tracker, or not reached because filing stopped.
    public var notFiled: [NotFiled] = []
    /// Security findings kept off the tracker, as `publishing.file_security_findings` asks: an issue would tell
    /// everyone where the credential is before it is revoked.
    public var withheld: [NotFiled] = []
    /// Issues filed earlier that were commented on or closed because their evidence changed or went.
    public var updated: [Updated] = []
    /// Updates that failed; the next run plans them again.
    public var notUpdated: [Updated] = []
    /// Labels created for the filed issues.
    public var createdLabels: [String] = []
    /// Labels the drafts asked for that do not exist and could not be created.
    public var unavailableLabels: [UnavailableLabel] = []
    /// Why filing stopped early, if it did.
    public var stop: Stop?

    /// Creates an empty report for `repository` on `tracker`.
    public init(tracker: String, repository: String) {
        self.tracker = tracker
        self.repository = repository
    }

    /// Whether every draft was filed or found on the tracker already.
    public var isComplete: Bool { notFiled.isEmpty && stop == nil }
}
