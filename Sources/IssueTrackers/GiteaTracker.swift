import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Gitea, Forgejo and Gogs, through their shared `/api/v1` (`Authorization: token …`, labels by numeric id).
///
/// Written to what Gogs 0.14 and Gitea both accept: Gogs ignores `limit`, `since`, `q` and `state=all`, so listings
/// ask for open and closed issues separately and filter on this side, and label ids are read back after creating a
/// label because Gogs answers with id 0.
public struct GiteaTracker: IssueTracker {
    public var kind: TrackerKind { .gitea }
    public var repositoryPath: String { "\(owner)/\(name)" }

    /// The repository's owner.
    public let owner: String
    /// The repository's name.
    public let name: String
    let client: APIClient

    /// Creates a tracker for `owner/name`; `apiRoot` is `https://HOST/api/v1`.
    public init(
        owner: String, name: String, token: AccessToken, apiRoot: URL, httpClient: HTTPClient = .trackers,
        pacer: RequestPacer = RequestPacer(), options: TrackerOptions = TrackerOptions(),
        logger: Logger = Logger(label: "ticket-master.gitea")
    ) {
        self.owner = owner
        self.name = name
        client = APIClient(
            root: apiRoot, token: token,
            headers: [("Accept", "application/json"), ("Authorization", "token \(token.secret)")],
            vocabulary: APIClient.Vocabulary(
                service: "Gitea/Gogs",
                unauthorizedRemedy:
                    "create an access token under Settings → Applications on the server and put it in the "
                    + "configuration (or GITEA_TOKEN)",
                forbiddenRemedy: "the token's account needs write access to \(owner)/\(name)",
                errorMessage: { $0.jsonString("message") }),
            httpClient: httpClient, pacer: pacer, options: options, logger: logger)
    }

    private var repoPath: String { "/repos/\(APIClient.encode(owner))/\(APIClient.encode(name))" }

    /// The web interface's root: the API root without `/api/v1`.
    private var webRoot: String {
        var root = client.root.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix("/api/v1") { root.removeLast("/api/v1".count) }
        return root
    }

    public func currentUser() async throws -> TrackerUser {
        struct User: Decodable {
            var login: String?
            var username: String?
            var fullName: String?

            enum CodingKeys: String, CodingKey {
                case login, username
                case fullName = "full_name"
            }
        }
        let user = try client.decode(
            User.self, from: try await client.send(.GET, client.url("/user")), what: "the user")
        return TrackerUser(login: user.login ?? user.username ?? "", name: user.fullName)
    }

    public func repository() async throws -> RepositoryInfo {
        struct Repository: Decodable {
            struct Permissions: Decodable {
                var admin: Bool
                var push: Bool
                var pull: Bool
            }

            var fullName: String
            var htmlURL: String
            var `private`: Bool
            var hasIssues: Bool?
            var permissions: Permissions?

            enum CodingKeys: String, CodingKey {
                case fullName = "full_name"
                case htmlURL = "html_url"
                case `private`
                case hasIssues = "has_issues"
                case permissions
            }
        }
        let repository = try client.decode(
            Repository.self, from: try await client.send(.GET, client.url(repoPath)), what: "the repository")
        let permissions = repository.permissions
        return RepositoryInfo(
            fullName: repository.fullName, url: repository.htmlURL, isPrivate: repository.private,
            hasIssues: repository.hasIssues ?? true,
            permissions: RepositoryPermissions(
                canRead: permissions?.pull ?? true, canTriage: permissions.map { $0.push || $0.admin } ?? false,
                canPush: permissions?.push ?? false, isAdmin: permissions?.admin ?? false))
    }

