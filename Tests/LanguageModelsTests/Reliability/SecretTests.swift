import LanguageModels
import Testing
import TicketMasterTesting

/// Keys reach the provider and nothing else: not error messages, not logs, not descriptors.
@Suite struct SecretTests {
    let key = "sk-secret-do-not-print-0123456789"

    @Test func keysStayOutOfErrorsAndLogsEvenWhenTheServerEchoesThem() async throws {
        // Like OpenAI's "Incorrect API key provided: …", this server repeats the key it was sent.
        let server = try await LoopbackServer.start { request in
            .json(
                ["error": ["message": "Incorrect API key provided: \(request.headers["authorization"] ?? "")"]],
                status: 401)
        }
        let logs = LogCapture()
        let clock = RecordingClock()
        let model = OpenAICompatibleModel(
            .init(
                baseURL: server.baseURL + "/v1", model: "gpt-test", apiKey: key, organization: "org-1",
                headers: ["x-gateway-token": "gw-token-secret-value"]),
            options: TransportOptions(clock: clock, logger: logs.logger))
        server.inject(.status(503, retryAfter: "1"))
        do {
            _ = try await model.complete(CompletionRequest(messages: [.user("hi")]))
            Issue.record("expected a failure")
        } catch let error as LanguageModelError {
            #expect(error.code == .unauthorized)
            #expect(error.message.contains("Incorrect API key provided: Bearer ***"))
            #expect(!error.message.contains(key))
            #expect(!String(describing: error.cause as Any).contains(key))
        }
        let sent = try #require(server.requests.last)
        #expect(sent.headers["authorization"] == "Bearer \(key)")
        #expect(sent.headers["openai-organization"] == "org-1")
        #expect(sent.headers["x-gateway-token"] == "gw-token-secret-value")
        #expect(logs.text.contains("retrying in"))
        #expect(!logs.text.contains(key))
        #expect(!logs.text.contains("gw-token-secret-value"))
        await server.shutdown()
    }

    @Test func urlsAreShownWithoutCredentials() {
        let descriptor = ModelDescriptor(
            provider: "openai", model: "m", baseURL: "https://user:hunter2@gateway.example/v1?key=abc123&region=eu")
        #expect(descriptor.baseURL == "https://gateway.example/v1?key=***&region=eu")
    }
}
