import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Web service: runs as jobs")
struct RunQueueTests {
    /// A new history in a folder of its own, removed by the caller.
    private static func store() throws -> (URL, SQLiteHistoryStore, TeamStore) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("run-queue-\(UUID().uuidString)")
        let history = try SQLiteHistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
        return (folder, history, TeamStore(history: history))
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
