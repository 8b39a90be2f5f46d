import Foundation
import LanguageModels
import RepositoryAnalysis

/// A draft after review: the text to publish, its score, and why it is what it is.
public struct ReviewedDraft: Codable, Sendable, Hashable {
    /// The draft to publish.
    public var draft: IssueDraft
    /// A 0–100 quality score from the reviewing model, when one reviewed it.
    public var score: Int?
    /// Why the draft is what it is: review reasons, rewrites, fallbacks.
    public var notes: [String]
    /// Why the planner chose it: its rank, severity and evidence.
    public var reason: String = ""
    /// The repository's issue template the body follows (its path), when one fits.
    public var template: String?
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
    /// Run-level notes: the model that wrote, or why none did.
    public var notes: [String]
    /// Model calls made, and tokens used.
    public var modelCalls: Int
    /// Prompt tokens sent.
    public var promptTokens: Int
    /// Completion tokens received.
    public var completionTokens: Int
    /// Whether Ctrl-C stopped the run before every planned issue was written; the drafts are those finished.
    public var interrupted: Bool
    /// Findings the planner left out, and why.
    public var leftOut: [LeftOut] = []
    /// What the discovery stage read and what became of the defects it reported; nil when it did not run.
    public var discovery: DiscoveryCounts?
    /// Issues filed earlier whose evidence changed or went: commented on or closed when the run files.
    public var upkeep: [IssueUpkeep] = []
}

/// From findings to reviewed, de-duplicated drafts: plan, write (with a model when there is one), check, review,
/// fall back to the plain writer, de-duplicate.
public struct SuggestionPipeline: Sendable {
    /// The run's configuration.
    public var configuration: Configuration
    /// Secrets that must never reach a draft.
    public var secrets: [String]
    /// The model stages, when a model is available.
    public var writer: ModelWriter?
    /// Drafts the reviewing model scores below this are not published as written.
    public var reviewThreshold: Int

    /// Creates a pipeline.
    public init(configuration: Configuration, secrets: [String], writer: ModelWriter?, reviewThreshold: Int = 60) {
        self.configuration = configuration
        self.secrets = secrets
        self.writer = writer
        self.reviewThreshold = reviewThreshold
    }

