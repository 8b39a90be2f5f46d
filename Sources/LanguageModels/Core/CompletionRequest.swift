/// One message of a conversation.
public struct ChatMessage: Sendable, Hashable {
    /// Who speaks.
    public enum Role: String, Sendable, Hashable {
        /// Instructions that frame the conversation.
        case system
        /// The person (or program) asking.
        case user
        /// The model.
        case assistant
    }

    /// Who speaks.
    public var role: Role
    /// What is said.
    public var content: String

    /// Creates a message.
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }

    /// A system message.
    public static func system(_ content: String) -> ChatMessage { ChatMessage(.system, content) }
    /// A user message.
    public static func user(_ content: String) -> ChatMessage { ChatMessage(.user, content) }
    /// An assistant message.
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(.assistant, content) }
}

/// A schema the reply must follow, with the name providers require for it.
public struct ResponseSchema: Sendable, Hashable {
    /// A name of letters, digits, `_` and `-` (OpenAI's and Anthropic's rule for schema and tool names).
    public var name: String
    /// The schema.
    public var schema: JSONSchema

    /// Creates a response schema; characters not allowed in `name` become `_`.
    public init(name: String, schema: JSONSchema) {
        let allowed = name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }
        self.name = allowed.isEmpty ? "response" : String(allowed.prefix(64))
        self.schema = schema
    }
}

/// What to ask a model.
public struct CompletionRequest: Sendable, Hashable {
    /// The conversation so far; the model writes the next assistant message.
    public var messages: [ChatMessage]
    /// The most tokens the reply may use; also what the cost budget assumes the reply will use.
    public var maxTokens: Int
    /// Sampling temperature; nil leaves the provider's default.
    public var temperature: Double?
    /// When set, the reply must be JSON matching this schema, enforced by the provider where it can.
    public var responseSchema: ResponseSchema?
    /// Strings that end the reply when the model writes them.
    public var stop: [String]

    /// Creates a request.
    public init(
        messages: [ChatMessage], maxTokens: Int = 1000, temperature: Double? = nil,
        responseSchema: ResponseSchema? = nil, stop: [String] = []
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.responseSchema = responseSchema
        self.stop = stop
    }

    /// The system messages joined, for providers that take the system prompt apart from the conversation.
    var systemPrompt: String? {
        let system = messages.filter { $0.role == .system }.map(\.content)
        return system.isEmpty ? nil : system.joined(separator: "\n\n")
    }

    /// The messages that are not system messages.
    var conversation: [ChatMessage] { messages.filter { $0.role != .system } }
}
