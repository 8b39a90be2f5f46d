import Foundation
import LanguageModels
import Logging
import TicketMaster

/// The language model a run writes with, and the local servers to stop when the run ends.
struct ModelSetup {
    /// The model stages; nil when no model is available, so the plain writer writes every draft.
    var writer: ModelWriter?
    /// Managed local servers started on demand, stopped by `stop()`.
    var runtimes: [LocalModelRuntime]

    /// Stops every managed local server the run started.
    func stop() async {
        for runtime in runtimes { await runtime.stop() }
    }
}

extension Session {
    /// Builds the model chain the configuration asks for: the chosen provider (picked automatically for `auto`),
    /// its fallbacks, and the cost budget. Says which model was chosen and why.
    func modelSetup(allowedLabels: [String], assumeYes: Bool = false) async throws -> ModelSetup {
        let settings = configuration.models
        let primaryConfiguration: ProviderConfiguration
        if settings.provider == "auto" {
            do {
                let choice = try await DefaultModelSelection.choose(
                    from: configuration.providerCandidates(), environment: ProcessInfo.processInfo.environment,
                    modelIsConfigured: settings.model != nil)
                logger.info("model: \(choice.configuration.provider) (\(choice.reason))")
                primaryConfiguration = choice.configuration
            } catch let error as LanguageModelError {
                logger.warning("\(error.message); every draft will be written by the plain writer")
                return ModelSetup(writer: nil, runtimes: [])
            }
        } else if let chosen = configuration.provider(settings.provider) {
            logger.info("model: \(settings.provider) (llm.provider)")
            primaryConfiguration = chosen
        } else {
            throw TicketMasterError(.configuration, "llm.provider '\(settings.provider)' is not a known provider")
        }
        let fallbackConfigurations = try settings.fallback.map { name in
            guard let configuration = configuration.provider(name) else {
                throw TicketMasterError(
                    .configuration, "llm.fallback names '\(name)', which is not a provider or provider/model")
            }
            return configuration
        }
        let models = try await provision([primaryConfiguration] + fallbackConfigurations, assumeYes: assumeYes).map {
            $0.makeModel(options: configuration.transportOptions(for: $0.provider))
        }
        let runtimes = models.compactMap { ($0 as? LocalModel)?.runtime }
        guard let primary = models.first else { return ModelSetup(writer: nil, runtimes: []) }
        var model: any LanguageModel =
            models.count > 1
            ? FallbackModel(primary: primary, fallbacks: Array(models.dropFirst()), logger: logger) : primary
        if let maxCost = settings.maxCost {
            model = MeteredModel(model, meter: CostMeter(prices: configuration.priceTable, maxCost: maxCost))
        }
        let prompts = try PromptLibrary(overrides: settings.promptsDirectory, provider: primaryConfiguration.provider)
        let writer = ModelWriter(
            model: model, prompts: prompts, maxTokens: settings.maxTokens, temperature: settings.temperature,
            allowedLabels: allowedLabels)
        return ModelSetup(writer: writer, runtimes: runtimes)
    }
}
