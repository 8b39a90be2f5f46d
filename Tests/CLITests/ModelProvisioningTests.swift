import Foundation
import Testing
import TicketMasterTesting

/// `generate` with an Ollama model that Ollama does not have, run as the real binary against ``LoopbackOllama``.
///
/// The binary is awaited with `CommandRunner.detached`, so these tests leave the concurrency pool's few threads to
/// the rest of the suite while it runs.
@Suite("ticket-master generate with a missing Ollama model", .serialized)
struct ModelProvisioningTests {
    let runner: CommandRunner
    let missing = "qwen2.5:0.5b"

    init() throws {
        runner = try CommandRunner()
    }

    /// Runs `body` with a fake Ollama that has only llama3.2 and can pull `pullable`, and a repository with an old
    /// FIXME, so there is at least one draft to write; both are removed afterwards.
    private func withOllama(
        pullable: [String], _ body: (LoopbackOllama, TemporaryGitRepository) async throws -> Void
    ) async throws {
        let ollama = try await LoopbackOllama.start(models: ["llama3.2:latest"], pullable: pullable)
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        do {
            try repository.write("# Demo\n", to: "README.md")
            try repository.write(
                "func parse() {\n    // FIXME: handle malformed input instead of crashing\n}\n",
                to: "Sources/Parser.swift")
            try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
            try await body(ollama, repository)
        } catch {
            await ollama.shutdown()
            throw error
        }
        await ollama.shutdown()
    }

    /// Ollama at `ollama` with `missing` as the configured model, under `provider`.
    private func environment(_ ollama: LoopbackOllama, provider: String = "ollama") -> [String: String] {
        ["OLLAMA_HOST": ollama.baseURL, "TICKET_MASTER_LLM_PROVIDER": provider, "TICKET_MASTER_LLM_MODEL": missing]
    }

    private func generate(
        _ repository: TemporaryGitRepository, _ extra: [String], environment: [String: String]
    ) async throws -> CommandRunner.Result {
        let arguments = ["generate", repository.url.path, "--dry-run", "--max-issues", "2", "--format", "json"] + extra
        return try await CommandRunner.detached { [runner] in
            try runner.run(arguments, environment: environment)
        }
    }