    /// Runs the pipeline on an analysis report.
    ///
    /// - Parameters:
    ///   - existing: issues already on the tracker, to de-duplicate against.
    ///   - history: the run's journal: model calls are recorded there, and issues earlier runs filed are skipped.
    ///   - citations: what the analysed commit contains, for checking cited paths and lines.
    public func suggest(
        from report: RepositoryReport, links: LinkContext, existing: [ExistingIssue] = [], history: RunJournal? = nil,
        citations: any CitationOracle, templates: [IssueTemplate] = [], events: RunEvents = .ignored
    ) async throws -> Suggestions {
        let generation = configuration.issueGeneration
        let forms = IssueTemplates(templates, choice: generation.issueTemplate)
        var state = RunState(writer: writer)
        var signals = report.signals
        var discovery: DiscoveryCounts?
        if let writer, writer.discovering != nil {
            let found = await writer.discover(
                in: report, citations: citations, passages: writer.discoveryPassages,
                progress: { events(.discovering(completed: $0, total: $1)) })
            state.add(found.calls)
            await record(&state, history: history, events: events)
            signals += found.signals
            discovery = found.counts
            state.notes.append(found.counts.summary)
            if let error = found.stoppedBy {
                state.notes.append("discovery stopped early: \(error.message)")
                // A spent budget or a server that is down will not recover for the drafts either.
                if error.code != .invalidStructuredOutput { state.disableModel(because: error) }
            }
        }
        var backlog = Planner(
            types: generation.types, maxIssues: generation.maxIssues, maxPerKind: generation.maxPerKind,
            minSeverity: generation.minSeverity
        ).backlog(signals)
        var planned = backlog.issues
        var perKind = Dictionary(grouping: planned, by: { $0.signals[0].kind }).mapValues(\.count)
        let plainWriter = PlainWriter(
            defaultLabels: configuration.github.defaultLabels, links: links, toolchain: report.toolchain)
        let checks = DraftChecks(
            minDescriptionLength: generation.minDescriptionLength, secrets: secrets,
            allowedLinkPrefixes: links.allowedPrefixes)
        var reviewed: [ReviewedDraft] = []
        var interrupted = false
        var index = -1
        while index + 1 < planned.count {
            index += 1
            let plan = planned[index]
            // Ctrl-C stops between issues and keeps the ones finished.
            if Task.isCancelled {
                interrupted = true
                break
            }
            events(.writing(completed: index, total: planned.count))
            let plain = plainWriter.draft(plan)
            let plainProblems = await checks.problems(in: plain, citations: citations)
            guard plainProblems.isEmpty else {
                // The plain writer only restates evidence; a failure means the evidence itself is stale.
                let reason =
                    "its evidence no longer holds (" + plainProblems.map(\.description).joined(separator: "; ") + ")"
                state.notes.append("left out \"\(plain.title)\": " + reason)
                events(.draftLeftOut(title: plain.title, reason: reason))
                // Its place goes to the next candidate that fits the caps.
                perKind[plan.signals[0].kind, default: 1] -= 1
                if let next = backlog.promote(counts: perKind, maxPerKind: generation.maxPerKind) {
                    perKind[next.signals[0].kind, default: 0] += 1
                    planned.append(next)
                }
                continue
            }
            let written: ReviewedDraft?
            do {
                written = try await write(plan, plain: plain, checks: checks, citations: citations, state: &state)
            } catch is CancellationError {
                written = nil
            }
            await record(&state, history: history, events: events)
            guard var written, !Task.isCancelled else {
                // This issue's model call was cut short; the next run writes it again.
                interrupted = true
                break
            }
            written.reason = plan.reason
            // The repository's own form, when one fits: written last, so that checks and reviews saw the sections.
            let (chosen, passedOver) = forms.choose(for: written.draft)
            written.notes += passedOver.map { $0 + " (the analysis cannot fill them)" }
            if let template = chosen {
                let (formed, problems) = IssueTemplates.apply(template, to: written.draft)
                written.draft = formed
                written.template = template.path
                written.notes += problems.map { "issue template \(template.path): \($0) from the analysis" }
            }
            reviewed.append(written)
            if written.draft.writer != .plain, let rewrite = written.notes.first(where: { $0.hasPrefix("rewritten") }) {
                events(.draftRewritten(title: written.draft.title, reason: rewrite))
            }
            // The model tried and its draft went unused: say why the plain writer's took its place.
            if written.draft.writer == .plain, written.notes.first != "written by the plain writer" {
                events(.plainWriterUsed(title: written.draft.title, reason: written.notes.joined(separator: "; ")))
            }
            events(
                .draftWritten(
                    title: written.draft.title, writer: written.draft.writer.name, score: written.score))
        }
        if interrupted {
            state.notes.append("interrupted: \(reviewed.count) of \(planned.count) planned issues were written")
        } else {
            events(.writing(completed: planned.count, total: planned.count))
        }
        let drafts = reviewed.map(\.draft)
        // Reads history even after Ctrl-C, so that what is kept is de-duplicated like a finished run.
        let filed = try await Task { try await history?.previouslyFiled(drafts) ?? [] }.value
        let known = existing + filed
        var embeddings: Deduplicator.Embeddings?
        if let embedder = writer?.embedder, !reviewed.isEmpty, !interrupted {
            do {
                embeddings = try await Deduplicator.embed(reviewed.map(\.draft), known, with: embedder)
            } catch let error as LanguageModelError {
                state.notes.append(
                    "duplicates were found by evidence and wording only: the embeddings failed (\(error.message))")
            }
        }
        let deduplicator = Deduplicator(embeddingThreshold: generation.duplicateEmbeddingSimilarity)
        let (new, duplicates) = deduplicator.deduplicate(
            reviewed.map(\.draft), against: known, embeddings: embeddings)
        let kept = Set(new.map(\.fingerprint))
        for duplicate in duplicates {
            events(
                .duplicateSetAside(
                    title: duplicate.draft.title, duplicateOf: duplicate.duplicateOf, reason: duplicate.reason))
        }
        return Suggestions(
            drafts: reviewed.filter { kept.contains($0.draft.fingerprint) }, duplicates: duplicates,
            signalCount: signals.count, commit: report.headCommit, notes: state.notes,
            modelCalls: state.calls, promptTokens: state.promptTokens, completionTokens: state.completionTokens,
            interrupted: interrupted, leftOut: backlog.leftOut, discovery: discovery)
    }

    /// Reports and saves the model calls made since the last time, with their cost. Recorded even when Ctrl-C came
    /// during the calls: they were made and may have cost money.
    private func record(_ state: inout RunState, history: RunJournal?, events: RunEvents) async {
        let calls = state.pendingCalls
        state.pendingCalls.removeAll()
        let keepPrompts = configuration.history.keepPrompts
        let prices = configuration.priceTable
        await Task {
            for call in calls {
                let cost = prices.cost(of: call.usage, on: call.model)
                events(
                    .modelCall(
                        stage: call.stage, model: "\(call.model)", promptTokens: call.usage.promptTokens,
                        completionTokens: call.usage.completionTokens, cost: cost))
                await history?.record(call, keepPrompts: keepPrompts, cost: cost)
            }
        }.value
    }

