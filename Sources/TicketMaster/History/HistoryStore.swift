import Foundation
import RepositoryAnalysis

/// Where the pipeline records what each run did, and where users and later runs read it back.
///
/// `SQLiteHistoryStore` keeps it in a file shared by every process; `MemoryHistoryStore` (in `TicketMasterTesting`)
/// keeps it in memory for tests. Both apply a `HistoryPolicy` to every record they write.
public protocol HistoryStore: Sendable {
    /// Where the history is, for messages: a file's path, or a database URL without its password.
    var locationDescription: String { get }
    /// Records the start of a run; returns it with its id.
    func startRun(_ run: RunRecord) async throws -> RunRecord
    /// Records how run `id` ended.
    func finishRun(_ id: Int64, outcome: RunOutcome, counts: RunCounts, message: String?, at date: Date) async throws
    /// Records the signals run `runId` found.
    func recordSignals(_ signals: [Signal], runId: Int64) async throws
    /// Records a draft; returns it with its id.
    func recordDraft(_ draft: DraftRecord) async throws -> DraftRecord
    /// Records what became of draft `id`.
    func setStatus(_ status: DraftStatus, ofDraft id: Int64, duplicateOf: String?) async throws
    /// Records a model call; returns it with its id, and with its texts only if the policy keeps them.
    func recordModelCall(_ call: ModelCallRecord) async throws -> ModelCallRecord
    /// Records a filed issue and, in the same transaction, marks its draft filed: a process killed in between must not
    /// leave a draft that has an issue but still reads as approved. Returns the publication with its id.
    func recordPublication(_ publication: PublicationRecord) async throws -> PublicationRecord

    /// The most recent runs, newest first.
    func runs(limit: Int) async throws -> [RunRecord]
    /// Run `id` with everything it recorded; throws a usage error when there is no such run.
    func run(_ id: Int64) async throws -> RunDetail
    /// Earlier drafts with any of these fingerprints, oldest first: what was already suggested, skipped or filed.
    func drafts(withFingerprints fingerprints: [String]) async throws -> [DraftRecord]
    /// Drafts and filed issues whose text matches every word of `text` (as prefixes), best match first.
    func search(_ text: String, limit: Int) async throws -> [SearchHit]
    /// Totals, and model usage per provider per month.
    func stats() async throws -> HistoryStats

    /// Records events of a run, after those already recorded; their text is redacted by the store's policy.
    func recordEvents(_ events: [RunEventRecord]) async throws

    /// Claims the filing of `request.fingerprint` on `request.repository` for `request.holder`, in one
    /// transaction: `.filed` when a publication of that fingerprint there is recorded, `.held` while another
    /// holder's claim lasts, and `.claimed` otherwise (a lapsed or own claim is taken over). Recording the
    /// publication ends the claim.
    func claimFiling(_ request: FilingClaimRequest) async throws -> FilingClaim
    /// Gives up `holder`'s claim on filing `fingerprint` on `repository`, if it still holds it.
    func releaseFiling(fingerprint: String, tracker: String, repository: String, holder: String) async throws
}

/// A run and everything it recorded.
public struct RunDetail: Codable, Sendable, Hashable {
    /// The run.
    public var run: RunRecord
    /// The signals it found.
    public var signals: [SignalRecord]
    /// The drafts it wrote.
    public var drafts: [DraftRecord]
    /// The model calls it made.
    public var modelCalls: [ModelCallRecord]
    /// The issues it filed.
    public var publications: [PublicationRecord]
    /// What happened, in order.
    public var events: [RunEventRecord]

    /// Creates a detail.
    public init(
        run: RunRecord, signals: [SignalRecord], drafts: [DraftRecord], modelCalls: [ModelCallRecord],
        publications: [PublicationRecord], events: [RunEventRecord] = []
    ) {
        self.events = events
        self.run = run
        self.signals = signals
        self.drafts = drafts
        self.modelCalls = modelCalls
        self.publications = publications
    }
}

/// One result of a history search.
public struct SearchHit: Codable, Sendable, Hashable {
    /// What matched.
    public enum Kind: String, Codable, Sendable, Hashable {
        case draft, issue
    }

    /// A draft, or a filed issue.
    public var kind: Kind
    /// The run that wrote or filed it.
    public var runId: Int64
    /// The draft's id, or the publication's.
    public var id: Int64
    /// The title.
    public var title: String
    /// A short excerpt around the match, with matches in `[` `]`.
    public var snippet: String
    /// The draft's status, for drafts.
    public var status: DraftStatus?
    /// The issue's address, for filed issues.
    public var url: String?

    /// Creates a hit.
    public init(
        kind: Kind, runId: Int64, id: Int64, title: String, snippet: String, status: DraftStatus? = nil,
        url: String? = nil
    ) {
        self.kind = kind
        self.runId = runId
        self.id = id
        self.title = title
        self.snippet = snippet
        self.status = status
        self.url = url
    }
}

/// What the history adds up to.
public struct HistoryStats: Codable, Sendable, Hashable {
    /// Runs per month and issues filed per month.
    public struct Month: Codable, Sendable, Hashable {
        /// `YYYY-MM`, UTC.
        public var month: String
        /// Runs started that month.
        public var runs: Int
        /// Issues filed that month.
        public var issuesFiled: Int

        /// Creates a month.
        public init(month: String, runs: Int, issuesFiled: Int) {
            self.month = month
            self.runs = runs
            self.issuesFiled = issuesFiled
        }
    }

    /// Model usage of one provider in one month.
    public struct Usage: Codable, Sendable, Hashable {
        /// `YYYY-MM`, UTC.
        public var month: String
        /// The provider.
        public var provider: String
        /// Calls made.
        public var calls: Int
        /// Tokens sent.
        public var promptTokens: Int
        /// Tokens received.
        public var completionTokens: Int
        /// US dollars, counting calls of unknown price as free.
        public var cost: Double

        /// Creates usage.
        public init(month: String, provider: String, calls: Int, promptTokens: Int, completionTokens: Int, cost: Double)
        {
            self.month = month
            self.provider = provider
            self.calls = calls
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.cost = cost
        }
    }

    /// Every run.
    public var runs: Int
    /// Runs by outcome (`succeeded`, `failed`, …); outcomes with no run are left out.
    public var outcomes: [String: Int]
    /// Every draft.
    public var drafts: Int
    /// Every filed issue.
    public var issuesFiled: Int
    /// Per month, oldest first.
    public var months: [Month]
    /// Per month and provider, oldest first.
    public var usage: [Usage]

    /// Creates stats.
    public init(
        runs: Int, outcomes: [String: Int], drafts: Int, issuesFiled: Int, months: [Month], usage: [Usage]
    ) {
        self.runs = runs
        self.outcomes = outcomes
        self.drafts = drafts
        self.issuesFiled = issuesFiled
        self.months = months
        self.usage = usage
    }
}

extension TicketMasterError {
    /// The error for a run id the history does not have.
    public static func unknownRun(_ id: Int64, in location: String) -> TicketMasterError {
        TicketMasterError(
            .usage, "no run \(id) in the history at \(location); `ticket-master history list` shows the runs")
    }
}
