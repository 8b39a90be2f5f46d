import Foundation
import LanguageModels
import Logging

/// The language model a run writes with, and the local servers to stop when the run ends.
public struct ModelSetup: Sendable {
    /// The model stages; nil when no model is available, so the plain writer writes every draft.
    public var writer: ModelWriter?
    /// Managed local servers started on demand, stopped by `stop()`.
    public var runtimes: [LocalModelRuntime]

    /// Stops every managed local server the run started.
    public func stop() async {
        for runtime in runtimes { await runtime.stop() }
    }
}

/// Whether to pull `model` into the Ollama at `url` before the run: a person's answer, `--yes`, or a web approval.
public typealias ModelPullApproval = @Sendable (_ model: String, _ url: String) async -> Bool

extension RunEnvironment {
    /// Builds the model chain the configuration asks for: the chosen provider (picked automatically for `auto`),
    /// its fallbacks, and the cost budget. Says which model was chosen and why. A model Ollama lacks is pulled
    /// when `llm.ollama.auto_pull` or `approvePull` allows it.
    public func modelSetup(
        allowedLabels: [String], approvePull: ModelPullApproval = { _, _ in false }, events: RunEvents = .ignored
    ) async throws -> ModelSetup {
        let settings = configuration.models
        let primaryConfiguration: ProviderConfiguration
        if settings.provider == "none" {
            logger.info("model: none (llm.provider); the plain writer writes every draft")
            return ModelSetup(writer: nil, runtimes: [])
        }
        if settings.provider == "auto" {
            do {
                let choice = try await DefaultModelSelection.choose(
                    from: configuration.providerCandidates(), environment: variables,
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
        let stageConfigurations = try providersNamedByStages()
        _ = try await provision(
            [primaryConfiguration] + fallbackConfigurations
                + configuration.pipeline.stages.compactMap { stageConfigurations[$0.name] }, approvePull: approvePull,
            events: events)

        var chains = ModelChains(
            fallbacks: fallbackConfigurations, environment: self,
            // One meter for every stage, so the budget covers the whole run.
            meter: settings.maxCost.map { CostMeter(prices: configuration.priceTable, maxCost: $0) })
        let run = chains.chain(startingWith: primaryConfiguration)
        var stages: [ModelWriter.Stage] = []
        for stage in configuration.pipeline.stages {
            let own = stageConfigurations[stage.name]
            let chain = own.map { chains.chain(startingWith: $0) } ?? run
            let prompts = try PromptLibrary(
                overrides: settings.promptsDirectory, provider: (own ?? primaryConfiguration).provider,
                required: [stage.templateName])
            stages.append(
                ModelWriter.Stage(
                    stage, model: chain.model, prompts: prompts, tokenizer: chain.first as? any TokenCounting))
        }
        // Parsing the stages guarantees one draft stage; the others discover before it or review after it.
        guard let drafting = stages.first(where: { $0.stage.kind == .draft }) else {
            throw TicketMasterError(.configuration, "pipeline.stages has no draft stage; add {kind: draft}")
        }
        let writer = ModelWriter(
            drafting: drafting, reviews: stages.filter { $0.stage.kind == .review }, maxTokens: settings.maxTokens,
            temperature: settings.temperature, allowedLabels: allowedLabels,
            promptTokenBudget: settings.promptTokenBudget ?? Self.promptTokenBudget(for: primaryConfiguration),
            embedder: embedder(for: primaryConfiguration, model: run.first),
            discovering: stages.first { $0.stage.kind == .discover },
            discoveryPassages: configuration.pipeline.discoveryPassages)
        return ModelSetup(writer: writer, runtimes: chains.runtimes)
    }

    /// The prompt budget when `llm.prompt_token_budget` is unset: hosted APIs, whose models read 128k tokens and
    /// more, get room for the code around the findings; a local model, Ollama (whose default context is 2,048 or
    /// 4,096 tokens and which cuts longer prompts silently) and any other OpenAI-compatible server keep prompts
    /// small.
    public static func promptTokenBudget(for provider: ProviderConfiguration) -> Int {
        switch provider {
        case .anthropic, .gemini: return 6000
        case .openAI(let settings) where URL(string: settings.baseURL)?.host == "api.openai.com": return 6000
        case .openAI, .ollama, .local: return 1200
        }
    }

    /// The providers that pipeline stages name, by stage; a name that is not a provider is a configuration error.
    private func providersNamedByStages() throws -> [String: ProviderConfiguration] {
        var providers: [String: ProviderConfiguration] = [:]
        for stage in configuration.pipeline.stages {
            guard let name = stage.model else { continue }
            guard let provider = configuration.provider(name) else {
                throw TicketMasterError(
                    .configuration,
                    "pipeline stage '\(stage.name)' names model '\(name)', which is not a provider or provider/model")
            }
            providers[stage.name] = provider
        }
        return providers
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
            return makeModel(chosen, configuration.transportOptions(for: chosen.provider)) as? any TextEmbedding
        }
        return model as? any TextEmbedding
    }
}

/// Builds the model chains of a run's stages: a stage's model, then the configured fallbacks, behind the run's cost
/// meter. Each provider and model is made once, so stages that share one share its client, and a managed local
/// server is started once however many stages use it.
private struct ModelChains {
    /// A stage's chain, and the model it tries first (whose tokenizer and embeddings the pipeline uses).
    struct Chain {
        var model: any LanguageModel
        var first: any LanguageModel
    }

    let fallbacks: [ProviderConfiguration]
    let environment: RunEnvironment
    let meter: CostMeter?
    /// The managed local servers the chains use, to stop when the run ends.
    private(set) var runtimes: [LocalModelRuntime] = []
    private var models: [String: any LanguageModel] = [:]

    init(fallbacks: [ProviderConfiguration], environment: RunEnvironment, meter: CostMeter?) {
        self.fallbacks = fallbacks
        self.environment = environment
        self.meter = meter
    }

    mutating func chain(startingWith first: ProviderConfiguration) -> Chain {
        var models: [any LanguageModel] = []
        for provider in [first] + fallbacks { models.append(made(provider)) }
        var chained: any LanguageModel =
            models.count > 1
            ? FallbackModel(primary: models[0], fallbacks: Array(models.dropFirst()), logger: environment.logger)
            : models[0]
        if let meter { chained = MeteredModel(chained, meter: meter) }
        return Chain(model: chained, first: models[0])
    }

    /// The model for `provider`, made on first use.
    private mutating func made(_ provider: ProviderConfiguration) -> any LanguageModel {
        let options = environment.configuration.transportOptions(for: provider.provider)
        let candidate = environment.makeModel(provider, options)
        let key = "\(candidate.descriptor) \(candidate.descriptor.baseURL)"
        if let known = models[key] { return known }
        models[key] = candidate
        if let local = candidate as? LocalModel { runtimes.append(local.runtime) }
        return candidate
    }
}

extension RunEnvironment {
    /// Makes sure Ollama has every Ollama model in `configurations` before the run writes with it: a missing model is
    /// pulled, its progress reported as events, when `llm.ollama.auto_pull` or `approvePull` (`--yes`, a person's
    /// answer) allows it; otherwise the run stops with a one-line error naming the remedies.
    ///
    /// Without this, a missing model fails every draft one at a time and the plain writer quietly takes over, which
    /// hides the cause behind a run that seems to work.
    ///
    /// - Returns: `configurations`, every Ollama model in it now pulled.
    func provision(
        _ configurations: [ProviderConfiguration], approvePull: ModelPullApproval, events: RunEvents
    ) async throws -> [ProviderConfiguration] {
        var checked = Set<String>()
        for case .ollama(let settings) in configurations {
            let probe = OllamaModel(settings, options: Self.ollamaProbe)
            let url = probe.descriptor.baseURL
            guard checked.insert(url + " " + settings.model).inserted else { continue }
            do {
                if try await probe.isModelAvailable() { continue }
            } catch {
                try Task.checkCancellation()
                // Nothing can be pulled into an Ollama that does not answer; the run reports it when it writes.
                let reason = (error as? LanguageModelError)?.message ?? "\(error)"
                logger.warning("could not ask Ollama at \(url) whether it has \(settings.model): \(reason)")
                continue
            }
            var allowed = configuration.models.ollamaAutoPull
            if !allowed { allowed = await approvePull(settings.model, url) }
            guard allowed else {
                throw TicketMasterError(
                    .configuration,
                    "Ollama at \(url) does not have \(settings.model): pull it with "
                        + "`ticket-master models pull \(settings.model)`, run again with --yes to pull it first, "
                        + "or set llm.ollama.auto_pull: true")
            }
            try await pull(settings, events: events)
        }
        return configurations
    }

    /// Pulls the configured model, reporting Ollama's progress as events.
    private func pull(_ settings: OllamaModel.Configuration, events: RunEvents) async throws {
        let ollama = OllamaModel(settings, options: configuration.transportOptions(for: "ollama"))
        do {
            for try await step in ollama.pull() {
                events(
                    .pullingModel(
                        model: settings.model, status: step.status, completed: step.completed ?? 0, total: step.total))
            }
            // Cancelling (Ctrl-C) ends the progress stream without an error; the pull must not pass for finished.
            try Task.checkCancellation()
        } catch let error as LanguageModelError {
            try Task.checkCancellation()
            throw TicketMasterError(.failure, error.message, cause: error)
        }
        logger.info("pulled \(settings.model) into Ollama at \(ollama.descriptor.baseURL)")
    }

    /// Asking Ollama which models it has is quick, or Ollama is not there; either way there is no point in the
    /// retries and long timeouts of a chat request.
    private static let ollamaProbe = TransportOptions(
        timeouts: Timeouts(connect: .seconds(5), idle: .seconds(10), request: .seconds(10)), retryPolicy: .never)
}
