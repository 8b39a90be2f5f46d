import Foundation
import LanguageModels
import Testing
import TicketMaster

@Suite("llm.* keys reach the provider configurations")
struct ModelConfigurationTests {
    private func load(_ environment: [String: String]) throws -> Configuration {
        let folder = try TemporaryFolder()
        return try ConfigurationLoader(environment: environment.merging(["HOME": folder.url.path]) { $1 })
            .load(searchDirectory: folder.url.path).configuration()
    }

    @Test("llm.ollama.num_ctx is unset by default, read from the environment, and 0 means the server's window")
    func ollamaContextLength() throws {
        #expect(try load([:]).models.ollamaContextLength == nil)
        let configuration = try load(["TICKET_MASTER_LLM_OLLAMA_NUM_CTX": "16384"])
        guard case .ollama(let ollama) = configuration.provider("ollama/qwen2.5:7b") else {
            Issue.record("ollama must be a provider")
            return
        }
        #expect(ollama.contextLength == 16384 && ollama.model == "qwen2.5:7b")
        #expect(try load(["TICKET_MASTER_LLM_OLLAMA_NUM_CTX": "0"]).models.ollamaContextLength == nil)
    }
}
