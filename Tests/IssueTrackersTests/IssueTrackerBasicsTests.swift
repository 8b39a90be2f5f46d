import Foundation
import IssueTrackers
import Testing
import TicketMasterTesting

@Suite("Fingerprints, labels, tracker selection and token discovery")
struct IssueTrackerBasicsTests {
    @Test func embedsAndExtractsTheFingerprintMarker() {
        let body = FingerprintMarker.embed("ABCDEF0123456789", in: "Body text\n\n")
        #expect(body == "Body text\n\n<!-- ticket-master:fingerprint=abcdef0123456789 -->")
        #expect(FingerprintMarker.extract(from: body) == "abcdef0123456789")
        // Embedding again replaces the marker rather than stacking a second one.
        let again = FingerprintMarker.embed("1111222233334444", in: body)
        #expect(again.components(separatedBy: "ticket-master:fingerprint").count == 2)
        #expect(FingerprintMarker.extract(from: again) == "1111222233334444")
        #expect(FingerprintMarker.extract(from: "no marker here") == nil)
        #expect(!FingerprintMarker.isValid("not-hex!"))
        #expect(NewIssue(title: "t", body: "b", fingerprint: "00ff00ff00ff00ff").bodyWithMarker.hasSuffix("-->"))
    }

    @Test func givesEachLabelTheSameColourEveryTime() {
        #expect(LabelColor.color(for: "bug") == "d73a4a")
        #expect(LabelColor.color(for: "tech debt") == LabelColor.color(for: "Tech Debt"))
        #expect(LabelColor.color(for: "area: api").wholeMatch(of: /[0-9a-f]{6}/) != nil)
    }

    @Test(arguments: [
        ("github.com", TrackerKind.github, "https://api.github.com"),
        ("github.acme.internal", .github, "https://github.acme.internal/api/v3"),
        ("gitlab.com", .gitlab, "https://gitlab.com/api/v4"),
        ("codeberg.org", .gitea, "https://codeberg.org/api/v1"),
    ])
    func choosesTheTrackerFromTheHost(host: String, kind: TrackerKind, root: String) {
        #expect(TrackerKind.guess(fromHost: host) == kind)
        #expect(kind.apiRoot(forHost: host)?.absoluteString == root)
    }

    @Test func leavesUnknownHostsToConfiguration() {
        #expect(TrackerKind.guess(fromHost: "git.example.org") == nil)
    }

    @Test func discoversTheTokenInOrder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let gh = folder.appendingPathComponent("gh")
        try Data("#!/bin/sh\n[ \"$3\" = \"--hostname\" ] && echo \"gho_for_$4\" || echo gho_fromcli\n".utf8).write(
            to: gh)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: gh.path)
        let path = folder.path + ":/usr/bin:/bin"
        // A process another test starts at this moment may briefly hold the new script open for writing, and
        // running it then fails ("text file busy"): run it once until it starts.
        for _ in 0..<100 {
            let probe = Process()
            probe.executableURL = gh
            probe.arguments = ["auth", "token"]
            probe.standardOutput = FileHandle.nullDevice
            if (try? probe.run()) != nil {
                probe.waitUntilExit()
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }

        let explicit = await GitHubTracker.discoverToken(
            explicit: "from-config", environment: ["GITHUB_TOKEN": "a", "PATH": path])
        #expect(explicit?.source == "configuration")
        #expect(
            await GitHubTracker.discoverToken(explicit: nil, environment: ["GITHUB_TOKEN": "a", "GH_TOKEN": "b"])?
                .source == "GITHUB_TOKEN")
        #expect(await GitHubTracker.discoverToken(explicit: " ", environment: ["GH_TOKEN": "b"])?.source == "GH_TOKEN")
        let cli = await GitHubTracker.discoverToken(explicit: nil, environment: ["PATH": path])
        #expect(cli?.source == "gh auth token")
        #expect(cli.map { "\($0)" } == "token from gh auth token")
        #expect(await GitHubTracker.discoverToken(explicit: nil, environment: ["PATH": "/nonexistent"]) == nil)

        let enterprise = ["PATH": path, "GH_HOST": "github.acme.internal"]
        #expect(
            GitHubTracker.apiRoot(configured: nil, environment: enterprise).absoluteString
                == "https://github.acme.internal/api/v3")
        #expect(GitHubTracker.apiRoot(configured: nil, environment: [:]) == GitHubTracker.defaultAPIRoot)

        // A gh that hangs (waiting on a keyring, say) is killed after the timeout.
        try Data("#!/bin/sh\nexec sleep 30\n".utf8).write(to: gh)
        let started = ContinuousClock.now
        #expect(
            await GitHubTracker.discoverToken(explicit: nil, environment: ["PATH": path], ghTimeout: .seconds(1))
                == nil)
        // Well under the 30 seconds gh would take: the bound leaves room for a machine busy with other suites.
        #expect(ContinuousClock.now - started < .seconds(20))

        // Nor does a helper it forked, which keeps the output pipe open after gh is gone, hold the run up.
        try Data("#!/bin/sh\n(sleep 30 &)\necho gho_late\nexec sleep 30\n".utf8).write(to: gh)
        let forked = ContinuousClock.now
        #expect(
            await GitHubTracker.discoverToken(explicit: nil, environment: ["PATH": path], ghTimeout: .seconds(1))
                == nil)
        #expect(ContinuousClock.now - forked < .seconds(20))
    }

    @Test func memoryTrackerBehavesLikeGitHub() async throws {
        let tracker = MemoryIssueTracker(labels: ["bug"])
        let report = try await tracker.ensureLabels(["bug", "perf"])
        #expect(report.created == ["perf"])
        let filed = try await tracker.createIssue(NewIssue(title: "t", body: "b", fingerprint: "1234567812345678"))
        #expect(try await tracker.findIssue(withFingerprint: "1234567812345678") == filed)
        await tracker.failNext(.createIssue, with: TrackerError(.rateLimited, "limited"))
        await #expect(throws: TrackerError.self) { try await tracker.createIssue(NewIssue(title: "u", body: "")) }
    }
}

@Suite("Choosing and authenticating a tracker")
struct TrackerSelectionTests {
    @Test func readsEachForgesTokenVariables() async {
        #expect(
            await TrackerKind.gitlab.discoverToken(explicit: nil, environment: ["GITLAB_TOKEN": "x"])?.source
                == "GITLAB_TOKEN")
        #expect(
            await TrackerKind.gitea.discoverToken(explicit: nil, environment: ["GOGS_TOKEN": "x"])?.source
                == "GOGS_TOKEN")
        #expect(
            await TrackerKind.gitea.discoverToken(explicit: "y", environment: ["GITEA_TOKEN": "x"])?.source
                == "configuration")
        #expect(await TrackerKind.gitlab.discoverToken(explicit: nil, environment: [:]) == nil)
    }

    @Test(arguments: TrackerKind.allCases)
    func makesATrackerOfEachKind(kind: TrackerKind) throws {
        let root = try #require(kind.apiRoot(forHost: "forge.example.org"))
        // A Jira project is a key, not a repository.
        let path = kind == .jira ? "TM" : "acme/api"
        let tracker = try kind.makeTracker(path: path, token: AccessToken("t", source: "test"), apiRoot: root)
        #expect(tracker.kind == kind)
        #expect(tracker.repositoryPath == path)
        let nested = try? kind.makeTracker(
            path: "acme/team/api", token: AccessToken("t", source: "test"), apiRoot: root)
        #expect((nested != nil) == (kind == .gitlab))
    }
}
