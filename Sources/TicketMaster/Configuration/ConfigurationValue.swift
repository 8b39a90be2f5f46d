/// A value in the configuration, before it is turned into the typed `Configuration`.
public enum ConfigurationValue: Sendable, Hashable {
    case null
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([String])
    case issueTypes([IssueTypePreference])
    case stages([PipelineStage])

    /// The value as YAML, for `config init` and `config show`.
    public var yaml: String {
        switch self {
        case .null: "null"
        case .string(let value): Self.quoted(value)
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        case .list(let values): "[" + values.map(Self.quoted).joined(separator: ", ") + "]"
        case .issueTypes(let preferences):
            "["
                + preferences.map { "{name: \($0.type.rawValue), priority: \($0.priority.rawValue)}" }
                .joined(separator: ", ") + "]"
        case .stages(let stages): "[" + stages.map(\.yaml).joined(separator: ", ") + "]"
        }
    }

    private static func quoted(_ string: String) -> String {
        let escaped = string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}

/// The kinds of issue Ticket-Master suggests; the original configuration calls them templates.
public enum IssueType: String, Codable, Sendable, CaseIterable, Hashable {
    case documentation, testing, refactoring, maintenance, bug, security

    /// The priority used when the configuration does not name one.
    public var defaultPriority: Priority {
        switch self {
        case .documentation: .medium
        case .testing: .high
        case .refactoring: .low
        case .maintenance: .medium
        case .bug: .high
        case .security: .high
        }
    }
}

/// How strongly to favour a kind of issue when ranking.
public enum Priority: String, Codable, Sendable, CaseIterable, Hashable, Comparable {
    case low, medium, high

    /// A multiplier for ranking scores.
    public var weight: Double {
        switch self {
        case .low: 1
        case .medium: 1.5
        case .high: 2
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.weight < rhs.weight }
}

/// One entry of `issue_generation.templates`: a kind of issue to suggest, and its priority.
public struct IssueTypePreference: Codable, Sendable, Hashable {
    /// The kind of issue.
    public var type: IssueType
    /// How strongly to favour it.
    public var priority: Priority

    /// Creates a preference.
    public init(type: IssueType, priority: Priority) {
        self.type = type
        self.priority = priority
    }
}

/// Log level names as the original tool spelled them.
public enum LogLevelName: String, Sendable, CaseIterable {
    case debug = "DEBUG"
    case info = "INFO"
    case warning = "WARNING"
    case error = "ERROR"
    case critical = "CRITICAL"
}
