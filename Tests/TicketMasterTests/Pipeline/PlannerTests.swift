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
        // High severity, high priority (testing) first; then high severity, medium priority (documentation).
        #expect(plan.map(\.type) == [.testing, .documentation])
        #expect(plan.allSatisfy { $0.reason.hasPrefix("ranked ") })
    }

    /// A marker signal as analysis writes it: "<WORD> in <path>:<line>: <note>".
    private func marker(_ path: String, _ line: Int, _ note: String, _ severity: Severity = .medium) -> Signal {
        Signal(
            kind: .marker, severity: severity, identity: [path, "TODO", note],
            summary: "TODO in \(path):\(line): \(note)",
            evidence: Evidence(locations: [SourceLocation(path: path, startLine: line, excerpt: "// TODO: \(note)")]))
    }

    @Test("the same note copied into many files is one issue; different notes in one file stay apart")
    func mergesOneCause() {
        // A copy re-punctuated or re-wrapped is the same note (git's NEEDSWORK, once without a comma).
        let copied =
            (1...19).map { marker("tests/test_\($0).py", 3, "remove this sys.path hack, once installable") }
            + [marker("tests/test_20.py", 3, "Remove this  sys.path hack once installable.")]
        let signals =
            copied + [marker("a.swift", 3, "handle the empty input"), marker("a.swift", 9, "cache the parse")]
        let plan = Planner(types: all, maxIssues: 10, maxPerKind: 10).plan(signals)
        #expect(plan.count == 3)
        #expect(plan.map(\.signals.count).sorted() == [1, 1, 20])
        #expect(plan.first { $0.signals.count == 20 }?.reason.contains("20 findings with one cause") == true)
    }

    @Test("a note inside a known-broken test belongs to that test's issue")
    func markerInBrokenTest() {
        let broken = Signal(
            kind: .brokenTest, severity: .medium, identity: ["test/methods.ts"],
            summary: "test/methods.ts: 1 test marked expected to fail",
            evidence: Evidence(locations: [SourceLocation(path: "test/methods.ts", startLine: 66)]))
        let inside = marker("test/methods.ts", 75, "is it correct for this to throw 400?", .high)
        let above = marker("test/methods.ts", 65, "make this work on CI (stopped working at some point)", .high)
        let elsewhere = marker("test/methods.ts", 200, "unrelated note further down the file")
        let plan = Planner(types: all, maxIssues: 5).plan([broken, inside, above, elsewhere])
        #expect(plan.count == 2)
        #expect(plan.first { $0.signals.count == 3 }?.signals.map(\.kind) == [.brokenTest, .marker, .marker])
    }

    @Test("findings below min_severity are left out with the reason, not kept in reserve")
    func minimumSeverity() {
        let vague = marker("a.py", 3, "custom error exit codes", .low)
        let fixme = marker("b.py", 9, "the retry loop never gives up on a dead host", .high)
        let backlog = Planner(types: all, maxIssues: 5, minSeverity: .medium).backlog([vague, fixme])
        #expect(backlog.issues.map { $0.signals[0].evidence.locations[0].path } == ["b.py"])
        #expect(backlog.leftOut.map(\.reason) == ["low severity (issue_generation.min_severity: medium)"])
        #expect(backlog.reserve.isEmpty)
        #expect(Planner(types: all, maxIssues: 5).plan([vague, fixme]).count == 2, "low by default for the library")
    }

    @Test("of two notes that score the same, the one that names a value, a flag or a failure goes first")
    func specificNotesFirst() {
        let vague = marker("a.py", 3, "come up with a cleaner solution for the download stream", .high)
        let specific = marker("b.py", 9, "allow --compress with --chunked / --multipart", .high)
        let failing = marker("c.py", 5, "false positive, e.g., \"localhost\" matches but is a valid URL", .high)
        for order in [[vague, specific, failing], [failing, vague, specific]] {
            let plan = Planner(types: all, maxIssues: 3, maxPerKind: 3).plan(order)
            #expect(plan.map { $0.signals[0].evidence.locations[0].path } == ["c.py", "b.py", "a.py"])
        }
    }

    @Test("at most max_per_kind issues of one kind; the rest is left out with the reason")
    func keepsVariety() throws {
        let markers = (1...5).map { marker("f\($0).swift", 1, "note number \($0) for the file", .high) }
        let untested = signal(.untestedCode, .low, path: "b.swift")
        let backlog = Planner(types: all, maxIssues: 5, maxPerKind: 2).backlog(markers + [untested])
        #expect(backlog.issues.map(\.signals[0].kind) == [.marker, .marker, .untestedCode])
        #expect(backlog.leftOut.count == 3)
        #expect(backlog.leftOut.allSatisfy { $0.reason.contains("issue_generation.max_per_kind") })
        let capped = Planner(types: all, maxIssues: 1, maxPerKind: 2).backlog(markers)
        #expect(capped.leftOut.contains { $0.reason.contains("issue_generation.max_issues") })

        // When a planned issue cannot be written, the next candidate that fits the caps takes its place.
        var refill = backlog
        let none = refill.promote(counts: [.marker: 2], maxPerKind: 2)
        #expect(none == nil)
        let promoted = refill.promote(counts: [.marker: 1], maxPerKind: 2)
        let next = try #require(promoted)
        #expect(next.signals[0].kind == .marker)
        #expect(refill.leftOut.count == 2)
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
