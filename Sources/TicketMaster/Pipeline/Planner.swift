import RepositoryAnalysis

/// A group of related signals that one issue will address.
public struct PlannedIssue: Sendable, Hashable {
    /// The kind of issue.
    public var type: IssueType
    /// The signals, strongest first.
    public var signals: [Signal]
    /// The ranking score (higher first).
    public var score: Double
    /// Why the planner chose it, for the preview: its rank, severity and evidence.
    public var reason: String

    /// Creates a planned issue.
    public init(type: IssueType, signals: [Signal], score: Double, reason: String = "") {
        self.type = type
        self.signals = signals
        self.score = score
        self.reason = reason
    }
}

/// A finding the planner did not turn into an issue, and why.
public struct LeftOut: Codable, Sendable, Hashable {
    /// The kind of finding.
    public var kind: SignalKind
    /// Its summary.
    public var summary: String
    /// Why it was left out: the per-kind limit, the issue limit, or an issue type not configured.
    public var reason: String
}

/// The planner's result: the issues to write, best first, and what was left out.
public struct Backlog: Sendable, Hashable {
    /// The issues to write, best first.
    public var issues: [PlannedIssue]
    /// Findings not planned, in rank order.
    public var leftOut: [LeftOut]
    /// The candidates the caps left out, in rank order: the pipeline takes the next one that fits when a planned
    /// issue cannot be written.
    public var reserve: [PlannedIssue] = []

    /// Takes the best reserve candidate whose kind has fewer than `maxPerKind` issues in `counts`, and forgets its
    /// findings from `leftOut`.
    public mutating func promote(counts: [SignalKind: Int], maxPerKind: Int) -> PlannedIssue? {
        guard let index = reserve.firstIndex(where: { counts[$0.signals[0].kind, default: 0] < maxPerKind }) else {
            return nil
        }
        let candidate = reserve.remove(at: index)
        let summaries = Set(candidate.signals.map(\.summary))
        leftOut.removeAll { summaries.contains($0.summary) }
        return candidate
    }
}

/// Chooses which findings become issues: filters by the configured issue types, merges findings that share a
/// cause, ranks by severity, priority and evidence, keeps variety (at most `maxPerKind` issues of one kind of
/// finding), and caps the count.
public struct Planner: Sendable {
    /// The kinds of issue to suggest and their priorities.
    public var types: [IssueTypePreference]
    /// The most issues to plan.
    public var maxIssues: Int
    /// The most issues to plan from one kind of finding, so that one kind cannot fill the list.
    public var maxPerKind: Int
    /// The lowest severity an issue's leading finding needs: a short list of issues worth filing beats one padded
    /// with notes that name nothing.
    public var minSeverity: Severity

    /// Creates a planner.
    public init(types: [IssueTypePreference], maxIssues: Int, maxPerKind: Int = 2, minSeverity: Severity = .low) {
        self.types = types
        self.maxIssues = maxIssues
        self.maxPerKind = maxPerKind
        self.minSeverity = minSeverity
    }

    /// The issues to write, best first.
    public func plan(_ signals: [Signal]) -> [PlannedIssue] {
        backlog(signals).issues
    }

    /// The issues to write, best first, and the findings left out with the reason.
    public func backlog(_ signals: [Signal]) -> Backlog {
        let priorities = Dictionary(types.map { ($0.type, $0.priority) }) { first, _ in first }
        var leftOut: [LeftOut] = []
        var groups: [GroupKey: [Signal]] = [:]
        var order: [GroupKey] = []
        // A marker inside a known-broken test, or just above its skip marker, is part of that test's issue: the
        // note explains the marker.
        var brokenTestLines: [String: [(Int, GroupKey)]] = [:]
        for signal in signals where signal.kind == .brokenTest {
            for location in signal.evidence.locations {
                brokenTestLines[location.path, default: []].append((location.startLine ?? 0, GroupKey(signal)))
            }
        }
        func key(for signal: Signal) -> GroupKey {
            guard signal.kind == .marker, let location = signal.evidence.locations.first,
                let line = location.startLine,
                let owner = brokenTestLines[location.path]?.first(where: { line >= $0.0 - 3 && line <= $0.0 + 40 })
            else { return GroupKey(signal) }
            return owner.1
        }
        for signal in signals {
            let type = IssueType(signal)
            guard priorities[type] != nil else {
                leftOut.append(
                    LeftOut(
                        kind: signal.kind, summary: signal.summary,
                        reason: "issue type \(type.rawValue) is not in issue_generation.templates"))
                continue
            }
            let key = key(for: signal)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(signal)
        }
        let candidates = order.compactMap { key -> PlannedIssue? in
            guard let members = groups[key], let priority = priorities[key.type] else { return nil }
            // The finding the group is about leads (a broken test before the note inside it), then the strongest.
            let ranked = members.sorted {
                ($0.kind == key.kind) != ($1.kind == key.kind) ? $0.kind == key.kind : Self.strongerFirst($0, $1)
            }
            return PlannedIssue(type: key.type, signals: ranked, score: Self.score(ranked, priority: priority))
        }
        .map { ($0, Self.specificity($0)) }
        .sorted { lhs, rhs in
            if lhs.0.score != rhs.0.score { return lhs.0.score > rhs.0.score }
            if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
            return (lhs.0.signals.first?.fingerprint ?? "") < (rhs.0.signals.first?.fingerprint ?? "")
        }
        .map(\.0)
        var chosen: [PlannedIssue] = []
        var reserve: [PlannedIssue] = []
        var perKind: [SignalKind: Int] = [:]
        for (rank, candidate) in candidates.enumerated() {
            guard let lead = candidate.signals.first else { continue }
            if lead.severity < minSeverity {
                leftOut += candidate.signals.map {
                    LeftOut(
                        kind: $0.kind, summary: $0.summary,
                        reason:
                            "\(lead.severity.rawValue) severity (issue_generation.min_severity: \(minSeverity.rawValue))"
                    )
                }
                continue
            }
            let reason: String?
            if chosen.count >= maxIssues {
                reason = "beyond the \(maxIssues) issues one run suggests (issue_generation.max_issues)"
            } else if perKind[lead.kind, default: 0] >= maxPerKind {
                reason =
                    "already \(maxPerKind) \(lead.kind.rawValue) suggestions (issue_generation.max_per_kind)"
            } else {
                reason = nil
            }
            if let reason {
                leftOut += candidate.signals.map { LeftOut(kind: $0.kind, summary: $0.summary, reason: reason) }
                var spare = candidate
                spare.reason = Self.reason(candidate, rank: rank + 1, of: candidates.count)
                reserve.append(spare)
                continue
            }
            perKind[lead.kind, default: 0] += 1
            var planned = candidate
            planned.reason = Self.reason(planned, rank: rank + 1, of: candidates.count)
            chosen.append(planned)
        }
        return Backlog(issues: chosen, leftOut: leftOut, reserve: reserve)
    }

