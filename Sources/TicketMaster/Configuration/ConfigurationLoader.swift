import Foundation

/// Finds the configuration layers for a run and merges them: defaults < user file < project file or `--config`
/// < environment < flags.
public struct ConfigurationLoader: Sendable {
    /// The name of the project configuration file, found by walking up from the repository.
    public static let projectFileName = ".ticket-master.yaml"

    /// The process environment (injected so tests control it).
    public var environment: [String: String]

    /// Creates a loader reading the given environment.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The user configuration file: `$XDG_CONFIG_HOME/ticket-master/config.yaml`, or `~/.config/...`.
    public var userFile: String {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/ticket-master/config.yaml"
    }

    /// The nearest `.ticket-master.yaml` in `directory` or one of its parents.
    public func projectFile(searchingFrom directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = url.appendingPathComponent(Self.projectFileName).path
            if FileManager.default.isReadableFile(atPath: candidate) { return candidate }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }

    /// Reads every layer and merges them.
    ///
    /// - Parameters:
    ///   - explicitFile: the `--config` file; when given, no project file is searched for.
    ///   - searchDirectory: where to start looking for a project file (the repository, else the working directory).
    ///   - flags: values given on the command line.
    public func load(
        explicitFile: String? = nil,
        searchDirectory: String? = nil,
        flags: [(path: String, flag: String, value: String)] = []
    ) -> ResolvedConfiguration {
        var layers = [ConfigurationLayer.defaults]
        if FileManager.default.fileExists(atPath: userFile) {
            layers.append(.file(at: userFile, source: .userFile(userFile)))
        }
        if let explicitFile {
            layers.append(.file(at: explicitFile, source: .explicitFile(explicitFile)))
        } else if let found = projectFile(searchingFrom: searchDirectory ?? FileManager.default.currentDirectoryPath) {
            layers.append(.file(at: found, source: .projectFile(found)))
        }
        layers += ConfigurationLayer.environment(environment)
        layers += ConfigurationLayer.flags(flags)
        return ResolvedConfiguration(layers: layers)
    }
}

extension ConfigurationLayer {
    /// Every key's default value.
    public static var defaults: ConfigurationLayer {
        var values: [String: ConfigurationValue] = [:]
        for key in ConfigurationKey.all { values[key.path] = key.defaultValue }
        return ConfigurationLayer(source: .defaults, values: values)
    }
}

/// The merged configuration of a run: each key's value and where it came from, and every problem found.
public struct ResolvedConfiguration: Sendable {
    /// A key's effective value and its source.
    public struct Entry: Sendable, Hashable {
        /// The value.
        public var value: ConfigurationValue
        /// The layer that set it.
        public var source: ConfigurationSource
    }

    /// The layers, weakest first.
    public let layers: [ConfigurationLayer]
    /// The effective value of every key.
    public let entries: [String: Entry]

    /// Merges layers, later ones winning.
    public init(layers: [ConfigurationLayer]) {
        self.layers = layers
        var entries: [String: Entry] = [:]
        for layer in layers {
            for (path, value) in layer.values {
                entries[path] = Entry(value: value, source: layer.source)
            }
        }
        self.entries = entries
    }

    /// Every problem, in layer order.
    public var problems: [ConfigurationProblem] { layers.flatMap(\.problems) }

    /// Whether any problem stops a run.
    public var hasErrors: Bool { problems.contains { $0.severity == .error } }

    /// The secret values in effect, so logs and output can redact them.
    public var secrets: [String] {
        ConfigurationKey.all.filter(\.isSecret).compactMap { key in
            if case .string(let value) = entries[key.path]?.value, !value.isEmpty { return value }
            return nil
        }
    }

    /// The typed configuration; throws when any layer has an error.
    public func configuration(now: Date = Date()) throws(ConfigurationError) -> Configuration {
        guard !hasErrors else { throw ConfigurationError(problems: problems) }
        return Configuration(values: entries.mapValues(\.value), now: now)
    }
}
