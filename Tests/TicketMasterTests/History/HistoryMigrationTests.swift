import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("History schema migrations")
struct HistoryMigrationTests {
    /// The schema versions this build knows, read from a new database.
    private static func currentVersions() async throws -> [String] {
        let folder = try TemporaryFolder()
        return try await SQLiteHistoryStore(path: folder.path("new.sqlite")).export().schema
    }

    @Test("a new file, and an existing empty one, are migrated to the current schema")
    func fromEmpty() async throws {
        let folder = try TemporaryFolder()
        let empty = folder.path("empty.sqlite")
        FileManager.default.createFile(atPath: empty, contents: Data())
        for path in [folder.path("missing/deeper/history.sqlite"), empty] {
            let store = try SQLiteHistoryStore(path: path)
            #expect(try await store.export().schema == ["v1", "v2", "v3", "v4", "v5"])
            #expect(try await store.runs(limit: 1).isEmpty)
            #expect(try await store.integrityProblems().isEmpty)
        }
        let mode =
            try FileManager.default.attributesOfItem(atPath: folder.path("missing/deeper/history.sqlite"))[
                .posixPermissions] as? Int
        #expect(mode == 0o600, "a new history is readable by its owner only")
    }

    @Test("every schema version has a committed fixture")
    func fixtureForEveryVersion() async throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: historyFixtures.path)
        for version in try await Self.currentVersions() {
            #expect(fixtures.contains("history-\(version).sqlite"), "add Fixtures/history-\(version).sqlite")
        }
    }

    /// The versions that have a fixture, read from the file names.
    static let fixtureVersions: [String] =
        ((try? FileManager.default.contentsOfDirectory(atPath: historyFixtures.path)) ?? [])
        .filter { $0.hasPrefix("history-") && $0.hasSuffix(".sqlite") }
        .map { String($0.dropFirst("history-".count).dropLast(".sqlite".count)) }.sorted()

    @Test("a database written at each schema version opens, migrates and keeps its rows", arguments: fixtureVersions)
    func fromFixture(version: String) async throws {
        let folder = try TemporaryFolder()
        let copy = folder.path("history.sqlite")
        try FileManager.default.copyItem(
            atPath: historyFixtures.appendingPathComponent("history-\(version).sqlite").path, toPath: copy)
        let store = try SQLiteHistoryStore(path: copy)
        #expect(try await store.export().schema == (try await Self.currentVersions()))
        #expect(try await store.integrityProblems().isEmpty)
        let runs = try await store.runs(limit: 10)
        #expect(runs.count == 2)
        let detail = try await store.run(try #require(runs.last?.id))
        #expect(detail.drafts.map(\.status) == [.filed, .skipped])
        #expect(try detail.signals.map { try $0.signal() } == HistorySample.signals(seed: 1))
        #expect(detail.publications.map(\.url) == ["https://github.com/acme/api/issues/101"])
        #expect(try await store.search("lexer unicode", limit: 10).count == 2)
        #expect(try await store.size().tables.map(\.name).contains("analysisCache") == false)
        // Events exist from v2 on, and survive later migrations.
        if version != "v1" {
            #expect(
                try detail.events.map { try $0.event() }.last
                    == .finished(outcome: .partial, message: "stopped by the secondary rate limit"))
        }
        // The migrated file takes new runs.
        try await HistorySample.recordRun(into: store, seed: 3)
        #expect(try await store.runs(limit: 10).count == 3)
    }
}
