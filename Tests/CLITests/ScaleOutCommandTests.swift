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

/// A worker process killed with SIGKILL in the middle of a run: another worker process takes the job back once its
/// lease lapses and ends the run, whose events go on from where the first one stopped.
@Suite("A worker killed mid-run")
struct KilledWorkerTests {
    @Test(
        "kill -9 of a worker mid-run: its job is rescued after the lease and completed once; the run is interrupted",
        .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(8)))
    func killedMidRun() async throws {
        let database = try await PostgresTestDatabase.make()
        let ollama = try await LoopbackOllama.start(models: ["llama3.2:latest"])
        ollama.server.inject(.slow(.seconds(30)), count: 100)
        let repository = try await TemporaryGitRepository.withThreeNotes()
        defer { repository.remove() }
        let runner = try CommandRunner()
        let environment = [
            "TICKET_MASTER_DATABASE_URL": database.url, "OLLAMA_HOST": ollama.baseURL,
            "TICKET_MASTER_LLM_MODEL": "llama3.2", "TICKET_MASTER_LLM_EMBEDDING_MODEL": "none",
            "TICKET_MASTER_SECRET_KEY": Data(repeating: 5, count: 32).base64EncodedString(),
        ]
        let first = try runner.start(["worker"], environment: environment)
        // The first worker migrates the database; then a run is queued as a web node queues it.
        var migrated = false
        for _ in 0..<150 where !migrated {
            try await Task.sleep(for: .milliseconds(200))
            migrated = (try? await database.values("SELECT count(*)::text FROM run_request")) != nil
        }
        #expect(migrated)
        let path = repository.url.path.replacingOccurrences(of: "'", with: "''")
        for statement in [
            "INSERT INTO repository (name, location, created_at) VALUES ('tools', '\(path)', now())",
            """
            INSERT INTO run_request (repository_id, requested_by, max_issues, provider, state, created_at)
            VALUES (1, 'alice', 3, 'ollama', 'queued', now())
            """,
            """
            INSERT INTO job (kind, payload, max_attempts, unique_key)
            VALUES ('suggest', '{"runRequest":1}', 3, 'suggest:1')
            """,
            "NOTIFY ticket_master_jobs, 'suggest'",
        ] {
            try await database.execute(statement)
        }
        // Killed as soon as the run asks the model, which holds every answer for thirty seconds, so the run cannot
        // finish first.
        let server = ollama.server
        let killed = await CommandRunner.signal(SIGKILL, to: first, timeout: 120) {
            server.requests.contains { $0.path == "/api/chat" }
        }
        #expect(killed, "the run never reached the model")
        await CommandRunner.waitForExit(first)
        let eventsBefore = try await database.values("SELECT count(*)::text FROM run_request_event").first ?? nil
        #expect(try await database.values("SELECT state FROM run_request") == ["running"])

        // The leader rescues the job within a lease and a half of the last heartbeat (60 to 90 seconds); the
        // deadline leaves room for a loaded machine.
        let second = try runner.start(["worker"], environment: environment)
        let deadline = ContinuousClock.now + .seconds(240)
        var state: String?
        while state != "interrupted" && ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            state = try await database.values("SELECT state FROM run_request").first ?? nil
        }
        #expect(state == "interrupted")
        #expect(
            try await database.values("SELECT state || ' ' || attempt FROM job WHERE kind = 'suggest'")
                == ["completed 2"])
        // The first worker's events are kept, and the second one ended the stretch after them.
        let events = try await database.values(
            "SELECT coalesce(payload, 'end') FROM run_request_event ORDER BY number")
        #expect(Int(eventsBefore ?? "0") ?? 0 > 0)
        #expect(events.last == "end", "\(events)")
        kill(second.processIdentifier, SIGTERM)
        await CommandRunner.waitForExit(second)
        #expect(second.terminationReason == .exit && second.terminationStatus == 0)
        await ollama.shutdown()
        try await database.drop()
    }
}

extension TemporaryGitRepository {
    /// A repository with three old notes in three files: three suggestions, each written by the model.
    static func withThreeNotes() async throws -> TemporaryGitRepository {
        let repository = try await TemporaryGitRepository.make()
        for name in ["Parser", "Lexer", "Printer"] {
            try repository.write(
                "func run() {\n    // FIXME: \(name) drops malformed input\n}\n", to: "Sources/\(name).swift")
        }
        try await repository.commit("Add the tools", date: Date(timeIntervalSince1970: 1_600_000_000))
        return repository
    }
}
