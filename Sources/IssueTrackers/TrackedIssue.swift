import Foundation

/// Whether an issue is open or closed.
public enum IssueState: String, Sendable, Hashable, Codable {
    case open, closed
}

/// Which issues a listing returns.
public enum IssueStateFilter: String, Sendable, Hashable, Codable {
    case open, closed, all
}

/// An issue as a tracker stores it.
public struct TrackedIssue: Sendable, Hashable, Codable {
    /// The number people use (`#12`; GitLab's `iid`).
    public var number: Int
    /// The issue's page in the forge's web interface.
    public var url: String
    /// The title.
    public var title: String
    /// The body, Markdown; empty when the issue has none.
    public var body: String
    /// The labels applied, in the repository's spelling.
    public var labels: [String]
    /// Open or closed.
    public var state: IssueState
    /// Logins of the assignees.
    public var assignees: [String]
    /// When it was filed, when the forge says.
    public var createdAt: Date?
    /// When it last changed, when the forge says.
    public var updatedAt: Date?
    /// Why a closed issue was closed, where the tracker records it (GitHub's `state_reason`); nil elsewhere.
    public var closeReason: IssueCloseReason?

    /// Creates an issue value.
    public init(
        number: Int, url: String, title: String, body: String, labels: [String] = [], state: IssueState = .open,
        assignees: [String] = [], createdAt: Date? = nil, updatedAt: Date? = nil, closeReason: IssueCloseReason? = nil
    ) {
        self.number = number
        self.url = url
        self.title = title
        self.body = body
        self.labels = labels
        self.state = state
        self.assignees = assignees
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closeReason = closeReason
    }

    /// The fingerprint in the body's hidden marker, if any.
    public var fingerprint: String? { FingerprintMarker.extract(from: body) }

    /// The labels of `requested` that this issue does not carry (compared case-insensitively): what the tracker
    /// dropped, so that it can be reported rather than lost.
    public func labelsMissing(from requested: [String]) -> [String] {
        let applied = Set(labels.map { $0.lowercased() })
        return requested.filter { !applied.contains($0.lowercased()) }
    }
}

/// An issue to file.
public struct NewIssue: Sendable, Hashable, Codable {
    /// The title.
    public var title: String
    /// The body, Markdown.
    public var body: String
    /// Label names.
    public var labels: [String]
    /// Logins to assign.
    public var assignees: [String]
    /// The milestone's number (GitHub, Gitea) or id (GitLab).
    public var milestone: Int?
    /// The draft's fingerprint; when set the body carries it in a hidden marker, which makes filing idempotent.
    public var fingerprint: String?

    /// Creates an issue to file.
    public init(
        title: String, body: String, labels: [String] = [], assignees: [String] = [], milestone: Int? = nil,
        fingerprint: String? = nil
    ) {
        self.title = title
        self.body = body
        self.labels = labels
        self.assignees = assignees
        self.milestone = milestone
        self.fingerprint = fingerprint
    }

    /// Rejects what no forge would accept, before anything is sent.
    func validate() throws {
        if title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw TrackerError(.validationFailed, "an issue needs a title")
        }
        if let fingerprint, !FingerprintMarker.isValid(fingerprint) {
            throw TrackerError(.validationFailed, "'\(fingerprint)' is not a fingerprint: expected 8-128 hex digits")
        }
    }

    /// The body to send: `body` with the fingerprint marker when there is a fingerprint.
    public var bodyWithMarker: String {
        guard let fingerprint else { return body }
        return FingerprintMarker.embed(fingerprint, in: body)
    }
}

/// Changes to an issue; nil leaves a field as it is.
public struct IssueUpdate: Sendable, Hashable, Codable {
    /// A new title.
    public var title: String?
    /// A new body.
    public var body: String?
    /// The complete new set of labels.
    public var labels: [String]?
    /// The complete new set of assignees.
    public var assignees: [String]?
    /// Open or close the issue.
    public var state: IssueState?
    /// Why it is closed, where the tracker records it (GitHub's `state_reason`); others ignore it.
    public var closeReason: IssueCloseReason?

