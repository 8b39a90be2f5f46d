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
        "labels": []}
        """

    /// Runs the pipeline on a one-finding repository with a writer and a second, stricter reviewer.
    private func suggest(
        drafter: InMemoryLanguageModel, reviewer: InMemoryLanguageModel, critic: InMemoryLanguageModel
    ) async throws -> Suggestions {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        try repository.write("func parse() {\n    // FIXME: handle malformed input\n}\n", to: "Sources/Parser.swift")
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
        let report = try await RepositoryAnalyzer(options: AnalysisOptions()).analyze(at: repository.url)
        var configuration = Configuration.defaults
        configuration.issueGeneration.maxIssues = 1
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage(name: "draft", kind: .draft), model: drafter, prompts: prompts),
            reviews: [
                .init(PipelineStage(name: "review", kind: .review), model: reviewer, prompts: prompts),
                .init(PipelineStage(name: "critic", kind: .review, threshold: 90), model: critic, prompts: prompts),
            ],
            maxTokens: 400, temperature: 0, allowedLabels: [])
        return try await SuggestionPipeline(configuration: configuration, secrets: [], writer: writer).suggest(
            from: report,
            links: LinkContext(remote: try RemoteRepository(parsing: "acme/api"), commit: report.headCommit),
            citations: GitCitationOracle(repository: repository.url, commit: report.headCommit, git: GitExecutable()))
    }

    @Test("a low score from a later review stage gets one rewrite with its reasons, then every stage reviews again")
    func rewriteAfterLowScore() async throws {
        let drafter = InMemoryLanguageModel([.text(Self.grounded)])
        let reviewer = InMemoryLanguageModel([.text(#"{"score": 80, "reasons": []}"#)])
        let critic = InMemoryLanguageModel(
            [
                .text(#"{"score": 40, "reasons": ["name the function that crashes"]}"#),
                .text(#"{"score": 95, "reasons": ["specific"]}"#),
            ], descriptor: ModelDescriptor(provider: "critic", model: "strict", baseURL: "memory://"))
        let suggestions = try await suggest(drafter: drafter, reviewer: reviewer, critic: critic)

        let kept = try #require(suggestions.drafts.first)
        #expect(kept.draft.writer == .model(provider: "memory", model: "scripted"))
        #expect(kept.score == 80)
        #expect(kept.notes.contains("rewritten once: name the function that crashes"), "\(kept.notes)")
        #expect(kept.notes.contains("critic: specific"), "\(kept.notes)")
        // draft, review, critic; the rewrite, review, critic.
        #expect(drafter.requests.count == 2 && reviewer.requests.count == 2 && critic.requests.count == 2)
        #expect(suggestions.modelCalls == 6)
        let rewrite = drafter.requests[1].messages.map(\.content).joined()
        #expect(rewrite.contains("name the function that crashes"))
        #expect(
            suggestions.notes.first?.contains("reviewed by review (memory/scripted), critic (critic/strict)") == true)
    }

    @Test("a draft a review stage still fails after the rewrite is replaced by the plain writer, with the reasons")
    func plainAfterSecondLowScore() async throws {
        let drafter = InMemoryLanguageModel([.text(Self.grounded)])
        let reviewer = InMemoryLanguageModel([.text(#"{"score": 80, "reasons": []}"#)])
        let critic = InMemoryLanguageModel([.text(#"{"score": 30, "reasons": ["vague"]}"#)])
        let suggestions = try await suggest(drafter: drafter, reviewer: reviewer, critic: critic)
        let kept = try #require(suggestions.drafts.first)
        #expect(kept.draft.writer == .plain)
        #expect(kept.score == 30)
        #expect(kept.notes.first == "critic scored the model's draft 30, below 90; plain writer used", "\(kept.notes)")
        #expect(suggestions.modelCalls == 6)
    }
}
