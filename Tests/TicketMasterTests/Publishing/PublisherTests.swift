import Foundation
import IssueTrackers
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("Publisher: idempotent filing with labels, duplicates and clean stops")
struct PublisherTests {
    /// A run in a memory history with `count` drafts, each with its own fingerprint and the given labels.
    private func recordedRun(
        drafts count: Int, labels: [String] = ["maintenance", "ticket-master"]
    ) async throws -> (MemoryHistoryStore, RunJournal, [PendingIssue]) {
        let store = MemoryHistoryStore()
        let run = try await store.startRun(RunRecord(repositoryPath: "/work/api", configurationDigest: "0"))
        let runId = try #require(run.id)
        var pending: [PendingIssue] = []
        for index in 0..<count {
            let signals = HistorySample.signals(seed: index)
            let draft = IssueDraft(
                title: "Draft \(index)", body: "Body of draft \(index).", labels: labels, type: .maintenance,
                signals: signals, writer: .plain)
            let record = try await store.recordDraft(DraftRecord(runId: runId, draft: draft))
            pending.append(PendingIssue(record))
        }
        return (store, try await RunJournal.resume(store: store, runId: runId), pending)
    }

    @Test("files every draft once, creates its labels and records it; a second pass files nothing")
    func filesOnce() async throws {
        let (store, journal, pending) = try await recordedRun(drafts: 3)
        let tracker = MemoryIssueTracker(labels: ["maintenance"])
        let publisher = Publisher(tracker: tracker, journal: journal)

        let first = try await publisher.publish(pending)
        #expect(first.isComplete)
        #expect(first.filed.map(\.number) == [1, 2, 3])
        #expect(first.createdLabels == ["ticket-master"])
        #expect(first.filed.allSatisfy { $0.missingLabels.isEmpty })
        let issues = await tracker.storedIssues
        #expect(issues.map(\.fingerprint) == pending.map { $0.fingerprint.lowercased() })
        #expect(issues.allSatisfy { Set($0.labels) == ["maintenance", "ticket-master"] })

        let detail = try await journal.detail()
        #expect(detail.publications.map(\.number) == [1, 2, 3])
        #expect(detail.drafts.allSatisfy { $0.status == .filed })
        #expect(detail.unfiledDrafts.isEmpty)

        let second = try await publisher.publish(pending)
        #expect(second.filed.isEmpty)
        #expect(second.duplicates.map(\.number) == [1, 2, 3])
        #expect(await tracker.storedIssues.count == 3)
        _ = store
    }

    @Test("a security finding is kept off the tracker unless the configuration asks to file it")
    func securityFindings() async throws {
        let (_, journal, pending) = try await recordedRun(drafts: 2)
        var drafts = pending
        drafts[1].isSecurityFinding = true
        let tracker = MemoryIssueTracker(labels: ["maintenance", "ticket-master"])
        let kept = try await Publisher(tracker: tracker, journal: journal).publish(drafts)
        #expect(kept.filed.map(\.title) == ["Draft 0"])
        #expect(kept.withheld.map(\.title) == ["Draft 1"])
        #expect(kept.withheld.first?.reason.contains("publishing.file_security_findings") == true)
        #expect(await tracker.storedIssues.count == 1)
        let filed = try await Publisher(tracker: tracker, journal: journal, fileSecurityFindings: true).publish(drafts)
        #expect(filed.filed.map(\.title) == ["Draft 1"])
        #expect(filed.withheld.isEmpty)
    }

    @Test("labels the token may not create are reported, and the issue is filed without them")
    func unavailableLabels() async throws {
        let (_, journal, pending) = try await recordedRun(drafts: 1, labels: ["maintenance", "brand-new"])
        let tracker = MemoryIssueTracker(
            labels: ["maintenance"],
            permissions: RepositoryPermissions(canRead: true, canTriage: true, canPush: false, isAdmin: false))
        let report = try await Publisher(tracker: tracker, journal: journal).publish(pending)
        #expect(report.filed.count == 1)
        #expect(report.unavailableLabels.map(\.name) == ["brand-new"])
        #expect(report.unavailableLabels.first?.reason.contains("write access") == true)
        // GitHub drops every label when the token cannot push; the report says so rather than losing them.
        #expect(Set(report.filed.first?.missingLabels ?? []) == ["maintenance", "brand-new"])
    }

