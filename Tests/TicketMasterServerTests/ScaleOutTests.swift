import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Scale-out: web nodes and workers sharing one PostgreSQL database")
struct ScaleOutTests {
    /// Two web nodes and a worker, each with a data folder of its own, sharing the database and the secret key.
    struct Nodes {
        /// The secret key every node shares.
        static let key = Data(repeating: 7, count: 32).base64EncodedString()
        let database: PostgresTestDatabase
        let first: TestServer
        let second: TestServer
        let worker: TestServer

        init(github: GitHubTestServer, roots: [String]) async throws {
            database = try await PostgresTestDatabase.make()
            let configuration = TestServer.configuration(filingOn: github, databaseURL: database.url)
            let key = ["TICKET_MASTER_SECRET_KEY": Self.key]
            first = try TestServer(roots: roots, configuration: configuration, role: .web, variables: key)
            second = try TestServer(roots: roots, configuration: configuration, role: .web, variables: key)
            worker = try TestServer(roots: roots, configuration: configuration, role: .worker, variables: key)
        }

        func remove() async throws {
            for server in [first, second, worker] { server.remove() }
            try await database.drop()
        }
    }

    @Test(
        "a run started on one web node is run by a worker, streamed live by the other node, and filed once",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func webNodesAndAWorker() async throws {
        let github = try await GitHubTestServer()
        defer { github.stop() }
        try await github.createRepository(owner: "acme", name: "api")
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        try repository.write("func parse() {\n    // FIXME: handle malformed input\n}\n", to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    // FIXME: tabs break the indentation\n}\n", to: "Sources/Lexer.swift")
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
        let nodes = try await Nodes(github: github, roots: [repository.container.path])

        let worker = try await buildWorker(nodes.worker.settings)
        let working = Task { try await worker.run() }
        let firstApp = try await buildApplication(nodes.first.settings)
        let secondApp = try await buildApplication(nodes.second.settings)
        try await firstApp.test(.router) { firstClient in
            try await secondApp.test(.router) { secondClient in
                // The first node created the admin; the second finds the account and offers no setup.
                let admin = try await Browser.signedIn(firstClient)
                try await admin.addRepository(repository)
                let started = try await admin.post("/runs", ["repository": "1", "provider": "none", "max_issues": "5"])
                #expect(started.location == "/runs/1")

                // The session lives in the database: the same cookie works on the other node, which streams the
                // worker's events live and ends with the run.
                let other = Browser(secondClient)
                other.cookie = admin.cookie
                let stream = try await other.get("/runs/1/events").text
                #expect(stream.contains("\"runStarted\""), "\(stream)")
                #expect(stream.contains("\"draftWritten\""), "\(stream)")
                #expect(stream.hasSuffix("event: end\ndata: {}\n\n"))
                let ids = stream.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap {
                    Int($0.dropFirst(4))
                }
                #expect(ids == Array(1...max(1, ids.count)))
                let resumed = try await other.get("/runs/1/events", headers: [.lastEventID: String(ids.count - 1)])
                #expect(resumed.text.split(separator: "\n").filter { $0.hasPrefix("id: ") } == ["id: \(ids.count)"])

                let page = try await RunFlowTests.waitForState(other, run: 1, ["drafted", "failed"])
                #expect(page.contains("id=\"state\">drafted<"), "\(page)")
                let drafts = RunFlowTests.drafts(in: page)
                // The two notes, and the README and CI the repository lacks.
                #expect(drafts.count == 4, "\(drafts)")
                // Replayed from the database on a node that did not run it.
                #expect(page.range(of: #"run \d+ started"#, options: .regularExpression) != nil, "\(page)")

                // Approved on the second node, filed from the first, by the worker, once.
                _ = try await other.get("/runs/1")
                let approve = drafts.map { "draft=\($0.id)" }.joined(separator: "&")
                #expect(
                    try await other.post("/runs/1/drafts", ["decision": "approve"], extra: approve).status == .seeOther)
                _ = try await admin.get("/runs/1")
                #expect(try await admin.post("/runs/1/file").status == .seeOther)
                let filed = try await RunFlowTests.waitForState(admin, run: 1, ["filed", "failed"])
                #expect(filed.contains("id=\"state\">filed<"), "\(filed)")
                #expect(try await github.issues(owner: "acme", name: "api").count == 4)

                // Filing again from the other node files nothing new.
                _ = try await other.get("/runs/1")
                #expect(try await other.post("/runs/1/file").status == .seeOther)
                _ = try await RunFlowTests.waitForState(other, run: 1, ["filed", "failed"])
                try await Task.sleep(for: .seconds(1))
                #expect(try await github.issues(owner: "acme", name: "api").count == 4)

                // The audit trail is one, whichever node wrote it.
                let audit = try await other.get("/audit").text
                #expect(audit.contains("run.start") && audit.contains("run.file") && audit.contains("draft.approve"))

                // The history is searchable on any node; PostgreSQL is backed up with pg_dump, not downloaded.
                let history = try await other.get("/history?q=malformed").text
                #expect(history.contains("Handle malformed input"), "\(history)")
                #expect(!history.contains("/history/export.json"))
                let export = try await other.get("/history/export.json")
                #expect(export.status == .conflict)
                #expect(export.text.contains("pg_dump"))
            }
        }
        await worker.triggerGracefulShutdown()
        try await working.value
        try await nodes.remove()
    }

    @Test(
        "two workers handed the same filing at once file each approved draft once",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func twoWorkersFileOnce() async throws {
        let github = try await GitHubTestServer()
        defer { github.stop() }
        try await github.createRepository(owner: "acme", name: "api")
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let nodes = try await Nodes(github: github, roots: [repository.container.path])
        let other = try TestServer(
            roots: [repository.container.path],
            configuration: TestServer.configuration(filingOn: github, databaseURL: nodes.database.url), role: .worker,
            variables: ["TICKET_MASTER_SECRET_KEY": Nodes.key])
        defer { other.remove() }
        let workers = [try await buildWorker(nodes.worker.settings), try await buildWorker(other.settings)]
        let working = workers.map { worker in Task { try await worker.run() } }
        let app = try await buildApplication(nodes.first.settings)
        try await app.test(.router) { client in
            let admin = try await Browser.signedIn(client)
            try await admin.addRepository(repository)
            _ = try await admin.post("/runs", ["repository": "1", "provider": "none", "max_issues": "5"])
            let page = try await RunFlowTests.waitForState(admin, run: 1, ["drafted", "failed"])
            let drafts = RunFlowTests.drafts(in: page)
            let all = drafts.map { "draft=\($0.id)" }.joined(separator: "&")
            #expect(try await admin.post("/runs/1/drafts", ["decision": "approve"], extra: all).status == .seeOther)
        }
        let approved =
            try await nodes.database.values(
                "SELECT count(*)::text FROM draft WHERE record ->> 'status' = 'approved'"
            ).first.flatMap { $0.flatMap { Int($0) } } ?? 0
        #expect(approved >= 2)
        // Two filings of the run, as a retried job and a second request could make them, claimed by both workers.
        try await nodes.database.execute(
            """
            INSERT INTO job (kind, payload, max_attempts, unique_key)
            VALUES ('file', '{"runRequest":1}', 3, 'twice:1'), ('file', '{"runRequest":1}', 3, 'twice:2')
            """)
        try await nodes.database.execute("NOTIFY ticket_master_jobs, 'file'")
        var finished: [String?] = []
        for _ in 0..<300 where finished != ["completed", "completed"] {
            try await Task.sleep(for: .milliseconds(200))
            finished = try await nodes.database.values("SELECT state FROM job WHERE kind = 'file' ORDER BY id")
        }
        #expect(finished == ["completed", "completed"])
        #expect(try await github.issues(owner: "acme", name: "api").count == approved)
        for worker in workers { await worker.triggerGracefulShutdown() }
        for task in working { try await task.value }
        try await nodes.remove()
    }

    @Test(
        "a run whose worker died is given back when its lease lapses, and the next worker marks it interrupted",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func deadWorker() async throws {
        let github = try await GitHubTestServer()
        defer { github.stop() }
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let nodes = try await Nodes(github: github, roots: [repository.container.path])
        let store = try await PostgresHistoryStore(location: nodes.database.location)
        let team = PostgresTeamStore(history: store)
        let record = try #require(
            try await team.addRepository(name: "api", location: repository.url.path, tracker: nil, sealedToken: nil))
        let request = try await team.createRunRequest(
            repositoryId: try #require(record.id), requestedBy: "alice", maxIssues: 3, provider: "none")
        let id = try #require(request.id)
        // What a worker killed mid-run leaves: the request running, its job held, the last heartbeat long ago.
        try await team.update(runRequest: id, state: .running)
        let held = try await PostgresJobQueue(store: store).claim(worker: "dead#1", kinds: [RunJob.suggest], limit: 1)
        #expect(held.count == 1)
        try await nodes.database.execute("UPDATE job SET heartbeat_at = now() - interval '2 minutes'")

        let worker = try await buildWorker(nodes.worker.settings)
        let working = Task { try await worker.run() }
        var state = RunRequestState.running
        for _ in 0..<300 where state == .running {
            try await Task.sleep(for: .milliseconds(200))
            state = try await team.runRequest(id: id)?.state ?? .running
        }
        #expect(state == .interrupted)
        #expect(try await team.runRequest(id: id)?.message == "the worker running it stopped")
        let heldId = try #require(held.first?.id)
        let job = try #require(try await PostgresJobQueue(store: store).job(heldId))
        #expect(job.attempt == 2 && job.errors.map(\.error) == ["dead#1 stopped sending heartbeats"])
        await worker.triggerGracefulShutdown()
        try await working.value
        await store.close()
        try await nodes.remove()
    }

    @Test("web and worker roles need PostgreSQL, and a worker serves no pages")
    func rolesNeedPostgres() async throws {
        let web = try TestServer(role: .web)
        defer { web.remove() }
        do {
            _ = try await buildApplication(web.settings)
            Issue.record("a web node on SQLite started")
        } catch let error as TicketMasterError {
            #expect(error.message.contains("PostgreSQL"), "\(error.message)")
            #expect(error.code == .usage)
        }
        let worker = try TestServer(role: .worker)
        defer { worker.remove() }
        do {
            _ = try await buildWorker(worker.settings)
            Issue.record("a worker on SQLite started")
        } catch let error as TicketMasterError {
            #expect(error.message.contains("database.url"), "\(error.message)")
        }
        do {
            _ = try await buildApplication(worker.settings)
            Issue.record("a worker served pages")
        } catch let error as TicketMasterError {
            #expect(error.message.contains("ticket-master worker"), "\(error.message)")
        }
    }
}
