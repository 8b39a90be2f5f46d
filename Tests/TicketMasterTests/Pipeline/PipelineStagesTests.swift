import Foundation
import LanguageModels
import RepositoryAnalysis
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("Pipeline stages: configuration, templates and review")
struct PipelineStagesTests {
    /// Loads `yaml` as the project file, with `environment` on top.
    private func load(_ yaml: String, environment: [String: String] = [:]) throws -> ResolvedConfiguration {
        let folder = try TemporaryFolder()
        try yaml.write(to: folder.url.appendingPathComponent(".ticket-master.yaml"), atomically: true, encoding: .utf8)
        return ConfigurationLoader(environment: environment.merging(["HOME": folder.url.path]) { $1 })
            .load(searchDirectory: folder.url.path)
    }

    @Test("stages with their own model, template and threshold are read from the file and the environment")
    func readsStages() throws {
        let resolved = try load(
            """
            pipeline:
              stages:
                - draft
                - {name: review, kind: review, threshold: 70}
                - name: second-opinion
                  kind: review
                  model: openai/gpt-4o-mini
                  template: critique
            """)
        let pipeline = try resolved.configuration().pipeline
        #expect(pipeline.draft == PipelineStage(name: "draft", kind: .draft))
        #expect(
            pipeline.reviews == [
                PipelineStage(name: "review", kind: .review, threshold: 70),
                PipelineStage(
                    name: "second-opinion", kind: .review, model: "openai/gpt-4o-mini", template: "critique"),
            ])
        #expect(try load("").configuration().pipeline.stages == PipelineStage.defaults)

