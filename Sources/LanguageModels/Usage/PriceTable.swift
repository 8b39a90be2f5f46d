/// What a model costs, in US dollars per million tokens.
public struct Price: Sendable, Hashable {
    /// Dollars per million prompt tokens.
    public var promptPerMillion: Double
    /// Dollars per million completion tokens.
    public var completionPerMillion: Double

    /// Creates a price.
    public init(promptPerMillion: Double, completionPerMillion: Double) {
        self.promptPerMillion = promptPerMillion
        self.completionPerMillion = completionPerMillion
    }

    /// Nothing: models that run on the user's own machine.
    public static let free = Price(promptPerMillion: 0, completionPerMillion: 0)

    /// The cost of `usage` at this price.
    public func cost(of usage: Usage) -> Double {
        (Double(usage.promptTokens) * promptPerMillion + Double(usage.completionTokens) * completionPerMillion)
            / 1_000_000
    }
}

/// Prices per provider and model, from configuration.
///
/// Keys are `provider/model` (`openai/gpt-4o-mini`) or `provider/*` for every model of a provider. Models that run
/// on the user's machine (`local`, `ollama`) are free unless the table says otherwise.
public struct PriceTable: Sendable, Hashable {
    /// The prices by key.
    public var prices: [String: Price]

    /// Creates a table.
    public init(_ prices: [String: Price] = [:]) {
        self.prices = prices
    }

    /// The price for `model`, or nil when the table has none and the model is not local.
    public func price(for model: ModelDescriptor) -> Price? {
        if let exact = prices["\(model.provider)/\(model.model)"] { return exact }
        if let provider = prices["\(model.provider)/*"] { return provider }
        return ["local", "ollama"].contains(model.provider) ? .free : nil
    }

    /// The cost of `usage` on `model`, or nil when its price is unknown.
    public func cost(of usage: Usage, on model: ModelDescriptor) -> Double? {
        price(for: model)?.cost(of: usage)
    }
}
