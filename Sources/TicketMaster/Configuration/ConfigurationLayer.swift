import Foundation
import Yams

/// Where a configuration value came from, weakest first.
public enum ConfigurationSource: Sendable, Hashable, CustomStringConvertible {
    case defaults
    case userFile(String)
    case projectFile(String)
    case explicitFile(String)
    case environment(String)
    case flag(String)

    public var description: String {
        switch self {
        case .defaults: "default"
        case .userFile(let path): "user file \(path)"
        case .projectFile(let path): "project file \(path)"
        case .explicitFile(let path): "--config \(path)"
        case .environment(let name): "environment \(name)"
        case .flag(let name): "flag \(name)"
        }
    }
}

/// The values one source sets, with the problems found while reading it.
public struct ConfigurationLayer: Sendable {
    /// Where the values come from.
    public var source: ConfigurationSource
    /// The values set, by key path.
    public var values: [String: ConfigurationValue]
    /// What was wrong or worth knowing.
    public var problems: [ConfigurationProblem]

    /// Creates a layer.
    public init(
        source: ConfigurationSource, values: [String: ConfigurationValue] = [:], problems: [ConfigurationProblem] = []
    ) {
        self.source = source
        self.values = values
        self.problems = problems
    }
}

// MARK: - Files

extension ConfigurationLayer {
    /// Reads a YAML configuration file. A file that cannot be read or parsed gives a layer with one error.
    public static func file(at path: String, source: ConfigurationSource) -> ConfigurationLayer {
        guard let data = FileManager.default.contents(atPath: path) else {
            let problem = ConfigurationProblem(
                .error, origin: path, message: "cannot read the configuration file",
                fix: "check the path, or run `ticket-master config init` to write one")
            return ConfigurationLayer(source: source, problems: [problem])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let problem = ConfigurationProblem(
                .error, origin: path, message: "the configuration file is not UTF-8 text", fix: "save it as UTF-8")
            return ConfigurationLayer(source: source, problems: [problem])
        }
        return yaml(text, origin: path, source: source)
    }

    /// Reads configuration from YAML text; `origin` names it in problems.
    public static func yaml(_ text: String, origin: String, source: ConfigurationSource) -> ConfigurationLayer {
        var reader = YAMLLayerReader(origin: origin)
        do {
            if let root = try Yams.compose(yaml: text) {
                reader.read(root)
            }
        } catch let error as YamlError {
            reader.problems.append(Self.problem(from: error, origin: origin))
        } catch {
            reader.problems.append(ConfigurationProblem(.error, origin: origin, message: "\(error)"))
        }
        return ConfigurationLayer(source: source, values: reader.values, problems: reader.problems)
    }

    private static func problem(from error: YamlError, origin: String) -> ConfigurationProblem {
        let fix = "fix the YAML syntax (indent with spaces, quote values that contain ': ' or '#')"
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigurationProblem(
                .error, origin: origin, line: mark.line, message: "malformed YAML: \(problem)", fix: fix)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationProblem(
                .error, origin: origin, line: context.mark.line,
                message: "duplicated keys: \(duplicates.joined(separator: ", "))", fix: "keep one of each key")
        default:
            return ConfigurationProblem(.error, origin: origin, message: "malformed YAML", fix: fix)
        }
    }
}

/// Walks a YAML document against the key table, collecting values and problems.
private struct YAMLLayerReader {
    let origin: String
    var values: [String: ConfigurationValue] = [:]
    var problems: [ConfigurationProblem] = []

    init(origin: String) {
        self.origin = origin
    }

    mutating func read(_ root: Node) {
        if case .scalar(let scalar) = root, scalar.string.isEmpty || root.null != nil {
            return
        }
        readMapping(root, prefix: "")
    }

    private mutating func readMapping(_ node: Node, prefix: String) {
        guard case .mapping(let mapping) = node else {
            let what = prefix.isEmpty ? "the file" : prefix
            problem(at: node, key: prefix.isEmpty ? nil : prefix, "\(what) must be a mapping of keys to values")
            return
        }
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.string else { continue }
            readEntry(prefix.isEmpty ? name : "\(prefix).\(name)", keyNode: keyNode, valueNode: valueNode)
        }
    }

    private mutating func readEntry(_ path: String, keyNode: Node, valueNode: Node) {
        if let key = ConfigurationKey.named(path) {
            read(valueNode, as: key, writtenAs: path)
        } else if let newPath = ConfigurationKey.renamed[path], let key = ConfigurationKey.named(newPath) {
            problems.append(
                ConfigurationProblem(
                    .warning, origin: origin, line: keyNode.mark?.line, key: path,
                    message: "\(path) is read as \(newPath)", fix: "rename it to \(newPath)"))
            read(valueNode, as: key, writtenAs: path)
        } else if let replacement = ConfigurationKey.unsupported[path] {
            problems.append(
                ConfigurationProblem(
                    .warning, origin: origin, line: keyNode.mark?.line, key: path,
                    message: "\(path) is not supported", fix: replacement))
        } else if Self.isSection(path) {
            if valueNode.null != nil { return }
            readMapping(valueNode, prefix: path)
        } else {
            let suggestion = Self.closestKey(to: path).map { "did you mean \($0)?" }
            problems.append(
                ConfigurationProblem(
                    .error, origin: origin, line: keyNode.mark?.line, key: path,
                    message: "unknown key \(path)",
                    fix: suggestion ?? "remove it; `ticket-master config init` lists every key"))
        }
    }

    private mutating func read(_ node: Node, as key: ConfigurationKey, writtenAs path: String) {
        if node.null != nil, case .scalar = node { return }
        switch ConfigurationValueParser.parse(node: node, as: key) {
        case .success(let value):
            values[key.path] = value
        case .failure(let failure):
            problems.append(
                ConfigurationProblem(
                    .error, origin: origin, line: node.mark?.line, key: path,
                    message: "\(path) must be \(failure.expected), found \(failure.found ?? Self.describe(node))",
                    fix: failure.fix ?? "for example: \(key.path.split(separator: ".").last ?? ""): \(key.example)"))
        }
    }

    private mutating func problem(at node: Node, key: String?, _ message: String) {
        problems.append(ConfigurationProblem(.error, origin: origin, line: node.mark?.line, key: key, message: message))
    }

    /// A path that is a prefix of known, renamed or unsupported keys.
    static func isSection(_ path: String) -> Bool {
        let prefix = path + "."
        return ConfigurationKey.all.contains { $0.path.hasPrefix(prefix) }
            || ConfigurationKey.renamed.keys.contains { $0.hasPrefix(prefix) }
            || ConfigurationKey.unsupported.keys.contains { $0.hasPrefix(prefix) }
    }

    static func closestKey(to path: String) -> String? {
        ConfigurationKey.all.map(\.path).closest(to: path)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

extension ConfigurationKey {
    /// A valid value, for error messages.
    var example: String {
        switch type {
        case .string: path.hasSuffix("model") ? "llama3.2" : "\"text\""
        case .url: "https://example.com"
        case .integer(let minimum, _): String(Swift.max(minimum, defaultValue.intValue ?? minimum))
        case .number(let minimum, _): String(Swift.max(minimum, 0.2))
        case .boolean: "true"
        case .choice(let values): values.first ?? ""
        case .stringList: "[\"first\", \"second\"]"
        case .issueTypes: "[{name: documentation, priority: high}]"
        case .pipelineStages: "[{name: draft, kind: draft}, {name: review, kind: review}]"
        case .dateOrAge: "90d"
        }
    }
}

extension ConfigurationValue {
    var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }
}
