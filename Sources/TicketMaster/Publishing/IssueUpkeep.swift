import Foundation
import IssueTrackers
import RepositoryAnalysis

/// What a run does to an issue Ticket-Master filed earlier, once its evidence changed or went: one comment saying
/// what changed, or a comment and a close.
///
/// A plan is made while suggesting (a dry run shows it) and carried out when the run files, on the issue as it is
/// then: only if it is still open and still carries the evidence the plan saw, so a second run, a resumed one or a
/// person acting in between never gets a second comment.
public struct IssueUpkeep: Sendable, Hashable, Codable {
    /// What to do.
    public enum Action: String, Sendable, Hashable, Codable {
        /// Add a comment saying what changed.
        case comment
        /// Add a comment saying the evidence is gone, and close the issue as completed.
        case close
    }

    /// The issue's number.
    public var number: Int
    /// The issue's page.
    public var url: String
    /// The issue's title.
    public var title: String
    /// What to do.
    public var action: Action
    /// What changed, in one line, for the preview and the run's events.
    public var summary: String
    /// The comment, Markdown.
    public var comment: String
    /// The digest of the evidence the issue carried when the plan was made.
    public var previousDigest: String
    /// The evidence the issue carries from now on.
    public var snapshot: EvidenceSnapshot

    /// Creates an entry.
    public init(
        number: Int, url: String, title: String, action: Action, summary: String, comment: String,
        previousDigest: String, snapshot: EvidenceSnapshot
    ) {
        self.number = number
        self.url = url
        self.title = title
        self.action = action
        self.summary = summary
        self.comment = comment
        self.previousDigest = previousDigest
        self.snapshot = snapshot
    }
}

/// What the tracker's issues mean for one run: the issues to keep current, and the findings people declined.
public struct UpkeepPlan: Sendable, Hashable {
    /// Issues whose evidence changed or went, by number.
    public var upkeep: [IssueUpkeep] = []
    /// Findings whose issue people closed as not planned: the signal's fingerprint and the issue (`#12`).
    public var declined: [String: String] = [:]

    /// An empty plan.
    public init() {}
}

/// Compares the issues Ticket-Master filed with what a run found.
public enum IssueLifecycle {
    /// The most recent commit after `since` (an abbreviated hash from an issue's snapshot, or nil) that changed any
    /// of `paths`, for naming where evidence went; nil when git cannot say.
    public typealias LastChange = @Sendable (_ paths: [String], _ since: String?) async -> CommitReference?

    /// The plan for `issues` (open and closed, as the tracker lists them) given the findings of this run at
    /// `commit`.
    ///
    /// - Open issues carrying a snapshot whose evidence changed get a comment; those whose evidence is gone are
    ///   closed, or only told so when `closeResolved` is false. Issues without a snapshot (filed before snapshots
    ///   existed, or by people) are left alone.
    /// - Closed issues are never reopened. One a person closed as not planned declines its findings: they are not
    ///   suggested again. Trackers that record no reason (GitLab, Gitea, Gogs) count every close by a person as
    ///   that answer; a close by Ticket-Master (its snapshot is empty) does not count.
    public static func plan(
        issues: [TrackedIssue], signals: [Signal], commit: String?, closeResolved: Bool,
        lastChange: LastChange = { _, _ in nil }
    ) async -> UpkeepPlan {
        var plan = UpkeepPlan()
        var byFingerprint: [String: Signal] = [:]
        for signal in signals { byFingerprint[signal.fingerprint] = signal }
        let openFingerprints = Set(issues.filter { $0.state == .open }.compactMap(\.fingerprint))
        for issue in issues.sorted(by: { $0.number < $1.number }) {
            guard let filed = EvidenceSnapshot.extract(from: issue.body) else { continue }
            switch issue.state {
            case .closed:
                guard !filed.findings.isEmpty, issue.closeReason != .completed,
                    !(issue.fingerprint.map(openFingerprints.contains) ?? false)
                else { continue }
                for finding in filed.findings where plan.declined[finding.fingerprint] == nil {
                    plan.declined[finding.fingerprint] = "#\(issue.number)"
                }
            case .open:
                let now = EvidenceSnapshot(
                    commit: commit, signals: filed.findings.compactMap { byFingerprint[$0.fingerprint] })
                if now.sameEvidence(as: filed) { continue }
                if let upkeep = await Self.upkeep(
                    for: issue, filed: filed, now: now, closeResolved: closeResolved, lastChange: lastChange)
                {
                    plan.upkeep.append(upkeep)
                }
            }
        }
        return plan
    }

