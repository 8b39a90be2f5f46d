/// One model stage of the suggestion pipeline, as `pipeline.stages` describes it.
///
/// The deterministic steps (analysis, planning, checks, the plain-writer fallback, de-duplication, saving) always
/// run; the stages decide which models write and judge the drafts, with which templates. There is exactly one
/// `draft` stage, preceded by at most one `discover` stage; every `review` stage after it must score a draft at or
/// above its threshold.
public struct PipelineStage: Codable, Sendable, Hashable {
    /// What a stage does.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Writes the issue's prose as structured output.
        case draft
        /// Scores a draft from 0 to 100 with reasons; below the threshold it is rewritten once with those reasons,
        /// then replaced by the plain writer.
        case review
        /// Reads the hottest code before planning and reports defects; only those whose every citation holds at
        /// the analysed commit become findings.
        case discover
    }

    /// The stage's name, shown in `pipeline show`, history and notes.
    public var name: String
    /// What it does.
    public var kind: Kind
    /// `provider` or `provider/model`; nil uses the run's model (`llm.provider`, `llm.model`).
    public var model: String?
    /// The template name: `<template>.system.mustache` and `<template>.user.mustache` in `prompts.directory`;
    /// nil uses the kind's template (`draft`, `review`).
    public var template: String?
    /// For a review: the lowest passing score; nil uses `issue_generation.review_threshold`.
    public var threshold: Int?

    /// Creates a stage.
    public init(name: String, kind: Kind, model: String? = nil, template: String? = nil, threshold: Int? = nil) {
        self.name = name
        self.kind = kind
        self.model = model
        self.template = template
        self.threshold = threshold
    }

    /// The template the stage renders.
    public var templateName: String { template ?? kind.rawValue }

    /// One draft stage and one review stage with the run's model: what runs when nothing is configured.
    public static let defaults = [
        PipelineStage(name: "draft", kind: .draft), PipelineStage(name: "review", kind: .review),
    ]

    /// The names of the fixed steps around the stages, which a stage may not take.
    static let reservedNames = ["analysis", "planning", "checks", "plain-writer", "deduplication", "history"]

    /// The providers a stage's model may name.
    static let providers = ["local", "ollama", "openai", "anthropic", "gemini"]

    /// The stage as one YAML flow mapping.
    var yaml: String {
        var fields = ["name: \(ConfigurationValue.string(name).yaml)", "kind: \(kind.rawValue)"]
        if let model { fields.append("model: \(ConfigurationValue.string(model).yaml)") }
        if let template { fields.append("template: \(ConfigurationValue.string(template).yaml)") }
        if let threshold { fields.append("threshold: \(threshold)") }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

extension PipelineStage {
    /// A problem with a `pipeline.stages` value: what is wrong, and the fix.
    struct Problem: Error {
        var found: String
        var fix: String
    }

    /// Reads the stages from YAML mappings (`fields`, one dictionary per entry, in order).
    static func parse(_ entries: [[String: String]]) -> Result<[PipelineStage], Problem> {
        var stages: [PipelineStage] = []
        for (index, fields) in entries.enumerated() {
            let place = "entry \(index + 1)"
            let known = ["name", "kind", "model", "template", "threshold"]
            if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
                let suggestion = known.closest(to: unknown).map { "did you mean \($0)?" }
                return .failure(
                    Problem(
                        found: "\(place) has '\(unknown)'", fix: suggestion ?? "use \(known.joined(separator: ", "))"))
            }
            let kindText = fields["kind"] ?? fields["name"] ?? ""
            guard let kind = Kind(rawValue: kindText.lowercased()) else {
                let kinds = Kind.allCases.map(\.rawValue)
                let suggestion = kinds.closest(to: kindText).map { "did you mean \($0)?" }
                return .failure(
                    Problem(
                        found: "\(place) has kind '\(kindText)'",
                        fix: suggestion ?? "give each stage a kind: \(kinds.joined(separator: " or "))"))
            }
            var threshold: Int?
            if let text = fields["threshold"] {
                guard let value = Int(text), (0...100).contains(value) else {
                    return .failure(
                        Problem(found: "\(place) has threshold '\(text)'", fix: "use a score from 0 to 100"))
                }
                threshold = value
            }
            if let model = fields["model"] {
                let provider = String(model.split(separator: "/", maxSplits: 1).first ?? "")
                guard providers.contains(provider) else {
                    let suggestion = providers.closest(to: provider).map { "did you mean \($0)?" }
                    return .failure(
                        Problem(
                            found: "\(place) has model '\(model)'",
                            fix: suggestion ?? "write provider or provider/model, e.g. ollama/llama3.2"))
                }
            }
            let stage = PipelineStage(
                name: fields["name"] ?? kind.rawValue, kind: kind, model: fields["model"], template: fields["template"],
                threshold: threshold)
            if reservedNames.contains(stage.name) {
                return .failure(
                    Problem(
                        found: "\(place) is named '\(stage.name)', like a fixed step",
                        fix: "name it something else, e.g. \(stage.name)-\(kind.rawValue)"))
            }
            if stages.contains(where: { $0.name == stage.name }) {
                return .failure(
                    Problem(found: "two stages are named '\(stage.name)'", fix: "give each stage its own name"))
            }
            stages.append(stage)
        }
        let drafting = stages.first?.kind == .discover ? stages.dropFirst() : stages[...]
        guard drafting.first?.kind == .draft, drafting.dropFirst().allSatisfy({ $0.kind == .review }) else {
            return .failure(
                Problem(
                    found: "\(stages.map(\.kind.rawValue))",
                    fix: "start with one draft stage (a discover stage may come before it) and follow it with review "
                        + "stages"))
        }
        return .success(stages)
    }

    /// Reads the short form used in the environment: `draft,review,review@openai/gpt-4o-mini`.
    static func parse(shortForm text: String) -> Result<[PipelineStage], Problem> {
        var entries: [[String: String]] = []
        var counts: [String: Int] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "@", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let kind = parts[0]
            counts[kind, default: 0] += 1
            var fields = ["kind": kind, "name": counts[kind] == 1 ? kind : "\(kind)-\(counts[kind] ?? 0)"]
            if parts.count > 1 { fields["model"] = parts[1] }
            entries.append(fields)
        }
        return parse(entries)
    }
}
