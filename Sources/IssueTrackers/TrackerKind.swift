import Foundation

/// The forges Ticket-Master files issues on.
public enum TrackerKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// GitHub.com or GitHub Enterprise Server.
    case github
    /// GitLab.com or a self-managed GitLab.
    case gitlab
    /// Gitea, Forgejo or Gogs, which share the `/api/v1` issue API.
    case gitea

    public var description: String {
        switch self {
        case .github: "GitHub"
        case .gitlab: "GitLab"
        case .gitea: "Gitea/Gogs"
        }
    }

    /// The forge a host name suggests, or nil when the host says nothing (a self-hosted forge needs configuration).
    public static func guess(fromHost host: String) -> TrackerKind? {
        let host = host.lowercased()
        if host == "github.com" || host.hasPrefix("github.") || host.hasSuffix(".ghe.com") { return .github }
        if host == "gitlab.com" || host.hasPrefix("gitlab.") { return .gitlab }
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
        }
    }
}