    private static func upkeep(
        for issue: TrackedIssue, filed: EvidenceSnapshot, now: EvidenceSnapshot, closeResolved: Bool,
        lastChange: LastChange
    ) async -> IssueUpkeep? {
        let at = now.commit.map { " at `\($0)`" } ?? ""
        if now.findings.isEmpty {
            if filed.findings.isEmpty { return nil }
            let places = unique(filed.findings.flatMap { $0.places.map { EvidenceSnapshot.split($0).path } })
            let change = await lastChange(places, filed.commit)
            var text = "Ticket-Master analysed the repository again\(at) and no longer finds what this issue is about"
            if !places.isEmpty {
                text +=
                    " in " + list(places.prefix(5).map(code))
                    + (places.count > 5 ? " and \(places.count - 5) more" : "")
            }
            text += "."
            if let change {
                let files = places.count == 1 ? "that file" : "those files"
                if let commit = now.commit, change.hash.hasPrefix(commit) {
                    text += " It went in that commit, the last to change \(files) (\(code(change.subject)))."
                } else {
                    text +=
                        " The last change to \(files) was \(code(String(change.hash.prefix(12)))) "
                        + "(\(code(change.subject)))."
                }
            }
            let summary =
                "evidence gone" + (change.map { " (last changed in \(String($0.hash.prefix(8))))" } ?? "")
            if closeResolved {
                text +=
                    "\n\nClosing it as completed. If the work is not done, reopen it: Ticket-Master will not close it again."
                return IssueUpkeep(
                    number: issue.number, url: issue.url, title: issue.title, action: .close, summary: summary,
                    comment: text, previousDigest: filed.digest, snapshot: now)
            }
            text +=
                "\n\nLeft open: this repository's configuration (`publishing.close_resolved: false`) leaves closing to people."
            return IssueUpkeep(
                number: issue.number, url: issue.url, title: issue.title, action: .comment, summary: summary,
                comment: text, previousDigest: filed.digest, snapshot: now)
        }
        var lines: [String] = []
        if filed.findings.isEmpty {
            lines.append("found again, after Ticket-Master had reported it gone")
        }
        var current: [String: EvidenceSnapshot.Finding] = [:]
        for finding in now.findings { current[finding.fingerprint] = finding }
        for old in filed.findings {
            guard let new = current[old.fingerprint] else {
                let paths = unique(old.places.map { EvidenceSnapshot.split($0).path })
                lines.append("no longer found in " + list(paths.prefix(5).map(code)))
                continue
            }
            lines += changes(from: old, to: new)
        }
        if filed.findings.isEmpty {
            for new in now.findings {
                lines.append("now at " + list(new.places.prefix(8).map(code)))
            }
        }
        guard !lines.isEmpty else { return nil }
        let text =
            "Ticket-Master analysed the repository again\(at); the evidence for this issue changed:\n\n"
            + lines.map { "- \($0)" }.joined(separator: "\n")
        return IssueUpkeep(
            number: issue.number, url: issue.url, title: issue.title, action: .comment,
            summary: lines.prefix(2).joined(separator: "; ") + (lines.count > 2 ? "; …" : ""), comment: text,
            previousDigest: filed.digest, snapshot: now)
    }

    /// What changed between two snapshots of one finding, a line per file.
    public static func changes(from old: EvidenceSnapshot.Finding, to new: EvidenceSnapshot.Finding) -> [String] {
        var lines: [String] = []
        let before = grouped(old.places)
        let after = grouped(new.places)
        for (path, newLines) in after.entries {
            guard let oldLines = before.lines[path] else {
                lines.append("now also in \(code(path))" + lineList(newLines, prefix: " at "))
                continue
            }
            if oldLines == newLines { continue }
            if oldLines.count == newLines.count {
                lines.append(
                    "\(code(path)): \(lineWord(oldLines)) \(numbers(oldLines)) "
                        + "\(oldLines.count == 1 ? "is" : "are") now \(numbers(newLines))")
            } else {
                lines.append(
                    "\(code(path)): now at \(lineWord(newLines)) \(numbers(newLines)) (was \(numbers(oldLines)))")
            }
        }
        for (path, _) in before.entries where after.lines[path] == nil {
            lines.append("no longer in \(code(path))")
        }
        if old.count != new.count, old.count > old.places.count || new.count > new.places.count {
            lines.append("\(new.count) places now (was \(old.count))")
        }
        let added = new.commits.filter { !old.commits.contains($0) }
        if !added.isEmpty {
            lines.append("new fix \(added.count == 1 ? "commit" : "commits") " + list(added.prefix(5).map(code)))
        }
        return lines
    }

    private static func grouped(_ places: [String]) -> (entries: [(String, [Int])], lines: [String: [Int]]) {
        var order: [String] = []
        var lines: [String: [Int]] = [:]
        for place in places {
            let (path, line) = EvidenceSnapshot.split(place)
            if lines[path] == nil { order.append(path) }
            lines[path, default: []] += line.map { [$0] } ?? []
        }
        return (order.map { ($0, lines[$0] ?? []) }, lines)
    }

    private static func unique(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }

    private static func lineWord(_ lines: [Int]) -> String { lines.count == 1 ? "line" : "lines" }

    private static func lineList(_ lines: [Int], prefix: String) -> String {
        lines.isEmpty ? "" : prefix + "\(lineWord(lines)) \(numbers(lines))"
    }

    private static func numbers(_ lines: [Int]) -> String {
        lines.prefix(8).map(String.init).joined(separator: ", ") + (lines.count > 8 ? ", …" : "")
    }

    /// Repository text as inline code: a path or a commit subject can neither format the comment nor mention anyone.
    static func code(_ text: String) -> String {
        let cleaned = text.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " ")
        return "`\(cleaned.prefix(120))`"
    }

    private static func list(_ items: some Collection<String>) -> String {
        let items = Array(items)
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }
}
