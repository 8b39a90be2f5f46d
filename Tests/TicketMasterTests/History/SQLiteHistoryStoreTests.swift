import Foundation
import RepositoryAnalysis
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("SQLite history store")
struct SQLiteHistoryStoreTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
    }

    private func open(
        _ name: String = "history.sqlite", policy: HistoryPolicy = HistoryPolicy()
    ) throws
        -> SQLiteHistoryStore
    {
        try SQLiteHistoryStore(path: folder.path(name), policy: policy)
    }

    @Test("a recorded run reads back whole: signals, drafts with their fate, model calls and filed issues")
    func recordAndShow() async throws {
        let store = try open()
        let id = try await HistorySample.recordRun(into: store)
        let detail = try await store.run(id)
        #expect(detail.run.outcome == .partial)
        #expect(detail.run.filedCount == 1 && detail.run.finishedAt != nil)
        #expect(try detail.signals.map { try $0.signal() } == HistorySample.signals())
        #expect(detail.drafts.map(\.status) == [.filed, .skipped])
        #expect(detail.drafts[0].labels == ["refactoring", "ai-generated"])
        #expect(detail.drafts[0].writer == "ollama/smollm2:135m")
        #expect(detail.drafts[0].reviewReasons == ["cites 1 path, all exist"])
        #expect(detail.publications.first?.draftId == detail.drafts[0].id)
        #expect(detail.modelCalls.map(\.provider) == ["ollama", "openai"])
        let again = try await store.drafts(withFingerprints: [detail.drafts[1].fingerprint])
        #expect(again.map(\.id) == [detail.drafts[1].id])
        #expect(try await store.runs(limit: 10).map(\.id) == [id])
    }

    @Test("an unknown run is a usage error that names the file and the way to list runs")
    func unknownRun() async throws {
        let store = try open()
        let error = await #expect(throws: TicketMasterError.self) { try await store.run(42) }
        #expect(error?.code == .usage)
        #expect(error?.message.contains(store.path) == true)
        #expect(error?.message.contains("history list") == true)
    }

    @Test("prompt and reply texts are kept only when history.keep_prompts is on")
    func keepPrompts() async throws {
        let dropping = try open("drop.sqlite")
        let dropped = try await dropping.run(try await HistorySample.recordRun(into: dropping))
        #expect(dropped.modelCalls.allSatisfy { $0.prompt == nil && $0.response == nil })
        #expect(dropped.modelCalls.map(\.promptTokens) == [812, 813])
        let keeping = try open("keep.sqlite", policy: HistoryPolicy(keepPrompts: true))
        let kept = try await keeping.run(try await HistorySample.recordRun(into: keeping))
        #expect(kept.modelCalls.allSatisfy { $0.prompt?.hasPrefix("Write an issue") == true && $0.response != nil })
    }

    @Test("this SQLite has FTS5, and search matches drafts and filed issues by word prefixes")
    func fullTextSearch() async throws {
        let store = try open()
        #expect(store.usesFullTextSearch, "FTS5 is missing from this SQLite build")
        let id = try await HistorySample.recordRun(into: store)
        let hits = try await store.search("pars split", limit: 10)
        #expect(Set(hits.map(\.kind)) == [.draft, .issue])
        #expect(hits.allSatisfy { $0.runId == id })
        #expect(hits.first { $0.kind == .draft }?.status == .filed)
        #expect(hits.first { $0.kind == .issue }?.url == "https://github.com/acme/api/issues/100")
        #expect(hits.contains { $0.snippet.contains("[") })
        // Stemming: "escape" finds "escapes".
        #expect(try await store.search("unicode escape", limit: 10).map(\.title).contains { $0.contains("FIXME") })
        // What a user types is words, never query syntax: quotes, dashes and operators must not fail.
        #expect(try await store.search("\"parser- (split*", limit: 10).count == 2)
        #expect(try await store.search("   ", limit: 10).isEmpty)
        #expect(try await store.search("nonexistentword", limit: 10).isEmpty)
    }

    @Test(
        "without the FTS5 index, search falls back to LIKE and still finds drafts and issues",
        .enabled(if: SQLiteShell.isAvailable))
    func likeFallback() async throws {
        let path = folder.path("fallback.sqlite")
        try await HistorySample.recordRun(into: try SQLiteHistoryStore(path: path))
        try SQLiteShell.run(
            """
            DROP TABLE draftText; DROP TABLE publicationText;
            DROP TRIGGER __draftText_ai; DROP TRIGGER __draftText_ad; DROP TRIGGER __draftText_au;
            DROP TRIGGER __publicationText_ai; DROP TRIGGER __publicationText_ad; DROP TRIGGER __publicationText_au;
            """, on: path)
        let store = try SQLiteHistoryStore(path: path)
        #expect(!store.usesFullTextSearch)
        let hits = try await store.search("Parser split", limit: 10)
        #expect(Set(hits.map(\.kind)) == [.draft, .issue])
        #expect(try await store.search("100%_", limit: 10).isEmpty)
    }

    @Test("stats count runs, filed issues, and tokens and cost per provider per month")
    func stats() async throws {
        let store = try open()
        let november = Date(timeIntervalSince1970: 1_763_000_000)  // 2025-11-13
        let december = Date(timeIntervalSince1970: 1_765_000_000)  // 2025-12-06
        try await HistorySample.recordRun(into: store, startedAt: november, seed: 1)
        try await HistorySample.recordRun(into: store, startedAt: november.addingTimeInterval(3_600), seed: 2)
        try await HistorySample.recordRun(into: store, startedAt: december, seed: 3)
        let stats = try await store.stats()
        #expect(stats.runs == 3 && stats.drafts == 6 && stats.issuesFiled == 3)
        #expect(stats.outcomes == ["partial": 3])
        #expect(stats.months.map(\.month) == ["2025-11", "2025-12"])
        #expect(stats.months.map(\.runs) == [2, 1] && stats.months.map(\.issuesFiled) == [2, 1])
        let openAINovember = try #require(stats.usage.first { $0.month == "2025-11" && $0.provider == "openai" })
        #expect(openAINovember.calls == 2 && openAINovember.promptTokens == 2 * 813)
        #expect(openAINovember.completionTokens == 2 * 231)
        #expect(abs(openAINovember.cost - 2 * 0.000_261) < 1e-12)
        #expect(stats.usage.first { $0.provider == "ollama" }?.cost == 0)
        #expect(stats.usage.count == 4)
    }

    @Test("prune removes old runs with what they recorded and gives the space back")
    func prune() async throws {
        let store = try open()
        let old = Date().addingTimeInterval(-200 * 86_400)
        let big = String(repeating: "evidence ", count: 20_000)
        for seed in 0..<20 {
            try await HistorySample.recordRun(into: store, startedAt: old, seed: seed, text: big)
        }
        let recent = try await HistorySample.recordRun(into: store, startedAt: Date())
        let report = try await store.prune(olderThan: Date().addingTimeInterval(-90 * 86_400))
        #expect(
            report.removed == ["run": 20, "signal": 40, "draft": 40, "modelCall": 40, "publication": 20, "runEvent": 0])
        #expect(report.bytesAfter < report.bytesBefore / 4, "\(report)")
        #expect(try await store.runs(limit: 100).map(\.id) == [recent])
        #expect(try await store.search("evidence", limit: 10).isEmpty)
        #expect(try await store.integrityProblems().isEmpty)
        let size = try await store.size()
        #expect(size.tables.first { $0.name == "run" }?.rows == 1)
        #expect(size.tables.map(\.name) == ["run", "signal", "draft", "modelCall", "publication", "runEvent"])
    }

    @Test("a file that is not a database is refused with its path and what to do")
    func corruptFile() throws {
        let path = folder.path("broken.sqlite")
        try Data(repeating: 0x5A, count: 8_192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: TicketMasterError.self) { try SQLiteHistoryStore(path: path) }
        #expect(error?.message.contains("\(path) is damaged or not an SQLite file") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("mv \(path) \(path).broken") == true)
    }

    @Test("a history path that cannot be created names the folder and the setting to change")
    func unwritableLocation() throws {
        let file = folder.path("plain-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: TicketMasterError.self) {
            try SQLiteHistoryStore(path: file + "/history.sqlite")
        }
        #expect(error?.message.contains(file) == true && error?.message.contains("history.path") == true)
    }

    @Test(
        "a database from a newer ticket-master is refused, not migrated or damaged",
        .enabled(if: SQLiteShell.isAvailable))
    func newerSchema() async throws {
        let path = folder.path("future.sqlite")
        try await HistorySample.recordRun(into: try SQLiteHistoryStore(path: path))
        try SQLiteShell.run("INSERT INTO grdb_migrations VALUES ('v99-future')", on: path)
        let error = #expect(throws: TicketMasterError.self) { try SQLiteHistoryStore(path: path) }
        #expect(error?.message.contains("newer ticket-master") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("v99-future") == true)
        #expect(try SQLiteShell.run("SELECT COUNT(*) FROM run", on: path) == "1\n")
    }
}
