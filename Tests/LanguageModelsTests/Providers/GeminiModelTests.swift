import LanguageModels
import Testing
import TicketMasterTesting

/// Gemini cannot be reached from here, so its client runs against ``LoopbackGemini``, which reproduces the
/// documented `generateContent` wire format, its authentication errors and its schema dialect.
@Suite struct GeminiModelTests {
    struct Labels: Decodable, Sendable {
        var labels: [String]
        var urgent: Bool
    }

    func withGemini(_ body: (LoopbackGemini) async throws -> Void) async throws {
        let gemini = try await LoopbackGemini.start()
        do {
            try await body(gemini)
        } catch {
            await gemini.shutdown()
            throw error
        }
        await gemini.shutdown()
    }

    func model(_ gemini: LoopbackGemini, key: String? = nil, name: String = "models/gemini-2.0-flash") -> GeminiModel {
        GeminiModel(.init(baseURL: gemini.baseURL, model: name, apiKey: key ?? gemini.apiKey))
    }

    @Test func sendsTheKeyInAHeaderAndTheSystemPromptApart() async throws {
        try await withGemini { gemini in
            let completion = try await model(gemini).complete(
                CompletionRequest(
                    messages: [.system("Be brief."), .user("Hello"), .assistant("Hi"), .user("Bye")], maxTokens: 30))
            #expect(completion.finishReason == .stop)
            #expect(completion.usage.promptTokens == 3)
            #expect(completion.usage.completionTokens > 0)
            let request = try #require(gemini.server.requests.last)
            #expect(request.uri == "/v1beta/models/gemini-2.0-flash:generateContent")
            #expect(!request.uri.contains(gemini.apiKey))
            #expect(request.headers["x-goog-api-key"] == gemini.apiKey)
            let body = try #require(request.json)
            #expect(body["systemInstruction"]?["parts"] == [["text": "Be brief."]])
            #expect(body["contents"]?.arrayValue?.map { $0["role"] } == ["user", "model", "user"])
            #expect(body["generationConfig"]?["maxOutputTokens"] == 30)
        }
    }

    @Test func streamsServerSentEvents() async throws {
        try await withGemini { gemini in
            var deltas: [String] = []
            var final: Completion?
            for try await chunk in model(gemini).stream(CompletionRequest(messages: [.user("Hello")])) {
                switch chunk {
                case .delta(let text): deltas.append(text)
                case .done(let completion): final = completion
                }
            }
            let completion = try #require(final)
            #expect(deltas.count > 1)
            #expect(deltas.joined() == completion.text)
            #expect(completion.usage.completionTokens == deltas.count)
            #expect(gemini.server.requests.last?.uri.hasSuffix(":streamGenerateContent?alt=sse") == true)
        }
    }

    @Test func structuredOutputUsesResponseSchemaInGeminisDialect() async throws {
        try await withGemini { gemini in
            let schema = JSONSchema.object([
                .init("labels", .array(of: .oneOf(["bug", "docs"]), maxItems: 3)), .init("urgent", .boolean()),
            ])
            let result = try await model(gemini).generate(
                Labels.self, schema: schema, request: CompletionRequest(messages: [.user("Label this")]))
            #expect(result.value.labels == ["bug"])
            let config = gemini.server.requests.last?.json?["generationConfig"]
            #expect(config?["responseMimeType"] == "application/json")
            #expect(config?["responseSchema"] == schema.geminiValue)
        }
    }

    @Test func wrongOrMissingKeyIsUnauthorizedWithoutLeakingTheKey() async throws {
        try await withGemini { gemini in
            let wrongKey = "AIzaSy-wrong-key-9876543210"
            for key in [wrongKey, ""] {
                await #expect {
                    _ = try await model(gemini, key: key).complete(CompletionRequest(messages: [.user("Hello")]))
                } throws: { error in
                    guard let error = error as? LanguageModelError else { return false }
                    return error.code == .unauthorized && error.message.contains("GEMINI_API_KEY")
                        && !error.message.contains(wrongKey)
                }
            }
        }
    }

    @Test func unknownModelIsModelNotFound() async throws {
        try await withGemini { gemini in
            await #expect {
                _ = try await model(gemini, name: "gemini-0.1-nano").complete(
                    CompletionRequest(messages: [.user("Hello")]))
            } throws: { ($0 as? LanguageModelError)?.code == .modelNotFound }
        }
    }

    @Test func listsModelsAndCountsTokens() async throws {
        try await withGemini { gemini in
            let client = model(gemini)
            let names = try await client.models().map(\.name)
            #expect(names == ["gemini-2.0-flash"])
            let tokens = try await client.countTokens("one two three four")
            #expect(tokens == 4)
            #expect(await client.health().isHealthy)
        }
    }
}
