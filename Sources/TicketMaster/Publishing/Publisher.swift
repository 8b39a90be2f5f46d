import Foundation
import IssueTrackers
import Logging

/// Files drafts on an issue tracker exactly once: it checks access, skips drafts whose fingerprint the tracker
/// already carries, makes sure their labels exist, files the rest one by one and records each in the run's history.
///
/// A rate limit, a tracker failure or cancellation stops filing cleanly: the report says what was filed and what
/// was not, and a later run (or `publish --resume`) files only what is missing, because every issue carries its
/// draft's fingerprint and the tracker is checked for it again right before each issue is filed.
///
/// Processes that share a history file on one tracker repository at the same time: before the check, the draft's
/// fingerprint is claimed in the history (see `FilingClaim`), so a second process waits while the first files and
/// then reports the first one's issue as a duplicate instead of filing it again.
public struct Publisher: Sendable {
    /// Where the issues go.
    public var tracker: any IssueTracker
    /// The run that records each publication, if any.
    public var journal: RunJournal?
    /// How far back closed issues count as already filed: a draft closed as "won't fix" is not filed again.
    public var closedIssueLookback: Duration
    /// Where progress goes.
    public var logger: Logger
    /// Logins every filed issue is assigned to.
    public var assignees: [String]
    /// The milestone every filed issue goes in: its number on GitHub and Gitea, its id on GitLab.
    public var milestone: Int?
    /// Whether security findings (leaked credentials) are filed like any other draft; by default they are kept
    /// off the tracker and listed in the report's `withheld`.
    public var fileSecurityFindings: Bool
    /// Hears of each issue filed, skipped or failed, as it happens.
    public var events: RunEvents

    /// How far back the check before each filing looks, past the last check, to allow for clock differences
    /// between this machine and the tracker.
    static let clockAllowance: TimeInterval = 10 * 60

    /// How long a claim on filing one draft lasts unless renewed: its holder renews it every third of this while
    /// it files (through rate-limit waits too), so a claim whose process died elsewhere lapses this soon.
    static let claimLease: TimeInterval = 30
    /// How often a process waiting on another's claim looks again.
    static let claimPoll: Duration = .milliseconds(200)

    /// Closed issues younger than this count as already filed, unless a caller says otherwise.
    public static let defaultClosedIssueLookback: Duration = .seconds(180 * 24 * 3600)

    /// Creates a publisher.
    public init(
        tracker: any IssueTracker, journal: RunJournal?, closedIssueLookback: Duration = defaultClosedIssueLookback,
        logger: Logger = Logger(label: "ticket-master.publishing"), assignees: [String] = [], milestone: Int? = nil,
        fileSecurityFindings: Bool = false, events: RunEvents = .ignored
    ) {
        self.fileSecurityFindings = fileSecurityFindings
        self.events = events
        self.tracker = tracker
        self.journal = journal
        self.closedIssueLookback = closedIssueLookback
        self.logger = logger
        self.assignees = assignees
        self.milestone = milestone
    }

