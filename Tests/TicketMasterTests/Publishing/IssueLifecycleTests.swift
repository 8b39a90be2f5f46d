import Foundation
import IssueTrackers
import Logging
import RepositoryAnalysis
import Testing
import TicketMaster
import TicketMasterTesting

/// Issues that stay true: the evidence snapshot an issue carries, what a later run says when it moves or goes, and
/// the whole cycle on the GitHub-conformant loopback server and on a real Gogs.
@Suite("Issue lifecycle", .serialized)
struct IssueLifecycleTests {
    // MARK: The snapshot and what changed

    @Test("the snapshot travels in the body beside the fingerprint, and a damaged one is ignored")
    func snapshotMarker() throws {
        let snapshot = EvidenceSnapshot(
            commit: "0123456789abcdef0123",
            findings: [.init(fingerprint: "00112233aabbccdd", kind: "marker", places: ["a b/c.swift:12"], count: 1)])
        let body = FingerprintMarker.embed("c0ffee00c0ffee00", in: "Fix it.")
        let carried = snapshot.embed(in: body)
        #expect(carried.hasPrefix("Fix it.\n\n<!-- ticket-master:evidence="))
        #expect(FingerprintMarker.extract(from: carried) == "c0ffee00c0ffee00")
        #expect(EvidenceSnapshot.extract(from: carried) == snapshot)
        #expect(snapshot.commit == "0123456789ab")
        // Replaced, never repeated.
        let moved = EvidenceSnapshot(commit: nil, findings: [])
        let again = moved.embed(in: carried)
        #expect(again.components(separatedBy: "ticket-master:evidence=").count == 2)
        #expect(EvidenceSnapshot.extract(from: again) == moved)
        #expect(FingerprintMarker.extract(from: again) == "c0ffee00c0ffee00")
        // Edited by hand into something that is not a snapshot: treated as none.
        #expect(EvidenceSnapshot.extract(from: "<!-- ticket-master:evidence=bm90IGpzb24 -->") == nil)
        let forged = Data(#"{"f":[{"f":"not hex; rm -rf /","k":"marker"}]}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        #expect(EvidenceSnapshot.extract(from: "<!-- ticket-master:evidence=\(forged) -->") == nil)
    }

    @Test("what changed is said a line per file: moved lines, new places, places gone, new fix commits")
    func changeLines() {
        let old = EvidenceSnapshot.Finding(
            fingerprint: "00112233aabbccdd", kind: "marker", places: ["a.swift:12", "a.swift:40", "b.swift:3"],
            count: 3, commits: ["aaaaaaaaaaaa"])
        let new = EvidenceSnapshot.Finding(
            fingerprint: "00112233aabbccdd", kind: "marker", places: ["a.swift:15", "a.swift:43", "c.swift:9"],
            count: 3, commits: ["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
        #expect(
            IssueLifecycle.changes(from: old, to: new) == [
                "`a.swift`: lines 12, 40 are now 15, 43", "now also in `c.swift` at line 9", "no longer in `b.swift`",
                "new fix commit `bbbbbbbbbbbb`",
            ])
        let more = EvidenceSnapshot.Finding(
            fingerprint: "00112233aabbccdd", kind: "marker", places: ["a.swift:12", "a.swift:40", "a.swift:41"],
            count: 3)
        #expect(
            IssueLifecycle.changes(
                from: .init(fingerprint: "00112233aabbccdd", kind: "marker", places: ["a.swift:12"], count: 1), to: more
            )
                == ["`a.swift`: now at lines 12, 40, 41 (was 12)"])
        #expect(IssueLifecycle.changes(from: old, to: old).isEmpty)
    }

    @Test("plans: a comment for moved evidence, a close for gone evidence, nothing for the rest; declined findings")
    func plan() async throws {
        let moved = signal("Sources/A.swift", line: 7, text: "handle empty input")
        let kept = signal("Sources/C.swift", line: 2, text: "cache the parse")
        let gone = signal("Sources/B.swift", line: 3, text: "support tabs")
        let filed = [moved, kept, gone].map { EvidenceSnapshot(commit: "aaaaaaaaaaaa", signals: [$0]) }
        var now = moved
        now.evidence.locations[0].startLine = 10
        let declined = signal("Sources/D.swift", line: 1, text: "rewrite in Rust")
        let issues = [
            issue(1, snapshot: filed[0]), issue(2, snapshot: filed[1]), issue(3, snapshot: filed[2]),
            issue(4, snapshot: EvidenceSnapshot(commit: nil, signals: [declined]), state: .closed, reason: .notPlanned),
            // Closed as done by a person while the finding is still there: an answer only where no reason is kept.
            issue(5, snapshot: EvidenceSnapshot(commit: nil, signals: [kept]), state: .closed, reason: .completed),
            // Filed before snapshots existed: left alone.
            TrackedIssue(number: 6, url: "https://example.com/6", title: "Old", body: "No marker here."),
        ]
        let plan = await IssueLifecycle.plan(
            issues: issues, signals: [now, kept, declined], commit: "bbbbbbbbbbbbbbbb", closeResolved: true,
            lastChange: { paths, since in
                #expect(paths == ["Sources/B.swift"])
                #expect(since == "aaaaaaaaaaaa")
                return CommitReference(hash: "cccccccccccccccc", subject: "Support tabs `now` @everyone", date: Date())
            })
        #expect(plan.upkeep.map(\.number) == [1, 3])
        #expect(plan.upkeep.map(\.action) == [.comment, .close])
        #expect(plan.upkeep[0].comment.contains("- `Sources/A.swift`: line 7 is now 10"))
        #expect(plan.upkeep[0].comment.contains("at `bbbbbbbbbbbb`"))
        #expect(plan.upkeep[0].previousDigest == filed[0].digest)
        #expect(plan.upkeep[1].comment.contains("`cccccccccccc` (`Support tabs 'now' @everyone`)"))
        #expect(plan.upkeep[1].snapshot.findings.isEmpty)
        #expect(plan.declined == [declined.fingerprint: "#4"])

        // With closing left to people the gone evidence is only reported, once.
        let reported = await IssueLifecycle.plan(
            issues: [issue(3, snapshot: filed[2])], signals: [], commit: "bbbbbbbbbbbb", closeResolved: false)
        #expect(reported.upkeep.map(\.action) == [.comment])
        #expect(reported.upkeep[0].comment.contains("publishing.close_resolved: false"))
        let after = await IssueLifecycle.plan(
            issues: [issue(3, snapshot: reported.upkeep[0].snapshot)], signals: [], commit: "bbbbbbbbbbbb",
            closeResolved: false)
        #expect(after.upkeep.isEmpty)
    }

    // MARK: End to end

    @Test("GitHub: file, move one finding and remove another, run again: one comment, one close, nothing new")
    func githubCycle() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let repository = try await plantedRepository()
        defer { repository.remove() }

        // First run: every finding filed, each issue carrying its evidence.
        let first = try await run(repository, server: server, files: true)
        #expect(first.filed.count >= 2)
        let filed = try await server.issues(owner: "acme", name: "api")
        let parser = try #require(filed.first { $0.title.contains("malformed input") })
        let lexer = try #require(filed.first { $0.title.contains("tabs") })
        #expect(EvidenceSnapshot.extract(from: parser.body ?? "")?.findings.first?.places == ["Sources/Parser.swift:2"])

        // The parser's FIXME moves down three lines; the lexer's TODO is done.
        try repository.write(
            "import Foundation\n\n// Parses input.\nfunc parse() {\n    // FIXME: handle malformed input\n}\n",
            to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    indent(tabs: true)\n}\n", to: "Sources/Lexer.swift")
        let done = try await repository.commit("Support tabs in indentation", date: date(2021))

        // A dry run shows what filing would do, and does nothing.
        let preview = try await run(repository, server: server, files: false)
        #expect(preview.upkeep.map(\.number).sorted() == [parser.number, lexer.number].sorted())
        #expect(try await server.issues(owner: "acme", name: "api").allSatisfy { $0.comments == 0 })

        let second = try await run(repository, server: server, files: true)
        #expect(second.filed.isEmpty, "nothing new is filed: \(second.filed.map(\.title))")
        #expect(second.updated.map(\.number).sorted() == [parser.number, lexer.number].sorted())
        let after = try await server.issues(owner: "acme", name: "api")
        #expect(after.count == filed.count)
        let movedIssue = try #require(after.first { $0.number == parser.number })
        let closedIssue = try #require(after.first { $0.number == lexer.number })
        #expect(movedIssue.state == "open" && movedIssue.comments == 1)
        #expect(closedIssue.state == "closed" && closedIssue.stateReason == "completed" && closedIssue.comments == 1)
        let comments = try await server.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/comments") }
        #expect(comments.count == 2)
        #expect(comments.contains { $0.body.contains("line 2 is now 5") })
        #expect(comments.contains { $0.body.contains(String(done.prefix(12))) && $0.body.contains("Closing it") })
        #expect(
            after.filter { $0.number != parser.number && $0.number != lexer.number }.allSatisfy { $0.comments == 0 })

