import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("History export and import")
struct HistoryTransferTests {
    /// A history with two runs, one pruned-away id gap, a filed issue per run and the newest run's events.
    private static func populated(in folder: TemporaryFolder) async throws -> SQLiteHistoryStore {
        let store = try SQLiteHistoryStore(path: folder.path("source.sqlite"), policy: HistoryPolicy(keepPrompts: true))
        try await HistorySample.recordRun(
            into: store, startedAt: Date().addingTimeInterval(-400 * 86_400), seed: 1,
            text: "quotes \" commas , newlines\n and émoji 🎫")
        try await HistorySample.recordRun(into: store, startedAt: Date().addingTimeInterval(-10 * 86_400), seed: 2)
        try await HistorySample.recordRun(into: store, startedAt: Date(), seed: 3)
        _ = try await store.prune(olderThan: Date().addingTimeInterval(-365 * 86_400))
        let latest = try #require(try await store.runs(limit: 1).first?.id)
        try await store.recordEvents([
            RunEventRecord(
                runId: latest, sequence: 0, at: Date(timeIntervalSince1970: 1_763_000_000),
                event: .draftLeftOut(title: "quotes \" commas , newlines\n and émoji 🎫", reason: "stale")),
            RunEventRecord(
                runId: latest, sequence: 1, at: Date(timeIntervalSince1970: 1_763_000_001),
                event: .finished(outcome: .succeeded, message: nil)),
        ])
        return store
    }

    @Test("export then import into an empty file reproduces every row of every table, ids included")
    func roundTrip() async throws {
        let folder = try TemporaryFolder()
        let source = try await Self.populated(in: folder)
        let exported = try await source.export()
        #expect(exported.tables["run"]?.count == 2)
        #expect(exported.tables["run"]?.first?["id"] == .integer(2), "the pruned run leaves a gap that must survive")
        let target = try SQLiteHistoryStore(path: folder.path("target.sqlite"))
        let report = try await target.importArchive(exported, source: "archive")
        #expect(!report.renumbered)
        #expect(report.rows["draft"] == 4)
        let reimported = try await target.export()
        for table in exported.tables.keys.sorted() {
            let before = try #require(exported.tables[table])
            let after = try #require(reimported.tables[table])
            #expect(before.count == after.count, "\(table)")
            for (expected, actual) in zip(before, after) {
                #expect(expected == actual, "\(table)")
            }
        }
        #expect(reimported == exported)
        #expect(try await target.search("split parser", limit: 10).count == 4, "the search index is rebuilt")
    }

    @Test("the JSON file and the CSV folder both round-trip to the same rows")
    func throughFiles() async throws {
        let folder = try TemporaryFolder()
        let exported = try await Self.populated(in: folder).export()
        let json = try HistoryArchive(json: try exported.json(), source: "export.json")
        let fromJSON = try SQLiteHistoryStore(path: folder.path("from-json.sqlite"))
        _ = try await fromJSON.importArchive(json, source: "export.json")
        #expect(try await fromJSON.export() == exported)

        let csvFolder = folder.url.appendingPathComponent("csv")
        try exported.writeCSV(to: csvFolder)
        let csv = try HistoryArchive(csvDirectory: csvFolder)
        let fromCSV = try SQLiteHistoryStore(path: folder.path("from-csv.sqlite"))
        _ = try await fromCSV.importArchive(csv, source: "csv")
        let reimported = try await fromCSV.export()
        #expect(reimported.tables == exported.tables)
    }

    @Test("importing into a history that has runs renumbers the imported runs and keeps their links")
    func mergeRenumbers() async throws {
        let folder = try TemporaryFolder()
        let exported = try await Self.populated(in: folder).export()
        let target = try SQLiteHistoryStore(path: folder.path("busy.sqlite"))
        let existing = try await HistorySample.recordRun(into: target, seed: 9)
        let report = try await target.importArchive(exported, source: "archive")
        #expect(report.renumbered)
        let runs = try await target.runs(limit: 10)
        #expect(runs.count == 3)
        for run in runs where run.id != existing {
            let detail = try await target.run(try #require(run.id))
            #expect(detail.drafts.count == 2 && detail.signals.count == 2 && detail.modelCalls.count == 2)
            let publication = try #require(detail.publications.first)
            #expect(detail.drafts.contains { $0.id == publication.draftId && $0.status == .filed })
        }
        #expect(try await target.integrityProblems().isEmpty)
    }

    @Test("imports that cannot be read are refused whole, saying why")
    func refusals() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteHistoryStore(path: folder.path("target.sqlite"))
        #expect(throws: TicketMasterError.self) { try HistoryArchive(json: Data("[1,2]".utf8), source: "x.json") }
        #expect(throws: TicketMasterError.self) {
            try HistoryArchive(
                json: Data(#"{"format":"other","schema":[],"columns":{},"tables":{}}"#.utf8), source: "x")
        }
        let future = HistoryArchive(schema: ["v1", "v7"], columns: [:], tables: [:])
        let newer = await #expect(throws: TicketMasterError.self) {
            try await store.importArchive(future, source: "future.json")
        }
        #expect(newer?.message.contains("newer ticket-master") == true)
        var broken = try await Self.populated(in: folder).export()
        broken.tables["draft"]?[0]["title"] = .null
        await #expect(throws: (any Error).self) { try await store.importArchive(broken, source: "broken.json") }
        #expect(try await store.runs(limit: 10).isEmpty, "nothing of a failed import is kept")
        var unknown = broken
        unknown.tables["draft"]?[0]["colour"] = .text("red")
        let column = await #expect(throws: TicketMasterError.self) {
            try await store.importArchive(unknown, source: "unknown.json")
        }
        #expect(column?.message.contains("colour") == true)
    }
}
