import Foundation
import Synchronization

/// A loopback server that reproduces GitLab's documented REST v4 wire format for issues and labels:
/// `PRIVATE-TOKEN` auth, projects addressed by URL-encoded path, labels as a comma-separated string, `X-Next-Page`
/// pagination, `state_event`, notes, and 429 with `Retry-After`. GitLab cannot run here, so this is its stand-in.
public final class GitLabTestServer: Sendable {
    /// An issue as the server stores it.
    public struct StoredIssue: Sendable {
        /// The project-scoped number.
        public var iid: Int
        /// The title.
        public var title: String
        /// The description.
        public var description: String
        /// `opened` or `closed`.
        public var state: String
        /// Label names.
        public var labels: [String]
        /// Usernames assigned.
        public var assignees: [String]
        /// Notes (comments).
        public var notes: [String]
        var createdAt: Date
        var updatedAt: Date
    }

    private struct Label {
        var id: Int
        var name: String
        var color: String
        var description: String?
    }

    private struct Project {
        var id: Int
        var path: String
        var accessLevel: Int
        var labels: [Label] = []
        var issues: [StoredIssue] = []
    }

    private struct State {
        var projects: [String: Project] = [:]
        var requests: [LoopbackRequest] = []
        var rateLimited = 0
        var retryAfter = 1
        var nextID = 100
    }

    private final class Storage: Sendable {
        let state = Mutex(State())
    }

    /// The token the server accepts.
    public let token: String
    private let storage = Storage()
    private let server: LoopbackServer
    private static let users = ["tm-bot": 1, "alice": 2]

    /// Starts a server that accepts `token`.
    public init(token: String) async throws {
        let storage = self.storage
        self.token = token
        let host = LockedURL()
        server = try await LoopbackServer.start { request in
            let reply = Self.handle(request, token: token, storage: storage, host: host.value)
            return reply.response
        }
        host.value = server.baseURL
    }

    /// The API root, `http://127.0.0.1:PORT/api/v4`.
    public var apiRoot: URL { URL(string: server.baseURL + "/api/v4") ?? URL(fileURLWithPath: "/") }

    /// Creates a project at `path` (`group/name`); `accessLevel` is the token's role (20 Reporter, 30 Developer …);
    /// `issues` open issues titled "Issue 1" … are filed in it.
    public func createProject(_ path: String, accessLevel: Int = 40, labels: [String] = [], issues: Int = 0) {
        storage.state.withLock { state in
            var project = Project(id: state.nextID, path: path, accessLevel: accessLevel)
            state.nextID += 1
            for name in labels {
                project.labels.append(Label(id: state.nextID, name: name, color: "#428bca"))
                state.nextID += 1
            }
            let start = Date(timeIntervalSinceNow: -Double(issues) - 60)
            for number in stride(from: 1, through: issues, by: 1) {
                let date = start.addingTimeInterval(Double(number))
                project.issues.append(
                    StoredIssue(
                        iid: number, title: "Issue \(number)", description: "", state: "opened", labels: [],
                        assignees: [], notes: [], createdAt: date, updatedAt: date))
            }
            state.projects[path] = project
        }
    }

    /// Answers the next `count` requests with 429 and `Retry-After: retryAfter`.
    public func rateLimitNext(_ count: Int, retryAfter: Int) {
        storage.state.withLock { state in
            state.rateLimited = count
            state.retryAfter = retryAfter
        }
    }

    /// The issues of the project at `path`.
    public func issues(in path: String) -> [StoredIssue] {
        storage.state.withLock { $0.projects[path]?.issues ?? [] }
    }

    /// Every request received, in order.
    public var requests: [LoopbackRequest] { storage.state.withLock { $0.requests } }

    /// Stops the server.
    public func stop() async { await server.shutdown() }

