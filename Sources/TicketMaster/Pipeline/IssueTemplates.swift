import Foundation
import Yams

/// An issue template or issue form the repository defines: `.github/ISSUE_TEMPLATE/*.md` (Markdown with front
/// matter), `.github/ISSUE_TEMPLATE/*.yml` (GitHub's issue forms), `.gitlab/issue_templates/*.md` and Gitea's
/// `.gitea/ISSUE_TEMPLATE/`. Maintainers close issues that ignore their forms, so drafts are written into them.
public struct IssueTemplate: Sendable, Hashable {
    /// One input of an issue form.
    public struct Field: Sendable, Hashable {
        /// What the reporter enters: text (`textarea`, `input`), one of a dropdown's options, or ticks.
        public enum Kind: String, Sendable, Hashable {
            case text, dropdown, checkboxes
        }

        /// What the reporter enters.
        public var kind: Kind
        /// The label shown above the input, which GitHub writes as the field's heading in the issue.
        public var label: String
        /// Whether GitHub refuses the form without it (`validations.required`, or a required checkbox).
        public var required: Bool
        /// A dropdown's options, or the checkboxes' labels.
        public var options: [String]
    }

    /// What the template asks for: a Markdown body with headings, or a form's fields.
    public enum Body: Sendable, Hashable {
        case markdown(String)
        case form([Field])
    }

    /// The path in the repository.
    public var path: String
    /// The name it gives itself (`Bug report`), or its file's name.
    public var name: String
    /// What it says it is for.
    public var about: String
    /// The title prefix it sets (`[Bug]: `).
    public var title: String
    /// The labels it applies.
    public var labels: [String]
    /// Whether its folder's chooser lets people open an issue without a template (`blank_issues_enabled` in
    /// `config.yml`, true unless it says false): when it does not, every issue must take one of the templates.
    public var blankIssuesAllowed = true
    /// Its headings or fields.
    public var body: Body
}

extension IssueTemplate {
    /// The folders templates live in, and the single-file templates of older repositories.
    static let folders = [
        ".github/ISSUE_TEMPLATE", ".gitlab/issue_templates", ".gitea/ISSUE_TEMPLATE", ".gitea/issue_template",
    ]
    static let singleFiles = [".github/ISSUE_TEMPLATE.md", ".github/issue_template.md", ".gitea/issue_template.md"]