    private func drafts(in stdout: String) throws -> [[String: Any]] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return try #require(json["drafts"] as? [[String: Any]])
    }

    /// The paths Ollama was asked for, in order, with the model of each chat.
    private func calls(_ ollama: LoopbackOllama) -> [String] {
        ollama.server.requests.map { request in
            request.path == "/api/chat" ? "/api/chat \(request.json?["model"]?.stringValue ?? "?")" : request.path
        }
    }

    @Test("--yes pulls the missing model with progress on standard error, then writes drafts with it")
    func pullsWithYes() async throws {
        try await withOllama(pullable: [missing]) { ollama, repository in
            let result = try await generate(repository, ["--yes"], environment: environment(ollama))

            #expect(result.status == 0, "\(result.stderr)")
            #expect(ollama.models.contains(missing))
            // Without a terminal, each phase of the pull is one plain line.
            #expect(result.stderr.contains("pulling \(missing): pulling manifest…\n"), "\(result.stderr)")
            #expect(result.stderr.contains("pulling \(missing): verifying sha256 digest…\n"), "\(result.stderr)")
            #expect(result.stderr.contains("pulled \(missing) into Ollama at \(ollama.baseURL)"), "\(result.stderr)")
            #expect(!result.stderr.contains("\u{1B}["))
            #expect(!(try drafts(in: result.stdout)).isEmpty)
            let calls = calls(ollama)
            let pulled = try #require(calls.firstIndex(of: "/api/pull"), "\(calls)")
            let firstChat = try #require(calls.firstIndex { $0.hasPrefix("/api/chat") }, "\(calls)")
            #expect(pulled < firstChat)
            #expect(calls.filter { $0.hasPrefix("/api/chat") }.allSatisfy { $0 == "/api/chat \(missing)" }, "\(calls)")
        }
    }

    @Test(
        "without a terminal or --yes, a missing model stops the run with one line and exit code 3, pulling nothing",
        arguments: ["ollama", "auto"])
    func refusesWithoutAnswer(provider: String) async throws {
        try await withOllama(pullable: [missing]) { ollama, repository in
            let result = try await generate(repository, ["-q"], environment: environment(ollama, provider: provider))

            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(
                result.stderr.hasPrefix("error: Ollama at \(ollama.baseURL) does not have \(missing)"),
                "\(result.stderr)")
            for remedy in ["`ticket-master models pull \(missing)`", "--yes", "llm.ollama.auto_pull: true"] {
                #expect(result.stderr.contains(remedy), "\(result.stderr)")
            }
            #expect(!calls(ollama).contains("/api/pull"))
            #expect(!calls(ollama).contains { $0.hasPrefix("/api/chat") })
            #expect(ollama.models == ["llama3.2:latest"])
            // The run stopped before anything was recorded.
            let history = try runner.run(["history", "list", "--format", "json"])
            let runs = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [Any]
            #expect(runs?.isEmpty == true, "\(history.stdout)")
        }
    }

    @Test("llm.ollama.auto_pull: true in the configuration file pulls without asking")
    func autoPull() async throws {
        try await withOllama(pullable: [missing]) { ollama, repository in
            let file = runner.home.appendingPathComponent("auto-pull.yaml")
            try Data(
                """
                llm:
                  provider: ollama
                  model: \(missing)
                  ollama:
                    base_url: \(ollama.baseURL)
                    auto_pull: true

                """.utf8
            ).write(to: file)

            let result = try await generate(repository, ["--config", file.path], environment: [:])

            #expect(result.status == 0, "\(result.stderr)")
            #expect(ollama.models.contains(missing))
            #expect(result.stderr.contains("pulled \(missing) into Ollama at \(ollama.baseURL)"), "\(result.stderr)")
            #expect(!(try drafts(in: result.stdout)).isEmpty)
        }
    }

    @Test("on a terminal the user is asked: yes pulls, anything else stops with the same one-line error")
    func asksOnATerminal() async throws {
        try await withOllama(pullable: [missing]) { ollama, repository in
            let arguments = ["generate", repository.url.path, "--dry-run", "--max-issues", "1", "--color", "never"]
            let environment = environment(ollama)
            let question = "pull \(missing) into Ollama at \(ollama.baseURL) now? [y/N]"

            let declined = try await CommandRunner.detached { [runner] in
                try runner.runOnTerminal(arguments, input: "n\n", environment: environment)
            }
            #expect(declined.status == 3, "\(declined.stdout)")
            #expect(declined.stdout.contains(question), "\(declined.stdout)")
            #expect(declined.stdout.contains("Ollama at \(ollama.baseURL) does not have \(missing): pull it with"))
            #expect(!calls(ollama).contains("/api/pull"))

            let accepted = try await CommandRunner.detached { [runner] in
                try runner.runOnTerminal(arguments, input: "y\n", environment: environment)
            }
            #expect(accepted.status == 0, "\(accepted.stdout)")
            #expect(accepted.stdout.contains(question))
            #expect(ollama.models.contains(missing))
            // On a terminal the progress is a bar redrawn in place, not a line per phase.
            #expect(accepted.stdout.contains("\r\u{1B}[2K"), "\(accepted.stdout)")
            #expect(accepted.stdout.contains("pulling \(missing): pulling 6a0746a1ec1a ["), "\(accepted.stdout)")
            #expect(accepted.stdout.contains("/397807936"), "\(accepted.stdout)")
            #expect(!accepted.stdout.contains("pulling manifest…"), "\(accepted.stdout)")
            #expect(accepted.stdout.contains("pulled \(missing) into Ollama at \(ollama.baseURL)"))
        }
    }

    @Test("a pull that fails stops the run with Ollama's reason in one line")
    func pullFailure() async throws {
        try await withOllama(pullable: []) { ollama, repository in
            let result = try await generate(repository, ["--yes", "-q"], environment: environment(ollama))

            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(
                result.stderr.hasPrefix("error: ollama: pulling \(missing) from \(ollama.baseURL)/api/pull failed: "),
                "\(result.stderr)")
            #expect(result.stderr.contains("file does not exist"))
            #expect(!calls(ollama).contains { $0.hasPrefix("/api/chat") })
        }
    }
}
