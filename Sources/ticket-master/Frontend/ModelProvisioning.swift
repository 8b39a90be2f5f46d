import Foundation
import LanguageModels
import TicketMaster

extension Session {
    /// Makes sure Ollama has every Ollama model in `configurations` before the run writes with it: a missing model is
    /// pulled, with progress on standard error, when `assumeYes` (`--yes`) or `llm.ollama.auto_pull` allows it, after
    /// asking on a terminal otherwise; with nobody to ask, the run stops with a one-line error naming the remedies.
    ///
    /// Without this, a missing model fails every draft one at a time and the plain writer quietly takes over, which
    /// hides the cause behind a run that seems to work.
    ///
    /// - Returns: `configurations`, every Ollama model in it now pulled.
    func provision(_ configurations: [ProviderConfiguration], assumeYes: Bool) async throws -> [ProviderConfiguration] {
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
            guard assumeYes || configuration.models.ollamaAutoPull || confirmPull(settings.model, into: url) else {
                throw TicketMasterError(
                    .configuration,
                    "Ollama at \(url) does not have \(settings.model): pull it with "
                        + "`ticket-master models pull \(settings.model)`, run again with --yes to pull it first, "
                        + "or set llm.ollama.auto_pull: true")
            }
            try await pull(settings)
        }
        return configurations
    }

    /// Asks on the terminal whether to pull `model`; false when standard input is not a terminal or the answer is
    /// anything but yes.
    private func confirmPull(_ model: String, into url: String) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else { return false }
        StandardError.write("pull \(model) into Ollama at \(url) now? [y/N] ")
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }

    /// Pulls the configured model, showing Ollama's progress: a live bar on a terminal, plain lines otherwise.
    private func pull(_ settings: OllamaModel.Configuration) async throws {
        let ollama = OllamaModel(settings, options: configuration.transportOptions(for: "ollama"))
        let display = ProgressDisplay(terminal: terminal, quiet: !showsProgress)
        do {
            defer { display.finish() }
            for try await step in ollama.pull() {
                display.update(
                    "pulling \(settings.model): \(step.status)", completed: step.completed ?? 0, total: step.total)
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
