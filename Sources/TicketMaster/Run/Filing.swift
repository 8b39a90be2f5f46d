import Foundation
import IssueTrackers
import RepositoryAnalysis

/// What a person decided about the drafts of a run.
public struct ApprovalOutcome: Sendable {
    /// Drafts to file, as approved (and possibly edited).
    public var approved: [PendingIssue]
    /// Drafts declined, by history id.
    public var skipped: [Int64]

    /// Creates an outcome.
    public init(approved: [PendingIssue] = [], skipped: [Int64] = []) {
        self.approved = approved
        self.skipped = skipped
    }
}

/// Who decides which drafts are filed: a person at a terminal, `--yes`, a reviewer in the web service.
public protocol ApprovalPolicy: Sendable {
    /// The drafts of run `runId` to file on `target`, and those declined.
    func review(_ drafts: [DraftRecord], target: TrackerTarget, runId: Int64) async throws -> ApprovalOutcome
}

/// Files every draft without asking (`--yes`).
public struct ApproveAll: ApprovalPolicy {
    /// The policy.
    public init() {}

    public func review(_ drafts: [DraftRecord], target: TrackerTarget, runId: Int64) async throws -> ApprovalOutcome {
        ApprovalOutcome(approved: drafts.map(PendingIssue.init))
    }
}

/// Where a run files and with which token: settled before the slow work, so a missing token fails fast.
public struct Filing: Sendable {
    /// The forge and repository.
    public let target: TrackerTarget
    /// The tracker, with its token.
    public let tracker: any IssueTracker

    /// Works out where to file and finds the token; no request is sent yet.
    public static func prepare(
        remote: RemoteRepository?, environment: RunEnvironment, events: RunEvents = .ignored
    ) async throws -> Filing {
        guard let remote else {
            throw TicketMasterError(
                .usage,
                "no repository to file on: pass owner/repo (or --repo), or run in a clone with an origin remote")
        }
        let configuration = environment.configuration
        let target = try TrackerTarget.resolve(remote, configuration: configuration, environment: environment.variables)
        let token = try await target.token(configuration: configuration, environment: environment.variables)
        // A token from `gh` or a forge variable is not part of the configuration's secrets: mask it as well.
        environment.redactions.add { token.redacting($0) }
        environment.logger.debug("filing on \(target) at \(target.apiRoot.absoluteString) with the \(token)")
        let publishing = configuration.publishing
        let pacer = RequestPacer(
            configuration: RequestPacer.Configuration(
                contentCreationInterval: .milliseconds(Int64(publishing.pauseSeconds * 1000)),
                maximumWait: .seconds(publishing.maxWaitSeconds)),
            clock: environment.trackerClock, now: environment.now, logger: environment.logger,
            onWait: { until, reason in events(.rateLimitWait(until: until, reason: reason)) })
        let tracker = try target.makeTracker(token: token, pacer: pacer, logger: environment.logger)
        return Filing(target: target, tracker: tracker)
    }

