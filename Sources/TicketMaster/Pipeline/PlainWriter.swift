import Foundation
import RepositoryAnalysis

/// Where drafts point their links: the forge repository and the commit that was analysed.
public struct LinkContext: Sendable, Hashable {
    /// The forge repository, when known.
    public var remote: RemoteRepository?
    /// The analysed commit, so links keep pointing at the lines that were read.
    public var commit: String?

    /// Creates a context.
    public init(remote: RemoteRepository?, commit: String?) {
        self.remote = remote
        self.commit = commit
    }

    /// A Markdown link to `location` at the analysed commit, or plain code text when there is no web address.
    func link(_ location: SourceLocation) -> String {
        var label = location.path
        if let start = location.startLine {
            label += ":\(start)"
            if let end = location.endLine, end != start { label += "-\(end)" }
        }
        guard let base = webURL, let commit else { return "`\(label)`" }
        let path = location.path.split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? String($0)
        }.joined(separator: "/")
        let separator = remote?.forge == .gitlab ? "/-/blob/" : "/blob/"
        var url = base + separator + commit + "/" + path
        if let start = location.startLine {
            url += "#L\(start)"
            if let end = location.endLine, end != start {
                url += remote?.forge == .gitlab ? "-\(end)" : "-L\(end)"
            }
        }
        return "[`\(label)`](\(url))"
    }

    /// A Markdown link to a commit.
    func link(_ commit: CommitReference) -> String {
        let short = String(commit.hash.prefix(10))
        guard let base = webURL else { return "`\(short)`" }
        return "[`\(short)`](\(base)\(remote?.forge == .gitlab ? "/-/commit/" : "/commit/")\(commit.hash))"
    }

    /// The link prefixes a draft may contain: the repository's web address, and nothing else.
    public var allowedPrefixes: [String] { webURL.map { [$0 + "/"] } ?? [] }

    private var webURL: String? {
        guard let remote else { return nil }
        return "https://\(remote.host ?? "github.com")/\(remote.owner)/\(remote.name)"
    }
}

/// Writes an issue from evidence alone, with fixed wording for each kind of finding.
///
/// It is the floor under every model: when a model is unavailable, or its draft fails review, this writer's draft
/// is used instead, so a weak model can make suggestions plainer but never wrong.
public struct PlainWriter: Sendable {
    /// Labels added to every issue.
    public var defaultLabels: [String]
    /// Where links point.
    public var links: LinkContext

    /// Creates a writer.
    public init(defaultLabels: [String], links: LinkContext) {
        self.defaultLabels = defaultLabels
        self.links = links
    }

    /// The draft for a planned issue.
    public func draft(_ planned: PlannedIssue) -> IssueDraft {
        let signals = planned.signals
        let lead = signals.first
        let wording = lead.map { Wording(kind: $0.kind, signals: signals) }
        var body = "## Context\n\n"
        body += signals.prefix(10).map { "- " + Self.neutralized($0.summary) }.joined(separator: "\n")
        if signals.count > 10 { body += "\n- … and \(signals.count - 10) more of the same kind" }
        body += "\n\n## Evidence\n\n" + evidence(signals)
        body += "\n\n## Proposed change\n\n" + (wording?.proposal ?? "")
        body +=
            "\n\n## Acceptance criteria\n\n" + (wording?.criteria ?? []).map { "- [ ] \($0)" }.joined(separator: "\n")
        if let commit = links.commit {
            body += "\n\n<sub>Found by Ticket-Master in commit `\(commit.prefix(10))`.</sub>"
        }
        var labels: [String] = []
        for label in defaultLabels + [planned.type.rawValue] where !labels.contains(label) {
            labels.append(label)
        }
        return IssueDraft(
            title: wording?.title ?? "Review repository findings", body: body, labels: labels, type: planned.type,
            signals: signals, writer: .plain)
    }

