import Foundation
import RepositoryAnalysis
import TicketMaster
import TicketMasterTesting

/// A real repository, committed long ago, analysed and run through the suggestion pipeline.
enum PipelineFixture {
    /// The parser with one FIXME: a single maintenance finding.
    static let parser = ["Sources/Parser.swift": "func parse() {\n    // FIXME: handle malformed input\n}\n"]

    /// Writes `files` into a new repository, analyses it and runs the pipeline with `writer`, recording the run in
    /// `history` when given; the repository is removed afterwards.
    static func suggest(
        files: [String: String] = parser, writer: ModelWriter?, existing: [ExistingIssue] = [],
        history: (any HistoryStore)? = nil, configure: (inout Configuration) -> Void = { _ in }
    ) async throws -> Suggestions {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        for (path, text) in files.sorted(by: { $0.key < $1.key }) { try repository.write(text, to: path) }
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
        let report = try await RepositoryAnalyzer(options: AnalysisOptions()).analyze(at: repository.url)
        var configuration = Configuration.defaults
        // The fixture's notes are tasks with no evidence beyond their words, which rank low: the pipeline is what
        // these tests are about, so they are suggested.
        configuration.issueGeneration.minSeverity = .low
        configure(&configuration)
        let remote = try RemoteRepository(parsing: "acme/api")
        var journal: RunJournal?
        if let history {
            journal = try await RunJournal.start(
                store: history, repository: repository.url.path, remote: remote, report: report,
                configurationDigest: "0")
        }
        return try await SuggestionPipeline(
            configuration: configuration, secrets: [], writer: writer,
            reviewThreshold: configuration.issueGeneration.reviewThreshold
        ).suggest(
            from: report,
            links: LinkContext(remote: remote, commit: report.headCommit), existing: existing, history: journal,
            citations: GitCitationOracle(repository: repository.url, commit: report.headCommit, git: GitExecutable()))
    }
}