    /// The model's draft when it passes the checks and every review stage, else the plain writer's.
    ///
    /// A draft gets one rewrite, told what went wrong: a draft that fails the checks is written again with their
    /// problems; one a review stage scores below its threshold is replaced by that stage's own rewrite, which
    /// fixes its reasons at no extra call. The rewrite must pass the checks and every review again, or the plain
    /// writer's draft is used. With one review stage that is at most three calls an issue.
    private func write(
        _ plan: PlannedIssue, plain: IssueDraft, checks: DraftChecks, citations: any CitationOracle,
        state: inout RunState
    ) async throws -> ReviewedDraft {
        guard var writer = state.writer else {
            return ReviewedDraft(draft: plain, score: nil, notes: ["written by the plain writer"])
        }
        let start = state.calls
        /// Calls the model may still make before it is set aside: each one whose output goes unused counts. A model
        /// whose last draft was used has the whole of this issue's budget.
        func remaining(_ state: RunState) -> Int {
            state.strikes == 0 ? Int.max : RunState.strikeLimit - state.strikes - (state.calls - start)
        }
        /// The plain draft, with this issue's calls counted as unused; the model is set aside at the limit.
        func plainDraft(_ notes: [String], score: Int? = nil, state: inout RunState) -> ReviewedDraft {
            state.strikes += state.calls - start
            if state.strikes >= RunState.strikeLimit { state.setAsideRejectedModel() }
            return ReviewedDraft(draft: plain, score: score, notes: notes)
        }
        let exhausted = [
            "the model's output went unused \(RunState.strikeLimit) calls in a row; plain writer used, and for the rest "
                + "of the run"
        ]
        // With one call left, a reply that breaks the schema gets no repair: the last chance costs one call.
        writer.repairsInvalidOutput = remaining(state) > 1
        let code = await Self.codeContext(of: plan, citations: citations)
        do {
            var (draft, calls) = try await writer.draft(plan, plain: plain, problems: [], code: code)
            state.add(calls)
            var rewrite: String?
            while true {
                let problems = await checks.problems(in: draft, citations: citations).map(\.description)
                if !problems.isEmpty {
                    guard rewrite == nil else {
                        return plainDraft(
                            [
                                "the rewritten draft failed the checks (\(problems.joined(separator: "; "))); "
                                    + "plain writer used"
                            ], state: &state)
                    }
                    guard remaining(state) > 0 else { return plainDraft(exhausted, state: &state) }
                    writer.repairsInvalidOutput = remaining(state) > 1
                    rewrite = "rewritten once to pass the checks: " + problems.joined(separator: "; ")
                    (draft, calls) = try await writer.draft(plan, plain: plain, problems: problems, code: code)
                    state.add(calls)
                    continue
                }
                writer.repairsInvalidOutput = remaining(state) > 1
                switch try await review(
                    draft, plan: plan, writer: writer, code: code, state: &state, remaining: remaining)
                {
                case .passed(let score, let reasons):
                    state.strikes = 0
                    return ReviewedDraft(draft: draft, score: score, notes: (rewrite.map { [$0] } ?? []) + reasons)
                case .exhausted:
                    return plainDraft(exhausted, state: &state)
                case .failed(let stage, let score, let threshold, let reasons, let rewritten):
                    guard rewrite == nil else {
                        // A low score after a rewrite means the prose is not worth a maintainer's time; the evidence is.
                        return plainDraft(
                            ["\(stage) scored the model's draft \(score), below \(threshold); plain writer used"]
                                + reasons, score: score, state: &state)
                    }
                    let why = reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")
                    rewrite = "rewritten once by \(stage), which scored the first draft \(score)" + why
                    draft = rewritten
                }
            }
        } catch let failure as ModelWriter.StageError {
            state.add(failure.calls)
            let error = failure.error
            if error.code != .invalidStructuredOutput {
                // A model that is down, over budget or refusing the key will not recover within the run.
                state.disableModel(because: error)
            }
            return plainDraft(["the model failed (\(error.message)); plain writer used"], state: &state)
        }
    }

    /// What the review stages made of a draft.
    private enum Verdict {
        /// Every stage scored it at or above its threshold; the score is the lowest.
        case passed(score: Int?, reasons: [String])
        /// A stage scored it below its threshold, and rewrote it.
        case failed(stage: String, score: Int, threshold: Int, reasons: [String], rewrite: IssueDraft)
        /// The model may make no more calls in this run.
        case exhausted
    }

