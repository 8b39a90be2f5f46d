import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Web service: runs started by forge webhooks")
struct WebhookTests {
    private static func header(_ name: String) throws -> HTTPField.Name {
        try #require(HTTPField.Name(name))
    }

    /// Makes (or, with `confirm`, replaces) repository 1's webhook secret and reads it from the page the post leads to.
    private static func makeSecret(_ admin: Browser, confirm: Bool = false) async throws -> String {
        _ = try await admin.post("/repositories/1/webhook", confirm ? ["confirm": "1"] : [:])
        let page = try await admin.get("/repositories").text
        return try #require(page.firstMatch(of: /id="webhook-secret">([^<]+)</).map { String($0.1) })
    }

    /// Delivers `payload` to `path` as `event`, signed GitHub's way with `secret`.
    private static func github(
        _ client: any TestClientProtocol, _ path: String, event: String, payload: String, secret: String
    ) async throws -> TestResponse {
        let signature = HMAC<SHA256>.authenticationCode(
            for: Data(payload.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let hex = signature.map { String(format: "%02x", $0) }.joined()
        return try await client.execute(
            uri: path, method: .post,
            headers: [
                try header("X-Hub-Signature-256"): "sha256=\(hex)", try header("X-GitHub-Event"): event,
                .contentType: "application/json",
            ],
            body: ByteBuffer(string: payload))
    }

    @Test("a signed GitHub push queues a run whose drafts wait; bad signatures, other events and deletions do not")
    func githubPush() async throws {
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let server = try TestServer(
            roots: [repository.container.path], configuration: "llm:\n  embedding_model: none\n")
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            _ = try await admin.post("/repositories", ["name": "api", "location": repository.url.path])
            // Without a secret, deliveries are refused with what to do.
            let early = try await Self.github(client, "/hooks/github/1", event: "push", payload: "{}", secret: "x")
            #expect(early.status == .notFound)
            #expect(String(buffer: early.body).contains("an admin makes its secret on the Repositories page"))

            // Made by a post that redirects, shown once on the page it leads to: reloading posts nothing.
            let made = try await admin.post("/repositories/1/webhook")
            #expect(made.status == .seeOther)
            let page = try await admin.get("/repositories").text
            let secret = try #require(
                page.firstMatch(of: /id="webhook-secret">([^<]+)</).map { String($0.1) }, "the secret is shown once")
            #expect(page.contains("/hooks/github/1") && page.contains("/hooks/gitlab/1"))
            #expect(!(try await admin.get("/repositories")).text.contains(secret), "and only once")
            // Replacing it, which stops the old one working, needs the box ticked.
            let unconfirmed = try await admin.post("/repositories/1/webhook")
            #expect(unconfirmed.status == .badRequest)
            #expect(unconfirmed.text.contains("the old secret stops working"))
            // A viewer may not make one.
            _ = try await admin.post(
                "/accounts", ["name": "viewer1", "password": "a-long-password-1", "role": "viewer"])
            let viewer = try await Browser.signedIn(client, name: "viewer1", password: "a-long-password-1")
            #expect(try await viewer.post("/repositories/1/webhook").status == .forbidden)

            let push =
                #"{"ref": "refs/heads/main", "after": "0123456789abcdef0123456789abcdef01234567", "deleted": false}"#
            let forged = try await Self.github(client, "/hooks/github/1", event: "push", payload: push, secret: "wrong")
            #expect(forged.status == .unauthorized)
            #expect(forged.headers[.contentType] == "application/problem+json")
            #expect(!String(buffer: forged.body).contains(secret))

            let ping = try await Self.github(client, "/hooks/github/1", event: "ping", payload: "{}", secret: secret)
            #expect(ping.status == .ok)
            let issues = try await Self.github(
                client, "/hooks/github/1", event: "issues", payload: "{}", secret: secret)
            #expect(issues.status == .accepted)
            let deletion = try await Self.github(
                client, "/hooks/github/1", event: "push",
                payload:
                    #"{"ref": "refs/heads/old", "after": "0000000000000000000000000000000000000000", "deleted": true}"#,
                secret: secret)
            #expect(deletion.status == .accepted)
            #expect(String(buffer: deletion.body).contains("ignored"))
            let broken = try await Self.github(client, "/hooks/github/1", event: "push", payload: "{", secret: secret)
            #expect(broken.status == .badRequest)

            let started = try await Self.github(client, "/hooks/github/1", event: "push", payload: push, secret: secret)
            #expect(started.status == .accepted)
            #expect(String(buffer: started.body).contains(#""run":"1""#))
            let runPage = try await RunFlowTests.waitForState(admin, run: 1, ["drafted", "failed"])
            #expect(runPage.contains("id=\"state\">drafted<"), "the drafts wait for approval")
            let audit = try await admin.get("/audit").text
            #expect(audit.contains("run.webhook") && audit.contains("repository.webhook"))
            #expect(!audit.contains(secret))
        }
    }

