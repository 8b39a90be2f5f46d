import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// GitLab.com and self-managed GitLab, through REST API v4 (`PRIVATE-TOKEN`, projects by URL-encoded path,
/// labels as a comma-separated string, `X-Next-Page` pagination).
public struct GitLabTracker: IssueTracker {
    public var kind: TrackerKind { .gitlab }
    public var repositoryPath: String { projectPath }

    /// `https://gitlab.com/api/v4`.
    public static let defaultAPIRoot = URL(string: "https://gitlab.com/api/v4") ?? URL(fileURLWithPath: "/")

    /// The project's full path, `group/subgroup/name`.
    public let projectPath: String
    let client: APIClient

    /// Creates a tracker for the project at `projectPath`; `apiRoot` is `https://HOST/api/v4`.
    public init(
        projectPath: String, token: AccessToken, apiRoot: URL = GitLabTracker.defaultAPIRoot,
        httpClient: HTTPClient = .trackers, pacer: RequestPacer = RequestPacer(),
        options: TrackerOptions = TrackerOptions(), logger: Logger = Logger(label: "ticket-master.gitlab")
    ) {
        self.projectPath = projectPath
        client = APIClient(
            root: apiRoot, token: token,
            headers: [("Accept", "application/json"), ("PRIVATE-TOKEN", token.secret)],
            vocabulary: APIClient.Vocabulary(
                service: "GitLab",
                unauthorizedRemedy:
                    "create a personal access token with the `api` scope (User settings → Access tokens) and set "
                    + "GITLAB_TOKEN or the configuration's token",
                forbiddenRemedy: "the token's account needs at least the Reporter role in \(projectPath)",
                errorMessage: Self.errorMessage),
            httpClient: httpClient, pacer: pacer, options: options, logger: logger)
    }

    /// `/projects/group%2Fname`: GitLab takes the path as one URL-encoded segment.
    private var project: String { "/projects/\(APIClient.encode(projectPath))" }

    public func currentUser() async throws -> TrackerUser {
        struct User: Decodable {
            var username: String
            var name: String?
        }
        let user = try client.decode(
            User.self, from: try await client.send(.GET, client.url("/user")), what: "the user")
        return TrackerUser(login: user.username, name: user.name)
    }

    public func repository() async throws -> RepositoryInfo {
        struct Project: Decodable {
            struct Access: Decodable {
                var accessLevel: Int

                enum CodingKeys: String, CodingKey { case accessLevel = "access_level" }
            }

            struct Permissions: Decodable {
                var projectAccess: Access?
                var groupAccess: Access?

                enum CodingKeys: String, CodingKey {
                    case projectAccess = "project_access"
                    case groupAccess = "group_access"
                }
            }

            var pathWithNamespace: String
            var webURL: String
            var visibility: String?
            var issuesEnabled: Bool?
            var permissions: Permissions?

            enum CodingKeys: String, CodingKey {
                case pathWithNamespace = "path_with_namespace"
                case webURL = "web_url"
                case visibility
                case issuesEnabled = "issues_enabled"
                case permissions
            }
        }
        let project = try client.decode(
            Project.self, from: try await client.send(.GET, client.url(self.project)), what: "the project")
        // Guest 10, Planner 15, Reporter 20, Developer 30, Maintainer 40, Owner 50.
        let level = max(
            project.permissions?.projectAccess?.accessLevel ?? 0, project.permissions?.groupAccess?.accessLevel ?? 0)
        return RepositoryInfo(
            fullName: project.pathWithNamespace, url: project.webURL, isPrivate: project.visibility != "public",
            hasIssues: project.issuesEnabled ?? true,
            permissions: RepositoryPermissions(
                canRead: level >= 10, canTriage: level >= 20, canPush: level >= 30, isAdmin: level >= 40))
    }

