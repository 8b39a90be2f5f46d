import Foundation
import Synchronization

/// A loopback server that reproduces Bitbucket Cloud's documented REST 2.0 wire format for issues: Bearer (access
/// token) and Basic (API token, app password) auth, `{"type": "error", "error": {…}}` bodies, paged results with an
/// absolute `next` link, a subset of the query language (`state="…" OR …`, `updated_on>=…`), kinds and components
/// instead of labels, `content.raw`, comments, and 429 with `Retry-After`. Bitbucket cannot run here, so this is its
/// stand-in.
public final class BitbucketTestServer: Sendable {
    /// An issue as the server stores it.
    public struct StoredIssue: Sendable {
        /// The number.
        public var id: Int
        /// The title.
        public var title: String
        /// `content.raw`.
        public var raw: String
        /// `new`, `open`, `resolved`, `on hold`, `invalid`, `duplicate`, `wontfix` or `closed`.
        public var state: String
        /// `bug`, `enhancement`, `proposal` or `task`.
        public var kind: String
        /// The component's name, if any.
        public var component: String?
        /// The comments' raw text, oldest first.
        public var comments: [String]
        var createdOn: Date
        var updatedOn: Date
    }

    private struct Repository {
        var workspace: String
        var slug: String
        var permission: String
        var hasIssues: Bool
        var components: [String]
        var issues: [StoredIssue] = []
    }

    private struct State {
        var repositories: [String: Repository] = [:]
        var requests: [LoopbackRequest] = []
        var rateLimited = 0
        var retryAfter = 1
        var nextCommentID = 1
    }

    private final class Storage: Sendable {
        let state = Mutex(State())
    }

    /// The access token the server accepts as `Bearer`.
    public let token: String
    /// The account and API token the server accepts as HTTP Basic.
    public let basicCredentials: (user: String, secret: String)
    private let storage = Storage()
    private let server: LoopbackServer

    /// Starts a server that accepts `token` as a Bearer token and `email:apiToken` as Basic credentials.
    public init(token: String, email: String = "bot@example.com", apiToken: String = "ATATT-basic-secret") async throws
    {
        let storage = self.storage
        self.token = token
        basicCredentials = (email, apiToken)
        let basic = "Basic " + Data("\(email):\(apiToken)".utf8).base64EncodedString()
        let host = LockedURL()
        server = try await LoopbackServer.start { request in
            let reply = Self.handle(
                request, bearer: "Bearer \(token)", basic: basic, storage: storage, host: host.value)
            return reply.response
        }
        host.value = server.baseURL
    }

    /// The API root, `http://127.0.0.1:PORT/2.0`.
    public var apiRoot: URL { URL(string: server.baseURL + "/2.0") ?? URL(fileURLWithPath: "/") }

    /// Creates `workspace/slug`, where the Basic account has `permission` (`read`, `write` or `admin`) and the
    /// issue tracker has `components`; `issues` open issues titled "Issue 1" … are filed in it.
    public func createRepository(
        _ path: String, permission: String = "write", hasIssues: Bool = true, components: [String] = [],
        issues: Int = 0
    ) {
        let parts = path.split(separator: "/").map(String.init)
        storage.state.withLock { state in
            var repository = Repository(
                workspace: parts[0], slug: parts[1], permission: permission, hasIssues: hasIssues,
                components: components)
            let start = Date(timeIntervalSinceNow: -Double(issues) - 60)
            for number in stride(from: 1, through: issues, by: 1) {
                let date = start.addingTimeInterval(Double(number))
                repository.issues.append(
                    StoredIssue(
                        id: number, title: "Issue \(number)", raw: "", state: "new", kind: "bug", component: nil,
                        comments: [], createdOn: date, updatedOn: date))
            }
            state.repositories[path.lowercased()] = repository
        }
    }

    /// Answers the next `count` requests with 429 and `Retry-After: retryAfter`.
    public func rateLimitNext(_ count: Int, retryAfter: Int) {
        storage.state.withLock { state in
            state.rateLimited = count
            state.retryAfter = retryAfter
        }
    }

    /// The issues of `workspace/slug`.
    public func issues(in path: String) -> [StoredIssue] {
        storage.state.withLock { $0.repositories[path.lowercased()]?.issues ?? [] }
    }

    /// Every request received, in order.
    public var requests: [LoopbackRequest] { storage.state.withLock { $0.requests } }

    /// Stops the server.
    public func stop() async { await server.shutdown() }

    private static func handle(
        _ request: LoopbackRequest, bearer: String, basic: String, storage: Storage, host: String
    ) -> TrackerTestReply {
        storage.state.withLock { state in
            state.requests.append(request)
            let authorization = request.headers["authorization"] ?? ""
            guard authorization == bearer || authorization == basic else {
                return .bitbucketError(401, "Token is invalid, expired, or not supported for this endpoint.")
            }
            if state.rateLimited > 0 {
                state.rateLimited -= 1
                return .tooManyRequests(
                    retryAfter: state.retryAfter, contentType: "text/plain",
                    body: "Rate limit for this resource has been exceeded")
            }
            return route(request, state: &state, isBasic: authorization == basic, host: host)
        }
    }

