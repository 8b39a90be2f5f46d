import Foundation
import RepositoryAnalysis
import TicketMaster

/// Realistic history content, recorded through the `HistoryStore` seam the pipeline uses.
public enum HistorySample {
    /// Two signals, a hot file and a marker.
    public static func signals(seed: Int = 0) -> [Signal] {
        let commit = CommitReference(
            hash: String(repeating: "a", count: 39) + String(seed % 10), subject: "Rework the parser",
            date: Date(timeIntervalSince1970: 1_700_000_000))
        return [
            Signal(
                kind: .hotFile, severity: .high, identity: ["Sources/Parser.swift", String(seed)],
                summary: "Sources/Parser.swift changed in 42 of the last 200 commits",
                evidence: Evidence(
                    locations: [SourceLocation(path: "Sources/Parser.swift")], commits: [commit],
                    metrics: [Metric("commits", 42), Metric("insertions", 1_200)])),
            Signal(
                kind: .marker, severity: .medium, identity: ["Sources/Lexer.swift", "17", String(seed)],
                summary: "FIXME in Sources/Lexer.swift:17, 400 days old",
                evidence: Evidence(
                    locations: [
                        SourceLocation(path: "Sources/Lexer.swift", startLine: 17, excerpt: "// FIXME: unicode escapes")
                    ],
                    metrics: [Metric("age-days", 400)])),
        ]
    }

    /// Records one complete run: its signals, two drafts (one filed, one skipped), two model calls and one filed
    /// issue. `text` is added to the prompt, the reply and the failure message, to see what the store keeps of them.
    /// Returns the run's id.
    @discardableResult
    public static func recordRun(
        into store: some HistoryStore, repository: String = "/work/acme-api", remote: String? = nil,
        startedAt: Date = Date(timeIntervalSince1970: 1_763_000_000), seed: Int = 0, text: String = ""
    ) async throws -> Int64 {
        let run = try await store.startRun(
            RunRecord(
                repositoryPath: repository, repositoryRemote: remote ?? "https://github.com/acme/api.git",
                commitHash: String(repeating: "c", count: 40), configurationDigest: "0123456789abcdef",
                startedAt: startedAt))
        let runId = try requireId(run.id)
        let signals = signals(seed: seed)
        try await store.recordSignals(signals, runId: runId)
        let refactor = IssueDraft(
            title: "Split Sources/Parser.swift, the most changed file",
            body: "The parser changed in 42 commits.\n"
                + "Split the expression grammar from the statement grammar. \(text)",
            labels: ["refactoring", "ai-generated"], type: .refactoring, signals: [signals[0]],
            writer: .model(provider: "ollama", model: "smollm2:135m"))
        let fixme = IssueDraft(
            title: "Resolve the FIXME about unicode escapes in the lexer",
            body: "Sources/Lexer.swift:17 has carried `FIXME: unicode escapes` for 400 days.",
            labels: ["maintenance"], type: .maintenance, signals: [signals[1]], writer: .plain)
        let filed = try await store.recordDraft(
            DraftRecord(
                runId: runId, draft: refactor, score: 0.82, reviewReasons: ["cites 1 path, all exist"],
                createdAt: startedAt.addingTimeInterval(5)))
        let skipped = try await store.recordDraft(
            DraftRecord(
                runId: runId, draft: fixme, score: 0.4, reviewReasons: ["body shorter than 50 characters"],
                createdAt: startedAt.addingTimeInterval(6)))
        try await store.setStatus(.skipped, ofDraft: try requireId(skipped.id), duplicateOf: nil)
        for (index, provider) in ["ollama", "openai"].enumerated() {
            _ = try await store.recordModelCall(
                ModelCallRecord(
                    runId: runId, provider: provider, model: provider == "ollama" ? "smollm2:135m" : "gpt-4o-mini",
                    promptTemplate: "draft-issue@1", promptTokens: 812 + index, completionTokens: 230 + index,
                    latencyMilliseconds: 1_450 + index, cost: provider == "ollama" ? nil : 0.000_261,
                    prompt: "Write an issue from this evidence. \(text)", response: "{\"title\": \"Split\"} \(text)",
                    calledAt: startedAt.addingTimeInterval(Double(index + 1))))
        }
        _ = try await store.recordPublication(
            PublicationRecord(
                runId: runId, draftId: filed.id, tracker: "github", repository: "acme/api",
                url: "https://github.com/acme/api/issues/\(100 + seed)", number: 100 + seed,
                fingerprint: filed.fingerprint, title: filed.title, publishedAt: startedAt.addingTimeInterval(9)))
        // Recording the publication marks the draft filed in the same write.
        try await store.finishRun(
            runId, outcome: .partial, counts: RunCounts(signals: 2, drafts: 2, filed: 1),
            message: "stopped by the secondary rate limit \(text)", at: startedAt.addingTimeInterval(10))
        return runId
    }

    private static func requireId(_ id: Int64?) throws -> Int64 {
        guard let id else { throw TicketMasterError(.failure, "the store returned a record without an id") }
        return id
    }
}
