import Foundation
import LanguageModels
import RepositoryAnalysis
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

/// A scripted model whose server has a tokenizer: four bytes a token, or a failure when `failing`.
private final class TokenizingModel: LanguageModel, TokenCounting {
    let inner: InMemoryLanguageModel
    let failing: Bool
    private let counted = Mutex(0)

    init(_ inner: InMemoryLanguageModel, failing: Bool = false) {
        self.inner = inner
        self.failing = failing
    }

    var descriptor: ModelDescriptor { inner.descriptor }
    var tokenizerCalls: Int { counted.withLock { $0 } }

    func complete(_ request: CompletionRequest) async throws -> Completion { try await inner.complete(request) }

    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        inner.stream(request)
    }

    func countTokens(_ text: String) async throws -> Int? {
        counted.withLock { $0 += 1 }
        if failing { throw LanguageModelError(.unavailable, "no tokenizer here") }
        return text.utf8.count / 4
    }
}

@Suite("Prompt token budget")
struct PromptBudgetTests {
    /// Drafts one issue about a file with twelve markers, each with a long line, under `budget`.
    private func prompts(budget: Int, model: TokenizingModel) async throws -> [String] {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        let long = String(repeating: "the parser drops the rest of the input when a quote is unbalanced ", count: 3)
        let lines = (1...12).map { "// TODO: case \($0): \(long)" }
        try repository.write("func parse() {}\n" + lines.joined(separator: "\n") + "\n", to: "Sources/Parser.swift")
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
        let report = try await RepositoryAnalyzer(options: AnalysisOptions()).analyze(at: repository.url)
        var configuration = Configuration.defaults
        configuration.issueGeneration.maxIssues = 1
        configuration.issueGeneration.types = [IssueTypePreference(type: .maintenance, priority: .high)]
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage.defaults[0], model: model, prompts: prompts),
            reviews: [.init(PipelineStage.defaults[1], model: model, prompts: prompts)], maxTokens: 400,
            temperature: 0, allowedLabels: [], promptTokenBudget: budget)
        _ = try await SuggestionPipeline(configuration: configuration, secrets: [], writer: writer).suggest(
            from: report, links: LinkContext(remote: nil, commit: report.headCommit),
            citations: GitCitationOracle(repository: repository.url, commit: report.headCommit, git: GitExecutable()))
        // The first request of each call; a repair request adds the bad reply and the schema to it.
        return model.inner.requests.filter { $0.messages.count == 2 }.map {
            $0.messages.map(\.content).joined(separator: "\n")
        }
    }

    @Test("findings are cut until the prompt fits, counted with the server's tokenizer")
    func cutsToFit() async throws {
        let roomy = TokenizingModel(InMemoryLanguageModel([.text("not json")]))
        let generous = try await prompts(budget: 100_000, model: roomy)
        let tight = TokenizingModel(InMemoryLanguageModel([.text("not json")]))
        let cut = try await prompts(budget: 420, model: tight)
        #expect(!generous.isEmpty && !cut.isEmpty)
        #expect(tight.tokenizerCalls > roomy.tokenizerCalls, "the tight budget was never checked")
        for prompt in cut {
            // The counter adds a little framing to what the tokenizer says; the test's tokenizer is 4 bytes a token.
            #expect(prompt.utf8.count / 4 <= 420, "\(prompt.utf8.count / 4) tokens")
            #expect(prompt.contains("Sources/Parser.swift"), "the first finding's location is always kept")
        }
        let finding = "Finding "
        #expect(
            cut[0].components(separatedBy: finding).count < generous[0].components(separatedBy: finding).count
                || cut[0].utf8.count < generous[0].utf8.count / 2)
    }

    @Test("a server without a tokenizer is asked once; the estimate, which errs high, keeps prompts within budget")
    func estimateWithoutTokenizer() async throws {
        let model = TokenizingModel(InMemoryLanguageModel([.text("not json")]), failing: true)
        let sent = try await prompts(budget: 500, model: model)
        let whole = try await prompts(budget: 100_000, model: TokenizingModel(InMemoryLanguageModel([.text("?")])))
        #expect(model.tokenizerCalls == 1)
        #expect(!sent.isEmpty && sent[0].utf8.count < whole[0].utf8.count, "nothing was cut")
        for prompt in sent { #expect(prompt.utf8.count / 3 <= 500, "\(prompt.utf8.count / 3) estimated tokens") }
    }
}
