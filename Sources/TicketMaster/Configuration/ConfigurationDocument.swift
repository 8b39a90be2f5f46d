/// Renders the configuration as text: the commented file `config init` writes, and the table `config show` prints.
public enum ConfigurationDocument {
    /// A complete configuration file with every key at its default, each preceded by a comment.
    public static func commentedFile() -> String {
        var lines = [
            "# Ticket-Master configuration.",
            "# Layers, weakest first: defaults < ~/.config/ticket-master/config.yaml < .ticket-master.yaml (or --config)",
            "# < environment (GITHUB_TOKEN, OPENAI_API_KEY, OLLAMA_HOST, TICKET_MASTER_<SECTION>_<KEY>, ...) < flags.",
            "# Keep secrets out of this file: set them in the environment instead.",
        ]
        var openPath: [String] = []
        for key in ConfigurationKey.all {
            let parts = key.path.split(separator: ".").map(String.init)
            let parents = Array(parts.dropLast())
            let shared = zip(openPath, parents).prefix { $0 == $1 }.count
            for (depth, name) in parents.enumerated().dropFirst(shared) {
                if depth == 0 { lines.append("") }
                lines.append(String(repeating: "  ", count: depth) + "\(name):")
            }
            openPath = parents
            let indent = String(repeating: "  ", count: parents.count)
            var comment = key.summary
            if !key.environment.isEmpty {
                comment += " Environment: \(key.environment.joined(separator: ", "))."
            }
            lines.append(indent + "# " + comment)
            lines.append(indent + "\(parts.last ?? key.path): \(key.defaultValue.yaml)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row of `config show`.
    public struct Row: Sendable, Hashable, Codable {
        /// The dotted key.
        public var key: String
        /// The value as YAML, masked for secrets.
        public var value: String
        /// Where it came from.
        public var source: String
    }

    /// Every key's effective value and source, secrets masked.
    public static func rows(of resolved: ResolvedConfiguration) -> [Row] {
        ConfigurationKey.all.map { key in
            let entry = resolved.entries[key.path]
            let value = entry?.value ?? key.defaultValue
            let shown: String
            if key.isSecret, case .string(let secret) = value, !secret.isEmpty {
                shown = "\"********\""
            } else {
                shown = value.yaml
            }
            return Row(key: key.path, value: shown, source: (entry?.source ?? .defaults).description)
        }
    }
}