    /// Asks `approval` which of `drafts` to file, files them, and finishes the run with the real outcome. Throws
    /// only when nothing could be filed (a rate limit or an unreachable tracker before the first issue); the
    /// report says what became of each draft otherwise, and ``check(_:runId:)`` turns an incomplete one into the
    /// error to exit with.
    public func file(
        _ drafts: [DraftRecord], journal: RunJournal, setAside: [PublishReport.SetAside] = [],
        approval: any ApprovalPolicy, environment: RunEnvironment, events caller: RunEvents = .ignored
    ) async throws -> PublishReport {
        let events = journal.events.recording(caller)
        let runId = journal.runId
        let pending: [PendingIssue]
        if drafts.isEmpty {
            pending = []
        } else {
            let outcome: ApprovalOutcome
            do {
                outcome = try await approval.review(drafts, target: target, runId: runId)
            } catch {
                // Nobody could approve (no terminal, Ctrl-C): the drafts stay saved, the run says why nothing went out.
                let interrupted = error is CancellationError
                await journal.finish(
                    interrupted ? .interrupted : .partial,
                    message: interrupted ? "interrupted before filing" : "nothing filed: \(error)", reporting: events)
                throw error
            }
            for id in outcome.skipped { try await journal.setStatus(.skipped, ofDraft: id) }
            for draft in drafts where outcome.skipped.contains(where: { $0 == draft.id }) {
                events(.issueSkipped(title: draft.title, reason: "declined"))
            }
            pending = outcome.approved
        }
        for id in pending.compactMap(\.draftId) { try await journal.setStatus(.approved, ofDraft: id) }
        let detail = try await journal.detail()
        let evidenced = Self.withEvidence(pending, drafts: drafts, detail: detail)

        var report: PublishReport
        do {
            let settings = environment.configuration.publishing
            let publisher = Publisher(
                tracker: tracker, journal: journal, logger: environment.logger, assignees: settings.assignees,
                milestone: settings.milestone, fileSecurityFindings: settings.fileSecurityFindings, events: events)
            report = try await publisher.publish(evidenced)
            report.setAside = setAside
            // Issues filed earlier are kept current after the new ones are filed, unless filing stopped on the
            // tracker: then the next run plans them again.
            if report.stop == nil {
                await publisher.keepCurrent(Self.plannedUpkeep(in: detail), into: &report)
            }
        } catch let error as TrackerError where error.code == .rateLimited || error.code == .unavailable {
            // Nothing was filed; the drafts are saved, so say how to file them once the tracker is back.
            await journal.finish(.failed, message: error.message, reporting: events)
            throw TicketMasterError(
                error.code == .rateLimited ? .partial : .failure,
                "\(error.message); nothing was filed: file the drafts later with "
                    + "`ticket-master publish --resume \(runId) --yes`", cause: error)
        } catch is CancellationError {
            await journal.finish(.interrupted, message: "interrupted", reporting: events)
            throw CancellationError()
        } catch {
            await journal.finish(.failed, message: "\(error)", reporting: events)
            throw error
        }
        let outcome: RunOutcome =
            switch report.stop?.reason {
            case nil: report.isComplete ? .succeeded : .partial
            case .interrupted: .interrupted
            case .authentication: .failed
            case .rateLimited, .trackerFailed: .partial
            }
        await journal.finish(outcome, message: report.stop?.message, reporting: events)
        return report
    }

    /// `pending` with the evidence each draft was written from, taken from the run's findings in history, for the
    /// filed issue's hidden snapshot.
    static func withEvidence(_ pending: [PendingIssue], drafts: [DraftRecord], detail: RunDetail) -> [PendingIssue] {
        var signals: [String: Signal] = [:]
        for record in detail.signals {
            if let signal = try? record.signal() { signals[signal.fingerprint] = signal }
        }
        var fingerprints: [Int64: [String]] = [:]
        for draft in drafts + detail.drafts {
            if let id = draft.id { fingerprints[id] = draft.signalFingerprints }
        }
        return pending.map { issue in
            var issue = issue
            guard let id = issue.draftId, let wanted = fingerprints[id] else { return issue }
            let found = wanted.compactMap { signals[$0] }
            if !found.isEmpty { issue.evidence = EvidenceSnapshot(commit: detail.run.commitHash, signals: found) }
            return issue
        }
    }

    /// The upkeep the run planned while suggesting, as its events recorded it: the latest plan for each issue.
    static func plannedUpkeep(in detail: RunDetail) -> [IssueUpkeep] {
        var planned: [Int: IssueUpkeep] = [:]
        for record in detail.events.sorted(by: { $0.sequence < $1.sequence }) where record.kind == "upkeepPlanned" {
            guard case .upkeepPlanned(let upkeep) = try? record.event()
            else { continue }
            planned[upkeep.number] = upkeep
        }
        return planned.values.sorted { $0.number < $1.number }
    }

    /// Throws the error for a report that did not file everything: partial, authentication, or interrupted.
    public static func check(_ report: PublishReport, runId: Int64) throws {
        guard !report.isComplete else { return }
        if report.stop?.reason == .interrupted { throw CancellationError() }
        let attempted = report.filed.count + report.notFiled.count
        var message = "filed \(report.filed.count) of \(attempted) issue(s)"
        if let stop = report.stop { message += "; stopped: \(stop.message)" }
        let titles = report.notFiled.prefix(5).map { "\"\($0.title)\"" }.joined(separator: ", ")
        message +=
            "; not filed: \(titles)" + (report.notFiled.count > 5 ? " and \(report.notFiled.count - 5) more" : "")
        message += "; file the rest with `ticket-master publish --resume \(runId) --yes`"
        throw TicketMasterError(report.stop?.reason == .authentication ? .authentication : .partial, message)
    }
}
