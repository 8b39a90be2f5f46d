import Foundation
import RepositoryAnalysis

/// Records one run in history as it goes: the findings, then every draft before anything is published, then the
/// outcome. A run that fails or is interrupted still leaves what it finished, marked as such.
public actor RunJournal {
    private let store: any HistoryStore
    /// The run's id in history.
    public nonisolated let runId: Int64
    private var counts = RunCounts()
    /// The run's events not yet written: written with the drafts, and when the run finishes.
    public nonisolated let events: RunEventLog

    private init(store: any HistoryStore, runId: Int64, events: RunEventLog) {
        self.store = store
        self.runId = runId
        self.events = events
    }

    /// Starts a run for an analysed repository and records its findings.
    public static func start(
        store: any HistoryStore, repository: String, remote: RemoteRepository?, report: RepositoryReport,
        configurationDigest: String, events: RunEventLog = RunEventLog()
    ) async throws -> RunJournal {
        let run = try await store.startRun(
            RunRecord(
                repositoryPath: repository, repositoryRemote: remote?.description, commitHash: report.headCommit,
                configurationDigest: configurationDigest))
        guard let id = run.id else {
            throw TicketMasterError(.failure, "the history store did not assign the run an id")
        }
        let journal = RunJournal(store: store, runId: id, events: events)
        try await journal.recordSignals(report.signals)
        return journal
    }

    private func recordSignals(_ signals: [Signal]) async throws {
        try await store.recordSignals(signals, runId: runId)
        counts.signals = signals.count
    }

    /// Issues that earlier runs filed for the same evidence, so they are not suggested again.
    public func previouslyFiled(_ drafts: [IssueDraft]) async throws -> [ExistingIssue] {
        let records = try await store.drafts(withFingerprints: drafts.map(\.fingerprint))
        return records.filter { $0.status == .filed }.map {
            ExistingIssue(
                reference: "issue filed in run \($0.runId)", title: $0.title, body: $0.body,
                fingerprint: $0.fingerprint)
        }
    }

    /// Records the suggestions: kept drafts as drafts, set-aside ones as duplicates of what they repeat.
    @discardableResult
    public func record(_ suggestions: Suggestions) async throws -> [Int64] {
        var ids: [Int64] = []
        for reviewed in suggestions.drafts {
            let record = try await store.recordDraft(
                DraftRecord(
                    runId: runId, draft: reviewed.draft, score: reviewed.score.map(Double.init),
                    reviewReasons: reviewed.notes))
            if let id = record.id { ids.append(id) }
        }
        for duplicate in suggestions.duplicates {
            let record = try await store.recordDraft(
                DraftRecord(runId: runId, draft: duplicate.draft, reviewReasons: [duplicate.reason]))
            if let id = record.id {
                try await store.setStatus(.duplicate, ofDraft: id, duplicateOf: duplicate.duplicateOf)
            }
        }
        counts.drafts = suggestions.drafts.count
        try await store.recordEvents(events.take(runId: runId))
        return ids
    }

    /// Reopens run `runId` to carry on with it (`publish --resume`): its counts continue from what it recorded.
    public static func resume(store: any HistoryStore, runId: Int64) async throws -> RunJournal {
        let detail = try await store.run(runId)
        // Its events go on after those it recorded.
        let journal = RunJournal(
            store: store, runId: runId, events: RunEventLog(next: (detail.events.map(\.sequence).max() ?? -1) + 1))
        // A run killed before it finished never wrote its counts: count what it recorded instead.
        let suggested = detail.drafts.filter { $0.status != .duplicate }.count
        await journal.restore(
            RunCounts(
                signals: detail.signals.count, drafts: max(detail.run.draftCount, suggested),
                filed: detail.publications.count))
        return journal
    }

    private func restore(_ counts: RunCounts) {
        self.counts = counts
    }

    /// Records that draft `draftId` was filed as `issue` on `repository`, and marks the draft filed.
    public func recordPublication(
        draftId: Int64?, fingerprint: String, tracker: String, repository: String, number: Int, url: String,
        title: String
    ) async throws {
        _ = try await store.recordPublication(
            PublicationRecord(
                runId: runId, draftId: draftId, tracker: tracker, repository: repository, url: url, number: number,
                fingerprint: fingerprint, title: title))
        counts.filed += 1
    }

    /// Claims the filing of `fingerprint` on `repository` for `holder` until `until` (see `FilingClaim`).
    public func claimFiling(
        fingerprint: String, tracker: String, repository: String, holder: String, until: Date,
        replacing: String? = nil
    ) async throws -> FilingClaim {
        try await store.claimFiling(
            FilingClaimRequest(
                tracker: tracker, repository: repository, fingerprint: fingerprint, holder: holder, until: until,
                replacing: replacing))
    }

    /// Gives up `holder`'s claim on filing `fingerprint` on `repository`.
    public func releaseFiling(fingerprint: String, tracker: String, repository: String, holder: String) async throws {
        try await store.releaseFiling(
            fingerprint: fingerprint, tracker: tracker, repository: repository, holder: holder)
    }

    /// Records what became of draft `id` without filing it: approved, skipped by the user, or a duplicate of
    /// `duplicateOf` (an issue's address).
    public func setStatus(_ status: DraftStatus, ofDraft id: Int64, duplicateOf: String? = nil) async throws {
        try await store.setStatus(status, ofDraft: id, duplicateOf: duplicateOf)
    }

    /// The run as recorded so far, drafts and publications included.
    public func detail() async throws -> RunDetail {
        try await store.run(runId)
    }

    /// Marks the run finished after reporting `finished` to `events`, so that history keeps the outcome event with
    /// the others.
    public func finish(_ outcome: RunOutcome, message: String? = nil, reporting events: RunEvents) async {
        events(.finished(outcome: outcome, message: message))
        await finish(outcome, message: message)
    }

    /// Marks the run finished; errors are swallowed because the outcome must not hide the run's own result.
    public func finish(_ outcome: RunOutcome, message: String? = nil) async {
        // In a task of its own, which Ctrl-C has not cancelled: an interrupted run must still be marked so.
        let (store, runId, counts) = (store, runId, counts)
        let pending = events.take(runId: runId)
        await Task {
            try? await store.recordEvents(pending)
            try? await store.finishRun(runId, outcome: outcome, counts: counts, message: message, at: Date())
        }.value
    }
}

extension RunJournal {
    /// Records one model call; the prompt and reply texts are kept only when `keepPrompts` is on.
    public func record(_ call: ModelCall, keepPrompts: Bool, cost: Double? = nil) async {
        let record = ModelCallRecord(
            runId: runId, provider: call.model.provider, model: call.model.model, promptTemplate: call.promptLabel,
            promptTokens: call.usage.promptTokens, completionTokens: call.usage.completionTokens,
            latencyMilliseconds: Int(call.latency.components.seconds * 1000)
                + Int(call.latency.components.attoseconds / 1_000_000_000_000_000),
            cost: cost, prompt: keepPrompts ? call.prompt : nil, response: keepPrompts ? call.reply : nil)
        _ = try? await store.recordModelCall(record)
    }
}
