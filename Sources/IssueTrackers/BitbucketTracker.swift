import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Bitbucket Cloud's issue tracker, through REST API 2.0.
///
/// Bitbucket differs from the other forges in ways the seam hides:
/// - **Auth**: a repository, project or workspace access token goes as a Bearer token; `user:secret` (an API token
///   with the account's e-mail, or an app password with the username) goes as HTTP Basic.
/// - **No labels**: an issue has one `kind` (`bug`, `enhancement`, `proposal`, `task`) and at most one `component`.
///   A label that names a kind sets it, the first label that names an existing component sets that; components are
///   made in the repository's settings, never through the API, so the others are reported missing.
/// - **Markdown without HTML**: Bitbucket shows HTML comments as text, so the hidden markers travel as link reference
///   definitions (`[//]: # (ticket-master:fingerprint=…)`), which Markdown never shows; bodies read back carry them
///   as the HTML comments the rest of Ticket-Master knows.
/// - **States**: `new`, `open` and `on hold` are open; `resolved` and `closed` are done; `invalid`, `duplicate` and
///   `wontfix` were closed as not planned.
public struct BitbucketTracker: IssueTracker {
    public var kind: TrackerKind { .bitbucket }
    public var repositoryPath: String { "\(workspace)/\(slug)" }

    /// `https://api.bitbucket.org/2.0`.
    public static let defaultAPIRoot = URL(string: "https://api.bitbucket.org/2.0") ?? URL(fileURLWithPath: "/")
    /// The kinds an issue can be, which labels of the same name choose.
    static let kinds = ["bug", "enhancement", "proposal", "task"]

    /// The workspace's slug.
    public let workspace: String
    /// The repository's slug.
    public let slug: String
    let client: APIClient

    /// Creates a tracker for `workspace/slug`; a token of the form `user:secret` is sent as HTTP Basic, any other as
    /// a Bearer access token.
    public init(
        workspace: String, slug: String, token: AccessToken, apiRoot: URL = BitbucketTracker.defaultAPIRoot,
        httpClient: HTTPClient = .trackers, pacer: RequestPacer = RequestPacer(),
        options: TrackerOptions = TrackerOptions(), logger: Logger = Logger(label: "ticket-master.bitbucket")
    ) {
        self.workspace = workspace
        self.slug = slug
        client = APIClient(
            root: apiRoot, token: token,
            headers: [("Accept", "application/json"), ("Authorization", token.basicOrBearer)],
            vocabulary: APIClient.Vocabulary(
                service: "Bitbucket",
                unauthorizedRemedy:
                    "create a repository access token with the issue:write scope (Repository settings → Access "
                    + "tokens) and set BITBUCKET_TOKEN, or set it to email:api-token for an API token",
                forbiddenRemedy: "the token needs the issue:write scope and write access to \(workspace)/\(slug)",
                errorMessage: Self.errorMessage),
            httpClient: httpClient, pacer: pacer, options: options, logger: logger)
    }

    private var repoPath: String { "/repositories/\(APIClient.encode(workspace))/\(APIClient.encode(slug))" }

    public func currentUser() async throws -> TrackerUser {
        struct User: Decodable {
            var nickname: String?
            var username: String?
            var displayName: String?
            var accountID: String?

            enum CodingKeys: String, CodingKey {
                case nickname, username
                case displayName = "display_name"
                case accountID = "account_id"
            }
        }
        let user = try client.decode(
            User.self, from: try await client.send(.GET, client.url("/user")), what: "the user")
        return TrackerUser(
            login: user.nickname ?? user.username ?? user.accountID ?? "unknown", name: user.displayName)
    }

    public func repository() async throws -> RepositoryInfo {
        struct Repository: Decodable {
            var fullName: String
            var isPrivate: Bool?
            var hasIssues: Bool?
            var links: BitbucketLinks?

            enum CodingKeys: String, CodingKey {
                case fullName = "full_name"
                case isPrivate = "is_private"
                case hasIssues = "has_issues"
                case links
            }
        }
        struct Permissions: Decodable {
            struct Entry: Decodable { var permission: String }
            var values: [Entry]
        }
        let repository = try client.decode(
            Repository.self, from: try await client.send(.GET, client.url(repoPath)), what: "the repository")
        // An access token belongs to the repository, not to a user, and may not ask what a user may do: it is taken
        // at its word, and the first write shows whether it has the scope.
        var permission = "write"
        if let response = try? await client.send(
            .GET,
            client.url(
                "/user/permissions/repositories", query: [("q", "repository.full_name=\"\(repositoryPath)\"")]))
        {
            permission =
                (try? client.decode(Permissions.self, from: response, what: "permissions"))?.values.first?.permission
                ?? permission
        }
        return RepositoryInfo(
            fullName: repository.fullName, url: repository.links?.html?.href ?? "",
            isPrivate: repository.isPrivate ?? true,
            hasIssues: repository.hasIssues ?? false,
            permissions: RepositoryPermissions(
                canRead: true, canTriage: permission != "read", canPush: permission != "read",
                isAdmin: permission == "admin"))
    }

