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

        enum CodingKeys: String, CodingKey {
            case title, summary, proposal, labels
            case acceptanceCriteria = "acceptance_criteria"
        }
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
        promptTokenBudget: Int = 1200, embedder: (any TextEmbedding)? = nil
    ) {
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
        ])
        let (content, made) = try await generate(Content.self, in: drafting, schema: schema, prompt: prompt)
        let body = Self.body(
            summary: content.summary, evidence: Self.sections(of: plain.body)["Evidence"] ?? "",
            proposal: content.proposal, criteria: content.acceptanceCriteria)
        var chosen = plain.labels
        for label in content.labels where labels.contains(label) && !chosen.contains(label) { chosen.append(label) }
        let draft = IssueDraft(
            title: content.title.trimmingCharacters(in: .whitespacesAndNewlines), body: body, labels: chosen,
            type: planned.type, signals: planned.signals,
            writer: .model(provider: drafting.model.descriptor.provider, model: drafting.model.descriptor.model))
        return (draft, made)
    }

    /// Scores `draft` from 0 to 100 with reasons, as the review stage `reviewer` sees it, and rewrites it to fix
    /// them.
    func review(
        _ draft: IssueDraft, planned: PlannedIssue, by reviewer: Stage, code: CodeContext? = nil
    ) async throws -> Review {
        let sections = Self.sections(of: draft.body)
        let prompt = await fitted(reviewer, planned.signals, code: code) { findings in
            [
                "findings": findings,
                "title": draft.title,
                "summary": sections["Context"] ?? "",
                "proposal": sections["Proposed change"] ?? "",
                "criteria": sections["Acceptance criteria"] ?? "",
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
        rewrite.body = Self.body(
            summary: verdict.summary, evidence: sections["Evidence"] ?? "", proposal: verdict.proposal,
            criteria: verdict.acceptanceCriteria)
        return Review(
            score: verdict.score, reasons: verdict.reasons.filter { !Self.isDegenerate($0) }, rewrite: rewrite,
            calls: made)
    }

    /// An issue body: the model's prose around the analysis's evidence.
    static func body(summary: String, evidence: String, proposal: String, criteria: [String]) -> String {
        [
            "## Context\n\n" + summary.trimmingCharacters(in: .whitespacesAndNewlines),
            "## Evidence\n\n" + evidence,
            "## Proposed change\n\n" + proposal.trimmingCharacters(in: .whitespacesAndNewlines),
            "## Acceptance criteria\n\n" + criteria.map { "- [ ] \($0)" }.joined(separator: "\n"),
        ].joined(separator: "\n\n")
    }

    /// A model error in a stage, with the calls the stage made before it failed (a reply that did not validate and
    /// its repair), so that they are counted and recorded against the right stage.
    struct StageError: Error {
        var error: LanguageModelError
        var calls: [ModelCall]
    }

    /// Asks `stage`'s model for a `Value` matching `schema`; every call made is returned, or carried by the error.
    private func generate<Value: Decodable & Sendable>(
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

    /// A Markdown body's `## ` sections by heading.
    static func sections(of body: String) -> [String: String] {
        var sections: [String: String] = [:]
        for part in body.components(separatedBy: "## ").dropFirst() {
            let lines = part.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            guard let heading = lines.first else { continue }
            sections[String(heading).trimmingCharacters(in: .whitespaces)] =
                lines.count > 1 ? String(lines[1]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        }
        return sections
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
