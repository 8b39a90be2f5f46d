import Foundation
import IssueTrackers
import Testing
import TicketMasterTesting

@Suite("Bitbucket tracker against a loopback server speaking Bitbucket Cloud's wire format", .timeLimit(.minutes(1)))
struct BitbucketTrackerTests {
    let token = "ATCTT3xFfGN0-repository-access-SECRET"

    func tracker(
        _ server: BitbucketTestServer, path: String = "acme/api", token: AccessToken? = nil,
        log: LogCapture = LogCapture()
    ) throws -> any IssueTracker {
        try TrackerKind.bitbucket.makeTracker(
            path: path, token: token ?? AccessToken(self.token, source: "BITBUCKET_TOKEN"), apiRoot: server.apiRoot,
            pacer: quickPacer(), logger: log.logger)
    }

    @Test func filesAnIssueWithItsKindComponentAndAMarkerMarkdownHides() async throws {
        let server = try await BitbucketTestServer(token: token)
        server.createRepository("acme/api", components: ["parser"])
        let bitbucket = try tracker(server)

        #expect(try await bitbucket.currentUser().login == "repository-token")
        let repository = try await bitbucket.repository()
        #expect(repository.fullName == "acme/api")
        #expect(repository.url.hasSuffix("/acme/api"))
        #expect(repository.hasIssues)

        // Kinds and components are what a label can be; the rest cannot be made through the API, and says how.
        let labels = try await bitbucket.ensureLabels(["bug", "Parser", "tech debt"])
        #expect(labels.available == ["bug", "parser"])
        #expect(labels.unavailable.map(\.name) == ["tech debt"])

        let filed = try await bitbucket.createIssue(
            NewIssue(
                title: "Split Parser.swift", body: "Too long.\n\n<!-- ticket-master:evidence=eyJmIjpbXX0 -->",
                labels: labels.available, fingerprint: "0badc0de0badc0de"))
        #expect(filed.number == 1)
        #expect(filed.url.hasSuffix("/acme/api/issues/1"))
        #expect(filed.labels == ["bug", "parser"])
        // Read back, the markers are the HTML comments the rest of Ticket-Master reads.
        #expect(filed.fingerprint == "0badc0de0badc0de")
        #expect(filed.body.contains("<!-- ticket-master:evidence=eyJmIjpbXX0 -->"))

        // Stored, they are link reference definitions, which Bitbucket's Markdown never shows.
        let stored = server.issues(in: "acme/api")
        #expect(stored.count == 1 && stored[0].kind == "bug" && stored[0].component == "parser")
        #expect(!stored[0].raw.contains("<!--"))
        #expect(stored[0].raw.contains("[//]: # (ticket-master:fingerprint=0badc0de0badc0de)"))
        #expect(stored[0].raw.contains("[//]: # (ticket-master:evidence=eyJmIjpbXX0)"))
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(token)" })

        #expect(try await bitbucket.findIssue(withFingerprint: "0badc0de0badc0de")?.number == 1)
        _ = try await bitbucket.addComment(toIssue: 1, body: "Still there.")
        let closed = try await bitbucket.updateIssue(number: 1, IssueUpdate(state: .closed, closeReason: .completed))
        #expect(closed.state == .closed && closed.closeReason == .completed)
        #expect(server.issues(in: "acme/api")[0].comments == ["Still there."])
        #expect(server.issues(in: "acme/api")[0].state == "resolved")
        let declined = try await bitbucket.updateIssue(number: 1, IssueUpdate(state: .closed, closeReason: .notPlanned))
        #expect(declined.closeReason == .notPlanned && server.issues(in: "acme/api")[0].state == "wontfix")
        #expect(try await bitbucket.issues(state: .open).isEmpty)
        #expect(try await bitbucket.issues(state: .closed).map(\.number) == [1])
    }

    @Test func followsNextLinksAndFiltersByStateAndDate() async throws {
        let server = try await BitbucketTestServer(token: token)
        server.createRepository("acme/api", issues: 120)
        let bitbucket = try tracker(server)
        let issues = try await bitbucket.issues(state: .open)
        #expect(issues.map(\.number) == Array(1...120))
        let pages = server.requests.filter { $0.path.hasSuffix("/issues") }
        #expect(pages.map { $0.query["page"] ?? "1" } == ["1", "2", "3"])
        #expect(pages.allSatisfy { $0.query["q"] == #"(state="new" OR state="open" OR state="on hold")"# })
        #expect(try await bitbucket.issues(state: .open, since: Date(timeIntervalSinceNow: 3600)).isEmpty)
        #expect(try await bitbucket.issues(state: .all, since: nil, limit: 60).count == 60)
    }

    @Test func sendsAnAPITokenWithItsAccountAsBasic() async throws {
        let server = try await BitbucketTestServer(token: token)
        server.createRepository("acme/api", permission: "read")
        let (email, secret) = server.basicCredentials
        let found = try #require(
            await TrackerKind.bitbucket.discoverToken(
                explicit: nil, environment: ["BITBUCKET_TOKEN": secret, "BITBUCKET_EMAIL": email]))
        let log = LogCapture()
        let bitbucket = try tracker(server, token: found, log: log)
        #expect(try await bitbucket.currentUser().login == "tm-bot")
        // Basic credentials may ask what the account may do: here only read, so filing is refused with a remedy.
        #expect(try await bitbucket.repository().permissions.canPush == false)
        let refused = try await #require(throws: TrackerError.self) {
            try await bitbucket.createIssue(NewIssue(title: "Split it", body: ""))
        }
        #expect(refused.code == .forbidden)
        #expect(refused.message.contains("issue:write"))
        #expect(found.redacting("token \(secret) leaked") == "token <redacted> leaked")
        for text in renderings(of: refused) { #expect(!text.contains(secret)) }
        #expect(!log.text.contains(secret))
    }

    @Test func waitsOutTooManyRequests() async throws {
        let server = try await BitbucketTestServer(token: token)
        server.createRepository("acme/api")
        server.rateLimitNext(1, retryAfter: 1)
        let started = ContinuousClock.now
        #expect(try await tracker(server).repository().fullName == "acme/api")
        #expect(ContinuousClock.now - started >= .seconds(1))
    }

    @Test func reportsMissingRepositoriesRejectedTokensAndRefusedFields() async throws {
        let server = try await BitbucketTestServer(token: token)
        server.createRepository("acme/api")
        let missing = try await #require(throws: TrackerError.self) {
            try await tracker(server, path: "acme/nothing").repository()
        }
        #expect(missing.code == .notFound)
        #expect(missing.message.contains("Repository not found"))
        let stranger = try tracker(server, token: AccessToken("wrong-token", source: "BITBUCKET_TOKEN"))
        let rejected = try await #require(throws: TrackerError.self) { try await stranger.currentUser() }
        #expect(rejected.code == .unauthorized)
        #expect(rejected.message.contains("BITBUCKET_TOKEN"))
        let empty = try await #require(throws: TrackerError.self) {
            try await tracker(server).updateIssue(number: 9, IssueUpdate(title: "x"))
        }
        #expect(empty.code == .notFound)
        for text in renderings(of: missing) + renderings(of: rejected) { #expect(!text.contains(token)) }
    }
}