    public func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        var conditions: [String] = []
        switch state {
        case .open: conditions.append("(" + Self.openStates.map { "state=\"\($0)\"" }.joined(separator: " OR ") + ")")
        case .closed:
            conditions.append("(" + Self.closedStates.map { "state=\"\($0)\"" }.joined(separator: " OR ") + ")")
        case .all: break
        }
        if let since { conditions.append("updated_on>=\(APIClient.format(since))") }
        var query = [("sort", "id"), ("pagelen", "50")]
        if !conditions.isEmpty { query.append(("q", conditions.joined(separator: " AND "))) }
        var collected: [TrackedIssue] = []
        var url = client.url(repoPath + "/issues", query: query)
        while collected.count < limit {
            let response = try await client.send(.GET, url)
            let page = try client.decode(BitbucketPage<BitbucketIssue>.self, from: response, what: "a page of issues")
            collected += page.values.map(\.tracked)
            guard let next = page.next else { break }
            url = try client.withinAPI(next)
        }
        return Array(collected.prefix(limit))
    }

    /// The kinds and the repository's components: what a label can set.
    public func labels() async throws -> [IssueLabel] {
        Self.kinds.map { IssueLabel(name: $0, color: LabelColor.color(for: $0)) }
            + (try await components()).map { IssueLabel(name: $0, color: LabelColor.color(for: $0)) }
    }

    /// Always refused: Bitbucket makes components in the repository's settings only.
    public func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel {
        throw TrackerError(
            .validationFailed,
            "Bitbucket issues have no labels; add a component named \"\(name)\" in \(repositoryPath)'s issue tracker "
                + "settings to use it")
    }

    public func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        try issue.validate()
        let components = try await components()
        let body = BitbucketIssueBody(
            title: issue.title, content: .init(raw: Self.outgoing(issue.bodyWithMarker)),
            kind: Self.kind(from: issue.labels) ?? "task", component: Self.component(from: issue.labels, in: components)
        )
        return try await fileIdempotently(issue, lookback: client.options.closedIssueLookback, pacer: client.pacer) {
            let response = try await client.send(
                .POST, client.url(repoPath + "/issues"), body: body, retriesServerErrors: false)
            return try client.decode(BitbucketIssue.self, from: response, what: "the new issue").tracked
        }
    }

    public func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        var body = BitbucketIssueBody()
        body.title = update.title
        body.content = update.body.map { .init(raw: Self.outgoing($0)) }
        if let labels = update.labels {
            body.kind = Self.kind(from: labels)
            body.component = Self.component(from: labels, in: try await components())
        }
        switch update.state {
        case .closed: body.state = update.closeReason == .notPlanned ? "wontfix" : "resolved"
        case .open: body.state = "open"
        case nil: break
        }
        let response = try await client.send(.PUT, client.url(repoPath + "/issues/\(number)"), body: body)
        return try client.decode(BitbucketIssue.self, from: response, what: "the updated issue").tracked
    }

    public func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        struct Body: Encodable { var content: BitbucketContent }
        struct Comment: Decodable {
            var id: Int
            var content: BitbucketContent?
            var links: BitbucketLinks?
        }
        let response = try await client.send(
            .POST, client.url(repoPath + "/issues/\(number)/comments"),
            body: Body(content: .init(raw: Self.outgoing(body))))
        let comment = try client.decode(Comment.self, from: response, what: "the new comment")
        return IssueComment(
            id: comment.id, url: comment.links?.html?.href, body: Self.incoming(comment.content?.raw ?? body))
    }

    /// Lists open and recently closed issues: Bitbucket's query language cannot search for the marker reliably.
    public func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        try await findIssueByListing(withFingerprint: fingerprint, lookback: client.options.closedIssueLookback)
    }

    private func components() async throws -> [String] {
        struct Component: Decodable { var name: String }
        var names: [String] = []
        var url = client.url(repoPath + "/components", query: [("pagelen", "100")])
        while true {
            let response = try await client.send(.GET, url)
            let page = try client.decode(BitbucketPage<Component>.self, from: response, what: "a page of components")
            names += page.values.map(\.name)
            guard let next = page.next else { return names }
            url = try client.withinAPI(next)
        }
    }

    static let openStates = ["new", "open", "on hold"]
    static let closedStates = ["resolved", "closed", "invalid", "duplicate", "wontfix"]

    /// The kind a label names, if any.
    static func kind(from labels: [String]) -> String? {
        labels.lazy.map { $0.lowercased() }.first { kinds.contains($0) }
    }

    /// The first label that names an existing component, in the repository's spelling.
    static func component(from labels: [String], in components: [String]) -> BitbucketIssueBody.Named? {
        for label in labels {
            if let name = components.first(where: { $0.lowercased() == label.lowercased() }) {
                return .init(name: name)
            }
        }
        return nil
    }

    /// Hidden HTML comments become link reference definitions, which Bitbucket's Markdown never shows.
    static func outgoing(_ body: String) -> String {
        body.replacing(#/<!--\s*(ticket-master:[^\s>]+)\s*-->/#) { "[//]: # (\($0.1))" }
    }

    /// Link reference definitions that carry a marker become the HTML comments the rest of Ticket-Master reads.
    static func incoming(_ body: String) -> String {
        body.replacing(#/\[//\]:\s*#\s*\((ticket-master:[^\s)]+)\)/#) { "<!-- \($0.1) -->" }
    }

    /// Bitbucket's error bodies: `{"type": "error", "error": {"message": "…", "fields": {"title": ["…"]}}}`.
    @Sendable static func errorMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let error = object["error"] as? [String: Any]
        else { return nil }
        var message = error["message"] as? String ?? ""
        if let fields = error["fields"] as? [String: Any], !fields.isEmpty {
            let details = fields.keys.sorted().map { key in
                "\(key): " + ((fields[key] as? [String])?.joined(separator: ", ") ?? "\(fields[key] ?? "")")
            }
            message += (message.isEmpty ? "" : " (") + details.joined(separator: "; ") + (message.isEmpty ? "" : ")")
        }
        return message.isEmpty ? nil : message
    }
}

