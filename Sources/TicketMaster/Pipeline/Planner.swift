import RepositoryAnalysis

/// A group of related signals that one issue will address.
public struct PlannedIssue: Sendable, Hashable {
    /// The kind of issue.
    public var type: IssueType
    /// The signals, strongest first.
    public var signals: [Signal]
    /// The ranking score (higher first).
    public var score: Double

    /// Creates a planned issue.
    public init(type: IssueType, signals: [Signal], score: Double) {
        self.type = type
        self.signals = signals
        self.score = score
    }
}

/// Chooses which findings become issues: filters by the configured issue types, groups findings that share a
/// cause, ranks by severity, priority and evidence, and caps the count.
public struct Planner: Sendable {
    /// The kinds of issue to suggest and their priorities.
    public var types: [IssueTypePreference]
    /// The most issues to plan.
    public var maxIssues: Int

    /// Creates a planner.
    public init(types: [IssueTypePreference], maxIssues: Int) {
        self.types = types
        self.maxIssues = maxIssues
    }

    /// The issues to write, best first.
    public func plan(_ signals: [Signal]) -> [PlannedIssue] {
        let priorities = Dictionary(types.map { ($0.type, $0.priority) }) { first, _ in first }
        var groups: [GroupKey: [Signal]] = [:]
        var order: [GroupKey] = []
        for signal in signals {
            let type = IssueType(signal.kind)
            guard priorities[type] != nil else { continue }
            let key = GroupKey(signal)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(signal)
        }
        let planned = order.compactMap { key -> PlannedIssue? in
            guard let members = groups[key], let priority = priorities[key.type] else { return nil }
            let ranked = members.sorted(by: Self.strongerFirst)
            return PlannedIssue(type: key.type, signals: ranked, score: Self.score(ranked, priority: priority))
        }
        return Array(
            planned.sorted {
                $0.score != $1.score
                    ? $0.score > $1.score
                    : ($0.signals.first?.fingerprint ?? "") < ($1.signals.first?.fingerprint ?? "")
            }
            .prefix(maxIssues))
    }

    /// Severity times priority, with a small bonus for corroborating evidence.
    private static func score(_ signals: [Signal], priority: Priority) -> Double {
        guard let strongest = signals.first else { return 0 }
        let evidence = signals.reduce(0) { $0 + $1.evidence.locations.count + $1.evidence.commits.count }
        let corroboration = 1 + min(Double(evidence), 20) / 40
        return Double(strongest.severity.weight) * priority.weight * corroboration
    }

    private static func strongerFirst(_ lhs: Signal, _ rhs: Signal) -> Bool {
        lhs.severity != rhs.severity ? lhs.severity > rhs.severity : lhs.fingerprint < rhs.fingerprint
    }

    /// Markers in one file are one chore; every other finding stands alone.
    private struct GroupKey: Hashable {
        var type: IssueType
        var kind: SignalKind
        var identity: String

        init(_ signal: Signal) {
            type = IssueType(signal.kind)
            kind = signal.kind
            identity =
                signal.kind == .marker
                ? (signal.evidence.locations.first?.path ?? signal.fingerprint) : signal.fingerprint
        }
    }
}

extension IssueType {
    /// The kind of issue a finding calls for.
    public init(_ kind: SignalKind) {
        switch kind {
        case .documentationDrift, .undocumentedCode, .missingProjectFile: self = .documentation
        case .untestedCode: self = .testing
        case .hotFile, .changeCoupling, .largeFile: self = .refactoring
        case .marker, .busFactor: self = .maintenance
        }
    }
}
