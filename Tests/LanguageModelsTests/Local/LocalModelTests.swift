import Foundation
import LanguageModels
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The whole path against the real `llama-server` and SmolLM2: chat, streaming, structured output, usage, the
/// Anthropic endpoint, embeddings, token counting, a timeout and a server killed mid-request. SmolLM2 writes poor
/// prose, so only structure is asserted.
@Suite(.serialized, .enabled(if: LocalServer.shouldRun, LocalServer.skipReason), LocalServer())
struct LocalModelTests {
    struct Triage: Decodable, Sendable {
        var title: String
        var priority: Int
        var labels: [String]
    }

    let model = LocalModel(runtime: LocalServer.runtime)
    let chat = CompletionRequest(
        messages: [.system("You are terse."), .user("Name one colour.")], maxTokens: 24, temperature: 0)

    func root() async throws -> String { try await LocalServer.runtime.start().absoluteString }

    @Test func chatReportsTextUsageAndFinishReason() async throws {
        let completion = try await model.complete(chat)
        #expect(!completion.text.isEmpty)
        #expect(completion.usage.promptTokens > 0)
        #expect(completion.usage.completionTokens > 0)
        #expect(completion.usage.completionTokens <= 24)
        #expect([FinishReason.stop, .length].contains(completion.finishReason))
        #expect(completion.latency > .zero)
        #expect(completion.model == LocalModelInstallation.modelName)
    }

    @Test func streamYieldsDeltasThenTheWholeReply() async throws {
        var deltas: [String] = []
        var final: Completion?
        for try await chunk in model.stream(chat) {
            switch chunk {
            case .delta(let text): deltas.append(text)
            case .done(let completion): final = completion
            }
        }
        let completion = try #require(final)
        #expect(deltas.count > 1)
        #expect(deltas.joined() == completion.text)
        #expect(completion.usage.completionTokens > 0)
        #expect(completion.usage.promptTokens > 0)
    }

    @Test func jsonSchemaOutputDecodesIntoASwiftType() async throws {
        let schema = JSONSchema.object([
            .init("title", .string(minLength: 3, maxLength: 60)), .init("priority", .integer(minimum: 1, maximum: 3)),
            .init("labels", .array(of: .oneOf(["bug", "docs", "tests"]), minItems: 1, maxItems: 2)),
        ])
        let result = try await model.generate(
            Triage.self, schema: schema,
            request: CompletionRequest(
                messages: [.user("Triage this report as JSON: the login page crashes on submit.")], maxTokens: 120,
                temperature: 0))
        #expect((3...60).contains(result.value.title.count))
        #expect((1...3).contains(result.value.priority))
        #expect((1...2).contains(result.value.labels.count))
        #expect(result.usage.completionTokens > 0)
    }

    @Test func anthropicMessagesEndpointAnswers() async throws {
        let anthropic = AnthropicModel(.init(baseURL: try await root(), model: LocalModelInstallation.modelName))
        let completion = try await anthropic.complete(chat)
        #expect(!completion.text.isEmpty)
        #expect(completion.usage.promptTokens > 0)
        #expect(completion.usage.completionTokens > 0)
        let streamed = try await anthropic.stream(chat).completion()
        #expect(!streamed.text.isEmpty)
        #expect(streamed.usage.completionTokens > 0)
    }

    @Test func embeddingsAndTokenCounts() async throws {
        let vectors = try await model.embed(["a flaky login test", "missing documentation"])
        #expect(vectors.count == 2)
        #expect(vectors[0].count > 0)
        #expect(vectors[0].count == vectors[1].count)
        #expect(vectors.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(vectors[0] != vectors[1])
        // An issue body is longer than llama-server's default 512-token batch; the managed server takes it.
        let long = (1...60).map { "https://github.com/acme/api/blob/0123abcd/Sources/File\($0).swift#L\($0)" }
        let longVectors = try await model.embed([long.joined(separator: "\n")])
        #expect(longVectors.first?.count == vectors[0].count)
        let longTokens = try await model.countTokens(long.joined(separator: "\n"))
        #expect((longTokens ?? 0) > 512, "the long text should exceed the default batch")
        let tokens = try await model.countTokens("one two three")
        #expect((tokens ?? 0) > 0)
        let listed = try await model.client().models().map(\.name)
        #expect(listed.contains(LocalModelInstallation.modelName))
    }

    @Test func idleTimeoutIsATypedError() async throws {
        let impatient = OpenAICompatibleModel(
            .init(baseURL: try await root() + "/v1", model: LocalModelInstallation.modelName, provider: "local"),
            options: TransportOptions(timeouts: Timeouts(idle: .milliseconds(50)), retryPolicy: .never))
        await #expect {
            _ = try await impatient.complete(
                CompletionRequest(messages: [.user("Write a long story about a lighthouse.")], maxTokens: 400))
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .timeout && error.message.contains("sent nothing for")
        }
    }

    @Test func serverKilledMidRequestIsATypedError() async throws {
        // A server of its own, so killing it leaves the shared one alone.
        let runtime = LocalModelRuntime(
            installation: LocalServer.installation, options: .init(embeddings: false, stopGracePeriod: .seconds(1)))
        let root = try await runtime.start()
        let pid = try #require(await runtime.processIdentifier)
        let doomed = OpenAICompatibleModel(
            .init(baseURL: root.absoluteString + "/v1", model: LocalModelInstallation.modelName, provider: "local"),
            options: TransportOptions(retryPolicy: RetryPolicy(maxAttempts: 2), clock: RecordingClock()))
        let long = CompletionRequest(messages: [.user("Write a long story about a lighthouse.")], maxTokens: 2000)
        var deltas = 0
        await #expect {
            for try await chunk in doomed.stream(long) {
                guard case .delta = chunk else { continue }
                deltas += 1
                if deltas == 3 { kill(pid, SIGKILL) }
            }
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .unavailable && error.message.hasPrefix("local: ")
        }
        #expect(deltas >= 3)
        await #expect {
            _ = try await doomed.complete(long)
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .unavailable && error.message.contains("connection refused")
        }
        await runtime.stop()
        #expect(await runtime.processIdentifier == nil)
    }
}