    /// Creates an update.
    public init(
        title: String? = nil, body: String? = nil, labels: [String]? = nil, assignees: [String]? = nil,
        state: IssueState? = nil, closeReason: IssueCloseReason? = nil
    ) {
        self.title = title
        self.body = body
        self.labels = labels
        self.assignees = assignees
        self.state = state
        self.closeReason = closeReason
    }
}

/// Why an issue is closed.
public enum IssueCloseReason: String, Sendable, Hashable, Codable {
    /// Done: what it asked for happened.
    case completed
    /// Will not be done: a duplicate, or not wanted.
    case notPlanned = "not_planned"
}

/// A comment on an issue.
public struct IssueComment: Sendable, Hashable, Codable {
    /// The forge's id for the comment.
    public var id: Int
    /// The comment's page, when the forge says.
    public var url: String?
    /// The text.
    public var body: String

    /// Creates a comment value.
    public init(id: Int, url: String?, body: String) {
        self.id = id
        self.url = url
        self.body = body
    }
}

/// A label in a repository.
public struct IssueLabel: Sendable, Hashable, Codable {
    /// The name.
    public var name: String
    /// Six hexadecimal digits, without `#`.
    public var color: String
    /// The description, if any.
    public var description: String?

    /// Creates a label value.
    public init(name: String, color: String, description: String? = nil) {
        self.name = name
        self.color = color
        self.description = description
    }
}

/// What ``IssueTracker/ensureLabels(_:)`` found and did.
public struct LabelReport: Sendable, Hashable {
    /// A label that could not be created, and why.
    public struct Refusal: Sendable, Hashable {
        /// The label's name as requested.
        public var name: String
        /// Why it could not be created, with what to do.
        public var reason: String
    }

    /// Labels that exist now, in the repository's spelling: file issues with these.
    public var available: [String] = []
    /// Labels created by this call.
    public var created: [String] = []
    /// Labels that do not exist and could not be created: report them, never drop them silently.
    public var unavailable: [Refusal] = []
}

/// The account a token belongs to.
public struct TrackerUser: Sendable, Hashable, Codable {
    /// The login (username).
    public var login: String
    /// The display name, when set.
    public var name: String?

    /// Creates a user value.
    public init(login: String, name: String? = nil) {
        self.login = login
        self.name = name
    }
}

/// What a token may do in a repository.
public struct RepositoryPermissions: Sendable, Hashable, Codable {
    /// May read issues.
    public var canRead: Bool
    /// May label, close and assign issues (GitHub's triage, GitLab's reporter).
    public var canTriage: Bool
    /// May push, which on every forge includes creating labels.
    public var canPush: Bool
    /// May administer the repository.
    public var isAdmin: Bool

    /// Creates a permission set.
    public init(canRead: Bool, canTriage: Bool, canPush: Bool, isAdmin: Bool) {
        self.canRead = canRead
        self.canTriage = canTriage
        self.canPush = canPush
        self.isAdmin = isAdmin
    }

    /// Whether labels can be created (and applied to new issues): write access on every forge.
    public var canCreateLabels: Bool { canPush || isAdmin }
}

/// A repository as its tracker describes it.
public struct RepositoryInfo: Sendable, Hashable, Codable {
    /// `owner/name` as the forge spells it.
    public var fullName: String
    /// The repository's web page.
    public var url: String
    /// Whether it is private.
    public var isPrivate: Bool
    /// Whether it has issues enabled.
    public var hasIssues: Bool
    /// What the token may do.
    public var permissions: RepositoryPermissions

    /// Creates a repository value.
    public init(fullName: String, url: String, isPrivate: Bool, hasIssues: Bool, permissions: RepositoryPermissions) {
        self.fullName = fullName
        self.url = url
        self.isPrivate = isPrivate
        self.hasIssues = hasIssues
        self.permissions = permissions
    }
}
