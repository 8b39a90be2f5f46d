import Foundation

/// A forge's issue tracker for one repository: the seam between publishing and GitHub, GitLab,
/// Gitea/Gogs or Bitbucket.
///
/// Every method throws ``TrackerError`` (or `CancellationError` when the task is cancelled). Implementations obey the
/// service's rate limits through a shared ``RequestPacer`` and never put the access token in an error or a log.
public protocol IssueTracker: Sendable {
    /// The kind of forge, for messages and history.
    var kind: TrackerKind { get }
    /// `owner/name` (or `group/subgroup/name` on GitLab) of the repository this tracker files into.
    var repositoryPath: String { get }

    /// The account the token belongs to.
    func currentUser() async throws -> TrackerUser
    /// The repository, with what the token may do in it.
    func repository() async throws -> RepositoryInfo
    /// Issues (never pull requests) in `state`, updated at or after `since` when given, oldest first, following
    /// pagination until `limit` issues are collected.
    func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue]
    /// The repository's labels.
    func labels() async throws -> [IssueLabel]
    /// Creates a label; `color` is six hexadecimal digits without `#`.
    func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel
    /// Files an issue; when `issue.fingerprint` is set the body carries it in a hidden marker.
    ///
    /// Labels the tracker did not apply (no permission, unknown label) are absent from the returned issue's `labels`:
    /// call ``ensureLabels(_:)`` first and compare with ``TrackedIssue/labelsMissing(from:)``.
    func createIssue(_ issue: NewIssue) async throws -> TrackedIssue
    /// Changes an issue's title, body, labels, assignees or state; fields left nil stay as they are.
    func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue
    /// Adds a comment to an issue.
    func addComment(toIssue number: Int, body: String) async throws -> IssueComment
    /// The issue carrying `fingerprint` in its body marker, open or recently closed, or nil.
    func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue?
}

extension IssueTracker {
    /// Closes an issue.
    public func closeIssue(number: Int) async throws -> TrackedIssue {
        try await updateIssue(number: number, IssueUpdate(state: .closed))
    }

    /// Every issue in `state` (no limit), updated at or after `since` when given.
    public func issues(state: IssueStateFilter, since: Date? = nil) async throws -> [TrackedIssue] {
        try await issues(state: state, since: since, limit: .max)
    }

    /// Fingerprinted issues by fingerprint: every open issue and the issues closed (updated) since `closedSince`.
    ///
    /// One listing serves a whole run's duplicate check, where a search per draft would spend the search quota.
    public func fingerprintedIssues(closedSince: Date) async throws -> [String: TrackedIssue] {
        var index: [String: TrackedIssue] = [:]
        let open = try await issues(state: .open, since: nil, limit: .max)
        let closed = try await issues(state: .closed, since: closedSince, limit: .max)
        for issue in open + closed {
            guard let fingerprint = issue.fingerprint else { continue }
            // Prefer the lowest number: the first filing is the one people saw.
            if let known = index[fingerprint], known.number < issue.number { continue }
            index[fingerprint] = issue
        }
        return index
    }

    /// Makes sure every label in `names` exists, creating the missing ones with ``LabelColor`` colours when the
    /// token may; returns which labels can be used and which could not be created, and why.
    ///
    /// Names are matched case-insensitively (as every forge does) and returned in the repository's spelling.
    public func ensureLabels(_ names: [String]) async throws -> LabelReport {
        var wanted: [String] = []
        var seen: Set<String> = []
        for name in names {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty, seen.insert(trimmed.lowercased()).inserted { wanted.append(trimmed) }
        }
        var report = LabelReport()
        guard !wanted.isEmpty else { return report }
        var existing: [String: String] = [:]
        for label in try await labels() { existing[label.name.lowercased()] = label.name }
        let missing = wanted.filter { existing[$0.lowercased()] == nil }
        var canCreate = true
        var refusal = ""
        if !missing.isEmpty {
            let permissions = try await repository().permissions
            canCreate = permissions.canCreateLabels
            refusal =
                "the token may not create labels in \(repositoryPath) (it needs write access); "
                + "create the label by hand or use a token with write access"
        }
        for name in wanted {
            if let spelled = existing[name.lowercased()] {
                report.available.append(spelled)
                continue
            }
            guard canCreate else {
                report.unavailable.append(LabelReport.Refusal(name: name, reason: refusal))
                continue
            }
            do {
                let label = try await createLabel(name: name, color: LabelColor.color(for: name), description: nil)
                report.created.append(label.name)
                report.available.append(label.name)
            } catch let error as TrackerError {
                // Another run may have created it a moment ago: then it is there to use.
                if error.code == .validationFailed,
                    let spelled = try await labels().first(where: { $0.name.lowercased() == name.lowercased() })
                {
                    report.available.append(spelled.name)
                } else {
                    report.unavailable.append(LabelReport.Refusal(name: name, reason: error.message))
                }
            }
        }
        return report
    }

    /// The issue carrying `fingerprint`, found by listing open issues and those closed within `lookback`.
    ///
    /// The fallback of every ``findIssue(withFingerprint:)``: listing sees an issue the moment it is filed, where
    /// search indexes lag.
    public func findIssueByListing(
        withFingerprint fingerprint: String, lookback: Duration
    ) async throws
        -> TrackedIssue?
    {
        let wanted = FingerprintMarker.normalized(fingerprint)
        let seconds = Double(lookback.components.seconds)
        let index = try await fingerprintedIssues(closedSince: Date(timeIntervalSinceNow: -seconds))
        return index[wanted]
    }
}