    /// Files `drafts` in order and reports what became of each.
    ///
    /// Throws only when nothing could be started: the repository cannot be read (a rejected token, a wrong name)
    /// or the first listing fails. Anything after that ends up in the report.
    public func publish(_ drafts: [PendingIssue]) async throws -> PublishReport {
        var report = PublishReport(tracker: tracker.kind.rawValue, repository: tracker.repositoryPath)
        var drafts = drafts
        if !fileSecurityFindings {
            report.withheld = drafts.filter(\.isSecurityFinding).map {
                .init(
                    draftId: $0.draftId, title: $0.title, fingerprint: $0.fingerprint,
                    reason:
                        "a security finding is not filed publicly; revoke the credential first, or set "
                        + "publishing.file_security_findings: true to file it")
            }
            drafts.removeAll(where: \.isSecurityFinding)
            for draft in report.withheld { events(.issueSkipped(title: draft.title, reason: draft.reason)) }
        }
        guard !drafts.isEmpty else { return report }
        let repository = try await tracker.repository()
        guard repository.hasIssues else {
            throw TrackerError(
                .notFound, "\(repository.fullName) has issues turned off; turn them on or file on another repository")
        }
        var checkedAt = Date()
        let lookback = Double(closedIssueLookback.components.seconds)
        var known = try await tracker.fingerprintedIssues(closedSince: checkedAt.addingTimeInterval(-lookback))

        var toFile: [PendingIssue] = []
        var seen: Set<String> = []
        for draft in drafts {
            let fingerprint = draft.fingerprint.lowercased()
            if let existing = known[fingerprint] {
                try await recordDuplicate(draft, of: existing, in: &report)
            } else if seen.insert(fingerprint).inserted {
                toFile.append(draft)
            }
        }
        guard !toFile.isEmpty else { return report }

        let labels: LabelReport
        do {
            labels = try await tracker.ensureLabels(toFile.flatMap(\.labels))
        } catch {
            stop(&report, because: error, remaining: toFile[...])
            return report
        }
        report.createdLabels = labels.created
        report.unavailableLabels = labels.unavailable.map { .init(name: $0.name, reason: $0.reason) }
        var spelling: [String: String] = [:]
        for name in labels.available { spelling[name.lowercased()] = name }
        if !labels.unavailable.isEmpty {
            logger.warning(
                "some labels cannot be used; the issues are filed without them",
                metadata: ["labels": "\(labels.unavailable.map(\.name).joined(separator: ", "))"])
        }

        let holder = FilingHolder.current()
        for (index, draft) in toFile.enumerated() {
            let fingerprint = draft.fingerprint.lowercased()
            var holding = false
            var renewal: Task<Void, Never>?
            defer { renewal?.cancel() }
            do {
                try Task.checkCancellation()
                // A process sharing this history may be filing the same draft right now.
                if let filed = try await claim(fingerprint, holder: holder) {
                    try await recordDuplicate(draft, of: filed, in: &report)
                    continue
                }
                holding = journal != nil
                renewal = renewing(fingerprint, holder: holder)
                // Another run may have filed this draft since the listing: look at what changed since the last
                // check right before filing, which costs one short listing instead of a search per draft.
                let since = checkedAt.addingTimeInterval(-Self.clockAllowance)
                checkedAt = Date()
                for issue in try await tracker.issues(state: .all, since: since, limit: .max) {
                    if let marked = issue.fingerprint, known[marked].map({ issue.number < $0.number }) ?? true {
                        known[marked] = issue
                    }
                }
                if let existing = known[fingerprint] {
                    await release(fingerprint, holder: holder, holding: &holding)
                    try await recordDuplicate(draft, of: existing, in: &report)
                    continue
                }
                var applied: [String] = []
                for name in draft.labels {
                    if let spelled = spelling[name.lowercased()], !applied.contains(spelled) { applied.append(spelled) }
                }
                let issue = try await tracker.createIssue(
                    NewIssue(
                        title: draft.title, body: draft.evidence.map { $0.embed(in: draft.body) } ?? draft.body,
                        labels: applied, assignees: draft.assignees ?? assignees,
                        milestone: draft.milestone ?? milestone, fingerprint: fingerprint))
                // A process that shares no history with this one (another machine) may have filed the same draft
                // at the same moment, past both checks. The later of the two issues sees the earlier one here, and
                // closes itself as its duplicate; the earlier one, whose process looked first, stays.
                if let earlier = try await earlierTwin(of: issue, fingerprint: fingerprint, since: since) {
                    try await closeAsDuplicate(issue, of: earlier)
                    known[fingerprint] = earlier
                    await release(fingerprint, holder: holder, holding: &holding)
                    try await recordDuplicate(draft, of: earlier, in: &report)
                    continue
                }
                known[fingerprint] = issue
                let missing = issue.labelsMissing(from: draft.labels)
                // Forges drop assignees the token may not set (GitHub without push access) without an error.
                let assigned = Set(issue.assignees.map { $0.lowercased() })
                report.filed.append(
                    .init(
                        draftId: draft.draftId, title: issue.title, number: issue.number, url: issue.url,
                        fingerprint: fingerprint, missingLabels: missing,
                        missingAssignees: (draft.assignees ?? assignees).filter { !assigned.contains($0.lowercased()) })
                )
                logger.info("filed #\(issue.number): \(issue.title)", metadata: ["url": "\(issue.url)"])
                events(.issueFiled(title: issue.title, number: issue.number, url: issue.url))
                try await journal?.recordPublication(
                    draftId: draft.draftId, fingerprint: fingerprint, tracker: tracker.kind.rawValue,
                    repository: tracker.repositoryPath, number: issue.number, url: issue.url, title: issue.title)
                holding = false
            } catch let error as TrackerError where error.code == .validationFailed {
                await release(fingerprint, holder: holder, holding: &holding)
                // This draft's content was refused; the others may still be fine.
                report.notFiled.append(
                    .init(
                        draftId: draft.draftId, title: draft.title, fingerprint: fingerprint,
                        reason: error.message))
                events(.issueFailed(title: draft.title, reason: error.message))
            } catch {
                await release(fingerprint, holder: holder, holding: &holding)
                let alreadyFiled = report.filed.last?.fingerprint == fingerprint
                stop(&report, because: error, remaining: toFile[(alreadyFiled ? index + 1 : index)...])
                break
            }
        }
        return report
    }

