import Foundation

extension ConfigurationLayer {
    /// Reads the keys set by environment variables: the well-known ones (`GITHUB_TOKEN`, `OLLAMA_HOST`, …) and
    /// `TICKET_MASTER_<SECTION>_<KEY>`, which wins over them.
    public static func environment(_ environment: [String: String]) -> [ConfigurationLayer] {
        var layers: [ConfigurationLayer] = []
        for key in ConfigurationKey.all {
            for name in [key.environmentName] + key.environment {
                guard let raw = environment[name], !raw.isEmpty else { continue }
                let text = name == "OLLAMA_HOST" ? normalizedOllamaHost(raw) : raw
                var layer = ConfigurationLayer(source: .environment(name))
                switch ConfigurationValueParser.parse(string: text, as: key) {
                case .success(let value):
                    layer.values[key.path] = value
                case .failure(let failure):
                    let shown = key.isSecret ? "a secret" : "'\(raw)'"
                    layer.problems.append(
                        ConfigurationProblem(
                            .error, origin: "environment \(name)", key: key.path,
                            message: "\(name) must be \(failure.expected), found \(shown)",
                            fix: failure.fix ?? "for example: \(name)=\(key.example)"))
                }
                layers.append(layer)
                break
            }
        }
        let known = Set(ConfigurationKey.all.map(\.environmentName))
        let unknown = environment.keys.filter {
            $0.hasPrefix("TICKET_MASTER_") && !known.contains($0) && !serviceVariables.contains($0)
        }.sorted()
        for name in unknown {
            let suggestion = Array(known).closest(to: name).map { "did you mean \($0)?" }
            layers.append(
                ConfigurationLayer(
                    source: .environment(name),
                    problems: [
                        ConfigurationProblem(
                            .warning, origin: "environment \(name)", message: "\(name) is not a configuration variable",
                            fix: suggestion ?? "unset it")
                    ]))
        }
        return layers
    }

    /// Variables the web service reads itself, which are not configuration keys: the first admin's password and
    /// the key that seals stored tokens.
    public static let serviceVariables: Set<String> = ["TICKET_MASTER_ADMIN_PASSWORD", "TICKET_MASTER_SECRET_KEY"]

    /// Ollama accepts `host`, `host:port` or a URL; the default port is 11434.
    static func normalizedOllamaHost(_ raw: String) -> String {
        var text = raw.trimmingCharacters(in: .whitespaces)
        if !text.contains("://") { text = "http://" + text }
        guard var components = URLComponents(string: text) else { return raw }
        if components.port == nil { components.port = 11434 }
        if components.host == "0.0.0.0" { components.host = "127.0.0.1" }
        return components.string ?? raw
    }

    /// Values given as command-line flags; `flags` maps a key path to the flag's name and text.
    public static func flags(_ flags: [(path: String, flag: String, value: String)]) -> [ConfigurationLayer] {
        flags.compactMap { entry in
            guard let key = ConfigurationKey.named(entry.path) else { return nil }
            var layer = ConfigurationLayer(source: .flag(entry.flag))
            switch ConfigurationValueParser.parse(string: entry.value, as: key) {
            case .success(let value):
                layer.values[key.path] = value
            case .failure(let failure):
                layer.problems.append(
                    ConfigurationProblem(
                        .error, origin: entry.flag, key: key.path,
                        message: "\(entry.flag) must be \(failure.expected), found '\(entry.value)'",
                        fix: failure.fix ?? "for example: \(entry.flag) \(key.example)"))
            }
            return layer
        }
    }
}
