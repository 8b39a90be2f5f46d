import Foundation
import IssueTrackers
import Testing
import TicketMaster

@Suite("TrackerTarget: which forge and API root a repository files on")
struct TrackerTargetTests {
    private func configuration(apiURL: String? = nil) throws -> Configuration {
        var flags: [(path: String, flag: String, value: String)] = []
        if let apiURL { flags.append(("github.api_url", "--api-url", apiURL)) }
        return try ConfigurationLoader(environment: ["HOME": "/nonexistent"])
            .load(explicitFile: nil, searchDirectory: "/nonexistent", flags: flags)
            .configuration()
    }

    @Test(
        "the host, github.api_url and GH_HOST pick the forge and API root",
        arguments: [
            ("acme/api", nil, [:], TrackerKind.github, "https://api.github.com"),
            ("https://github.com/acme/api.git", nil, [:], .github, "https://api.github.com"),
            ("acme/api", "https://ghe.example.com/api/v3", [:], .github, "https://ghe.example.com/api/v3"),
            (
                "git@ghe.example.com:acme/api.git", "https://ghe.example.com/api/v3", [:], .github,
                "https://ghe.example.com/api/v3"
            ),
            ("acme/api", nil, ["GH_HOST": "ghe.example.com"], .github, "https://ghe.example.com/api/v3"),
            ("https://gitlab.com/group/sub/api", nil, [:], .gitlab, "https://gitlab.com/api/v4"),
            ("https://codeberg.org/acme/api", nil, [:], .gitea, "https://codeberg.org/api/v1"),
            ("git@bitbucket.org:acme/api.git", nil, [:], .bitbucket, "https://api.bitbucket.org/2.0"),
        ] as [(String, String?, [String: String], TrackerKind, String)])
    func resolves(
        remote: String, apiURL: String?, environment: [String: String], kind: TrackerKind, root: String
    ) throws {
        let target = try TrackerTarget.resolve(
            try RemoteRepository(parsing: remote), configuration: try configuration(apiURL: apiURL),
            environment: environment)
        #expect(target.kind == kind)
        #expect(target.apiRoot.absoluteString == root)
    }

    @Test("jira.url files in the Jira project whatever the remote, and without jira.project says what to set")
    func jira() throws {
        let flags: [(path: String, flag: String, value: String)] = [
            ("jira.url", "--jira-url", "https://acme.atlassian.net"), ("jira.issue_type", "--type", "Bug"),
        ]
        let loader = ConfigurationLoader(environment: ["HOME": "/nonexistent"])
        let incomplete = try loader.load(explicitFile: nil, searchDirectory: "/nonexistent", flags: flags)
            .configuration()
        let remote = try RemoteRepository(parsing: "https://github.com/acme/api.git")
        let error = try #require(throws: TicketMasterError.self) {
            try TrackerTarget.resolve(remote, configuration: incomplete)
        }
        #expect(error.code == .configuration && error.message.contains("jira.project"))
        let complete = try loader.load(
            explicitFile: nil, searchDirectory: "/nonexistent", flags: flags + [("jira.project", "--project", "tm")]
        ).configuration()
        let target = try TrackerTarget.resolve(remote, configuration: complete)
        #expect(target.kind == .jira && target.path == "TM" && target.issueType == "Bug")
        #expect(target.apiRoot.absoluteString == "https://acme.atlassian.net")
        #expect(target.description == "TM on Jira")
    }

    @Test("a host that names no forge is a usage error that says how to configure it")
    func unknownHost() throws {
        let error = #expect(throws: TicketMasterError.self) {
            try TrackerTarget.resolve(
                try RemoteRepository(parsing: "https://code.example.com/acme/api"),
                configuration: try configuration(), environment: [:])
        }
        #expect(error?.code == .usage)
        #expect(error?.message.contains("github.api_url") == true)
    }

    @Test("no token anywhere is an authentication error with the remedy")
    func missingToken() async throws {
        let target = TrackerTarget(kind: .github, path: "acme/api", apiRoot: GitHubTracker.defaultAPIRoot)
        let error = await #expect(throws: TicketMasterError.self) {
            try await target.token(configuration: try configuration(), environment: ["PATH": "/nonexistent"])
        }
        #expect(error?.code == .authentication)
        #expect(error?.message.contains("set GITHUB_TOKEN or run `gh auth login`") == true)
    }
}
