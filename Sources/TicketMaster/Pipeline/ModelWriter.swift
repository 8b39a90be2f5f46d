import Foundation
import LanguageModels
import RepositoryAnalysis

/// One model call, for history and the cost report.
public struct ModelCall: Sendable, Hashable {
    /// The name of the pipeline stage that made it, such as `draft` or `review`.
    public var stage: String
    /// The provider and model.
    public var model: ModelDescriptor
    /// The template the stage rendered, such as `review` or a stage's own `critique`.
    public var template: String
    /// The template's version: `builtin-<version>`, or the override files it came from.
    public var promptVersion: String
    /// Tokens used.
    public var usage: Usage
    /// How long it took.
    public var latency: Duration
    /// The prompt and the reply, kept only when history keeps prompts.
    public var prompt: String
    /// The reply text.
    public var reply: String

    /// How history names the prompt: `review@builtin-2026-11.2`, with the stage in front when it has a template of
    /// another name (`second-opinion/critique@critique.system.mustache+critique.user.mustache`).
    public var promptLabel: String {
        (stage == template ? "" : stage + "/") + template + "@" + promptVersion
    }
}

/// Writes and reviews issues with a language model, keeping the plain writer's evidence section so that links and
/// citations are always the analysis's own; only the prose comes from the model.
public struct ModelWriter: Sendable {
    /// What the model writes for an issue; lengths are bounded so a rambling model cannot flood a tracker.
    struct Content: Codable, Sendable {
        var title: String
        var summary: String
        var proposal: String
        var acceptanceCriteria: [String]
        var labels: [String]
        var citations: [Cited]

        enum CodingKeys: String, CodingKey {
            case title, summary, proposal, labels, citations
            case acceptanceCriteria = "acceptance_criteria"
        }
    }

    /// A passage of code as a model cites it, before it is checked.
    struct Cited: Codable, Sendable {
        var path: String
        var startLine: Int
        var endLine: Int
        var code: String
        var symbol: String

        enum CodingKeys: String, CodingKey {
            case path, code, symbol
            case startLine = "start_line"
            case endLine = "end_line"
        }

        var citation: CodeCitation {
            CodeCitation(path: path, startLine: startLine, endLine: endLine, code: code, symbol: symbol)
        }

        /// The schema of one citation; `symbol` is empty when the passage declares nothing the text names.
        static let schema = JSONSchema.object([
            .init("path", .string(minLength: 1, maxLength: 300)),
            .init("start_line", .integer(minimum: 1)),
            .init("end_line", .integer(minimum: 1)),
            .init("code", .string(minLength: 1, maxLength: 600)),
            .init("symbol", .string(minLength: 0, maxLength: 120)),
        ])
    }

    /// The reviewer's verdict, with its own rewrite of the draft that fixes what it found: a critique-and-rewrite
    /// pass in one call, so a rewrite costs no extra call.
    struct Verdict: Codable, Sendable {
        var score: Int
        var reasons: [String]
        var title: String
        var summary: String
        var proposal: String
        var acceptanceCriteria: [String]

        enum CodingKeys: String, CodingKey {
            case score, reasons, title, summary, proposal
            case acceptanceCriteria = "acceptance_criteria"
        }
    }

    /// What a review stage made of a draft.
    struct Review: Sendable {
        /// 0–100.
        var score: Int
        /// Why points were lost.
        var reasons: [String]
        /// The reviewer's rewrite, with the same evidence, labels and fingerprint as the draft.
        var rewrite: IssueDraft
        /// The call, and any repair.
        var calls: [ModelCall]
    }

    /// A pipeline stage with the model and the templates it runs with.
    public struct Stage: Sendable {
        /// The stage as configured.
        public var stage: PipelineStage
        /// The model it calls.
        public var model: any LanguageModel
        /// The templates, with the variants for the model's provider.
        public var prompts: PromptLibrary
        /// Counts the stage's prompts against the budget.
        public var tokens: PromptTokenCounter

        /// Creates a stage; `tokenizer` is the model's own, when its server offers one.
        public init(
            _ stage: PipelineStage, model: any LanguageModel, prompts: PromptLibrary,
            tokenizer: (any TokenCounting)? = nil
        ) {
            self.stage = stage
            self.model = model
            self.prompts = prompts
            self.tokens = PromptTokenCounter(tokenizer: tokenizer ?? (model as? any TokenCounting))
        }
    }

