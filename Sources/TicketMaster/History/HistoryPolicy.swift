import Foundation

/// What the history keeps: prompt texts only when asked to, and never a credential.
///
/// Every store applies the policy to every record before writing it, so a caller cannot leak a token by mistake: a
/// model that echoes a key, or a remote URL with `user:token@` in it, is stored with the secret replaced.
public struct HistoryPolicy: Sendable, Hashable {
    /// Whether prompt and reply texts are stored with each model call (`history.keep_prompts`).
    public var keepPrompts: Bool
    /// Values replaced by `********` wherever they appear in stored text: the run's tokens and API keys.
    public var secrets: [String]

    /// Creates a policy.
    public init(keepPrompts: Bool = false, secrets: [String] = []) {
        self.keepPrompts = keepPrompts
        // Secrets shorter than four characters would blank out ordinary words; no real token is that short.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// The policy a run's configuration asks for, with every secret it holds.
    public init(_ resolved: ResolvedConfiguration, configuration: Configuration) {
        self.init(keepPrompts: configuration.history.keepPrompts, secrets: resolved.secrets)
    }

    /// `text` with every secret replaced.
    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "********") }
    }

    /// A URL or remote with any `user:password@` removed, then redacted: remotes often carry a token that way.
    public func redactLocation(_ text: String?) -> String? {
        guard let text else { return nil }
        guard var components = URLComponents(string: text), components.host != nil,
            components.user != nil || components.password != nil
        else { return redact(text) }
        components.user = nil
        components.password = nil
        return redact(components.string ?? text)
    }
}
