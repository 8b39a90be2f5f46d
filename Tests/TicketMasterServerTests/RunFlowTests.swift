import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Web service: a run from start to filed issues")
struct RunFlowTests {
    /// Polls run request `id`'s page until its state is one of `states`.
    static func waitForState(_ browser: Browser, run id: Int, _ states: [String]) async throws -> String {
        for _ in 0..<600 {
            let page = try await browser.get("/runs/\(id)").text
            if states.contains(where: { page.contains("id=\"state\">\($0)<") }) { return page }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("run \(id) never reached \(states)")
        return ""
    }

    /// The drafts on a run page: id and title, in page order.
    static func drafts(in page: String) -> [(id: Int, title: String)] {
        let pattern = #"id="draft-title-(\d+)">(?:<input[^>]*> )?([^<]*)</h3>"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(page.startIndex..., in: page)
        return expression.matches(in: page, range: range).compactMap { match in
            guard let id = Range(match.range(at: 1), in: page), let title = Range(match.range(at: 2), in: page) else {
                return nil
            }
            return (Int(page[id]) ?? 0, String(page[title]))
        }
    }

    @Test(
        "start, watch, edit, approve two, reject one with a reason, file on the GitHub test server; viewers only read")
    func wholeRun() async throws {
        let github = try await GitHubTestServer()
        defer { github.stop() }
        try await github.createRepository(owner: "acme", name: "api")
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        // The parser's note names a failure, so it outranks the two tasks and stays within two markers a run.
        try repository.write(
            "func parse() {\n    // FIXME: malformed input crashes the parser\n}\n", to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    // TODO: support tabs in indentation\n}\n", to: "Sources/Lexer.swift")
        try repository.write(
            "func show() {\n    // TODO: escape <script>alert(1)</script> in the preview\n}\n", to: "Sources/View.swift"
        )
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))

        let server = try TestServer(filingOn: github, roots: [repository.container.path])
        defer { server.remove() }
        let token = "ghp_" + String(repeating: "t", count: 36)
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            #expect(
                try await admin.post(
                    "/accounts", ["name": "viewer1", "password": "a-long-password-1", "role": "viewer"]
                ).status == .seeOther)
            let added = try await admin.post(
                "/repositories",
                ["name": "api", "location": repository.url.path, "tracker": "acme/api", "token": token])
            #expect(added.status == .seeOther)
            let started = try await admin.post("/runs", ["repository": "1", "provider": "none", "max_issues": "5"])
            #expect(started.status == .seeOther)
            #expect(started.location == "/runs/1")

