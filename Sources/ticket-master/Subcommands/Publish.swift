import ArgumentParser
import Foundation
import IssueTrackers
import TicketMaster

/// `ticket-master publish --resume RUN`: files the drafts of an earlier run that are not filed yet.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "File the drafts of an earlier run that are not filed yet.",
        discussion: """
            Picks up a run that a rate limit, an error or Ctrl-C stopped, or whose drafts were saved without \
            filing. Drafts already on the tracker (recognised by the fingerprint every filed issue carries) are \
            reported, never filed twice.

            Examples:
              ticket-master publish --resume 12 --dry-run
              ticket-master publish --resume 12 --yes
            """)

    @Option(help: ArgumentHelp("The run whose drafts to file, from `history list`.", valueName: "run"))
    var resume: Int64

    @Option(
        name: .customLong("repo"),
        help: ArgumentHelp(
            "Where to file: owner/repo or its URL; defaults to the repository the run recorded.",
            valueName: "owner/repo"))
    var repository: String?

    @Flag(help: "File every remaining draft without asking.")
    var yes = false

    @Flag(help: "List what would be filed, and send nothing.")
    var dryRun = false

    @Option(help: "Output format: text or json.")
    var format: DataFormat = .text

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let named = try repository.map { try RemoteRepository(parsing: $0) }
        let session = try Session.start(global)
        let history = try session.openHistory()
        let journal = try await RunJournal.resume(store: history, runId: resume)
        let detail = try await journal.detail()
        let recorded = try detail.run.repositoryRemote.map { try RemoteRepository(parsing: $0) }
        let remote = named ?? recorded
        let drafts = detail.unfiledDrafts
        if dryRun {
            try printPlan(drafts, remote: remote, terminal: session.terminal)
            return
        }
        let filing = try await Filing.prepare(remote: remote, session: session)
        try await filing.file(drafts, journal: journal, assumeYes: yes, json: format == .json)
    }

    private func printPlan(_ drafts: [DraftRecord], remote: RemoteRepository?, terminal: Terminal) throws {
        if format == .json {
            try printJSON(drafts.map(PendingIssue.init))
            return
        }
        let target = remote.map { " on \($0)" } ?? ""
        print(terminal.paint("\(drafts.count) draft(s) of run \(resume) would be filed\(target) (dry run)", .bold))
        for draft in drafts {
            let labels = draft.labels.isEmpty ? "" : "  [\(draft.labels.joined(separator: ", "))]"
            print("  - \(draft.title)" + terminal.paint(labels, .dim))
        }
        if !drafts.isEmpty {
            print("Drafts already on the tracker are found by their fingerprint when filing, and skipped.")
        }
    }
}

/// What `generate` and `publish` share once drafts are saved: the tracker and its token, approval, filing, the
/// report and its exit code.
struct Filing {
    let target: TrackerTarget
    let tracker: any IssueTracker
    let session: Session

    /// Works out where to file and finds the token, before any slow work; no request is sent yet.
    static func prepare(remote: RemoteRepository?, session: Session) async throws -> Filing {
        guard let remote else {
            throw TicketMasterError(
                .usage,
                "no repository to file on: pass owner/repo (or --repo), or run in a clone with an origin remote")
        }
        let target = try TrackerTarget.resolve(remote, configuration: session.configuration)
        let token = try await target.token(configuration: session.configuration)
        // A token from `gh` or a forge variable is not part of the configuration's secrets: mask it as well.
        session.redactions.add { token.redacting($0) }
        session.logger.debug("filing on \(target) at \(target.apiRoot.absoluteString) with the \(token)")
        let tracker = try target.makeTracker(token: token, configuration: session.configuration, logger: session.logger)
        return Filing(target: target, tracker: tracker, session: session)
    }

    /// Files the run's drafts that are not filed yet.
    /// `setAside` are the drafts the pipeline left out as duplicates, reported with the rest.
    func file(
        run journal: RunJournal, setAside: [PublishReport.SetAside] = [], assumeYes: Bool, json: Bool
    ) async throws {
        let drafts = try await journal.detail().unfiledDrafts
        try await file(drafts, journal: journal, setAside: setAside, assumeYes: assumeYes, json: json)
    }

