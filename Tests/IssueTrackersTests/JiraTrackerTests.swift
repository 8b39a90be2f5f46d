import Foundation
import IssueTrackers
import Testing
import TicketMasterTesting

@Suite("Jira tracker against loopback servers speaking Jira Cloud's v3 and Data Center's v2", .timeLimit(.minutes(1)))
struct JiraTrackerTests {
    let cloudCredential = "bot@example.com:ATATT3xFfGF0-cloud-SECRET"
    let personalToken = "NjQ4MDk-data-center-SECRET"

    func tracker(_ server: JiraTestServer, project: String = "TM", log: LogCapture = LogCapture()) -> JiraTracker {
        JiraTracker(
            site: server.site, project: project, deployment: server.cloud ? .cloud : .dataCenter,
            token: AccessToken(server.credential, source: "JIRA_API_TOKEN"), pacer: quickPacer(),
            logger: log.logger)
    }

    @Test func cloudFilesAnAtlassianDocumentWithTheMarkersOutsideItsText() async throws {
        let server = try await JiraTestServer(cloud: true, credential: cloudCredential)
        server.createProject("TM")
        let log = LogCapture()
        let jira = tracker(server, log: log)

        #expect(try await jira.currentUser().login == "bot@example.com")
        let project = try await jira.repository()
        #expect(project.fullName == "TM" && project.url.hasSuffix("/browse/TM"))
        #expect(project.permissions.canCreateLabels)
        let labels = try await jira.ensureLabels(["bug", "tech debt"])
        #expect(labels.available == ["bug"])
        #expect(labels.unavailable.first?.reason.contains("spaces") == true)

        let body =
            "## Context\n\nThe parser drops `input`.\n\n- first\n- second\n\n```\nlet x = 1\n```\n\n"
            + "<!-- ticket-master:evidence=eyJmIjpbXX0 -->"
        let filed = try await jira.createIssue(
            NewIssue(title: "Split Parser.swift", body: body, labels: labels.available, fingerprint: "0badc0de0badc0de")
        )
        #expect(filed.number == 1 && filed.url.hasSuffix("/browse/TM-1"))
        let stored = try #require(server.issues.first)
        #expect(stored.labels == ["bug", "ticket-master-0badc0de0badc0de"])
        #expect(stored.evidence == "eyJmIjpbXX0")
        #expect(!stored.description.contains("ticket-master"))
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(stored.description.utf8)) as? [String: Any])
        let types = (document["content"] as? [[String: Any]])?.compactMap { $0["type"] as? String }
        #expect(types == ["heading", "paragraph", "bulletList", "codeBlock"])

        // Read back, the markers are the HTML comments the rest of Ticket-Master reads; the label is not a label.
        let listed = try #require(try await jira.issues(state: .open).first)
        #expect(listed.fingerprint == "0badc0de0badc0de")
        #expect(listed.body.contains("<!-- ticket-master:evidence=eyJmIjpbXX0 -->"))
        #expect(listed.body.contains("The parser drops `input`."))
        #expect(listed.labels == ["bug"])
        #expect(try await jira.findIssue(withFingerprint: "0badc0de0badc0de")?.number == 1)

        // A new evidence marker updates the property alone: the description keeps its formatting.
        let moved = listed.body.replacingOccurrences(of: "eyJmIjpbXX0", with: "eyJmIjpbeyJmIjoiMSJ9XX0")
        let before = server.issues[0].description
        _ = try await jira.updateIssue(number: 1, IssueUpdate(body: moved))
        #expect(server.issues[0].evidence == "eyJmIjpbeyJmIjoiMSJ9XX0")
        #expect(server.issues[0].description == before)

        _ = try await jira.addComment(toIssue: 1, body: "Still there at `abc`.")
        #expect(server.issues[0].comments.first?.contains("\"type\":\"doc\"") == true)
        let closed = try await jira.updateIssue(number: 1, IssueUpdate(state: .closed, closeReason: .completed))
        #expect(closed.state == .closed && closed.closeReason == .completed)
        #expect(server.issues[0].resolution == "Done")
        _ = try await jira.updateIssue(number: 1, IssueUpdate(state: .open))
        let declined = try await jira.updateIssue(number: 1, IssueUpdate(state: .closed, closeReason: .notPlanned))
        #expect(declined.closeReason == .notPlanned && server.issues[0].resolution == "Won't Do")
        #expect(try await jira.issues(state: .closed).map(\.number) == [1])
        #expect(!log.text.contains("cloud-SECRET"))
    }

    @Test func dataCenterSendsWikiMarkupWithABearerTokenAndPagesByStartAt() async throws {
        let server = try await JiraTestServer(cloud: false, credential: personalToken)
        server.createProject("TM", issues: 230)
        let jira = tracker(server)
        #expect(try await jira.currentUser().login == "tm-bot")
        #expect(try await jira.issues(state: .open).map(\.number) == Array(1...230))
        let pages = server.requests.filter { $0.path == "/rest/api/2/search" }
        #expect(pages.map { $0.query["startAt"] } == ["0", "100", "200"])
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(personalToken)" })

        _ = try await jira.createIssue(
            NewIssue(title: "Split it", body: "## Why\n\n- `Parser.swift` is long", fingerprint: "c0ffee00c0ffee00"))
        #expect(server.issues.last?.description == "h2. Why\n\n* {{Parser.swift}} is long")
        #expect(try await jira.findIssue(withFingerprint: "c0ffee00c0ffee00")?.number == 231)
        #expect(try await jira.issues(state: .open, since: Date(timeIntervalSinceNow: -30)).map(\.number) == [231])
    }

    @Test func waitsOutTooManyRequests() async throws {
        let server = try await JiraTestServer(cloud: true, credential: cloudCredential)
        server.createProject("TM")
        server.rateLimitNext(1, retryAfter: 1)
        let started = ContinuousClock.now
        #expect(try await tracker(server).repository().fullName == "TM")
        #expect(ContinuousClock.now - started >= .seconds(1))
    }

    @Test func reportsMissingProjectsRejectedTokensAndRefusedWrites() async throws {
        let server = try await JiraTestServer(cloud: true, credential: cloudCredential)
        server.createProject("TM", canCreate: false)
        let missing = try await #require(throws: TrackerError.self) {
            try await tracker(server, project: "NOPE").repository()
        }
        #expect(missing.code == .notFound && missing.message.contains("NOPE"))
        let stranger = JiraTracker(
            site: server.site, project: "TM", deployment: .cloud,
            token: AccessToken("bot@example.com:wrong", source: "JIRA_API_TOKEN"), pacer: quickPacer())
        let rejected = try await #require(throws: TrackerError.self) { try await stranger.currentUser() }
        #expect(rejected.code == .unauthorized && rejected.message.contains("JIRA_EMAIL"))
        #expect(try await tracker(server).repository().permissions.canPush == false)
        let refused = try await #require(throws: TrackerError.self) {
            try await tracker(server).createIssue(NewIssue(title: "Split it", body: ""))
        }
        #expect(refused.code == .forbidden)
        let gone = try await #require(throws: TrackerError.self) {
            try await tracker(server).addComment(toIssue: 7, body: "x")
        }
        #expect(gone.code == .notFound)
        for text in renderings(of: missing) + renderings(of: rejected) + renderings(of: refused) {
            #expect(!text.contains("cloud-SECRET"))
        }
    }

    @Test func findsAnEmailAndTokenInTheEnvironment() async throws {
        let token = try #require(
            await TrackerKind.jira.discoverToken(
                explicit: nil, environment: ["JIRA_API_TOKEN": "ATATT-x-SECRET", "JIRA_EMAIL": "bot@example.com"]))
        #expect(token.redacting("ATATT-x-SECRET") == "<redacted>")
        #expect(JiraTracker.Deployment.guess(site: try #require(URL(string: "https://acme.atlassian.net"))) == .cloud)
        #expect(JiraTracker.Deployment.guess(site: try #require(URL(string: "https://jira.acme.org"))) == .dataCenter)
    }
}
