import Foundation
import RepositoryAnalysis
import Testing
import TicketMaster

/// Signals made by hand: the planner's rules do not depend on how analysis found them.
func signal(_ kind: SignalKind, _ severity: Severity, path: String, line: Int? = nil) -> Signal {
    Signal(
        kind: kind, severity: severity, identity: [path, String(line ?? 0)],
        summary: "\(kind.rawValue) in \(path)",
        evidence: Evidence(locations: [SourceLocation(path: path, startLine: line, excerpt: "// TODO: x")]))
}

@Suite("Planner")
struct PlannerTests {
    let all = IssueType.allCases.map { IssueTypePreference(type: $0, priority: $0.defaultPriority) }

    @Test("caps the number of issues and ranks by severity and priority")
    func ranksAndCaps() {
        let signals = [
            signal(.hotFile, .low, path: "a.swift"),
            signal(.documentationDrift, .high, path: "README.md"),
            signal(.untestedCode, .high, path: "b.swift"),
            signal(.largeFile, .medium, path: "c.bin"),
        ]
        let plan = Planner(types: all, maxIssues: 2).plan(signals)
        #expect(plan.count == 2)
        // High severity, high priority (documentation) first; then high severity, medium priority (testing).
        #expect(plan.map(\.type) == [.documentation, .testing])
    }

    @Test("markers in the same file become one issue")
    func groupsMarkers() {
        let signals = [
            signal(.marker, .medium, path: "a.swift", line: 3),
            signal(.marker, .medium, path: "a.swift", line: 9),
            signal(.marker, .low, path: "b.swift", line: 1),
        ]
        let plan = Planner(types: all, maxIssues: 10).plan(signals)
        #expect(plan.count == 2)
        #expect(plan.first?.signals.count == 2)
    }

    @Test("only the configured issue types are planned")
    func filtersTypes() {
        let signals = [signal(.hotFile, .high, path: "a.swift"), signal(.untestedCode, .low, path: "b.swift")]
        let plan = Planner(types: [IssueTypePreference(type: .testing, priority: .low)], maxIssues: 5).plan(signals)
        #expect(plan.map(\.type) == [.testing])
    }

    @Test("the same signals give the same plan, whatever their order")
    func deterministic() {
        let signals = (1...8).map { signal(.hotFile, .medium, path: "file\($0).swift") }
        let planner = Planner(types: all, maxIssues: 3)
        #expect(planner.plan(signals) == planner.plan(signals.reversed()))
    }
}