    private func evidence(_ signals: [Signal]) -> String {
        var lines: [String] = []
        var seenLocations = Set<SourceLocation>()
        var seenCommits = Set<String>()
        for signal in signals {
            for location in signal.evidence.locations.prefix(10) where seenLocations.insert(location).inserted {
                var line = "- " + links.link(location)
                if let excerpt = location.excerpt?.trimmingCharacters(in: .whitespacesAndNewlines), !excerpt.isEmpty {
                    line += ": `\(Self.neutralized(String(excerpt.prefix(160))))`"
                }
                lines.append(line)
            }
            for commit in signal.evidence.commits.prefix(5) where seenCommits.insert(commit.hash).inserted {
                lines.append("- Commit \(links.link(commit)) (\(Self.day(commit.date))): \(commit.subject)")
            }
            if !signal.evidence.metrics.isEmpty {
                lines.append(
                    "- "
                        + signal.evidence.metrics.map { "\($0.name): \(Self.number($0.value))" }.joined(separator: ", ")
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Repository text quoted as evidence, with backticks that would end the code span replaced and links removed:
    /// a comment in the repository must not be able to put a link into an issue.
    static func neutralized(_ excerpt: String) -> String {
        excerpt.replacingOccurrences(of: "`", with: "'")
            .replacingOccurrences(
                of: #"[A-Za-z][A-Za-z0-9+.-]*://\S+"#, with: "(link removed)", options: .regularExpression)
    }

    private static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.2f", value)
    }
}

/// The fixed wording for each kind of finding.
private struct Wording {
    var title: String
    var proposal: String
    var criteria: [String]

    init(kind: SignalKind, signals: [Signal]) {
        let paths = signals.flatMap { $0.evidence.locations.map(\.path) }.uniqued()
        let path = paths.first ?? "the repository"
        let shown = Self.shorten(path)
        switch kind {
        case .marker:
            let count = signals.count
            title =
                count == 1 ? "Resolve the marker comment in \(shown)" : "Resolve \(count) marker comments in \(shown)"
            proposal =
                "Work through each marker listed above: do what it asks, or open an issue for it and remove the "
                + "comment, so the code stops carrying unresolved notes."
            criteria = [
                "Each listed marker is resolved, or tracked in its own issue and removed from the code",
                "No new marker comment is added to \(path) without an issue reference",
            ]
        case .hotFile:
            title = "Review frequently changed \(shown)"
            proposal =
                "Review \(path): find why it changes so often (mixed responsibilities, missing abstractions, "
                + "configuration kept in code) and split or simplify it so that typical changes touch less of it."
            criteria = [
                "The causes of the frequent changes are written down in this issue",
                "\(path) is split or simplified, or the decision not to is recorded",
                "The behaviour of \(path) is covered by tests before it is restructured",
            ]
        case .untestedCode:
            title = paths.count > 1 ? "Add tests for \(paths.count) untested source files" : "Add tests for \(shown)"
            proposal =
                "Add tests that exercise the public behaviour of the files listed above, following the "
                + "repository's existing test layout."
            criteria =
                paths.prefix(10).map { "\($0) has tests that run in CI" } + [
                    "The new tests fail when the behaviour they cover breaks"
                ]
        case .documentationDrift:
            title = "Update the documentation to match recent changes"
            proposal =
                "Read the documentation against the changes listed above and update what no longer matches: "
                + "usage, configuration, examples."
            criteria = [
                "Every user-facing change in the listed commits is reflected in the documentation",
                "The examples in the documentation run as written",
            ]
        case .changeCoupling:
            let other = paths.dropFirst().first.map(Self.shorten) ?? "its partner"
            title = "Untangle \(shown) and \(other), which change together"
            proposal =
                "Find why these files almost always change together; merge them, move the shared concept into one "
                + "place, or document the dependency."
            criteria = [
                "The reason for the coupling is recorded in this issue",
                "A typical change no longer needs edits in both files, or the dependency is documented",
            ]
        case .busFactor:
            title = "Share knowledge of \(shown) beyond one person"
            proposal =
                "Only one person has changed \(path). Have a second maintainer review it and document how it works, "
                + "so that it does not depend on one person."
            criteria = [
                "A second maintainer has reviewed \(path)",
                "How \(path) works is documented where the team keeps documentation",
            ]
        case .largeFile:
            title = "Move the large file \(shown) out of the repository"
            proposal =
                "Store \(path) outside the Git history (Git LFS, a release asset or a generated build step), or "
                + "split it if it is source."
            criteria = ["\(path) is no longer stored as a large blob in the repository", "Builds and tests still pass"]
        case .missingProjectFile:
            title = Self.title(from: signals.first?.summary ?? "Add missing project files")
            proposal =
                "Add what is listed above, following the usual conventions for this kind of project, so that users "
                + "and contributors find what they expect."
            criteria = signals.map { "Resolved: \($0.summary)" }
        case .undocumentedCode:
            title = "Document the public declarations in \(shown)"
            proposal = "Add documentation comments to the public declarations listed above: what each does and why."
            criteria = [
                "Every listed declaration has a documentation comment", "Documentation builds without warnings",
            ]
        }
        title = Self.title(from: title)
    }

    /// Keeps titles under 80 characters: a long path becomes its last two components, or its file name.
    private static func shorten(_ path: String) -> String {
        guard path.count > 40 else { return path }
        let parts = path.split(separator: "/")
        let lastTwo = parts.suffix(2).joined(separator: "/")
        return lastTwo.count <= 40 ? lastTwo : String(parts.last ?? Substring(path))
    }

    private static func title(from text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        return line.count < 80 ? line : String(line.prefix(78)) + "…"
    }
}

extension Array where Element: Hashable {
    /// The elements in order, without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