struct BitbucketLinks: Decodable {
    struct Link: Decodable { var href: String }
    var html: Link?
}

struct BitbucketContent: Codable {
    var raw: String
    var markup = "markdown"

    init(raw: String) { self.raw = raw }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        raw = try container.decodeIfPresent(String.self, forKey: .raw) ?? ""
        markup = try container.decodeIfPresent(String.self, forKey: .markup) ?? "markdown"
    }
}

struct BitbucketPage<Value: Decodable>: Decodable {
    var values: [Value]
    var next: String?
}

/// What filing or updating sends; fields left nil are not sent.
struct BitbucketIssueBody: Encodable {
    struct Named: Encodable { var name: String }

    var title: String?
    var content: BitbucketContent?
    var kind: String?
    var component: Named?
    var state: String?
}

struct BitbucketIssue: Decodable {
    struct Named: Decodable { var name: String }
    struct User: Decodable {
        var nickname: String?
        var displayName: String?

        enum CodingKeys: String, CodingKey {
            case nickname
            case displayName = "display_name"
        }
    }

    var id: Int
    var title: String
    var content: BitbucketContent?
    var state: String
    var kind: String?
    var component: Named?
    var assignee: User?
    var links: BitbucketLinks?
    var createdOn: Date?
    var updatedOn: Date?

    enum CodingKeys: String, CodingKey {
        case id, title, content, state, kind, component, assignee, links
        case createdOn = "created_on"
        case updatedOn = "updated_on"
    }

    var tracked: TrackedIssue {
        let closed = BitbucketTracker.closedStates.contains(state)
        let reason: IssueCloseReason? =
            switch state {
            case "resolved", "closed": .completed
            case "invalid", "duplicate", "wontfix": .notPlanned
            default: nil
            }
        return TrackedIssue(
            number: id, url: links?.html?.href ?? "", title: title,
            body: BitbucketTracker.incoming(content?.raw ?? ""),
            labels: [kind, component?.name].compactMap { $0 }, state: closed ? .closed : .open,
            assignees: [assignee?.nickname].compactMap { $0 }, createdAt: createdOn, updatedAt: updatedOn,
            closeReason: reason)
    }
}
