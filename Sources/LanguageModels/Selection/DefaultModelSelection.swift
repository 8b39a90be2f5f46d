/// The model chosen when configuration does not name a provider, and why.
public struct ModelChoice: Sendable {
    /// The chosen provider's configuration.
    public var configuration: ProviderConfiguration
    /// One sentence for the user, e.g. "Ollama answers at http://localhost:11434 and has llama3.2:latest".
    public var reason: String
}

/// Picks a model when `llm.provider` is `auto`: Ollama if it answers and has a model (or a model was configured,
/// which can then be pulled), else the first provider with an API key, else the managed local model if it is
/// installed.
///
/// That order prefers what the user already runs and pays nothing for, then what they have a key for, and falls
/// back to the embedded model that always works offline but writes worst.
public enum DefaultModelSelection {
    /// Chooses among `candidates` (their order breaks ties among API-key providers), or throws `notInstalled`
    /// naming everything that was tried and how to make one of them available.
    ///
    /// - Parameters:
    ///   - environment: used only to say where a key came from.
    ///   - modelIsConfigured: whether the candidates' model names were chosen by the user rather than being
    ///     provider defaults. Ollama is then chosen with that model even when it is not pulled, so it can be pulled,
    ///     instead of being swapped for a model Ollama has: the user asked for this one.
    ///   - probe: transport options for probing Ollama; the default gives up within about two seconds.
    public static func choose(
        from candidates: [ProviderConfiguration], environment: [String: String], modelIsConfigured: Bool = false,
        probe: TransportOptions = TransportOptions(
            timeouts: Timeouts(connect: .seconds(1), idle: .seconds(2), request: .seconds(2)), retryPolicy: .never)
    ) async throws -> ModelChoice {
        var notes: [String] = []

        for case .ollama(var configuration) in candidates {
            let ollama = OllamaModel(configuration, options: probe)
            do {
                let names = try await ollama.models().map(\.name)
                let wanted = configuration.model.contains(":") ? configuration.model : configuration.model + ":latest"
                if names.contains(wanted) || names.contains(configuration.model) {
                    return ModelChoice(
                        configuration: .ollama(configuration),
                        reason: "Ollama answers at \(ollama.descriptor.baseURL) and has \(configuration.model)")
                }
                if modelIsConfigured {
                    return ModelChoice(
                        configuration: .ollama(configuration),
                        reason: "Ollama answers at \(ollama.descriptor.baseURL) but does not have the configured "
                            + "model, \(configuration.model), yet")
                }
                if let first = names.first {
                    let missing = configuration.model
                    configuration.model = first
                    return ModelChoice(
                        configuration: .ollama(configuration),
                        reason: "Ollama answers at \(ollama.descriptor.baseURL); no model is configured (llm.model) "
                            + "and the default, \(missing), is not pulled there, so its first model, \(first), is used")
                }
                notes.append(
                    "Ollama at \(ollama.descriptor.baseURL) has no models (pull one with "
                        + "`ticket-master models pull \(configuration.model)`)")
            } catch {
                notes.append("Ollama does not answer at \(ollama.descriptor.baseURL)")
            }
        }

        for candidate in candidates {
            let key: String?
            let variable: String
            let setting: String
            switch candidate {
            case .openAI(let configuration):
                (key, variable, setting) = (configuration.apiKey, "OPENAI_API_KEY", "llm.openai.api_key")
            case .anthropic(let configuration):
                (key, variable, setting) = (configuration.apiKey, "ANTHROPIC_API_KEY", "llm.anthropic.api_key")
            case .gemini(let configuration):
                (key, variable, setting) = (configuration.apiKey, "GEMINI_API_KEY", "llm.gemini.api_key")
            case .ollama, .local:
                continue
            }
            guard let key, !key.isEmpty else { continue }
            let source = environment[variable] == key ? "\(variable) is set" : "\(setting) is configured"
            let lead = notes.isEmpty ? "" : notes.joined(separator: "; ") + "; "
            return ModelChoice(
                configuration: candidate, reason: "\(lead)\(source), so \(candidate.provider) is used")
        }
        notes.append("none of OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY is set")

        for case .local(let installation) in candidates {
            guard installation.isInstalled else {
                notes.append("the local model is not installed in \(installation.directory.path)")
                continue
            }
            return ModelChoice(
                configuration: .local(installation),
                reason: notes.joined(separator: "; ")
                    + "; using the managed local model \(LocalModelInstallation.modelName), which runs offline but "
                    + "writes plainly")
        }
        throw LanguageModelError(
            .notInstalled,
            "no model is available: \(notes.joined(separator: "; ")); run `ticket-master models install-local`, "
                + "start Ollama, or set an API key")
    }
}
