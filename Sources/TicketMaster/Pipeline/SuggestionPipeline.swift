import Foundation
import RepositoryAnalysis

/// A draft after review: the text to publish, its score, and why it is what it is.
public struct ReviewedDraft: Codable, Sendable, Hashable {
    /// The draft to publish.
    public var draft: IssueDraft
    /// A 0–100 quality score from the reviewing model, when one reviewed it.
    public var score: Int?
    /// Why the draft is what it is: problems found, rewrites, fallbacks.
    public var notes: [String]
}

/// What a pipeline run produced.
public struct Suggestions: Codable, Sendable {
    /// The drafts to preview or publish, best first.
    public var drafts: [ReviewedDraft]
    /// Drafts set aside as duplicates, with what they duplicate.
    public var duplicates: [Duplicate]
    /// Findings analysis produced, before planning.
    public var signalCount: Int
    /// The analysed commit.
    public var commit: String?
}

/// From findings to reviewed, de-duplicated drafts: plan, write, check, de-duplicate.
public struct SuggestionPipeline: Sendable {
    /// The run's configuration.
    public var configuration: Configuration
    /// Secrets that must never reach a draft.
    public var secrets: [String]

    /// Creates a pipeline.
    public init(configuration: Configuration, secrets: [String]) {
        self.configuration = configuration
        self.secrets = secrets
    }

    /// Runs the pipeline on an analysis report.
    ///
    /// - Parameters:
    ///   - existing: issues already on the tracker, to de-duplicate against.
    ///   - history: the run's journal, to de-duplicate against issues earlier runs filed.
    ///   - citations: what the analysed commit contains, for checking cited paths and lines.
    public func suggest(
        from report: RepositoryReport, links: LinkContext, existing: [ExistingIssue] = [], history: RunJournal? = nil,
        citations: any CitationOracle
    ) async throws -> Suggestions {
        let generation = configuration.issueGeneration
        // Plan more than needed: some drafts may turn out to be duplicates.
        let planned = Planner(types: generation.types, maxIssues: generation.maxIssues * 2).plan(report.signals)
        let writer = PlainWriter(defaultLabels: configuration.github.defaultLabels, links: links)
        let checks = DraftChecks(
            minDescriptionLength: generation.minDescriptionLength, secrets: secrets,
            allowedLinkPrefixes: links.allowedPrefixes)
        var reviewed: [ReviewedDraft] = []
        for plan in planned {
            try Task.checkCancellation()
            let draft = writer.draft(plan)
            let problems = await checks.problems(in: draft, citations: citations)
            guard problems.isEmpty else {
                // The plain writer only restates evidence, so a failure here means the evidence itself is stale.
                continue
            }
            reviewed.append(ReviewedDraft(draft: draft, score: nil, notes: ["written by the plain writer"]))
        }
        let filed = try await history?.previouslyFiled(reviewed.map(\.draft)) ?? []
        let (new, duplicates) = Deduplicator().deduplicate(reviewed.map(\.draft), against: existing + filed)
        let kept = Set(new.map(\.fingerprint))
        return Suggestions(
            drafts: Array(reviewed.filter { kept.contains($0.draft.fingerprint) }.prefix(generation.maxIssues)),
            duplicates: duplicates, signalCount: report.signals.count, commit: report.headCommit)
    }
}