    public func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        var query = [
            ("state", state == .open ? "opened" : state.rawValue), ("order_by", "created_at"), ("sort", "asc"),
        ]
        if let since { query.append(("updated_after", APIClient.format(since))) }
        return try await pages(query, limit: limit)
    }

    public func labels() async throws -> [IssueLabel] {
        var labels: [IssueLabel] = []
        var page = 1
        while true {
            let response = try await client.send(
                .GET, client.url(project + "/labels", query: [("per_page", "100"), ("page", "\(page)")]))
            labels += try client.decode([GitLabLabel].self, from: response, what: "a page of labels").map(\.label)
            guard let next = response.header("x-next-page").flatMap(Int.init) else { return labels }
            page = next
        }
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
            .POST, client.url(project + "/labels"), body: body, retriesServerErrors: true)
        return try client.decode(GitLabLabel.self, from: response, what: "the new label").label
    }

    public func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        struct Body: Encodable {
            var title: String
            var description: String
            var labels: String
            var assigneeIDs: [Int]?
            var milestoneID: Int?

            enum CodingKeys: String, CodingKey {
                case title, description, labels
                case assigneeIDs = "assignee_ids"
                case milestoneID = "milestone_id"
            }
        }
        try issue.validate()
        let assignees = try await userIDs(issue.assignees)
        let body = Body(
            title: issue.title, description: issue.bodyWithMarker, labels: issue.labels.joined(separator: ","),
            assigneeIDs: assignees.isEmpty ? nil : assignees, milestoneID: issue.milestone)
        return try await fileIdempotently(issue, lookback: client.options.closedIssueLookback, pacer: client.pacer) {
            let response = try await client.send(
                .POST, client.url(project + "/issues"), body: body, retriesServerErrors: false)
            return try client.decode(GitLabIssue.self, from: response, what: "the new issue").tracked
        }
    }

    public func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        struct Body: Encodable {
            var title: String?
            var description: String?
            var labels: String?
            var assigneeIDs: [Int]?
            var stateEvent: String?

            enum CodingKeys: String, CodingKey {
                case title, description, labels
                case assigneeIDs = "assignee_ids"
                case stateEvent = "state_event"
            }
        }
        var assignees: [Int]?
        if let names = update.assignees { assignees = try await userIDs(names) }
        let body = Body(
            title: update.title, description: update.body, labels: update.labels?.joined(separator: ","),
            assigneeIDs: assignees, stateEvent: update.state.map { $0 == .closed ? "close" : "reopen" })
        let response = try await client.send(.PUT, client.url(project + "/issues/\(number)"), body: body)
        return try client.decode(GitLabIssue.self, from: response, what: "the updated issue").tracked
    }

    public func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        struct Body: Encodable { var body: String }
        struct Note: Decodable {
            var id: Int
            var body: String?
        }
        let response = try await client.send(
            .POST, client.url(project + "/issues/\(number)/notes"), body: Body(body: body))
        let note = try client.decode(Note.self, from: response, what: "the new comment")
        return IssueComment(id: note.id, url: nil, body: note.body ?? body)
    }

    /// Searches descriptions for the fingerprint (GitLab's issue search reads the database, so it sees new issues),
    /// then falls back to listing.
    public func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        let wanted = FingerprintMarker.normalized(fingerprint)
        let hits = try await pages([("search", wanted), ("in", "description"), ("state", "all")], limit: 100)
        if let hit = hits.filter({ $0.fingerprint == wanted }).min(by: { $0.number < $1.number }) { return hit }
        return try await findIssueByListing(withFingerprint: wanted, lookback: client.options.closedIssueLookback)
    }

    private func pages(_ query: [(String, String)], limit: Int) async throws -> [TrackedIssue] {
        var collected: [TrackedIssue] = []
        var page = 1
        while collected.count < limit {
            let url = client.url(project + "/issues", query: query + [("per_page", "100"), ("page", "\(page)")])
            let response = try await client.send(.GET, url)
            collected += try client.decode([GitLabIssue].self, from: response, what: "a page of issues").map(\.tracked)
            guard let next = response.header("x-next-page").flatMap(Int.init) else { break }
            page = next
        }
        return Array(collected.prefix(limit))
    }

    private func userIDs(_ usernames: [String]) async throws -> [Int] {
        struct User: Decodable { var id: Int }
        var ids: [Int] = []
        for username in usernames {
            let response = try await client.send(.GET, client.url("/users", query: [("username", username)]))
            guard let user = try client.decode([User].self, from: response, what: "users").first else {
                throw TrackerError(.validationFailed, "GitLab has no user \(username) to assign")
            }
            ids.append(user.id)
        }
        return ids
    }

    /// GitLab's error bodies: `{"message": "…"}`, `{"message": {"field": ["problem"]}}` or `{"error": "…"}`.
    @Sendable static func errorMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let message = object["message"] as? String { return message }
        if let fields = object["message"] as? [String: Any] {
            return fields.keys.sorted().map { key in
                let problems = (fields[key] as? [String])?.joined(separator: ", ") ?? "\(fields[key] ?? "")"
                return "\(key) \(problems)"
            }.joined(separator: "; ")
        }
        return object["error"] as? String
    }
}

struct GitLabLabel: Decodable {
    var name: String
    var color: String
    var description: String?

    var label: IssueLabel {
        IssueLabel(
            name: name, color: color.trimmingCharacters(in: CharacterSet(charactersIn: "#")), description: description)
    }
}

struct GitLabIssue: Decodable {
    struct User: Decodable { var username: String }

    var iid: Int
    var webURL: String
    var title: String
    var description: String?
    var state: String
    var labels: [String]
    var assignees: [User]?
    var createdAt: Date?
    var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case iid, title, description, state, labels, assignees
        case webURL = "web_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    var tracked: TrackedIssue {
        TrackedIssue(
            number: iid, url: webURL, title: title, body: description ?? "", labels: labels,
            state: state == "closed" ? .closed : .open, assignees: (assignees ?? []).map(\.username),
            createdAt: createdAt, updatedAt: updatedAt)
    }
}