    /// The templates of the checkout at `root`, by path. A file that cannot be read or parsed is skipped: a broken
    /// template is the repository's problem, not a reason to stop the run.
    public static func load(from root: URL) -> [IssueTemplate] {
        let files = FileManager.default
        var paths: [String] = []
        for folder in folders {
            let names = (try? files.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            paths += names.sorted().map { "\(folder)/\($0)" }
        }
        paths += singleFiles.filter { files.fileExists(atPath: root.appendingPathComponent($0).path) }
        // `config.yml` configures the chooser; it is no template.
        var blankDisallowed = Set<String>()
        for path in paths where ["config.yml", "config.yaml"].contains(fileName(path).lowercased()) {
            guard let data = files.contents(atPath: root.appendingPathComponent(path).path),
                let text = String(data: data, encoding: .utf8),
                let config = (try? Yams.load(yaml: text)) as? [String: Any],
                config["blank_issues_enabled"] as? Bool == false
            else { continue }
            blankDisallowed.insert(String(path.dropLast(fileName(path).count + 1)))
        }
        return paths.compactMap { path in
            let name = fileName(path)
            guard !["config.yml", "config.yaml"].contains(name.lowercased()),
                let data = files.contents(atPath: root.appendingPathComponent(path).path), data.count < 256_000,
                let text = String(data: data, encoding: .utf8),
                var template = parse(text, path: path)
            else { return nil }
            template.blankIssuesAllowed = !blankDisallowed.contains(String(path.dropLast(name.count + 1)))
            return template
        }
    }

    private static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The template in `text`, by the extension of `path`; nil when it is neither Markdown nor a form.
    static func parse(_ text: String, path: String) -> IssueTemplate? {
        let lower = path.lowercased()
        let stem = String(path.split(separator: "/").last?.split(separator: ".").first ?? "")
        if lower.hasSuffix(".md") {
            var body = text
            var meta: [String: Any] = [:]
            // Front matter between `---` lines: name, about, title, labels.
            let lines = text.components(separatedBy: "\n")
            if lines.first?.trimmingCharacters(in: .whitespaces) == "---",
                let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
            {
                let head = lines[1..<end].joined(separator: "\n")
                meta = ((try? Yams.load(yaml: head)) as? [String: Any]) ?? [:]
                body = lines[(end + 1)...].joined(separator: "\n")
            }
            return IssueTemplate(
                path: path, name: string(meta["name"]) ?? stem, about: string(meta["about"]) ?? "",
                title: string(meta["title"]) ?? "", labels: list(meta["labels"]), body: .markdown(body))
        }
        guard lower.hasSuffix(".yml") || lower.hasSuffix(".yaml"),
            let form = (try? Yams.load(yaml: text)) as? [String: Any], let items = form["body"] as? [[String: Any]]
        else { return nil }
        let fields = items.compactMap { item -> Field? in
            let attributes = item["attributes"] as? [String: Any] ?? [:]
            let validations = item["validations"] as? [String: Any] ?? [:]
            let label = string(attributes["label"]) ?? ""
            let required = validations["required"] as? Bool ?? false
            switch string(item["type"]) {
            case "textarea", "input":
                return Field(kind: .text, label: label, required: required, options: [])
            case "dropdown":
                return Field(kind: .dropdown, label: label, required: required, options: list(attributes["options"]))
            case "checkboxes":
                let options = attributes["options"] as? [[String: Any]] ?? []
                return Field(
                    kind: .checkboxes, label: label,
                    required: options.contains { $0["required"] as? Bool == true },
                    options: options.compactMap { string($0["label"]) })
            default:
                return nil
            }
        }
        return IssueTemplate(
            path: path, name: string(form["name"]) ?? stem, about: string(form["description"]) ?? "",
            title: string(form["title"]) ?? "", labels: list(form["labels"]), body: .form(fields))
    }

    private static func string(_ value: Any?) -> String? {
        (value as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A list written as YAML (`[bug, triage]`) or as one comma-separated string (`"bug, triage"`).
    private static func list(_ value: Any?) -> [String] {
        if let values = value as? [Any] { return values.compactMap { string($0) }.filter { !$0.isEmpty } }
        return (string(value) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}

/// Chooses the template that fits a draft and writes the draft into it.
public struct IssueTemplates: Sendable {
    /// The repository's templates.
    public var templates: [IssueTemplate]
    /// `auto` chooses by labels and name, `none` never uses one, anything else names the one file to use.
    public var choice: String

    /// Chooses among `templates` as `choice` (`issue_generation.issue_template`) says.
    public init(_ templates: [IssueTemplate], choice: String = "auto") {
        self.templates = templates
        self.choice = choice
    }

    /// Words of a template's name or file that say which drafts it is for.
    private static let purposes: [(words: [String], labels: [String])] = [
        (["bug", "defect", "problem", "crash", "broken"], ["bug"]),
        (
            ["improvement", "task", "chore", "maintenance", "refactor", "tech debt", "cleanup", "clean-up"],
            ["enhancement", "testing", "refactoring", "maintenance", "documentation"]
        ),
        (["doc", "documentation"], ["documentation"]),
    ]

    /// Words of a feature request's name or file. A generated issue is never a new feature: such a template
    /// fits other work only where every issue must take a template.
    private static let featureWords = ["feature", "enhancement", "request", "proposal", "idea"]

    /// Templates for what a generated issue never is: a question, a security report, support.
    private static let unfit = ["question", "support", "security", "vulnerability", "help", "discussion"]

    /// Templates that take anything.
    private static let generic = ["other", "blank", "custom", "general", "issue", "default"]

    /// The template for `draft`, or nil when none fits (the draft keeps its own sections).
    public func template(for draft: IssueDraft) -> IssueTemplate? {
        choose(for: draft).template
    }

    /// The template for `draft`, and why the better-named templates passed over did not fit.
    public func choose(for draft: IssueDraft) -> (template: IssueTemplate?, passedOver: [String]) {
        switch choice.lowercased() {
        case "none": return (nil, [])
        case "auto": break
        default:
            // A template the configuration names is used as it is: what it asks that the analysis cannot fill is
            // reported when it is applied.
            let named = templates.first {
                $0.path == choice || $0.path.hasSuffix("/" + choice) || $0.name.lowercased() == choice.lowercased()
            }
            return (named, [])
        }
        let labels = Set(draft.labels.map { $0.lowercased() } + [draft.type.rawValue])
        var ranked: [(IssueTemplate, Int)] = []
        for template in templates {
            // Its name and file name: every template's folder is called ISSUE_TEMPLATE.
            let file = template.path.split(separator: "/").last.map(String.init) ?? template.path
            let words = (template.name + " " + file).lowercased()
            if Self.unfit.contains(where: { words.contains($0) }) { continue }
            var score = template.labels.filter { labels.contains($0.lowercased()) }.count * 3
            for purpose in Self.purposes
            where purpose.words.contains(where: { words.contains($0) })
                && purpose.labels.contains(where: { labels.contains($0) })
            {
                score += 2
            }
            if !template.blankIssuesAllowed, !labels.contains("bug"),
                Self.featureWords.contains(where: { words.contains($0) })
            {
                score += 2
            }
            if score == 0, Self.generic.contains(where: { words.contains($0) }) { score = 1 }
            if score > 0 { ranked.append((template, score)) }
        }
        // A form whose required fields the analysis cannot fill (a version, a "how did you install" choice, a
        // checkbox the reporter vouches for) would be filed with blanks its maintainers asked never to see: the
        // next fitting template is used, or none, and the draft keeps its own sections.
        var passedOver: [String] = []
        for template in ranked.enumerated().sorted(by: { ($0.element.1, -$0.offset) > ($1.element.1, -$1.offset) })
            .map(\.element.0)
        {
            let problems = Self.apply(template, to: draft).1
            if problems.isEmpty { return (template, passedOver) }
            passedOver.append("issue template \(template.path) not used: " + problems.joined(separator: ", "))
        }
        return (nil, passedOver)
    }

    /// `draft` written into `template`, and the problems of doing so: a form's required field the analysis cannot
    /// fill is reported, never invented.
    public static func apply(_ template: IssueTemplate, to draft: IssueDraft) -> (IssueDraft, [String]) {
        let sections = Sections(draft.body)
        var used = Set<String>()
        var problems: [String] = []
        var out: [String] = []
        switch template.body {
        case .markdown(let text):
            var headings = TemplateText.headings(in: text)
            if headings.isEmpty { headings = [("## Description", [])] }
            for (heading, lines) in headings {
                let label = heading.trimmingCharacters(in: CharacterSet(charactersIn: "#*: "))
                out.append(heading)
                if let key = Sections.key(for: label, available: sections, used: used) {
                    used.insert(key)
                    out.append(sections.text(key))
                } else if let version = sections.version(for: label) {
                    out.append(version)
                } else {
                    // A checklist the reporter is asked to tick stays, unticked: the analysis cannot vouch for it.
                    let kept = lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- [ ]") }
                    out.append(kept.isEmpty ? Sections.notKnown : kept.joined(separator: "\n"))
                }
            }
        case .form(let fields):
            for field in fields {
                out.append("### \(field.label)")
                switch field.kind {
                case .text:
                    if let key = Sections.key(for: field.label, available: sections, used: used) {
                        used.insert(key)
                        out.append(sections.text(key))
                    } else if let version = sections.version(for: field.label) {
                        out.append(version)
                    } else {
                        if field.required { problems.append("required field '\(field.label)' cannot be filled") }
                        out.append("_No response_")
                    }
                case .dropdown:
                    if field.required { problems.append("required choice '\(field.label)' cannot be made") }
                    out.append("_No response_")
                case .checkboxes:
                    if field.required { problems.append("required checkboxes '\(field.label)' cannot be ticked") }
                    out.append(field.options.map { "- [ ] \($0)" }.joined(separator: "\n"))
                }
            }
        }
        // What no heading of the template took is not lost: it follows under its own heading.
        for key in sections.order where !used.contains(key) {
            out.append("## \(key)")
            out.append(sections.text(key))
        }
        var result = draft
        result.body = (out + (sections.footer.isEmpty ? [] : [sections.footer])).joined(separator: "\n\n") + "\n"
        if !template.title.isEmpty, !draft.title.hasPrefix(template.title) {
            result.title =
                template.title.hasSuffix(" ") ? template.title + draft.title : template.title + " " + draft.title
        }
        result.labels =
            (draft.labels
                + template.labels.filter { label in
                    !draft.labels.contains { $0.caseInsensitiveCompare(label) == .orderedSame }
                })
        return (result, problems)
    }
}

/// The `## ` sections of a draft's body, and the footer after them.
struct Sections {
    var order: [String] = []
    var bodies: [String: String] = [:]
    var footer = ""

    static let notKnown = "_Not known: this issue comes from reading the repository, not from running it._"

    init(_ body: String) {
        var current: String?
        var lines: [String] = []
        func close() {
            guard let current else { return }
            var text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            // The provenance line (`<sub>Found by …</sub>`) closes the body, whichever section it follows.
            if let range = text.range(of: "\n<sub>") ?? (text.hasPrefix("<sub>") ? text.range(of: "<sub>") : nil) {
                footer = String(text[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
                text = String(text[..<range.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            order.append(current)
            bodies[current] = text
        }
        for line in body.components(separatedBy: "\n") {
            if line.hasPrefix("## ") {
                close()
                current = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                lines = []
            } else {
                lines.append(line)
            }
        }
        close()
    }

    func text(_ key: String) -> String { bodies[key] ?? "" }

    /// For a heading or field that asks which version or environment (`Version`, `Environment`, `Commit`): the
    /// analysed commit the provenance line names, which is what the issue was found in.
    func version(for label: String) -> String? {
        let lower = label.lowercased()
        guard ["version", "environment", "commit", "revision"].contains(where: { lower.contains($0) }),
            let start = footer.range(of: "commit `"),
            let end = footer[start.upperBound...].firstIndex(of: "`")
        else { return nil }
        return "Commit `\(footer[start.upperBound..<end])`, read by Ticket-Master (not run)."
    }

    /// Words of a template heading or field label, and the draft section that answers it; the words that say
    /// most come first ("Describe the solution you'd like" asks for the proposal, not the context).
    private static let synonyms: [[(section: String, words: [String])]] = [
        [
            ("Acceptance criteria", ["acceptance", "definition of done", "done when", "criteria"]),
            ("Context", ["problem", "what happened", "current", "actual"]),
            ("Proposed change", ["expected", "solution", "what you want", "would like"]),
            ("Evidence", ["reproduce", "reproduction", "steps"]),
        ],
        [
            ("Proposed change", ["proposal", "proposed", "suggest", "fix", "request", "feature"]),
            ("Context", ["summary", "context", "motivation", "bug"]),
            ("Evidence", ["evidence", "example", "logs", "location", "where"]),
        ],
        [("Context", ["describe", "description", "details", "issue"]), ("Proposed change", ["change", "should"])],
    ]

    /// The draft section for a heading labelled `label`, among those not yet used.
    static func key(for label: String, available sections: Sections, used: Set<String>) -> String? {
        let lower = label.lowercased()
        for tier in synonyms {
            for entry in tier
            where !used.contains(entry.section) && sections.bodies[entry.section] != nil
                && entry.words.contains(where: { lower.contains($0) })
            {
                return entry.section
            }
        }
        return nil
    }
}

/// The headings of a Markdown template, each with the lines under it (HTML comments left out).
enum TemplateText {
    static func headings(in text: String) -> [(String, [String])] {
        var result: [(String, [String])] = []
        var inComment = false
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if inComment {
                if trimmed.contains("-->") { inComment = false }
                continue
            }
            if trimmed.hasPrefix("<!--") {
                inComment = !trimmed.contains("-->")
                continue
            }
            // `## To reproduce`, or GitHub's default templates' bold lines: `**Describe the bug**`.
            if trimmed.range(of: #"^(#{1,6} \S|\*\*[^*]+\*\*:?$)"#, options: .regularExpression) != nil {
                result.append((trimmed, []))
            } else if !result.isEmpty {
                result[result.count - 1].1.append(line)
            }
        }
        return result
    }
}
