import Foundation
import Hummingbird
import NIOCore
import TicketMaster

extension Server {
    /// The model services a run may be started with.
    static let providers = ["none", "auto", "local", "ollama", "openai", "anthropic", "gemini"]
    /// Runs shown per page.
    static let runsPerPage = 50

    func addRunRoutes(to router: Router<ServerContext>) {
        let viewer = router.group("runs").add(middleware: RequireRole(.viewer))
        let user = router.group("runs").add(middleware: RequireRole(.user))
        viewer.get { request, context -> Response in
            let page = request.uri.queryParameters["page"].map { Int($0) } ?? 1
            guard let page, (1...API.maximumPage).contains(page) else {
                throw HTTPError(.badRequest, message: "page must be a number from 1 to \(API.maximumPage)")
            }
            let requests = try await team.runRequests(limit: Self.runsPerPage, offset: (page - 1) * Self.runsPerPage)
            let names = Dictionary(
                try await team.repositories().map { ($0.id ?? 0, $0.name) }, uniquingKeysWith: { first, _ in first })
            let total = try await team.runRequestCount()
            var values: [String: Any] = [
                "runs": requests.map { request -> [String: Any] in
                    [
                        "id": request.id ?? 0, "repository": names[request.repositoryId] ?? "?",
                        "state": request.state.rawValue, "requestedBy": request.requestedBy,
                        "createdAt": request.createdAt.shown, "message": request.message ?? "",
                    ]
                },
                "repositories": names.sorted { $0.value < $1.value }.map { ["id": $0.key, "name": $0.value] },
            ]
            let defaults = try await runDefaults()
            values["providers"] = Self.providers.map { ["value": $0, "selected": $0 == defaults.provider] }
            values["defaultMaxIssues"] = defaults.maxIssues
            values["issueTypes"] = IssueType.allCases.map(\.rawValue)
            if let services = await coordinator.modelServiceStatuses() {
                values["services"] = services.map { service -> [String: Any] in
                    [
                        "provider": service.provider, "reachable": service.reachable, "detail": service.detail,
                        "isDefault": service.isDefault,
                    ]
                }
            } else {
                values["probing"] = true
            }
            if page > 1 { values["previous"] = page - 1 }
            if page * Self.runsPerPage < total { values["next"] = page + 1 }
            return pages.render("runs", title: "Runs", values, context: context)
        }
        user.post { request, context -> Response in
            let form = try await Form.read(request, context: context)
            let defaults = try await runDefaults()
            let run = try await startRun(
                repositoryId: Int64(try form.require("repository", label: "Repository")),
                provider: form["provider"] ?? defaults.provider,
                maxIssues: try form.integer(
                    "max_issues", label: "Suggest at most", in: 1...50, fallback: defaults.maxIssues),
                // The form always says it showed the kinds, so unticking every box is an error, not "all".
                issueTypes: form["types_shown"] == nil && form.all("issue_type").isEmpty ? nil : form.all("issue_type"),
                context: context)
            return .redirect(to: "/runs/\(run.id ?? 0)")
        }
        viewer.get(":id") { _, context -> Response in
            try await runPage(try context.parameters.require("id", as: Int64.self), context: context)
        }
        viewer.get(":id/events") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            let after =
                request.headers[.lastEventID].flatMap { Int($0) }
                ?? request.uri.queryParameters["after"].flatMap { Int($0) } ?? 0
            return try await eventStream(id, after: after)
        }
        user.post(":id/drafts/:draft") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            let draftId = try context.parameters.require("draft", as: Int64.self)
            let form = try await Form.read(request, context: context)
            let runId = try await reviewableRun(id)
            let title = try form.require("title", label: "Title", maxLength: 256)
            let body = form["body"] ?? ""
            guard body.count <= 65_536 else {
                throw HTTPError(.badRequest, message: "Body is longer than 65536 characters")
            }
            let labels = try Self.labels(form["labels"] ?? "")
            let assignees = try Self.assignees(form["assignees"] ?? "")
            let milestone = try Self.milestone(form["milestone"])
            let (status, action) = try Self.decision(form["decision"] ?? "save")
            guard
                try await team.decide(
                    draft: draftId, runId: runId, title: title, body: body, labels: labels, status: status,
                    reason: form["reason"], by: context.actor, assignees: assignees, milestone: .some(milestone))
            else { throw HTTPError(.conflict, message: "draft \(draftId) is filed already or not part of this run") }
            try await audit(action, "draft \(draftId) of run \(id)", context)
            return .redirect(to: "/runs/\(id)#draft-\(draftId)")
        }
        user.post(":id/drafts") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            let form = try await Form.read(request, context: context)
            let runId = try await reviewableRun(id)
            let (status, action) = try Self.decision(form["decision"] ?? "")
            guard status != nil else { throw HTTPError(.badRequest, message: "choose Approve or Reject") }
            let ids = try form.all("draft").map { text -> Int64 in
                guard let id = Int64(text) else {
                    throw HTTPError(.badRequest, message: "a selected draft is not valid")
                }
                return id
            }
            guard !ids.isEmpty else { throw HTTPError(.badRequest, message: "select at least one draft first") }
            for draftId in ids {
                _ = try await team.decide(
                    draft: draftId, runId: runId, title: nil, body: nil, labels: nil, status: status,
                    reason: form["reason"], by: context.actor)
                try await audit(action, "draft \(draftId) of run \(id)", context)
            }
            return .redirect(to: "/runs/\(id)")
        }
        user.post(":id/file") { _, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            try await fileApproved(id, context: context)
            return .redirect(to: "/runs/\(id)")
        }
    }

    /// Records and queues a run; shared by the page and the API.
    func startRun(
        repositoryId: Int64?, provider: String, maxIssues: Int, issueTypes: [String]? = nil, context: ServerContext
    ) async throws -> RunRequest {
        let types = try issueTypes.map { names in
            try names.map { name in
                guard let type = IssueType(rawValue: name) else {
                    throw HTTPError(
                        .badRequest,
                        message:
                            "issue types must be among \(IssueType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return type
            }
        }
        if let types, types.isEmpty { throw HTTPError(.badRequest, message: "choose at least one kind of issue") }
        guard let repositoryId, let repository = try await team.repository(id: repositoryId) else {
            throw HTTPError(.badRequest, message: "Repository: choose one of the listed repositories")
        }
        guard Self.providers.contains(provider) else {
            throw HTTPError(.badRequest, message: "Model must be one of \(Self.providers.joined(separator: ", "))")
        }
        let run = try await team.createRunRequest(
            repositoryId: repositoryId, requestedBy: context.actor, maxIssues: maxIssues, provider: provider,
            issueTypes: types.flatMap { Set($0) == Set(IssueType.allCases) ? nil : $0 })
        try await audit("run.start", "run \(run.id ?? 0) of repository \(repository.name)", context)
        await coordinator.queued(run)
        return run
    }

    /// Queues filing of run request `id`'s approved drafts; shared by the page and the API.
    func fileApproved(_ id: Int64, context: ServerContext) async throws {
        guard let run = try await team.runRequest(id: id), try await team.repository(id: run.repositoryId) != nil
        else { throw HTTPError(.notFound) }
        guard run.runId != nil, [.drafted, .filed, .failed, .interrupted].contains(run.state) else {
            throw HTTPError(.conflict, message: "run \(id) has no drafts to file yet; wait until it has drafted")
        }
        guard !(await coordinator.isBusy(id)) else {
            throw HTTPError(.conflict, message: "run \(id) is already filing")
        }
        guard try await coordinator.file(id) else {
            throw HTTPError(.conflict, message: "run \(id) is already filing")
        }
        try await audit("run.file", "run \(id)", context)
    }

    /// The history run of run request `id`, when its drafts may be edited.
    func reviewableRun(_ id: Int64) async throws -> Int64 {
        guard let run = try await team.runRequest(id: id) else { throw HTTPError(.notFound) }
        guard let runId = run.runId, run.state != .running, run.state != .filing else {
            throw HTTPError(.conflict, message: "run \(id) is still working; its drafts can be edited once it is done")
        }
        return runId
    }

    static func decision(_ text: String) throws -> (DraftStatus?, String) {
        switch text {
        case "approve": (.approved, "draft.approve")
        case "reject": (.skipped, "draft.reject")
        case "save": (nil, "draft.edit")
        default: throw HTTPError(.badRequest, message: "decision must be approve, reject or save")
        }
    }

    static func assignees(_ text: String) throws -> [String] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard names.count <= 10,
            names.allSatisfy({ $0.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,38}$"#, options: .regularExpression) != nil }
            )
        else {
            throw HTTPError(.badRequest, message: "Assignees: at most 10 user names, separated by commas")
        }
        return names
    }

    static func milestone(_ text: String?) throws -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let number = Int(text), (1...1_000_000).contains(number) else {
            throw HTTPError(.badRequest, message: "Milestone must be the milestone's number")
        }
        return number
    }

    static func labels(_ text: String) throws -> [String] {
        let labels = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard labels.count <= 20, labels.allSatisfy({ $0.count <= 50 }) else {
            throw HTTPError(.badRequest, message: "Labels: at most 20, each at most 50 characters")
        }
        return labels
    }

    private func runPage(_ id: Int64, context: ServerContext) async throws -> Response {
        guard let run = try await team.runRequest(id: id) else { throw HTTPError(.notFound) }
        let repository = try await team.repository(id: run.repositoryId)
        let live = await coordinator.isBusy(id)
        var summaries: [String] = []
        // A finished run this server ran lists its events from memory; a live one's come by the event stream.
        if !live, let stream = await coordinator.feed.watch(id, after: 0) {
            for await (_, event) in stream where !event.isProgress { summaries.append(event.summary) }
        }
        var values: [String: Any] = [
            "id": id, "repository": repository?.name ?? "?", "provider": run.provider, "maxIssues": run.maxIssues,
            "requestedBy": run.requestedBy, "state": run.state.rawValue, "message": run.message as Any,
            "issueTypes": run.issueTypes?.replacingOccurrences(of: ",", with: ", ") ?? "every kind",
            "live": live,
        ]
        if live {
            // The page lists nothing yet; the script replays everything from the first event, and without
            // script the page reloads itself.
            values["refresh"] = 3
            values["lastEvent"] = 0
        }
        let canEdit = (context.identity?.role ?? .viewer) >= .user && !live
        if let runId = run.runId {
            values["historyRun"] = runId
            let detail = try await history.run(runId)
            if summaries.isEmpty, !live {
                summaries = detail.events.compactMap { try? $0.event() }.filter { !$0.isProgress }.map(\.summary)
            }
            let publications = Dictionary(
                detail.publications.compactMap { publication in publication.draftId.map { ($0, publication) } },
                uniquingKeysWith: { first, _ in first })
            let drafts = detail.drafts.map { draft -> [String: Any] in
                let editable = canEdit && [.draft, .approved, .skipped].contains(draft.status)
                var values: [String: Any] = [
                    "id": draft.id ?? 0, "runRequest": id, "title": draft.title, "body": draft.body,
                    "labels": draft.labels.joined(separator: ", "), "type": draft.type.rawValue,
                    "assignees": (draft.assignees ?? []).joined(separator: ", "), "milestone": draft.milestone as Any,
                    "writer": draft.writer, "score": draft.score.map { String(format: "%.0f", $0) } ?? "not reviewed",
                    "status": draft.status.rawValue, "reasons": draft.reviewReasons.joined(separator: "; "),
                    "editable": editable, "csrf": context.csrfToken ?? "",
                    "decidedBy": draft.decidedBy as Any, "decisionReason": draft.decisionReason as Any,
                    "duplicateOf": draft.duplicateOf as Any,
                ]
                if let publication = draft.id.flatMap({ publications[$0] }) {
                    values["publication"] = ["url": publication.url, "number": publication.number]
                }
                return values
            }
            values["drafts"] = drafts
            values["canEdit"] = canEdit
            let approved = detail.unfiledDrafts.filter { $0.status == .approved }.count
            values["approvedCount"] = approved
            values["canFile"] = canEdit && approved > 0
        }
        values["events"] = summaries
        return pages.render("run", title: "Run #\(id)", values, context: context)
    }

    /// Server-Sent Events: every event of run request `id` after number `after`, live while it runs, then an
    /// `end` event. A run this server did not run itself is replayed from history.
    func eventStream(_ id: Int64, after: Int) async throws -> Response {
        guard let run = try await team.runRequest(id: id) else { throw HTTPError(.notFound) }
        let stream: AsyncStream<(Int, RunEvent)>
        if let live = await coordinator.feed.watch(id, after: after) {
            stream = live
        } else {
            var recorded: [RunEventRecord] = []
            if let runId = run.runId { recorded = try await history.run(runId).events }
            let events = recorded.compactMap { record in (try? record.event()).map { (record.sequence, $0) } }
            stream = AsyncStream { continuation in
                for (number, event) in events where number > after { continuation.yield((number, event)) }
                continuation.finish()
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                for await (number, event) in stream {
                    let payload = StreamedEvent(summary: event.summary, progress: event.isProgress, event: event)
                    let json = String(decoding: try encoder.encode(payload), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "id: \(number)\ndata: \(json)\n\n"))
                }
                try await writer.write(ByteBuffer(string: "event: end\ndata: {}\n\n"))
                try await writer.finish(nil)
            })
    }
}

/// One event as the stream sends it: its line for people and the typed event for programs.
struct StreamedEvent: Codable, Sendable {
    var summary: String
    /// A progress tick, which replaces the previous one instead of adding a line.
    var progress: Bool
    var event: RunEvent
}
