import Foundation
import RepositoryAnalysis
import Synchronization
import Testing
import TicketMasterTesting

@Suite("Report")
struct ReportTests {
    @Test("the JSON form has camelCase keys and ISO-8601 dates, and decodes to the same report")
    func json() async throws {
        try await withRepository { repository in
            try repository.write("# Demo\n", to: "README.md")
            try repository.write("// TODO: one\n", to: "Sources/App/App.swift")
            try repository.write("{}\n", to: "package.json")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            let data = try RepositoryReport.jsonEncoder().encode(report)
            let decoded = try RepositoryReport.jsonDecoder().decode(RepositoryReport.self, from: data)
            #expect(decoded == report)

            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(
                Set(object.keys) == [
                    "schemaVersion", "root", "headCommit", "branch", "isShallow", "hasRemote", "generatedAt", "window",
                    "analysedCommitCount", "totals", "languages", "workingTree", "hotFiles", "directoryChurn",
                    "couplings", "ownership", "authors", "activity", "recentlyAdded", "recentlyDeleted",
                    "recentlyRenamed", "markers", "untestedFiles", "undocumentedFiles", "moduleDeclarations",
                    "largeFiles",
                    "projectFiles",
                    "dependencyManifests", "brokenTests", "crashStubs", "repeatedLines", "driftingCopies",
                    "brokenReferences",
                    "secrets",
                    "toolchain", "markerWords", "signals",
                ])
            #expect(object["generatedAt"] as? String == "2024-04-10T00:00:00Z")
            let markers = try #require(object["markers"] as? [[String: Any]])
            let lastChanged = try #require(markers.first?["lastChanged"] as? [String: Any])
            #expect(lastChanged["date"] as? String == "2024-01-02T00:00:00Z")
            let signals = try #require(object["signals"] as? [[String: Any]])
            #expect(signals.allSatisfy { ($0["kind"] as? String).map { SignalKind(rawValue: $0) != nil } ?? false })
            #expect(report.dependencyManifests.map(\.ecosystem) == ["npm"])
            #expect(report.languages.map(\.language).sorted() == ["JSON", "Markdown", "Swift"])
        }
    }

    @Test("progress is reported for each phase and ends with done")
    func progress() async throws {
        try await withRepository { repository in
            try repository.write("a\n", to: "a.txt")
            try await repository.commit("Start", date: Day.at(1))
            let phases = Phases()
            _ = try await RepositoryAnalyzer(options: AnalysisOptions(now: Day.at(2))).analyze(at: repository.url) {
                phases.append($0.phase)
            }
            let seen = phases.all
            #expect(seen.last == "done")
            #expect(seen.contains("reading history"))
            #expect(seen.contains("scanning files"))
        }
    }
}

/// Collects progress phases from concurrent callbacks.
private final class Phases: Sendable {
    private let phases = Mutex<[String]>([])

    func append(_ phase: String) { phases.withLock { $0.append(phase) } }
    var all: [String] { phases.withLock { $0 } }
}