    private static func handle(
        _ request: LoopbackRequest, token: String, storage: Storage, host: String
    ) -> TrackerTestReply {
        storage.state.withLock { state in
            state.requests.append(request)
            guard request.headers["private-token"] == token else {
                return .json(401, ["message": "401 Unauthorized"])
            }
            if state.rateLimited > 0 {
                state.rateLimited -= 1
                let reset = Int(Date().timeIntervalSince1970) + state.retryAfter
                return TrackerTestReply(
                    status: 429,
                    headers: [
                        ("Content-Type", "text/plain"), ("Retry-After", "\(state.retryAfter)"),
                        ("RateLimit-Limit", "600"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", "\(reset)"),
                    ], body: Data("Retry later".utf8))
            }
            return route(request, state: &state, host: host)
        }
    }

    private static func route(
        _ request: LoopbackRequest, state: inout State, host: String
    )
        -> TrackerTestReply
    {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, parts[1] == "api", parts[2] == "v4" else { return notFound("404 Not Found") }
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        switch (request.method, Array(parts.dropFirst(3))) {
        case ("GET", ["user"]):
            return .json(200, user("tm-bot", host: host))
        case ("GET", ["users"]):
            let name = request.query["username"] ?? ""
            return .json(200, users[name] == nil ? [] : [user(name, host: host)])
        default: break
        }
        // The project id is one segment: a path must arrive URL-encoded (`group%2Fname`), as GitLab requires.
        guard parts[3] == "projects", parts.count >= 5,
            let path = parts[4].removingPercentEncoding, var project = state.projects[path]
        else { return notFound("404 Project Not Found") }
        var rest = Array(parts.dropFirst(5))
        let number = rest.count >= 2 && rest[0] == "issues" ? rest[1] : ""
        if !number.isEmpty { rest[1] = ":iid" }
        defer { state.projects[path] = project }
        switch (request.method, rest) {
        case ("GET", []):
            return .json(
                200,
                [
                    "id": project.id, "path_with_namespace": project.path, "web_url": "\(host)/\(project.path)",
                    "visibility": "private", "issues_enabled": true,
                    "permissions": [
                        "project_access": ["access_level": project.accessLevel, "notification_level": 3],
                        "group_access": NSNull(),
                    ],
                ])
        case ("GET", ["labels"]):
            let all = project.labels.map { labelJSON($0) }
            return paginate(all, request: request)
        case ("POST", ["labels"]):
            guard project.accessLevel >= 30 else { return .json(403, ["message": "403 Forbidden"]) }
            guard let name = body["name"] as? String, !name.isEmpty else {
                return .json(400, ["error": "name is missing"])
            }
            guard let color = body["color"] as? String, color.wholeMatch(of: /#[0-9A-Fa-f]{6}/) != nil else {
                return .json(400, ["message": ["color": ["must be a valid color code"]]])
            }
            if project.labels.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                return .json(409, ["message": "Label already exists"])
            }
            let label = Label(id: state.nextID, name: name, color: color, description: body["description"] as? String)
            state.nextID += 1
            project.labels.append(label)
            return .json(201, labelJSON(label))
        case ("GET", ["issues"]):
            var issues = project.issues
            let wanted = request.query["state"] ?? "all"
            if wanted != "all" { issues = issues.filter { $0.state == wanted } }
            if let after = request.query["updated_after"].flatMap({ try? Date($0, strategy: .iso8601) }) {
                issues = issues.filter { $0.updatedAt >= after }
            }
            if let search = request.query["search"]?.lowercased(), !search.isEmpty {
                let fields = (request.query["in"] ?? "title,description").split(separator: ",")
                issues = issues.filter { issue in
                    (fields.contains("title") && issue.title.lowercased().contains(search))
                        || (fields.contains("description") && issue.description.lowercased().contains(search))
                }
            }
            issues.sort { $0.createdAt < $1.createdAt }
            if request.query["sort"] ?? "desc" == "desc" { issues.reverse() }
            return paginate(issues.map { issueJSON($0, project: project, host: host) }, request: request)
        case ("POST", ["issues"]):
            guard let title = body["title"] as? String, !title.isEmpty else {
                return .json(400, ["error": "title is missing"])
            }
            if body["labels"] != nil, !(body["labels"] is String) {
                return .json(400, ["error": "labels is invalid"])
            }
            let now = Date()
            var issue = StoredIssue(
                iid: (project.issues.map(\.iid).max() ?? 0) + 1, title: title,
                description: body["description"] as? String ?? "", state: "opened", labels: [], assignees: [],
                notes: [], createdAt: now, updatedAt: now)
            // Reporters and above may label; labels that do not exist are created, as GitLab does.
            if project.accessLevel >= 20, let labels = body["labels"] as? String {
                issue.labels = applyLabels(labels, to: &project, nextID: &state.nextID)
            }
            let ids = body["assignee_ids"] as? [Int] ?? []
            issue.assignees = users.filter { ids.contains($0.value) }.map(\.key).sorted()
            project.issues.append(issue)
            return .json(201, issueJSON(issue, project: project, host: host))
        case ("PUT", ["issues", ":iid"]):
            guard let index = project.issues.firstIndex(where: { "\($0.iid)" == number }) else {
                return notFound("404 Not found")
            }
            if let title = body["title"] as? String { project.issues[index].title = title }
            if let description = body["description"] as? String { project.issues[index].description = description }
            if let labels = body["labels"] as? String {
                project.issues[index].labels = applyLabels(labels, to: &project, nextID: &state.nextID)
            }
            switch body["state_event"] as? String {
            case "close": project.issues[index].state = "closed"
            case "reopen": project.issues[index].state = "opened"
            default: break
            }
            project.issues[index].updatedAt = Date()
            return .json(200, issueJSON(project.issues[index], project: project, host: host))
        case ("POST", ["issues", ":iid", "notes"]):
            guard let index = project.issues.firstIndex(where: { "\($0.iid)" == number }) else {
                return notFound("404 Not found")
            }
            guard let text = body["body"] as? String else { return .json(400, ["error": "body is missing"]) }
            project.issues[index].notes.append(text)
            state.nextID += 1
            return .json(201, ["id": state.nextID, "body": text, "noteable_iid": project.issues[index].iid])
        default:
            return notFound("404 Not Found")
        }
    }

