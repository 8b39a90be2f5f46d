import Foundation

/// A secret that authenticates to a forge, kept out of every description, dump and log.
///
/// Only the trackers in this module read the secret, to put it in a request header.
public struct AccessToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself.
    let secret: String
    /// Where the token came from (`GITHUB_TOKEN`, `configuration`, `gh auth token` …), safe to show.
    public let source: String

    /// Wraps a secret; `source` says where it came from, for messages.
    public init(_ secret: String, source: String) {
        self.secret = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        self.source = source
    }

    public var description: String { "token from \(source)" }
    public var debugDescription: String { "AccessToken(source: \(source), secret: <redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["source": source]) }

    /// The `Authorization` value for services that take either: `account:secret` as HTTP Basic (an API token or
    /// app password with its account), anything else as a Bearer token.
    var basicOrBearer: String {
        secret.contains(":") ? "Basic " + Data(secret.utf8).base64EncodedString() : "Bearer \(secret)"
    }

    /// `text` with every occurrence of the secret replaced, for text a server sent back.
    public func redacting(_ text: String) -> String {
        guard secret.count >= 4 else { return text }
        var text = text.replacingOccurrences(of: secret, with: "<redacted>")
        // `account:secret` (HTTP Basic): the secret part alone is masked too; the account is not secret.
        if let colon = secret.firstIndex(of: ":"), secret.distance(from: colon, to: secret.endIndex) > 4 {
            text = text.replacingOccurrences(of: String(secret[secret.index(after: colon)...]), with: "<redacted>")
        }
        return text
    }
}
