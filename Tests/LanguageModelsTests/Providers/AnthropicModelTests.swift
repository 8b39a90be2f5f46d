import LanguageModels
import Testing
import TicketMasterTesting

/// Anthropic's wire format beyond what llama-server exercises: llama-server serves `/v1/messages` but ignores
/// `tool_choice` for SmolLM2, so forced tool use is checked against a loopback server answering as Anthropic does.
@Suite struct AnthropicModelTests {
    struct Title: Decodable, Sendable {
        var title: String
    }

    @Test func structuredOutputIsAForcedToolCall() async throws {
        let harness = try await Provider.anthropic.start()
        let model = harness.model(TransportOptions())
        let result = try await model.generate(
            Title.self, schema: .object([.init("title", .string(maxLength: 30))]),
            request: CompletionRequest(messages: [.system("Be brief."), .user("Title this bug")]))
        await harness.server.shutdown()
        #expect(result.value.title == "Fix login")
        #expect(result.completions.first?.finishReason == .stop)
        let body = try #require(harness.server.requests.last?.json)
        #expect(body["system"] == "Be brief.")
        #expect(body["messages"]?.arrayValue?.count == 1)
        #expect(body["tools"]?.arrayValue?.first?["name"] == "Title")
        #expect(body["tools"]?.arrayValue?.first?["input_schema"]?["required"] == ["title"])
        #expect(body["tool_choice"] == ["type": "tool", "name": "Title"])
    }
}
