import Testing
import TicketMasterTesting

@testable import LanguageModels

/// The token-limit field: OpenAI's reasoning models reject `max_tokens`, while llama-server, vLLM and LM Studio read
/// only `max_tokens`. The chat itself is tested against the real llama-server (see `LocalModelTests`).
@Suite struct OpenAICompatibleModelTests {
    @Test(
        "the token limit goes in the one field the setting and the base URL call for",
        arguments: [
            (OpenAICompatibleModel.TokenLimitField.automatic, "https://api.openai.com/v1", "max_completion_tokens"),
            (.automatic, "https://API.OpenAI.com/v1/", "max_completion_tokens"),
            (.automatic, "http://127.0.0.1:8080/v1", "max_tokens"),
            (.automatic, "https://openrouter.ai/api/v1", "max_tokens"),
            (.automatic, "https://api.openai.com.example.net/v1", "max_tokens"),
            (.maxTokens, "https://api.openai.com/v1", "max_tokens"),
            (.maxCompletionTokens, "http://localhost:1234/v1", "max_completion_tokens"),
        ])
    func tokenLimitField(setting: OpenAICompatibleModel.TokenLimitField, baseURL: String, expected: String) {
        let configuration = OpenAICompatibleModel.Configuration(
            baseURL: baseURL, model: "o4-mini", tokenLimitField: setting)
        let request = CompletionRequest(messages: [.user("Say hi")], maxTokens: 321)
        for stream in [false, true] {
            let body = OpenAICompatibleModel.chatBody(request, configuration: configuration, stream: stream)
            #expect(body[expected] == 321)
            let other = expected == "max_tokens" ? "max_completion_tokens" : "max_tokens"
            #expect(body[other] == nil)
            #expect(body["model"] == "o4-mini")
        }
    }

    @Test(
        "OpenAI's reasoning models get no temperature, which they refuse; other models and servers keep it",
        arguments: [
            ("https://api.openai.com/v1", "o4-mini", false), ("https://api.openai.com/v1", "o1", false),
            ("https://api.openai.com/v1", "gpt-5-mini", false), ("https://api.openai.com/v1", "gpt-4o-mini", true),
            ("https://api.openai.com/v1", "omni-moderation", true), ("http://127.0.0.1:8080/v1", "o4-mini", true),
        ])
    func temperature(baseURL: String, model: String, sent: Bool) {
        let configuration = OpenAICompatibleModel.Configuration(baseURL: baseURL, model: model)
        let request = CompletionRequest(messages: [.user("Say hi")], maxTokens: 50, temperature: 0.2)
        let body = OpenAICompatibleModel.chatBody(request, configuration: configuration, stream: false)
        #expect((body["temperature"] != nil) == sent)
    }

    @Test("the configured field reaches the server, in complete and in stream")
    func tokenLimitFieldOnTheWire() async throws {
        let key = "sk-test-0123456789abcdef"
        let server = try await LoopbackServer.start(CannedReplies.openAI(key: key))
        let model = OpenAICompatibleModel(
            .init(
                baseURL: server.baseURL + "/v1", model: "gpt-test", apiKey: key, tokenLimitField: .maxCompletionTokens))
        let request = CompletionRequest(messages: [.user("Say hi")], maxTokens: 99)
        _ = try await model.complete(request)
        for try await _ in model.stream(request) {}
        await server.shutdown()
        let bodies = server.requests.compactMap(\.json)
        #expect(bodies.count == 2)
        #expect(bodies.allSatisfy { $0["max_completion_tokens"] == 99 && $0["max_tokens"] == nil })
    }
}