    /// Carries out `upkeep` on the issues as they are now: an issue closed since the plan was made, or whose evidence
    /// marker another run already moved on, is left alone, so no run comments twice. The marker is updated first
    /// (with the close, in one request), then the comment is added.
    public func keepCurrent(_ upkeep: [IssueUpkeep], into report: inout PublishReport) async {
        guard !upkeep.isEmpty else { return }
        var open: [Int: TrackedIssue] = [:]
        do {
            for issue in try await tracker.issues(state: .open, since: nil) { open[issue.number] = issue }
        } catch {
            for item in upkeep { notUpdated(item, because: error, in: &report) }
            return
        }
        for (index, item) in upkeep.enumerated() {
            guard let issue = open[item.number] else {
                logger.info("#\(item.number) was closed since the run looked; left as it is")
                continue
            }
            guard EvidenceSnapshot.extract(from: issue.body)?.digest == item.previousDigest else {
                logger.info("#\(item.number) was already updated by another run")
                continue
            }
            let closing = item.action == .close
            do {
                try Task.checkCancellation()
                _ = try await tracker.updateIssue(
                    number: item.number,
                    IssueUpdate(
                        body: item.snapshot.embed(in: issue.body), state: closing ? .closed : nil,
                        closeReason: closing ? .completed : nil))
                _ = try await tracker.addComment(toIssue: item.number, body: item.comment)
                report.updated.append(
                    .init(
                        number: item.number, url: item.url, title: item.title, action: item.action,
                        summary: item.summary))
                logger.info("\(closing ? "closed" : "commented on") #\(item.number): \(item.summary)")
                events(.issueUpdated(number: item.number, url: item.url, closed: closing, summary: item.summary))
            } catch let error as TrackerError where error.code == .validationFailed || error.code == .notFound {
                // This issue refused the change (locked, deleted); the others may take theirs.
                notUpdated(item, because: error, in: &report)
            } catch {
                for rest in upkeep[index...] { notUpdated(rest, because: error, in: &report) }
                return
            }
        }
    }

    private func notUpdated(_ item: IssueUpkeep, because error: any Error, in report: inout PublishReport) {
        let reason = (error as? TrackerError)?.message ?? (error is CancellationError ? "interrupted" : "\(error)")
        report.notUpdated.append(
            .init(
                number: item.number, url: item.url, title: item.title, action: item.action,
                summary: "\(item.summary); not done: \(reason)"))
        logger.warning("#\(item.number) not updated: \(reason)")
    }

    /// Claims `fingerprint` for `holder`, waiting while another process holds it: nil when this process may file,
    /// the issue when another one filed it. Without a history there is nothing to share and nothing to claim.
    private func claim(_ fingerprint: String, holder: String) async throws -> TrackedIssue? {
        guard let journal else { return nil }
        var announced = false
        var gone: String?
        while true {
            let claim = try await journal.claimFiling(
                fingerprint: fingerprint, tracker: tracker.kind.rawValue, repository: tracker.repositoryPath,
                holder: holder, until: Date().addingTimeInterval(Self.claimLease), replacing: gone)
            switch claim {
            case .claimed:
                return nil
            case .filed(let number, let url, let title):
                return TrackedIssue(number: number, url: url, title: title, body: "")
            case .held(let other, _) where FilingHolder.isGone(other):
                // A process on this machine that was killed while filing: its claim is taken over at once.
                gone = other
            case .held(_, let until):
                if !announced {
                    logger.info(
                        "another run is filing the draft \(fingerprint) on \(tracker.repositoryPath); waiting",
                        metadata: ["until": "\(until)"])
                    announced = true
                }
                try await Task.sleep(for: Self.claimPoll)
            }
        }
    }

