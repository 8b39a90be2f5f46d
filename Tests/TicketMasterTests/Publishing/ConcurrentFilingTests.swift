import Foundation
import IssueTrackers
import Testing
import TicketMaster
import TicketMasterTesting

/// Processes that file at the same time, on the same tracker repository, never file one draft twice.
@Suite("Filing from concurrent processes", .serialized)
struct ConcurrentFilingTests {
    /// A repository with five old FIXMEs, one per file: the same drafts for every run.
    private func repository() async throws -> TemporaryGitRepository {
        let repository = try await TemporaryGitRepository.make()
        for (index, topic) in ["retries", "timeouts", "encodings", "locks", "quotas"].enumerated() {
            try repository.write(
                "func handle\(index)() {\n    // FIXME: the \(topic) path drops errors on the floor\n}\n",
                to: "Sources/Lib/Handler\(index).swift")
        }
        try await repository.commit("Start", date: Date(timeIntervalSinceNow: -800 * 86_400))
        return repository
    }

    @Test("two generate --yes processes on one history file: each issue is filed once, the other run reports it")
    func twoProcessesOneHistory() async throws {
        try await filesOnce(environment: [:])
    }

    @Test(
        "two generate --yes processes on one PostgreSQL history: each issue is filed once, both runs are recorded",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func twoProcessesOnePostgresHistory() async throws {
        let database = try await PostgresTestDatabase.make()
        try await filesOnce(environment: ["TICKET_MASTER_DATABASE_URL": database.url])
        let store = try await PostgresHistoryStore(location: database.location)
        let runs = try await store.runs(limit: 10)
        #expect(runs.count == 2)
        #expect(runs.map(\.filedCount).reduce(0, +) == (try await store.stats()).issuesFiled)
        await store.close()
        try await database.drop()
    }

    private func filesOnce(environment: [String: String]) async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let token = "ghp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let runner = try CommandRunner(
            environment: [
                "TICKET_MASTER_GITHUB_API_URL": server.url.absoluteString, "GITHUB_TOKEN": token,
                "TICKET_MASTER_PUBLISHING_PAUSE_SECONDS": "0.05",
            ].merging(environment) { $1 })
        let repository = try await repository()
        defer { repository.remove() }
        let arguments = [
            "generate", repository.url.path, "acme/api", "--yes", "--provider", "none", "--max-issues", "5",
            "--format", "json",
        ]
        let children = try (0..<2).map { _ in try runner.start(arguments) }
        let results = await ChildProcess.concurrently(children)
        var filed = 0
        var duplicates = 0
        for result in results {
            #expect(result.status == 0, "\(result.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
            filed += (report["filed"] as? [Any])?.count ?? 0
            duplicates += (report["duplicates"] as? [Any])?.count ?? 0
        }
        let stored = try await server.issues(owner: "acme", name: "api")
        let fingerprints = stored.compactMap { issue -> String? in
            guard let body = issue.body,
                let range = body.range(of: #"ticket-master:fingerprint=[0-9a-f]+"#, options: .regularExpression)
            else { return nil }
            return String(body[range])
        }
        #expect(stored.count >= 3, "\(stored.map(\.title))")
        #expect(Set(fingerprints).count == stored.count, "an issue was filed twice: \(stored.map(\.title))")
        #expect(filed == stored.count)
        #expect(duplicates == stored.count, "each run reports what the other filed as a duplicate")
    }
}

/// Processes that share no history (two machines, two files) cannot claim a draft from each other: both may pass the
/// check and file it at the same moment. The later issue must then close itself as a duplicate of the earlier one.
@Suite("Filing from processes that share no history")
struct UnsharedFilingTests {
    @Test("two publishers that both pass the check file one draft twice; the later issue closes itself, with a comment")
    func laterTwinCloses() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let barrier = Barrier(parties: 2)
        let draft = PendingIssue(
            draftId: nil, title: "Handle malformed input in the parser", body: "The parser drops errors.",
            labels: [], fingerprint: "0123456789abcdef")
        let reports = try await withThrowingTaskGroup(of: PublishReport.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    // The publishers meet before filing: both have passed every check when either files.
                    let tracker = HookedTracker(
                        inner: GitHubTracker(
                            owner: "acme", name: "api",
                            token: AccessToken("ghp_" + String(repeating: "a", count: 36), source: "GITHUB_TOKEN"),
                            apiRoot: server.url,
                            pacer: RequestPacer(
                                configuration: .init(contentCreationInterval: .milliseconds(10)),
                                clock: ContinuousClock(), now: Date.init)),
                        beforeFiling: { await barrier.arrive() })
                    return try await Publisher(tracker: tracker, journal: nil).publish([draft])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let stored = try await server.issues(owner: "acme", name: "api").sorted { $0.number < $1.number }
        #expect(stored.map(\.number) == [1, 2])
        #expect(stored.map(\.state) == ["open", "closed"])
        #expect(reports.flatMap(\.filed).map(\.number) == [1])
        #expect(reports.flatMap(\.duplicates).map(\.number) == [1])
        let requests = try await server.requests()
        #expect(requests.allSatisfy { $0.invalid == nil }, "\(requests.compactMap(\.invalid))")
        let comment = try #require(requests.first { $0.method == "POST" && $0.path.hasSuffix("/issues/2/comments") })
        #expect(comment.body.contains("Duplicate of #1"))
        let close = try #require(requests.first { $0.method == "PATCH" && $0.path.hasSuffix("/issues/2") })
        #expect(close.body.contains("\"state_reason\":\"not_planned\"") && close.body.contains("\"state\":\"closed\""))
    }
}

/// Lets `parties` tasks through only once they have all arrived.
private actor Barrier {
    private let parties: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        if waiting.count + 1 >= parties {
            for waiter in waiting { waiter.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
