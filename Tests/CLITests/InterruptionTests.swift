import Foundation
import Testing
import TicketMasterTesting

/// Ctrl-C while `generate` writes issues: the process stops at the next safe point, exits 130, and what it finished
/// is kept in history.
@Suite("Ctrl-C during generate", .serialized)
struct InterruptionTests {
    @Test("Ctrl-C while a model writes keeps the drafts finished so far, marks the run interrupted, and exits 130")
    func keepsFinishedDrafts() async throws {
        let runner = try CommandRunner()
        let ollama = try await LoopbackOllama.start(models: ["llama3.2:latest"])
        let repository = try await TemporaryGitRepository.withThreeNotes()
        defer { repository.remove() }
        // Every model reply takes a second, so the run is still writing when Ctrl-C comes.
        ollama.server.inject(.slow(.seconds(1)), count: 100)

        let process = try runner.start(
            ["generate", repository.url.path, "--dry-run", "--max-issues", "3", "--provider", "ollama"],
            environment: ["OLLAMA_HOST": ollama.baseURL, "TICKET_MASTER_LLM_MODEL": "llama3.2"])
        // Interrupt once the first issue is done and the second is being written.
        let server = ollama.server
        let interrupted = await CommandRunner.signal(SIGINT, to: process) {
            server.requests.filter({ $0.path == "/api/chat" }).count >= 3
        }
        #expect(interrupted, "the run ended before it could be interrupted")
        await CommandRunner.waitForExit(process)
        await ollama.shutdown()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130)

        let show = try runner.run(["history", "show", "1", "--format", "json"])
        #expect(show.status == 0, "\(show.stderr)")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let run = try #require(detail["run"] as? [String: Any])
        #expect(run["outcome"] as? String == "interrupted", "\(run)")
        let drafts = try #require(detail["drafts"] as? [[String: Any]])
        #expect((1...2).contains(drafts.count), "\(drafts.count) drafts kept")
        #expect((detail["modelCalls"] as? [Any])?.isEmpty == false)
    }
}