    /// The stage that reads the hottest code for defects before planning, when the pipeline has one.
    public var discovering: Stage?
    /// The most passages of code the discovery stage reads in a run.
    public var discoveryPassages: Int
    /// The stage that writes drafts.
    public var drafting: Stage
    /// The stages that score them, in order.
    public var reviews: [Stage]
    /// The most tokens one reply may use.
    public var maxTokens: Int
    /// Sampling temperature.
    public var temperature: Double
    /// Labels the model may choose from.
    public var allowedLabels: [String]
    /// The most tokens one prompt may have; findings are cut down to fit.
    public var promptTokenBudget: Int
    /// Turns drafts and existing issues into vectors for de-duplication, when the provider offers embeddings.
    public var embedder: (any TextEmbedding)?
    /// Whether a reply that breaks the schema is sent back once for repair; the pipeline turns this off for a
    /// model whose output was just rejected, so its last chance costs one call, not two.
    public var repairsInvalidOutput = true

    /// Creates a writer from its stages.
    public init(
        drafting: Stage, reviews: [Stage], maxTokens: Int, temperature: Double, allowedLabels: [String],
        promptTokenBudget: Int = 1200, embedder: (any TextEmbedding)? = nil, discovering: Stage? = nil,
        discoveryPassages: Int = 6
    ) {
        self.discovering = discovering
        self.discoveryPassages = discoveryPassages
        self.drafting = drafting
        self.reviews = reviews
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.allowedLabels = allowedLabels
        self.promptTokenBudget = promptTokenBudget
        self.embedder = embedder
    }

    /// Creates a writer whose default stages, one draft and one review, both use `model`.
    public init(
        model: any LanguageModel, prompts: PromptLibrary, maxTokens: Int, temperature: Double, allowedLabels: [String]
    ) {
        self.init(
            drafting: Stage(PipelineStage.defaults[0], model: model, prompts: prompts),
            reviews: [Stage(PipelineStage.defaults[1], model: model, prompts: prompts)], maxTokens: maxTokens,
            temperature: temperature, allowedLabels: allowedLabels)
    }

    /// Drafts the issue for `planned`; `problems` are reasons an earlier attempt was rejected.
    func draft(
        _ planned: PlannedIssue, plain: IssueDraft, problems: [String], code: CodeContext? = nil
    ) async throws -> (IssueDraft, [ModelCall]) {
        // Labels are the configured defaults plus the issue's type: a model (or text planted in the repository)
        // can choose among them but never invent or cross-label.
        let labels = allowedLabels.filter { !IssueType.allCases.map(\.rawValue).contains($0) } + [planned.type.rawValue]
        let prompt = await fitted(drafting, planned.signals, code: code) { findings in
            [
                "type": planned.type.rawValue,
                "labels": labels.joined(separator: ", "),
                // Mustache renders a section for any string, even an empty one: only a false value hides it.
                "problems": problems.isEmpty ? false : problems.joined(separator: "; "),
                "findings": findings,
            ]
        }
        let schema = JSONSchema.object([
            .init("title", .string(minLength: 12, maxLength: 79)),
            .init("summary", .string(minLength: 20, maxLength: 800)),
            .init("proposal", .string(minLength: 20, maxLength: 800)),
            .init("acceptance_criteria", .array(of: .string(minLength: 5, maxLength: 200), minItems: 1, maxItems: 5)),
            .init("labels", .array(of: .oneOf(labels), minItems: 0, maxItems: 4)),
            .init("citations", .array(of: Cited.schema, minItems: 0, maxItems: 3)),
        ])
        let (content, made) = try await generate(Content.self, in: drafting, schema: schema, prompt: prompt)
        let writer = IssueDraft.Writer.model(
            provider: drafting.model.descriptor.provider, model: drafting.model.descriptor.model)
        let citations = content.citations.map(\.citation)
        let plainSections = Sections(plain.body)
        let body = Self.body(
            summary: content.summary, evidence: plainSections.text("Evidence"), citations: citations,
            proposal: content.proposal, criteria: content.acceptanceCriteria,
            footer: Self.provenance(plainSections.footer, writer: writer))
        var chosen = plain.labels
        for label in content.labels where labels.contains(label) && !chosen.contains(label) { chosen.append(label) }
        var draft = IssueDraft(
            title: content.title.trimmingCharacters(in: .whitespacesAndNewlines), body: body, labels: chosen,
            type: planned.type, signals: planned.signals, writer: writer)
        draft.codeCitations = citations
        return (draft, made)
    }

