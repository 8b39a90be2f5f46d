import Foundation
import IssueTrackers
import Testing
import TicketMasterTesting

@Suite("GitLab tracker against a loopback server speaking GitLab's wire format", .timeLimit(.minutes(1)))
struct GitLabTrackerTests {
    let token = "glpat-testTOKEN0123456789SECRET"

    func tracker(
        _ server: GitLabTestServer, project: String = "acme/platform/api", log: LogCapture = LogCapture()
    )
        -> GitLabTracker
    {
        GitLabTracker(
            projectPath: project, token: AccessToken(token, source: "GITLAB_TOKEN"), apiRoot: server.apiRoot,
            pacer: quickPacer(), logger: log.logger)
    }

    @Test func filesAnIssueWithLabelsAsACommaSeparatedString() async throws {
        let server = try await GitLabTestServer(token: token)
        server.createProject("acme/platform/api", labels: ["bug"])
        let gitlab = tracker(server)

        #expect(try await gitlab.currentUser().login == "tm-bot")
        let project = try await gitlab.repository()
        #expect(project.fullName == "acme/platform/api")
        #expect(project.permissions.canCreateLabels)

        let report = try await gitlab.ensureLabels(["Bug", "tech debt"])
        #expect(report.available == ["bug", "tech debt"])
        #expect(report.created == ["tech debt"])

        let filed = try await gitlab.createIssue(
            NewIssue(
                title: "Split Parser.swift", body: "Too long.", labels: report.available, assignees: ["alice"],
                fingerprint: "0badc0de0badc0de"))
        #expect(filed.number == 1)
        #expect(filed.url.hasSuffix("/acme/platform/api/-/issues/1"))
        #expect(filed.labels == ["bug", "tech debt"])
        #expect(filed.assignees == ["alice"])

        let stored = server.issues(in: "acme/platform/api")
        #expect(stored.map(\.labels) == [["bug", "tech debt"]])
        #expect(stored[0].assignees == ["alice"])
        #expect(FingerprintMarker.extract(from: stored[0].description) == "0badc0de0badc0de")

        let post = try #require(server.requests.first { $0.method == "POST" && $0.path.hasSuffix("/issues") })
        #expect(post.path == "/api/v4/projects/acme%2Fplatform%2Fapi/issues")
        let body = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: Any])
        #expect(body["labels"] as? String == "bug,tech debt")
        #expect(body["description"] as? String != nil)
        #expect(body["assignee_ids"] as? [Int] == [2])
        #expect(server.requests.allSatisfy { $0.headers["private-token"] == token })

        #expect(try await gitlab.findIssue(withFingerprint: "0badc0de0badc0de")?.number == 1)
        _ = try await gitlab.addComment(toIssue: 1, body: "Still there.")
        #expect(try await gitlab.closeIssue(number: 1).state == .closed)
        #expect(server.issues(in: "acme/platform/api")[0].notes == ["Still there."])
        #expect(server.issues(in: "acme/platform/api")[0].state == "closed")
    }

    @Test func followsXNextPage() async throws {
        let server = try await GitLabTestServer(token: token)
        server.createProject("acme/platform/api", issues: 230)
        let issues = try await tracker(server).issues(state: .open)
        #expect(issues.map(\.number) == Array(1...230))
        let pages = server.requests.filter { $0.path.hasSuffix("/issues") }
        #expect(pages.map { $0.query["page"] } == ["1", "2", "3"])
        #expect(pages.allSatisfy { $0.query["state"] == "opened" && $0.query["per_page"] == "100" })
    }

    @Test func waitsOutTooManyRequests() async throws {
        let server = try await GitLabTestServer(token: token)
        server.createProject("acme/platform/api")
        server.rateLimitNext(1, retryAfter: 1)
        let started = ContinuousClock.now
        #expect(try await tracker(server).repository().fullName == "acme/platform/api")
        #expect(ContinuousClock.now - started >= .seconds(1))
    }

    @Test func reportsAuthorizationAndPermissionProblems() async throws {
        let server = try await GitLabTestServer(token: token)
        server.createProject("acme/platform/api", accessLevel: 20, labels: ["bug"])
        let log = LogCapture()
        let report = try await tracker(server, log: log).ensureLabels(["bug", "new"])
        #expect(report.unavailable.map(\.name) == ["new"])

        let missing = try await #require(throws: TrackerError.self) {
            try await tracker(server, project: "acme/nothing").repository()
        }
        #expect(missing.code == .notFound)
        let stranger = GitLabTracker(
            projectPath: "acme/platform/api", token: AccessToken("wrong", source: "GITLAB_TOKEN"),
            apiRoot: server.apiRoot, pacer: quickPacer())
        let rejected = try await #require(throws: TrackerError.self) { try await stranger.currentUser() }
        #expect(rejected.code == .unauthorized)
        #expect(rejected.message.contains("`api` scope"))
        for text in renderings(of: missing) + renderings(of: rejected) { #expect(!text.contains(token)) }
        #expect(!log.text.contains(token))
    }
}
