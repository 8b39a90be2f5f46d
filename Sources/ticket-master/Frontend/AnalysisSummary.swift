import Foundation
import TicketMaster

/// The readable summary of `analyze`: totals, then the top rows of each table, then the findings.
struct AnalysisSummary {
    let report: RepositoryReport
    let terminal: Terminal

    var text: String {
        var out = ""
        let head = report.headCommit.map { String($0.prefix(10)) } ?? "no commits"
        out += terminal.paint("Repository", .bold) + " \(report.root) at \(head)"
        out += report.branch.map { " on \($0)" } ?? " (detached HEAD)"
        out += report.isShallow ? " (shallow clone)\n" : "\n"
        let totals = report.totals
        out +=
            "History: \(totals.commits) commits (\(totals.mergeCommits) merges), +\(totals.insertions)/−\(totals.deletions) lines, "
        out += "\(totals.filesChanged) files changed, \(totals.authors) authors\n"
        out +=
            "Working tree: \(report.workingTree.trackedFiles) tracked files, \(report.workingTree.binaryFiles) binary\n"

        section(
            &out, "Languages",
            rows: report.languages.prefix(8).map { [$0.language, "\($0.files) files", "\($0.lines) lines"] })
        section(
            &out, "Hot files",
            rows: report.hotFiles.prefix(10).map {
                [
                    $0.path, "\($0.commits) commits", "\($0.recentCommits) recent",
                    "+\($0.insertions)/−\($0.deletions)", "\($0.authors) authors",
                ]
            })
        section(
            &out, "Markers",
            rows: report.markers.prefix(10).map {
                ["\($0.path):\($0.line)", $0.kind, $0.ageDays.map { "\($0) days" } ?? "", String($0.text.prefix(60))]
            })
        section(
            &out, "Change coupling",
            rows: report.couplings.prefix(5).map {
                [$0.first, $0.second, "\($0.sharedCommits) shared", "\(Int($0.degree * 100))%"]
            })
        section(
            &out, "Untested source files",
            rows: report.untestedFiles.prefix(8).map { [$0.path, $0.language, "\($0.lines) lines"] })
        section(&out, "Large files", rows: report.largeFiles.prefix(5).map { [$0.path, "\($0.bytes) bytes"] })
        section(
            &out, "Defect hotspots",
            rows: report.signals.filter { $0.kind == .defectHotspot }.map { signal in
                let facts = Dictionary(signal.evidence.metrics.map { ($0.name, Int($0.value)) }) { first, _ in first }
                return [
                    signal.evidence.locations.first?.path ?? "", "\(facts["fix-commits"] ?? 0) fixes",
                    "\(facts["fixes-last-year"] ?? 0) last year", "\(facts["reverted-fixes"] ?? 0) reverted",
                ]
            })
        section(
            &out, "Known-broken tests",
            rows: report.brokenTests.prefix(10).map {
                ["\($0.path):\($0.line)", $0.kind, $0.ageDays.map { "\($0) days" } ?? "", String($0.test.prefix(60))]
            })
        section(
            &out, "Crash stubs",
            rows: report.crashStubs.prefix(10).map {
                ["\($0.path):\($0.line)", $0.call, String($0.message.prefix(60))]
            })
        section(
            &out, "Repeated suppressions",
            rows: report.repeatedLines.map {
                [
                    "\($0.files) files", $0.filesAYearAgo.map { "\($0) a year ago" } ?? "",
                    String($0.text.prefix(60)),
                ]
            })
        section(
            &out, "Drifting copies",
            rows: report.driftingCopies.map {
                [
                    "\($0.first)/ ~ \($0.second)/", "\($0.sharedFiles) shared files",
                    "\($0.oneSidedCommits.count) of \($0.recentCommits) commits one-sided",
                ]
            })
        section(
            &out, "Broken references",
            rows: report.brokenReferences.map {
                ["\($0.path):\($0.line)", $0.reference, $0.removedIn.map { "removed in \($0.hash.prefix(10))" } ?? ""]
            })
        // Only the masked form exists in the report: the credential itself never leaves the scan.
        section(
            &out, "Credentials (masked)",
            rows: report.secrets.map { ["\($0.path):\($0.line)", $0.rule, $0.masked] })
        section(
            &out, "Findings (\(report.signals.count))",
            rows: report.signals.prefix(20).map { [$0.severity.rawValue, $0.kind.rawValue, $0.summary] })
        return out
    }

    private func section(_ out: inout String, _ title: String, rows: [[String]]) {
        guard !rows.isEmpty else { return }
        out += "\n" + terminal.paint(title, .bold) + "\n"
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            min(60, rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0)
        }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1
                    ? cell : cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0)
            }
            out += "  " + cells.joined(separator: "  ") + "\n"
        }
    }
}
