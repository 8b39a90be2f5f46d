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

    /// Loads the templates for `provider`; a malformed override is a configuration error naming the file.
    public init(overrides directory: String?, provider: String) throws {
        for (name, text) in BuiltInPrompts.templates {
            templates[name] = (try Self.compile(text, origin: "built-in \(name)"), "builtin-\(BuiltInPrompts.version)")
        }
        guard let directory else { return }
        for name in BuiltInPrompts.templates.keys {
            for candidate in ["\(name).\(provider).mustache", "\(name).mustache"] {
                let path = URL(fileURLWithPath: directory).appendingPathComponent(candidate).path
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                templates[name] = (try Self.compile(text, origin: path), candidate)
                break
            }
        }
    }

    /// Renders the `stage` templates (`draft` or `review`) with `context`.
    public func render(_ stage: String, _ context: [String: Any]) -> RenderedPrompt {
        let system = templates["\(stage).system"]
        let user = templates["\(stage).user"]
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
