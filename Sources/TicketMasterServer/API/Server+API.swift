import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TicketMaster

/// One route of the REST API: its method, its path as `openapi.yaml` writes it, and the least role that may call it.
struct APIRoute: Hashable, Sendable {
    var method: HTTPRequest.Method
    var path: String
    var role: Role
}

extension Server {
    /// Registers `/api/v1` on `router` and returns what it registered, which the tests hold against `openapi.yaml`.
    @discardableResult
    func addAPIRoutes(to router: Router<ServerContext>) -> [APIRoute] {
        var routes: [APIRoute] = []
        func on(
            _ method: HTTPRequest.Method, _ path: String, _ role: Role,
            _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
        ) {
            routes.append(APIRoute(method: method, path: path, role: role))
            let routerPath = path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
            router.group(RouterPath(routerPath)).add(middleware: RequireRole(role)).on("", method: method, use: handler)
        }

        on(.get, "/api/v1/repositories", .viewer) { _, _ in
            try API.json(try await team.repositories().map(API.Repository.init))
        }
        on(.post, "/api/v1/repositories", .admin) { request, context in
            let input = try await request.decode(as: API.NewRepository.self, context: context)
            let name = try API.checked(input.name, "name", maxLength: 64)
            let record = try await addRepository(
                name: name, location: try API.checked(input.location, "location", maxLength: 1000),
                tracker: input.tracker, token: input.token, context: context)
            return try API.json(API.Repository(record), status: .created)
        }
        on(.get, "/api/v1/runs", .viewer) { request, _ in
            let (page, perPage) = try API.paging(request)
            let runs = try await team.runRequests(limit: perPage, offset: (page - 1) * perPage)
            return try API.json(
                API.Page(
                    items: runs.map(API.Run.init), page: page, perPage: perPage,
                    total: try await team.runRequestCount()))
        }
        on(.post, "/api/v1/runs", .user) { request, context in
            let input = try await request.decode(as: API.NewRun.self, context: context)
            let defaults = try await runDefaults()
            let maxIssues = input.maxIssues ?? defaults.maxIssues
            guard (1...50).contains(maxIssues) else {
                throw HTTPError(.badRequest, message: "max_issues must be from 1 to 50")
            }
            let run = try await startRun(
                repositoryId: input.repositoryId, provider: input.provider ?? defaults.provider, maxIssues: maxIssues,
                issueTypes: input.issueTypes, context: context)
            return try API.json(API.Run(run), status: .created)
        }
        on(.get, "/api/v1/runs/{id}", .viewer) { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let run = try await team.runRequest(id: id) else { throw HTTPError(.notFound) }
            var drafts: [API.Draft] = []
            if let runId = run.runId {
                let detail = try await history.run(runId)
                let published = Dictionary(
                    detail.publications.compactMap { publication in publication.draftId.map { ($0, publication.url) } },
                    uniquingKeysWith: { first, _ in first })
                drafts = detail.drafts.map { API.Draft($0, issueURL: $0.id.flatMap { published[$0] }) }
            }
            return try API.json(API.RunDetail(run: API.Run(run), drafts: drafts))
        }
        on(.get, "/api/v1/runs/{id}/events", .viewer) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let after =
                request.headers[.lastEventID].flatMap { Int($0) }
                ?? request.uri.queryParameters["after"].flatMap { Int($0) } ?? 0
            return try await eventStream(id, after: after)
        }
        on(.patch, "/api/v1/runs/{id}/drafts/{draft}", .user) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let draftId = try context.parameters.require("draft", as: Int64.self)
            let input = try await request.decode(as: API.DraftChange.self, context: context)
            let runId = try await reviewableRun(id)
            let title = try input.title.map { try API.checked($0, "title", maxLength: 256) }
            let body = try input.body.map { try API.checked($0, "body", maxLength: 65_536, allowEmpty: true) }
            let labels = try input.labels.map { try Self.labels($0.joined(separator: ",")) }
            let assignees = try input.assignees.map { try Self.assignees($0.joined(separator: ",")) }
            let milestone = try input.milestone.map { try Self.milestone(String($0)) }
            let (status, action) = try Self.decision(input.decision ?? "save")
            guard
                try await team.decide(
                    draft: draftId, runId: runId, title: title, body: body, labels: labels, status: status,
                    reason: input.reason, by: context.actor, assignees: assignees, milestone: milestone)
            else { throw HTTPError(.conflict, message: "draft \(draftId) is filed already or not part of run \(id)") }
            try await audit(action, "draft \(draftId) of run \(id)", context)
            let draft = try await history.run(runId).drafts.first { $0.id == draftId }
            return try API.json(draft.map { API.Draft($0, issueURL: nil) })
        }
        on(.post, "/api/v1/runs/{id}/file", .user) { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            try await fileApproved(id, context: context)
            guard let run = try await team.runRequest(id: id) else { throw HTTPError(.notFound) }
            return try API.json(API.Run(run), status: .accepted)
        }
        on(.get, "/api/v1/history", .viewer) { request, _ in
            let query = request.uri.queryParameters["q"].map(String.init) ?? ""
            guard !query.isEmpty, query.count <= 200 else {
                throw HTTPError(.badRequest, message: "q must hold 1 to 200 characters")
            }
            return try API.json(try await history.search(query, limit: 50).map(API.SearchResult.init))
        }
        on(.get, "/api/v1/accounts", .admin) { _, _ in
            try API.json(try await team.accounts().map(API.AccountSummary.init))
        }
        on(.post, "/api/v1/accounts", .admin) { request, context in
            let input = try await request.decode(as: API.NewAccount.self, context: context)
            let name = try API.checked(input.name, "name", maxLength: 64)
            let account = try await createAccount(
                name: name, password: input.password, role: input.role, context: context)
            return try API.json(API.AccountSummary(account), status: .created)
        }
        on(.patch, "/api/v1/accounts/{id}", .admin) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let input = try await request.decode(as: API.AccountChange.self, context: context)
            guard let current = try await team.account(id: id) else { throw HTTPError(.notFound) }
            let account = try await updateAccount(
                id, role: input.role ?? current.role.rawValue, disabled: input.disabled ?? current.disabled,
                context: context)
            return try API.json(API.AccountSummary(account))
        }
        on(.get, "/api/v1/tokens", .viewer) { _, context in
            guard let account = context.identity else { throw HTTPError(.unauthorized) }
            return try API.json(try await team.tokens(of: account).map(API.Token.init))
        }
        on(.post, "/api/v1/tokens", .viewer) { request, context in
            guard let account = context.identity else { throw HTTPError(.unauthorized) }
            let input = try await request.decode(as: API.NewToken.self, context: context)
            let name = try API.checked(input.name, "name", maxLength: 100)
            let (token, secret) = try await team.createToken(named: name, for: account)
            try await audit("token.create", "token \(name) of \(account.name)", context)
            var shown = API.Token(token)
            shown.secret = secret
            return try API.json(shown, status: .created)
        }
        on(.delete, "/api/v1/tokens/{id}", .viewer) { _, context in
            guard let account = context.identity else { throw HTTPError(.unauthorized) }
            let id = try context.parameters.require("id", as: Int64.self)
            guard try await team.revokeToken(id, of: account) else { throw HTTPError(.notFound) }
            try await audit("token.revoke", "token \(id) of \(account.name)", context)
            return Response(status: .noContent)
        }
        on(.get, "/api/v1/audit", .admin) { request, _ in
            let events = try await team.auditEvents(
                actor: request.uri.queryParameters["actor"].map(String.init),
                action: request.uri.queryParameters["action"].map(String.init))
            return try API.json(events.map(API.Audit.init))
        }
        return routes
    }

    func addAPIDocuments(to router: Router<ServerContext>) {
        router.get("api/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("api/docs") { _, context in
            pages.render("apidocs", title: "REST API", ["routes": OpenAPIDocument.summary], context: context)
        }
    }
}

