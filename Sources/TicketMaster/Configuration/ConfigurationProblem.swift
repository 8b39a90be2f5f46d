/// Something wrong, or worth knowing, about the configuration: where it is and how to fix it.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// Whether the problem stops a run.
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    /// Whether the problem stops a run.
    public var severity: Severity
    /// Where the problem is: a file path, an environment variable or a flag.
    public var origin: String
    /// The line in `origin`, when it is a file.
    public var line: Int?
    /// The key concerned, when there is one.
    public var key: String?
    /// What is wrong, in one sentence.
    public var message: String
    /// What to do about it.
    public var fix: String?

    /// Creates a problem.
    public init(
        _ severity: Severity, origin: String, line: Int? = nil, key: String? = nil, message: String,
        fix: String? = nil
    ) {
        self.severity = severity
        self.origin = origin
        self.line = line
        self.key = key
        self.message = message
        self.fix = fix
    }

    /// `file:line: error: message; fix`, on one line.
    public var description: String {
        "\(place): \(severity.rawValue): \(message)\(remedy)"
    }

    /// `file:line: message; fix`, on one line, for messages that already say they are errors.
    public var summary: String { "\(place): \(message)\(remedy)" }

    private var place: String { line.map { "\(origin):\($0)" } ?? origin }
    private var remedy: String { fix.map { "; \($0)" } ?? "" }
}

/// The configuration has errors; the run cannot start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// Every error found, in file order.
    public var problems: [ConfigurationProblem]

    /// Creates an error from problems; only `.error` ones are kept.
    public init(problems: [ConfigurationProblem]) {
        self.problems = problems.filter { $0.severity == .error }
    }

    /// The first error on one line, with a count of the others.
    public var description: String {
        guard let first = problems.first else { return "the configuration is invalid" }
        let others = problems.count > 1 ? " (and \(problems.count - 1) more: run `ticket-master config validate`)" : ""
        return first.summary + others
    }
}
