import LanguageModels
import Testing
import TicketMasterTesting

@Suite struct CostMeterTests {
    let openAI = ModelDescriptor(provider: "openai", model: "gpt-4o-mini", baseURL: "https://api.openai.com/v1")
    let prices = PriceTable(["openai/gpt-4o-mini": Price(promptPerMillion: 1, completionPerMillion: 4)])

    @Test func priceTableFallsBackToProviderWildcardAndFreeLocalModels() {
        let table = PriceTable(["anthropic/*": Price(promptPerMillion: 3, completionPerMillion: 15)])
        #expect(table.price(for: ModelDescriptor(provider: "anthropic", model: "any", baseURL: "")) != nil)
        #expect(table.price(for: ModelDescriptor(provider: "local", model: "smol", baseURL: "")) == .free)
        #expect(table.price(for: ModelDescriptor(provider: "ollama", model: "llama", baseURL: "")) == .free)
        #expect(table.price(for: openAI) == nil)
        #expect(prices.cost(of: Usage(promptTokens: 1_000_000, completionTokens: 500_000), on: openAI) == 3)
    }

    @Test func refusesACallWhoseWorstCaseWouldExceedTheBudgetBeforeSendingIt() async throws {
        // 1000 completion tokens at $4 per million is $0.004: more than the $0.003 budget.
        let meter = CostMeter(prices: prices, maxCost: 0.003)
        let backend = InMemoryLanguageModel([.text("hi")], descriptor: openAI)
        let metered = MeteredModel(backend, meter: meter)
        await #expect {
            _ = try await metered.complete(CompletionRequest(messages: [.user("hi")], maxTokens: 1000))
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .budgetExceeded && error.message.contains("--max-cost")
        }
        #expect(backend.requests.isEmpty)
    }

    @Test func settlesReservationsWithReportedUsage() async throws {
        let meter = CostMeter(prices: prices, maxCost: 1)
        let backend = InMemoryLanguageModel(
            [.text("hi", usage: Usage(promptTokens: 1000, completionTokens: 500))], descriptor: openAI)
        let metered = MeteredModel(backend, meter: meter)
        _ = try await metered.complete(CompletionRequest(messages: [.user("hi")], maxTokens: 1000))
        _ = try await metered.stream(CompletionRequest(messages: [.user("hi")], maxTokens: 1000)).completion()
        #expect(abs(await meter.spent - 0.006) < 1e-12)
        #expect(await meter.usage["openai/gpt-4o-mini"] == Usage(promptTokens: 2000, completionTokens: 1000))
        #expect(abs((await meter.remaining ?? 0) - 0.994) < 1e-12)
    }

    @Test func concurrentCallsCannotOvershootTogether() async throws {
        // Each call may cost up to $0.004; the budget holds two such calls, not three.
        let meter = CostMeter(prices: prices, maxCost: 0.009)
        let request = CompletionRequest(messages: [.user("hi")], maxTokens: 1000)
        let first = try await meter.reserve(request, for: openAI)
        _ = try await meter.reserve(request, for: openAI)
        await #expect(throws: LanguageModelError.self) { _ = try await meter.reserve(request, for: openAI) }
        await meter.settle(first, usage: nil)
        _ = try await meter.reserve(request, for: openAI)
    }

    @Test func unpricedModelWithABudgetIsRefusedAndWithoutOneIsCounted() async throws {
        let unknown = ModelDescriptor(provider: "openai", model: "gpt-unknown", baseURL: "")
        let request = CompletionRequest(messages: [.user("hi")])
        await #expect(throws: LanguageModelError.self) {
            _ = try await CostMeter(prices: prices, maxCost: 5).reserve(request, for: unknown)
        }
        let meter = CostMeter(prices: prices)
        let reservation = try await meter.reserve(request, for: unknown)
        await meter.settle(reservation, usage: Usage(promptTokens: 3, completionTokens: 4))
        #expect(await meter.unpricedCalls == 1)
        #expect(await meter.spent == 0)
    }
}
