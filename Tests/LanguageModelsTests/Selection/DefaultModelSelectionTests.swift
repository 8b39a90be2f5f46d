import Foundation
import LanguageModels
import Testing
import TicketMasterTesting

@Suite struct DefaultModelSelectionTests {
    /// A port nothing listens on: a loopback server's, after it stopped.
    func closedPort() async throws -> String {
        let server = try await LoopbackServer.start { _ in .text("") }
        await server.shutdown()
        return server.baseURL
    }

    /// A cache folder with stand-ins for the server and the model, enough to count as installed.
    func fakeInstallation() throws -> LocalModelInstallation {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tm-local-\(UUID().uuidString)")
        let installation = LocalModelInstallation(directory: folder)
        try FileManager.default.createDirectory(
            at: installation.serverExecutable.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: installation.modelFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("#!/bin/sh\n".utf8).write(to: installation.serverExecutable)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: installation.serverExecutable.path)
        try Data().write(to: installation.modelFile)
        return installation
    }

    /// The production probe gives up after a second or two on purpose; a loaded test machine needs longer.
    static let probe = TransportOptions(
        timeouts: Timeouts(connect: .seconds(15), idle: .seconds(15), request: .seconds(15)), retryPolicy: .never)

    @Test func reachableOllamaWins() async throws {
        let ollama = try await LoopbackOllama.start(models: ["llama3.2:latest", "qwen2.5:7b"])
        let choice = try await DefaultModelSelection.choose(
            from: [
                .openAI(.init(model: "gpt-4o-mini", apiKey: "sk-x")),
                .ollama(.init(baseURL: ollama.baseURL, model: "llama3.2")),
            ], environment: ["OPENAI_API_KEY": "sk-x"], probe: Self.probe)
        await ollama.shutdown()
        #expect(choice.configuration.provider == "ollama")
        #expect(choice.reason == "Ollama answers at \(ollama.baseURL) and has llama3.2")
    }

    @Test func ollamaWithoutTheDefaultModelOffersItsFirstModelAndSaysSo() async throws {
        let ollama = try await LoopbackOllama.start(models: ["qwen2.5:7b"])
        let choice = try await DefaultModelSelection.choose(
            from: [.ollama(.init(baseURL: ollama.baseURL, model: "llama3.2"))], environment: [:], probe: Self.probe)
        await ollama.shutdown()
        guard case .ollama(let configuration) = choice.configuration else {
            Issue.record("expected ollama, got \(choice.configuration.provider)")
            return
        }
        #expect(configuration.model == "qwen2.5:7b")
        #expect(
            choice.reason
                == "Ollama answers at \(ollama.baseURL); no model is configured (llm.model) and the default, "
                + "llama3.2, is not pulled there, so its first model, qwen2.5:7b, is used")
    }

    /// The user asked for this model, so it is kept, to be pulled, rather than swapped for whatever Ollama has.
    @Test(arguments: [["qwen2.5:7b"], []])
    func aConfiguredModelOllamaLacksIsKeptToBePulled(pulled: [String]) async throws {
        let ollama = try await LoopbackOllama.start(models: pulled)
        let choice = try await DefaultModelSelection.choose(
            from: [
                .ollama(.init(baseURL: ollama.baseURL, model: "llama3.2")),
                .openAI(.init(model: "llama3.2", apiKey: "sk-x")),
            ], environment: ["OPENAI_API_KEY": "sk-x"], modelIsConfigured: true, probe: Self.probe)
        await ollama.shutdown()
        guard case .ollama(let configuration) = choice.configuration else {
            Issue.record("expected ollama, got \(choice.configuration.provider)")
            return
        }
        #expect(configuration.model == "llama3.2")
        #expect(
            choice.reason == "Ollama answers at \(ollama.baseURL) but does not have the configured model, llama3.2, yet"
        )
    }

    @Test func anAPIKeyInTheEnvironmentComesNext() async throws {
        let closed = try await closedPort()
        let choice = try await DefaultModelSelection.choose(
            from: [
                .ollama(.init(baseURL: closed, model: "llama3.2")), .openAI(.init(model: "gpt-4o-mini")),
                .anthropic(.init(model: "claude-3-5-haiku-latest", apiKey: "sk-ant-1")),
                .local(try fakeInstallation()),
            ], environment: ["ANTHROPIC_API_KEY": "sk-ant-1"], probe: Self.probe)
        #expect(choice.configuration.provider == "anthropic")
        #expect(choice.reason == "Ollama does not answer at \(closed); ANTHROPIC_API_KEY is set, so anthropic is used")
    }

    @Test func theInstalledLocalModelIsTheLastResort() async throws {
        let closed = try await closedPort()
        let installation = try fakeInstallation()
        let choice = try await DefaultModelSelection.choose(
            from: [.ollama(.init(baseURL: closed, model: "llama3.2")), .local(installation)], environment: [:],
            probe: Self.probe)
        #expect(choice.configuration.provider == "local")
        #expect(choice.reason.contains("none of OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY is set"))
        #expect(choice.reason.contains("SmolLM2-135M-Instruct"))
        try? FileManager.default.removeItem(at: installation.directory)
    }

    @Test func nothingAvailableSaysWhatToDo() async throws {
        let closed = try await closedPort()
        let missing = LocalModelInstallation(directory: URL(fileURLWithPath: "/nonexistent/ticket-master"))
        await #expect {
            _ = try await DefaultModelSelection.choose(
                from: [.ollama(.init(baseURL: closed, model: "llama3.2")), .local(missing)], environment: [:],
                probe: Self.probe)
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .notInstalled && error.message.contains("ticket-master models install-local")
                && error.message.contains("/nonexistent/ticket-master")
        }
    }
}
