import Foundation
import IssueTrackers
import Testing
import TicketMasterTesting

// Serialised: each test starts its own server, and sixteen Python servers starting at once on two cores make the
// timing assertions (a 1 s request timeout, waits measured in seconds) flaky.
@Suite("GitHub tracker against the GitHub-conformant test server", .serialized, .timeLimit(.minutes(2)))
struct GitHubTrackerTests {
    let token = "ghp_testTOKEN0123456789abcdefSECRET"

    func tracker(
        _ server: GitHubTestServer, owner: String = "acme", name: String = "api", pacer: RequestPacer? = nil,
        options: TrackerOptions = TrackerOptions(), apiRoot: URL? = nil, log: LogCapture = LogCapture()
    ) -> GitHubTracker {
        GitHubTracker(
            owner: owner, name: name, token: AccessToken(token, source: "GITHUB_TOKEN"),
            apiRoot: apiRoot ?? server.url, pacer: pacer ?? quickPacer(), options: options, logger: log.logger)
    }

    /// Every request conformed to GitHub's description and every answer was GitHub-shaped.
    func expectConformance(_ server: GitHubTestServer) async throws {
        let requests = try await server.requests()
        #expect(requests.compactMap(\.invalid).isEmpty)
        for request in requests {
            #expect(request.headers["accept"] == "application/vnd.github+json")
            #expect(request.headers["x-github-api-version"] == "2022-11-28")
            #expect(request.headers["authorization"] == "Bearer \(token)")
            #expect(request.headers["user-agent"] == "ticket-master")
        }
        #expect(try await server.responseProblems().isEmpty)
    }

    @Test func filesAnIssueCreatingMissingLabels() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api", labels: ["bug"])
        let github = tracker(server)

        let report = try await github.ensureLabels(["Bug", "tech debt", "area: api", "tech debt"])
        #expect(report.available == ["bug", "tech debt", "area: api"])
        #expect(report.created == ["tech debt", "area: api"])
        #expect(report.unavailable.isEmpty)

        let issue = try await github.createIssue(
            NewIssue(title: "Split Parser.swift", body: "It is 2,000 lines long.", labels: report.available))
        #expect(issue.number == 1)
        #expect(issue.url == "https://github.com/acme/api/issues/1")
        #expect(issue.labelsMissing(from: report.available).isEmpty)

