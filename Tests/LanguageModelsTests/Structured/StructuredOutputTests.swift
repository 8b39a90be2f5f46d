import LanguageModels
import Testing
import TicketMasterTesting

@Suite struct StructuredOutputTests {
    struct Draft: Decodable, Sendable, Equatable {
        var title: String
        var labels: [String]
    }

    let schema = JSONSchema.object([.init("title", .string(maxLength: 20)), .init("labels", .array(of: .string()))])
    let request = CompletionRequest(messages: [.user("Draft an issue")], maxTokens: 100)
    let valid = #"{"title": "Add tests", "labels": ["testing"]}"#

    @Test func validReplyNeedsOneCall() async throws {
        let model = InMemoryLanguageModel([.text(valid)])
        let result = try await model.generate(Draft.self, schema: schema, request: request)
        #expect(result.value == Draft(title: "Add tests", labels: ["testing"]))
        #expect(result.completions.count == 1)
        #expect(model.requests.first?.responseSchema == ResponseSchema(name: "Draft", schema: schema))
    }

    @Test func fencedReplyIsAccepted() async throws {
        let model = InMemoryLanguageModel([.text("```json\n\(valid)\n```")])
        let result = try await model.generate(Draft.self, schema: schema, request: request)
        #expect(result.value.title == "Add tests")
    }

    @Test(arguments: [
        ("not json at all", "the reply is not valid JSON"),
        (#"{"title": "A title that is far too long to fit", "labels": []}"#, "more than the maximum of 20"),
        (#"{"title": "Add tests"}"#, #"missing required key "labels""#),
    ])
    func badReplyIsSentBackWithWhatWasWrong(reply: String, problem: String) async throws {
        let model = InMemoryLanguageModel([.text(reply), .text(valid)])
        let result = try await model.generate(Draft.self, schema: schema, request: request)
        #expect(result.value.title == "Add tests")
        #expect(result.completions.count == 2)
        #expect(result.usage.totalTokens == 30)
        let repair = try #require(model.requests.last?.messages)
        #expect(repair.count == 3)
        #expect(repair[1] == .assistant(reply))
        #expect(repair[2].role == .user)
        #expect(repair[2].content.contains(problem))
    }

    @Test func truncatedReplyIsRepaired() async throws {
        let model = InMemoryLanguageModel([.text(#"{"title": "Add te"#, finishReason: .length), .text(valid)])
        let result = try await model.generate(Draft.self, schema: schema, request: request)
        #expect(result.completions.map(\.finishReason) == [.length, .stop])
        #expect(model.requests.last?.messages.last?.content.contains("cut off") == true)
    }

    @Test func secondFailureIsATypedErrorWithBothCalls() async throws {
        let model = InMemoryLanguageModel([.text("nope"), .text(#"{"title": 3, "labels": []}"#)])
        await #expect {
            _ = try await model.generate(Draft.self, schema: schema, request: request)
        } throws: { error in
            guard let error = error as? LanguageModelError, error.code == .invalidStructuredOutput,
                let failure = error.cause as? StructuredOutputFailure
            else { return false }
            return failure.completions.count == 2 && failure.problems == ["$.title: expected string, found integer"]
                && error.message.contains("memory/scripted") == false && error.message.hasPrefix("memory: scripted")
        }
        #expect(model.requests.count == 2)
    }
}
