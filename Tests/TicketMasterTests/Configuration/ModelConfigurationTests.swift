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

    @Test("llm.ollama.auto_pull is off by default and read from the environment")
    func ollamaAutoPull() throws {
        #expect(try !load([:]).models.ollamaAutoPull)
        #expect(try load(["TICKET_MASTER_LLM_OLLAMA_AUTO_PULL": "true"]).models.ollamaAutoPull)
    }

    @Test("under auto, llm.model names the model on whichever provider is picked; unset, each has its default")
    func autoCarriesTheConfiguredModel() throws {
        func models(_ candidates: [ProviderConfiguration]) -> [String] {
            candidates.compactMap { candidate in
                switch candidate {
                case .ollama(let settings): settings.model
                case .openAI(let settings): settings.model
                case .anthropic(let settings): settings.model
                case .gemini(let settings): settings.model
                case .local: nil
                }
            }
        }
        let configured = try load(["TICKET_MASTER_LLM_MODEL": "qwen2.5:7b"]).providerCandidates()
        #expect(models(configured) == ["qwen2.5:7b", "qwen2.5:7b", "qwen2.5:7b", "qwen2.5:7b"])
        let unset = try load([:]).providerCandidates()
        #expect(models(unset) == ["llama3.2", "gpt-4o-mini", "claude-3-5-haiku-latest", "gemini-2.0-flash"])
    }

    @Test("llm.openai.token_limit_field is auto by default, settled by the host, and can be forced")
    func openAITokenLimitField() throws {
        guard case .openAI(let automatic) = try load([:]).provider("openai"),
            case .openAI(let local) = try load(["TICKET_MASTER_LLM_OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"])
                .provider("openai"),
            case .openAI(let forced) = try load(["TICKET_MASTER_LLM_OPENAI_TOKEN_LIMIT_FIELD": "max_tokens"])
                .provider("openai")
        else {
            Issue.record("openai must be a provider")
            return
        }
        #expect(automatic.tokenLimitField == .automatic && automatic.tokenLimitFieldName == "max_completion_tokens")
        #expect(local.tokenLimitFieldName == "max_tokens")
        #expect(forced.tokenLimitField == .maxTokens && forced.tokenLimitFieldName == "max_tokens")
    }

    @Test("a token-limit field outside the choices is a configuration error that names the variable and the choices")
    func rejectsUnknownField() throws {
        #expect {
            _ = try load(["TICKET_MASTER_LLM_OPENAI_TOKEN_LIMIT_FIELD": "max_output_tokens"])
        } throws: { error in
            "\(error)".contains("TICKET_MASTER_LLM_OPENAI_TOKEN_LIMIT_FIELD")
                && "\(error)".contains("max_completion_tokens")
        }
    }

    @Test(
        "an unset prompt budget gives hosted APIs room for code and keeps local servers' prompts small; a set one wins")
    func promptTokenBudget() throws {
        let defaults = try load([:])
        #expect(defaults.models.promptTokenBudget == nil)
        let budgets = try ["anthropic", "gemini", "openai", "ollama", "local"].map { name in
            RunEnvironment.promptTokenBudget(for: try #require(defaults.provider(name)))
        }
        #expect(budgets == [6000, 6000, 6000, 1200, 1200])
        let server = try load(["TICKET_MASTER_LLM_OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"])
        #expect(RunEnvironment.promptTokenBudget(for: try #require(server.provider("openai"))) == 1200)
        #expect(try load(["TICKET_MASTER_LLM_PROMPT_TOKEN_BUDGET": "3000"]).models.promptTokenBudget == 3000)
    }
}
