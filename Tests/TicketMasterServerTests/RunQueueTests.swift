import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Web service: runs as jobs")
struct RunQueueTests {
    /// A new history in a folder of its own, removed by the caller.
    private static func store() throws -> (URL, SQLiteHistoryStore, any TeamStore) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("run-queue-\(UUID().uuidString)")
        let history = try SQLiteHistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
        return (folder, history, SQLiteTeamStore(history: history))
    }

    @Test("a run request and its job are recorded together, and queueing the waiting ones again adds none")
    func oneJobPerRequest() async throws {
        let (folder, history, team) = try Self.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let repository = try #require(
            try await team.addRepository(name: "api", location: "/srv/api", tracker: nil, sealedToken: nil))
        let request = try await team.createRunRequest(
            repositoryId: try #require(repository.id), requestedBy: "admin", maxIssues: 3, provider: "none")
        let queue = SQLiteJobQueue(history: history)
        let jobs = try await queue.jobs(limit: 10)
        #expect(jobs.map(\.kind) == ["suggest"])
        let payload = try #require(jobs.first?.payload)
        #expect(try JSONDecoder().decode(RunJob.self, from: Data(payload.utf8)).runRequest == request.id)
        #expect(try await team.queueWaitingRequests().map(\.id) == [request.id])
        #expect(try await queue.jobs(limit: 10).count == 1, "a request's suggestion job is added once")
    }

    @Test("filing a run is queued once until that job has run")
    func filingQueuedOnce() async throws {
        let (folder, history, team) = try Self.store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let queue = SQLiteJobQueue(history: history)
        #expect(try await team.queueFiling(runRequest: 7))
        #expect(try await !team.queueFiling(runRequest: 7), "already queued")
        #expect(try await team.queueFiling(runRequest: 8), "another run's filing is its own")
        let claimed = try await queue.claim(worker: "w", kinds: ["file"], limit: 1)
        #expect(try await !team.queueFiling(runRequest: 7), "already running")
        _ = try await queue.complete(try #require(claimed.first?.id), worker: "w")
        #expect(try await team.queueFiling(runRequest: 7), "filed before: may be filed again")
    }
}

@Suite("Web service: a filing cut off by a crash")
struct CrashedFilingTests {
    @Test("a filing job whose server died is rescued when its lease lapses and files each approved draft once")
    func rescuedFiling() async throws {
        let github = try await GitHubTestServer()
        defer { github.stop() }
        try await github.createRepository(owner: "acme", name: "api")
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let server = try TestServer(filingOn: github, roots: [repository.container.path])
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            try await admin.addRepository(repository)
            _ = try await admin.post("/runs", ["repository": "1", "provider": "none", "max_issues": "5"])
            let page = try await RunFlowTests.waitForState(admin, run: 1, ["drafted", "failed"])
            #expect(page.contains("id=\"state\">drafted<"))
        }

        // What a server killed while filing leaves: the drafts approved, the request filing, its job held by a
        // worker that sent its last heartbeat two minutes ago.
        let history = try SQLiteHistoryStore(path: server.settings.historyPath)
        let team = SQLiteTeamStore(history: history)
        let request = try #require(try await team.runRequest(id: 1))
        let approved = try await team.approveWaitingDrafts(runId: try #require(request.runId), by: "admin")
        #expect(approved >= 2)
        try await team.update(runRequest: 1, state: .filing)
        let queue = SQLiteJobQueue(history: history)
        #expect(try await team.queueFiling(runRequest: 1))
        let held = try await queue.claim(worker: "crashed#1#dead", kinds: ["file"], limit: 1)
        let twoMinutesAgo = SQLiteJobQueue(history: history, now: { Date().addingTimeInterval(-120) })
        #expect(try await twoMinutesAgo.heartbeat(held.map(\.id), worker: "crashed#1#dead").count == 1)

        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let filed = try await RunFlowTests.waitForState(admin, run: 1, ["filed", "failed"])
            #expect(filed.contains("id=\"state\">filed<"), "\(filed)")
        }
        #expect(try await github.issues(owner: "acme", name: "api").count == approved)
        let heldId = try #require(held.first?.id)
        let job = try #require(try await queue.job(heldId))
        #expect(job.state == .completed && job.attempt == 2)
        #expect(job.errors.map(\.error) == ["crashed#1#dead stopped sending heartbeats"])
    }
}