    private static func route(
        _ request: LoopbackRequest, state: inout State, isBasic: Bool, host: String
    ) -> TrackerTestReply {
        let parts = request.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard parts.first == "2.0" else { return .bitbucketError(404, "Resource not found") }
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        switch (request.method, Array(parts.dropFirst())) {
        case ("GET", ["user"]):
            return .json(200, userJSON(isBasic ? "tm-bot" : "repository-token"))
        case ("GET", ["user", "permissions", "repositories"]):
            guard isBasic else { return .bitbucketError(403, "This API is not accessible using an access token.") }
            let wanted = request.query["q"]?.firstMatch(of: /repository\.full_name="([^"]+)"/).map { String($0.1) }
            let values = state.repositories.values.filter { wanted == nil || "\($0.workspace)/\($0.slug)" == wanted }
                .map { ["type": "repository_permission", "permission": $0.permission] as [String: Any] }
            return .json(200, ["pagelen": 10, "page": 1, "size": values.count, "values": values])
        default: break
        }
        guard parts.count >= 4, parts[1] == "repositories",
            var repository = state.repositories["\(parts[2])/\(parts[3])".lowercased()]
        else { return .bitbucketError(404, "Repository not found") }
        let key = "\(parts[2])/\(parts[3])".lowercased()
        defer { state.repositories[key] = repository }
        var rest = Array(parts.dropFirst(4))
        let number = rest.count >= 2 && rest[0] == "issues" ? Int(rest[1]) : nil
        if rest.count >= 2, rest[0] == "issues" { rest[1] = ":id" }
        let canWrite = repository.permission != "read"
        switch (request.method, rest) {
        case ("GET", []):
            return .json(
                200,
                [
                    "type": "repository", "full_name": "\(repository.workspace)/\(repository.slug)",
                    "is_private": true, "has_issues": repository.hasIssues,
                    "links": ["html": ["href": "\(host)/\(repository.workspace)/\(repository.slug)"]],
                ])
        case ("GET", ["components"]):
            guard repository.hasIssues else { return .bitbucketError(404, "Repository has no issue tracker.") }
            let values = repository.components.enumerated().map {
                ["type": "component", "id": $0.offset + 1, "name": $0.element] as [String: Any]
            }
            return page(values, request: request, host: host)
        case ("GET", ["issues"]):
            guard repository.hasIssues else { return .bitbucketError(404, "Repository has no issue tracker.") }
            var issues = repository.issues
            if let query = request.query["q"] {
                guard let filter = Self.filter(query) else {
                    return .bitbucketError(400, "Invalid query: \(query)")
                }
                issues = issues.filter(filter)
            }
            switch request.query["sort"] ?? "id" {
            case "id": issues.sort { $0.id < $1.id }
            case "-id": issues.sort { $0.id > $1.id }
            case "created_on": issues.sort { $0.createdOn < $1.createdOn }
            default: return .bitbucketError(400, "Invalid sort field")
            }
            let values = issues.map { issueJSON($0, repository: repository, host: host) }
            return page(values, request: request, host: host)
        case ("POST", ["issues"]):
            guard repository.hasIssues else { return .bitbucketError(404, "Repository has no issue tracker.") }
            guard canWrite else { return .bitbucketError(403, "You do not have permission to create issues.") }
            guard let title = body["title"] as? String, !title.isEmpty else {
                return .bitbucketError(400, "Bad request", fields: ["title": ["This field is required."]])
            }
            var issue = StoredIssue(
                id: (repository.issues.map(\.id).max() ?? 0) + 1, title: title, raw: "", state: "new", kind: "bug",
                component: nil, comments: [], createdOn: Date(), updatedOn: Date())
            if let problem = apply(body, to: &issue, repository: repository) { return problem }
            repository.issues.append(issue)
            return .json(201, issueJSON(issue, repository: repository, host: host))
        case ("PUT", ["issues", ":id"]):
            guard canWrite else { return .bitbucketError(403, "You do not have permission to edit this issue.") }
            guard let index = repository.issues.firstIndex(where: { $0.id == number }) else {
                return .bitbucketError(404, "Issue not found")
            }
            if let title = body["title"] as? String { repository.issues[index].title = title }
            if let problem = apply(body, to: &repository.issues[index], repository: repository) { return problem }
            repository.issues[index].updatedOn = Date()
            return .json(200, issueJSON(repository.issues[index], repository: repository, host: host))
        case ("POST", ["issues", ":id", "comments"]):
            guard let index = repository.issues.firstIndex(where: { $0.id == number }) else {
                return .bitbucketError(404, "Issue not found")
            }
            guard let raw = (body["content"] as? [String: Any])?["raw"] as? String else {
                return .bitbucketError(400, "Bad request", fields: ["content": ["This field is required."]])
            }
            repository.issues[index].comments.append(raw)
            repository.issues[index].updatedOn = Date()
            let id = state.nextCommentID
            state.nextCommentID += 1
            let link = "\(host)/\(repository.workspace)/\(repository.slug)/issues/\(number ?? 0)#comment-\(id)"
            return .json(
                201,
                [
                    "type": "issue_comment", "id": id, "content": ["raw": raw, "markup": "markdown", "html": ""],
                    "links": ["html": ["href": link]],
                ])
        default:
            return .bitbucketError(404, "Resource not found")
        }
    }

    /// Applies content, kind, component and state from a request body; an error reply for a value Bitbucket
    /// refuses.
    private static func apply(
        _ body: [String: Any], to issue: inout StoredIssue, repository: Repository
    ) -> TrackerTestReply? {
        if let content = body["content"] as? [String: Any] { issue.raw = content["raw"] as? String ?? issue.raw }
        if let kind = body["kind"] as? String {
            guard ["bug", "enhancement", "proposal", "task"].contains(kind) else {
                return .bitbucketError(400, "Bad request", fields: ["kind": ["\"\(kind)\" is not a valid choice."]])
            }
            issue.kind = kind
        }
        if let component = (body["component"] as? [String: Any])?["name"] as? String {
            guard repository.components.contains(component) else {
                return .bitbucketError(400, "Bad request", fields: ["component": ["Invalid component: \(component)"]])
            }
            issue.component = component
        }
        if let state = body["state"] as? String {
            let states = ["new", "open", "resolved", "on hold", "invalid", "duplicate", "wontfix", "closed"]
            guard states.contains(state) else {
                return .bitbucketError(400, "Bad request", fields: ["state": ["\"\(state)\" is not a valid choice."]])
            }
            issue.state = state
        }
        return nil
    }

    /// The query language subset: clauses joined by `AND`, each `field="value"` alternatives joined by `OR` (in
    /// parentheses) or `updated_on>=date`; nil for anything else, which Bitbucket answers with 400.
    static func filter(_ query: String) -> ((StoredIssue) -> Bool)? {
        var tests: [(StoredIssue) -> Bool] = []
        for clause in query.components(separatedBy: " AND ") {
            let trimmed = clause.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            if let match = trimmed.wholeMatch(of: /updated_on>=(\S+)/) {
                guard let date = try? Date(String(match.1), strategy: .iso8601) else { return nil }
                tests.append { $0.updatedOn >= date }
                continue
            }
            var states: [String] = []
            for alternative in trimmed.components(separatedBy: " OR ") {
                guard let match = alternative.wholeMatch(of: /state="([^"]+)"/) else { return nil }
                states.append(String(match.1))
            }
            tests.append { states.contains($0.state) }
        }
        return { issue in tests.allSatisfy { $0(issue) } }
    }

    private static func page(_ values: [[String: Any]], request: LoopbackRequest, host: String) -> TrackerTestReply {
        let size = min(max(Int(request.query["pagelen"] ?? "10") ?? 10, 1), 100)
        let number = max(Int(request.query["page"] ?? "1") ?? 1, 1)
        let slice = Array(values.dropFirst((number - 1) * size).prefix(size))
        var object: [String: Any] = ["pagelen": size, "page": number, "size": values.count, "values": slice]
        if number * size < values.count {
            var components = URLComponents(string: host + request.uri)
            var items = (components?.queryItems ?? []).filter { $0.name != "page" }
            items.append(URLQueryItem(name: "page", value: "\(number + 1)"))
            components?.queryItems = items
            object["next"] = components?.string
        }
        return .json(200, object)
    }

    private static func userJSON(_ nickname: String) -> [String: Any] {
        ["type": "user", "nickname": nickname, "display_name": nickname, "account_id": "5b10ac8d82e05b22cc7d4ef5"]
    }

    private static func issueJSON(_ issue: StoredIssue, repository: Repository, host: String) -> [String: Any] {
        let formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let html = "\(host)/\(repository.workspace)/\(repository.slug)/issues/\(issue.id)"
        return [
            "type": "issue", "id": issue.id, "title": issue.title,
            "content": ["raw": issue.raw, "markup": "markdown", "html": "", "type": "rendered"],
            "state": issue.state, "kind": issue.kind, "priority": "major",
            "component": issue.component.map { ["name": $0] } ?? NSNull(), "milestone": NSNull(),
            "assignee": NSNull(), "reporter": userJSON("tm-bot"), "votes": 0,
            "created_on": issue.createdOn.formatted(formatter), "updated_on": issue.updatedOn.formatted(formatter),
            "links": [
                "html": ["href": html],
                "self": [
                    "href": "\(host)/2.0/repositories/\(repository.workspace)/\(repository.slug)/issues/\(issue.id)"
                ],
            ],
        ]
    }
}

extension TrackerTestReply {
    /// Bitbucket's error body: `{"type": "error", "error": {"message": …, "fields": …}}`.
    static func bitbucketError(_ status: Int, _ message: String, fields: [String: [String]]? = nil) -> TrackerTestReply
    {
        var error: [String: Any] = ["message": message]
        if let fields { error["fields"] = fields }
        return json(status, ["type": "error", "error": error])
    }
}
