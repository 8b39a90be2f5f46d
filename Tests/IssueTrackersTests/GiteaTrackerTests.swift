import Foundation
import IssueTrackers
import Testing
import TicketMasterTesting

@Suite("Gitea/Gogs tracker against a real Gogs 0.14", .timeLimit(.minutes(3)))
struct GiteaTrackerTests {
    /// Starts Gogs, or cancels the test loudly when the package cannot be had.
    func gogs() async throws -> GogsTestServer {
        do {
            return try await GogsTestServer()
        } catch let error as GogsTestServer.Unavailable {
            let reason =
                "SKIPPED: Gogs 0.14 is unavailable, so the Gitea/Gogs tracker was NOT tested end to end: \(error)"
            FileHandle.standardError.write(Data("\n*** \(reason) ***\n".utf8))
            try Test.cancel(Comment(rawValue: reason))
        }
    }

    @Test func filesALabelledIssueThatGogsStores() async throws {
        let server = try await gogs()
        try await server.createRepository(named: "widgets")
        let log = LogCapture()
        let gogs = GiteaTracker(
            owner: server.user, name: "widgets", token: AccessToken(server.token, source: "configuration"),
            apiRoot: server.apiRoot, pacer: quickPacer(), logger: log.logger)

        #expect(try await gogs.currentUser().login == server.user)
        let repository = try await gogs.repository()
        #expect(repository.fullName == "\(server.user)/widgets")
        #expect(repository.permissions.canCreateLabels)

        let report = try await gogs.ensureLabels(["bug", "tech debt"])
        #expect(report.created == ["bug", "tech debt"])
        let filed = try await gogs.createIssue(
            NewIssue(
                title: "Parser.swift has grown to 2,000 lines", body: "Split it.", labels: ["bug", "Tech Debt", "new"],
                fingerprint: "c0ffee00c0ffee00"))
        #expect(filed.number == 1)
        #expect(filed.url == "\(server.url.absoluteString)/\(server.user)/widgets/issues/1")

        // Read back from the server itself, not through the tracker.
        let stored = try await server.issue(1, in: "widgets")
        #expect(stored.title == "Parser.swift has grown to 2,000 lines")
        #expect(Set(stored.labels.map(\.name)) == ["bug", "tech debt", "new"])
        #expect(stored.labels.first { $0.name == "new" }?.color == LabelColor.color(for: "new"))
        #expect(FingerprintMarker.extract(from: stored.body) == "c0ffee00c0ffee00")

        #expect(try await gogs.findIssue(withFingerprint: "c0ffee00c0ffee00")?.number == 1)
        _ = try await gogs.addComment(toIssue: 1, body: "Seen again on the next run.")
        #expect(try await gogs.closeIssue(number: 1).state == .closed)
        #expect(try await gogs.findIssue(withFingerprint: "c0ffee00c0ffee00")?.state == .closed)
        #expect(try await gogs.issues(state: .open).isEmpty)
        #expect(try await gogs.issues(state: .all).count == 1)
        #expect(!log.text.contains(server.token))

        // Gogs pages its issue lists ten at a time.
        for index in 2...13 { _ = try await gogs.createIssue(NewIssue(title: "Issue \(index)", body: "")) }
        #expect(try await gogs.issues(state: .open).map(\.number) == Array(2...13))
    }
}
