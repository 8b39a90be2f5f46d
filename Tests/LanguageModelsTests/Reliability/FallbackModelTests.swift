import LanguageModels
import Testing
import TicketMasterTesting

@Suite struct FallbackModelTests {
    let request = CompletionRequest(messages: [.user("hi")])

    func model(_ name: String, _ answers: [InMemoryLanguageModel.Answer]) -> InMemoryLanguageModel {
        InMemoryLanguageModel(answers, descriptor: ModelDescriptor(provider: name, model: "m", baseURL: "memory://"))
    }

    @Test func nextModelAnswersWhenThePrimaryIsUnavailable() async throws {
        let primary = model("openai", [.failure(LanguageModelError(.unavailable, "openai: down"))])
        let backup = model("local", [.text("from backup")])
        let chain = FallbackModel(primary: primary, fallbacks: [backup])
        #expect(chain.descriptor.provider == "openai")
        #expect(try await chain.complete(request).text == "from backup")
        #expect(primary.requests.count == 1)
    }

    @Test func budgetStopsTheChain() async throws {
        let primary = model("openai", [.failure(LanguageModelError(.budgetExceeded, "budget: no"))])
        let backup = model("local", [.text("from backup")])
        await #expect {
            _ = try await FallbackModel(primary: primary, fallbacks: [backup]).complete(request)
        } throws: { ($0 as? LanguageModelError)?.code == .budgetExceeded }
        #expect(backup.requests.isEmpty)
    }

    @Test func allFailingKeepsThePrimaryCodeAndEveryMessage() async throws {
        let primary = model(
            "openai", [.failure(LanguageModelError(.unauthorized, "openai: bad key; set OPENAI_API_KEY"))])
        let backup = model("ollama", [.failure(LanguageModelError(.unavailable, "ollama: not running"))])
        await #expect {
            _ = try await FallbackModel(primary: primary, fallbacks: [backup]).complete(request)
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .unauthorized && error.message.contains("set OPENAI_API_KEY")
                && error.message.contains("ollama: not running") && error.message.hasPrefix("all 2 configured models")
        }
    }

    @Test func streamFallsBackBeforeItsFirstChunk() async throws {
        let primary = model("openai", [.failure(LanguageModelError(.rateLimited, "openai: slow down"))])
        let backup = model("local", [.text("two words")])
        let completion = try await FallbackModel(primary: primary, fallbacks: [backup]).stream(request).completion()
        #expect(completion.text == "two words")
    }
}
