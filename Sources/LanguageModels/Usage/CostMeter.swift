import Foundation

/// Adds up what a run's model calls cost, and refuses a call that could take the total past the budget.
///
/// Before each call the meter reserves the call's worst case — an estimate of the prompt plus the full
/// `maxTokens` reply — so concurrent calls cannot each pass the check and together overshoot. After the call the
/// reservation is replaced by what the provider reports.
public actor CostMeter {
    /// A call's worst-case cost, held until it is settled.
    public struct Reservation: Sendable, Hashable {
        let id: Int
        /// The model the call goes to.
        public let model: ModelDescriptor
        /// The most the call can cost, in dollars.
        public let worstCase: Double
    }

    /// The prices used.
    public let prices: PriceTable
    /// The budget in dollars; nil means no limit.
    public let maxCost: Double?
    /// Dollars spent by settled calls.
    public private(set) var spent: Double = 0
    /// Tokens used per model (`provider/model`), settled calls only.
    public private(set) var usage: [String: Usage] = [:]
    /// Calls whose cost is unknown because their model has no price.
    public private(set) var unpricedCalls = 0
    private var reservations: [Int: Double] = [:]
    private var nextID = 0

    /// Creates a meter.
    public init(prices: PriceTable, maxCost: Double? = nil) {
        self.prices = prices
        self.maxCost = maxCost
    }

    /// What is left of the budget after settled and reserved calls; nil without a budget.
    public var remaining: Double? {
        maxCost.map { $0 - spent - reservations.values.reduce(0, +) }
    }

    /// Reserves the worst-case cost of sending `request` to `model`, or throws `budgetExceeded` when that could
    /// exceed the budget (or when a budget is set and the model has no price, so the budget cannot be kept).
    public func reserve(_ request: CompletionRequest, for model: ModelDescriptor) throws -> Reservation {
        let worstUsage = Usage(promptTokens: Self.promptTokenEstimate(request), completionTokens: request.maxTokens)
        guard let price = prices.price(for: model) else {
            if maxCost != nil {
                throw LanguageModelError(
                    .budgetExceeded,
                    "budget: \(model) has no price in the price table, so --max-cost cannot be enforced; "
                        + "add its price to the configuration or remove --max-cost")
            }
            return book(0, for: model)
        }
        let worstCase = price.cost(of: worstUsage)
        if let remaining, worstCase > remaining {
            throw LanguageModelError(
                .budgetExceeded,
                "budget: the next call to \(model) could cost up to \(Self.dollars(worstCase)) (about "
                    + "\(worstUsage.promptTokens) prompt and \(worstUsage.completionTokens) completion tokens), but "
                    + "only \(Self.dollars(max(0, remaining))) of the \(Self.dollars(maxCost ?? 0)) budget is left; "
                    + "raise --max-cost or lower llm.max_tokens")
        }
        return book(worstCase, for: model)
    }

    /// Replaces `reservation` with the cost of `usage`; nil usage (the call failed) releases it.
    public func settle(_ reservation: Reservation, usage used: Usage?) {
        reservations[reservation.id] = nil
        guard let used else { return }
        usage["\(reservation.model)", default: .zero] = usage["\(reservation.model)", default: .zero] + used
        if let cost = prices.cost(of: used, on: reservation.model) {
            spent += cost
        } else {
            unpricedCalls += 1
        }
    }

    private func book(_ worstCase: Double, for model: ModelDescriptor) -> Reservation {
        nextID += 1
        reservations[nextID] = worstCase
        return Reservation(id: nextID, model: model, worstCase: worstCase)
    }

    /// An over-estimate of the prompt's tokens without calling a tokenizer: English averages about four UTF-8
    /// bytes per token and code fewer, so three bytes per token plus a few tokens of framing per message errs on
    /// the side of stopping early rather than overspending.
    static func promptTokenEstimate(_ request: CompletionRequest) -> Int {
        let bytes =
            request.messages.reduce(0) { $0 + $1.content.utf8.count }
            + (request.responseSchema.map { $0.schema.jsonValue.jsonText.utf8.count } ?? 0)
        return (bytes + 2) / 3 + 8 * request.messages.count
    }

    private static func dollars(_ amount: Double) -> String {
        String(format: "$%.4f", amount)
    }
}

/// A model whose calls are charged to a ``CostMeter``: each call reserves its worst case first and is refused
/// with `budgetExceeded` before anything is sent if that could break the budget.
public struct MeteredModel: LanguageModel {
    /// The model that answers.
    public let base: any LanguageModel
    /// The meter charged.
    public let meter: CostMeter

    /// Creates a metered model.
    public init(_ base: any LanguageModel, meter: CostMeter) {
        self.base = base
        self.meter = meter
    }

    /// The base model's descriptor.
    public var descriptor: ModelDescriptor { base.descriptor }

    /// Reserves, calls, and settles with the reported usage.
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let reservation = try await meter.reserve(request, for: base.descriptor)
        do {
            let completion = try await base.complete(request)
            await meter.settle(reservation, usage: completion.usage)
            return completion
        } catch {
            await meter.settle(reservation, usage: nil)
            throw error
        }
    }

    /// Reserves, streams, and settles when the final chunk arrives.
    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let base = base
        let meter = meter
        return chunkStream { continuation in
            let reservation = try await meter.reserve(request, for: base.descriptor)
            var usage: Usage?
            do {
                for try await chunk in base.stream(request) {
                    if case .done(let completion) = chunk { usage = completion.usage }
                    continuation.yield(chunk)
                }
                await meter.settle(reservation, usage: usage)
            } catch {
                await meter.settle(reservation, usage: nil)
                throw error
            }
        }
    }
}