    @Test("with filing without review turned on, a pushed run files its drafts on the tracker by itself")
    func filesWithoutReview() async throws {
        let github = try await GitHubTestServer()
        defer { github.stop() }
        try await github.createRepository(owner: "acme", name: "api")
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let server = try TestServer(filingOn: github, roots: [repository.container.path])
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            try await admin.addRepository(repository)
            let secret = try await Self.makeSecret(admin)
            let saved = try await admin.post("/repositories/1/schedule", ["schedule": "", "auto_file": "1"])
            #expect(saved.status == .seeOther)
            #expect(try await admin.get("/repositories").text.contains("checked"))

            let push = #"{"ref": "refs/heads/main", "after": "0123456789abcdef0123456789abcdef01234567"}"#
            let started = try await Self.github(client, "/hooks/github/1", event: "push", payload: push, secret: secret)
            #expect(started.status == .accepted)
            let run = try await RunFlowTests.waitForState(admin, run: 1, ["filed", "failed"])
            #expect(run.contains("id=\"state\">filed<"), "\(run)")
            let issues = try await github.issues(owner: "acme", name: "api")
            #expect(!issues.isEmpty)
            let audit = try await admin.get("/audit").text
            #expect(audit.contains("repository.auto_file") && audit.contains("approved and filed without review"))
        }
    }

    @Test("a GitLab push with the project's token queues a run; a wrong token is refused")
    func gitlabPush() async throws {
        let repository = try await repositoryWithANote("tabs break the lexer")
        defer { repository.remove() }
        let server = try TestServer(
            roots: [repository.container.path], configuration: "llm:\n  embedding_model: none\n")
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            _ = try await admin.post("/repositories", ["name": "api", "location": repository.url.path])
            let secret = try await Self.makeSecret(admin)
            // A replaced secret is refused from then on.
            let replaced = try await Self.makeSecret(admin, confirm: true)
            #expect(replaced != secret)
            func deliver(token: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/hooks/gitlab/1", method: .post,
                    headers: [
                        try Self.header("X-Gitlab-Token"): token, try Self.header("X-Gitlab-Event"): "Push Hook",
                        .contentType: "application/json",
                    ],
                    body: ByteBuffer(string: #"{"ref": "refs/heads/main", "after": "89abcdef"}"#))
            }
            #expect(try await deliver(token: secret).status == .unauthorized)
            #expect(try await deliver(token: replaced).status == .accepted)
            _ = try await RunFlowTests.waitForState(admin, run: 1, ["drafted", "failed"])
            let unknown = try await client.execute(uri: "/hooks/bitbucket/1", method: .post, headers: [:], body: nil)
            #expect(unknown.status == .notFound)
        }
    }
}

@Suite("Web service: scheduled runs")
struct ScheduleTests {
    @Test("an admin sets a schedule; each due time queues one run, missed ones queue one, two servers queue it once")
    func scheduledRuns() async throws {
        let repository = try await repositoryWithANote()
        defer { repository.remove() }
        let start = Date(timeIntervalSince1970: 1_796_000_000)  // a Monday, 2026-11-30 01:33:20 UTC
        let clock = TestClock(start)
        let server = try TestServer(
            roots: [repository.container.path], configuration: "llm:\n  embedding_model: none\n", now: clock.now)
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            _ = try await admin.post("/repositories", ["name": "api", "location": repository.url.path])
            let bad = try await admin.post("/repositories/1/schedule", ["schedule": "61 * * * *", "time_zone": "UTC"])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("Schedule: the minute field 61"))
            let zone = try await admin.post(
                "/repositories/1/schedule", ["schedule": "0 6 * * *", "time_zone": "Mars/Olympus"])
            #expect(zone.text.contains("time zone Mars/Olympus is unknown"))
            let set = try await admin.post(
                "/repositories/1/schedule", ["schedule": "*/10 * * * *", "time_zone": "Europe/Berlin"])
            #expect(set.status == .seeOther)
            let page = try await admin.get("/repositories").text
            #expect(page.contains(#"value="*/10 * * * *""#) && page.contains(#"value="Europe/Berlin""#))
        }
        let first = try await Server(settings: server.settings)
        let second = try await Server(settings: server.settings)
        #expect(try await first.queueDueRuns(at: start.addingTimeInterval(60)).isEmpty, "not due yet")
        // Due at 01:40: two servers ticking at once queue it once.
        async let a = first.queueDueRuns(at: start.addingTimeInterval(7 * 60))
        async let b = second.queueDueRuns(at: start.addingTimeInterval(7 * 60))
        let both = try await a + b
        #expect(both.count == 1)
        #expect(both.first?.requestedBy == "schedule")
        #expect(try await first.queueDueRuns(at: start.addingTimeInterval(8 * 60)).isEmpty, "queued already")
        // Down for an hour: six due times missed, one run.
        #expect(try await first.queueDueRuns(at: start.addingTimeInterval(67 * 60)).count == 1)
        let audit = try await first.team.auditEvents(action: "run.schedule")
        #expect(audit.count == 2)
    }
}

/// A clock that stands still at `start`.
struct TestClock: Sendable {
    let start: Date

    init(_ start: Date) { self.start = start }

    var now: @Sendable () -> Date { { [start] in start } }
}
