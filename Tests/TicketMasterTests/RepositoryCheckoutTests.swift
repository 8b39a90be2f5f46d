import Foundation
import RepositoryAnalysis
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("RepositoryCheckout")
struct RepositoryCheckoutTests {
    @Test("a mirror is cloned once, then fetched and moved to the remote's latest commit; a bad URL is one line")
    func mirror() async throws {
        let origin = try await TemporaryGitRepository.make()
        defer { origin.remove() }
        try origin.write("first\n", to: "a.txt")
        let first = try await origin.commit("First", date: Date(timeIntervalSince1970: 1_600_000_000))
        let folder = origin.container.appendingPathComponent("mirrors/1")
        let git = GitExecutable()
        let cloned = try await RepositoryCheckout.mirror(origin.url.path, into: folder, depth: 10, git: git)
        #expect(!cloned.isTemporary)
        #expect(try await git.run(["rev-parse", "HEAD"], in: folder).text == first)

        try origin.write("second\n", to: "a.txt")
        let second = try await origin.commit("Second", date: Date(timeIntervalSince1970: 1_600_100_000))
        _ = try await RepositoryCheckout.mirror(origin.url.path, into: folder, depth: 10, git: git)
        #expect(try await git.run(["rev-parse", "HEAD"], in: folder).text == second)
        #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "second\n")

        let error = await #expect(throws: TicketMasterError.self) {
            try await RepositoryCheckout.mirror(
                "https://user:secret@127.0.0.1:9/none.git", into: origin.container.appendingPathComponent("mirrors/2"),
                depth: 10, git: git)
        }
        #expect(error?.message.hasPrefix("cannot clone https://127.0.0.1:9/none.git:") == true)
        #expect(error?.message.contains("secret") == false)
        #expect(!FileManager.default.fileExists(atPath: origin.container.appendingPathComponent("mirrors/2").path))
    }
}
