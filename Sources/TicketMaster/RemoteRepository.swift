import Foundation

/// A repository on a forge (GitHub, GitLab, Gitea/Gogs), named by `owner/repo` or a clone URL.
public struct RemoteRepository: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The forges Ticket-Master recognises from a host name.
    public enum Forge: String, Sendable, Hashable, Codable {
        case github, gitlab, unknown
    }

    /// The host, such as `github.com`; nil when given as `owner/repo`, which means the configured GitHub.
    public var host: String?
    /// The owner, or the group path on GitLab (`group/subgroup`).
    public var owner: String
    /// The repository name, without `.git`.
    public var name: String

    /// `owner/name`.
    public var description: String { "\(owner)/\(name)" }

    /// The forge, guessed from the host.
    public var forge: Forge {
        guard let host = host?.lowercased() else { return .github }
        if host == "github.com" || host.hasPrefix("github.") { return .github }
        if host == "gitlab.com" || host.hasPrefix("gitlab.") { return .gitlab }
        return .unknown
    }

    /// Creates a reference.
    public init(host: String?, owner: String, name: String) {
        self.host = host
        self.owner = owner
        self.name = name
    }

    /// Parses `owner/repo`, `https://host/owner/repo(.git)`, `ssh://git@host/owner/repo.git` or
    /// `git@host:owner/repo.git`.
    public init(parsing text: String) throws(TicketMasterError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var host: String?
        var path: String
        if let components = URLComponents(string: trimmed), let scheme = components.scheme,
            ["http", "https", "ssh", "git"].contains(scheme.lowercased()), let urlHost = components.host
        {
            host = urlHost
            path = components.path
        } else if let match = trimmed.firstMatch(of: /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(.+)$/) {
            host = String(match.1)
            path = String(match.2)
        } else if trimmed.hasPrefix("/") || trimmed.hasPrefix(".") || trimmed.hasPrefix("~")
            || trimmed.lowercased().hasPrefix("file:")
        {
            // A folder, not a repository on a forge: `/srv/git/api`, `../api`, `file:///srv/git/api`.
            path = ""
        } else {
            path = trimmed
        }
        path = path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if path.hasSuffix(".git") { path.removeLast(4) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let isValid =
            parts.count >= 2 && (host != nil || parts.count == 2)
            && parts.dropLast().allSatisfy(Self.isValidOwner) && Self.isValidName(parts[parts.count - 1])
        guard isValid else {
            throw TicketMasterError(
                .usage,
                "'\(text)' is not a repository: expected owner/repo, https://github.com/owner/repo "
                    + "or git@github.com:owner/repo.git")
        }
        self.init(host: host, owner: parts.dropLast().joined(separator: "/"), name: parts[parts.count - 1])
    }

    private static func isValidOwner(_ owner: String) -> Bool {
        !owner.isEmpty && owner.count <= 100 && !owner.hasPrefix("-") && !owner.hasSuffix("-")
            && owner.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