/// The API's JSON: snake_case keys, ISO 8601 dates.
enum API {
    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// The last page anyone can ask for: far beyond any history, and small enough that no offset overflows.
    static let maximumPage = 1_000_000

    static func paging(_ request: Request) throws -> (page: Int, perPage: Int) {
        let page = request.uri.queryParameters["page"].map { Int($0) } ?? 1
        let perPage = request.uri.queryParameters["per_page"].map { Int($0) } ?? 50
        guard let page, (1...maximumPage).contains(page), let perPage, (1...200).contains(perPage) else {
            throw HTTPError(.badRequest, message: "page must be from 1 to \(maximumPage) and per_page from 1 to 200")
        }
        return (page, perPage)
    }

    static func checked(
        _ text: String, _ field: String, maxLength: Int = 200, allowEmpty: Bool = false
    ) throws -> String {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard allowEmpty || !value.isEmpty else { throw HTTPError(.badRequest, message: "\(field) is required") }
        guard value.count <= maxLength else {
            throw HTTPError(.badRequest, message: "\(field) is longer than \(maxLength) characters")
        }
        return value
    }

    struct Page<Item: Encodable>: Encodable {
        var items: [Item]
        var page: Int
        var perPage: Int
        var total: Int
    }

    struct Repository: Encodable {
        var id: Int64
        var name: String
        var location: String
        var tracker: String?
        var hasToken: Bool

