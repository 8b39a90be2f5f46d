import Foundation
import GRDB

/// One request to a language model: what it cost, and, only when `history.keep_prompts` is on, what was said.
public struct ModelCallRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// The run that made the call.
    public var runId: Int64
    /// The provider, such as `ollama` or `openai`.
    public var provider: String
    /// The model name.
    public var model: String
    /// The prompt template and its version, such as `draft-issue@3`.
    public var promptTemplate: String
    /// Tokens sent.
    public var promptTokens: Int
    /// Tokens received.
    public var completionTokens: Int
    /// How long the reply took, in milliseconds.
    public var latencyMilliseconds: Int
    /// What the call cost in US dollars, when the provider's price is known.
    public var cost: Double?
    /// The prompt text, kept only when the policy keeps prompts.
    public var prompt: String?
    /// The reply text, kept only when the policy keeps prompts.
    public var response: String?
    /// When the call was made.
    public var calledAt: Date

    /// Creates a record.
    public init(
        runId: Int64, provider: String, model: String, promptTemplate: String, promptTokens: Int,
        completionTokens: Int, latencyMilliseconds: Int, cost: Double? = nil, prompt: String? = nil,
        response: String? = nil, calledAt: Date = Date()
    ) {
        self.runId = runId
        self.provider = provider
        self.model = model
        self.promptTemplate = promptTemplate
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.cost = cost
        self.prompt = prompt
        self.response = response
        self.calledAt = calledAt
    }

    /// The record as `policy` allows it to be stored: texts dropped unless kept, and redacted when kept.
    public func applying(_ policy: HistoryPolicy) -> ModelCallRecord {
        var copy = self
        copy.prompt = policy.keepPrompts ? prompt.map(policy.redact) : nil
        copy.response = policy.keepPrompts ? response.map(policy.redact) : nil
        return copy
    }
}

extension ModelCallRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "modelCall"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
