import Foundation
import Hummingbird
import NIOCore
import TicketMaster

extension Server {
    func addAdminRoutes(to router: Router<ServerContext>) {
        let admin = router.group().add(middleware: RequireRole(.admin))
        admin.get("audit") { request, context -> Response in
            let actor = request.uri.queryParameters["actor"].map(String.init) ?? ""
            let action = request.uri.queryParameters["action"].map(String.init) ?? ""
            let events = try await team.auditEvents(actor: actor, action: action).map { event -> [String: Any] in
                [
                    "at": event.at.shown, "actor": event.actor, "action": event.action, "target": event.target,
                    "address": event.address ?? "",
                ]
            }
            return pages.render(
                "audit", title: "Audit log", ["events": events, "actor": actor, "action": action], context: context)
        }
        admin.get("audit.csv") { request, _ -> Response in
            let actor = request.uri.queryParameters["actor"].map(String.init)
            let action = request.uri.queryParameters["action"].map(String.init)
            var csv = "time,actor,action,target,address\r\n"
            for event in try await team.auditEvents(actor: actor, action: action, limit: 100_000) {
                csv +=
                    [event.at.shown, event.actor, event.action, event.target, event.address ?? ""]
                    .map(Self.csvField).joined(separator: ",") + "\r\n"
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"ticket-master-audit.csv\"",
                ],
                body: .init(byteBuffer: .init(string: csv)))
        }

        // The whole history as `ticket-master history export --format json` writes it (and `history import`
        // reads it): runs, findings, drafts, model calls with their prompts, filed issues, events; never the web
        // service's accounts, sessions, tokens or repositories. Admins only, since prompts quote the code.
        admin.get("history/export.json") { _, context -> Response in
            guard let historyFile else {
                throw HTTPError(
                    .conflict,
                    message: "the export downloads the SQLite history file; this server's history is on PostgreSQL, "
                        + "so back it up with pg_dump")
            }
            let data = try await historyFile.export().json()
            try await audit("history.export", "history", context)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/json",
                    .contentDisposition: "attachment; filename=\"ticket-master-history.json\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }

        router.group("history").add(middleware: RequireRole(.viewer)).get { request, context -> Response in
            let query =
                request.uri.queryParameters["q"].map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            // A PostgreSQL history is backed up with pg_dump, not downloaded.
            var values: [String: Any] = ["query": query, "exportable": historyFile != nil]
            if !query.isEmpty {
                guard query.count <= 200 else { throw HTTPError(.badRequest, message: "the search is too long") }
                values["searched"] = true
                values["hits"] = try await history.search(query, limit: 50).map { hit -> [String: Any] in
                    [
                        "kind": hit.kind == .draft ? "draft" : "filed issue", "runId": hit.runId, "title": hit.title,
                        "url": hit.url as Any,
                    ]
                }
            }
            values["history"] = try await history.runs(limit: 50).map { run -> [String: Any] in
                [
                    "id": run.id ?? 0, "repository": run.repositoryPath, "outcome": run.outcome.rawValue,
                    "drafts": run.draftCount, "filed": run.filedCount, "startedAt": run.startedAt.shown,
                ]
            }
            return pages.render("history", title: "History", values, context: context)
        }
    }

    /// A CSV field, quoted when needed; a leading `=`, `+`, `-` or `@` is defused so a spreadsheet never runs it.
    static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { ",\"\r\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