    private static func applyLabels(_ list: String, to project: inout Project, nextID: inout Int) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            name in
            if let existing = project.labels.first(where: { $0.name.lowercased() == name.lowercased() }) {
                return existing.name
            }
            project.labels.append(Label(id: nextID, name: name, color: "#6699cc"))
            nextID += 1
            return name
        }
    }

    private static func paginate(
        _ items: [Any], request: LoopbackRequest
    )
        -> TrackerTestReply
    {
        let perPage = min(max(Int(request.query["per_page"] ?? "20") ?? 20, 1), 100)
        let page = max(Int(request.query["page"] ?? "1") ?? 1, 1)
        let pages = max(1, (items.count + perPage - 1) / perPage)
        let slice = Array(items.dropFirst((page - 1) * perPage).prefix(perPage))
        return .json(
            200, slice,
            headers: [
                ("X-Page", "\(page)"), ("X-Per-Page", "\(perPage)"), ("X-Total", "\(items.count)"),
                ("X-Total-Pages", "\(pages)"), ("X-Next-Page", page < pages ? "\(page + 1)" : ""),
                ("X-Prev-Page", page > 1 ? "\(page - 1)" : ""),
            ])
    }

    private static func notFound(_ message: String) -> TrackerTestReply {
        .json(404, ["message": message])
    }

    private static func user(_ name: String, host: String) -> [String: Any] {
        ["id": users[name] ?? 0, "username": name, "name": name, "state": "active", "web_url": "\(host)/\(name)"]
    }

    private static func labelJSON(_ label: Label) -> [String: Any] {
        [
            "id": label.id, "name": label.name, "color": label.color, "text_color": "#FFFFFF",
            "description": label.description ?? NSNull(),
        ]
    }

    private static func issueJSON(_ issue: StoredIssue, project: Project, host: String) -> [String: Any] {
        let formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return [
            "id": project.id * 1000 + issue.iid, "iid": issue.iid, "project_id": project.id, "title": issue.title,
            "description": issue.description, "state": issue.state, "labels": issue.labels,
            "assignees": issue.assignees.map { user($0, host: host) },
            "author": user("tm-bot", host: host),
            "web_url": "\(host)/\(project.path)/-/issues/\(issue.iid)",
            "created_at": issue.createdAt.formatted(formatter), "updated_at": issue.updatedAt.formatted(formatter),
            "closed_at": issue.state == "closed" ? issue.updatedAt.formatted(formatter) : NSNull(),
        ]
    }
}