        let stored = try await server.issues(owner: "acme", name: "api")
        #expect(stored.map(\.title) == ["Split Parser.swift"])
        #expect(stored[0].labels.map(\.name) == ["bug", "tech debt", "area: api"])
        #expect(stored[0].labels[2].color == LabelColor.color(for: "area: api"))
        try await expectConformance(server)
    }

    @Test func reportsLabelsItCannotCreate() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api", permission: "triage", labels: ["bug"])
        let github = tracker(server)

        let report = try await github.ensureLabels(["bug", "performance"])
        #expect(report.available == ["bug"])
        #expect(report.unavailable.map(\.name) == ["performance"])
        #expect(report.unavailable[0].reason.contains("write access"))

        // Without push access GitHub drops labels silently; the returned issue shows it.
        let issue = try await github.createIssue(NewIssue(title: "Slow start-up", body: "", labels: ["bug"]))
        #expect(issue.labelsMissing(from: ["bug"]) == ["bug"])
        try await expectConformance(server)
    }

    @Test func followsLinkPaginationPastOneHundredIssues() async throws {
        let server = try await GitHubTestServer()
        let seeds = (1...230).map { GitHubTestServer.SeedIssue(title: "Issue \($0)", age: Double(1000 - $0)) }
        let closed = GitHubTestServer.SeedIssue(title: "Old", state: "closed")
        try await server.createRepository(owner: "acme", name: "api", issues: seeds + [closed])
        let github = tracker(server)

        let open = try await github.issues(state: .open)
        #expect(open.count == 230)
        #expect(open.map(\.number) == Array(1...230))
        #expect(try await github.issues(state: .all).count == 231)
        #expect(try await github.issues(state: .open, since: nil, limit: 150).count == 150)

        let pages = try await server.requests().filter { $0.path == "/repos/acme/api/issues" }
        #expect(pages.count == 3 + 3 + 2)
        #expect(pages.allSatisfy { $0.query.contains("per_page=100") })
        try await expectConformance(server)
    }

    @Test func rejectedTokenGivesTheRemedy() async throws {
        let server = try await GitHubTestServer()
        try await server.rejectTokens([token])
        let error = try await #require(throws: TrackerError.self) { try await tracker(server).currentUser() }
        #expect(error.code == .unauthorized)
        #expect(error.status == 401)
        #expect(error.message.contains("create a token with the `repo`/`issues: write` scope"))
        #expect(error.message.contains("GITHUB_TOKEN"))
        #expect(error.message.contains("`gh auth login`"))
        #expect(!error.message.contains("\n"))
    }

    @Test func waitsOutASecondaryLimitWithRetryAfter() async throws {
        let server = try await GitHubTestServer()
        try await server.fail(with: .secondaryLimit(retryAfter: 2), path: "^/user$")
        let started = ContinuousClock.now
        let user = try await tracker(server).currentUser()
        #expect(user.login == "ticket-master-bot")
        #expect(ContinuousClock.now - started >= .seconds(2))
        #expect(try await server.requests().map(\.status) == [403, 200])
    }

    @Test func waitsAMinuteThenBacksOffWithoutRetryAfter() async throws {
        let server = try await GitHubTestServer()
        try await server.fail(next: 2, with: .secondaryLimit(retryAfter: nil), path: "^/user$")
        let clock = TrackerTestClock()
        let pacer = RequestPacer(clock: clock, now: { clock.date })
        let started = ContinuousClock.now
        _ = try await tracker(server, pacer: pacer).currentUser()
        #expect(clock.sleeps == [.seconds(60), .seconds(120)])
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(try await server.requests().map(\.status) == [403, 403, 200])
    }

    @Test func waitsOutTooManyRequests() async throws {
        let server = try await GitHubTestServer()
        try await server.fail(with: .tooManyRequests(retryAfter: 7), path: "^/user$")
        try await server.fail(with: .tooManyRequests(retryAfter: nil), path: "^/user$")
        let clock = TrackerTestClock()
        _ = try await tracker(server, pacer: RequestPacer(clock: clock, now: { clock.date })).currentUser()
        #expect(clock.sleeps == [.seconds(7), .seconds(120)])
        #expect(try await server.requests().map(\.status) == [429, 429, 200])
    }

    @Test func givesUpWhenALimitOutlastsTheMaximumWait() async throws {
        let server = try await GitHubTestServer()
        try await server.fail(with: .secondaryLimit(retryAfter: 3600))
        let clock = TrackerTestClock()
        let pacer = RequestPacer(
            configuration: RequestPacer.Configuration(maximumWait: .seconds(600)), clock: clock, now: { clock.date })
        let error = try await #require(throws: TrackerError.self) {
            try await tracker(server, pacer: pacer).currentUser()
        }
        #expect(error.code == .rateLimited)
        #expect(error.retryAt != nil)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("a host that refuses the connection gets two quick retries, not the back-off for a busy server")
    func failsFastWhenTheConnectionIsRefused() async throws {
        let server = try await GitHubTestServer()
        // Port 9 (discard) is closed on loopback: every connection is refused.
        let clock = TrackerTestClock()
        let pacer = RequestPacer(clock: clock, now: { clock.date })
        let started = ContinuousClock.now
        let error = try await #require(throws: TrackerError.self) {
            try await tracker(server, pacer: pacer, apiRoot: URL(string: "http://127.0.0.1:9/")!).repository()
        }
        #expect(error.code == .unavailable)
        #expect(error.message == "could not reach GitHub at http://127.0.0.1:9/ (connection refused)")
        #expect(clock.sleeps == [.seconds(1), .seconds(2)])
        // The connection pool does not retry on its own until the request's deadline either.
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func retriesServerErrorsAndSlowReplies() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api")
        try await server.fail(next: 2, with: .serverError(status: 500), method: "GET")
        try await server.fail(with: .slow(seconds: 1.5), method: "GET")
        let github = tracker(server, options: TrackerOptions(requestTimeout: .seconds(1)))
        let repository = try await github.repository()
        #expect(repository.fullName == "acme/api")
        #expect(repository.permissions.canCreateLabels)
        // The slow reply is still being written after the retry's: wait for it, however busy the machine is.
        var statuses = try await server.requests().map(\.status)
        for _ in 0..<50 where statuses.count < 4 || statuses.contains(nil) {
            try await Task.sleep(for: .milliseconds(200))
            statuses = try await server.requests().map(\.status)
        }
        #expect(statuses == [500, 500, 200, 200])
    }

    @Test func retriedFilingNeverFilesTwice() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api")
        try await server.fail(with: .serverErrorAfterApplying, method: "POST")
        let github = tracker(server)
        let fingerprint = "0123abcd0123abcd"
        let issue = try await github.createIssue(NewIssue(title: "Flaky test", body: "x", fingerprint: fingerprint))
        #expect(issue.fingerprint == fingerprint)
        #expect(try await server.issues(owner: "acme", name: "api").count == 1)

        // Without a fingerprint there is no way to tell, so it is not retried and the error says so.
        try await server.fail(with: .serverErrorAfterApplying, method: "POST")
        let error = try await #require(throws: TrackerError.self) {
            try await github.createIssue(NewIssue(title: "Another", body: "y"))
        }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("may have taken effect"))
        try await expectConformance(server)
    }

    @Test func waitsForThePrimaryLimitToReset() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api")
        // One request left: it succeeds with x-ratelimit-remaining: 0, and the next one waits for the reset.
        try await server.setRateLimit(remaining: 1, resetIn: 3)
        let github = tracker(server)
        let started = ContinuousClock.now
        _ = try await github.currentUser()
        _ = try await github.repository()
        #expect(ContinuousClock.now - started >= .seconds(2.5))
        #expect(try await server.requests().map(\.status) == [200, 200])

        // Spent without warning: the 403 carries the reset, which is waited for.
        let again = ContinuousClock.now
        try await server.fail(with: .primaryLimit(resetIn: 3), path: "^/user$")
        _ = try await github.currentUser()
        #expect(ContinuousClock.now - again >= .seconds(2.5))
        #expect(try await server.requests().suffix(2).map(\.status) == [403, 200])
    }

    @Test func serialisesContentCreationWithAPause() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api")
        let clock = TrackerTestClock()
        let github = tracker(server, pacer: RequestPacer(clock: clock, now: { clock.date }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...3 {
                group.addTask { _ = try await github.createIssue(NewIssue(title: "Issue \(index)", body: "")) }
            }
            try await group.waitForAll()
        }
        #expect(try await server.issues(owner: "acme", name: "api").count == 3)
        // Three POSTs, one at a time, a second apart by GitHub's guidance (the clock never really sleeps).
        #expect(clock.sleeps.count == 2)
        #expect(clock.sleeps.allSatisfy { $0 > .milliseconds(900) && $0 <= .seconds(1) })
    }

    @Test func findsAnIssueByFingerprint() async throws {
        let server = try await GitHubTestServer()
        let marker = FingerprintMarker.marker(for: "feedfacefeedface")
        try await server.createRepository(
            owner: "acme", name: "api",
            issues: [
                .init(title: "Unrelated", body: "nothing"),
                .init(title: "Old one", body: "text\n\n\(marker)", state: "closed", age: 3600),
            ])
        let github = tracker(server)
        let found = try await github.findIssue(withFingerprint: "FEEDFACEfeedface")
        #expect(found?.number == 2)
        #expect(found?.state == .closed)
        #expect(try await github.findIssue(withFingerprint: "0000000000000000") == nil)

        // Search lags new issues; the listing fallback still finds one filed a moment ago.
        try await server.setSearchLag(seconds: 600)
        let filed = try await github.createIssue(NewIssue(title: "New", body: "b", fingerprint: "abcdef0123456789"))
        #expect(try await github.findIssue(withFingerprint: "abcdef0123456789")?.number == filed.number)
        let searches = try await server.requests().filter { $0.path == "/search/issues" }
        #expect(searches.first?.query.contains("%22feedfacefeedface%22") == true)
        try await expectConformance(server)
    }

    @Test func updatesClosesAndComments() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api", issues: [.init(title: "First")])
        let github = tracker(server)
        let updated = try await github.updateIssue(number: 1, IssueUpdate(title: "First, renamed", labels: ["bug"]))
        #expect(updated.title == "First, renamed")
        #expect(updated.labels == ["bug"])
        let comment = try await github.addComment(toIssue: 1, body: "Filed again by mistake")
        #expect(comment.body == "Filed again by mistake")
        #expect(try await github.closeIssue(number: 1).state == .closed)
        try await expectConformance(server)
    }

    @Test func speaksToGitHubEnterpriseUnderAPIv3() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api", issues: [.init(title: "First")])
        let github = tracker(server, apiRoot: server.enterpriseURL)
        #expect(try await github.issues(state: .open).map(\.title) == ["First"])
        try await expectConformance(server)
    }

    @Test func neverPutsTheTokenInAnErrorOrALog() async throws {
        let server = try await GitHubTestServer()
        try await server.createRepository(owner: "acme", name: "api", permission: "read")
        let log = LogCapture()
        let github = tracker(server, log: log)
        var errors: [any Error] = []
        func collect(_ body: () async throws -> Void) async {
            do { try await body() } catch { errors.append(error) }
        }
        await collect { _ = try await tracker(server, name: "missing", log: log).repository() }
        await collect { _ = try await github.createLabel(name: "x", color: "ededed", description: nil) }
        await collect { _ = try await github.createIssue(NewIssue(title: " ", body: "")) }
        try await server.fail(with: .serverError(status: 503), method: "POST")
        await collect { _ = try await github.createIssue(NewIssue(title: "t", body: "")) }
        try await server.fail(with: .secondaryLimit(retryAfter: 99_999))
        await collect { _ = try await github.currentUser() }
        try await server.rejectTokens([token])
        await collect { _ = try await github.currentUser() }
        server.stop()
        // The HTTP client keeps trying to connect until the request's deadline: keep it short.
        let unreachable = tracker(server, options: TrackerOptions(requestTimeout: .seconds(1)), log: log)
        await collect { _ = try await unreachable.currentUser() }

        let codes = errors.compactMap { ($0 as? TrackerError)?.code }
        #expect(
            codes == [
                .notFound, .forbidden, .validationFailed, .unavailable, .rateLimited, .unauthorized, .unavailable,
            ])
        for error in errors {
            for text in renderings(of: error) { #expect(!text.contains(token), "\(text)") }
        }
        #expect(!log.text.isEmpty)
        #expect(!log.text.contains(token))
        let token = AccessToken(token, source: "GITHUB_TOKEN")
        var dumped = ""
        dump(token, to: &dumped)
        for text in ["\(token)", String(reflecting: token), dumped] { #expect(!text.contains(self.token)) }
    }
}