        let fromEnvironment = try load(
            "", environment: ["TICKET_MASTER_PIPELINE_STAGES": "draft@ollama/llama3.2,review,review@anthropic"]
        ).configuration().pipeline
        #expect(fromEnvironment.stages.map(\.name) == ["draft", "review", "review-2"])
        #expect(fromEnvironment.stages.map(\.model) == ["ollama/llama3.2", nil, "anthropic"])
    }

    @Test(
        "a wrong stage list is a configuration error that says how to fix it",
        arguments: [
            ("[draft, reviw]", "did you mean review?"),
            ("[review, draft]", "start with one draft stage"),
            ("[draft, {kind: review, modle: openai}]", "did you mean model?"),
            ("[draft, {kind: review, model: openia/gpt-4o}]", "did you mean openai?"),
            ("[draft, {kind: review, threshold: 140}]", "from 0 to 100"),
            ("[draft, review, review]", "its own name"),
            ("[draft, {name: checks, kind: review}]", "like a fixed step"),
        ])
    func rejectsBadStages(stages: String, fix: String) throws {
        let resolved = try load("pipeline:\n  stages: \(stages)\n")
        let problem = try #require(resolved.problems.first { $0.key == "pipeline.stages" }, "\(resolved.problems)")
        #expect(problem.severity == .error)
        #expect(problem.description.contains(fix), "\(problem.description)")
        #expect(problem.line == 2)
    }

    @Test("a stage's template comes from prompts.directory; a missing one names the files to write")
    func customTemplates() throws {
        let folder = try TemporaryFolder()
        #expect(throws: TicketMasterError.self) {
            try PromptLibrary(overrides: folder.url.path, provider: "openai", required: ["critique"])
        }
        do {
            _ = try PromptLibrary(overrides: nil, provider: "openai", required: ["critique"])
        } catch let error as TicketMasterError {
            #expect(error.message.contains("critique.system.mustache and critique.user.mustache"), "\(error.message)")
        }
        try "Be harsh. {{title}}".write(
            to: folder.url.appendingPathComponent("critique.system.mustache"), atomically: true, encoding: .utf8)
        try "Draft: {{title}}".write(
            to: folder.url.appendingPathComponent("critique.user.openai.mustache"), atomically: true, encoding: .utf8)
        let library = try PromptLibrary(overrides: folder.url.path, provider: "openai", required: ["critique"])
        let prompt = library.render("critique", ["title": "Fix the parser"])
        #expect(prompt.system == "Be harsh. Fix the parser" && prompt.user == "Draft: Fix the parser")
        #expect(prompt.version == "critique.system.mustache+critique.user.openai.mustache")
    }

    static let grounded = """
        {"title": "Handle malformed input in Sources/Parser.swift", \
        "summary": "The FIXME in Sources/Parser.swift says malformed input is not handled.", \
        "proposal": "Validate the input in parse() and report an error instead of crashing.", \
        "acceptance_criteria": ["parse() rejects malformed input with an error", "A test covers it"], \
        "labels": [], "citations": []}
        """

    /// A reviewer's reply: a score, reasons, and its rewrite of the draft.
    static func verdict(
        _ score: Int, _ reasons: [String], title: String = "Handle malformed input in Parser.swift"
    )
        -> InMemoryLanguageModel.Answer
    {
        let reasons = reasons.map { "\"\($0)\"" }.joined(separator: ", ")
        return .text(
            """
            {"score": \(score), "reasons": [\(reasons)], "title": "\(title)", \
            "summary": "The FIXME in Sources/Parser.swift says parse() does not handle malformed input.", \
            "proposal": "Make parse() throw a descriptive error for malformed input instead of crashing.", \
            "acceptance_criteria": ["parse() throws for malformed input", "A test covers the error"]}
            """)
    }

    /// Runs the pipeline on a one-finding repository with a writer and a second, stricter reviewer.
    private func suggest(
        drafter: InMemoryLanguageModel, reviewer: InMemoryLanguageModel, critic: InMemoryLanguageModel
    ) async throws -> Suggestions {
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage(name: "draft", kind: .draft), model: drafter, prompts: prompts),
            reviews: [
                .init(PipelineStage(name: "review", kind: .review), model: reviewer, prompts: prompts),
                .init(PipelineStage(name: "critic", kind: .review, threshold: 90), model: critic, prompts: prompts),
            ],
            maxTokens: 400, temperature: 0, allowedLabels: [])
        return try await PipelineFixture.suggest(writer: writer) { $0.issueGeneration.maxIssues = 1 }
    }

    @Test("a low score from a later review stage puts its rewrite in place, and every stage reviews it again")
    func rewriteAfterLowScore() async throws {
        let drafter = InMemoryLanguageModel([.text(Self.grounded)])
        let reviewer = InMemoryLanguageModel([Self.verdict(80, [])])
        let critic = InMemoryLanguageModel(
            [
                Self.verdict(
                    40, ["name the function that crashes"], title: "Make parse() in Parser.swift reject bad input"),
                Self.verdict(95, ["specific"]),
            ], descriptor: ModelDescriptor(provider: "critic", model: "strict", baseURL: "memory://"))
        let suggestions = try await suggest(drafter: drafter, reviewer: reviewer, critic: critic)

        let kept = try #require(suggestions.drafts.first)
        #expect(kept.draft.writer == .model(provider: "memory", model: "scripted"))
        #expect(kept.draft.title == "Make parse() in Parser.swift reject bad input")
        #expect(
            kept.draft.body.contains("## Evidence") && kept.draft.body.contains("parse() throws for malformed input"))
        #expect(kept.score == 80)
        #expect(
            kept.notes.contains(
                "rewritten once by critic, which scored the first draft 40: name the function that crashes"),
            "\(kept.notes)")
        #expect(kept.notes.contains("critic: specific"), "\(kept.notes)")
        // draft, review, critic (with its rewrite); then review and critic again.
        #expect(drafter.requests.count == 1 && reviewer.requests.count == 2 && critic.requests.count == 2)
        #expect(suggestions.modelCalls == 5)
        #expect(
            suggestions.notes.first?.contains("reviewed by review (memory/scripted), critic (critic/strict)") == true)
    }

    @Test("a draft a review stage still fails after the rewrite is replaced by the plain writer, with the reasons")
    func plainAfterSecondLowScore() async throws {
        let drafter = InMemoryLanguageModel([.text(Self.grounded)])
        let reviewer = InMemoryLanguageModel([Self.verdict(80, [])])
        let critic = InMemoryLanguageModel([Self.verdict(30, ["vague"])])
        let suggestions = try await suggest(drafter: drafter, reviewer: reviewer, critic: critic)
        let kept = try #require(suggestions.drafts.first)
        #expect(kept.draft.writer == .plain)
        #expect(kept.score == 30)
        #expect(kept.notes.first == "critic scored the model's draft 30, below 90; plain writer used", "\(kept.notes)")
        #expect(suggestions.modelCalls == 5)
    }

    @Test("with the default stages a model that cannot write costs three calls in all, whatever it says")
    func atMostThreeCalls() async throws {
        let drafter = InMemoryLanguageModel([.text(Self.grounded)])
        let harsh = InMemoryLanguageModel([Self.verdict(10, ["useless"])])
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage.defaults[0], model: drafter, prompts: prompts),
            reviews: [.init(PipelineStage.defaults[1], model: harsh, prompts: prompts)], maxTokens: 400,
            temperature: 0, allowedLabels: [])
        let suggestions = try await PipelineFixture.suggest(writer: writer)
        // Every planned issue ends as a draft or a duplicate.
        let issues = suggestions.drafts.count + suggestions.duplicates.count
        #expect(issues >= 3)
        #expect(suggestions.drafts.allSatisfy { $0.draft.writer == .plain })
        // The first issue costs three calls (draft, review, the rewrite's review), none of whose output is used:
        // the model is set aside and the rest of the run is written plainly.
        #expect(suggestions.modelCalls == 3, "\(suggestions.modelCalls) calls for \(issues) issues")
        #expect(suggestions.notes.contains { $0.contains("went unused 3 calls in a row") }, "\(suggestions.notes)")
    }

    @Test("a model whose replies break the schema gets no repair on its last chance: three calls in all")
    func brokenReplies() async throws {
        let model = InMemoryLanguageModel([.text("not json")])
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage.defaults[0], model: model, prompts: prompts),
            reviews: [.init(PipelineStage.defaults[1], model: model, prompts: prompts)], maxTokens: 400,
            temperature: 0, allowedLabels: [])
        let suggestions = try await PipelineFixture.suggest(
            files: PipelineFixture.parser.merging(["Sources/Lexer.swift": "// FIXME: the lexer drops tabs\n"]) { $1 },
            writer: writer)
        // The first draft and its repair, then one call without repair for the second issue.
        #expect(suggestions.modelCalls == 3, "\(suggestions.modelCalls)")
        #expect(suggestions.drafts.allSatisfy { $0.draft.writer == .plain })
    }

    @Test("history records each call with its stage, template and cost from the price table")
    func recordsCalls() async throws {
        let drafter = InMemoryLanguageModel([.text(Self.grounded)])
        let critic = InMemoryLanguageModel([.text("not json")])
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage.defaults[0], model: drafter, prompts: prompts),
            reviews: [.init(PipelineStage(name: "critic", kind: .review), model: critic, prompts: prompts)],
            maxTokens: 400, temperature: 0, allowedLabels: [])
        let store = MemoryHistoryStore()
        let suggestions = try await PipelineFixture.suggest(writer: writer, history: store) {
            $0.issueGeneration.maxIssues = 1
            $0.models.prices = ["memory/scripted=2:4"]
        }
        let run = try await store.run(try #require(try await store.runs(limit: 1).first?.id))
        #expect(run.modelCalls.count == suggestions.modelCalls)
        #expect(run.modelCalls.first?.promptTemplate.hasPrefix("draft@builtin-") == true)
        // The critic's reply is garbage: its call and the repair are recorded against the critic, not the draft.
        #expect(run.modelCalls.dropFirst().map(\.promptTemplate).allSatisfy { $0.hasPrefix("critic/review@builtin-") })
        #expect(run.modelCalls.count == 3)
        #expect(run.modelCalls.allSatisfy { ($0.cost ?? 0) > 0 }, "\(run.modelCalls.map(\.cost))")
    }
}
