import Foundation
import IssueTrackers
import Logging

/// Where a run files its issues: the kind of forge, the repository on it and the API root, worked out from the
/// repository's name or remote and the configuration.
public struct TrackerTarget: Sendable, Hashable, CustomStringConvertible {
    /// The forge.
    public var kind: TrackerKind
    /// `owner/name`, or `group/subgroup/name` on GitLab.
    public var path: String
    /// The REST API root; a Jira site's address.
    public var apiRoot: URL
    /// The issue type filed issues get, on Jira.
    public var issueType: String?
    /// Cloud or Data Center, on Jira; nil guesses from the site.
    public var deployment: JiraTracker.Deployment?

    /// Creates a target.
    public init(
        kind: TrackerKind, path: String, apiRoot: URL, issueType: String? = nil,
        deployment: JiraTracker.Deployment? = nil
    ) {
        self.kind = kind
        self.path = path
        self.apiRoot = apiRoot
        self.issueType = issueType
        self.deployment = deployment
    }

    public var description: String { "\(path) on \(kind)" }

    /// The target for `remote`: a bare `owner/repo` means GitHub (or the Enterprise server that `github.api_url` or
    /// `GH_HOST` names); a remote's host decides the forge, and a host that says nothing must be the configured
    /// GitHub Enterprise host.
    public static func resolve(
        _ remote: RemoteRepository, configuration: Configuration,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TicketMasterError) -> TrackerTarget {
        // A team on Jira files there, whatever forge hosts the code.
        if let site = configuration.jira.url {
            guard let project = configuration.jira.project?.trimmingCharacters(in: .whitespaces), !project.isEmpty
            else {
                throw TicketMasterError(
                    .configuration, "jira.url is set but jira.project is not: set it to the Jira project's key (TM)")
            }
            guard project.wholeMatch(of: /[A-Za-z][A-Za-z0-9_]{0,254}/) != nil else {
                throw TicketMasterError(
                    .configuration, "jira.project '\(project)' is not a project key: expected letters and digits (TM)")
            }
            return TrackerTarget(
                kind: .jira, path: project.uppercased(), apiRoot: site, issueType: configuration.jira.issueType,
                deployment: JiraTracker.Deployment(rawValue: configuration.jira.deployment))
        }
        let configuredAPI = configuration.github.apiURL
        let isDefaultAPI = configuredAPI.absoluteString == GitHubTracker.defaultAPIRoot.absoluteString
        let githubRoot = GitHubTracker.apiRoot(configured: isDefaultAPI ? nil : configuredAPI, environment: environment)
        guard let host = remote.host?.lowercased() else {
            return TrackerTarget(kind: .github, path: remote.description, apiRoot: githubRoot)
        }
        let enterpriseHosts = [configuredAPI.host, environment["GH_HOST"]].compactMap { $0?.lowercased() }
        if host == "github.com" || enterpriseHosts.contains(host) {
            // github.com, unless github.api_url points elsewhere (a test server, a proxy): then the configured API.
            let root = host == "github.com" && isDefaultAPI ? GitHubTracker.defaultAPIRoot : githubRoot
            return TrackerTarget(kind: .github, path: remote.description, apiRoot: root)
        }
        guard let kind = TrackerKind.guess(fromHost: host), let root = kind.apiRoot(forHost: host) else {
            throw TicketMasterError(
                .usage,
                "cannot tell which forge \(host) runs; for GitHub Enterprise set github.api_url to "
                    + "https://\(host)/api/v3, or pass owner/repo")
        }
        return TrackerTarget(kind: kind, path: remote.description, apiRoot: root)
    }

    /// The token for this forge: `github.token` (for GitHub), the forge's environment variables, then
    /// `gh auth token`; throws an authentication error that says how to provide one.
    public func token(
        configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(TicketMasterError) -> AccessToken {
        let explicit = kind == .github ? configuration.github.token?.value : nil
        if let token = await kind.discoverToken(explicit: explicit, environment: environment) { return token }
        let remedy =
            switch kind {
            case .github: "set GITHUB_TOKEN or run `gh auth login`"
            case .gitlab: "set GITLAB_TOKEN to a token with the `api` scope"
            case .gitea: "set GITEA_TOKEN (or GOGS_TOKEN) to an access token"
            case .jira:
                "set JIRA_API_TOKEN to an API token and JIRA_EMAIL to its account (Cloud), or to a personal access token (Data Center)"
            case .bitbucket:
                "set BITBUCKET_TOKEN to a repository access token with the issue:write scope (or to an API token, "
                    + "with BITBUCKET_EMAIL)"
            }
        throw TicketMasterError(.authentication, "no token to file issues on \(path) (\(kind)): \(remedy)")
    }

    /// A tracker for this target, pacing its requests with `pacer`.
    public func makeTracker(token: AccessToken, pacer: RequestPacer, logger: Logger) throws -> any IssueTracker {
        if kind == .jira {
            return JiraTracker(
                site: apiRoot, project: path, issueType: issueType ?? "Task", deployment: deployment, token: token,
                pacer: pacer, options: TrackerOptions(userAgent: "ticket-master/\(ticketMasterVersion)"),
                logger: logger)
        }
        return try kind.makeTracker(
            path: path, token: token, apiRoot: apiRoot, pacer: pacer,
            options: TrackerOptions(userAgent: "ticket-master/\(ticketMasterVersion)"), logger: logger)
    }
}
