import Foundation
import Logging

/// The forges Ticket-Master files issues on.
public enum TrackerKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// GitHub.com or GitHub Enterprise Server.
    case github
    /// GitLab.com or a self-managed GitLab.
    case gitlab
    /// Gitea, Forgejo or Gogs, which share the `/api/v1` issue API.
    case gitea
    /// Bitbucket Cloud's issue tracker (REST API 2.0).
    case bitbucket
    /// A Jira project: Cloud (REST v3) or Data Center (REST v2); chosen by configuration, never by a remote.
    case jira

    public var description: String {
        switch self {
        case .github: "GitHub"
        case .gitlab: "GitLab"
        case .gitea: "Gitea/Gogs"
        case .bitbucket: "Bitbucket"
        case .jira: "Jira"
        }
    }

    /// The forge a host name suggests, or nil when the host says nothing (a self-hosted forge needs configuration).
    public static func guess(fromHost host: String) -> TrackerKind? {
        let host = host.lowercased()
        if host == "github.com" || host.hasPrefix("github.") || host.hasSuffix(".ghe.com") { return .github }
        if host == "gitlab.com" || host.hasPrefix("gitlab.") { return .gitlab }
        if host == "bitbucket.org" || host == "api.bitbucket.org" { return .bitbucket }
        if ["codeberg.org", "gitea.com"].contains(host) || host.hasPrefix("gitea.") || host.hasPrefix("gogs.")
            || host.hasPrefix("forgejo.")
        {
            return .gitea
        }
        return nil
    }

    /// The API root of this forge on `host` (`https://api.github.com`, `https://HOST/api/v3`, `https://HOST/api/v4`,
    /// `https://HOST/api/v1`).
    public func apiRoot(forHost host: String) -> URL? {
        let host = host.lowercased()
        switch self {
        case .github:
            if host == "github.com" || host == "api.github.com" { return URL(string: "https://api.github.com") }
            if host.hasSuffix(".ghe.com") { return URL(string: "https://api.\(host)") }
            return URL(string: "https://\(host)/api/v3")
        case .gitlab: return URL(string: "https://\(host)/api/v4")
        case .gitea: return URL(string: "https://\(host)/api/v1")
        case .bitbucket: return BitbucketTracker.defaultAPIRoot
        case .jira: return URL(string: "https://\(host)")
        }
    }
}

extension TrackerKind {
    /// The environment variables a token for this forge is read from, in order.
    public var tokenVariables: [String] {
        switch self {
        case .github: ["GITHUB_TOKEN", "GH_TOKEN"]
        case .gitlab: ["GITLAB_TOKEN"]
        case .gitea: ["GITEA_TOKEN", "GOGS_TOKEN"]
        case .bitbucket: ["BITBUCKET_TOKEN"]
        case .jira: ["JIRA_API_TOKEN"]
        }
    }

    /// Finds a token: `explicit` (from configuration), then ``tokenVariables``, then, for GitHub only,
    /// `gh auth token` (see ``GitHubTracker/discoverToken(explicit:environment:ghTimeout:)``).
    public func discoverToken(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> AccessToken? {
        if self == .github { return await GitHubTracker.discoverToken(explicit: explicit, environment: environment) }
        if let explicit, !explicit.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return AccessToken(explicit, source: "configuration")
        }
        for variable in tokenVariables {
            if let value = environment[variable], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                // An API token or app password is sent with its account as HTTP Basic; an access token alone.
                let accounts =
                    switch self {
                    case .bitbucket: ["BITBUCKET_EMAIL", "BITBUCKET_USERNAME"]
                    case .jira: ["JIRA_EMAIL"]
                    default: [String]()
                    }
                if !value.contains(":"),
                    let user = accounts.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty })
                {
                    return AccessToken("\(user):\(value)", source: variable)
                }
                return AccessToken(value, source: variable)
            }
        }
        return nil
    }

    /// A tracker of this kind for `path` (`owner/name`, `group/subgroup/name` on GitLab, a project key on Jira) at
    /// `apiRoot` (a Jira site's address).
    ///
    /// Share one `pacer` between trackers that use the same account, so that they share its rate limits.
    public func makeTracker(
        path: String, token: AccessToken, apiRoot: URL, pacer: RequestPacer = RequestPacer(),
        options: TrackerOptions = TrackerOptions(), logger: Logger = Logger(label: "ticket-master.trackers")
    ) throws -> any IssueTracker {
        let parts = path.split(separator: "/").map(String.init)
        if self == .jira, path.wholeMatch(of: /[A-Za-z][A-Za-z0-9_]{0,254}/) == nil {
            throw TrackerError(
                .validationFailed, "'\(path)' is not a Jira project key: expected letters and digits, such as TM")
        }
        guard self == .jira || parts.count >= 2 && (self == .gitlab || parts.count == 2) else {
            throw TrackerError(
                .validationFailed,
                "'\(path)' is not a \(self) repository: expected owner/name"
                    + (self == .gitlab ? " or group/subgroup/name" : ""))
        }
        switch self {
        case .github:
            return GitHubTracker(
                owner: parts[0], name: parts[1], token: token, apiRoot: apiRoot, pacer: pacer, options: options,
                logger: logger)
        case .gitlab:
            return GitLabTracker(
                projectPath: path, token: token, apiRoot: apiRoot, pacer: pacer, options: options, logger: logger)
        case .gitea:
            return GiteaTracker(
                owner: parts[0], name: parts[1], token: token, apiRoot: apiRoot, pacer: pacer, options: options,
                logger: logger)
        case .bitbucket:
            return BitbucketTracker(
                workspace: parts[0], slug: parts[1], token: token, apiRoot: apiRoot, pacer: pacer, options: options,
                logger: logger)
        case .jira:
            return JiraTracker(
                site: apiRoot, project: path, token: token, pacer: pacer, options: options, logger: logger)
        }
    }
}
