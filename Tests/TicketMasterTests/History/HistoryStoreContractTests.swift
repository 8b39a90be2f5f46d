import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

/// The stores behind the `HistoryStore` seam, so tests of the pipeline can trust the in-memory one and a team can
/// move from SQLite to PostgreSQL.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory, postgres

    var testDescription: String { rawValue }

    /// The kinds this machine can test: PostgreSQL only with a test server (see `PostgresTestDatabase`).
    static let available: [StoreKind] = allCases.filter { $0 != .postgres || PostgresTestDatabase.isAvailable }

    /// A new, empty store. A PostgreSQL one gets a database of its own on the test server, which goes with the
    /// server's throwaway cluster.
    func make(in folder: TemporaryFolder, policy: HistoryPolicy = HistoryPolicy()) async throws -> any HistoryStore {
        switch self {
        case .sqlite: try SQLiteHistoryStore(path: folder.path("contract.sqlite"), policy: policy)
        case .memory: MemoryHistoryStore(policy: policy)
        case .postgres:
            try await PostgresHistoryStore(location: try await PostgresTestDatabase.make().location, policy: policy)
        }
    }
}

@Suite("HistoryStore contract")
struct HistoryStoreContractTests {
    @Test("every store records and reads back the same run", arguments: StoreKind.available)
    func sameDetail(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try await kind.make(in: folder)
        let id = try await HistorySample.recordRun(into: store)
        let detail = try await store.run(id)
        #expect(detail.run.outcome == .partial && detail.run.signalCount == 2)
        #expect(
            detail.drafts.map(\.title) == [
                "Split Sources/Parser.swift, the most changed file",
                "Resolve the FIXME about unicode escapes in the lexer",
            ])
        #expect(detail.drafts.map(\.status) == [.filed, .skipped])
        #expect(try detail.signals.map { try $0.signal() } == HistorySample.signals())
        #expect(detail.modelCalls.allSatisfy { $0.prompt == nil })
        #expect(detail.publications.map(\.number) == [100])
        #expect(try await store.search("lexer", limit: 5).map(\.kind) == [.draft])
        let stats = try await store.stats()
        #expect(stats.runs == 1 && stats.issuesFiled == 1 && stats.usage.map(\.provider) == ["ollama", "openai"])
    }

    @Test("every store refuses an unknown run with a usage error", arguments: StoreKind.available)
    func unknownRun(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try await kind.make(in: folder)
        let error = await #expect(throws: TicketMasterError.self) {
            try await store.finishRun(7, outcome: .failed, counts: RunCounts(), message: nil, at: Date())
        }
        #expect(error?.code == .usage)
    }

    @Test(
        "every store keeps a run's events in order, redacted, and refuses a number twice",
        arguments: StoreKind.available
    )
    func events(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let secret = "sk-test-\(UUID().uuidString)"
        let store = try await kind.make(in: folder, policy: HistoryPolicy(secrets: [secret]))
        let id = try await HistorySample.recordRun(into: store)
        try await store.recordEvents([
            RunEventRecord(runId: id, sequence: 1, event: .finished(outcome: .succeeded, message: nil)),
            RunEventRecord(runId: id, sequence: 0, event: .issueFailed(title: "Rotate \(secret)", reason: "denied")),
        ])
        let events = try await store.run(id).events
        #expect(events.map(\.sequence) == [0, 1])
        #expect(events.map(\.kind) == ["issueFailed", "finished"])
        #expect(try events[0].event() == .issueFailed(title: "Rotate ********", reason: "denied"))
        await #expect(throws: (any Error).self) {
            try await store.recordEvents([
                RunEventRecord(runId: id, sequence: 0, event: .finished(outcome: .failed, message: nil))
            ])
        }
    }

    @Test("every store redacts secrets and drops prompts by policy", arguments: StoreKind.available)
    func policy(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let secret = "sk-test-\(UUID().uuidString)"
        let store = try await kind.make(in: folder, policy: HistoryPolicy(keepPrompts: true, secrets: [secret]))
        let id = try await HistorySample.recordRun(
            into: store, remote: "https://x-access-token:\(secret)@github.com/acme/api.git", text: secret)
        let detail = try await store.run(id)
        #expect(detail.run.repositoryRemote == "https://github.com/acme/api.git")
        #expect(detail.run.message == "stopped by the secondary rate limit ********")
        #expect(detail.modelCalls.allSatisfy { $0.prompt?.hasSuffix("********") == true })
        #expect(!detail.drafts[0].body.contains(secret))
    }

    @Test(
        "every store grants one filing claim at a time, hands over a lapsed or released one, and ends it on filing",
        arguments: StoreKind.available)
    func filingClaims(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try await kind.make(in: folder)
        let runId = try await HistorySample.recordRun(into: store)
        // Held claims last an hour: on a loaded machine minutes can pass between two calls, and a claim that lapsed
        // meanwhile would be taken over as it should, failing the test for the wrong reason.
        func request(_ holder: String, fingerprint: String = "f00d", seconds: TimeInterval = 3600) -> FilingClaimRequest
        {
            FilingClaimRequest(
                tracker: "github", repository: "acme/api", fingerprint: fingerprint, holder: holder,
                until: Date().addingTimeInterval(seconds))
        }
        #expect(try await store.claimFiling(request("a")) == .claimed)
        #expect(try await store.claimFiling(request("a")) == .claimed, "a holder may renew its own claim")
        guard case .held(by: "a", _) = try await store.claimFiling(request("b")) else {
            Issue.record("a second holder was granted a held claim")
            return
        }
        // Claims are per fingerprint and per tracker repository.
        #expect(try await store.claimFiling(request("b", fingerprint: "beef")) == .claimed)
        try await store.releaseFiling(fingerprint: "f00d", tracker: "github", repository: "acme/api", holder: "b")
        #expect(try await store.claimFiling(request("b")) != .claimed, "only the holder releases a claim")
        try await store.releaseFiling(fingerprint: "f00d", tracker: "github", repository: "acme/api", holder: "a")
        #expect(try await store.claimFiling(request("b", seconds: -1)) == .claimed, "a released claim is free")
        #expect(try await store.claimFiling(request("c")) == .claimed, "a lapsed claim is taken over")
        var replacing = request("e")
        replacing.replacing = "c"
        #expect(try await store.claimFiling(replacing) == .claimed, "a gone holder's claim is taken over")
        #expect(try await store.claimFiling(request("c")) != .claimed)

        _ = try await store.recordPublication(
            PublicationRecord(
                runId: runId, tracker: "github", repository: "acme/api", url: "https://github.com/acme/api/issues/7",
                number: 7, fingerprint: "f00d", title: "Filed once"))
        #expect(
            try await store.claimFiling(request("d"))
                == .filed(number: 7, url: "https://github.com/acme/api/issues/7", title: "Filed once"))
    }
}