    /// The line that closes a model's draft: where the evidence comes from (the plain writer's line, naming the
    /// analysed commit) and which sections the model wrote.
    static func provenance(_ plainFooter: String, writer: IssueDraft.Writer) -> String {
        var found = plainFooter.replacingOccurrences(of: "<sub>", with: "")
            .replacingOccurrences(of: "</sub>", with: "").trimmingCharacters(in: .whitespaces)
        if found.hasSuffix(".") { found.removeLast() }
        let source = found.isEmpty ? "Found by Ticket-Master" : found
        return "<sub>\(source). Evidence: the analysis. Context, where in the code, proposed change and acceptance "
            + "criteria: written by \(writer.name) and checked against the repository.</sub>"
    }

    /// Scores `draft` from 0 to 100 with reasons, as the review stage `reviewer` sees it, and rewrites it to fix
    /// them.
    func review(
        _ draft: IssueDraft, planned: PlannedIssue, by reviewer: Stage, code: CodeContext? = nil
    ) async throws -> Review {
        let sections = Sections(draft.body)
        let prompt = await fitted(reviewer, planned.signals, code: code) { findings in
            [
                "findings": findings,
                "title": draft.title,
                "summary": sections.text("Context"),
                "proposal": sections.text("Proposed change"),
                "criteria": sections.text("Acceptance criteria"),
            ]
        }
        let schema = JSONSchema.object([
            .init("score", .integer(minimum: 0, maximum: 100)),
            .init("reasons", .array(of: .string(minLength: 1, maxLength: 200), minItems: 0, maxItems: 5)),
            .init("title", .string(minLength: 12, maxLength: 79)),
            .init("summary", .string(minLength: 20, maxLength: 800)),
            .init("proposal", .string(minLength: 20, maxLength: 800)),
            .init("acceptance_criteria", .array(of: .string(minLength: 5, maxLength: 200), minItems: 1, maxItems: 5)),
        ])
        let (verdict, made) = try await generate(Verdict.self, in: reviewer, schema: schema, prompt: prompt)
        var rewrite = draft
        rewrite.title = verdict.title.trimmingCharacters(in: .whitespacesAndNewlines)
        // The reviewer rewrites the prose; the citations it was shown stay, checked again with the rewrite.
        rewrite.body = Self.body(
            summary: verdict.summary, evidence: sections.text("Evidence"), citations: draft.codeCitations,
            proposal: verdict.proposal, criteria: verdict.acceptanceCriteria, footer: sections.footer)
        return Review(
            score: verdict.score, reasons: verdict.reasons.filter { !Self.isDegenerate($0) }, rewrite: rewrite,
            calls: made)
    }

    /// An issue body: the model's prose around the analysis's evidence, with the code the model cites.
    static func body(
        summary: String, evidence: String, citations: [CodeCitation] = [], proposal: String, criteria: [String],
        footer: String = ""
    ) -> String {
        var parts = [
            "## Context\n\n" + summary.trimmingCharacters(in: .whitespacesAndNewlines),
            "## Evidence\n\n" + evidence,
        ]
        if !citations.isEmpty {
            parts.append("## Where in the code\n\n" + citations.map(Self.rendered).joined(separator: "\n\n"))
        }
        parts += [
            "## Proposed change\n\n" + proposal.trimmingCharacters(in: .whitespacesAndNewlines),
            "## Acceptance criteria\n\n" + criteria.map { "- [ ] \($0)" }.joined(separator: "\n"),
        ]
        if !footer.isEmpty { parts.append(footer) }
        return parts.joined(separator: "\n\n")
    }

