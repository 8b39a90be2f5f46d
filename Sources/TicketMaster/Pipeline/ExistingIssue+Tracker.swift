import Foundation
import IssueTrackers

extension ExistingIssue {
    /// An issue on a tracker, named as people refer to it.
    public init(_ issue: TrackedIssue) {
        self.init(
            reference: "#\(issue.number) (\(issue.url))", title: issue.title, body: issue.body,
            fingerprint: issue.fingerprint)
    }
}

extension IssueTracker {
    /// The issues a suggestion must not repeat: every open issue, and those closed since `closedSince` (an issue
    /// closed as "won't fix" is an answer too). Issues filed by people count as much as those Ticket-Master filed.
    public func existingIssues(closedSince: Date) async throws -> [ExistingIssue] {
        let open = try await issues(state: .open, since: nil)
        let closed = try await issues(state: .closed, since: closedSince)
        return (open + closed).map(ExistingIssue.init)
    }
}