        // A third run finds nothing new: no comment, no close, nothing filed; it only reads.
        let writes = { try await server.requests().filter { $0.method != "GET" }.count }
        let before = try await writes()
        let third = try await run(repository, server: server, files: true)
        #expect(third.filed.isEmpty && third.updated.isEmpty && third.notUpdated.isEmpty)
        #expect(try await writes() == before)

        // People close the moved finding as not planned: it is neither reopened nor suggested again, even when it
        // moves once more.
        let tracker = try await gitHubTracker(server)
        _ = try await tracker.updateIssue(
            number: parser.number, IssueUpdate(state: .closed, closeReason: .notPlanned))
        try repository.write(
            "import Foundation\n\n\n// Parses input.\nfunc parse() {\n    // FIXME: handle malformed input\n}\n",
            to: "Sources/Parser.swift")
        try await repository.commit("Space", date: date(2022))
        let declined = try await run(repository, server: server, files: false)
        #expect(declined.upkeep.isEmpty)
        #expect(!declined.titles.contains { $0.contains("malformed input") })
        #expect(declined.leftOut.contains { $0.reason == "its issue #\(parser.number) was closed as not planned" })
        let fourth = try await run(repository, server: server, files: true)
        #expect(fourth.filed.isEmpty && fourth.updated.isEmpty)
        #expect(
            try await server.issues(owner: "acme", name: "api").first { $0.number == parser.number }?.state == "closed")
        #expect(try await server.responseProblems().isEmpty)
    }

    @Test("Jira Cloud: the same cycle through the run service; the close is a transition to Done")
    func jiraCycle() async throws {
        let server = try await JiraTestServer(cloud: true, credential: "bot@example.com:ATATT-lifecycle")
        server.createProject("TM")
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let jira: [(String, String, String)] = [
            ("jira.url", "--jira-url", server.site.absoluteString), ("jira.project", "--jira-project", "TM"),
            ("jira.deployment", "--jira-deployment", "cloud"),
        ]
        let variables = ["JIRA_API_TOKEN": "ATATT-lifecycle", "JIRA_EMAIL": "bot@example.com"]
        let first = try await run(repository, files: true, flags: jira, variables: variables)
        #expect(first.filed.count >= 2)
        let filed = server.issues
        let lexer = try #require(filed.first { $0.summary.contains("tabs") })
        #expect(filed.allSatisfy { issue in issue.labels.contains { $0.hasPrefix("ticket-master-") } })
        #expect(filed.allSatisfy { $0.evidence != nil && !$0.description.contains("ticket-master") })

        try repository.write("func lex() {\n    indent(tabs: true)\n}\n", to: "Sources/Lexer.swift")
        try await repository.commit("Support tabs in indentation", date: date(2021))
        let second = try await run(repository, files: true, flags: jira, variables: variables)
        #expect(second.filed.isEmpty)
        #expect(second.updated.map(\.action) == [.close])
        let closed = try #require(server.issues.first { $0.key == lexer.key })
        #expect(closed.status == "Done" && closed.resolution == "Done" && closed.comments.count == 1)
        let third = try await run(repository, files: true, flags: jira, variables: variables)
        #expect(third.filed.isEmpty && third.updated.isEmpty)
        #expect(server.issues.count == filed.count)
        #expect(server.issues.map(\.comments.count).reduce(0, +) == 1)
        await server.stop()
    }

    @Test("Gogs: the same cycle against a real Gogs, which records no close reason", .timeLimit(.minutes(3)))
    func gogsCycle() async throws {
        let server: GogsTestServer
        do {
            server = try await GogsTestServer()
        } catch let error as GogsTestServer.Unavailable {
            let reason = "SKIPPED: Gogs is unavailable, so the lifecycle was NOT tested on it: \(error)"
            FileHandle.standardError.write(Data("\n*** \(reason) ***\n".utf8))
            try Test.cancel(Comment(rawValue: reason))
        }
        defer { server.stop() }
        try await server.createRepository(named: "widgets")
        let tracker = GiteaTracker(
            owner: server.user, name: "widgets", token: AccessToken(server.token, source: "configuration"),
            apiRoot: server.apiRoot,
            pacer: RequestPacer(configuration: .init(contentCreationInterval: .milliseconds(10))),
            logger: Logger(label: "test"))
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let publisher = Publisher(tracker: tracker, journal: nil)

        func findings() async throws -> RepositoryReport {
            try await RepositoryAnalyzer(options: AnalysisOptions()).analyze(at: repository.url)
        }
        func cycle() async throws -> PublishReport {
            let report = try await findings()
            let markers = report.signals.filter { $0.kind == .marker }
            var publishing = try await publisher.publish(
                markers.map { signal in
                    var pending = PendingIssue(
                        draftId: nil, title: signal.summary, body: "Evidence: \(signal.summary)", labels: [],
                        fingerprint: signal.fingerprint)
                    pending.evidence = EvidenceSnapshot(commit: report.headCommit, signals: [signal])
                    return pending
                })
            let plan = await IssueLifecycle.plan(
                issues: try await tracker.issues(state: .all), signals: report.signals, commit: report.headCommit,
                closeResolved: true,
                lastChange: { paths, since in
                    await RunService.lastChange(of: paths, since: since, in: repository.url, git: GitExecutable())
                })
            await publisher.keepCurrent(plan.upkeep, into: &publishing)
            return publishing
        }

        let first = try await cycle()
        #expect(first.filed.count == 2)
        let parser = try #require(first.filed.first { $0.title.contains("malformed input") }).number
        let lexer = try #require(first.filed.first { $0.title.contains("tabs") }).number
        try repository.write(
            "import Foundation\n\n// Parses input.\nfunc parse() {\n    // FIXME: handle malformed input\n}\n",
            to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    indent(tabs: true)\n}\n", to: "Sources/Lexer.swift")
        let done = try await repository.commit("Support tabs in indentation", date: date(2021))

        let second = try await cycle()
        #expect(second.filed.isEmpty)
        #expect(second.duplicates.count == 1)
        #expect(second.updated.map(\.number).sorted() == [parser, lexer].sorted())
        #expect(try await server.comments(on: parser, in: "widgets").map { $0.contains("line 2 is now 5") } == [true])
        let closing = try await server.comments(on: lexer, in: "widgets")
        #expect(closing.count == 1 && closing[0].contains(String(done.prefix(12))), "\(closing)")
        #expect(try await server.issue(lexer, in: "widgets").state == "closed")
        #expect(try await server.issue(parser, in: "widgets").state == "open")

        let third = try await cycle()
        #expect(third.filed.isEmpty && third.updated.isEmpty)
        #expect(try await server.comments(on: parser, in: "widgets").count == 1)
        #expect(try await server.comments(on: lexer, in: "widgets").count == 1)

        // Gogs keeps no reason: a person's close while the finding stands declines it.
        _ = try await tracker.closeIssue(number: parser)
        let plan = await IssueLifecycle.plan(
            issues: try await tracker.issues(state: .all), signals: try await findings().signals, commit: nil,
            closeResolved: true)
        #expect(plan.upkeep.isEmpty)
        #expect(plan.declined.values.contains("#\(parser)"))
    }

    // MARK: Support

    /// March 1st of `year`, UTC.
    private func date(_ year: Int) -> Date {
        (try? Date("\(year)-03-01T00:00:00Z", strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
    }

    /// A repository whose two old notes make two issues.
    private func plantedRepository() async throws -> TemporaryGitRepository {
        let repository = try await TemporaryGitRepository.make()
        try repository.write("func parse() {\n    // FIXME: handle malformed input\n}\n", to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    // TODO: support tabs in indentation\n}\n", to: "Sources/Lexer.swift")
        try repository.write("# Parser\n\nParses input. Build with `swift build`.\n", to: "README.md")
        try await repository.commit("Add the parser", date: date(2020))
        return repository
    }

    private func signal(_ path: String, line: Int, text: String) -> Signal {
        Signal(
            kind: .marker, severity: .medium, identity: [path, "TODO", text],
            summary: "TODO in \(path):\(line): \(text)",
            evidence: Evidence(locations: [SourceLocation(path: path, startLine: line)]))
    }

    private func issue(
        _ number: Int, snapshot: EvidenceSnapshot, state: IssueState = .open, reason: IssueCloseReason? = nil
    ) -> TrackedIssue {
        TrackedIssue(
            number: number, url: "https://example.com/\(number)", title: "Issue \(number)",
            body: snapshot.embed(in: FingerprintMarker.embed(String(format: "%016x", number), in: "Text.")),
            state: state, closeReason: reason)
    }

    private func gitHubTracker(_ server: GitHubTestServer) async throws -> GitHubTracker {
        GitHubTracker(
            owner: "acme", name: "api", token: AccessToken("ghp_lifecycle", source: "configuration"),
            apiRoot: server.url, pacer: RequestPacer(configuration: .init(contentCreationInterval: .milliseconds(10))),
            logger: Logger(label: "test"))
    }

    /// What one run did: filed, kept current, and (for a dry run) planned.
    struct Outcome {
        var filed: [PublishReport.Filed] = []
        var updated: [PublishReport.Updated] = []
        var notUpdated: [PublishReport.Updated] = []
        var createdLabels: [String] = []
        var upkeep: [IssueUpkeep] = []
        var titles: [String] = []
        var leftOut: [LeftOut] = []
    }

    /// One `generate` through the run service, in a home of its own as if on another machine: nothing is shared
    /// with the earlier runs but the tracker.
    private func run(
        _ repository: TemporaryGitRepository, server: GitHubTestServer, files: Bool
    ) async throws
        -> Outcome
    {
        try await run(
            repository, files: files, flags: [("github.api_url", "--api-url", server.url.absoluteString)],
            variables: ["GITHUB_TOKEN": "ghp_lifecycle"])
    }

    /// One `generate` with `flags` and `variables` besides the common ones.
    private func run(
        _ repository: TemporaryGitRepository, files: Bool, flags: [(String, String, String)],
        variables extra: [String: String]
    ) async throws -> Outcome {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let variables = extra.merging(["HOME": home.path]) { $1 }
        let resolved = ConfigurationLoader(environment: variables).load(
            searchDirectory: repository.url.path,
            flags: flags.map { (path: $0.0, flag: $0.1, value: $0.2) } + [
                ("llm.provider", "--provider", "none"),
                ("history.path", "--history", home.appendingPathComponent("history.sqlite").path),
                ("publishing.pause_seconds", "--pause", "0"), ("issue_generation.max_issues", "--max-issues", "10"),
                // The notes are tasks with no evidence beyond their words, which rank low.
                ("issue_generation.min_severity", "--min-severity", "low"),
            ])
        let environment = try RunEnvironment(
            resolved: resolved, cacheDirectory: home.appendingPathComponent("cache"), variables: variables)
        let service = RunService(environment: environment)
        let result = try await service.suggest(
            .init(location: repository.url.path, remote: try RemoteRepository(parsing: "acme/api"), files: files))
        var outcome = Outcome(
            upkeep: result.suggestions.upkeep, titles: result.suggestions.drafts.map(\.draft.title),
            leftOut: result.suggestions.leftOut)
        if files {
            let report = try await service.file(result, approval: ApproveAll())
            outcome.filed = report.filed
            outcome.updated = report.updated
            outcome.notUpdated = report.notUpdated
            outcome.createdLabels = report.createdLabels
        }
        return outcome
    }
}