    /// Renews the claim on `fingerprint` every third of its lease until cancelled.
    private func renewing(_ fingerprint: String, holder: String) -> Task<Void, Never>? {
        guard let journal else { return nil }
        let (kind, path) = (tracker.kind.rawValue, tracker.repositoryPath)
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.claimLease / 3))
                guard !Task.isCancelled else { return }
                _ = try? await journal.claimFiling(
                    fingerprint: fingerprint, tracker: kind, repository: path, holder: holder,
                    until: Date().addingTimeInterval(Self.claimLease))
            }
        }
    }

    /// Gives up the claim on `fingerprint` if this process holds it, even when filing was cancelled (Ctrl-C); a
    /// failure only leaves a lease to lapse.
    private func release(_ fingerprint: String, holder: String, holding: inout Bool) async {
        guard holding, let journal else { return }
        holding = false
        let (kind, path, logger) = (tracker.kind.rawValue, tracker.repositoryPath, logger)
        await Task.detached {
            do {
                try await journal.releaseFiling(
                    fingerprint: fingerprint, tracker: kind, repository: path, holder: holder)
            } catch {
                logger.warning("could not release the claim on filing \(fingerprint): \(error)")
            }
        }.value
    }

    /// The earliest other issue carrying `fingerprint` that was filed before `issue`, if any.
    private func earlierTwin(of issue: TrackedIssue, fingerprint: String, since: Date) async throws -> TrackedIssue? {
        try await tracker.issues(state: .all, since: since, limit: .max)
            .filter { $0.fingerprint == fingerprint && $0.number < issue.number }
            .min { $0.number < $1.number }
    }

    /// Closes `issue`, just filed, as a duplicate of `earlier`, saying why.
    private func closeAsDuplicate(_ issue: TrackedIssue, of earlier: TrackedIssue) async throws {
        _ = try await tracker.addComment(
            toIssue: issue.number,
            body: "Duplicate of #\(earlier.number): another Ticket-Master run filed the same finding at the same "
                + "moment. Closing this one; the discussion belongs there.")
        _ = try await tracker.updateIssue(
            number: issue.number, IssueUpdate(state: .closed, closeReason: .notPlanned))
        logger.warning(
            "another run filed the same draft at the same moment: closed #\(issue.number) as a duplicate of #\(earlier.number)"
        )
    }

    private func recordDuplicate(
        _ draft: PendingIssue, of issue: TrackedIssue, in report: inout PublishReport
    ) async throws {
        report.duplicates.append(
            .init(
                draftId: draft.draftId, title: draft.title, number: issue.number, url: issue.url,
                fingerprint: draft.fingerprint.lowercased()))
        logger.info("already filed as #\(issue.number): \(draft.title)")
        events(.issueSkipped(title: draft.title, reason: "already filed as #\(issue.number)"))
        if let id = draft.draftId { try await journal?.setStatus(.duplicate, ofDraft: id, duplicateOf: issue.url) }
    }

    private func stop(_ report: inout PublishReport, because error: any Error, remaining: ArraySlice<PendingIssue>) {
        let stop: PublishReport.Stop
        switch error {
        case let error as TrackerError:
            let reason: PublishReport.Stop.Reason =
                switch error.code {
                case .rateLimited: .rateLimited
                case .unauthorized, .forbidden: .authentication
                default: .trackerFailed
                }
            stop = .init(reason: reason, message: error.message, retryAt: error.retryAt)
        case is CancellationError:
            stop = .init(reason: .interrupted, message: "interrupted", retryAt: nil)
        default:
            stop = .init(reason: .trackerFailed, message: "\(error)", retryAt: nil)
        }
        report.stop = stop
        for draft in remaining {
            report.notFiled.append(
                .init(
                    draftId: draft.draftId, title: draft.title, fingerprint: draft.fingerprint.lowercased(),
                    reason: "not filed: \(stop.message)"))
            events(.issueFailed(title: draft.title, reason: "not filed: \(stop.message)"))
        }
        logger.warning("filing stopped: \(stop.message)")
    }
}

/// Who holds a filing claim: this machine's name, this process's id and a random part, so that a claim left by a
/// process on the same machine that no longer runs can be told apart from one another machine holds.
enum FilingHolder {
    static func current() -> String {
        "\(hostName()):\(getpid()):\(UUID().uuidString.prefix(8))"
    }

    /// Whether `holder` names a process on this machine that no longer runs.
    static func isGone(_ holder: String) -> Bool {
        let parts = holder.split(separator: ":")
        guard parts.count == 3, parts[0] == hostName(), let pid = Int32(parts[1]), pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(cString: buffer).replacingOccurrences(of: ":", with: "-")
    }
}
