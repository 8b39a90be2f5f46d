import Foundation

/// The suggestion pipeline a configuration runs, step by step, for `ticket-master pipeline show`: the fixed steps
/// (analysis, planning, checks, the plain-writer fallback, de-duplication, history) around the configured model
/// stages.
public struct PipelineDescription: Codable, Sendable, Hashable {
    /// One step.
    public struct Step: Codable, Sendable, Hashable {
        /// A short identifier: `analysis`, `planning`, a stage's name, `checks`, `plain-writer`, …
        public var name: String
        /// `fixed` for the built-in steps, else the stage's kind (`draft`, `review`).
        public var kind: String
        /// The model a stage calls, as configured.
        public var model: String?
        /// The template a stage renders, and where it comes from.
        public var template: String?
        /// What the step does, with the settings that shape it.
        public var detail: String
    }

    /// The steps, in the order a draft meets them.
    public var steps: [Step]

    /// Describes the pipeline `configuration` runs. Nothing is contacted: `auto` is shown as configured.
    public init(configuration: Configuration) {
        let generation = configuration.issueGeneration
        let models = configuration.models
        let runModel =
            models.provider == "auto"
            ? "auto (chosen when a run starts; see `ticket-master models list`)"
            : models.provider == "none"
                ? "none (llm.provider; the plain writer writes every draft)"
                : models.provider + (models.model.map { "/\($0)" } ?? "")
        var steps = [
            Step(
                name: "analysis", kind: "fixed", detail: "history and working tree of the repository → findings")
        ]
        let planning = Step(
            name: "planning", kind: "fixed",
            detail: "merge findings with one cause and rank them; at most \(generation.maxIssues) issue(s), "
                + "\(generation.maxPerKind) of one kind of finding, of the types "
                + generation.types.map(\.type.rawValue).joined(separator: ", "))
        // The discover stage, first when there is one, runs before planning: what it finds is ranked with
        // analysis's findings.
        let stages = configuration.pipeline.stages
        if !stages.contains(where: { $0.kind == .discover }) { steps.append(planning) }
        for stage in stages {
            var detail: String
            switch stage.kind {
            case .draft:
                detail = "writes title, context, proposed change and acceptance criteria as JSON"
            case .review:
                detail =
                    "scores the draft 0–100; below \(stage.threshold ?? generation.reviewThreshold) it is rewritten "
                    + "once with the reasons"
            case .discover:
                detail =
                    "reads up to \(configuration.pipeline.discoveryPassages) passage(s) of the hottest code for "
                    + "defects; a defect becomes a finding only when every cited line, quoted code and symbol is found "
                    + "at the analysed commit, the rest are dropped and counted"
            }
            if stage.kind == .draft { detail += "; the evidence, links and labels come from the analysis" }
            steps.append(
                Step(
                    name: stage.name, kind: stage.kind.rawValue, model: stage.model ?? runModel,
                    template: Self.templateSource(stage.templateName, directory: models.promptsDirectory),
                    detail: detail))
            if stage.kind == .discover { steps.append(planning) }
            if stage.kind == .draft {
                steps.append(
                    Step(
                        name: "checks", kind: "fixed",
                        detail: "cited paths and lines exist at the analysed commit, and quoted code is on those "
                            + "lines; a specific title under 80 "
                            + "characters; no placeholders or credentials; at least \(generation.minDescriptionLength) "
                            + "characters; a failing draft is rewritten once"))
            }
        }
        steps += [
            Step(
                name: "plain-writer", kind: "fixed",
                detail: "replaces a draft that still fails, or any draft when no model is available or it fails"),
            Step(
                name: "deduplication", kind: "fixed",
                detail: "against the tracker's open and recently closed issues, earlier runs and the batch: the same "
                    + "evidence fingerprint, a similar title or text, or close embeddings when the model offers them"),
            Step(name: "history", kind: "fixed", detail: "every draft is saved before it is shown or filed"),
        ]
        self.steps = steps
    }

    /// `name (built-in)` or `name (path of the override)`.
    static func templateSource(_ name: String, directory: String?) -> String {
        if let directory {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("\(name).system.mustache").path
            if FileManager.default.fileExists(atPath: path) { return "\(name) (\(directory))" }
        }
        return BuiltInPrompts.templates["\(name).system"] == nil ? "\(name) (missing)" : "\(name) (built-in)"
    }

    /// One numbered line per step, with the model and template of each stage.
    public var text: String {
        let width = steps.map(\.name.count).max() ?? 0
        var out = ""
        for (index, step) in steps.enumerated() {
            out += "\(index + 1). " + step.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            out += step.detail + "\n"
            let indent = String(repeating: " ", count: String(index + 1).count + 2 + width + 2)
            if let model = step.model { out += indent + "model: \(model)\n" }
            if let template = step.template { out += indent + "template: \(template)\n" }
        }
        return out
    }

    /// A Mermaid flowchart of the steps, with the rewrite and fallback edges.
    public var mermaid: String {
        var lines = ["flowchart TD"]
        for step in steps {
            var label = step.name
            if let model = step.model { label += "<br/>" + (model.hasPrefix("auto ") ? "auto" : model) }
            let text = Self.escaped(label)
            let id = Self.identifier(step)
            switch step.name {
            case "checks" where step.kind == "fixed": lines.append("    \(id){\"\(text)\"}")
            case "history" where step.kind == "fixed": lines.append("    \(id)[(\"\(text)\")]")
            default: lines.append("    \(id)[\"\(text)\"]")
            }
        }
        let draft = steps.first { $0.kind == "draft" }.map(Self.identifier) ?? "draft"
        if let discover = steps.first(where: { $0.kind == "discover" }).map(Self.identifier) {
            lines.append("    analysis --> \(discover) --> planning --> \(draft) --> checks")
        } else {
            lines.append("    analysis --> planning --> \(draft) --> checks")
        }
        lines.append("    checks -- \"fail: rewrite once\" --> \(draft)")
        lines.append("    checks -- \"fail again\" --> plain_writer")
        var previous = "checks"
        for review in steps where review.kind == "review" {
            let id = Self.identifier(review)
            lines.append("    \(previous) -- pass --> \(id)")
            lines.append("    \(id) -- \"low: rewrite once\" --> \(draft)")
            lines.append("    \(id) -- \"low again\" --> plain_writer")
            previous = id
        }
        lines.append("    \(previous) -- pass --> deduplication")
        lines.append("    plain_writer --> deduplication --> history")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Mermaid node id: the fixed steps by name, the configured stages prefixed so that no stage name can clash
    /// with a fixed step or a Mermaid keyword such as `end`.
    static func identifier(_ step: Step) -> String {
        let name = String(step.name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return step.kind == "fixed" ? name : "stage_" + name
    }

    /// Text safe inside a quoted Mermaid label.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "#quot;")
    }
}
