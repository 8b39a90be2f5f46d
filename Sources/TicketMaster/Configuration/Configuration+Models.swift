import Foundation
import LanguageModels

extension Configuration {
    /// The model each provider uses when `llm.model` does not name one.
    public static let defaultModels = [
        "ollama": "llama3.2", "openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest",
        "gemini": "gemini-2.0-flash", "local": LocalModelInstallation.modelName,
    ]

    /// Every provider this configuration can reach, in the order `llm.provider: auto` tries them: Ollama, then the
    /// API-key providers, then the managed local model.
    ///
    /// Under `auto`, `llm.model` (or `--model`) names the model on whichever provider is picked; without it each
    /// provider has its default model.
    public func providerCandidates(
        installation: LocalModelInstallation = LocalModelInstallation()
    ) -> [ProviderConfiguration] {
        let model = models.provider == "auto" ? models.model : nil
        return ["ollama", "openai", "anthropic", "gemini", "local"].compactMap {
            provider($0, model: model, installation: installation)
        }
    }

    /// The configuration of `name` (a provider, or `provider/model`), or nil when the name is unknown.
    public func provider(
        _ name: String, model explicitModel: String? = nil,
        installation: LocalModelInstallation = LocalModelInstallation()
    ) -> ProviderConfiguration? {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        let provider = parts.first?.lowercased() ?? name
        let model =
            explicitModel ?? (parts.count > 1 ? parts[1] : nil)
            ?? (provider == self.models.provider ? self.models.model : nil) ?? Self.defaultModels[provider] ?? ""
        switch provider {
        case "ollama":
            return .ollama(
                OllamaModel.Configuration(
                    baseURL: models.ollamaURL.absoluteString, model: model, contextLength: models.ollamaContextLength))
        case "openai":
            return .openAI(
                OpenAICompatibleModel.Configuration(
                    baseURL: models.openAIURL.absoluteString, model: model, apiKey: models.openAIKey?.value,
                    organization: models.openAIOrganization, tokenLimitField: models.openAITokenLimitField))
        case "anthropic":
            return .anthropic(AnthropicModel.Configuration(model: model, apiKey: models.anthropicKey?.value))
        case "gemini":
            return .gemini(GeminiModel.Configuration(model: model, apiKey: models.geminiKey?.value))
        case "local":
            return .local(installation)
        default:
            return nil
        }
    }

    /// Transport options for `provider`: Ollama's configured timeout, standard retries elsewhere.
    public func transportOptions(for provider: String) -> TransportOptions {
        guard provider == "ollama" else { return TransportOptions() }
        let seconds = Duration.seconds(models.ollamaTimeout)
        return TransportOptions(timeouts: Timeouts(connect: .seconds(10), idle: seconds, request: seconds))
    }

    /// The price table from `llm.prices`; malformed entries are reported by `config validate` and skipped here.
    public var priceTable: PriceTable {
        var prices: [String: Price] = [:]
        for entry in models.prices {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let numbers = parts[1].split(separator: ":").compactMap { Double($0) }
            guard numbers.count == 2 else { continue }
            prices[String(parts[0])] = Price(promptPerMillion: numbers[0], completionPerMillion: numbers[1])
        }
        return PriceTable(prices)
    }
}
