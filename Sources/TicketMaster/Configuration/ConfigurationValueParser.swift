import Foundation
import Yams

/// Why a value does not fit its key.
struct ConfigurationValueFailure: Error {
    /// What the key accepts, e.g. "an integer from 1 to 100".
    var expected: String
    /// A specific remedy, when there is a better one than an example.
    var fix: String?
    /// What was found, when the whole value does not say it (an entry of a list).
    var found: String?
}

/// Turns YAML nodes and environment or flag strings into `ConfigurationValue`s of a key's type.
enum ConfigurationValueParser {
    static func parse(node: Node, as key: ConfigurationKey) -> Result<ConfigurationValue, ConfigurationValueFailure> {
        switch (key.type, node) {
        case (.stringList, .sequence(let sequence)):
            var items: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else { return .failure(.init(expected: key.type.name)) }
                items.append(scalar.string)
            }
            return .success(.list(items))
        case (.issueTypes, .sequence(let sequence)):
            return parseIssueTypes(Array(sequence))
        case (.pipelineStages, .sequence(let sequence)):
            var entries: [[String: String]] = []
            for item in sequence {
                switch item {
                case .scalar(let scalar):
                    entries.append(["kind": scalar.string])
                case .mapping(let mapping):
                    var fields: [String: String] = [:]
                    for (name, value) in mapping {
                        guard let name = name.string, case .scalar(let scalar) = value else {
                            return .failure(.init(expected: key.type.name))
                        }
                        fields[name] = scalar.string
                    }
                    entries.append(fields)
                default:
                    return .failure(.init(expected: key.type.name))
                }
            }
            return stages(PipelineStage.parse(entries), key)
        case (.stringList, _), (.issueTypes, _), (.pipelineStages, _):
            return .failure(.init(expected: key.type.name))
        case (_, .scalar(let scalar)):
            if case .string = key.type, scalar.style == .plain, node.bool != nil || node.int != nil {
                // An unquoted number or boolean where text is expected is almost always a slip; say so.
                return .failure(.init(expected: key.type.name, fix: "quote it: \"\(scalar.string)\""))
            }
            return parse(string: scalar.string, as: key)
        default:
            return .failure(.init(expected: key.type.name))
        }
    }

    /// Parses a value given as text (environment variables, flags, YAML scalars).
    static func parse(
        string raw: String, as key: ConfigurationKey
    ) -> Result<ConfigurationValue, ConfigurationValueFailure> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let failure = ConfigurationValueFailure(expected: key.type.name)
        switch key.type {
        case .string:
            return .success(.string(raw))
        case .url:
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme),
                url.host?.isEmpty == false
            else { return .failure(failure) }
            return .success(.string(text))
        case .integer(let minimum, let maximum):
            guard let value = Int(text.replacingOccurrences(of: "_", with: "")), (minimum...maximum).contains(value)
            else { return .failure(failure) }
            return .success(.int(value))
        case .number(let minimum, let maximum):
            guard let value = Double(text), (minimum...maximum).contains(value) else { return .failure(failure) }
            return .success(.double(value))
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .success(.bool(true))
            case "false", "no", "off", "0": return .success(.bool(false))
            default: return .failure(failure)
            }
        case .choice(let choices):
            guard let match = choices.first(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) else {
                let suggestion = choices.closest(to: text).map { "did you mean \($0)?" }
                return .failure(.init(expected: key.type.name, fix: suggestion))
            }
            return .success(.string(match))
        case .stringList:
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .success(.list(items.filter { !$0.isEmpty }))
        case .issueTypes:
            // `documentation:high,testing` in the environment.
            var preferences: [IssueTypePreference] = []
            for item in text.split(separator: ",") {
                let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let type = IssueType(rawValue: parts[0].lowercased()) else { return .failure(failure) }
                let priority = parts.count > 1 ? Priority(rawValue: parts[1].lowercased()) : type.defaultPriority
                guard let priority else { return .failure(failure) }
                preferences.append(IssueTypePreference(type: type, priority: priority))
            }
            return .success(.issueTypes(preferences))
        case .pipelineStages:
            return stages(PipelineStage.parse(shortForm: text), key)
        case .dateOrAge:
            guard RelativeDate.parse(text, relativeTo: Date()) != nil else { return .failure(failure) }
            return .success(.string(text))
        }
    }

    private static func stages(
        _ result: Result<[PipelineStage], PipelineStage.Problem>, _ key: ConfigurationKey
    ) -> Result<ConfigurationValue, ConfigurationValueFailure> {
        switch result {
        case .success(let stages): .success(.stages(stages))
        case .failure(let problem): .failure(.init(expected: key.type.name, fix: problem.fix, found: problem.found))
        }
    }

    private static func parseIssueTypes(_ nodes: [Node]) -> Result<ConfigurationValue, ConfigurationValueFailure> {
        var preferences: [IssueTypePreference] = []
        let names = IssueType.allCases.map(\.rawValue)
        for node in nodes {
            let name: String?
            let priorityText: String?
            switch node {
            case .scalar(let scalar):
                name = scalar.string
                priorityText = nil
            case .mapping(let mapping):
                name = mapping["name"]?.string
                priorityText = mapping["priority"]?.string
            default:
                return .failure(.init(expected: "a list of {name, priority} entries"))
            }
            guard let name, let type = IssueType(rawValue: name.lowercased()) else {
                let suggestion = name.flatMap { names.closest(to: $0) }.map { "did you mean \($0)?" }
                return .failure(
                    .init(
                        expected: "a list of issue types (\(names.joined(separator: ", ")))",
                        fix: suggestion ?? "use one of \(names.joined(separator: ", "))",
                        found: name.map { "'\($0)'" } ?? "an entry without a name"))
            }
            guard let priority = priorityText.map({ Priority(rawValue: $0.lowercased()) }) ?? type.defaultPriority
            else {
                return .failure(
                    .init(expected: "entries whose priority is low, medium or high", found: "'\(priorityText ?? "")'"))
            }
            preferences.append(IssueTypePreference(type: type, priority: priority))
        }
        return .success(.issueTypes(preferences))
    }
}

/// Dates written as `2024-01-31` or as an age such as `90d`, `12w`, `6m`, `1y`.
public enum RelativeDate {
    /// The date `text` stands for, relative to `now`; nil when it is neither form.
    public static func parse(_ text: String, relativeTo now: Date) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let unit = text.last, let count = Int(text.dropLast()), count >= 0 {
            let days: Int
            switch unit {
            case "d": days = count
            case "w": days = count * 7
            case "m": days = count * 30
            case "y": days = count * 365
            default: return nil
            }
            return now.addingTimeInterval(-Double(days) * 86_400)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}

extension Array where Element == String {
    /// The element nearest to `text` by edit distance, if it is near enough to be a likely typo.
    func closest(to text: String) -> String? {
        let target = [Character](text.lowercased())
        let scored = map { ($0, editDistance([Character]($0.lowercased()), target)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        // A third of the length catches typos and swapped letters without proposing unrelated keys.
        let limit = Swift.max(2, target.count / 3)
        return best.1 <= limit ? best.0 : nil
    }
}

private func editDistance(_ lhs: [Character], _ rhs: [Character]) -> Int {
    if lhs.isEmpty { return rhs.count }
    if rhs.isEmpty { return lhs.count }
    var previous = Array(0...rhs.count)
    var current = Array(repeating: 0, count: rhs.count + 1)
    for i in 1...lhs.count {
        current[0] = i
        for j in 1...rhs.count {
            let substitution = previous[j - 1] + (lhs[i - 1] == rhs[j - 1] ? 0 : 1)
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[rhs.count]
}
