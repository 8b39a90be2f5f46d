import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// GitHub.com and GitHub Enterprise Server, through REST API v3 (`X-GitHub-Api-Version: 2022-11-28`).
public struct GitHubTracker: IssueTracker {
    /// `https://api.github.com`.
    public static let defaultAPIRoot = URL(string: "https://api.github.com") ?? URL(fileURLWithPath: "/")

    public var kind: TrackerKind { .github }
    public var repositoryPath: String { "\(owner)/\(name)" }

    /// The repository's owner.
    public let owner: String
    /// The repository's name.
    public let name: String
    let client: APIClient

    /// Creates a tracker for `owner/name`.
    ///
    /// - Parameters:
    ///   - apiRoot: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server
    ///     (see ``apiRoot(configured:environment:)``).
    ///   - pacer: share one pacer between trackers that use the same account, so they share its limits.
    public init(
        owner: String, name: String, token: AccessToken, apiRoot: URL = GitHubTracker.defaultAPIRoot,
        httpClient: HTTPClient = .trackers, pacer: RequestPacer = RequestPacer(),
        options: TrackerOptions = TrackerOptions(), logger: Logger = Logger(label: "ticket-master.github")
    ) {
        self.owner = owner
        self.name = name
        client = APIClient(
            root: apiRoot, token: token,
            headers: [
                ("Accept", "application/vnd.github+json"),
                ("X-GitHub-Api-Version", "2022-11-28"),
                ("Authorization", "Bearer \(token.secret)"),
            ],
            vocabulary: APIClient.Vocabulary(
                service: "GitHub",
                unauthorizedRemedy:
                    "the token was rejected: create a token with the `repo`/`issues: write` scope and set "
                    + "GITHUB_TOKEN, or run `gh auth login`",
                forbiddenRemedy:
                    "the token lacks access to \(owner)/\(name): grant it `issues: write` (fine-grained) or the "
                    + "`repo` scope (classic), or use an account with write access",
                errorMessage: Self.errorMessage),
            httpClient: httpClient, pacer: pacer, options: options, logger: logger)
    }

    private var repoPath: String { "/repos/\(APIClient.encode(owner))/\(APIClient.encode(name))" }

    public func currentUser() async throws -> TrackerUser {
        let response = try await client.send(.GET, client.url("/user"))
        let user = try client.decode(GitHubUser.self, from: response, what: "the current user")
        return TrackerUser(login: user.login, name: user.name)
    }

    public func repository() async throws -> RepositoryInfo {
        let response = try await client.send(.GET, client.url(repoPath))
        let repository = try client.decode(GitHubRepository.self, from: response, what: "the repository")
        let permissions = repository.permissions
        return RepositoryInfo(
            fullName: repository.fullName, url: repository.htmlURL, isPrivate: repository.private ?? false,
            hasIssues: repository.hasIssues ?? true,
            permissions: RepositoryPermissions(
                canRead: permissions?.pull ?? true,
                canTriage: permissions.map { $0.triage ?? false || $0.push || $0.admin } ?? false,
                canPush: permissions.map { $0.push || $0.maintain ?? false } ?? false,
                isAdmin: permissions?.admin ?? false))
    }

