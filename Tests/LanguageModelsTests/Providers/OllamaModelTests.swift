import LanguageModels
import Testing
import TicketMasterTesting

/// Ollama cannot be installed here, so its client runs against ``LoopbackOllama``, which reproduces the wire
/// format of Ollama's `docs/api.md`.
@Suite struct OllamaModelTests {
    struct Verdict: Decodable, Sendable {
        var summary: String
        var severity: Int
    }

    let schema = JSONSchema.object([
        .init("summary", .string(maxLength: 40)), .init("severity", .integer(minimum: 1, maximum: 5)),
    ])

    func withOllama(_ body: (LoopbackOllama, OllamaModel) async throws -> Void) async throws {
        let ollama = try await LoopbackOllama.start()
        let model = OllamaModel(.init(baseURL: ollama.baseURL + "/", model: "llama3.2"))
        do {
            try await body(ollama, model)
        } catch {
            await ollama.shutdown()
            throw error
        }
        await ollama.shutdown()
    }

    @Test func completesAChatWithoutStreaming() async throws {
        try await withOllama { ollama, model in
            let completion = try await model.complete(
                CompletionRequest(messages: [.system("Be brief."), .user("Say hi")], maxTokens: 64, temperature: 0))
            #expect(completion.text == ollama.reply)
            #expect(completion.finishReason == .stop)
            #expect(completion.usage.promptTokens == 4)
            #expect(completion.usage.completionTokens == ollama.reply.split(separator: " ").count)
            #expect(completion.model == "llama3.2")
            let sent = try #require(ollama.server.requests.last?.json)
            #expect(sent["stream"] == false)
            #expect(sent["options"]?["num_predict"] == 64)
            #expect(sent["options"]?["temperature"] == 0)
            #expect(sent["messages"]?.arrayValue?.first?["role"] == "system")
        }
    }

    @Test func sendsTheContextLengthAsNumCtxOnlyWhenSet() async throws {
        let ollama = try await LoopbackOllama.start()
        let request = CompletionRequest(messages: [.user("Say hi")], maxTokens: 64)
        for (contextLength, expected) in [(Int?.none, JSONValue?.none), (0, nil), (32_768, 32_768)] {
            let model = OllamaModel(.init(baseURL: ollama.baseURL, model: "llama3.2", contextLength: contextLength))
            _ = try await model.complete(request)
            for try await _ in model.stream(request) {}
            let sent = ollama.server.requests.suffix(2).map { $0.json?["options"] }
            #expect(sent.count == 2)
            #expect(sent.allSatisfy { $0?["num_ctx"] == expected }, "num_ctx for \(String(describing: contextLength))")
            #expect(sent.allSatisfy { $0?["num_predict"] == 64 })
        }
        await ollama.shutdown()
    }

    @Test func streamsNewlineDelimitedJSON() async throws {
        try await withOllama { ollama, model in
            var deltas: [String] = []
            var final: Completion?
            for try await chunk in model.stream(CompletionRequest(messages: [.user("Say hi")])) {
                switch chunk {
                case .delta(let text): deltas.append(text)
                case .done(let completion): final = completion
                }
            }
            let completion = try #require(final)
            #expect(deltas.count == ollama.reply.split(separator: " ").count)
            #expect(deltas.joined() == completion.text)
            #expect(completion.usage.completionTokens == deltas.count)
            #expect(ollama.server.requests.last?.json?["stream"] == true)
        }
    }

    @Test func sendsTheSchemaAsFormatAndDecodesTheReply() async throws {
        try await withOllama { ollama, model in
            let result = try await model.generate(
                Verdict.self, schema: schema, request: CompletionRequest(messages: [.user("Rate this bug")]))
            #expect(result.completions.count == 1)
            #expect(result.value.severity == 1)
            #expect(result.value.summary.count <= 40)
            #expect(ollama.server.requests.last?.json?["format"] == schema.jsonValue)
        }
    }

    @Test func truncatedStructuredReplyIsRepairedOnceThenRejected() async throws {
        try await withOllama { ollama, model in
            await #expect {
                _ = try await model.generate(
                    Verdict.self, schema: schema,
                    request: CompletionRequest(messages: [.user("Rate this bug")], maxTokens: 1))
            } throws: { error in
                guard let error = error as? LanguageModelError, error.code == .invalidStructuredOutput,
                    let cause = error.cause as? StructuredOutputFailure
                else { return false }
                return cause.completions.map(\.finishReason) == [.length, .length]
                    && error.message.contains("cut off at the token limit")
            }
            #expect(ollama.server.requests.count == 2)
            let repair = ollama.server.requests[1].json?["messages"]?.arrayValue ?? []
            #expect(repair.map { $0["role"] } == ["user", "assistant", "user"])
        }
    }

    @Test func listsShowsAndEmbeds() async throws {
        try await withOllama { ollama, model in
            let models = try await model.models()
            #expect(models.map(\.name) == ["llama3.2:latest"])
            #expect(models.first?.details["quantization_level"] == "Q4_K_M")
            let available = try await model.isModelAvailable()
            #expect(available)
            let shown = try await model.show()
            #expect(shown.details["context_length"] == "131072")
            let vectors = try await model.embed(["alpha", "beta", "gamma"])
            #expect(vectors.count == 3)
            #expect(vectors.allSatisfy { $0.count == 8 })
            #expect(vectors[0] != vectors[1])
            let health = await model.health()
            #expect(health.isHealthy)
            #expect(health.detail.contains("0.5.7"))
        }
    }

    @Test func pullStreamsProgressUntilSuccess() async throws {
        try await withOllama { ollama, model in
            var steps: [OllamaModel.PullProgress] = []
            for try await progress in model.pull("qwen2.5:0.5b") { steps.append(progress) }
            #expect(steps.first?.status == "pulling manifest")
            #expect(steps.last?.status == "success")
            let fractions = steps.compactMap(\.fraction)
            #expect(fractions.count == 5)
            #expect(fractions == fractions.sorted())
            #expect(fractions.last == 1)
            #expect(ollama.models.contains("qwen2.5:0.5b"))
        }
    }

    @Test func failedPullIsATypedError() async throws {
        try await withOllama { _, model in
            await #expect {
                for try await _ in model.pull("no-such-model") {}
            } throws: { error in
                (error as? LanguageModelError)?.code == .modelNotFound
                    && (error as? LanguageModelError)?.message.contains("file does not exist") == true
            }
        }
    }

    @Test func missingModelSaysHowToPullIt() async throws {
        try await withOllama { ollama, _ in
            let missing = OllamaModel(.init(baseURL: ollama.baseURL, model: "mistral"))
            await #expect {
                _ = try await missing.complete(CompletionRequest(messages: [.user("hi")]))
            } throws: { error in
                guard let error = error as? LanguageModelError else { return false }
                return error.code == .modelNotFound && error.message.contains("ticket-master models pull mistral")
            }
            let available = try await missing.isModelAvailable()
            #expect(!available)
        }
    }
}
