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
    /// Drafts one issue about a note copied into twelve files, each with a long line, under `budget`.
    private func prompts(budget: Int, model: TokenizingModel) async throws -> [String] {
        let long = String(repeating: "the parser drops the rest of the input when a quote is unbalanced ", count: 3)
        var files: [String: String] = [:]
        for index in 1...12 { files["Sources/Parser\(index).swift"] = "func parse() {}\n// TODO: \(long)\n" }
        let prompts = try PromptLibrary(overrides: nil, provider: "memory")
        let writer = ModelWriter(
            drafting: .init(PipelineStage.defaults[0], model: model, prompts: prompts),
            reviews: [.init(PipelineStage.defaults[1], model: model, prompts: prompts)], maxTokens: 400,
            temperature: 0, allowedLabels: [], promptTokenBudget: budget)
        _ = try await PipelineFixture.suggest(files: files, writer: writer) {
            $0.issueGeneration.maxIssues = 1
            $0.issueGeneration.types = [IssueTypePreference(type: .maintenance, priority: .high)]
        }
        // The first request of each call; a repair request adds the bad reply and the schema to it.
        return model.inner.requests.filter { $0.messages.count == 2 }.map {
            $0.messages.map(\.content).joined(separator: "\n")
        }
    }

    @Test("the model reads the function around a cited line, each line with its path:line, and only what fits")
    func codeContext() async throws {
        let parser = """
            import Foundation

            func parse(_ text: String) -> [String] {
                var out: [String] = []
                // FIXME: quotes that never close swallow the rest of the input
                for line in text.split(separator: "\\n") { out.append(String(line)) }
                return out
            }

            func unrelated() {}

            """
        func draftPrompts(budget: Int) async throws -> [String] {
            let model = TokenizingModel(InMemoryLanguageModel([.text("not json")]))
            let prompts = try PromptLibrary(overrides: nil, provider: "memory")
            let writer = ModelWriter(
                drafting: .init(PipelineStage.defaults[0], model: model, prompts: prompts), reviews: [], maxTokens: 400,
                temperature: 0, allowedLabels: [], promptTokenBudget: budget)
            _ = try await PipelineFixture.suggest(files: ["Sources/Parser.swift": parser], writer: writer) {
                $0.issueGeneration.maxIssues = 1
            }
            return model.inner.requests.filter { $0.messages.count == 2 }.map {
                $0.messages.map(\.content).joined(separator: "\n")
            }
        }
        let roomy = try #require(try await draftPrompts(budget: 100_000).first)
        #expect(roomy.contains("Sources/Parser.swift:3: func parse(_ text: String) -> [String] {"), "\(roomy)")
        #expect(roomy.contains("Sources/Parser.swift:5:     // FIXME: quotes that never close"))
        #expect(roomy.contains("Sources/Parser.swift:8: }"))
        #expect(!roomy.contains("func unrelated"), "only the block that holds the line")
        let fitted = try await draftPrompts(budget: 330)
        for prompt in fitted { #expect(prompt.utf8.count / 4 <= 330, "\(prompt.utf8.count / 4) tokens") }
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
            #expect(prompt.contains("Sources/Parser"), "the first finding's location is always kept")
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

/// Embeds by looking for words: texts about the parser point one way, everything else another.
private struct KeywordEmbedder: TextEmbedding {
    var failing = false

    func embed(_ texts: [String]) async throws -> [[Float]] {
        if failing { throw LanguageModelError(.invalidRequest, "this model does not embed") }
        return texts.map { $0.lowercased().contains("parse") ? [1, 0] : [0, 1] }
    }
}

@Suite("De-duplication with the provider's embeddings")
struct EmbeddingDeduplicationTests {
    private func suggest(embedder: KeywordEmbedder, existing: [ExistingIssue]) async throws -> Suggestions {
        var writer = ModelWriter(
            model: InMemoryLanguageModel([.text("not json")]),
            prompts: try PromptLibrary(overrides: nil, provider: "memory"), maxTokens: 400, temperature: 0,
            allowedLabels: [])
        writer.embedder = embedder
        // With CI in place, the one suggestion is the parser's note.
        let files = PipelineFixture.parser.merging([".github/workflows/ci.yml": "on: push\n"]) { $1 }
        return try await PipelineFixture.suggest(files: files, writer: writer, existing: existing) {
            $0.issueGeneration.types = [IssueTypePreference(type: .maintenance, priority: .high)]
            $0.issueGeneration.maxIssues = 1
        }
    }

    @Test("an issue people filed in other words is found by its embedding and named")
    func findsByEmbedding() async throws {
        let filed = ExistingIssue(
            reference: "#4 (https://example.com/4)", title: "Crash on bad input",
            body: "The parser dies in production.",
            fingerprint: nil)
        let unrelated = ExistingIssue(reference: "#5", title: "Logo", body: "Blurry.", fingerprint: nil)
        // Close in embedding space, but about no file of the draft: small models embed most texts close together.
        let elsewhere = ExistingIssue(
            reference: "#6", title: "Parse the config faster", body: "Loading takes seconds.", fingerprint: nil)
        let plain = try await suggest(embedder: KeywordEmbedder(), existing: [unrelated, elsewhere])
        #expect(plain.drafts.count == 1 && plain.duplicates.isEmpty)
        let suggestions = try await suggest(embedder: KeywordEmbedder(), existing: [filed, unrelated])
        #expect(suggestions.drafts.isEmpty)
        #expect(suggestions.duplicates.map(\.duplicateOf) == ["#4 (https://example.com/4)"])
        #expect(suggestions.duplicates.first?.reason.hasPrefix("embedding similarity") == true)
    }

    @Test("a provider whose embeddings fail leaves the wording checks, and the run says so")
    func failingEmbeddings() async throws {
        let filed = ExistingIssue(reference: "#4", title: "Crash on bad parse input", body: "", fingerprint: nil)
        let suggestions = try await suggest(embedder: KeywordEmbedder(failing: true), existing: [filed])
        #expect(suggestions.drafts.count == 1)
        #expect(suggestions.notes.contains { $0.contains("the embeddings failed (this model does not embed)") })
    }
}
