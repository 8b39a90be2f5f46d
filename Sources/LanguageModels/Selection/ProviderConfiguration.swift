/// One provider's configuration: enough to build its model.
public enum ProviderConfiguration: Sendable {
    /// An OpenAI-compatible API.
    case openAI(OpenAICompatibleModel.Configuration)
    /// Ollama's native API.
    case ollama(OllamaModel.Configuration)
    /// Anthropic's Messages API.
    case anthropic(AnthropicModel.Configuration)
    /// Gemini's API.
    case gemini(GeminiModel.Configuration)
    /// The managed local model in this cache folder.
    case local(LocalModelInstallation)

    /// The provider's name as configuration spells it.
    public var provider: String {
        switch self {
        case .openAI(let configuration): configuration.provider
        case .ollama: "ollama"
        case .anthropic(let configuration): configuration.provider
        case .gemini: "gemini"
        case .local: "local"
        }
    }

    /// Builds the model. For `local`, the server starts on the first call; stop it at the end of the run through
    /// ``LocalModel/runtime``.
    public func makeModel(options: TransportOptions = TransportOptions()) -> any LanguageModel {
        switch self {
        case .openAI(let configuration): OpenAICompatibleModel(configuration, options: options)
        case .ollama(let configuration): OllamaModel(configuration, options: options)
        case .anthropic(let configuration): AnthropicModel(configuration, options: options)
        case .gemini(let configuration): GeminiModel(configuration, options: options)
        case .local(let installation):
            LocalModel(runtime: LocalModelRuntime(installation: installation), options: options)
        }
    }
}
