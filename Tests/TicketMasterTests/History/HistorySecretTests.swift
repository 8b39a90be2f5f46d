import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("No credential reaches the history file")
struct HistorySecretTests {
    @Test("tokens and API keys set through the configuration appear nowhere in the database or its log")
    func noSecretInFile() async throws {
        let folder = try TemporaryFolder()
        let githubToken = "ghp_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let openAIKey = "sk-proj-\(UUID().uuidString)"
        let anthropicKey = "sk-ant-\(UUID().uuidString)"
        let geminiKey = "AIza\(UUID().uuidString)"
        let projectFile = folder.path(".ticket-master.yaml")
        try Data("llm:\n  gemini:\n    api_key: \(geminiKey)\n".utf8).write(to: URL(fileURLWithPath: projectFile))
        let resolved = ConfigurationLoader(environment: [
            "HOME": folder.url.path,
            "GITHUB_TOKEN": githubToken,
            "OPENAI_API_KEY": openAIKey,
            "ANTHROPIC_API_KEY": anthropicKey,
            "TICKET_MASTER_HISTORY_KEEP_PROMPTS": "true",
            "TICKET_MASTER_HISTORY_PATH": folder.path("history.sqlite"),
        ]).load(explicitFile: projectFile)
        let configuration = try resolved.configuration()
        let secrets = [githubToken, openAIKey, anthropicKey, geminiKey]
        #expect(Set(resolved.secrets) == Set(secrets))
        #expect(configuration.history.keepPrompts)

        let path = configuration.history.databasePath()
        let store = try SQLiteHistoryStore(path: path, policy: HistoryPolicy(resolved, configuration: configuration))
        // A run's writes, with every secret echoed where a careless provider, tracker or remote could put it.
        let run = try await store.startRun(
            RunRecord(
                repositoryPath: folder.url.path,
                repositoryRemote: "https://x-access-token:\(githubToken)@github.com/a/b",
                commitHash: String(repeating: "c", count: 40), configurationDigest: resolved.digest))
        let runId = try #require(run.id)
        try await HistorySample.recordRun(into: store, text: secrets.joined(separator: " "))
        _ = try await store.recordModelCall(
            ModelCallRecord(
                runId: runId, provider: "openai", model: "gpt-4o-mini", promptTemplate: "draft-issue@1",
                promptTokens: 1, completionTokens: 1, latencyMilliseconds: 1,
                prompt: "Authorization: Bearer \(openAIKey)", response: "x-api-key: \(anthropicKey)"))
        try await store.finishRun(
            runId, outcome: .failed, counts: RunCounts(),
            message: "GET https://api.github.com/?access_token=\(githubToken) failed", at: Date())
        try await store.recordEvents([
            RunEventRecord(
                runId: runId, sequence: 0,
                event: .issueFailed(title: "Rotate \(githubToken)", reason: "rejected token \(openAIKey)"))
        ])

        for file in [path, path + "-wal"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in secrets {
                #expect(!bytes.contains(secret), "a secret is in \(file)")
            }
        }
        // The texts themselves were kept, with the secrets masked.
        let detail = try await store.run(runId)
        #expect(detail.modelCalls.first?.prompt == "Authorization: Bearer ********")
        #expect(detail.run.repositoryRemote == "https://github.com/a/b")
    }

    @Test("the configuration digest ignores secret values and follows every other value")
    func digest() throws {
        let folder = try TemporaryFolder()
        func digest(_ environment: [String: String]) -> String {
            ConfigurationLoader(environment: environment.merging(["HOME": folder.url.path]) { $1 })
                .load(searchDirectory: folder.url.path).digest
        }
        let plain = digest([:])
        #expect(digest(["GITHUB_TOKEN": "ghp_one"]) == digest(["GITHUB_TOKEN": "ghp_two"]))
        #expect(digest(["GITHUB_TOKEN": "ghp_one"]) != plain, "whether a token is set is part of the settings")
        #expect(digest(["TICKET_MASTER_ISSUE_GENERATION_MAX_ISSUES": "9"]) != plain)
    }
}
