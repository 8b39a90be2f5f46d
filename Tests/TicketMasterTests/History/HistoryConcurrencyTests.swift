import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("History under concurrent and killed writers")
struct HistoryConcurrencyTests {
    @Test("two stores writing to one file at once both complete, with nothing lost")
    func twoPools() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("shared.sqlite")
        let stores = [try SQLiteHistoryStore(path: path), try SQLiteHistoryStore(path: path)]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    for seed in 0..<15 {
                        try await HistorySample.recordRun(into: store, repository: "/work/repo-\(index)", seed: seed)
                        let runId = try await HistorySample.recordRun(
                            into: store, repository: "/work/events-\(index)", seed: seed)
                        try await store.recordEvents([
                            RunEventRecord(runId: runId, sequence: 0, event: .runStarted(runId: runId))
                        ])
                    }
                }
            }
            try await group.waitForAll()
        }
        let stats = try await stores[0].stats()
        #expect(stats.runs == 60 && stats.drafts == 120 && stats.issuesFiled == 60)
        let runs = try await stores[1].runs(limit: 100)
        #expect(
            Set(runs.map(\.repositoryPath)) == ["/work/repo-0", "/work/repo-1", "/work/events-0", "/work/events-1"])
        #expect(runs.allSatisfy { $0.outcome == .partial })
        let size = try await stores[0].size()
        #expect(size.tables.first { $0.name == "runEvent" }?.rows == 30)
    }

    @Test("two ticket-master processes importing into one new file at once both complete")
    func twoProcesses() async throws {
        let runner = try CommandRunner()
        let folder = try TemporaryFolder()
        var exports: [String] = []
        for index in 0..<2 {
            let store = try SQLiteHistoryStore(path: folder.path("source-\(index).sqlite"))
            for seed in 0..<3 {
                try await HistorySample.recordRun(into: store, repository: "/work/repo-\(index)", seed: seed)
            }
            let file = folder.path("export-\(index).json")
            try (try await store.export()).json().write(to: URL(fileURLWithPath: file))
            exports.append(file)
        }
        let database = folder.path("shared/history.sqlite")
        let children = try exports.map { try runner.start(["history", "import", $0, "--database", database]) }
        let results = await ChildProcess.concurrently(children)
        for result in results {
            #expect(result.status == 0, "\(result.stderr)")
        }
        let store = try SQLiteHistoryStore(path: database)
        let runs = try await store.runs(limit: 100)
        #expect(runs.count == 6)
        #expect(Set(runs.map(\.repositoryPath)) == ["/work/repo-0", "/work/repo-1"])
        #expect(try await store.stats().issuesFiled == 6)
        #expect(try await store.integrityProblems().isEmpty)
    }

    @Test("an import killed with SIGKILL mid-write leaves a sound file, and the next import completes")
    func killedMidWrite() async throws {
        let runner = try CommandRunner()
        let folder = try TemporaryFolder()
        let database = folder.path("history.sqlite")
        let store = try SQLiteHistoryStore(path: database)
        let kept = try await HistorySample.recordRun(into: store, seed: 1)

        // An export whose import spends seconds inside its transaction: one run and 100,000 events, each its own
        // INSERT. A few large rows would be written in a blink, and the kill would land after the commit, while
        // the closing checkpoint copies the log back.
        let source = try SQLiteHistoryStore(path: folder.path("big-source.sqlite"))
        let big = try await HistorySample.recordRun(into: source, repository: "/work/big", seed: 2)
        let note = String(repeating: "evidence ", count: 50)
        let events = (0..<100_000).map {
            RunEventRecord(runId: big, sequence: $0, event: .draftLeftOut(title: "draft \($0)", reason: note))
        }
        try await source.recordEvents(events)
        let bigFile = folder.path("big.json")
        try (try await source.export()).json().write(to: URL(fileURLWithPath: bigFile))

        let child = try runner.start(["history", "import", bigFile, "--database", database])
        // The write-ahead log grows past the page cache only while the import's transaction is being written.
        let killedMidWrite = await child.kill(when: { fileSize(database + "-wal") > 1 << 20 })
        #expect(killedMidWrite, "the import ended before it was seen writing")
        let killed = await child.result()
        #expect(killed.signal == SIGKILL, "status \(killed.status)")

        let reopened = try SQLiteHistoryStore(path: database)
        #expect(try await reopened.integrityProblems().isEmpty)
        #expect(try await reopened.runs(limit: 10).map(\.id) == [kept], "none of the killed import is kept")
        #expect(try await reopened.size().tables.first { $0.name == "runEvent" }?.rows == 0)
        #expect(try await reopened.run(kept).drafts.count == 2)

        let again = try runner.run(["history", "import", bigFile, "--database", database])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await reopened.runs(limit: 10).count == 2)
        #expect(try await reopened.size().tables.first { $0.name == "runEvent" }?.rows == events.count)
        #expect(try await reopened.integrityProblems().isEmpty)
    }
}
