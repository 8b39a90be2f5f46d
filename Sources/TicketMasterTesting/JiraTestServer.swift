import Foundation
import Synchronization

/// A loopback server that reproduces Jira's documented REST wire formats for one project: Cloud's v3 (HTTP Basic
/// with an API token, descriptions and comments as Atlassian Documents, `/search/jql` paged by `nextPageToken`) or
/// Data Center's v2 (a Bearer personal access token, wiki-markup strings, `/search` paged by `startAt`); a subset
/// of JQL, labels without spaces, issue properties, a To Do → In Progress → Done workflow whose Done transition
/// asks for a resolution, `{"errorMessages": …, "errors": …}` bodies, and 429 with `Retry-After`. Jira cannot run
/// here, so this is its stand-in.
public final class JiraTestServer: Sendable {
    /// An issue as the server stores it.
    public struct StoredIssue: Sendable {
        /// `TM-1`.
        public var key: String
        /// The summary.
        public var summary: String
        /// The description as sent: an Atlassian Document (Cloud) or a wiki-markup string (Data Center).
        public var description: String
        /// The labels.
        public var labels: [String]
        /// `To Do`, `In Progress` or `Done`.
        public var status: String
        /// The resolution, once done.
        public var resolution: String?
        /// The `ticket-master` property's `evidence`, if set.
        public var evidence: String?
        /// The comments' bodies as sent.
        public var comments: [String]
        var created: Date
        var updated: Date
    }

    private struct State {
        var project = "TM"
        var canCreate = true
        var issues: [StoredIssue] = []
        var requests: [LoopbackRequest] = []
        var rateLimited = 0
        var retryAfter = 1
    }

    private final class Storage: Sendable {
        let state = Mutex(State())
    }

    /// Whether the server speaks Cloud's v3 (else Data Center's v2).
    public let cloud: Bool
    /// The credential it accepts: `email:token` for Cloud, a personal access token for Data Center.
    public let credential: String
    private let storage = Storage()
    private let server: LoopbackServer

    /// Starts a Cloud (`cloud`) or Data Center server accepting `credential`.
    public init(cloud: Bool, credential: String) async throws {
        let storage = self.storage
        self.cloud = cloud
        self.credential = credential
        let expected =
            cloud ? "Basic " + Data(credential.utf8).base64EncodedString() : "Bearer \(credential)"
        let host = LockedURL()
        server = try await LoopbackServer.start { request in
            let reply = Self.handle(request, cloud: cloud, expected: expected, storage: storage, host: host.value)
            return reply.response
        }
        host.value = server.baseURL
    }

    /// The site, `http://127.0.0.1:PORT`.
    public var site: URL { URL(string: server.baseURL) ?? URL(fileURLWithPath: "/") }

    /// Sets up project `key`, where the account may or may not create issues, with `issues` open issues.
    public func createProject(_ key: String, canCreate: Bool = true, issues: Int = 0) {
        storage.state.withLock { state in
            state.project = key
            state.canCreate = canCreate
            let start = Date(timeIntervalSinceNow: -Double(issues) - 60)
            state.issues = (0..<issues).map { index in
                let date = start.addingTimeInterval(Double(index))
                return StoredIssue(
                    key: "\(key)-\(index + 1)", summary: "Issue \(index + 1)", description: "", labels: [],
                    status: "To Do", resolution: nil, evidence: nil, comments: [], created: date, updated: date)
            }
        }
    }

    /// Answers the next `count` requests with 429 and `Retry-After: retryAfter`.
    public func rateLimitNext(_ count: Int, retryAfter: Int) {
        storage.state.withLock { state in
            state.rateLimited = count
            state.retryAfter = retryAfter
        }
    }

    /// The project's issues.
    public var issues: [StoredIssue] { storage.state.withLock { $0.issues } }

    /// Every request received, in order.
    public var requests: [LoopbackRequest] { storage.state.withLock { $0.requests } }

    /// Stops the server.
    public func stop() async { await server.shutdown() }