    public func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        var collected: [TrackedIssue] = []
        for wanted in state == .all ? [IssueState.open, .closed] : [state == .open ? .open : .closed] {
            collected += try await list(state: wanted, since: since, limit: limit - collected.count)
        }
        return Array(collected.sorted { $0.number < $1.number }.prefix(limit))
    }

    public func labels() async throws -> [IssueLabel] {
        try await labelRecords().map(\.label)
    }

    public func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel {
        struct Body: Encodable {
            var name: String
            var color: String
            var description: String?
        }
        let body = Body(
            name: name, color: "#" + color.trimmingCharacters(in: CharacterSet(charactersIn: "#")),
            description: description)
        let response = try await client.send(
            .POST, client.url(repoPath + "/labels"), body: body, retriesServerErrors: true)
        return try client.decode(GiteaLabel.self, from: response, what: "the new label").label
    }

    public func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        struct Body: Encodable {
            var title: String
            var body: String
            var labels: [Int]
            var assignee: String?
            var assignees: [String]?
            var milestone: Int?
        }
        try issue.validate()
        let body = Body(
            title: issue.title, body: issue.bodyWithMarker, labels: try await labelIDs(for: issue.labels),
            assignee: issue.assignees.first, assignees: issue.assignees.isEmpty ? nil : issue.assignees,
            milestone: issue.milestone)
        return try await fileIdempotently(issue, lookback: client.options.closedIssueLookback, pacer: client.pacer) {
            let response = try await client.send(
                .POST, client.url(repoPath + "/issues"), body: body, retriesServerErrors: false)
            return try client.decode(GiteaIssue.self, from: response, what: "the new issue").tracked(
                webRoot: webRoot,
                path: repositoryPath)
        }
    }

    public func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        struct Body: Encodable {
            var title: String?
            var body: String?
            var assignees: [String]?
            var state: String?
        }
        struct Labels: Encodable { var labels: [Int] }
        if let labels = update.labels {
            _ = try await client.send(
                .PUT, client.url(repoPath + "/issues/\(number)/labels"),
                body: Labels(labels: try await labelIDs(for: labels)))
        }
        let body = Body(
            title: update.title, body: update.body, assignees: update.assignees, state: update.state?.rawValue)
        let response = try await client.send(.PATCH, client.url(repoPath + "/issues/\(number)"), body: body)
        return try client.decode(GiteaIssue.self, from: response, what: "the updated issue").tracked(
            webRoot: webRoot, path: repositoryPath)
    }

    public func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        struct Body: Encodable { var body: String }
        struct Comment: Decodable {
            var id: Int
            var htmlURL: String?
            var body: String?

            enum CodingKeys: String, CodingKey {
                case id, body
                case htmlURL = "html_url"
            }
        }
        let response = try await client.send(
            .POST, client.url(repoPath + "/issues/\(number)/comments"), body: Body(body: body))
        let comment = try client.decode(Comment.self, from: response, what: "the new comment")
        return IssueComment(id: comment.id, url: comment.htmlURL, body: comment.body ?? body)
    }

    /// Lists open and recently closed issues: Gogs has no issue search, and Gitea's indexer lags new issues.
    public func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        try await findIssueByListing(withFingerprint: fingerprint, lookback: client.options.closedIssueLookback)
    }

    /// Label ids for `names` (matched case-insensitively), creating missing labels when the token may; names that
    /// cannot be had are left out, and so are missing from the filed issue where the caller can see it.
    private func labelIDs(for names: [String]) async throws -> [Int] {
        guard !names.isEmpty else { return [] }
        var records = try await labelRecords()
        let missing = names.filter { name in !records.contains { $0.name.lowercased() == name.lowercased() } }
        if !missing.isEmpty {
            for name in missing {
                _ = try? await createLabel(name: name, color: LabelColor.color(for: name), description: nil)
            }
            records = try await labelRecords()
        }
        return names.compactMap { name in records.first { $0.name.lowercased() == name.lowercased() }?.id }
    }

    private func labelRecords() async throws -> [GiteaLabel] {
        var labels: [GiteaLabel] = []
        var page = 1
        while true {
            let url = client.url(repoPath + "/labels", query: [("page", "\(page)"), ("limit", "50")])
            let batch = try client.decode(
                [GiteaLabel].self, from: try await client.send(.GET, url), what: "a page of labels")
            // Gogs ignores paging and returns every label each time: stop when nothing new arrives.
            let new = batch.filter { label in !labels.contains { $0.id == label.id } }
            if new.isEmpty { return labels }
            labels += new
            page += 1
        }
    }

    private func list(state: IssueState, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        var collected: [TrackedIssue] = []
        var seen: Set<Int> = []
        var page = 1
        while collected.count < limit {
            var parameters = [("state", state.rawValue), ("type", "issues"), ("page", "\(page)"), ("limit", "50")]
            if let since { parameters.append(("since", APIClient.format(since))) }
            let response = try await client.send(.GET, client.url(repoPath + "/issues", query: parameters))
            let batch = try client.decode([GiteaIssue].self, from: response, what: "a page of issues")
            let fresh = batch.filter { !seen.contains($0.number) }
            if fresh.isEmpty { break }
            for issue in fresh {
                seen.insert(issue.number)
                guard issue.pullRequest == nil else { continue }
                let tracked = issue.tracked(webRoot: webRoot, path: repositoryPath)
                // Gogs ignores `since`.
                if let since, let updated = tracked.updatedAt, updated < since { continue }
                collected.append(tracked)
            }
            if let link = response.header("link"), LinkHeader.next(link) == nil { break }
            page += 1
        }
        return Array(collected.prefix(limit))
    }
}

struct GiteaLabel: Decodable {
    var id: Int
    var name: String
    var color: String
    var description: String?

    var label: IssueLabel {
        IssueLabel(
            name: name, color: color.trimmingCharacters(in: CharacterSet(charactersIn: "#")), description: description)
    }
}

struct GiteaIssue: Decodable {
    struct User: Decodable {
        var login: String?
        var username: String?
    }

    struct Marker: Decodable {}

    var number: Int
    var htmlURL: String?
    var title: String
    var body: String?
    var state: IssueState
    var labels: [GiteaLabel]?
    var assignee: User?
    var assignees: [User]?
    var pullRequest: Marker?
    var createdAt: Date?
    var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case number, title, body, state, labels, assignee, assignees
        case htmlURL = "html_url"
        case pullRequest = "pull_request"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func tracked(webRoot: String, path: String) -> TrackedIssue {
        let people = assignees ?? assignee.map { [$0] } ?? []
        return TrackedIssue(
            number: number, url: htmlURL ?? "\(webRoot)/\(path)/issues/\(number)", title: title, body: body ?? "",
            labels: (labels ?? []).map(\.name), state: state, assignees: people.compactMap { $0.login ?? $0.username },
            createdAt: createdAt, updatedAt: updatedAt)
    }
}
