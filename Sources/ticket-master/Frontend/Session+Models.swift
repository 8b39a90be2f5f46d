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
        var stageConfigurations: [String: ProviderConfiguration] = [:]
        for stage in configuration.pipeline.stages {
            guard let name = stage.model else { continue }
            guard let stageConfiguration = configuration.provider(name) else {
                throw TicketMasterError(
                    .configuration,
                    "pipeline stage '\(stage.name)' names model '\(name)', which is not a provider or provider/model")
            }
            stageConfigurations[stage.name] = stageConfiguration
        }
        _ = try await provision(
            [primaryConfiguration] + fallbackConfigurations
                + configuration.pipeline.stages.compactMap {
                    stageConfigurations[$0.name]
                }, assumeYes: assumeYes)
        // One meter for every stage, so the budget covers the whole run.
        let meter = settings.maxCost.map { CostMeter(prices: configuration.priceTable, maxCost: $0) }
        var runtimes: [LocalModelRuntime] = []
        /// The model chain for a stage: its own model (or the run's), then the configured fallbacks; and the first
        /// model's tokenizer, when its server has one.
        func chain(_ first: ProviderConfiguration) -> (any LanguageModel, (any TokenCounting)?, any LanguageModel) {
            let models = ([first] + fallbackConfigurations).map {
                $0.makeModel(options: configuration.transportOptions(for: $0.provider))
            }
            for case let local as LocalModel in models where !runtimes.contains(where: { $0 === local.runtime }) {
                runtimes.append(local.runtime)
            }
            var model: any LanguageModel =
                models.count > 1
                ? FallbackModel(primary: models[0], fallbacks: Array(models.dropFirst()), logger: logger) : models[0]
            if let meter { model = MeteredModel(model, meter: meter) }
            return (model, models[0] as? any TokenCounting, models[0])
        }
        let runModel = chain(primaryConfiguration)
        var stages: [ModelWriter.Stage] = []
        for stage in configuration.pipeline.stages {
            var (model, tokenizer, _) = runModel
            var provider = primaryConfiguration.provider
            if let stageConfiguration = stageConfigurations[stage.name] {
                (model, tokenizer, _) = chain(stageConfiguration)
                provider = stageConfiguration.provider
            }
            let prompts = try PromptLibrary(
                overrides: settings.promptsDirectory, provider: provider, required: [stage.templateName])
            stages.append(ModelWriter.Stage(stage, model: model, prompts: prompts, tokenizer: tokenizer))
        }
        let writer = ModelWriter(
            drafting: stages[0], reviews: Array(stages.dropFirst()), maxTokens: settings.maxTokens,
            temperature: settings.temperature, allowedLabels: allowedLabels,
            promptTokenBudget: settings.promptTokenBudget,
            embedder: embedder(for: primaryConfiguration, model: runModel.2))
        return ModelSetup(writer: writer, runtimes: runtimes)
    }

    /// What embeds issues for de-duplication: `llm.embedding_model` of the run's provider when set (OpenAI's own
    /// API defaults to text-embedding-3-small, since its chat models do not embed), else the run's model itself
    /// when its provider offers embeddings (the local model's server is shared, not started twice); nil when
    /// `llm.embedding_model` is `none`.
    private func embedder(for primary: ProviderConfiguration, model: any LanguageModel) -> (any TextEmbedding)? {
        var name = configuration.models.embeddingModel
        if name?.lowercased() == "none" { return nil }
        if name == nil, case .openAI(let settings) = primary, settings.provider == "openai",
            URL(string: settings.baseURL)?.host == "api.openai.com"
        {
            name = "text-embedding-3-small"
        }
        if let name, primary.provider != "local", let chosen = configuration.provider("\(primary.provider)/\(name)") {
            return chosen.makeModel(options: configuration.transportOptions(for: chosen.provider)) as? any TextEmbedding
        }
        return model as? any TextEmbedding
    }
}
