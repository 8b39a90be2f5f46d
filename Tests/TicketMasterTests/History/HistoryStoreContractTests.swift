import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

/// The two stores behind the `HistoryStore` seam, so tests of the pipeline can trust the in-memory one.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory

    var testDescription: String { rawValue }

    func make(in folder: TemporaryFolder, policy: HistoryPolicy = HistoryPolicy()) throws -> any HistoryStore {
        switch self {
        case .sqlite: try SQLiteHistoryStore(path: folder.path("contract.sqlite"), policy: policy)
        case .memory: MemoryHistoryStore(policy: policy)
        }
    }
}

@Suite("HistoryStore contract")
struct HistoryStoreContractTests {
    @Test("both stores record and read back the same run", arguments: StoreKind.allCases)
    func sameDetail(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try kind.make(in: folder)
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

    @Test("both stores refuse an unknown run with a usage error", arguments: StoreKind.allCases)
    func unknownRun(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try kind.make(in: folder)
        let error = await #expect(throws: TicketMasterError.self) {
            try await store.finishRun(7, outcome: .failed, counts: RunCounts(), message: nil, at: Date())
        }
        #expect(error?.code == .usage)
    }

    @Test("both stores cache facts by repository and commit, the latest write winning", arguments: StoreKind.allCases)
    func cache(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let store = try kind.make(in: folder)
        try await store.cacheFacts(["a": Data([1]), "b": Data([2])], repository: "one")
        try await store.cacheFacts(["a": Data([3])], repository: "one")
        try await store.cacheFacts(["a": Data([9])], repository: "two")
        #expect(
            try await store.cachedFacts(repository: "one", commits: ["a", "b", "c"]) == [
                "a": Data([3]), "b": Data([2]),
            ])
    }

    @Test("both stores redact secrets and drop prompts by policy", arguments: StoreKind.allCases)
    func policy(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let secret = "sk-test-\(UUID().uuidString)"
        let store = try kind.make(in: folder, policy: HistoryPolicy(keepPrompts: true, secrets: [secret]))
        let id = try await HistorySample.recordRun(
            into: store, remote: "https://x-access-token:\(secret)@github.com/acme/api.git", text: secret)
        let detail = try await store.run(id)
        #expect(detail.run.repositoryRemote == "https://github.com/acme/api.git")
        #expect(detail.run.message == "stopped by the secondary rate limit ********")
        #expect(detail.modelCalls.allSatisfy { $0.prompt?.hasSuffix("********") == true })
        #expect(!detail.drafts[0].body.contains(secret))
    }
}
