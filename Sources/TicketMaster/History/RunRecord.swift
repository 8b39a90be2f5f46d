import Foundation
import GRDB

/// How a run ended; `running` until it ends, and for ever when the process was killed.
public enum RunOutcome: String, Codable, Sendable, CaseIterable, Hashable {
    case running, succeeded, failed, interrupted, partial
}

/// One run of the pipeline over a repository.
public struct RunRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var id: Int64?
    /// The repository's root folder.
    public var repositoryPath: String
    /// The remote the repository was cloned from or pushes to, without credentials.
    public var repositoryRemote: String?
    /// The commit analysed.
    public var commitHash: String?
    /// A digest of the effective configuration with secrets masked (`ResolvedConfiguration.digest`).
    public var configurationDigest: String
    /// When the run started.
    public var startedAt: Date
    /// When it ended; nil while running or when it was killed.
    public var finishedAt: Date?
    /// How it ended.
    public var outcome: RunOutcome
    /// How many signals analysis found.
    public var signalCount: Int
    /// How many drafts were written.
    public var draftCount: Int
    /// How many issues were filed.
    public var filedCount: Int
    /// Why it failed or stopped, in one line.
    public var message: String?

    /// A run that is starting now.
    public init(
        repositoryPath: String, repositoryRemote: String? = nil, commitHash: String? = nil,
        configurationDigest: String, startedAt: Date = Date()
    ) {
        self.repositoryPath = repositoryPath
        self.repositoryRemote = repositoryRemote
        self.commitHash = commitHash
        self.configurationDigest = configurationDigest
        self.startedAt = startedAt
        self.outcome = .running
        self.signalCount = 0
        self.draftCount = 0
        self.filedCount = 0
    }

    /// The record with stored text redacted by `policy`.
    public func applying(_ policy: HistoryPolicy) -> RunRecord {
        var copy = self
        copy.repositoryPath = policy.redact(repositoryPath)
        copy.repositoryRemote = policy.redactLocation(repositoryRemote)
        copy.message = message.map(policy.redact)
        return copy
    }
}

/// What a run produced, recorded when it ends.
public struct RunCounts: Codable, Sendable, Hashable {
    /// Signals found.
    public var signals: Int
    /// Drafts written.
    public var drafts: Int
    /// Issues filed.
    public var filed: Int

    /// Creates counts.
    public init(signals: Int = 0, drafts: Int = 0, filed: Int = 0) {
        self.signals = signals
        self.drafts = drafts
        self.filed = filed
    }
}

extension RunRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension RunRecord {
    /// Records how the run ended: `outcome` at `date`, with its `counts` and `message` (already redacted).
    public mutating func finish(outcome: RunOutcome, counts: RunCounts, message: String?, at date: Date) {
        self.outcome = outcome
        finishedAt = date
        signalCount = counts.signals
        draftCount = counts.drafts
        filedCount = counts.filed
        self.message = message
    }
}