    /// Runs the review stages in order, stopping at the first that fails the draft.
    private func review(
        _ draft: IssueDraft, plan: PlannedIssue, writer: ModelWriter, code: CodeContext?, state: inout RunState,
        remaining: (RunState) -> Int
    ) async throws -> Verdict {
        var lowest: Int?
        var reasons: [String] = []
        for reviewer in writer.reviews {
            guard remaining(state) > 0 else { return .exhausted }
            let review = try await writer.review(draft, planned: plan, by: reviewer, code: code)
            state.add(review.calls)
            let threshold = reviewer.stage.threshold ?? reviewThreshold
            guard review.score >= threshold else {
                return .failed(
                    stage: reviewer.stage.name, score: review.score, threshold: threshold, reasons: review.reasons,
                    rewrite: review.rewrite)
            }
            lowest = min(lowest ?? review.score, review.score)
            reasons +=
                writer.reviews.count > 1 ? review.reasons.map { "\(reviewer.stage.name): \($0)" } : review.reasons
        }
        return .passed(score: lowest, reasons: reasons)
    }
}

/// What the pipeline tracks across the issues of one run.
private struct RunState {
    var writer: ModelWriter?
    var notes: [String] = []
    var calls = 0
    var promptTokens = 0
    var completionTokens = 0
    var pendingCalls: [ModelCall] = []

    init(writer: ModelWriter?) {
        self.writer = writer
        if let writer {
            var note = "drafts written by \(writer.drafting.model.descriptor) and checked against the repository"
            let reviewers = writer.reviews.map { "\($0.stage.name) (\($0.model.descriptor))" }
            if !reviewers.isEmpty { note += "; reviewed by " + reviewers.joined(separator: ", ") }
            notes.append(note)
        } else {
            notes.append("no language model configured or reachable: every draft was written by the plain writer")
        }
    }

    mutating func add(_ calls: [ModelCall]) {
        pendingCalls += calls
        self.calls += calls.count
        for call in calls {
            promptTokens += call.usage.promptTokens
            completionTokens += call.usage.completionTokens
        }
    }

    /// A model whose output goes unused this many calls in a row writes no more of the run: every such call is
    /// paid for, and a model that cannot write will not learn within the run.
    static let strikeLimit = 3
    /// Model calls in a row whose output did not end up in a draft: drafts that failed the checks or a review,
    /// reviews whose rewrite was rejected, replies that broke the schema and their repairs.
    var strikes = 0

    /// Sets the model aside for the rest of the run, and says why.
    mutating func setAsideRejectedModel() {
        guard writer != nil else { return }
        writer = nil
        notes.append(
            "the model's output went unused \(Self.strikeLimit) calls in a row; the rest of the run was written by "
                + "the plain writer")
    }

    mutating func disableModel(because error: LanguageModelError) {
        writer = nil
        notes.append("the model was set aside for the rest of the run: \(error.message)")
    }
}

extension SuggestionPipeline {
    /// The code the model reads with the findings: the block around each of the first cited lines of the issue's
    /// first findings, at the analysed commit.
    static func codeContext(of plan: PlannedIssue, citations: any CitationOracle) async -> CodeContext? {
        var cited: [CodeContext.Citation] = []
        var outlines: [CodeContext.Outline] = []
        var changes: [CodeContext.Change] = []
        for signal in plan.signals.prefix(3) {
            for location in signal.evidence.locations.prefix(2) {
                guard let lines = await citations.lines(of: location.path) else { continue }
                if let line = location.startLine {
                    cited.append(CodeContext.Citation(path: location.path, lines: lines, line: line))
                } else if RepositoryReport.isCodePath(location.path), outlines.count < 2 {
                    // A file named as a whole (hot, untested, bug-prone): what it declares, to name what to change.
                    outlines.append(CodeContext.Outline(path: location.path, lines: lines))
                }
            }
            // What the last fixes of a bug-prone file changed: where its defects were.
            if signal.kind == .defectHotspot, let path = signal.evidence.locations.first?.path {
                for commit in signal.evidence.commits.prefix(2) {
                    if let diff = await citations.diff(of: commit.hash, path: path), !diff.isEmpty {
                        changes.append(CodeContext.Change(commit: commit.hash, subject: commit.subject, diff: diff))
                    }
                }
            }
        }
        guard !cited.isEmpty || !outlines.isEmpty || !changes.isEmpty else { return nil }
        return CodeContext(citations: cited, outlines: outlines, changes: changes)
    }
}