    private static func handle(
        _ request: LoopbackRequest, cloud: Bool, expected: String, storage: Storage, host: String
    ) -> TrackerTestReply {
        storage.state.withLock { state in
            state.requests.append(request)
            guard request.headers["authorization"] == expected else {
                return .jiraError(
                    401, ["You are not authenticated. Authentication required to perform this operation."])
            }
            if state.rateLimited > 0 {
                state.rateLimited -= 1
                return .tooManyRequests(
                    retryAfter: state.retryAfter, contentType: "application/json",
                    body: #"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#)
            }
            return route(request, cloud: cloud, state: &state, host: host)
        }
    }

    private static func route(
        _ request: LoopbackRequest, cloud: Bool, state: inout State, host: String
    ) -> TrackerTestReply {
        let version = cloud ? "3" : "2"
        let prefix = "/rest/api/\(version)/"
        guard request.path.hasPrefix(prefix) else { return .jiraError(404, ["No such API: \(request.path)"]) }
        var parts = request.path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        let project = state.project
        // A key in the path matches as a placeholder, as route patterns do.
        let key = parts.count >= 2 && (parts[0] == "issue" || parts[0] == "project") ? parts[1] : ""
        if !key.isEmpty { parts[1] = ":key" }
        if parts.first == "issue", !key.isEmpty, !state.issues.contains(where: { $0.key == key }) {
            return .jiraError(404, ["Issue does not exist or you do not have permission to see it."])
        }
        switch (request.method, parts) {
        case ("GET", ["myself"]):
            return .json(
                200,
                cloud
                    ? [
                        "accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": "bot@example.com",
                        "displayName": "TM Bot",
                    ]
                    : ["name": "tm-bot", "displayName": "TM Bot"])
        case ("GET", ["project", ":key"]):
            guard key == project else { return .jiraError(404, ["No project could be found with key '\(key)'."]) }
            return .json(200, ["key": project, "name": "Ticket-Master", "id": "10000"])
        case ("GET", ["mypermissions"]):
            let granted = ["havePermission": state.canCreate]
            return .json(
                200,
                ["permissions": ["CREATE_ISSUES": granted, "EDIT_ISSUES": granted, "TRANSITION_ISSUES": granted]])
        case ("GET", ["label"]) where cloud:
            let labels = Set(state.issues.flatMap(\.labels)).sorted()
            return .json(
                200, ["values": labels, "isLast": true, "startAt": 0, "maxResults": 1000, "total": labels.count])
        case ("GET", ["search", "jql"]) where cloud, ("GET", ["search"]) where !cloud:
            guard let filter = Self.filter(request.query["jql"] ?? "", project: project) else {
                return .jiraError(400, ["Error in the JQL Query: \(request.query["jql"] ?? "")"])
            }
            let found = state.issues.filter(filter)
            let size = min(Int(request.query["maxResults"] ?? "50") ?? 50, 100)
            let start =
                cloud ? Int(request.query["nextPageToken"] ?? "0") ?? 0 : Int(request.query["startAt"] ?? "0") ?? 0
            let page = Array(found.dropFirst(start).prefix(size)).map { issueJSON($0, cloud: cloud, host: host) }
            if cloud {
                var object: [String: Any] = ["issues": page, "isLast": start + size >= found.count]
                if start + size < found.count { object["nextPageToken"] = "\(start + size)" }
                return .json(200, object)
            }
            return .json(200, ["issues": page, "startAt": start, "maxResults": size, "total": found.count])
        case ("POST", ["issue"]):
            guard state.canCreate else {
                return .jiraError(403, ["You do not have permission to create issues in this project."])
            }
            let fields = body["fields"] as? [String: Any] ?? [:]
            guard (fields["project"] as? [String: Any])?["key"] as? String == project else {
                return .jiraError(400, [], fields: ["project": "valid project is required"])
            }
            guard let summary = fields["summary"] as? String, !summary.isEmpty else {
                return .jiraError(400, [], fields: ["summary": "You must specify a summary of the issue."])
            }
            guard (fields["issuetype"] as? [String: Any])?["name"] as? String == "Task" else {
                return .jiraError(400, [], fields: ["issuetype": "The issue type selected is invalid."])
            }
            var issue = StoredIssue(
                key: "\(project)-\(state.issues.count + 1)", summary: summary, description: "", labels: [],
                status: "To Do", resolution: nil, evidence: nil, comments: [], created: Date(), updated: Date())
            if let problem = apply(fields, properties: body["properties"], to: &issue, cloud: cloud) { return problem }
            state.issues.append(issue)
            return .json(
                201,
                ["id": "\(10000 + state.issues.count)", "key": issue.key, "self": "\(host)\(prefix)issue/\(issue.key)"])
        case ("GET", ["issue", ":key"]):
            let issue = state.issues.first { $0.key == key }
            return .json(200, issue.map { issueJSON($0, cloud: cloud, host: host) } ?? [:])
        case ("PUT", ["issue", ":key"]):
            guard let index = state.issues.firstIndex(where: { $0.key == key }) else { return .jiraError(404, []) }
            let fields = body["fields"] as? [String: Any] ?? [:]
            if let summary = fields["summary"] as? String { state.issues[index].summary = summary }
            if let problem = apply(fields, properties: body["properties"], to: &state.issues[index], cloud: cloud) {
                return problem
            }
            state.issues[index].updated = Date()
            return TrackerTestReply(status: 204, headers: [], body: Data())
        case ("GET", ["issue", ":key", "transitions"]):
            let issue = state.issues.first { $0.key == key }
            let resolution: [String: Any] = [
                "required": true, "allowedValues": [["name": "Done"], ["name": "Won't Do"], ["name": "Duplicate"]],
            ]
            var transitions: [[String: Any]] = [
                ["id": "11", "name": "To Do", "to": ["name": "To Do", "statusCategory": ["key": "new"]]],
                [
                    "id": "21", "name": "In Progress",
                    "to": ["name": "In Progress", "statusCategory": ["key": "indeterminate"]],
                ],
                [
                    "id": "31", "name": "Done", "to": ["name": "Done", "statusCategory": ["key": "done"]],
                    "fields": ["resolution": resolution],
                ],
            ]
            transitions.removeAll { ($0["name"] as? String) == issue?.status }
            return .json(200, ["transitions": transitions])
        case ("POST", ["issue", ":key", "transitions"]):
            guard let index = state.issues.firstIndex(where: { $0.key == key }) else { return .jiraError(404, []) }
            let id = (body["transition"] as? [String: Any])?["id"] as? String
            let target = ["11": "To Do", "21": "In Progress", "31": "Done"][id ?? ""]
            guard let target, target != state.issues[index].status else {
                return .jiraError(400, ["Transition id '\(id ?? "")' is not valid for this issue."])
            }
            let resolution = ((body["fields"] as? [String: Any])?["resolution"] as? [String: Any])?["name"] as? String
            if target == "Done" {
                guard let resolution, ["Done", "Won't Do", "Duplicate"].contains(resolution) else {
                    return .jiraError(400, [], fields: ["resolution": "Resolution is required."])
                }
                state.issues[index].resolution = resolution
            } else {
                state.issues[index].resolution = nil
            }
            state.issues[index].status = target
            state.issues[index].updated = Date()
            return TrackerTestReply(status: 204, headers: [], body: Data())
        case ("POST", ["issue", ":key", "comment"]):
            guard let index = state.issues.firstIndex(where: { $0.key == key }) else { return .jiraError(404, []) }
            guard let text = richText(body["body"], cloud: cloud) else {
                return .jiraError(
                    400, [],
                    fields: ["comment": cloud ? "Comment body is not valid!" : "Comment body can not be empty!"])
            }
            state.issues[index].comments.append(text)
            state.issues[index].updated = Date()
            return .json(
                201,
                ["id": "\(20000 + state.issues[index].comments.count)", "self": "\(host)\(prefix)issue/\(key)/comment"])
        default:
            return .jiraError(404, ["No such resource: \(request.method) \(request.path)"])
        }
    }

    /// Description, labels and properties from a create or edit body; an error reply for what Jira refuses.
    private static func apply(
        _ fields: [String: Any], properties: Any?, to issue: inout StoredIssue, cloud: Bool
    ) -> TrackerTestReply? {
        if fields.keys.contains("description") {
            guard let text = richText(fields["description"], cloud: cloud) else {
                return .jiraError(
                    400, [],
                    fields: [
                        "description": cloud
                            ? "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
                            : "Operation value must be a string"
                    ])
            }
            issue.description = text
        }
        if let labels = fields["labels"] as? [String] {
            if let bad = labels.first(where: { $0.contains(" ") }) {
                return .jiraError(400, [], fields: ["labels": "The label '\(bad)' contains spaces which is invalid."])
            }
            issue.labels = labels
        }
        for property in properties as? [[String: Any]] ?? [] where property["key"] as? String == "ticket-master" {
            issue.evidence = (property["value"] as? [String: Any])?["evidence"] as? String
        }
        return nil
    }

    /// A rich-text value as stored: an Atlassian Document's JSON (Cloud) or the wiki string (Data Center); nil for
    /// the other shape.
    private static func richText(_ value: Any?, cloud: Bool) -> String? {
        if cloud {
            guard let document = value as? [String: Any], document["type"] as? String == "doc",
                document["version"] as? Int == 1, document["content"] is [Any],
                let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
            else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        return value as? String
    }

    /// The JQL this server understands: `project = "KEY"`, `statusCategory = Done` or `!= Done`, `labels = "x"`,
    /// `updated >= -Nm`, joined by `AND`, with `ORDER BY created ASC`.
    static func filter(_ jql: String, project: String) -> ((StoredIssue) -> Bool)? {
        var query = jql
        if let order = query.range(of: " ORDER BY ") {
            guard query[order.upperBound...] == "created ASC" else { return nil }
            query = String(query[..<order.lowerBound])
        }
        var tests: [(StoredIssue) -> Bool] = []
        for clause in query.components(separatedBy: " AND ") {
            if let match = clause.wholeMatch(of: /project = "([^"]+)"/) {
                let key = String(match.1)
                tests.append { _ in key == project }
            } else if clause == "statusCategory = Done" {
                tests.append { $0.status == "Done" }
            } else if clause == "statusCategory != Done" {
                tests.append { $0.status != "Done" }
            } else if let match = clause.wholeMatch(of: /labels = "([^"]+)"/) {
                let label = String(match.1)
                tests.append { $0.labels.contains(label) }
            } else if let match = clause.wholeMatch(of: /updated >= -(\d+)m/), let minutes = Double(match.1) {
                let since = Date(timeIntervalSinceNow: -minutes * 60)
                tests.append { $0.updated >= since }
            } else {
                return nil
            }
        }
        return { issue in tests.allSatisfy { $0(issue) } }
    }

    private static func issueJSON(_ issue: StoredIssue, cloud: Bool, host: String) -> [String: Any] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        let description: Any =
            issue.description.isEmpty
            ? NSNull()
            : (cloud
                ? (try? JSONSerialization.jsonObject(with: Data(issue.description.utf8))) ?? NSNull()
                : issue.description)
        let category = issue.status == "Done" ? "done" : issue.status == "To Do" ? "new" : "indeterminate"
        var object: [String: Any] = [
            "id": "1\(issue.key.split(separator: "-").last ?? "0")", "key": issue.key,
            "self": "\(host)/rest/api/\(cloud ? 3 : 2)/issue/\(issue.key)",
            "fields": [
                "summary": issue.summary, "description": description, "labels": issue.labels,
                "status": ["name": issue.status, "statusCategory": ["key": category]],
                "resolution": issue.resolution.map { ["name": $0] } ?? NSNull(), "assignee": NSNull(),
                "created": formatter.string(from: issue.created), "updated": formatter.string(from: issue.updated),
            ] as [String: Any],
        ]
        if let evidence = issue.evidence { object["properties"] = ["ticket-master": ["evidence": evidence]] }
        return object
    }
}

extension TrackerTestReply {
    /// Jira's error body: `{"errorMessages": […], "errors": {field: message}}`.
    static func jiraError(_ status: Int, _ messages: [String], fields: [String: String] = [:]) -> TrackerTestReply {
        json(status, ["errorMessages": messages, "errors": fields])
    }
}
