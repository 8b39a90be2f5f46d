import Foundation
import Testing
import TicketMasterTesting

/// `generate` (without --dry-run) and `publish --resume`, run as the real binary against the GitHub-conformant
/// loopback server, which validates every request against GitHub's OpenAPI description.
@Suite("ticket-master filing on GitHub", .serialized)
struct PublishCommandTests {
    /// A token no output may ever contain.
    let token = "ghp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")

    /// A runner for `server`, with the token in `GITHUB_TOKEN` and a short pause between creations.
    private func runner(for server: GitHubTestServer) throws -> CommandRunner {
        try CommandRunner(environment: [
            "TICKET_MASTER_GITHUB_API_URL": server.url.absoluteString,
            "GITHUB_TOKEN": token,
            "TICKET_MASTER_PUBLISHING_PAUSE_SECONDS": "0.05",
        ])
    }

    /// A repository with planted facts: an old FIXME, a hot untested file, a large new module without docs.
    private func plantedRepository() async throws -> TemporaryGitRepository {
        try await TemporaryGitRepository.planted(readme: false)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    /// Fails if the token appears in any output or in the history database's files.
    private func expectNoToken(in results: [CommandRunner.Result], runner: CommandRunner) throws {
        for result in results {
            #expect(!result.stdout.contains(token))
            #expect(!result.stderr.contains(token))
        }
        let folder = runner.home.appendingPathComponent(".local/share/ticket-master")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.contains("history.sqlite"))
        for file in files {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(file))
            #expect(bytes.range(of: Data(token.utf8)) == nil, "the token is in \(file)")
        }
    }

    @Test("generate --yes files every draft with its labels, waits out a secondary limit; a re-run files none")
    func filesThenFindsDuplicates() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }
        try await server.fail(with: .secondaryLimit(retryAfter: 2), method: "POST", path: "/issues$")

        let started = Date()
        let first = try runner.run(
            [repository.url.path, "acme/api", "--yes", "--max-issues", "3", "--format", "json", "--verbose"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Date().timeIntervalSince(started) >= 2, "the secondary limit's retry-after was not waited out")
        let report = try json(first.stdout)
        let filed = try #require(report["filed"] as? [[String: Any]])
        #expect((1...3).contains(filed.count))
        let stored = try await server.issues(owner: "acme", name: "api")
        #expect(stored.count == filed.count)
        #expect(stored.allSatisfy { !$0.labels.isEmpty && $0.body?.contains("ticket-master:fingerprint=") == true })
        #expect((report["createdLabels"] as? [String])?.isEmpty == false)
        #expect(filed.allSatisfy { ($0["missingLabels"] as? [String])?.isEmpty == true })

        // A fresh history (another machine, a lost database) suggests the same drafts again: the tracker's
        // issues, read before anything is written, set them aside by their fingerprints. (The check right before
        // each filing, for issues filed in between, is the Publisher's own test.)
        let elsewhere = runner.home.appendingPathComponent("elsewhere.sqlite").path
        let second = try runner.run(
            [repository.url.path, "acme/api", "--yes", "--max-issues", "3", "-q"],
            environment: ["TICKET_MASTER_HISTORY_PATH": elsewhere])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Filed 0 issue(s) on acme/api on GitHub"), "\(second.stdout)")
        #expect(
            second.stdout.contains("Set aside as duplicates before filing (\(filed.count))"), "\(second.stdout)")
        #expect(second.stdout.contains("same evidence"), "\(second.stdout)")
        #expect(try await server.issues(owner: "acme", name: "api").count == filed.count)

        let requests = try await server.requests()
        #expect(requests.allSatisfy { $0.invalid == nil }, "\(requests.compactMap(\.invalid))")
        #expect(requests.contains { $0.method == "POST" && $0.status == 403 })
        #expect(try await server.responseProblems().isEmpty)
        try expectNoToken(in: [first, second], runner: runner)
        #expect(try Data(contentsOf: URL(fileURLWithPath: elsewhere)).range(of: Data(token.utf8)) == nil)
    }

    @Test("issues filed earlier: a dry run says what it would comment on and close, the filing run does it")
    func keepsFiledIssuesCurrent() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        // The notes are tasks with no evidence beyond their words, which rank low.
        let runner = try CommandRunner(
            environment: try self.runner(for: server).environment.merging([
                "TICKET_MASTER_ISSUE_GENERATION_MIN_SEVERITY": "low"
            ]) { $1 })
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        let old = Date(timeIntervalSince1970: 1_583_020_800)
        try repository.write("func parse() {\n    // FIXME: handle malformed input\n}\n", to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    // TODO: support tabs in indentation\n}\n", to: "Sources/Lexer.swift")
        try repository.write("# Parser\n\nParses input. Build with `swift build`.\n", to: "README.md")
        try await repository.commit("Add the parser", date: old)
        let first = try runner.run([repository.url.path, "acme/api", "--yes", "-q", "--max-issues", "10"])
        #expect(first.status == 0, "\(first.stderr)")
        let filed = try await server.issues(owner: "acme", name: "api")
        let parser = try #require(filed.first { $0.title.contains("malformed input") }).number
        let lexer = try #require(filed.first { $0.title.contains("tabs") }).number

        try repository.write(
            "\n\n\nfunc parse() {\n    // FIXME: handle malformed input\n}\n", to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    indent(tabs: true)\n}\n", to: "Sources/Lexer.swift")
        try await repository.commit("Support tabs in indentation", date: old.addingTimeInterval(86_400))

        let preview = try runner.run([repository.url.path, "acme/api", "--dry-run", "-q", "--max-issues", "10"])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("issues filed earlier, kept current when the run files:"), "\(preview.stdout)")
        #expect(preview.stdout.contains("would comment on #\(parser)"), "\(preview.stdout)")
        #expect(preview.stdout.contains("would close #\(lexer)"), "\(preview.stdout)")
        let planned = try runner.run(
            [repository.url.path, "acme/api", "--dry-run", "-q", "--max-issues", "10", "--format", "json"])
        let upkeep = try #require(try json(planned.stdout)["upkeep"] as? [[String: Any]])
        #expect(upkeep.compactMap { $0["action"] as? String }.sorted() == ["close", "comment"])

        let second = try runner.run([repository.url.path, "acme/api", "--yes", "-q", "--max-issues", "10"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Filed 0 issue(s)"), "\(second.stdout)")
        #expect(second.stdout.contains("Filed earlier, kept current (2):"), "\(second.stdout)")
        #expect(second.stdout.contains("commented on #\(parser)") && second.stdout.contains("closed #\(lexer)"))
        let after = try await server.issues(owner: "acme", name: "api")
        #expect(after.first { $0.number == lexer }?.stateReason == "completed")
        #expect(after.first { $0.number == parser }?.comments == 1)
        #expect(try await server.requests().allSatisfy { $0.invalid == nil })
        try expectNoToken(in: [first, preview, planned, second], runner: runner)
    }

    @Test("configured assignees and milestone go with every issue; assignees the token may not set are reported")
    func assigneesAndMilestone() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        try await server.createRepository(owner: "acme", name: "docs", permission: "read")
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let environment = [
            "TICKET_MASTER_PUBLISHING_ASSIGNEES": "octocat,hubot", "TICKET_MASTER_PUBLISHING_MILESTONE": "3",
        ]

        let filed = try runner.run(
            [repository.url.path, "acme/api", "--yes", "--max-issues", "2", "-q"], environment: environment)
        #expect(filed.status == 0, "\(filed.stderr)")
        let stored = try await server.issues(owner: "acme", name: "api")
        #expect(
            !stored.isEmpty && stored.allSatisfy { $0.assignees.map(\.login) == ["octocat", "hubot"] }, "\(stored)")
        #expect(!filed.stdout.contains("not assigned"), "\(filed.stdout)")
        let creations = try await server.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/issues") }
        #expect(!creations.isEmpty && creations.allSatisfy { $0.invalid == nil && $0.body.contains(#""milestone":3"#) })

        // Without push access GitHub files the issue and silently drops its assignees: the report says so.
        let readOnly = try runner.run(
            [repository.url.path, "acme/docs", "--yes", "--max-issues", "1", "-q"],
            environment: environment.merging([
                "TICKET_MASTER_HISTORY_PATH": runner.home.appendingPathComponent("ro.sqlite").path
            ]) { $1 })
        #expect(readOnly.status == 0, "\(readOnly.stderr)")
        #expect(readOnly.stdout.contains("not assigned to octocat, hubot"), "\(readOnly.stdout)")
    }

    @Test("a preview leaves out drafts that repeat an issue people filed; without a token it still previews")
    func previewComparesWithTrackerIssues() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let arguments = [repository.url.path, "acme/api", "--dry-run", "--max-issues", "3", "--format", "json"]

        // What the run suggests while the tracker has no issues.
        try await server.createRepository(owner: "acme", name: "api")
        // Each run gets a history of its own, so that only the tracker can make a draft a duplicate.
        let history = { (name: String) in ["TICKET_MASTER_HISTORY_PATH": runner.home.appendingPathComponent(name).path]
        }
        let clean = try runner.run(arguments, environment: history("clean.sqlite"))
        #expect(clean.status == 0, "\(clean.stderr)")
        let drafts = try #require(try json(clean.stdout)["drafts"] as? [[String: Any]])
        let first = try #require(drafts.first?["draft"] as? [String: Any])
        let title = try #require(first["title"] as? String)
        let body = try #require(first["body"] as? String)

        // Someone files that issue by hand, in their own words about the same file, and it is closed.
        try await server.createRepository(
            owner: "acme", name: "api",
            issues: [
                .init(
                    title: title, body: "Seen while reviewing.\n\n" + body.prefix(400), state: "closed",
                    age: 7 * 86_400)
            ])
        let again = try runner.run(arguments, environment: history("again.sqlite"))
        #expect(again.status == 0, "\(again.stderr)")
        let report = try json(again.stdout)
        let duplicates = try #require(report["duplicates"] as? [[String: Any]])
        let match = try #require(duplicates.first { ($0["duplicateOf"] as? String)?.hasPrefix("#1 (") == true })
        #expect((match["reason"] as? String)?.contains("similarity") == true, "\(match)")
        let kept = (report["drafts"] as? [[String: Any]] ?? []).compactMap { ($0["draft"] as? [String: Any])?["title"] }
        #expect(!kept.contains { ($0 as? String) == title })

        // Without a token the preview is still made, and says what it could not compare.
        let anonymous = try CommandRunner(environment: ["TICKET_MASTER_GITHUB_API_URL": server.url.absoluteString])
        let offline = try anonymous.run(arguments)
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stderr.contains("not compared with the issues on acme/api"), "\(offline.stderr)")
        #expect(try #require(try json(offline.stdout)["drafts"] as? [[String: Any]]).count == drafts.count)
    }

    @Test("a rate limit part way exits 5 and names the resume command; publish --resume files exactly the rest")
    func resumesAfterRateLimit() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api", labels: ["documentation", "testing"])
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }
        // After one issue the primary limit is spent for an hour, longer than a run may wait.
        try await server.fail(with: .primaryLimit(resetIn: 3600), method: "POST", path: "/issues$", after: 1)

        let stopped = try runner.run([repository.url.path, "acme/api", "--yes", "--max-issues", "3", "-q"])
        #expect(stopped.status == 5, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("publish --resume 1 --yes"), "\(stopped.stderr)")
        #expect(stopped.stdout.contains("Filed 1 issue(s)"), "\(stopped.stdout)")
        let notFiled = stopped.stdout.components(separatedBy: "Not filed (").dropFirst().first.map {
            Int($0.prefix { $0.isNumber }) ?? 0
        }
        let missing = try #require(notFiled)
        #expect(missing >= 1)
        #expect(try await server.issues(owner: "acme", name: "api").count == 1)

        let plan = try runner.run(["publish", "--resume", "1", "--dry-run", "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [Any])
        #expect(planned.count == missing)
        let requestsBefore = try await server.requests().count

        try await server.setRateLimit(remaining: 5000, resetIn: 3600)
        #expect(try await server.requests().count == requestsBefore, "--dry-run sent requests")
        let resumed = try runner.run(["publish", "--resume", "1", "--yes", "--format", "json", "-q"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect((try json(resumed.stdout)["filed"] as? [Any])?.count == missing)
        let stored = try await server.issues(owner: "acme", name: "api")
        #expect(stored.count == 1 + missing)
        let fingerprints = stored.compactMap { $0.body?.firstMatch(of: /fingerprint=([0-9a-f]+)/).map { String($0.1) } }
        #expect(Set(fingerprints).count == stored.count)

        let again = try runner.run(["publish", "--resume", "1", "--yes", "-q"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await server.issues(owner: "acme", name: "api").count == 1 + missing)
        let history = try runner.run(["history", "show", "1", "--format", "json"])
        #expect((try json(history.stdout)["publications"] as? [Any])?.count == 1 + missing)
        try expectNoToken(in: [stopped, plan, resumed, again, history], runner: runner)
    }

    @Test("a run killed part way through filing is resumed with exactly the missing issues")
    func resumesAfterKill() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }
        // Slow creations leave time to kill the run between two issues.
        try await server.fail(next: 3, with: .slow(seconds: 1), method: "POST", path: "/issues$")

        let process = try runner.start([repository.url.path, "acme/api", "--yes", "--max-issues", "3", "-q"])
        let deadline = Date().addingTimeInterval(120)
        while try await server.issues(owner: "acme", name: "api").isEmpty, Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // A creation the server was still working on when the run died lands a moment later.
        try await Task.sleep(for: .seconds(1.5))
        let survived = try await server.issues(owner: "acme", name: "api").count
        #expect((1...2).contains(survived))

        let resumed = try runner.run(["publish", "--resume", "1", "--yes", "--format", "json", "-q"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try json(resumed.stdout)
        let filed = (report["filed"] as? [Any])?.count ?? 0
        let stored = try await server.issues(owner: "acme", name: "api")
        #expect(stored.count == 3)
        #expect(filed == 3 - survived)
        // An issue filed just before the kill but never recorded is found by its fingerprint, not filed again.
        let show = try runner.run(["history", "show", "1", "--format", "json"])
        let drafts = try #require(try json(show.stdout)["drafts"] as? [[String: Any]])
        let statuses = drafts.prefix(3).compactMap { $0["status"] as? String }
        #expect(statuses.allSatisfy { $0 == "filed" || $0 == "duplicate" }, "\(statuses)")
        let fingerprints = stored.compactMap { $0.body?.firstMatch(of: /fingerprint=([0-9a-f]+)/).map { String($0.1) } }
        #expect(Set(fingerprints).count == 3)
        let runs = try runner.run(["history", "list", "--format", "json"])
        let run = try #require(
            (try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(run["outcome"] as? String == "succeeded")
        #expect(run["filedCount"] as? Int == stored.count - statuses.filter { $0 == "duplicate" }.count)
        #expect((run["signalCount"] as? Int ?? 0) > 0)
    }

    @Test("on a terminal each draft is asked about: edited in $EDITOR and filed, declined, or left for later")
    func approvesOnATerminal() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let editor = runner.home.appendingPathComponent("editor.sh")
        try Data("#!/bin/sh\nsed -i '1s/^/Edited: /' \"$1\"\n".utf8).write(to: editor)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)

        // Draft 1: edit, then file; draft 2: decline; draft 3: quit, leaving it for `publish --resume`.
        let session = try runner.runOnTerminal(
            [repository.url.path, "acme/api", "--max-issues", "3", "--color", "never", "-q"],
            input: "e\ny\nn\nq\n", environment: ["EDITOR": editor.path])
        #expect(session.status == 0, "\(session.stdout)")
        #expect(session.stdout.contains("[1/3]") && session.stdout.contains("[e]dit in $EDITOR"), "\(session.stdout)")
        let stored = try await server.issues(owner: "acme", name: "api")
        #expect(stored.count == 1)
        #expect(stored.first?.title.hasPrefix("Edited: ") == true, "\(stored.map(\.title))")

        let show = try runner.run(["history", "show", "1", "--format", "json"])
        let drafts = try #require(try json(show.stdout)["drafts"] as? [[String: Any]])
        // The pipeline's own set-aside duplicates come after the suggested drafts.
        #expect(drafts.prefix(3).compactMap { $0["status"] as? String } == ["filed", "skipped", "draft"])
        let plan = try runner.run(["publish", "--resume", "1", "--dry-run", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [Any])?.count == 1)
    }

    @Test("a rejected or missing token exits 4 with the remedy; no terminal and no --yes exits 2")
    func refusals() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(owner: "acme", name: "api")
        let runner = try runner(for: server)
        let repository = try await plantedRepository()
        defer { repository.remove() }

        try await server.rejectTokens([token])
        let rejected = try runner.run([repository.url.path, "acme/api", "--yes", "-q"])
        #expect(rejected.status == 4, "\(rejected.stderr)")
        #expect(rejected.stderr.contains("GITHUB_TOKEN") && rejected.stderr.contains("gh auth login"))

        // An empty gh configuration, so an installed, logged-in `gh` cannot supply a token.
        let ghConfig = runner.home.appendingPathComponent("gh-config").path
        let missing = try runner.run(
            [repository.url.path, "acme/api", "--yes", "-q"],
            environment: ["GITHUB_TOKEN": "", "GH_CONFIG_DIR": ghConfig])
        #expect(missing.status == 4, "\(missing.stderr)")
        #expect(missing.stderr.contains("set GITHUB_TOKEN or run `gh auth login`"), "\(missing.stderr)")

        let unattended = try runner.run([repository.url.path, "acme/api", "-q"])
        #expect(unattended.status == 2, "\(unattended.stderr)")
        #expect(unattended.stderr.contains("pass --yes to file without asking; drafts were saved as run"))
        // The run is finished, not left running: its drafts are saved and nothing was filed.
        let runs = try runner.run(["history", "list"])
        #expect(runs.stdout.split(separator: "\n").dropFirst().first?.contains("partial") == true, "\(runs.stdout)")
        let noOwner = try runner.run([repository.url.path, "--yes", "-q"])
        #expect(noOwner.status == 2, "\(noOwner.stderr)")
        #expect(noOwner.stderr.contains("pass owner/repo"), "\(noOwner.stderr)")
        #expect(try await server.issues(owner: "acme", name: "api").isEmpty)
        try expectNoToken(in: [rejected, missing, unattended, noOwner], runner: runner)
    }
}
