import Foundation
import Testing
import TicketMasterTesting

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `serve --role` and `worker` as an operator starts them: processes that share a PostgreSQL database, refused with
/// one line on SQLite, stopped gracefully by SIGTERM.
@Suite("Web nodes and workers as processes")
struct ScaleOutCommandTests {
    @Test("on SQLite, `worker` and `serve --role web` say they need PostgreSQL and exit 2; a wrong role is named")
    func refusedOnSQLite() throws {
        let runner = try CommandRunner()
        for arguments in [["worker"], ["serve", "--role", "web", "--port", "0"], ["serve", "--role", "worker"]] {
            let result = try runner.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("PostgreSQL"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        let wrong = try runner.run(["serve", "--role", "everything"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("all") && wrong.stderr.contains("worker"), "\(wrong.stderr)")
    }

    @Test(
        "a web node and a worker on one PostgreSQL database start, answer, and stop on SIGTERM with status 0",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func startAndStop() async throws {
        let database = try await PostgresTestDatabase.make()
        let runner = try CommandRunner()
        let port = try LoopbackPort.unused()
        let environment = [
            "TICKET_MASTER_DATABASE_URL": database.url,
            "TICKET_MASTER_SECRET_KEY": Data(repeating: 3, count: 32).base64EncodedString(),
            "TICKET_MASTER_ADMIN_PASSWORD": "a-long-admin-password",
        ]
        let web = try runner.start(["serve", "--role", "web", "--port", String(port)], environment: environment)
        let worker = try runner.start(["worker"], environment: environment)
        var ready = false
        for _ in 0..<150 where !ready {
            try await Task.sleep(for: .milliseconds(200))
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/readyz"))
            if let (_, response) = try? await URLSession.shared.data(from: url),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                ready = true
            }
        }
        #expect(ready, "the web node never answered /readyz")
        #expect(worker.isRunning, "the worker stopped on its own")
        kill(worker.processIdentifier, SIGTERM)
        kill(web.processIdentifier, SIGTERM)
        await CommandRunner.waitForExit(worker)
        await CommandRunner.waitForExit(web)
        #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
        #expect(web.terminationReason == .exit && web.terminationStatus == 0)
        try await database.drop()
    }
}
