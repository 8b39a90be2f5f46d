import Foundation
import IssueTrackers

/// An ``IssueTracker`` in memory, for tests of everything above the trackers: it behaves like GitHub (labels
/// dropped without write access, case-insensitive label names, fingerprints found at once) and can be told to fail.
public actor MemoryIssueTracker: IssueTracker {
    /// The operations a scripted failure can target.
    public enum Operation: Sendable, Hashable {
        case currentUser, repository, issues, search, labels, createLabel, createIssue, updateIssue, addComment
    }

    public nonisolated let kind: TrackerKind
    public nonisolated let repositoryPath: String

    /// The issues, in filing order.
    public private(set) var storedIssues: [TrackedIssue] = []
    /// The labels.
    public private(set) var storedLabels: [IssueLabel]
    /// Comments by issue number.
    public private(set) var comments: [Int: [IssueComment]] = [:]
    /// What the token may do.
    public var permissions: RepositoryPermissions
    /// Every operation called, in order.
    public private(set) var calls: [Operation] = []
    private var failures: [(Operation, TrackerError)] = []
    private var nextID = 1

    /// Creates a tracker for `repositoryPath` with `labels` and `issues` already there.
    public init(
        kind: TrackerKind = .github, repositoryPath: String = "acme/widgets", labels: [String] = [],
        issues: [TrackedIssue] = [],
        permissions: RepositoryPermissions = RepositoryPermissions(
            canRead: true, canTriage: true, canPush: true, isAdmin: false)
    ) {
        self.kind = kind
        self.repositoryPath = repositoryPath
        self.storedLabels = labels.map { IssueLabel(name: $0, color: LabelColor.color(for: $0)) }
        self.storedIssues = issues
        self.permissions = permissions
    }

    /// Makes the next call of `operation` throw `error` (queued: several calls fail in order).
    public func failNext(_ operation: Operation, with error: TrackerError) {
        failures.append((operation, error))
    }

    /// Changes what the token may do.
    public func setPermissions(_ permissions: RepositoryPermissions) {
        self.permissions = permissions
    }

    public func currentUser() async throws -> TrackerUser {
        try enter(.currentUser)
        return TrackerUser(login: "ticket-master-bot")
    }

    public func repository() async throws -> RepositoryInfo {
        try enter(.repository)
        return RepositoryInfo(
            fullName: repositoryPath, url: "https://example.invalid/\(repositoryPath)", isPrivate: false,
            hasIssues: true, permissions: permissions)
    }

    public func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        try enter(.issues)
        let matching = storedIssues.filter { issue in
            (state == .all || issue.state.rawValue == state.rawValue)
                && (since.map { (issue.updatedAt ?? .distantPast) >= $0 } ?? true)
        }
        return Array(matching.prefix(limit))
    }

    public func labels() async throws -> [IssueLabel] {
        try enter(.labels)
        return storedLabels
    }

    public func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel {
        try enter(.createLabel)
        guard permissions.canCreateLabels else {
            throw TrackerError(.forbidden, "the token may not create labels in \(repositoryPath)", status: 403)
        }
        guard label(named: name) == nil else {
            throw TrackerError(.validationFailed, "label \(name) already exists", status: 422)
        }
        let label = IssueLabel(name: name, color: color, description: description)
        storedLabels.append(label)
        return label
    }

    public func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        try enter(.createIssue)
        let number = (storedIssues.map(\.number).max() ?? 0) + 1
        let labels = permissions.canCreateLabels ? issue.labels.map { name in label(named: name)?.name ?? name } : []
        for name in labels where label(named: name) == nil {
            storedLabels.append(IssueLabel(name: name, color: "ededed"))
        }
        let now = Date()
        let tracked = TrackedIssue(
            number: number, url: "https://example.invalid/\(repositoryPath)/issues/\(number)", title: issue.title,
            body: issue.bodyWithMarker, labels: labels, state: .open,
            assignees: permissions.canPush ? issue.assignees : [], createdAt: now, updatedAt: now)
        storedIssues.append(tracked)
        return tracked
    }

    public func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        try enter(.updateIssue)
        guard let index = storedIssues.firstIndex(where: { $0.number == number }) else {
            throw TrackerError(.notFound, "no issue #\(number) in \(repositoryPath)", status: 404)
        }
        var issue = storedIssues[index]
        if let title = update.title { issue.title = title }
        if let body = update.body { issue.body = body }
        if let labels = update.labels, permissions.canCreateLabels { issue.labels = labels }
        if let assignees = update.assignees { issue.assignees = assignees }
        if let state = update.state { issue.state = state }
        issue.updatedAt = Date()
        storedIssues[index] = issue
        return issue
    }

    public func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        try enter(.addComment)
        guard storedIssues.contains(where: { $0.number == number }) else {
            throw TrackerError(.notFound, "no issue #\(number) in \(repositoryPath)", status: 404)
        }
        let comment = IssueComment(id: nextID, url: nil, body: body)
        nextID += 1
        comments[number, default: []].append(comment)
        return comment
    }

    public func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        try enter(.search)
        let wanted = fingerprint.lowercased()
        return storedIssues.first { $0.fingerprint == wanted }
    }

    private func label(named name: String) -> IssueLabel? {
        storedLabels.first { $0.name.lowercased() == name.lowercased() }
    }

    private func enter(_ operation: Operation) throws {
        calls.append(operation)
        if let index = failures.firstIndex(where: { $0.0 == operation }) {
            throw failures.remove(at: index).1
        }
    }
}