    public func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        var query = [
            ("state", state.rawValue), ("sort", "created"), ("direction", "asc"), ("per_page", "100"),
        ]
        if let since { query.append(("since", APIClient.format(since))) }
        var next: URL? = client.url(repoPath + "/issues", query: query)
        var collected: [TrackedIssue] = []
        while let url = next, collected.count < limit {
            let response = try await client.send(.GET, url)
            let page = try client.decode([GitHubIssue].self, from: response, what: "a page of issues")
            collected += page.filter { $0.pullRequest == nil }.map(\.tracked)
            next = try LinkHeader.next(response.header("link")).map { try client.withinAPI($0) }
        }
        return Array(collected.prefix(limit))
    }

    public func labels() async throws -> [IssueLabel] {
        var next: URL? = client.url(repoPath + "/labels", query: [("per_page", "100")])
        var labels: [IssueLabel] = []
        while let url = next {
            let response = try await client.send(.GET, url)
            let page = try client.decode([GitHubLabel].self, from: response, what: "a page of labels")
            labels += page.map(\.label)
            next = try LinkHeader.next(response.header("link")).map { try client.withinAPI($0) }
        }
        return labels
    }

    public func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel {
        struct Body: Encodable {
            var name: String
            var color: String
            var description: String?
        }
        let response = try await client.send(
            .POST, client.url(repoPath + "/labels"), body: Body(name: name, color: color, description: description),
            retriesServerErrors: true)
        return try client.decode(GitHubLabel.self, from: response, what: "the new label").label
    }

    public func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        struct Body: Encodable {
            var title: String
            var body: String
            var labels: [String]
            var assignees: [String]
            var milestone: Int?
        }
        try issue.validate()
        let body = Body(
            title: issue.title, body: issue.bodyWithMarker, labels: issue.labels, assignees: issue.assignees,
            milestone: issue.milestone)
        return try await fileIdempotently(issue, lookback: client.options.closedIssueLookback, pacer: client.pacer) {
            let response = try await client.send(
                .POST, client.url(repoPath + "/issues"), body: body, retriesServerErrors: false)
            return try client.decode(GitHubIssue.self, from: response, what: "the new issue").tracked
        }
    }

    public func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        struct Body: Encodable {
            var title: String?
            var body: String?
            var labels: [String]?
            var assignees: [String]?
            var state: String?
            var stateReason: String?

            enum CodingKeys: String, CodingKey {
                case title, body, labels, assignees, state
                case stateReason = "state_reason"
            }
        }
        let body = Body(
            title: update.title, body: update.body, labels: update.labels, assignees: update.assignees,
            state: update.state?.rawValue, stateReason: update.state == .closed ? update.closeReason?.rawValue : nil)
        let response = try await client.send(.PATCH, client.url(repoPath + "/issues/\(number)"), body: body)
        return try client.decode(GitHubIssue.self, from: response, what: "the updated issue").tracked
    }

    public func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        struct Body: Encodable { var body: String }
        let response = try await client.send(
            .POST, client.url(repoPath + "/issues/\(number)/comments"), body: Body(body: body))
        let comment = try client.decode(GitHubComment.self, from: response, what: "the new comment")
        return IssueComment(id: comment.id, url: comment.htmlURL, body: comment.body ?? body)
    }

    /// Searches `"<fingerprint>" in:body`, then, since the search index lags new issues, lists open and recently
    /// closed issues.
    public func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        let wanted = FingerprintMarker.normalized(fingerprint)
        let hits = try await search("\"\(wanted)\" in:body repo:\(owner)/\(name) is:issue")
        if let hit = hits.filter({ $0.fingerprint == wanted }).min(by: { $0.number < $1.number }) { return hit }
        return try await findIssueByListing(withFingerprint: wanted, lookback: client.options.closedIssueLookback)
    }

    private func search(_ query: String) async throws -> [TrackedIssue] {
        var next: URL? = client.url("/search/issues", query: [("q", query), ("per_page", "100")])
        var collected: [TrackedIssue] = []
        // The search API stops at 1,000 results; ten pages.
        while let url = next, collected.count < 1000 {
            let response = try await client.send(.GET, url, resource: "search")
            let page = try client.decode(GitHubSearchResult.self, from: response, what: "search results")
            collected += page.items.filter { $0.pullRequest == nil }.map(\.tracked)
            next = try LinkHeader.next(response.header("link")).map { try client.withinAPI($0) }
        }
        return collected
    }

    @Sendable static func errorMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let message = object["message"] as? String
        else { return nil }
        let details = (object["errors"] as? [[String: Any]] ?? []).compactMap { error -> String? in
            if let text = error["message"] as? String { return text }
            let parts = [error["resource"], error["field"], error["code"]].compactMap { $0 as? String }
            return parts.isEmpty ? nil : parts.joined(separator: " ")
        }
        return details.isEmpty ? message : "\(message): \(details.joined(separator: "; "))"
    }
}

extension IssueTracker {
    /// Files with `post`; when it fails in a way that may have filed the issue anyway (5xx, timeout) and the issue
    /// has a fingerprint, looks for it before trying again, so a retry never files twice.
    func fileIdempotently(
        _ issue: NewIssue, lookback: Duration, pacer: RequestPacer,
        post: @Sendable () async throws -> TrackedIssue
    ) async throws -> TrackedIssue {
        var attempt = 0
        while true {
            do {
                return try await post()
            } catch let error as TrackerError where error.code == .unavailable {
                guard let fingerprint = issue.fingerprint else { throw error }
                attempt += 1
                guard try await pacer.waitBeforeServerRetry(attempt: attempt) else { throw error }
                if let filed = try await findIssueByListing(withFingerprint: fingerprint, lookback: lookback) {
                    return filed
                }
            }
        }
    }
}
