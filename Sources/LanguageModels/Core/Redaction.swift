import Foundation

/// Keeps secrets out of everything a person or a log file may see.
enum Redaction {
    /// Query items whose values are credentials by convention (Gemini's `key`, assorted gateways' tokens).
    private static let secretQueryNames: Set<String> = [
        "key", "api_key", "apikey", "token", "access_token", "auth", "signature", "sig",
    ]

    /// `url` without user name and password, and with secret query values replaced by `***`.
    static func displayURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.user = nil
        components.password = nil
        if let items = components.queryItems {
            components.queryItems = items.map { item in
                secretQueryNames.contains(item.name.lowercased()) ? URLQueryItem(name: item.name, value: "***") : item
            }
        }
        return components.string?.replacingOccurrences(of: "%2A%2A%2A", with: "***") ?? url
    }

    /// `text` with every occurrence of each secret replaced by `***`; secrets shorter than four characters are
    /// left alone because replacing them would mangle ordinary words.
    static func scrub(_ text: String, secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
