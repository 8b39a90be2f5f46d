import Foundation
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

/// The team stores behind the `TeamStore` seam.
enum TeamStoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// The kinds this machine can test: PostgreSQL only with a test server (see `PostgresTestDatabase`).
    static let available: [TeamStoreKind] = allCases.filter { $0 != .postgres || PostgresTestDatabase.isAvailable }
}

/// A team store on a new database, its history and queue, and a clock the test moves on.
final class TeamStoreFixture: Sendable {
    let history: any HistoryStore
    let team: any TeamStore
    let queue: any JobQueue
    private let folder: URL
    private let database: PostgresTestDatabase?
    private let postgres: PostgresHistoryStore?
    private let clock = Offset()

    init(_ kind: TeamStoreKind) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tm-team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        let clock = clock
        let now: @Sendable () -> Date = { start.addingTimeInterval(clock.seconds.withLock { $0 }) }
        switch kind {
        case .sqlite:
            let file = try SQLiteHistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
            (history, team, queue, database, postgres) = (
                file, SQLiteTeamStore(history: file, now: now), SQLiteJobQueue(history: file), nil, nil
            )
        case .postgres:
            let database = try await PostgresTestDatabase.make()
            let store = try await PostgresHistoryStore(location: database.location)
            (history, team, queue, self.database, postgres) = (
                store, PostgresTeamStore(history: store, now: now), PostgresJobQueue(store: store), database, store
            )
        }
    }

    /// Moves the store's clock on.
    func advance(_ seconds: TimeInterval) {
        clock.seconds.withLock { $0 += seconds }
    }

    func remove() async throws {
        await postgres?.close()
        try await database?.drop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A history run with drafts titled `titles`; returns its id and the drafts' ids.
    func run(drafts titles: [String]) async throws -> (Int64, [Int64]) {
        let run = try await history.startRun(
            RunRecord(repositoryPath: "/tmp/api", configurationDigest: "test"))
        let runId = try #require(run.id)
        var ids: [Int64] = []
        for title in titles {
            let draft = try await history.recordDraft(
                DraftRecord(
                    runId: runId,
                    draft: IssueDraft(
                        title: title, body: "Body of \(title).", labels: ["bug"], type: .bug, signals: [],
                        writer: .plain)))
            ids.append(try #require(draft.id))
        }
        return (runId, ids)
    }
}

@Suite("Team store contract: SQLite and PostgreSQL keep the web service's records alike")
struct TeamStoreContractTests {
    @Test(
        "accounts: unique names regardless of case, the first admin once, disabling ends sessions",
        arguments: TeamStoreKind.available)
    func accounts(kind: TeamStoreKind) async throws {
        let fixture = try await TeamStoreFixture(kind)
        let team = fixture.team
        let admin = try #require(
            try await team.createAccount(name: "Admin", role: .admin, passwordHash: "h1", onlyIfFirst: true))
        #expect(try await team.createAccount(name: "other", role: .admin, passwordHash: "h", onlyIfFirst: true) == nil)
        #expect(try await team.createAccount(name: "admin", role: .user, passwordHash: "h") == nil)
        let alice = try #require(try await team.createAccount(name: "alice", role: .viewer, passwordHash: "h2"))
        #expect(try await team.accountCount() == 2)
        #expect(try await team.accounts().map(\.name) == ["Admin", "alice"])
        #expect(try await team.account(named: "ADMIN")?.id == admin.id)
        #expect(try await team.account(id: try #require(alice.id))?.passwordHash == "h2")

        let session = try await team.openSession(for: alice)
        #expect(try await team.session(cookie: session.cookie)?.account.name == "alice")
        #expect(try await team.session(cookie: session.cookie)?.csrf == session.csrf)
        try await team.update(account: try #require(alice.id), role: .user, disabled: true)
        #expect(try await team.session(cookie: session.cookie) == nil)
        #expect(try await team.account(id: try #require(alice.id))?.role == .user)
        #expect(try await team.account(id: try #require(alice.id))?.disabled == true)
        try await fixture.remove()
    }

    @Test("sessions expire and close; tokens open accounts until revoked", arguments: TeamStoreKind.available)
    func sessionsAndTokens(kind: TeamStoreKind) async throws {
        let fixture = try await TeamStoreFixture(kind)
        let team = fixture.team
        let bob = try #require(try await team.createAccount(name: "bob", role: .user, passwordHash: "h"))
        let session = try await team.openSession(for: bob)
        let found = try #require(try await team.session(cookie: session.cookie))
        #expect(found.digest != session.cookie)
        try await team.closeSession(digest: found.digest)
        #expect(try await team.session(cookie: session.cookie) == nil)
        let later = try await team.openSession(for: bob)
        fixture.advance(TeamSecrets.sessionLifetime + 1)
        #expect(try await team.session(cookie: later.cookie) == nil)

        let (token, secret) = try await team.createToken(named: "ci", for: bob)
        #expect(secret.hasPrefix("tm_"))
        #expect(try await team.account(token: secret)?.name == "bob")
        #expect(try await team.account(token: secret + "x") == nil)
        #expect(try await team.tokens(of: bob).first?.lastUsedAt != nil)
        #expect(try await team.revokeToken(try #require(token.id), of: bob))
        #expect(try await !team.revokeToken(try #require(token.id), of: bob))
        #expect(try await team.account(token: secret) == nil)
        try await fixture.remove()
    }

    @Test(
        "repositories: unique names, sealed secrets, schedules queued once per due time with their job",
        arguments: TeamStoreKind.available)
    func repositoriesAndSchedules(kind: TeamStoreKind) async throws {
        let fixture = try await TeamStoreFixture(kind)
        let team = fixture.team
        let sealed = Data([1, 2, 3, 0, 255])
        let api = try #require(
            try await team.addRepository(name: "API", location: "/srv/api", tracker: "acme/api", sealedToken: sealed))
        #expect(try await team.addRepository(name: "api", location: "/x", tracker: nil, sealedToken: nil) == nil)
        let id = try #require(api.id)
        #expect(try await team.setWebhookSecret(Data([9]), repository: id))
        #expect(try await !team.setWebhookSecret(Data([9]), repository: id + 100))
        #expect(try await team.setSchedule("0 6 * * 1", timeZone: "Europe/Paris", repository: id))
        try await team.setAutoFile(true, repository: id)
        let stored = try #require(try await team.repository(id: id))
        #expect(stored.sealedToken == sealed && stored.hasWebhook && stored.autoFile)
        #expect(stored.schedule == "0 6 * * 1" && stored.scheduleTimeZone == "Europe/Paris")
        let previous = stored.lastScheduledAt

        let due = Date(timeIntervalSince1970: 1_750_100_000)
        let queued = try await team.queueScheduledRun(
            repository: id, due: due, previous: previous, maxIssues: 3, provider: "none")
        #expect(queued?.requestedBy == "schedule")
        #expect(
            try await team.queueScheduledRun(
                repository: id, due: due, previous: previous, maxIssues: 3, provider: "none") == nil)
        #expect(try await team.repository(id: id)?.lastScheduledAt == due)
        #expect(try await fixture.queue.jobs(limit: 10).map(\.kind) == [RunJob.suggest])
        #expect(try await team.repositories().map(\.name) == ["API"])
        try await fixture.remove()
    }

    @Test(
        "run requests: recorded with their job, filing queued once, states and pages, interrupted on a restart",
        arguments: TeamStoreKind.available)
    func runRequests(kind: TeamStoreKind) async throws {
        let fixture = try await TeamStoreFixture(kind)
        let team = fixture.team
        let repository = try #require(
            try await team.addRepository(name: "api", location: "/srv/api", tracker: nil, sealedToken: nil)?.id)
        var ids: [Int64] = []
        for index in 0..<3 {
            let request = try await team.createRunRequest(
                repositoryId: repository, requestedBy: "alice", maxIssues: index + 1, provider: "none",
                issueTypes: index == 0 ? [.bug, .testing] : nil)
            ids.append(try #require(request.id))
        }
        #expect(try await team.runRequestCount() == 3)
        #expect(try await team.runRequests(limit: 2, offset: 1).map(\.id) == [ids[1], ids[0]])
        #expect(try await team.runRequest(id: ids[0])?.issueTypes == "bug,testing")
        #expect(try await fixture.queue.jobs(limit: 10).count == 3)
        // The jobs exist already: queueing the waiting ones again adds none.
        #expect(try await team.queueWaitingRequests().map(\.id) == ids)
        #expect(try await fixture.queue.jobs(limit: 10).count == 3)

        let (runId, _) = try await fixture.run(drafts: ["One"])
        try await team.update(runRequest: ids[0], state: .running, runId: runId, message: nil)
        try await team.update(runRequest: ids[0], state: .drafted, runId: nil, message: "1 draft(s)")
        let drafted = try #require(try await team.runRequest(id: ids[0]))
        #expect(drafted.state == .drafted && drafted.runId == runId && drafted.message == "1 draft(s)")
        #expect(drafted.finishedAt != nil)
        #expect(try await team.queueFiling(runRequest: ids[0]))
        #expect(try await !team.queueFiling(runRequest: ids[0]))

        try await team.update(runRequest: ids[1], state: .running)
        #expect(try await team.interruptUnfinished() == 1)
        #expect(try await team.runRequest(id: ids[1])?.state == .interrupted)
        #expect(try await team.runRequest(id: ids[2])?.state == .queued)
        try await fixture.remove()
    }

    @Test(
        "drafts: edits and decisions until filed; waiting drafts approved in bulk", arguments: TeamStoreKind.available)
    func drafts(kind: TeamStoreKind) async throws {
        let fixture = try await TeamStoreFixture(kind)
        let team = fixture.team
        let (runId, ids) = try await fixture.run(drafts: ["One", "Two", "Three"])
        #expect(
            try await team.decide(
                draft: ids[0], runId: runId, title: "One, edited", body: nil, labels: ["bug", "parser"],
                status: .skipped, reason: "fixed upstream", by: "alice", assignees: ["octocat"], milestone: .some(4)))
        #expect(
            try await !team.decide(
                draft: ids[0], runId: runId + 1, title: "x", body: nil, labels: nil, status: nil, reason: nil,
                by: "alice"))
        #expect(try await team.approveWaitingDrafts(runId: runId, by: "automatic filing") == 2)
        try await fixture.history.setStatus(.filed, ofDraft: ids[1], duplicateOf: nil)
        #expect(
            try await !team.decide(
                draft: ids[1], runId: runId, title: "too late", body: nil, labels: nil, status: nil, reason: nil,
                by: "alice"))
        let drafts = try await fixture.history.run(runId).drafts
        #expect(drafts[0].title == "One, edited" && drafts[0].labels == ["bug", "parser"])
        #expect(drafts[0].status == .skipped && drafts[0].decisionReason == "fixed upstream")
        #expect(drafts[0].assignees == ["octocat"] && drafts[0].milestone == 4 && drafts[0].decidedBy == "alice")
        #expect(drafts[1].status == .filed && drafts[1].title == "Two")
        #expect(drafts[2].status == .approved && drafts[2].decidedBy == "automatic filing")
        try await fixture.remove()
    }

    @Test(
        "settings: plain and sealed values, replaced and removed; the audit trail filtered",
        arguments: TeamStoreKind.available)
    func settingsAndAudit(kind: TeamStoreKind) async throws {
        let fixture = try await TeamStoreFixture(kind)
        let team = fixture.team
        try await team.set("default_provider", value: "none")
        try await team.set("default_provider", value: "ollama")
        try await team.set("llm.openai.api_key", sealed: Data([4, 5]))
        var settings = try await team.settings()
        #expect(settings.values == ["default_provider": "ollama"])
        #expect(settings.sealed == ["llm.openai.api_key": Data([4, 5])])
        try await team.remove("llm.openai.api_key")
        settings = try await team.settings()
        #expect(settings.sealed.isEmpty)

        try await team.audit("login", target: "account alice", actor: "alice", address: "127.0.0.1")
        try await team.audit("run.start", target: "run 1", actor: "bob", address: nil)
        try await team.audit("login", target: "account bob", actor: "bob", address: nil)
        #expect(try await team.auditEvents().map(\.target) == ["account bob", "run 1", "account alice"])
        #expect(try await team.auditEvents(actor: "bob").count == 2)
        #expect(try await team.auditEvents(action: "login").map(\.actor) == ["bob", "alice"])
        #expect(try await team.auditEvents(actor: "bob", action: "login", limit: 5).count == 1)
        #expect(try await team.auditEvents(actor: "", action: "", limit: 1).count == 1)
        try await fixture.remove()
    }
}

/// Seconds a fixture's clock has moved on.
private final class Offset: Sendable {
    let seconds = Mutex<TimeInterval>(0)
}