    /// Asks which drafts to file (unless `assumeYes`), files them, prints the report and throws the error that
    /// gives the right exit code when not everything was filed.
    func file(
        _ drafts: [DraftRecord], journal: RunJournal, setAside: [PublishReport.SetAside] = [], assumeYes: Bool,
        json: Bool
    ) async throws {
        let runId = journal.runId
        let pending: [PendingIssue]
        if assumeYes || drafts.isEmpty {
            pending = drafts.map(PendingIssue.init)
        } else {
            guard isatty(STDIN_FILENO) == 1 else {
                throw TicketMasterError(
                    .usage,
                    "standard input is not a terminal, so nobody can approve the drafts: pass --yes to file "
                        + "without asking; drafts were saved as run \(runId)")
            }
            let outcome = try Approval(terminal: session.terminal).review(drafts, target: target)
            for id in outcome.skipped { try await journal.setStatus(.skipped, ofDraft: id) }
            pending = outcome.approved
        }
        for id in pending.compactMap(\.draftId) { try await journal.setStatus(.approved, ofDraft: id) }

        var report: PublishReport
        do {
            let settings = session.configuration.publishing
            report = try await Publisher(
                tracker: tracker, journal: journal, logger: session.logger, assignees: settings.assignees,
                milestone: settings.milestone, fileSecurityFindings: settings.fileSecurityFindings
            ).publish(pending)
            report.setAside = setAside
        } catch let error as TrackerError where error.code == .rateLimited || error.code == .unavailable {
            // Nothing was filed; the drafts are saved, so say how to file them once the tracker is back.
            await journal.finish(.failed, message: error.message)
            throw TicketMasterError(
                error.code == .rateLimited ? .partial : .failure,
                "\(error.message); nothing was filed: file the drafts later with "
                    + "`ticket-master publish --resume \(runId) --yes`", cause: error)
        } catch {
            await journal.finish(.failed, message: "\(error)")
            throw error
        }
        let outcome: RunOutcome =
            switch report.stop?.reason {
            case nil: report.isComplete ? .succeeded : .partial
            case .interrupted: .interrupted
            case .authentication: .failed
            case .rateLimited, .trackerFailed: .partial
            }
        await journal.finish(outcome, message: report.stop?.message)
        if json {
            try printJSON(report)
        } else {
            print(ReportText(report: report, target: target, terminal: session.terminal).text, terminator: "")
        }
        try Self.check(report, runId: runId)
    }

    /// Throws the error for a report that did not file everything: partial (5), authentication (4) or
    /// interrupted (130).
    static func check(_ report: PublishReport, runId: Int64) throws {
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

/// The readable publishing report.
struct ReportText {
    let report: PublishReport
    let target: TrackerTarget
    let terminal: Terminal

    var text: String {
        var out = terminal.paint("Filed \(report.filed.count) issue(s) on \(target)", .bold) + "\n"
        for issue in report.filed {
            out += "  #\(issue.number) \(issue.title)  " + terminal.paint(issue.url, .dim) + "\n"
            if !issue.missingLabels.isEmpty {
                out += terminal.paint("     without labels: \(issue.missingLabels.joined(separator: ", "))", .yellow)
                out += "\n"
            }
            if !issue.missingAssignees.isEmpty {
                let logins = issue.missingAssignees.joined(separator: ", ")
                out += terminal.paint("     not assigned to \(logins): the token may not assign them", .yellow) + "\n"
            }
        }
        if !report.duplicates.isEmpty {
            out += terminal.paint("Already on the tracker, not filed again (\(report.duplicates.count)):", .bold) + "\n"
            for duplicate in report.duplicates {
                out += "  \(duplicate.title): duplicate of #\(duplicate.number)  "
                out += terminal.paint(duplicate.url, .dim) + "\n"
            }
        }
        if !report.setAside.isEmpty {
            out += terminal.paint("Set aside as duplicates before filing (\(report.setAside.count)):", .bold) + "\n"
            for draft in report.setAside {
                out +=
                    "  \(draft.title): duplicate of \(draft.duplicateOf)" + terminal.paint(" (\(draft.reason))", .dim)
                out += "\n"
            }
        }
        if !report.notFiled.isEmpty {
            out += terminal.paint("Not filed (\(report.notFiled.count)):", .red) + "\n"
            for draft in report.notFiled { out += "  \(draft.title): \(draft.reason)\n" }
        }
        if !report.withheld.isEmpty {
            out += terminal.paint("Kept off the tracker (\(report.withheld.count)):", .yellow) + "\n"
            for draft in report.withheld { out += "  \(draft.title): \(draft.reason)\n" }
        }
        if !report.createdLabels.isEmpty {
            out += "Labels created: \(report.createdLabels.joined(separator: ", "))\n"
        }
        for label in report.unavailableLabels {
            out += terminal.paint("Label \"\(label.name)\" could not be used: \(label.reason)", .yellow) + "\n"
        }
        return out
    }
}