    /// A cited passage as Markdown: its place, the symbol, and the quoted code in a fence longer than any run of
    /// backticks in it, so that repository text renders as code and nothing else.
    static func rendered(_ citation: CodeCitation) -> String {
        var head = "- `\(citation.location)`"
        if let symbol = citation.symbol { head += ", " + PlainWriter.codeSpan(symbol) }
        let code = PlainWriter.inert(citation.code)
        var longest = 0
        var run = 0
        for character in code {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        let indented = code.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        return head + ":\n\n  " + fence + "\n" + indented.joined(separator: "\n") + "\n  " + fence
    }

    /// A model error in a stage, with the calls the stage made before it failed (a reply that did not validate and
    /// its repair), so that they are counted and recorded against the right stage.
    struct StageError: Error {
        var error: LanguageModelError
        var calls: [ModelCall]
    }

    /// Asks `stage`'s model for a `Value` matching `schema`; every call made is returned, or carried by the error.
    func generate<Value: Decodable & Sendable>(
        _ type: Value.Type, in stage: Stage, schema: JSONSchema, prompt: RenderedPrompt
    ) async throws -> (Value, [ModelCall]) {
        do {
            let result = try await stage.model.generate(
                Value.self, schema: schema, request: request(prompt), repair: repairsInvalidOutput)
            return (result.value, calls(stage, prompt, result.completions))
        } catch let error as LanguageModelError {
            let completions = (error.cause as? StructuredOutputFailure)?.completions ?? []
            throw StageError(error: error, calls: calls(stage, prompt, completions))
        }
    }

    private func request(_ prompt: RenderedPrompt) -> CompletionRequest {
        CompletionRequest(
            messages: [.system(prompt.system), .user(prompt.user)], maxTokens: maxTokens, temperature: temperature)
    }

    private func calls(_ stage: Stage, _ prompt: RenderedPrompt, _ completions: [Completion]) -> [ModelCall] {
        completions.map {
            ModelCall(
                stage: stage.stage.name, model: stage.model.descriptor, template: stage.stage.templateName,
                promptVersion: prompt.version, usage: $0.usage,
                latency: $0.latency, prompt: prompt.system + "\n\n" + prompt.user, reply: $0.text)
        }
    }

    /// How much of the findings a prompt carries; each level is smaller than the one before.
    struct Detail: Sendable {
        var findings: Int
        var locations: Int
        var commits: Int
        var excerpt: Int
        /// Lines of code around each cited line, and in all.
        var code = 0
        var codeTotal = 0

        /// From everything worth sending down to the first finding's first location.
        static let levels = [
            Detail(findings: 8, locations: 4, commits: 3, excerpt: 200, code: 40, codeTotal: 80),
            Detail(findings: 6, locations: 3, commits: 2, excerpt: 120, code: 30, codeTotal: 50),
            Detail(findings: 4, locations: 2, commits: 1, excerpt: 80, code: 20, codeTotal: 30),
            Detail(findings: 3, locations: 1, commits: 1, excerpt: 60, code: 12, codeTotal: 16),
            Detail(findings: 2, locations: 1, commits: 0, excerpt: 40, code: 6, codeTotal: 6),
            Detail(findings: 1, locations: 1, commits: 0, excerpt: 0),
        ]
    }

    /// Renders `stage`'s template with the most detail of `signals` that keeps the prompt within the budget. The
    /// issue's evidence section is the plain writer's either way: only what the model reads is cut.
    private func fitted(
        _ stage: Stage, _ signals: [Signal], code: CodeContext?, context: ([[String: Any]]) -> [String: Any]
    ) async -> RenderedPrompt {
        var prompt = RenderedPrompt(system: "", user: "", version: "")
        for detail in Detail.levels {
            var values = context(Self.findings(signals, detail))
            let lines = code?.rendered(limit: detail.code, total: detail.codeTotal) ?? []
            // Mustache renders a section for any non-empty value: only false hides it.
            values["code"] = lines.isEmpty ? false : ["lines": lines]
            prompt = stage.prompts.render(stage.stage.templateName, values)
            if await stage.tokens.count(prompt) <= promptTokenBudget { break }
        }
        return prompt
    }

    /// The findings as template data: short lines of evidence, as much as `detail` allows.
    static func findings(_ signals: [Signal], _ detail: Detail = Detail.levels[0]) -> [[String: Any]] {
        signals.prefix(detail.findings).enumerated().map { index, signal in
            var evidence: [String] = []
            for location in signal.evidence.locations.prefix(detail.locations) {
                var line = "at " + location.path + (location.startLine.map { ":\($0)" } ?? "")
                if let excerpt = location.excerpt, !excerpt.isEmpty, detail.excerpt > 0 {
                    line += ": " + String(excerpt.prefix(detail.excerpt))
                }
                evidence.append(line)
            }
            for commit in signal.evidence.commits.prefix(detail.commits) {
                evidence.append("commit \(commit.hash.prefix(10)): \(commit.subject.prefix(120))")
            }
            if !signal.evidence.metrics.isEmpty {
                evidence.append(
                    signal.evidence.metrics.prefix(6).map { "\($0.name)=\(Int($0.value))" }.joined(separator: ", "))
            }
            return ["index": index + 1, "summary": signal.summary, "evidence": evidence]
        }
    }

    /// Whether a reason is a small model's loop rather than a sentence (`Testing: Testing: Testing: …`): one word
    /// making up most of a long reply says nothing a person should read.
    static func isDegenerate(_ reason: String) -> Bool {
        let words = reason.lowercased().split { !$0.isLetter && !$0.isNumber }
        guard words.count >= 8 else { return false }
        let counts = Dictionary(words.map { ($0, 1) }, uniquingKeysWith: +)
        return (counts.values.max() ?? 0) * 2 > words.count
    }
}
