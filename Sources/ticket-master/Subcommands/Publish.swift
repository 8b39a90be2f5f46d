import ArgumentParser
import Foundation
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
        let service = RunService(environment: session.environment)
        if dryRun {
            let (drafts, remote) = try await service.unfiled(runId: resume, remote: named)
            try printPlan(drafts, remote: remote, terminal: session.terminal)
            return
        }
        let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
        defer { display.finish() }
        let (report, target) = try await service.publish(
            runId: resume, remote: named, approval: Approval.policy(assumeYes: yes, terminal: session.terminal),
            events: display.events)
        try ReportText.print(report, target: target, json: format == .json, terminal: session.terminal)
        try Filing.check(report, runId: resume)
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

/// The readable publishing report.
struct ReportText {
    let report: PublishReport
    let target: TrackerTarget
    let terminal: Terminal

    /// Prints `report` as JSON or as text on standard output.
    static func print(_ report: PublishReport, target: TrackerTarget, json: Bool, terminal: Terminal) throws {
        if json {
            try printJSON(report)
        } else {
            Swift.print(ReportText(report: report, target: target, terminal: terminal).text, terminator: "")
        }
    }

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
        if !report.updated.isEmpty {
            out += terminal.paint("Filed earlier, kept current (\(report.updated.count)):", .bold) + "\n"
            for issue in report.updated {
                out += "  \(issue.action == .close ? "closed" : "commented on") #\(issue.number) \(issue.title): "
                out += issue.summary + "  " + terminal.paint(issue.url, .dim) + "\n"
            }
        }
        if !report.notUpdated.isEmpty {
            out += terminal.paint("Filed earlier, not updated (\(report.notUpdated.count)):", .yellow) + "\n"
            for issue in report.notUpdated { out += "  #\(issue.number) \(issue.title): \(issue.summary)\n" }
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
