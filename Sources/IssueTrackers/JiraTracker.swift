import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Jira: Cloud through REST v3 (an API token with its account's e-mail, as HTTP Basic) and Data Center through REST
/// v2 (a personal access token, as a Bearer token). Issues go into one project, as one issue type.
///
/// Jira differs from the forges in ways the seam hides:
/// - **Rich text**: Cloud takes descriptions and comments as Atlassian Document Format, Data Center as wiki markup;
///   Markdown is converted both ways (headings, lists, code blocks, paragraphs), and bodies read back as text.
/// - **Markers outside the text**: the fingerprint is a label (`ticket-master-<fingerprint>`) and the evidence
///   snapshot an issue property (`ticket-master`), so they survive any editor; bodies read back carry them as the
///   HTML comments the rest of Ticket-Master reads.
/// - **Workflows**: an issue is closed or reopened through a transition to a status of the `done` (or `new`)
///   category, with a resolution (`Done`, or `Won't Do` for not planned) where the transition asks for one.
/// - **Keys**: an issue's number is the number in its key (`TM-12` is 12); its page is `SITE/browse/TM-12`.
public struct JiraTracker: IssueTracker {
    /// Which Jira the site runs.
    public enum Deployment: String, Sendable, Hashable {
        /// Jira Cloud, REST v3.
        case cloud
        /// Jira Data Center or Server, REST v2.
        case dataCenter = "data_center"

        /// Cloud for `*.atlassian.net`, Data Center otherwise.
        public static func guess(site: URL) -> Deployment {
            (site.host ?? "").lowercased().hasSuffix(".atlassian.net") ? .cloud : .dataCenter
        }
    }

    public var kind: TrackerKind { .jira }
    public var repositoryPath: String { project }

    /// The site, `https://acme.atlassian.net`.
    public let site: URL
    /// The project key, `TM`.
    public let project: String
    /// The issue type filed issues get, `Task`.
    public let issueType: String
    /// Cloud or Data Center.
    public let deployment: Deployment
    let client: APIClient

    /// The label prefix that carries a fingerprint.
    static let fingerprintLabel = "ticket-master-"
    /// The issue property that carries the evidence snapshot.
    static let property = "ticket-master"

    /// Creates a tracker for `project` on `site`; a token of the form `account:secret` is sent as HTTP Basic (Cloud),
    /// any other as a Bearer personal access token (Data Center).
    public init(
        site: URL, project: String, issueType: String = "Task", deployment: Deployment? = nil, token: AccessToken,
        httpClient: HTTPClient = .trackers, pacer: RequestPacer = RequestPacer(),
        options: TrackerOptions = TrackerOptions(), logger: Logger = Logger(label: "ticket-master.jira")
    ) {
        self.site = site
        self.project = project.uppercased()
        self.issueType = issueType
        let deployment = deployment ?? .guess(site: site)
        self.deployment = deployment
        var root = site.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        client = APIClient(
            root: URL(string: root + "/rest/api/" + (deployment == .cloud ? "3" : "2")) ?? site, token: token,
            headers: [("Accept", "application/json"), ("Authorization", token.basicOrBearer)],
            vocabulary: APIClient.Vocabulary(
                service: "Jira",
                unauthorizedRemedy:
                    deployment == .cloud
                    ? "create an API token (id.atlassian.com → Security → API tokens) and set JIRA_API_TOKEN and "
                        + "JIRA_EMAIL to it and its account's e-mail"
                    : "create a personal access token (Profile → Personal Access Tokens) and set JIRA_API_TOKEN",
                forbiddenRemedy: "the account needs the Create, Edit and Transition Issues permissions in \(project)",
                errorMessage: Self.errorMessage),
            httpClient: httpClient, pacer: pacer, options: options, logger: logger)
    }

    public func currentUser() async throws -> TrackerUser {
        struct User: Decodable {
            var name: String?
            var emailAddress: String?
            var accountId: String?
            var displayName: String?
        }
        let user = try client.decode(
            User.self, from: try await client.send(.GET, client.url("/myself")), what: "the user")
        return TrackerUser(
            login: user.name ?? user.emailAddress ?? user.accountId ?? "unknown", name: user.displayName)
    }

    public func repository() async throws -> RepositoryInfo {
        struct Project: Decodable { var key: String }
        struct Permissions: Decodable {
            struct Entry: Decodable { var havePermission: Bool }
            var permissions: [String: Entry]
        }
        let found = try client.decode(
            Project.self, from: try await client.send(.GET, client.url("/project/\(APIClient.encode(project))")),
            what: "the project")
        let response = try await client.send(
            .GET,
            client.url(
                "/mypermissions",
                query: [("projectKey", found.key), ("permissions", "CREATE_ISSUES,EDIT_ISSUES,TRANSITION_ISSUES")]))
        let granted = try client.decode(Permissions.self, from: response, what: "permissions").permissions
        let may = { (name: String) in granted[name]?.havePermission == true }
        return RepositoryInfo(
            fullName: found.key, url: browse(found.key), isPrivate: true, hasIssues: true,
            permissions: RepositoryPermissions(
                canRead: true, canTriage: may("TRANSITION_ISSUES"), canPush: may("CREATE_ISSUES") && may("EDIT_ISSUES"),
                isAdmin: false))
    }

    public func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        var clauses = ["project = \"\(project)\""]
        switch state {
        case .open: clauses.append("statusCategory != Done")
        case .closed: clauses.append("statusCategory = Done")
        case .all: break
        }
        // Relative to the server's clock, so no time zone can hide an issue.
        if let since { clauses.append("updated >= -\(max(1, Int(Date().timeIntervalSince(since) / 60) + 1))m") }
        return try await search(clauses.joined(separator: " AND ") + " ORDER BY created ASC", limit: limit)
    }

    /// Labels used in the site (Cloud lists them; Data Center has no list, and Jira makes a label when an issue
    /// first carries it).
    public func labels() async throws -> [IssueLabel] {
        guard deployment == .cloud else { return [] }
        struct Page: Decodable {
            var values: [String]
            var isLast: Bool?
        }
        var names: [String] = []
        while true {
            let response = try await client.send(
                .GET, client.url("/label", query: [("startAt", "\(names.count)"), ("maxResults", "1000")]))
            let page = try client.decode(Page.self, from: response, what: "a page of labels")
            names += page.values
            if page.isLast ?? true || page.values.isEmpty { break }
        }
        return names.filter { !$0.hasPrefix(Self.fingerprintLabel) }.map {
            IssueLabel(name: $0, color: LabelColor.color(for: $0))
        }
    }

    /// Jira makes a label when an issue first carries it: nothing is sent, but a name Jira would refuse is refused.
    public func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel {
        guard !name.contains(where: \.isWhitespace), !name.isEmpty, name.count <= 255 else {
            throw TrackerError(
                .validationFailed, "Jira labels cannot contain spaces; rename \"\(name)\" (for example with dashes)")
        }
        return IssueLabel(name: name, color: color, description: description)
    }

    public func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        struct Created: Decodable { var key: String }
        try issue.validate()
        let (text, evidence) = Self.split(issue.body)
        var labels = issue.labels
        if let fingerprint = issue.fingerprint {
            labels.append(Self.fingerprintLabel + FingerprintMarker.normalized(fingerprint))
        }
        var fields: [String: JSON] = [
            "project": .object(["key": .string(project)]), "summary": .string(issue.title),
            "issuetype": .object(["name": .string(issueType)]), "description": description(text),
            "labels": .array(labels.map(JSON.string)),
        ]
        if issue.title.count > 255 { fields["summary"] = .string(String(issue.title.prefix(254)) + "…") }
        var body: [String: JSON] = ["fields": .object(fields)]
        if let evidence { body["properties"] = .array([property(evidence)]) }
        let payload = JSON.object(body)
        return try await fileIdempotently(issue, lookback: client.options.closedIssueLookback, pacer: client.pacer) {
            let response = try await client.send(
                .POST, client.url("/issue"), json: payload.data, retriesServerErrors: false)
            let key = try client.decode(Created.self, from: response, what: "the new issue").key
            var body = text
            if let evidence { body += "\n\n<!-- ticket-master:evidence=\(evidence) -->" }
            if let fingerprint = issue.fingerprint { body = FingerprintMarker.embed(fingerprint, in: body) }
            return TrackedIssue(
                number: Self.number(of: key), url: browse(key), title: issue.title, body: body, labels: issue.labels,
                state: .open, createdAt: Date(), updatedAt: Date())
        }
    }

    public func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        let key = "\(project)-\(number)"
        var fields: [String: JSON] = [:]
        var body: [String: JSON] = [:]
        if let title = update.title { fields["summary"] = .string(title) }
        // Read once: the text, the fingerprint label and the state are all compared with what is there now.
        let current =
            update.body != nil || update.labels != nil || update.state != nil ? try await issue(key) : nil
        if let text = update.body, let current {
            let (plain, evidence) = Self.split(text)
            // A body read back from Jira is text: sending it again would flatten the description's formatting, so
            // it is sent only when its text changed.
            if plain.trimmingCharacters(in: .whitespacesAndNewlines)
                != Self.split(current.body).text.trimmingCharacters(in: .whitespacesAndNewlines)
            {
                fields["description"] = description(plain)
            }
            if let evidence { body["properties"] = .array([property(evidence)]) }
        }
        if let labels = update.labels, let current {
            fields["labels"] = .array(
                (labels + (current.fingerprint.map { [Self.fingerprintLabel + $0] } ?? [])).map(JSON.string))
        }
        if !fields.isEmpty { body["fields"] = .object(fields) }
        if !body.isEmpty {
            _ = try await client.send(.PUT, client.url("/issue/\(key)"), json: JSON.object(body).data)
        }
        if let state = update.state, let current {
            if current.state != state { try await transition(key, to: state, reason: update.closeReason) }
        }
        return try await issue(key)
    }

    public func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        struct Created: Decodable { var id: String }
        let key = "\(project)-\(number)"
        let response = try await client.send(
            .POST, client.url("/issue/\(key)/comment"), json: JSON.object(["body": description(body)]).data)
        let created = try client.decode(Created.self, from: response, what: "the new comment")
        return IssueComment(
            id: Int(created.id) ?? 0, url: browse(key) + "?focusedCommentId=\(created.id)", body: body)
    }

    /// Searches for the fingerprint's label, then falls back to listing.
    public func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        let label = Self.fingerprintLabel + FingerprintMarker.normalized(fingerprint)
        let hits = try await search(
            "project = \"\(project)\" AND labels = \"\(label)\" ORDER BY created ASC", limit: 10)
        if let hit = hits.first { return hit }
        return try await findIssueByListing(withFingerprint: fingerprint, lookback: client.options.closedIssueLookback)
    }

    // MARK: Requests

    private func issue(_ key: String) async throws -> TrackedIssue {
        let response = try await client.send(
            .GET, client.url("/issue/\(key)", query: [("fields", Self.fields), ("properties", Self.property)]))
        return try client.decode(JiraIssue.self, from: response, what: "the issue").tracked(tracker: self)
    }

    private func search(_ jql: String, limit: Int) async throws -> [TrackedIssue] {
        struct CloudPage: Decodable {
            var issues: [JiraIssue]
            var nextPageToken: String?
        }
        struct ServerPage: Decodable {
            var issues: [JiraIssue]
            var startAt: Int
            var total: Int
        }
        var collected: [TrackedIssue] = []
        var token: String?
        while collected.count < limit {
            var query = [
                ("jql", jql), ("fields", Self.fields), ("properties", Self.property), ("maxResults", "100"),
            ]
            if deployment == .cloud {
                if let token { query.append(("nextPageToken", token)) }
                let response = try await client.send(.GET, client.url("/search/jql", query: query))
                let page = try client.decode(CloudPage.self, from: response, what: "a page of issues")
                collected += page.issues.map { $0.tracked(tracker: self) }
                guard let next = page.nextPageToken, !page.issues.isEmpty else { break }
                token = next
            } else {
                query.append(("startAt", "\(collected.count)"))
                let response = try await client.send(.GET, client.url("/search", query: query))
                let page = try client.decode(ServerPage.self, from: response, what: "a page of issues")
                collected += page.issues.map { $0.tracked(tracker: self) }
                if page.issues.isEmpty || collected.count >= page.total { break }
            }
        }
        return Array(collected.prefix(limit))
    }

    /// Moves the issue to a status of the `done` category (closing) or of the `new`/`indeterminate` ones
    /// (reopening), with a resolution where the transition asks for one.
    private func transition(_ key: String, to state: IssueState, reason: IssueCloseReason?) async throws {
        struct Transitions: Decodable {
            struct Transition: Decodable {
                struct Target: Decodable {
                    struct Category: Decodable { var key: String }
                    var statusCategory: Category
                }
                struct Field: Decodable {
                    struct Allowed: Decodable { var name: String? }
                    var allowedValues: [Allowed]?
                }
                var id: String
                var to: Target
                var fields: [String: Field]?
            }
            var transitions: [Transition]
        }
        let response = try await client.send(
            .GET, client.url("/issue/\(key)/transitions", query: [("expand", "transitions.fields")]))
        let available = try client.decode(Transitions.self, from: response, what: "the issue's transitions")
            .transitions
        let wanted: Set<String> = state == .closed ? ["done"] : ["new", "indeterminate"]
        guard let chosen = available.first(where: { wanted.contains($0.to.statusCategory.key) }) else {
            throw TrackerError(
                .validationFailed,
                "\(key)'s workflow has no transition to a \(state == .closed ? "Done" : "To Do") status from where it is"
            )
        }
        var body: [String: JSON] = ["transition": .object(["id": .string(chosen.id)])]
        if state == .closed, let allowed = chosen.fields?["resolution"]?.allowedValues?.compactMap(\.name),
            !allowed.isEmpty
        {
            let preferred =
                reason == .notPlanned ? ["won't do", "won't fix", "declined", "duplicate"] : ["done", "fixed"]
            let name =
                preferred.lazy.compactMap { want in allowed.first { $0.lowercased() == want } }.first
                ?? allowed[0]
            body["fields"] = .object(["resolution": .object(["name": .string(name)])])
        }
        _ = try await client.send(.POST, client.url("/issue/\(key)/transitions"), json: JSON.object(body).data)
    }

    private func property(_ evidence: String) -> JSON {
        .object(["key": .string(Self.property), "value": .object(["evidence": .string(evidence)])])
    }

    private func description(_ markdown: String) -> JSON {
        deployment == .cloud ? JiraText.document(markdown) : .string(JiraText.wiki(markdown))
    }

    func browse(_ key: String) -> String {
        var root = site.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        return root + "/browse/" + key
    }

    static let fields = "summary,description,status,labels,created,updated,resolution,assignee"

    /// The number in an issue key: `TM-12` is 12.
    static func number(of key: String) -> Int {
        key.split(separator: "-").last.flatMap { Int($0) } ?? 0
    }

    /// A body's text without its hidden markers, and the evidence marker's payload.
    static func split(_ body: String) -> (text: String, evidence: String?) {
        let evidence = body.firstMatch(of: #/<!--\s*ticket-master:evidence=([A-Za-z0-9_\-]*)\s*-->/#).map {
            String($0.1)
        }
        var text = body.replacing(#/<!--\s*ticket-master:[a-z]+=[A-Za-z0-9_\-]*\s*-->/#, with: "")
        while text.last?.isWhitespace == true { text.removeLast() }
        return (text, evidence)
    }

    /// Jira's error bodies: `{"errorMessages": ["…"], "errors": {"field": "…"}}`.
    @Sendable static func errorMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        var parts = object["errorMessages"] as? [String] ?? []
        if let errors = object["errors"] as? [String: Any] {
            parts += errors.keys.sorted().map { "\($0): \(errors[$0] ?? "")" }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

/// An issue as Jira's search and issue endpoints return it.
struct JiraIssue: Decodable {
    struct Fields: Decodable {
        struct Status: Decodable {
            struct Category: Decodable { var key: String }
            var statusCategory: Category?
        }
        struct Named: Decodable { var name: String? }
        struct User: Decodable {
            var name: String?
            var emailAddress: String?
            var accountId: String?
        }
        var summary: String?
        var description: JiraText?
        var status: Status?
        var labels: [String]?
        var created: String?
        var updated: String?
        var resolution: Named?
        var assignee: User?
    }
    struct Property: Decodable { var evidence: String? }

    var key: String
    var fields: Fields
    var properties: [String: Property]?

    func tracked(tracker: JiraTracker) -> TrackedIssue {
        let labels = fields.labels ?? []
        var body = fields.description?.text ?? ""
        if let evidence = properties?[JiraTracker.property]?.evidence {
            body += "\n\n<!-- ticket-master:evidence=\(evidence) -->"
        }
        if let label = labels.first(where: { $0.hasPrefix(JiraTracker.fingerprintLabel) }) {
            let fingerprint = String(label.dropFirst(JiraTracker.fingerprintLabel.count))
            if FingerprintMarker.isValid(fingerprint) { body = FingerprintMarker.embed(fingerprint, in: body) }
        }
        let closed = fields.status?.statusCategory?.key == "done"
        var reason: IssueCloseReason?
        if closed, let name = fields.resolution?.name?.lowercased() {
            reason = ["done", "fixed", "resolved", "complete", "completed"].contains(name) ? .completed : .notPlanned
        }
        return TrackedIssue(
            number: JiraTracker.number(of: key), url: tracker.browse(key), title: fields.summary ?? "", body: body,
            labels: labels.filter { !$0.hasPrefix(JiraTracker.fingerprintLabel) }, state: closed ? .closed : .open,
            assignees: [fields.assignee.flatMap { $0.name ?? $0.emailAddress ?? $0.accountId }].compactMap { $0 },
            createdAt: JiraText.date(fields.created), updatedAt: JiraText.date(fields.updated), closeReason: reason)
    }
}
