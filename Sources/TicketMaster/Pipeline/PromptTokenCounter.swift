import LanguageModels
import Synchronization

/// Counts a prompt's tokens with the model's own tokenizer when its server has one, else with an estimate that errs
/// high, so that a prompt cut to fit a budget fits it.
public final class PromptTokenCounter: Sendable {
    private let tokenizer: (any TokenCounting)?
    /// Cleared the first time the tokenizer is missing or fails, so a server without one is asked only once.
    private let tokenizerAnswers = Mutex(true)

    /// Creates a counter that asks `tokenizer` first.
    public init(tokenizer: (any TokenCounting)?) {
        self.tokenizer = tokenizer
    }

    /// The tokens of `prompt`'s two messages, with a few for the chat framing around each.
    func count(_ prompt: RenderedPrompt) async -> Int {
        let text = prompt.system + "\n" + prompt.user
        if let tokenizer, tokenizerAnswers.withLock({ $0 }) {
            if let counted = try? await tokenizer.countTokens(text) { return counted + Self.framing }
            tokenizerAnswers.withLock { $0 = false }
        }
        return Self.estimate(text)
    }

    /// Tokens a chat template adds around two messages.
    static let framing = 16

    /// Three UTF-8 bytes per token: English averages about four and code fewer, so this over-counts slightly.
    static func estimate(_ text: String) -> Int {
        (text.utf8.count + 2) / 3 + framing
    }
}
