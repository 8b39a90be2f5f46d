import Foundation
import RepositoryAnalysis
import TicketMaster

/// A history kept in memory, for tests of the stages that record into it.
///
/// It applies the same `HistoryPolicy` as the SQLite store; search matches words as case-insensitive substrings
/// instead of full-text tokens.
public actor MemoryHistoryStore: HistoryStore {
    /// What the store keeps.
    public let policy: HistoryPolicy

    public nonisolated var locationDescription: String { "memory" }
    private var runRecords: [RunRecord] = []
    private var signalRecords: [SignalRecord] = []
    private var draftRecords: [DraftRecord] = []
    private var modelCallRecords: [ModelCallRecord] = []
    private var publicationRecords: [PublicationRecord] = []
    private var eventRecords: [RunEventRecord] = []
    private var claims: [[String]: (holder: String, until: Date)] = [:]
    private var lastId: Int64 = 0

    /// An empty history.
    public init(policy: HistoryPolicy = HistoryPolicy()) {
        self.policy = policy
    }

    private func nextId() -> Int64 {
        lastId += 1
        return lastId
    }

    private func requireRun(_ id: Int64) throws {
        guard runRecords.contains(where: { $0.id == id }) else { throw TicketMasterError.unknownRun(id, in: "memory") }
    }

    public func startRun(_ run: RunRecord) -> RunRecord {
        var record = run.applying(policy)
        record.id = nextId()
        runRecords.append(record)
        return record
    }

    public func finishRun(_ id: Int64, outcome: RunOutcome, counts: RunCounts, message: String?, at date: Date) throws {
        guard let index = runRecords.firstIndex(where: { $0.id == id }) else {
            throw TicketMasterError.unknownRun(id, in: "memory")
        }
        runRecords[index].finish(outcome: outcome, counts: counts, message: message.map(policy.redact), at: date)
    }

    public func recordSignals(_ signals: [Signal], runId: Int64) throws {
        try requireRun(runId)
        for signal in signals {
            var record = SignalRecord(runId: runId, signal: signal).applying(policy)
            record.id = nextId()
            signalRecords.append(record)
        }
    }

    public func recordDraft(_ draft: DraftRecord) throws -> DraftRecord {
        try requireRun(draft.runId)
        var record = draft.applying(policy)
        record.id = nextId()
        draftRecords.append(record)
        return record
    }

    public func setStatus(_ status: DraftStatus, ofDraft id: Int64, duplicateOf: String?) throws {
        guard let index = draftRecords.firstIndex(where: { $0.id == id }) else {
            throw TicketMasterError(.usage, "no draft \(id) in the history")
        }
        draftRecords[index].status = status
        draftRecords[index].duplicateOf = policy.redactLocation(duplicateOf)
    }

    public func recordModelCall(_ call: ModelCallRecord) throws -> ModelCallRecord {
        try requireRun(call.runId)
        var record = call.applying(policy)
        record.id = nextId()
        modelCallRecords.append(record)
        return record
    }

    public func recordPublication(_ publication: PublicationRecord) throws -> PublicationRecord {
        try requireRun(publication.runId)
        var record = publication.applying(policy)
        record.id = nextId()
        publicationRecords.append(record)
        claims[[publication.tracker, publication.repository, publication.fingerprint]] = nil
        if let index = draftRecords.firstIndex(where: { $0.id != nil && $0.id == record.draftId }) {
            draftRecords[index].status = .filed
            draftRecords[index].duplicateOf = nil
        }
        return record
    }

    public func runs(limit: Int) -> [RunRecord] {
        Array(
            runRecords.sorted { ($0.startedAt, $0.id ?? 0) > ($1.startedAt, $1.id ?? 0) }.prefix(max(0, limit)))
    }

    public func run(_ id: Int64) throws -> RunDetail {
        guard let run = runRecords.first(where: { $0.id == id }) else {
            throw TicketMasterError.unknownRun(id, in: "memory")
        }
        return RunDetail(
            run: run, signals: signalRecords.filter { $0.runId == id }, drafts: draftRecords.filter { $0.runId == id },
            modelCalls: modelCallRecords.filter { $0.runId == id },
            publications: publicationRecords.filter { $0.runId == id },
            events: eventRecords.filter { $0.runId == id }.sorted { $0.sequence < $1.sequence })
    }

    public func drafts(withFingerprints fingerprints: [String]) -> [DraftRecord] {
        let wanted = Set(fingerprints)
        return draftRecords.filter { wanted.contains($0.fingerprint) }
    }

    public func search(_ text: String, limit: Int) -> [SearchHit] {
        let words = text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { return [] }
        func matches(_ fields: String...) -> Bool {
            let haystack = fields.joined(separator: " ").lowercased()
            return words.allSatisfy { haystack.contains($0) }
        }
        let drafts = draftRecords.filter { matches($0.title, $0.body) }.map {
            SearchHit(
                kind: .draft, runId: $0.runId, id: $0.id ?? 0, title: $0.title, snippet: String($0.body.prefix(120)),
                status: $0.status)
        }
        let issues = publicationRecords.filter { matches($0.title) }.map {
            SearchHit(kind: .issue, runId: $0.runId, id: $0.id ?? 0, title: $0.title, snippet: $0.title, url: $0.url)
        }
        return Array((drafts + issues).sorted { $0.runId > $1.runId }.prefix(max(0, limit)))
    }

    public func stats() -> HistoryStats {
        var months: [String: HistoryStats.Month] = [:]
        for run in runRecords {
            let month = Self.month(run.startedAt)
            months[month, default: .init(month: month, runs: 0, issuesFiled: 0)].runs += 1
        }
        for publication in publicationRecords {
            let month = Self.month(publication.publishedAt)
            months[month, default: .init(month: month, runs: 0, issuesFiled: 0)].issuesFiled += 1
        }
        var usage: [String: HistoryStats.Usage] = [:]
        for call in modelCallRecords {
            let month = Self.month(call.calledAt)
            let key = month + "\u{0}" + call.provider
            var entry =
                usage[key]
                ?? .init(month: month, provider: call.provider, calls: 0, promptTokens: 0, completionTokens: 0, cost: 0)
            entry.calls += 1
            entry.promptTokens += call.promptTokens
            entry.completionTokens += call.completionTokens
            entry.cost += call.cost ?? 0
            usage[key] = entry
        }
        return HistoryStats(
            runs: runRecords.count,
            outcomes: Dictionary(grouping: runRecords, by: \.outcome.rawValue).mapValues(\.count),
            drafts: draftRecords.count, issuesFiled: publicationRecords.count,
            months: months.values.sorted { $0.month < $1.month },
            usage: usage.values.sorted { ($0.month, $0.provider) < ($1.month, $1.provider) })
    }

    public func recordEvents(_ events: [RunEventRecord]) throws {
        for event in events {
            try requireRun(event.runId)
            guard !eventRecords.contains(where: { $0.runId == event.runId && $0.sequence == event.sequence }) else {
                throw TicketMasterError(.failure, "run \(event.runId) already has an event \(event.sequence)")
            }
            var record = event.applying(policy)
            record.id = nextId()
            eventRecords.append(record)
        }
    }

    private static func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
    }

    public func claimFiling(_ request: FilingClaimRequest) -> FilingClaim {
        if let filed = publicationRecords.first(where: {
            $0.tracker == request.tracker && $0.repository == request.repository
                && $0.fingerprint == request.fingerprint
        }) {
            return .filed(number: filed.number, url: filed.url, title: filed.title)
        }
        let key = [request.tracker, request.repository, request.fingerprint]
        if let claim = claims[key], claim.holder != request.holder, claim.holder != request.replacing,
            claim.until > Date()
        {
            return .held(by: claim.holder, until: claim.until)
        }
        claims[key] = (request.holder, request.until)
        return .claimed
    }

    public func releaseFiling(fingerprint: String, tracker: String, repository: String, holder: String) {
        let key = [tracker, repository, fingerprint]
        if claims[key]?.holder == holder { claims[key] = nil }
    }
}
