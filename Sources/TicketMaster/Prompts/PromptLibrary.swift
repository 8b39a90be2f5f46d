import Foundation
import Mustache

/// One rendered prompt: the system and user messages, and the template version they came from.
public struct RenderedPrompt: Sendable, Hashable {
    /// Instructions, identical across the issues of a run.
    public var system: String
    /// The request, with the repository data.
    public var user: String
    /// `builtin-<version>` or the override file's name, recorded with each model call.
    public var version: String
}

/// The prompt templates of a run: the built-in ones, replaced by any override found in `prompts.directory`, with
/// provider-specific variants preferred.
public struct PromptLibrary: Sendable {
    private var templates: [String: (template: MustacheTemplate, version: String)] = [:]

    /// Loads the templates for `provider`: the built-in ones, the overrides in `directory`, and the `required`
    /// templates a pipeline stage names (`critique` needs `critique.system.mustache` and `critique.user.mustache`).
    /// A malformed override, or a required template that is neither built in nor in `directory`, is a
    /// configuration error naming the files.
    public init(overrides directory: String?, provider: String, required: [String] = []) throws {
        for (name, text) in BuiltInPrompts.templates {
            templates[name] = (try Self.compile(text, origin: "built-in \(name)"), "builtin-\(BuiltInPrompts.version)")
        }
        let builtIn = Set(BuiltInPrompts.templates.keys)
        let wanted = builtIn.union(required.flatMap { ["\($0).system", "\($0).user"] })
        if let directory {
            for name in wanted.sorted() {
                for candidate in ["\(name).\(provider).mustache", "\(name).mustache"] {
                    let path = URL(fileURLWithPath: directory).appendingPathComponent(candidate).path
                    guard let data = FileManager.default.contents(atPath: path) else { continue }
                    let text = String(decoding: data, as: UTF8.self)
                    templates[name] = (try Self.compile(text, origin: path), candidate)
                    break
                }
            }
        }
        let missing = wanted.subtracting(templates.keys).sorted()
        guard missing.isEmpty else {
            let files = missing.map { "\($0).mustache" }.joined(separator: " and ")
            let place = directory.map { "prompts.directory (\($0))" } ?? "prompts.directory, which is not set"
            throw TicketMasterError(
                .configuration, "a pipeline stage uses a template that does not exist: put \(files) in \(place)")
        }
    }

    /// Renders `template` (`draft`, `review`, or a stage's own) with `context`.
    public func render(_ template: String, _ context: [String: Any]) -> RenderedPrompt {
        let system = templates["\(template).system"]
        let user = templates["\(template).user"]
        return RenderedPrompt(
            system: Self.tidy(system?.template.render(context) ?? ""),
            user: Self.tidy(user?.template.render(context) ?? ""),
            version: [system?.version, user?.version].compactMap { $0 }.uniqued().joined(separator: "+"))
    }

    private static func compile(_ text: String, origin: String) throws -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: text)
        } catch {
            throw TicketMasterError(.configuration, "\(origin) is not a valid Mustache template: \(error)")
        }
    }

    /// Trims the blank lines that section tags leave behind.
    private static func tidy(_ text: String) -> String {
        text.replacingOccurrences(of: #"\n{3,}"#, with: "\n\n", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