    /// Of two candidates that score the same, the more specific goes first: a note that names a flag, a value and
    /// a failure ("False positive: "localhost" matches but is a valid URL") before one that names little. Only
    /// notes vary in this; every other kind states its facts in the same shape.
    private static func specificity(_ planned: PlannedIssue) -> Int {
        guard let (word, note) = planned.signals.first?.markerNote else { return 0 }
        return MarkerNote.specificity(note, word: word)
    }

    /// Severity times priority, with a small bonus for corroborating evidence. The declarations an undocumented-code
    /// finding lists are the size of the task, not evidence that it matters: they add no bonus.
    private static func score(_ signals: [Signal], priority: Priority) -> Double {
        guard let strongest = signals.first else { return 0 }
        let evidence = signals.reduce(0) {
            $0 + ($1.kind == .undocumentedCode ? 1 : $1.evidence.locations.count) + $1.evidence.commits.count
        }
        let corroboration = 1 + min(Double(evidence), 20) / 40
        return Double(strongest.severity.weight) * priority.weight * corroboration
    }

    private static func reason(_ planned: PlannedIssue, rank: Int, of total: Int) -> String {
        guard let lead = planned.signals.first else { return "" }
        let cited = Set(planned.signals.flatMap { $0.evidence.locations.map(\.path) }).count
        let places = lead.evidence.metrics.first { $0.name == "files" }.map { Int($0.value) } ?? cited
        var parts = [
            "ranked \(rank) of \(total) candidates", "\(lead.severity.rawValue) severity \(lead.kind.rawValue)",
        ]
        if planned.signals.count > 1 { parts.append("\(planned.signals.count) findings with one cause") }
        if places > 1 { parts.append("\(places) files") }
        if let age = lead.evidence.metrics.first(where: { $0.name == "age-days" })?.value, age >= 365 {
            parts.append("unchanged for \(Int(age)) days")
        }
        return parts.joined(separator: ", ")
    }

    private static func strongerFirst(_ lhs: Signal, _ rhs: Signal) -> Bool {
        lhs.severity != rhs.severity ? lhs.severity > rhs.severity : lhs.fingerprint < rhs.fingerprint
    }

    /// Findings with one cause become one issue: the same marker text in many files (a note copied with the code
    /// around it) is one task with a list of places. Every other finding stands alone.
    private struct GroupKey: Hashable {
        var type: IssueType
        var kind: SignalKind
        var identity: String

        init(_ signal: Signal) {
            type = IssueType(signal)
            kind = signal.kind
            if signal.kind == .marker, let text = Self.markerText(signal), text.count >= 12 {
                identity = "text:" + text
            } else {
                identity = signal.fingerprint
            }
        }

        /// The marker's note as its copies share it (`MarkerNote.copyKey`), from the summary after the path.
        static func markerText(_ signal: Signal) -> String? {
            guard let summary = signal.summary.split(separator: ": ", maxSplits: 1).dropFirst().first else {
                return nil
            }
            return MarkerNote.copyKey(String(summary))
        }
    }
}

extension IssueType {
    /// The kind of issue a finding calls for: a missing README, README section or contributing guide is
    /// documentation; a missing licence or CI configuration is maintenance.
    public init(_ signal: Signal) {
        if signal.kind == .missingProjectFile,
            ["readme", "contributing"].contains(where: {
                signal.fingerprint == Fingerprint.of([signal.kind.rawValue, $0])
            })
                || signal.summary.hasSuffix("section")
        {
            self = .documentation
        } else {
            self.init(signal.kind)
        }
    }

    /// The kind of issue a kind of finding calls for, by default.
    public init(_ kind: SignalKind) {
        switch kind {
        case .documentationDrift, .undocumentedCode: self = .documentation
        case .untestedCode, .defectHotspot, .brokenTest: self = .testing
        case .hotFile, .changeCoupling, .largeFile: self = .refactoring
        case .marker, .busFactor, .missingProjectFile, .unfinishedCleanup, .driftingCopy: self = .maintenance
        case .crashStub, .brokenReference, .codeReading: self = .bug
        case .leakedSecret: self = .security
        }
    }
}