            // The event stream: numbered events, then `end`; a reconnection resumes after the last one seen.
            let stream = try await admin.get("/runs/1/events").text
            #expect(stream.contains("id: 1\n"))
            #expect(stream.contains("\"runStarted\""))
            #expect(stream.hasSuffix("event: end\ndata: {}\n\n"))
            let ids = stream.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            #expect(ids == Array(1...ids.count))
            let resumed = try await admin.get("/runs/1/events", headers: [.lastEventID: String(ids.count - 2)]).text
            #expect(
                resumed.split(separator: "\n").filter { $0.hasPrefix("id: ") } == [
                    "id: \(ids.count - 1)", "id: \(ids.count)",
                ])

            let page = try await Self.waitForState(admin, run: 1, ["drafted", "failed"])
            #expect(page.contains("id=\"state\">drafted<"))
            // Repository text is shown as text, never as markup.
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.contains("<script>alert(1)"))
            #expect(!page.contains(token))
            let drafts = Self.drafts(in: page)
            #expect(drafts.count == 4, "\(drafts)")
            let parser = try #require(drafts.first { $0.title.contains("malformed input") }?.id)
            let readme = try #require(drafts.first { $0.title == "Add a README" }?.id)
            let view = try #require(drafts.first { $0.title.contains("escape") }?.id)

            // Edit the first draft's title and approve it; approve the second in bulk; reject the third.
            let edited = try await admin.post(
                "/runs/1/drafts/\(parser)",
                [
                    "title": "Handle malformed input in the parser", "labels": "bug, parser", "body": "Edited body.",
                    "assignees": "octocat", "decision": "approve",
                ])
            #expect(edited.status == .seeOther)
            #expect(
                try await admin.post("/runs/1/drafts", ["decision": "approve"], extra: "draft=\(readme)").status
                    == .seeOther)
            #expect(
                try await admin.post(
                    "/runs/1/drafts/\(view)",
                    ["title": "Escape the preview", "decision": "reject", "reason": "already fixed upstream"]
                ).status == .seeOther)

            // A viewer reads the drafts but has no buttons, and is refused if it posts anyway.
            let viewer = try await Browser.signedIn(client, name: "viewer1", password: "a-long-password-1")
            let seen = try await viewer.get("/runs/1").text
            #expect(seen.contains("Handle malformed input in the parser"))
            #expect(!seen.contains("value=\"approve\""))
            #expect(!seen.contains("/runs/1/file"))
            #expect(
                try await viewer.post("/runs/1/drafts/\(readme)", ["title": "x", "decision": "reject"]).status
                    == .forbidden)

            #expect(try await admin.post("/runs/1/file").status == .seeOther)
            let filed = try await Self.waitForState(admin, run: 1, ["filed", "failed"])
            #expect(filed.contains("id=\"state\">filed<"), "\(filed)")
            #expect(filed.contains("https://github.com/acme/api/issues/1"))
            #expect(filed.contains("already fixed upstream"))
            let issues = try await github.issues(owner: "acme", name: "api")
            #expect(issues.count == 2)
            #expect(issues.contains { $0.title == "Handle malformed input in the parser" })
            #expect(
                issues.first { $0.title == "Handle malformed input in the parser" }?.labels.map(\.name).sorted() == [
                    "bug", "parser",
                ])
            #expect(
                issues.first { $0.title == "Handle malformed input in the parser" }?.assignees.map(\.login) == [
                    "octocat"
                ])
            let requests = try await github.requests()
            #expect(requests.allSatisfy { $0.invalid == nil })
            #expect(
                requests.allSatisfy {
                    $0.headers["authorization"] == "Bearer \(token)" || $0.headers["Authorization"] == "Bearer \(token)"
                })

            // Filing twice files nothing new.
            #expect(try await admin.post("/runs/1/file").status == .seeOther)
            _ = try await Self.waitForState(admin, run: 1, ["filed", "failed"])
            #expect(try await github.issues(owner: "acme", name: "api").count == 2)

            let export = try await admin.get("/history/export.json")
            #expect(export.status == .ok)
            #expect(export.text.contains("Handle malformed input in the parser"))
            #expect(!export.text.contains("passwordHash") && !export.text.contains(token))
            let metrics = try await admin.get("/metrics").text
            #expect(metrics.contains(#"ticket_master_issues_total{result="filed"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"ticket_master_runs_started_total{provider="none"} 1"#))
            #expect(metrics.contains(#"ticket_master_runs_ended_total{state="filed"}"#))
            #expect(
                metrics.contains(
                    #"ticket_master_http_request_duration_seconds_count{method="POST",route="/runs/{id}/drafts/{draft}""#
                ))
            let audit = try await admin.get("/audit").text
            for action in ["run.start", "draft.approve", "draft.reject", "run.file", "repository.add"] {
                #expect(audit.contains(action), "\(action)")
            }
            #expect(!audit.contains(token))
        }
    }

    @Test("a run still queued when the server stopped runs when it starts again; one left running is interrupted")
    func queuedRunsSurviveARestart() async throws {
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let server = try TestServer(
            roots: [repository.container.path], configuration: "llm:\n  embedding_model: none\n")
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let added = try await admin.post("/repositories", ["name": "api", "location": repository.url.path])
            #expect(added.status == .seeOther)
        }
        // What a server that stopped with one run running and one waiting leaves in its database.
        let team = SQLiteTeamStore(history: try SQLiteHistoryStore(path: server.settings.historyPath))
        let running = try await team.createRunRequest(
            repositoryId: 1, requestedBy: "admin", maxIssues: 3, provider: "none")
        try await team.update(runRequest: try #require(running.id), state: .running)
        let waiting = try await team.createRunRequest(
            repositoryId: 1, requestedBy: "admin", maxIssues: 3, provider: "none")

        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let page = try await Self.waitForState(admin, run: Int(try #require(waiting.id)), ["drafted", "failed"])
            #expect(page.contains("id=\"state\">drafted<"))
            #expect(try await team.runRequest(id: try #require(running.id))?.state == .interrupted)
        }
    }
}

@Suite("Web service: many watchers of one run")
struct WatchersTests {
    @Test("twenty watchers of a run queued behind a longer one each receive every event, in order")
    func fanOut() async throws {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        try repository.write(
            "// TODO: handle empty input files in the reader\nint main(void) { return 0; }\n", to: "src/main.c")
        try await repository.commit("Start", date: Date(timeIntervalSince1970: 1_600_000_000))
        let package = CommandRunner.packageRoot.path
        let server = try TestServer(roots: [repository.container.path, package])
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            #expect(
                try await admin.post("/repositories", ["name": "small", "location": repository.url.path]).status
                    == .seeOther)
            #expect(try await admin.post("/repositories", ["name": "large", "location": package]).status == .seeOther)
            // Run 1 (this package's whole history) keeps the queue busy while the watchers of run 2 connect.
            #expect(try await admin.post("/runs", ["repository": "2", "provider": "none"]).status == .seeOther)
            #expect(try await admin.post("/runs", ["repository": "1", "provider": "none"]).status == .seeOther)
            let cookie = admin.cookie ?? ""
            let streams = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await client.execute(
                            uri: "/runs/2/events", method: .get, headers: [.cookie: "tm_session=\(cookie)"]
                        ).text
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let ids = streams.map { stream in
                stream.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            }
            #expect(ids.count == 20)
            #expect(Set(ids.map(\.count)).count == 1, "every watcher saw the same number of events")
            #expect(ids.allSatisfy { $0 == Array(1...max(1, $0.count)) && $0.count > 3 })
            #expect(streams.allSatisfy { $0.contains("\"runStarted\"") && $0.hasSuffix("event: end\ndata: {}\n\n") })
        }
    }
}