        init(_ record: RepositoryRecord) {
            id = record.id ?? 0
            name = record.name
            location = record.location
            tracker = record.tracker
            hasToken = record.hasToken
        }
    }

    struct NewRepository: Decodable {
        var name: String
        var location: String
        var tracker: String?
        var token: String?
    }

    struct Run: Encodable {
        var id: Int64
        var repositoryId: Int64
        var requestedBy: String
        var maxIssues: Int
        var provider: String
        var issueTypes: [String]?
        var state: String
        var historyRunId: Int64?
        var message: String?
        var createdAt: Date
        var finishedAt: Date?

        init(_ request: RunRequest) {
            id = request.id ?? 0
            repositoryId = request.repositoryId
            requestedBy = request.requestedBy
            maxIssues = request.maxIssues
            provider = request.provider
            issueTypes = request.issueTypes.map { $0.split(separator: ",").map(String.init) }
            state = request.state.rawValue
            historyRunId = request.runId
            message = request.message
            createdAt = request.createdAt
            finishedAt = request.finishedAt
        }
    }

    struct NewRun: Decodable {
        var repositoryId: Int64
        var provider: String?
        var maxIssues: Int?
        var issueTypes: [String]?

        enum CodingKeys: String, CodingKey {
            case repositoryId = "repository_id", provider, maxIssues = "max_issues", issueTypes = "issue_types"
        }
    }

    struct RunDetail: Encodable {
        var run: Run
        var drafts: [Draft]
    }

    struct Draft: Encodable {
        var id: Int64
        var title: String
        var body: String
        var labels: [String]
        var type: String
        var writer: String
        var score: Double?
        var reviewReasons: [String]
        var status: String
        var duplicateOf: String?
        var decidedBy: String?
        var decisionReason: String?
        var assignees: [String]?
        var milestone: Int?
        var issueUrl: String?

        init(_ record: DraftRecord, issueURL: String?) {
            id = record.id ?? 0
            title = record.title
            body = record.body
            labels = record.labels
            type = record.type.rawValue
            writer = record.writer
            score = record.score
            reviewReasons = record.reviewReasons
            status = record.status.rawValue
            duplicateOf = record.duplicateOf
            decidedBy = record.decidedBy
            decisionReason = record.decisionReason
            assignees = record.assignees
            milestone = record.milestone
            issueUrl = issueURL
        }
    }

    struct DraftChange: Decodable {
        var title: String?
        var body: String?
        var labels: [String]?
        var assignees: [String]?
        var milestone: Int?
        var decision: String?
        var reason: String?
    }

    struct SearchResult: Encodable {
        var kind: String
        var historyRunId: Int64
        var title: String
        var url: String?

        init(_ hit: SearchHit) {
            kind = hit.kind == .draft ? "draft" : "issue"
            historyRunId = hit.runId
            title = hit.title
            url = hit.url
        }
    }

    struct AccountSummary: Encodable {
        var id: Int64
        var name: String
        var role: String
        var disabled: Bool

        init(_ account: Account) {
            id = account.id ?? 0
            name = account.name
            role = account.role.rawValue
            disabled = account.disabled
        }
    }

    struct NewAccount: Decodable {
        var name: String
        var password: String
        var role: String
    }

    struct Token: Encodable {
        var id: Int64
        var name: String
        var createdAt: Date
        var lastUsedAt: Date?
        var revokedAt: Date?
        /// Only in the response that created it.
        var secret: String?

        init(_ token: APIToken) {
            id = token.id ?? 0
            name = token.name
            createdAt = token.createdAt
            lastUsedAt = token.lastUsedAt
            revokedAt = token.revokedAt
        }
    }

    struct AccountChange: Decodable {
        var role: String?
        var disabled: Bool?
    }

    struct NewToken: Decodable {
        var name: String
    }

    struct Audit: Encodable {
        var at: Date
        var actor: String
        var action: String
        var target: String
        var address: String?

        init(_ event: AuditEvent) {
            at = event.at
            actor = event.actor
            action = event.action
            target = event.target
            address = event.address
        }
    }
}
