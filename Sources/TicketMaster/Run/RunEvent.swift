import Foundation

/// Something that happened during a run, reported as it happens: the terminal shows them as progress, the web
/// service streams them as JSON, and a test asserts their sequence.
public enum RunEvent: Sendable, Codable, Hashable {
    /// Analysis is in `phase`, with `completed` of `total` steps done (`total` nil when unknown).
    case analyzing(phase: String, completed: Int, total: Int?)
    /// Analysis finished with `findings` findings, at `commit`.
    case analyzed(findings: Int, commit: String?)
    /// Ollama is pulling `model`: its status line and bytes.
    case pullingModel(model: String, status: String, completed: Int, total: Int?)
    /// The run is recorded in history as `runId`.
    case runStarted(runId: Int64)
    /// The discovery stage is reading passage `completed + 1` of `total`; `completed == total` when it is over.
    case discovering(completed: Int, total: Int)
    /// Issue `completed + 1` of `total` is being written; `completed == total` when writing is over.
    case writing(completed: Int, total: Int)
    /// A planned issue was left out: its evidence no longer holds.
    case draftLeftOut(title: String, reason: String)
    /// A draft is finished, by `writer` (`plain writer` or a model), with the reviewers' lowest score.
    case draftWritten(title: String, writer: String, score: Int?)
    /// A model's draft was written again, and why.
    case draftRewritten(title: String, reason: String)
    /// The plain writer's draft replaced a model's, and why.
    case plainWriterUsed(title: String, reason: String)
    /// A model call was made: its stage, model, tokens and cost in US dollars (nil when the model has no price).
    case modelCall(stage: String, model: String, promptTokens: Int, completionTokens: Int, cost: Double?)
    /// A draft was set aside as a duplicate of `duplicateOf` (an issue's URL or another draft's title).
    case duplicateSetAside(title: String, duplicateOf: String, reason: String)
    /// The drafts are saved: `drafts` to file, `duplicates` set aside.
    case draftsSaved(drafts: Int, duplicates: Int)
    /// An issue was filed.
    case issueFiled(title: String, number: Int, url: String)
    /// A draft was not filed on purpose: already on the tracker, declined, or kept off it.
    case issueSkipped(title: String, reason: String)
    /// Filing a draft failed.
    case issueFailed(title: String, reason: String)
    /// An issue filed earlier will be commented on or closed when the run files, because its evidence changed or
    /// went; a dry run shows it and stops there.
    case upkeepPlanned(IssueUpkeep)
    /// An issue filed earlier was commented on (`closed` false) or closed, saying what changed.
    case issueUpdated(number: Int, url: String, closed: Bool, summary: String)
    /// Requests to the tracker wait for a rate limit until `until`.
    case rateLimitWait(until: Date, reason: String)
    /// The run ended with `outcome`.
    case finished(outcome: RunOutcome, message: String?)
}

/// Where a run's events go: a function called in order, on the run's task, for every event.
public struct RunEvents: Sendable {
    private let handler: @Sendable (RunEvent) -> Void

    /// Events passed to `handler`.
    public init(_ handler: @escaping @Sendable (RunEvent) -> Void) {
        self.handler = handler
    }

    /// Events nobody listens to.
    public static let ignored = RunEvents { _ in }

    /// Reports `event`.
    public func callAsFunction(_ event: RunEvent) {
        handler(event)
    }
}

extension RunEvent {
    /// The event in one line, as `history show` lists it.
    public var summary: String {
        switch self {
        case .analyzing(let phase, let completed, let total):
            "\(phase) \(completed)" + (total.map { "/\($0)" } ?? "")
        case .analyzed(let findings, let commit):
            "analysed \(commit.map { String($0.prefix(10)) } ?? "an empty repository"): \(findings) findings"
        case .pullingModel(let model, let status, _, _): "pulling \(model): \(status)"
        case .runStarted(let runId): "run \(runId) started"
        case .discovering(let completed, let total):
            "reading the code for defects: passage \(min(completed + 1, total)) of \(total)"
        case .writing(let completed, let total): "writing issue \(min(completed + 1, total)) of \(total)"
        case .draftLeftOut(let title, let reason): "left out \"\(title)\": \(reason)"
        case .draftWritten(let title, let writer, let score):
            "wrote \"\(title)\" (\(writer)" + (score.map { ", score \($0)" } ?? "") + ")"
        case .draftRewritten(let title, let reason): "rewrote \"\(title)\": \(reason)"
        case .plainWriterUsed(let title, let reason): "plain writer for \"\(title)\": \(reason)"
        case .modelCall(let stage, let model, let prompt, let completion, let cost):
            "\(stage) call to \(model): \(prompt) in, \(completion) out"
                + (cost.map { String(format: ", $%.4f", $0) } ?? "")
        case .duplicateSetAside(let title, let duplicateOf, let reason):
            "set aside \"\(title)\": duplicate of \(duplicateOf) (\(reason))"
        case .draftsSaved(let drafts, let duplicates): "saved \(drafts) draft(s), \(duplicates) set aside"
        case .issueFiled(let title, let number, let url): "filed #\(number) \"\(title)\" \(url)"
        case .issueSkipped(let title, let reason): "did not file \"\(title)\": \(reason)"
        case .issueFailed(let title, let reason): "failed to file \"\(title)\": \(reason)"
        case .upkeepPlanned(let upkeep):
            "will \(upkeep.action == .close ? "close" : "comment on") #\(upkeep.number): \(upkeep.summary)"
        case .issueUpdated(let number, _, let closed, let summary):
            "\(closed ? "closed" : "commented on") #\(number): \(summary)"
        case .rateLimitWait(let until, let reason):
            "waiting until \(until.formatted(.iso8601)) for the tracker: \(reason)"
        case .finished(let outcome, let message): "finished: \(outcome.rawValue)" + (message.map { " (\($0))" } ?? "")
        }
    }
}