    @Test("a rate limit stops filing cleanly; filing again files exactly the rest")
    func rateLimitThenResume() async throws {
        let (store, journal, pending) = try await recordedRun(drafts: 4)
        let tracker = MemoryIssueTracker()
        await tracker.failNext(.createIssue, with: TrackerError(.rateLimited, "rate limited until 12:00"))
        let first = try await Publisher(tracker: tracker, journal: journal).publish(pending)
        #expect(first.stop?.reason == .rateLimited)
        #expect(first.filed.isEmpty)
        #expect(first.notFiled.count == 4)
        #expect(!first.isComplete)

        await tracker.failNext(.createIssue, with: TrackerError(.unauthorized, "bad credentials"))
        let resumed = try await RunJournal.resume(store: store, runId: journal.runId)
        let second = try await Publisher(tracker: tracker, journal: resumed).publish(
            try await resumed.detail().unfiledDrafts.map(PendingIssue.init))
        #expect(second.stop?.reason == .authentication)

        let third = try await Publisher(tracker: tracker, journal: resumed).publish(
            try await resumed.detail().unfiledDrafts.map(PendingIssue.init))
        #expect(third.isComplete)
        #expect(third.filed.count == 4)
        #expect(await tracker.storedIssues.count == 4)
        #expect(try await resumed.detail().unfiledDrafts.isEmpty)
    }

    @Test("a draft the tracker refuses is reported and the others are still filed")
    func refusedDraft() async throws {
        let (_, journal, pending) = try await recordedRun(drafts: 3)
        let tracker = MemoryIssueTracker()
        // The first create call fails validation; the next two succeed.
        await tracker.failNext(.createIssue, with: TrackerError(.validationFailed, "title too long", status: 422))
        let report = try await Publisher(tracker: tracker, journal: journal).publish(pending)
        #expect(report.filed.count == 2)
        #expect(report.notFiled.map(\.title) == ["Draft 0"])
        #expect(report.notFiled.first?.reason == "title too long")
        #expect(report.stop == nil)
        #expect(try await journal.detail().unfiledDrafts.map(\.title) == ["Draft 0"])
    }

    @Test("an issue another run filed after the listing is found right before filing, and not filed again")
    func concurrentRun() async throws {
        let (_, journal, pending) = try await recordedRun(drafts: 2)
        let inner = MemoryIssueTracker()
        let fingerprint = pending[1].fingerprint
        // Another run files the second draft just after this run's first full listing: the checks before each
        // filing ask for recent changes of every state, and the other run files then.
        let racing = HookedTracker(
            inner: inner,
            beforeListing: { state, since in
                if state == .all, since != nil, try await inner.findIssue(withFingerprint: fingerprint) == nil {
                    _ = try await inner.createIssue(
                        NewIssue(title: "Filed by another run", body: "", fingerprint: fingerprint))
                }
            })
        let report = try await Publisher(tracker: racing, journal: journal).publish(pending)
        #expect(report.filed.map(\.title) == ["Draft 0"])
        #expect(report.duplicates.map(\.title) == ["Draft 1"])
        #expect(await inner.storedIssues.count == 2)
        let statuses = try await journal.detail().drafts.map(\.status)
        #expect(statuses == [.filed, .duplicate])
    }

    @Test("a rejected token before anything is filed throws, so the command can exit with the token remedy")
    func rejectedToken() async throws {
        let (_, journal, pending) = try await recordedRun(drafts: 1)
        let tracker = MemoryIssueTracker()
        await tracker.failNext(.repository, with: TrackerError(.unauthorized, "set GITHUB_TOKEN", status: 401))
        await #expect(throws: TrackerError.self) {
            try await Publisher(tracker: tracker, journal: journal).publish(pending)
        }
        #expect(await tracker.storedIssues.isEmpty)
    }
}

/// A tracker that passes every call to `inner`, after a hook for listings and one for filings: where a test plays
/// what another process does at that moment.
struct HookedTracker<Inner: IssueTracker>: IssueTracker {
    let inner: Inner
    var beforeListing: @Sendable (IssueStateFilter, Date?) async throws -> Void = { _, _ in }
    var beforeFiling: @Sendable () async -> Void = {}
    var kind: TrackerKind { inner.kind }
    var repositoryPath: String { inner.repositoryPath }

    func currentUser() async throws -> TrackerUser { try await inner.currentUser() }
    func repository() async throws -> RepositoryInfo { try await inner.repository() }
    func issues(state: IssueStateFilter, since: Date?, limit: Int) async throws -> [TrackedIssue] {
        try await beforeListing(state, since)
        return try await inner.issues(state: state, since: since, limit: limit)
    }
    func labels() async throws -> [IssueLabel] { try await inner.labels() }
    func createLabel(name: String, color: String, description: String?) async throws -> IssueLabel {
        try await inner.createLabel(name: name, color: color, description: description)
    }
    func createIssue(_ issue: NewIssue) async throws -> TrackedIssue {
        await beforeFiling()
        return try await inner.createIssue(issue)
    }
    func updateIssue(number: Int, _ update: IssueUpdate) async throws -> TrackedIssue {
        try await inner.updateIssue(number: number, update)
    }
    func addComment(toIssue number: Int, body: String) async throws -> IssueComment {
        try await inner.addComment(toIssue: number, body: body)
    }
    func findIssue(withFingerprint fingerprint: String) async throws -> TrackedIssue? {
        try await inner.findIssue(withFingerprint: fingerprint)
    }
}
