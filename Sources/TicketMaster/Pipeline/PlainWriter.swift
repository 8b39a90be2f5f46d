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
/// is used instead, so a weak model can make suggestions plainer but never wrong. Its proposals come from the
/// repository: its build and test commands, its test layout, its forge's CI system.
public struct PlainWriter: Sendable {
    /// Labels added to every issue.
    public var defaultLabels: [String]
    /// Where links point.
    public var links: LinkContext
    /// How the project is built and tested.
    public var toolchain: Toolchain

    /// Creates a writer.
    public init(defaultLabels: [String], links: LinkContext, toolchain: Toolchain = Toolchain()) {
        self.defaultLabels = defaultLabels
        self.links = links
        self.toolchain = toolchain
    }

    /// The draft for a planned issue.
    public func draft(_ planned: PlannedIssue) -> IssueDraft {
        let signals = planned.signals
        let wording = signals.first.map {
            Wording(kind: $0.kind, signals: signals, toolchain: toolchain, forge: links.remote?.forge)
        }
        var body = "## Context\n\n"
        body += wording?.context ?? ""
        body += "\n\n## Evidence\n\n" + evidence(signals, looked: wording?.lookedFor ?? [])
        body += "\n\n## Proposed change\n\n" + (wording?.proposal ?? "")
        body +=
            "\n\n## Acceptance criteria\n\n" + (wording?.criteria ?? []).map { "- [ ] \($0)" }.joined(separator: "\n")
        let reading = signals.first?.evidence.reading
        if let reading {
            // Which words are whose: the quoted code is the repository's, checked; the rest is the model's.
            body +=
                "\n\n<sub>Found by \(Self.escaped(reading.model)) reading the code"
                + (links.commit.map { " in commit `\($0.prefix(10))`" } ?? "")
                + ". Ticket-Master checked every cited line and quoted code against that commit; the context and "
                + "proposed change are the model's words.</sub>"
        } else if let commit = links.commit {
            body += "\n\n<sub>Found by Ticket-Master in commit `\(commit.prefix(10))`.</sub>"
        }
        var labels: [String] = []
        for label in defaultLabels + [planned.type.rawValue] + (wording?.labels ?? []) where !labels.contains(label) {
            labels.append(label)
        }
        var draft = IssueDraft(
            title: wording?.title ?? "Act on the repository findings listed below", body: body, labels: labels,
            type: planned.type, signals: signals, writer: .plain)
        // The passages a defect found by reading cites are checked again with the draft, like any model's.
        if reading != nil {
            draft.codeCitations = signals.flatMap { signal in
                signal.evidence.locations.compactMap { location in
                    guard let start = location.startLine, let code = location.excerpt else { return nil }
                    return CodeCitation(
                        path: location.path, startLine: start, endLine: location.endLine ?? start, code: code,
                        symbol: location.symbol)
                }
            }
        }
        return draft
    }

    private func evidence(_ signals: [Signal], looked: [String]) -> String {
        var lines: [String] = []
        var seenLocations = Set<SourceLocation>()
        var seenCommits = Set<String>()
        for signal in signals {
            // The code under a note shows what it is about as the code stands: once per finding.
            var shownCode = false
            // A location that carries a commit's change is shown under that commit.
            for location in signal.evidence.locations.prefix(20)
            where location.commit == nil && seenLocations.insert(location).inserted {
                var line = "- " + links.link(location)
                if let excerpt = location.excerpt?.trimmingCharacters(in: .whitespacesAndNewlines), !excerpt.isEmpty {
                    line += ": " + Self.codeSpan(String(excerpt.prefix(160)))
                }
                if !shownCode, let code = location.codeBelow, !DraftChecks.looksLikeCredential(code) {
                    line += "\n\n" + Self.codeBlock(code, path: location.path) + "\n"
                    shownCode = true
                }
                lines.append(line)
            }
            for commit in signal.evidence.commits.prefix(5) where seenCommits.insert(commit.hash).inserted {
                var line = "- Commit \(links.link(commit)) (\(Self.day(commit.date))): \(Self.escaped(commit.subject))"
                if let change = signal.evidence.locations.first(where: { $0.commit == commit.hash }) {
                    line += "\n  - " + links.link(change) + (change.symbol.map { ", in " + Self.codeSpan($0) } ?? "")
                    if let excerpt = change.excerpt, !excerpt.isEmpty {
                        line += ": " + Self.codeSpan(String(excerpt.prefix(160)))
                    }
                }
                lines.append(line)
            }
        }
        if signals.count > 3 {
            lines.append("- \(signals.count) findings in \(seenLocations.map(\.path).uniqued().count) files")
        }
        lines += looked.map { "- \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Repository text without web addresses: repository content is untrusted, so it may say where to look but
    /// never put a link into an issue. An address of a forge issue or pull request keeps what it refers to, as a
    /// reference (`https://github.com/acme/api/issues/338` becomes `acme/api#338`); any other becomes
    /// "(link removed)".
    static func inert(_ text: String) -> String {
        text.replacingOccurrences(
            of:
                #"https?://[A-Za-z0-9.-]+/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/(?:-/)?(?:issues|pull|merge_requests)/(\d+)(?:[/#?][A-Za-z0-9_=&/#-]*)?"#,
            with: "$1#$2", options: .regularExpression
        )
        .replacingOccurrences(
            of: #"[A-Za-z][A-Za-z0-9+.-]*://\S+"#, with: "(link removed)", options: .regularExpression
        )
        .replacingOccurrences(of: #"\bwww\.\S+"#, with: "(link removed)", options: .regularExpression)
    }

    /// Repository code as a fenced Markdown block inside a list item (indented two spaces), tagged with the
    /// language its file's extension names: addresses made inert, and a fence longer than any backtick run in it,
    /// so nothing in it renders or ends the block early.
    static func codeBlock(_ code: String, path: String) -> String {
        let text = code.split(separator: "\n", omittingEmptySubsequences: false).map { inert(String($0)) }
        var longest = 0
        for line in text {
            var run = 0
            for character in line {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        let name = path.split(separator: "/").last ?? ""
        let language =
            name.contains(".") ? fenceLanguages[name.split(separator: ".").last?.lowercased() ?? ""] ?? "" : ""
        return (["  " + fence + language] + text.map { $0.isEmpty ? "" : "  " + $0 } + ["  " + fence])
            .joined(separator: "\n")
    }

    /// Fence tags by file extension, for the languages whose notes are read.
    private static let fenceLanguages = [
        "swift": "swift", "py": "python", "js": "javascript", "mjs": "javascript", "cjs": "javascript",
        "jsx": "jsx", "ts": "typescript", "tsx": "tsx", "go": "go", "rs": "rust", "c": "c", "h": "c", "cc": "cpp",
        "cpp": "cpp", "hpp": "cpp", "java": "java", "kt": "kotlin", "rb": "ruby", "sh": "sh", "php": "php",
        "cs": "csharp", "m": "objectivec",
    ]

    /// The first issue of another project that `text` refers to, as `owner/name#number`, with its address made
    /// inert first (`https://github.com/nodejs/node/issues/35237` is `nodejs/node#35237`).
    static func upstreamIssue(_ text: String) -> String? {
        let inert = inert(text)
        return inert.range(of: #"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+#[0-9]+"#, options: .regularExpression).map {
            String(inert[$0])
        }
    }

    /// Repository text as a Markdown code span, whatever backticks it holds: nothing in it renders as a link,
    /// HTML or formatting, and its own backticks stay as written.
    static func codeSpan(_ text: String) -> String {
        let flat = inert(text).replacingOccurrences(of: "\n", with: " ")
        var longest = 0
        var run = 0
        for character in flat {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") || longest > 0 ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// Repository text as Markdown prose: inert addresses, the characters that would start a link, HTML or
    /// formatting escaped, and no `@name` that would notify someone (a word joiner follows the `@`).
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in inert(text) {
            if "\\`*_[]<>".contains(character) { out.append("\\") }
            out.append(character)
            if character == "@" { out.append("\u{2060}") }
        }
        return out
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}

/// The fixed wording for each kind of finding: what was found, what to change, and how to tell it is done.
struct Wording {
    var title: String
    var context: String
    var proposal: String
    var criteria: [String]
    var labels: [String] = []
    /// What was looked for and not found, stated as evidence when a finding is an absence.
    var lookedFor: [String] = []

    init(kind: SignalKind, signals: [Signal], toolchain: Toolchain, forge: RemoteRepository.Forge?) {
        let paths = signals.flatMap { $0.evidence.locations.map(\.path) }.uniqued()
        let path = paths.first ?? "the repository"
        let shown = Self.shorten(path)
        let lead = signals[0]
        let metrics = Dictionary(lead.evidence.metrics.map { ($0.name, $0.value) }) { first, _ in first }
        func metric(_ name: String) -> Int { Int(metrics[name] ?? 0) }
        // The command that runs the tests of the lead file's language: `go test` tests no shell script.
        let test = (paths.first.map(toolchain.testCommand(for:)) ?? toolchain.testCommand).map { "`\($0)`" }
        let build = toolchain.buildCommand.map { "`\($0)`" }
        switch kind {
        case .marker:
            (title, context, proposal, criteria) = Self.marker(signals, paths: paths, toolchain: toolchain)
            // A note that says the code is wrong reports a bug.
            // One in a test that doubts the test's expectation asks for a decision first.
            if let (word, note) = lead.markerNote, MarkerNote.kind(of: note, word: word) == .defect {
                labels =
                    paths.first.map(RepositoryReport.isTestPath) == true && Self.doubtsTheTest(note)
                    ? ["testing"] : ["bug"]
            }
        case .hotFile:
            let recent = metric("recent-commits")
            title = "Split the often-changed part of \(shown) out (\(recent) commits in 90 days)"
            context =
                "`\(path)` changed in \(recent) commits in the last 90 days (\(metric("commits")) in all, "
                + "+\(metric("insertions"))/−\(metric("deletions")) lines, \(metric("authors")) authors): far more "
                + "than the repository's other files. The newest of those commits are listed below."
            proposal =
                "Find the part of `\(path)` that the commits below change again and again, and move it into a file "
                + "of its own with a narrow interface, so that the next changes of that kind touch only that file."
                + (test.map { " Cover the part with tests first and run them with \($0)." } ?? "")
            criteria = [
                "The part of `\(path)` that the listed commits changed lives in its own file",
                "That file has tests" + (test.map { " that pass with \($0)" } ?? ""),
            ]
            labels = ["refactoring"]
        case .untestedCode:
            let lines = metric("lines")
            let testFile = Self.testFile(for: path, toolchain: toolchain)
            title = "Add tests for \(shown)"
            // A file added recently, or one that keeps changing (then the signal counts its commits).
            let how =
                metrics["commits"] != nil
                ? "changed in \(metric("commits")) commits of the analysed history" : "was added recently"
            context =
                "`\(path)` (\(lines) lines) \(how) and no test is named after it or mentions it"
                + (toolchain.testFolder.map { " in `\($0)/`" } ?? "") + "."
            proposal =
                "Add " + (testFile.map { "`\($0)`" } ?? "a test file next to the existing tests")
                + " with tests of the public behaviour of `\(path)`: its normal results, its edge cases and its "
                + "errors." + (test.map { " Run them with \($0)." } ?? "")
            criteria = [
                (testFile.map { "A new `\($0)`" } ?? "A test file") + " exercises the public functions of `\(path)`",
                (test.map { "\($0) passes" } ?? "The tests pass")
                    + ", and a test fails when the behaviour it covers breaks",
            ]
        case .documentationDrift:
            let count = metric("commits")
            let documents = paths.prefix(3).map { "`\($0)`" }.joined(separator: ", ")
            title = "Bring the documentation up to date with \(count) code changes"
            context =
                "\(count) commits changed code since the documentation last changed"
                + (documents.isEmpty ? "." : " (\(documents)).") + " The newest are listed below."
            proposal =
                "Read the commits below and update " + (documents.isEmpty ? "the documentation" : documents)
                + " wherever they changed behaviour, options, output or examples."
            criteria = [
                "Every user-visible change among the listed commits is described in the documentation",
                "The documentation's examples run as written against the current code",
            ]
        case .changeCoupling:
            let other = paths.dropFirst().first ?? "its partner"
            func name(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
            title = "Untangle \(name(path)) and \(name(other)), which change together"
            context =
                "`\(path)` and `\(other)` changed in the same focused commit \(metric("shared-commits")) times (of "
                + "\(metric("first-commits")) and \(metric("second-commits")) commits): a change to one usually "
                + "needs a change to the other."
            proposal =
                "Find what both files encode (a shared list, format, protocol or constant), move it into one place "
                + "that both use, or merge the files; if the dependency must stay, say so in a comment in both."
            criteria = [
                "What the two files share is defined once",
                "A change like the recent ones edits one file, not both",
            ]
        case .busFactor:
            let share = Int(((metrics["top-author-share"] ?? 0) * 100).rounded())
            title = "Share knowledge of \(shown)/ beyond one person"
            context =
                "\(share)% of the \(metric("commits")) commits to `\(path)/` are by one author (bus factor "
                + "\(metric("bus-factor"))): if they are away, nobody else knows this code."
            proposal =
                "Have a second maintainer review the next changes to `\(path)/`, and write down how it works "
                + "(its design, invariants and how to test it) in a README in `\(path)/` or the project's "
                + "documentation, whichever its readers look at first."
            criteria = [
                "A second maintainer has reviewed a change in `\(path)/`",
                "How `\(path)/` works is documented where the project keeps its documentation",
            ]
        case .largeFile:
            let size = Self.megabytes(metric("bytes"))
            title = "Move the large file \(shown) out of the Git history"
            context = "`\(path)` is \(size): every clone downloads it, and every change to it adds another copy."
            proposal =
                "Track `\(path)` with Git LFS (`git lfs track '\(path)'`), publish it as a release asset, or "
                + "generate it in the build" + (build.map { " (\($0))" } ?? "") + "."
            criteria = ["`\(path)` is no longer stored as a blob in the repository", "The build and tests still pass"]
        case .missingProjectFile:
            (title, context, proposal, criteria, labels, lookedFor) = Self.projectFile(
                lead, toolchain: toolchain, forge: forge)
        case .undocumentedCode:
            (title, context, proposal, criteria) = Self.undocumented(signals, metrics: metrics, toolchain: toolchain)
        case .defectHotspot:
            let untested = metric("untested-fixes")
            let fixes = metric("fix-commits")
            // A declaration file's bugs are wrong types: the test that keeps one fixed is code that must type-check.
            let declarations = [".d.ts", ".d.mts", ".d.cts"].contains { path.hasSuffix($0) }
            func heading(_ name: String) -> String {
                declarations
                    ? "Add type tests for \(untested) untested fixes to \(name)"
                    : "Add regression tests for \(untested) untested bug fixes in \(name)"
            }
            // The file's name alone when its path would cut the title ("… untested bug fixes in…").
            let full = heading(shown)
            title = full.count < 80 ? full : heading(path.split(separator: "/").last.map(String.init) ?? shown)
            let facts =
                "\(fixes) of the \(metric("commits")) commits that changed `\(path)` (\(metric("lines")) lines) "
                + "fixed bugs, \(metric("fixes-last-year")) of them in the last year. \(untested) of the fixes of the "
                + "last two years changed no test file, so nothing stops those bugs from coming back; Evidence lists "
                + "them."
            context = facts
            // Under each fix, where its change reads today: the line a test should reach.
            let changes = lead.evidence.locations.filter { $0.commit != nil }
            // A function two of the fixes changed: where the bugs gather, and what may need simplifying.
            let symbols = changes.compactMap(\.symbol)
            let repeated = symbols.first { symbol in symbols.filter { $0 == symbol }.count >= 2 }
            proposal =
                declarations
                ? "For each commit listed in Evidence, add a type test: code that uses the declaration it corrected "
                    + "and fails to type-check without the fix" + (test.map { " (checked by \($0))" } ?? "")
                    + ", so that the wrong type cannot come back unnoticed."
                : "For each commit listed in Evidence, add a test of the behaviour it fixed"
                    + (changes.isEmpty
                        ? "" : ", one that runs the line listed under the commit and fails without the fix")
                    + (test.map { " (run with \($0))" } ?? "") + ", so that the bug cannot come back unnoticed."
                    + (repeated.map { symbol in
                        " \(symbols.filter { $0 == symbol }.count) of the fixes changed "
                            + "\(PlainWriter.codeSpan(symbol)): consider whether it needs simplifying."
                    } ?? "")
            criteria = [
                declarations
                    ? "Each declaration a fix commit listed in Evidence corrected is used in a type test that fails "
                        + "to type-check without the fix"
                    : "The behaviour each fix commit listed in Evidence corrected is covered by a test",
                (test.map { "\($0) passes" } ?? "The tests pass"),
            ]
            labels = ["testing"]
        case .brokenTest
        where lead.evidence.locations.allSatisfy({ $0.excerpt?.contains("test_expect_failure") == true }):
            // Known breakages a shell suite records: each documents a bug that is still there.
            let count = metric("tests")
            // The file may record more than those whose commits said they show a bug: the title counts honestly.
            let recorded = max(count, metric("recorded-breakages"))
            let file = path.split(separator: "/").last.map(String.init) ?? path
            let breakages =
                recorded > count
                ? "\(count) of the \(recorded) known breakages"
                : count == 1 ? "the known breakage" : "the \(count) known breakages"
            title = "Fix \(breakages) recorded in \(shown)"
            if title.count > 79 { title = "Fix \(breakages) recorded in \(file)" }
            if title.count > 79 { title = "Fix \(breakages) in \(file)" }
            let marked =
                lead.evidence.commits.last.map {
                    " \(count == 1 ? "It was" : "They were") marked in `\($0.hash.prefix(10))` (\(PlainWriter.day($0.date))), "
                        + "\(PlainWriter.codeSpan($0.subject))."
                } ?? ""
            context =
                "`\(path)` runs \(count == 1 ? "a test" : "\(count) tests") with `test_expect_failure` (listed in "
                + "Evidence): the suite reports \(count == 1 ? "it" : "each") as a known breakage, so "
                + "\(count == 1 ? "it records" : "each records") a bug that is still there." + marked
            if recorded > count {
                context +=
                    " The file records \(recorded) known breakages in all; the others were marked by commits that "
                    + "do not say they show a bug, so they are left out."
            }
            // What that commit says of the bug, often with a plan to fix it, quoted as the repository's words; a
            // paragraph that counts failing tests the file no longer has is history, not the bug's state.
            if let body = lead.evidence.commits.last?.body.map({ Self.withoutStaleCounts($0, tests: recorded) })
                .map(Self.quotedMessage), !body.isEmpty
            {
                context += " Its message says:\n\n" + body
            }
            // The comment right above one test is where its author says what goes wrong (git's t3011: "It turns out
            // fill_directory returns the right paths, but …"): the diagnosis, closer to the code than the message.
            let comments = lead.evidence.locations.compactMap(\.commentAbove)
            // Only a comment read from its first sentence: one cut at its top starts mid-sentence.
            var diagnosed = false
            if count == 1, let comment = comments.first, comment.split(separator: " ").count >= 8,
                comment.first?.isUppercase == true
            {
                context += "\n\nThe comment above the test says:\n\n" + Self.quotedMessage(comment)
                diagnosed = true
            }
            proposal =
                (diagnosed
                    ? "Fix the code the comment above the test points at, so that the test gets what it expects"
                    : "Fix the behaviour the \(count == 1 ? "test describes" : "tests describe") "
                        + "(\(count == 1 ? "it says" : "they say") what should happen)")
                + ", then turn each `test_expect_failure` into `test_expect_success`"
                + (test.map { " and run \($0)" } ?? "") + "."
            criteria = [
                "Every test listed in Evidence is a `test_expect_success` and passes",
                (test.map { "\($0) passes" } ?? "The tests pass"),
            ]
            labels = ["bug"]
        case .brokenTest:
            let count = metric("tests")
            // Say which marking the tests carry when the excerpts tell: `@pytest.mark.xfail` marks a failure
            // expected, `@pytest.mark.skip` a test left out.
            let excerpts = lead.evidence.locations.compactMap(\.excerpt).map { $0.lowercased() }
            let failing = ["xfail", "expectedfailure", "failing(", "fails("]
            let marking: String
            if !excerpts.isEmpty, excerpts.allSatisfy({ excerpt in failing.contains { excerpt.contains($0) } }) {
                marking = "marked to fail"
            } else if !excerpts.isEmpty, excerpts.allSatisfy({ excerpt in !failing.contains { excerpt.contains($0) } })
            {
                marking = "skipped"
            } else {
                marking = "marked to fail or skipped"
            }
            let since = lead.evidence.commits.map(\.date).min().map { " since \(PlainWriter.day($0))" } ?? ""
            let tests = count == 1 ? "test" : "tests"
            title = "Decide on \(count) \(tests) \(marking) in \(shown)"
            // One test is named: the title says which.
            if count == 1, let name = lead.evidence.locations.compactMap(\.symbol).first {
                // A test named by a sentence (`test('removes undefined headers', …)`) is quoted.
                let shownName = name.contains(" ") ? "the test \"\(PlainWriter.inert(name))\"" : PlainWriter.inert(name)
                let named = "Decide on \(shownName), \(marking)"
                let file = path.split(separator: "/").last.map(String.init) ?? path
                if named.count + file.count + 4 <= 80 {
                    title = named + " in \(file)"
                } else if named.count <= 80 {
                    title = named
                }
            }
            // A long path or test name gives way to the file's name, then to fewer words: never a cut title.
            let file = path.split(separator: "/").last.map(String.init) ?? path
            if title.count > 80 { title = "Decide on \(count) \(tests) \(marking) in \(file)" }
            if title.count > 80 { title = "Decide on \(count) skipped \(tests) in \(file)" }
            let it = count == 1 ? "it" : "each"
            // Reasons the markers give are quoted: the question is whether they still hold, not what they are.
            let reasons = lead.evidence.locations.compactMap { $0.excerpt.flatMap(Self.skipReason) }
            let givenReasons = Array(Set(reasons)).sorted()
            // A comment right above a marker is its author's explanation, quoted as written.
            let explained = lead.evidence.locations.filter { $0.commentAbove != nil }
            let explanation =
                explained.count == 1 && count == 1
                ? " The comment above it reads: \(PlainWriter.codeSpan(explained[0].commentAbove ?? ""))."
                : explained.prefix(3).map {
                    " Above line \($0.startLine ?? 0): \(PlainWriter.codeSpan($0.commentAbove ?? ""))."
                }.joined()
            context =
                "`\(path)` has \(count == 1 ? "a test" : "\(count) tests") \(marking)\(since) "
                + "(listed in Evidence). Such a test either describes behaviour the project still wants, or a "
                + "restriction it has chosen; "
                + (!givenReasons.isEmpty
                    ? "the markers give "
                        + givenReasons.prefix(3).map { PlainWriter.codeSpan($0) }.joined(separator: ", ")
                        + " as the reason, but not whether it still holds."
                    : explained.isEmpty
                        ? "the marker says neither."
                        : "\(count == 1 ? "its author" : "their authors") explained the marker, but not whether "
                            + "the reason still holds.") + explanation
            proposal =
                "Run \(it) with the marker removed" + (test.map { " (\($0))" } ?? "")
                + ". If the behaviour is wanted, fix the code and remove the marker; if the restriction is intended, "
                + "replace the test with one that checks the restriction (the error it raises), or delete it."
            criteria = [
                "No test in `\(path)` is marked expected-to-fail, skipped or disabled without a stated condition",
                (test.map { "\($0) passes" } ?? "The tests pass"),
            ]
            // A comment that points at another project's issue (`See nodejs/node#35237`) says what the test waits
            // for: the question is whether that issue is fixed where the project runs.
            if count == 1, let upstream = explained.first?.commentAbove.flatMap(PlainWriter.upstreamIssue) {
                proposal =
                    "The comment points at \(PlainWriter.codeSpan(upstream)). Check whether that is fixed in the "
                    + "versions the project supports: if it is, remove the marker and run the test"
                    + (test.map { " (\($0))" } ?? "") + "; if it is not, keep the marker and say in the comment "
                    + "which release will allow removing it."
                criteria = [
                    "The test runs unmarked and passes, or its comment says what it still waits for in "
                        + PlainWriter.codeSpan(upstream)
                ]
            }
            labels = ["testing"]
            // One test whose marker gives its reason: the reason says what is left to do.
            if count == 1, let reason = reasons.first, let name = lead.evidence.locations.compactMap(\.symbol).first {
                let file = path.split(separator: "/").last.map(String.init) ?? path
                let shownName = PlainWriter.inert(name)
                let quoted = PlainWriter.codeSpan(reason)
                let marked =
                    lead.evidence.commits.first.map {
                        " It was \(marking) in `\($0.hash.prefix(10))`, \(PlainWriter.codeSpan($0.subject))."
                    } ?? ""
                context =
                    "`\(shownName)` in `\(path)` is \(marking)\(since) with the reason \(quoted).\(marked)"
                    + explanation
                switch SkipReason(reason) {
                case .question:
                    let asked = PlainWriter.inert(reason).replacingOccurrences(
                        of: #"^(TODO|FIXME|XXX)\s*:?\s*"#, with: "", options: [.regularExpression, .caseInsensitive])
                    let line = lead.evidence.locations.first?.startLine.map { " line \($0)" } ?? ""
                    title = "Answer the skipped test's question in \(file): \(asked)"
                    if title.count > 80 { title = "Answer the question that skips a test in \(file)\(line)" }
                    context =
                        "`\(shownName)` in `\(path)`\(line) is \(marking)\(since) with a question for a reason: \(quoted)."
                        + marked + explanation
                    proposal =
                        "Answer the question against the code as it is now. If the behaviour is still supported, "
                        + "remove the marker and make the test pass" + (test.map { " (\($0))" } ?? "")
                        + "; if it is not, or a later change decided otherwise, delete the test and say so in the "
                        + "commit message."
                    // A later change to the test's file and the code, named like the test, may be the answer.
                    if metric("later-changes") > 0, lead.evidence.commits.count > 1 {
                        let later = lead.evidence.commits[lead.evidence.commits.count - 1]
                        let hash = String(later.hash.prefix(10))
                        context +=
                            " Later, `\(hash)` (\(PlainWriter.day(later.date))), \(PlainWriter.codeSpan(later.subject)), "
                            + "changed this file and the code the test exercises: it may have answered the question."
                        proposal =
                            "Read `\(hash)` first. If it settled the question, update the test to expect what the code "
                            + "does now, or delete it if another test covers that, and remove the marker. Otherwise "
                            + "answer the question against the code as it is now: remove the marker and make the test "
                            + "pass" + (test.map { " (\($0))" } ?? "") + ", or delete the test and say why in the "
                            + "commit message."
                    }
                    criteria = [
                        "The marker at `\(path)`\(line) is gone: the test runs and passes, or it is deleted with the "
                            + "answer in the commit message"
                    ]
                case .unimplemented where metric("later-changes") > 0 && lead.evidence.commits.count > 1:
                    // A later change touched the test's file and the code, and names what the test is about: the
                    // behaviour may be there now, and the skip hides it.
                    let later = lead.evidence.commits[lead.evidence.commits.count - 1]
                    let hash = String(later.hash.prefix(10))
                    title = "Remove the skip from \(shownName) if \(hash.prefix(8)) made it pass"
                    if title.count > 80 { title = "Check whether the \(marking) test in \(file) passes now" }
                    context +=
                        " Later, `\(hash)` (\(PlainWriter.day(later.date))), \(PlainWriter.codeSpan(later.subject)), "
                        + "changed this file and the code it tests: the behaviour may exist now, and the marker hides "
                        + "whether it works."
                    proposal =
                        "Remove the marker and run the test" + (test.map { " (\($0))" } ?? "")
                        + ". If it passes, keep it unmarked; if it fails, implement what is still missing, or restore "
                        + "the marker with a reason that says what that is."
                    criteria = [
                        "`\(shownName)` runs without the marker",
                        "It passes, or its marker names what is still missing",
                    ]
                case .unimplemented:
                    title = "Implement what \(shownName) expects (\(marking) as unimplemented)"
                    if title.count > 80 { title = "Implement what \(shownName) in \(file) expects" }
                    proposal =
                        "The test describes behaviour the project does not have yet. Implement it and remove the "
                        + "marker" + (test.map { ", then run \($0)" } ?? "")
                        + "; if the project does not want it, delete the test and say so here."
                    criteria = [
                        "`\(shownName)` runs without the marker and passes",
                        (test.map { "\($0) passes" } ?? "The tests pass"),
                    ]
                    labels = ["enhancement"]
                case .environment:
                    title = "Make \(shownName) run on CI again (\(marking): \(PlainWriter.inert(reason)))"
                    if title.count > 80 { title = "Make \(shownName) in \(file) run on CI again" }
                    if title.count > 80 { title = "Make the \(marking) test in \(file) run on CI again" }
                    proposal =
                        "Find why the test fails on CI but not locally (the commit that \(marking == "skipped" ? "skipped" : "marked") it is "
                        + "in Evidence), fix the test or the CI environment, and remove the marker."
                    criteria = [
                        "`\(shownName)` runs on CI without the marker and passes",
                        (test.map { "\($0) passes on CI" } ?? "The tests pass on CI"),
                    ]
                case .flaky:
                    title = "Make \(shownName) reliable and run it again (\(marking) as flaky)"
                    if title.count > 80 { title = "Make \(shownName) in \(file) reliable again" }
                    if title.count > 80 { title = "Make the flaky test in \(file) reliable again" }
                    proposal =
                        "Run the test repeatedly with the marker removed" + (test.map { " (\($0))" } ?? "")
                        + " to see how it fails, then remove the cause (a race with the event it waits for, a fixed "
                        + "timeout, shared state) rather than the test, and remove the marker."
                    criteria = [
                        "`\(shownName)` runs without the marker and passes on 50 consecutive runs",
                        (test.map { "\($0) passes" } ?? "The tests pass"),
                    ]
                case .other:
                    context +=
                        " Such a test either describes behaviour the project still wants, or a restriction it has "
                        + "chosen."
                }
            }
        case .crashStub:
            let sites = metric("call-sites")
            let message = lead.summary.split(separator: ": ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            let places = "\(sites) place\(sites == 1 ? "" : "s")"
            // An exception (`raise NotImplementedError(…)`, `throw new Error(…)`) stops nothing a caller cannot
            // catch: what is missing is the behaviour, or a plain statement that it will not come.
            let raises = lead.evidence.locations.allSatisfy { location in
                let code = location.excerpt?.trimmingCharacters(in: .whitespaces) ?? ""
                return code.hasPrefix("raise ") || code.hasPrefix("throw ")
            }
            if raises {
                title = "Implement what raises \(PlainWriter.inert(message)) (\(places))"
                context =
                    "\(places) in shipped code raise an error with \(PlainWriter.codeSpan(message)) instead of doing "
                    + "what the caller asked: the behaviour is missing."
                proposal =
                    "Implement the missing behaviour, or, if it will not be supported, raise an error that names the "
                    + "unsupported case and document the limitation where users look for the feature."
                criteria = [
                    "Each place listed in Evidence does what was asked, or raises a documented error for a case the "
                        + "project will not support",
                    "A test reaches each of them" + (test.map { ", and \($0) passes" } ?? ""),
                ]
            } else {
                title = "Implement or reject what crashes with \(PlainWriter.inert(message)) (\(places))"
                context =
                    "\(places) in shipped code stop the program on purpose with \(PlainWriter.codeSpan(message)): a "
                    + "user who reaches one gets a crash, not an error."
                proposal =
                    "Implement the missing behaviour, or replace each crash with an error the caller can handle (a "
                    + "thrown error, an exception or a returned error) that says what is not supported."
                criteria = [
                    "None of the places listed in Evidence stops the program",
                    "A test reaches each of them and gets the behaviour or a handled error"
                        + (test.map { ", and \($0) passes" } ?? ""),
                ]
            }
        case .unfinishedCleanup:
            let line = lead.summary.split(separator: ": ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            let files = metric("files")
            let before = metric("files-a-year-ago")
            title = "Finish removing \(PlainWriter.inert(line)) from \(files) files"
            context =
                "\(PlainWriter.codeSpan(line)) is repeated in \(files) files"
                + (before > files
                    ? "; a year ago it was in \(before), so a clean-up is under way and unfinished."
                    : before > 0 ? " (\(before) a year ago)." : ".")
            proposal =
                "Go through the files listed in Evidence: fix what the line suppresses or works around, then delete "
                + "it, a few files per change."
            criteria = [
                "No tracked file contains \(PlainWriter.codeSpan(line))",
                (test.map { "\($0) passes" } ?? "The build and tests pass") + " without it",
            ]
            labels = ["cleanup"]
        case .driftingCopy:
            let folders = lead.summary.split(separator: " ").prefix(3)
            let first = folders.first.map { String($0.dropLast()) } ?? path
            let second = folders.count > 2 ? String(folders[2].dropLast()) : "its copy"
            title = "Stop \(first) and \(second) from drifting apart"
            context =
                "`\(first)/` and `\(second)/` hold \(metric("shared-files")) near-identical files, kept in step by hand: "
                + "\(metric("one-sided-commits")) of the last \(metric("recent-commits")) commits that touched them changed "
                + "only one, so a fix in one may be missing from the other. Evidence lists the files that differ and "
                + "the one-sided commits."
            proposal =
                "Check each one-sided commit listed in Evidence and bring the change to the other copy where it "
                + "applies; then share the code (a common module both use) or generate one copy from the other, so "
                + "they cannot drift again."
            criteria = [
                "Every fix in the one-sided commits is in both copies, or the difference is intended and documented",
                "The two folders share their code, or one is generated from the other",
            ]
        case .brokenReference:
            let reference = lead.evidence.locations.first?.excerpt ?? ""
            let removed = lead.evidence.commits.first
            title = "Fix the reference to a missing file or module in \(shown)"
            context =
                "`\(path)` refers to something that does not exist at the analysed commit: "
                + PlainWriter.codeSpan(reference) + "."
                + (removed.map { " It was removed in `\($0.hash.prefix(10))` (\(PlainWriter.day($0.date)))." } ?? "")
                + " Code that reaches this line fails."
            proposal =
                "Point the reference at where the code lives now, or remove the code that still depends on it"
                + (test.map { "; then run \($0)" } ?? "") + "."
            criteria = [
                "`\(path)` refers only to files and modules that exist",
                (test.map { "\($0) passes" } ?? "The build and tests pass") + ", and a test runs the code that used it",
            ]
        case .codeReading:
            let reading = lead.evidence.reading
            let symbol = lead.evidence.locations.first?.symbol.map { " in " + PlainWriter.codeSpan($0) } ?? ""
            let place = lead.evidence.locations.first.map { "`\($0.path):\($0.startLine ?? 1)`" } ?? "`\(path)`"
            title = PlainWriter.inert(reading?.title ?? lead.summary)
            context =
                "Reading the code at \(place)\(symbol), \(PlainWriter.escaped(reading?.model ?? "a model")) reports a "
                + (reading?.category.replacingOccurrences(of: "-", with: " ") ?? "defect") + ": "
                + PlainWriter.escaped(reading?.explanation ?? "")
            proposal =
                PlainWriter.escaped(reading?.fix ?? "")
                + " First confirm the defect with a test that fails on the code quoted in Evidence."
            criteria = [
                "A test exercises the code at \(place) and fails before the change",
                (test.map { "\($0) passes" } ?? "The build and tests pass") + " after it",
            ]
            // Always a bug, whatever category the model named: text in the code it read (which may tell it what to
            // report) must not choose labels.
            labels = ["bug"]
        case .leakedSecret:
            let rule = lead.summary.split(separator: " in ", maxSplits: 1).first.map(String.init) ?? "credential"
            title = "Revoke the \(rule.lowercased()) committed in \(shown)"
            context =
                "`\(path)` holds what looks like a \(rule.lowercased()) (shown masked in Evidence). Anyone who can read "
                + "the repository or its history can use it."
            proposal =
                "Revoke it at its issuer now and issue a new one that is kept out of the repository (an environment "
                + "variable or a secret store). Delete it from the file, and remove it from the history (for example "
                + "with git filter-repo) if the repository is or was public."
            criteria = [
                "The committed credential is revoked",
                "No tracked file holds it, and the code reads its replacement from the environment or a secret store",
            ]
            labels = ["security"]
        }
        title = Self.title(from: title)
    }

    /// `body` without the paragraphs that count failing tests (`Of the 7 failing tests`, `3 tests fail`) other
    /// than `tests`, the number the file records now: git's t3011 was marked by "Of the 7 failing tests, …", and
    /// six were fixed since.
    static func withoutStaleCounts(_ body: String, tests: Int) -> String {
        let counts = /([0-9]+) (?:failing|failed|broken|known[- ]broken) tests?\b|([0-9]+) tests? (?:fail|are failing)/
        return body.components(separatedBy: "\n\n").filter { paragraph in
            paragraph.matches(of: counts).allSatisfy { match in
                (match.output.1 ?? match.output.2).flatMap { Int($0) } == tests
            }
        }.joined(separator: "\n\n")
    }

    /// A commit message's paragraphs, up to about 2,000 characters and whole, as a Markdown quote of inert text.
    static func quotedMessage(_ body: String) -> String {
        var kept: [String] = []
        var length = 0
        for paragraph in body.components(separatedBy: "\n\n") {
            let text = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            if length + text.count > 2_000, !kept.isEmpty { break }
            kept.append(String(text.prefix(2_000)))
            length += text.count
        }
        return kept.map { paragraph in
            paragraph.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "> " + PlainWriter.escaped(String($0)) }.joined(separator: "\n")
        }.joined(separator: "\n>\n")
    }

    /// The reason a skip or expected-failure marker gives: `@pytest.mark.skip(reason='Doesn’t work in CI')`,
    /// `@unittest.skip("unimplemented")`, `t.Skip("needs network")`. Not the name `it.skip('name', …)` gives a test.
    static func skipReason(_ excerpt: String) -> String? {
        let patterns = [
            #"reason\s*=\s*(['"])(.+?)\1"#,
            #"(?:mark\.skip|mark\.xfail|unittest\.skip|skipTest|\bt\.Skip|XCTSkip|@Disabled|@Ignore|\.disabled)\w*\(\s*(['"])(.+?)\1"#,
            // Rust's `#[ignore = "reason"]`.
            #"#\[ignore\s*=\s*(")(.+?)\1"#,
        ]
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: excerpt, range: NSRange(excerpt.startIndex..., in: excerpt)),
                let range = Range(match.range(at: 2), in: excerpt)
            else { continue }
            let reason = excerpt[range].trimmingCharacters(in: .whitespaces)
            if !reason.isEmpty { return String(reason.prefix(120)) }
        }
        return nil
    }

    /// What a skip reason says is missing: the behaviour itself, an environment the test needs, or a test that
    /// passes only sometimes.
    enum SkipReason {
        case question, unimplemented, environment, flaky, other

        init(_ reason: String) {
            let lower = reason.lowercased()
            // "TODO: is '--generate-shell-completion' (flag) still supported?": the skip asks whether the behaviour
            // is still wanted, which nobody answered; implementing it may undo a decision made since.
            if lower.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("?") {
                self = .question
            } else if ["unimplemented", "not implemented", "not yet implemented", "not supported yet", "todo"]
                .contains(where: { lower.contains($0) })
            {
                self = .unimplemented
            } else if lower.range(
                of: #"flaky|flakey|intermittent|sometimes|not always|racy|unreliable"#, options: .regularExpression)
                != nil
            {
                self = .flaky
            } else if lower.range(of: #"\bci\b|github actions|travis|appveyor|in ci"#, options: .regularExpression)
                != nil
            {
                self = .environment
            } else {
                self = .other
            }
        }
    }

    private static func marker(
        _ signals: [Signal], paths: [String], toolchain: Toolchain
    ) -> (String, String, String, [String]) {
        let lead = signals[0]
        let (word, note) = lead.markerNote ?? ("TODO", "")
        let age = lead.evidence.metrics.first { $0.name == "age-days" }.map { Int($0.value) }
        let since = lead.evidence.commits.map(\.date).min().map { PlainWriter.day($0) }
        let ageText =
            age.flatMap { days in days >= 30 ? since.map { ", unchanged since \($0) (\(days) days)" } : nil } ?? ""
        let places = signals.flatMap(\.evidence.locations)
        let quoted = PlainWriter.codeSpan(note)
        let test = toolchain.testCommand.map { "`\($0)`" }
        if lead.evidence.metrics.contains(where: { $0.name == "runtime-requirement-met" }),
            let due = runtimeWaitOver(
                note, word: word, paths: paths, places: places, toolchain: toolchain, age: ageText)
        {
            return (due.title, due.context, due.proposal, due.criteria + (test.map { ["\($0) passes"] } ?? []))
        }
        if paths.count > 1 {
            // The note cut at a clause; when no clause of it fits, the files are named instead: a title cut
            // mid-sentence ("…copied into 2 files: If we are trying to use protocol…") reads as another task.
            let prefix = "Resolve the \(word) copied into \(paths.count) files: "
            let clause = clauseOf(PlainWriter.inert(note), limit: 80 - prefix.count)
            var title = prefix + clause
            if clause.hasSuffix("…") {
                let names = paths.map { String($0.split(separator: "/").last ?? Substring($0)) }
                title = "Resolve the \(word) copied into \(names.joined(separator: " and "))"
                if names.count > 2 || title.count > 80 {
                    title = "Resolve the \(word) copied into \(paths.count) files"
                    // A note that says what to do says it better than the count: "Avoid moving the subsequent
                    // elements twice (2 files)".
                    let own = PlainWriter.inert(note).trimmingCharacters(in: CharacterSet(charactersIn: " ."))
                    let suffix = " (\(paths.count) files)"
                    if MarkerNote.asksForChange(note), own.count + suffix.count < 80, !own.contains("\n") {
                        title = own.prefix(1).uppercased() + own.dropFirst() + suffix
                    }
                }
            }
            // The note copied with the code around it (the same function in each file) has one cause; the same
            // note over different code (`cmd_clone` here, `init_submodule` there) asks for one change per place.
            let named = places.compactMap(\.symbol)
            if Set(named).count > 1 || (!named.isEmpty && named.count < places.count) {
                let sites = places.prefix(6).map { place in
                    "`\(place.path)`" + (place.symbol.map { " (`\($0)`)" } ?? "")
                }
                let context =
                    "The same \(word) note appears in \(paths.count) files (\(places.count) places)\(ageText): \(quoted). "
                    + "It sits in different code at each place: " + sites.joined(separator: ", ") + "."
                let proposal =
                    "Make the change the note describes at each place listed in Evidence, the same way, and delete "
                    + "each copy of the note with it."
                let criteria = [
                    "No tracked file contains the note \(quoted)",
                    "Each place listed in Evidence does what the note asks" + (test.map { ", and \($0) passes" } ?? ""),
                ]
                return (title, context, proposal, criteria)
            }
            let context =
                "The same \(word) note appears in \(paths.count) files (\(places.count) places)\(ageText): \(quoted). "
                + "It is one task, copied with the code around it."
            let proposal =
                "Fix the cause once, in a place all \(paths.count) files share (a common helper, the build "
                + "configuration, or the package setup), then delete every copy of the note listed in Evidence."
            let criteria = [
                "No tracked file contains the note \(quoted)",
                "The cause the note describes is fixed once, not in each file"
                    + (test.map { ", and \($0) passes" } ?? ""),
            ]
            return (title, context, proposal, criteria)
        }
        let file = shorten(paths.first ?? "")
        let lines = places.compactMap(\.startLine).map(String.init).joined(separator: ", ")
        let symbol = places.compactMap(\.symbol).first
        let location =
            "`\(paths.first ?? "")`" + (lines.isEmpty ? "" : " line \(lines)") + (symbol.map { " (in `\($0)`)" } ?? "")
        if note.isEmpty {
            return (
                "Resolve the empty \(word) in \(file)",
                "\(location) has a \(word) comment with no text\(ageText): nobody can tell what is left to do.",
                "Find out from the commit in Evidence what was meant, then do it or delete the comment.",
                ["The \(word) at \(location) is gone, and the commit removing it says what was done"]
            )
        }
        var context = "\(location) says \(word): \(quoted)\(ageText)."
        // What its author wrote right above the note often says what it is about.
        if let above = places.first?.commentAbove, !above.isEmpty {
            context += " The comment above it reads: \(PlainWriter.codeSpan(above))."
        }
        var proposal: String
        var criteria: [String]
        switch MarkerNote.kind(of: note, word: word) {
        case .question:
            proposal =
                "The note asks a question the code never answered. Read the code around \(location) and answer it: "
                + "replace the \(word) with a comment that explains why the code is right, or change the code if "
                + "the answer shows it is not."
            criteria = [
                "The \(word) at \(location) is replaced by a comment that answers it, or by a change that makes "
                    + "the question moot"
            ]
        case .workaround:
            proposal =
                "The code at \(location) works around a problem elsewhere. Check whether the problem is still there "
                + "with the versions the project supports now: if not, remove the workaround; if it is, say in the "
                + "comment what must change before it can go."
            criteria = [
                "The workaround at \(location) is removed, or its comment names the condition for removing it",
                (test.map { "\($0) passes" } ?? "The tests pass") + " without the workaround, if it was removed",
            ]
        case .upstream:
            proposal =
                "The note waits on a change elsewhere (another project, a language or tool release). Check whether "
                + "that change has shipped: if so, make the change the note describes; if it was declined, delete "
                + "the note; if it is still pending, link the upstream issue in the note."
            criteria = [
                "The \(word) at \(location) is gone, or names the upstream issue it waits on and that issue is still open"
            ]
        case .idea:
            proposal =
                "The note records an idea rather than a task. Decide whether the project wants it: if so, describe "
                + "the change in this issue and make it; if not, replace the note with a plain comment that explains "
                + "the current design."
            criteria = [
                "The \(word) at \(location) is gone: the idea is done, or the comment explains why the design stays"
            ]
        case .defect
        where paths.first.map(RepositoryReport.isTestPath) == true && Self.pinsWrongBehaviour(note):
            // "Use this test only as a documentation of the incorrect behavior, not a measure of how it _should_
            // behave" (git's t1092): the test asserts a bug on purpose. Nothing is left to decide; the code is wrong.
            proposal =
                "The note says the test pins behaviour that is wrong, on purpose, until the code is fixed. Fix the "
                + "code under test so that it does what the note (and the comments in the test) say it should, then "
                + "change the test to expect that and delete the note."
            criteria = [
                "The test at \(location) expects the correct behaviour and passes, and the \(word) is gone"
                    + (test.map { "; \($0) passes" } ?? "")
            ]
        case .defect
        where paths.first.map(RepositoryReport.isTestPath) == true && Self.doubtsTheTest(note):
            // "This test seems wrong. It should return nothing!": the test's expectation is in doubt, not
            // (yet) the code. Which behaviour is intended is the question, and either side may change.
            proposal =
                "The note doubts what the test expects. Decide which behaviour is intended and document it: if the "
                + "code is right, correct the test's expectation and delete the note; if the test is right, fix the "
                + "code so that it passes."
            criteria = [
                "The intended behaviour is documented, the test at \(location) checks it, and the \(word) is gone"
                    + (test.map { "; \($0) passes" } ?? "")
            ]
        case .defect where paths.first.map(RepositoryReport.isTestPath) == true:
            // A note in a test says the code under test is wrong, and the test that shows it is already there,
            // commented out or worked around.
            proposal =
                "The note says the code under test is wrong, and the test shows it. Fix the code, then enable the "
                + "case the note is about (or remove the workaround it explains) and delete the note."
            criteria = [
                "The \(word) at \(location) is gone and the case it describes runs and passes"
                    + (test.map { " with \($0)" } ?? "")
            ]
        case .defect:
            proposal =
                "The note says the code is wrong here. Add a test that shows the problem"
                + (test.map { " (run with \($0))" } ?? "") + ", fix the code, and delete the note."
            criteria = [
                "The \(word) at \(location) is gone and the problem it describes is fixed",
                "A test covers the case the note describes" + (test.map { " and passes with \($0)" } ?? ""),
            ]
        case .task
        where places.contains(where: { $0.codeBelow.map(MarkerNote.marksSkippedTest) ?? false }):
            // pino's "make this test pass on Windows" over `test('…', { skip: isWin }, …)`: the skip under the note
            // is what it asks to take away, and deleting the note alone must not close the issue.
            let skip = places.lazy.compactMap { $0.codeBelow?.split(separator: "\n").first.map(String.init) }
                .first(where: MarkerNote.marksSkippedTest)
            proposal =
                "The note sits over a skipped test"
                + (skip.map { " (\(PlainWriter.codeSpan($0.trimmingCharacters(in: .whitespaces))))" } ?? "")
                + ": make the change it describes, then remove the skip from the test under each copy of the note "
                + "and delete the note."
            criteria = [
                "Each test under the note at \(location) runs without its skip and passes"
                    + (test.map { " with \($0)" } ?? "") + ", in every environment the skip left out"
            ]
        case .task:
            proposal =
                "Make the change the note describes at \(location), or, if it no longer applies, delete the note and "
                + "say why in the commit message."
            criteria = ["The \(word) at \(location) is gone, with the change it asks for made or its removal explained"]
            // A note in configuration or a workflow is checked by running what it configures, not the tests.
            let configuration = ["yml", "yaml", "json", "toml", "ini", "cfg", "md"].contains {
                (paths.first ?? "").lowercased().hasSuffix("." + $0)
            }
            if let test, !configuration { criteria.append("\(test) passes") }
        }
        // The path as far as it fits; the file name alone when the note would be cut.
        let kind = MarkerNote.kind(of: note, word: word)
        var title = markerTitle(note, kind: kind, word: word, file: file, symbol: symbol)
        if title.hasSuffix("…"), let name = file.split(separator: "/").last, name.count < file.count {
            title = markerTitle(note, kind: kind, word: word, file: String(name), symbol: symbol)
        }
        // A later commit names what the note waits on: whether it ended the wait is the question to settle.
        if lead.evidence.metrics.contains(where: { $0.name == "condition-met" }), let met = lead.evidence.commits.last {
            let hash = String(met.hash.prefix(10))
            context +=
                " A later commit names what it waits for: `\(hash)` (\(PlainWriter.day(met.date))), "
                + "\(PlainWriter.codeSpan(met.subject)). The wait may be over."
            proposal =
                "Check whether `\(hash)` did what the note waits for. If it did, make the change the note describes "
                + "now and delete the note; if not, say in the note what is still missing."
            criteria =
                [
                    "The \(word) at \(location) is gone with its change made, or says what `\(hash)` left undone"
                ] + (test.map { ["\($0) passes"] } ?? [])
            title = waitTitle(note, symbol: symbol, file: file, commit: String(met.hash.prefix(8)), word: word)
        }
        // "This test case fails" in `TestUnknownFlagShouldReturnSameErrorRegardlessOfArgPosition`: the test's name
        // says what is broken, which the note only points at.
        if kind == .defect, paths.first.map(RepositoryReport.isTestPath) == true, let symbol, !doubtsTheTest(note),
            ["this ", "these ", "it "].contains(where: { note.lowercased().hasPrefix($0) }),
            let behaviour = testBehaviour(symbol), behaviour.count < 80
        {
            title = behaviour
        }
        // The test's name says which expectation is in doubt.
        if kind == .defect, paths.first.map(RepositoryReport.isTestPath) == true, let symbol, doubtsTheTest(note) {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let decide = "Decide what \(PlainWriter.inert(symbol)) should expect"
            if decide.count + name.count + 4 <= 79 {
                title = decide + " in \(name)"
            } else if decide.count <= 79 {
                title = decide
            }
        }
        return (title, context, proposal, criteria)
    }

    /// The issue for a note that waited for an old runtime to be dropped, now that the manifest requires a version
    /// at or past the one it waited for ("remove after minimum Go version is >=1.22" under `go 1.22` in `go.mod`):
    /// the change is due, wherever the note was copied. Nil when the manifest no longer says so.
    static func runtimeWaitOver(
        _ note: String, word: String, paths: [String], places: [SourceLocation], toolchain: Toolchain, age: String
    ) -> (title: String, context: String, proposal: String, criteria: [String])? {
        guard let wait = RuntimeWait(note),
            let requirement = toolchain.runtimeRequirements?.first(where: { $0.runtime == wait.runtime })
        else { return nil }
        let runtime = "\(requirement.displayName) \(requirement.version)"
        let requires = "`\(requirement.path)` requires \(runtime)"
        let sites = places.prefix(6).map { place in
            "`\(place.path)`" + (place.startLine.map { " line \($0)" } ?? "")
        }
        let more = places.count > 6 ? " and \(places.count - 6) more" : ""
        let context =
            "\(word) \(PlainWriter.codeSpan(note)) at " + sites.joined(separator: ", ") + more + "\(age). It waits "
            + "until the project no longer supports \(requirement.displayName) \(wait.strictly ? "" : "before ")"
            + "\(wait.version). That time has come: \(requires) (line \(requirement.line): "
            + "\(PlainWriter.codeSpan(requirement.excerpt)))."
        let proposal =
            "Make the change the note describes now that \(runtime) is the oldest supported version"
            + (places.count > 1 ? ", at each place listed in Evidence," : "")
            + " and delete the note with it."
        let criteria = [
            "No tracked file contains the note \(PlainWriter.codeSpan(note))",
            "The code the note marked no longer works around \(requirement.displayName) versions older than "
                + requirement.version,
        ]
        // What the note asks, before what it waits on, and that the wait is over.
        let suffix = ": \(requirement.path) requires \(runtime)"
        let action = [" after ", " once ", " when ", " until "].compactMap {
            note.range(of: $0, options: .caseInsensitive)
        }.min { $0.lowerBound < $1.lowerBound }.map { String(note[..<$0.lowerBound]) }
        let file = paths.first.flatMap { $0.split(separator: "/").last.map(String.init) } ?? ""
        var title: String
        if let action, action.split(separator: " ").count >= 2, action.count + suffix.count <= 79 {
            title = PlainWriter.inert(action).replacingOccurrences(of: "`", with: "")
            title = title.prefix(1).uppercased() + title.dropFirst() + suffix
        } else if paths.count > 1 {
            title = "Resolve the \(word) copied into \(paths.count) files\(suffix)"
        } else {
            title = "Resolve the \(word) in \(file)\(suffix)"
        }
        return (title, context, proposal, criteria)
    }

    /// The title of a note whose wait a later commit may have ended: what the note asks, before what it waits on,
    /// and that commit ("Re-enable candidate_lines test: ca740d9a may have done what it waits for").
    static func waitTitle(_ note: String, symbol: String?, file: String, commit: String, word: String) -> String {
        let fallback = "\(file): \(commit) may have done what the \(word) waits for"
        guard
            let opener = [" once ", " until ", " after ", " when "].compactMap({
                note.range(of: $0, options: .caseInsensitive)
            }).min(by: { $0.lowerBound < $1.lowerBound })
        else { return fallback }
        var words = PlainWriter.inert(String(note[..<opener.lowerBound])).replacingOccurrences(of: "`", with: "")
            .split(separator: " ").map(String.init)
        if let symbol, words.count > 1, ["this", "it"].contains(words[1].lowercased()) { words[1] = symbol }
        guard words.count >= 2, let first = words.first else { return fallback }
        words[0] = first.prefix(1).uppercased() + first.dropFirst()
        let title = words.joined(separator: " ") + ": \(commit) may have done what it waits for"
        return title.count <= 79 ? title : fallback
    }

    /// Whether a note in a test says the test asserts wrong behaviour on purpose: `documentation of the incorrect
    /// behavior`, `documents the current (buggy) behaviour`, `not a measure of how it should behave`.
    static func pinsWrongBehaviour(_ note: String) -> Bool {
        let lower = note.lowercased().replacingOccurrences(of: "_", with: "")
        let phrases = [
            "documentation of the incorrect", "documentation of the wrong", "documentation of the current",
            "documents the incorrect", "documents the wrong", "documents the current", "documents the buggy",
            "documents incorrect", "documents current", "not a measure of how it should",
        ]
        return phrases.contains { lower.contains($0) }
    }

    /// Whether a note in a test doubts the test itself ("This test seems wrong", "the expected value is
    /// suspicious") rather than the code under test.
    static func doubtsTheTest(_ note: String) -> Bool {
        let lower = note.lowercased()
        let subjects = ["this test", "the test", "test is", "test seems", "expected value", "expectation", "assertion"]
        let doubts = ["wrong", "seems", "suspicious", "incorrect", "not sure", "questionable", "bogus", "?"]
        return subjects.contains { lower.contains($0) } && doubts.contains { lower.contains($0) }
    }

    /// The behaviour a test's name describes, as a sentence: `TestUnknownFlagShouldReturnSameErrorRegardlessOfArgPosition`
    /// reads `Unknown flag should return same error regardless of arg position`, `test_empty_input_is_rejected`
    /// `Empty input is rejected`. Nil for a name of fewer than four words, or without a verb, which describes no
    /// behaviour.
    static func testBehaviour(_ name: String) -> String? {
        var words: [String] = []
        var word = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let previous = index > 0 ? characters[index - 1] : nil
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "_" || character == "-" || character == " " {
                if !word.isEmpty { words.append(word) }
                word = ""
                continue
            }
            // A word starts at a capital after a small letter or digit (`unknownFlag`), and at the last capital of
            // an acronym that a small letter follows (`HTTPRedirect`).
            let startsWord =
                character.isUppercase
                && (previous.map { $0.isLowercase || $0.isNumber } == true
                    || (previous?.isUppercase == true && next?.isLowercase == true))
            if startsWord, !word.isEmpty {
                words.append(word)
                word = ""
            }
            word.append(character)
        }
        if !word.isEmpty { words.append(word) }
        if let first = words.first, first.lowercased() == "test" { words.removeFirst() }
        guard words.count >= 4, words.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber } }) else { return nil }
        // A behaviour has a verb: a modal or auxiliary (`should`, `is`), or a word after the first in the third
        // person (`keeps`). `min_max_depth_diff_nada` names a case, not what should happen in it.
        let verbs: Set<String> = [
            "should", "must", "is", "are", "was", "were", "does", "do", "can", "cannot", "will", "never", "not",
            "has", "have",
        ]
        guard
            words.dropFirst().contains(where: { word in
                let lower = word.lowercased()
                return verbs.contains(lower) || (lower.count >= 4 && lower.hasSuffix("s") && !lower.hasSuffix("ss"))
            })
        else { return nil }
        // Acronyms keep their case (`HTTP`); other words read lower-case after the first.
        let sentence = words.enumerated().map { index, word in
            word.count > 1 && word == word.uppercased() ? word : (index == 0 ? word : word.lowercased())
        }.joined(separator: " ")
        return sentence.prefix(1).uppercased() + sentence.dropFirst()
    }

    /// Verbs a note starts with when it says what to do (`Make this strongly-typed`): its title is the note itself.
    private static let imperativeVerbs: Set<String> = [
        "add", "allow", "avoid", "check", "clean", "convert", "deprecate", "disable", "document", "drop", "emit",
        "enable", "expose", "extract", "handle", "implement", "improve", "make", "merge", "move", "raise",
        "re-enable", "refactor", "reject", "remove", "rename", "replace", "report", "return", "rewrite", "simplify",
        "split", "support", "switch", "throw", "use", "validate",
    ]

    /// A marker's title: what the note asks, in its own words, named by file, cut at a clause so that it reads
    /// whole: `Make this strongly-typed (no any) in merge.ts`, `Answer the FIXME in ArgumentSet.swift: I dont
    /// actually know why this is safe`, `Revisit the workaround in OptionGroup.swift: …`.
    static func markerTitle(
        _ note: String, kind: MarkerNote, word: String, file: String, symbol: String? = nil
    ) -> String {
        // A link to an issue reads as its number.
        var text = note.replacingOccurrences(
            of: #"https?://\S+/(issues|pull|pulls|merge_requests)/(\d+)"#, with: "#$2", options: .regularExpression)
        text = PlainWriter.inert(text).replacingOccurrences(of: "`", with: "")
        // A drawing the note points with (`~~~~~~~~   ~~~~~ should not be emitted twice`, under the expected
        // output it marks) is no words: the title starts at the first word.
        text = text.replacingOccurrences(of: #"^[^\p{L}\p{N}"'(]{3,}\s*"#, with: "", options: .regularExpression)
        // Emphasis markup reads as noise in a title: `_now_`, `*really*`.
        text = text.replacingOccurrences(
            of: #"(^|\s)[_*]+([^_*\s][^_*]*?)[_*]+(?=[\s.,;:!?]|$)"#, with: "$1$2", options: .regularExpression)
        // "Make this strongly-typed" names nothing in a list of issues: the note's "this" is the code around it.
        if let symbol, kind == .task {
            var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if words.count > 2, imperativeVerbs.contains(words[0].lowercased()),
                ["this", "it"].contains(words[1].lowercased())
            {
                words[1] = symbol
                text = words.joined(separator: " ")
            }
        }
        // "this isn't quite right, we should really check ahead for 'true' or 'false'": the clause that names
        // something leads.
        if let comma = text.range(of: ", "), MarkerNote.isVague(String(text[..<comma.lowerBound])),
            !MarkerNote.isVague(String(text[comma.upperBound...]))
        {
            text = String(text[comma.upperBound...])
        }
        let first = text.split(separator: " ").first.map { $0.lowercased() } ?? ""
        let prefix: String
        var suffix = ""
        if kind == .workaround, let symbol {
            let title = "Check whether the \(symbol) workaround in \(file) is still needed"
            let name = file.split(separator: "/").last.map(String.init) ?? file
            return title.count <= 79 ? title : "Check whether the \(symbol) workaround in \(name) is still needed"
        }
        switch kind {
        case .question: prefix = "Answer the \(word) in \(file): "
        case .workaround: prefix = "Revisit the workaround in \(file): "
        case .idea: prefix = "Decide on the idea in \(file): "
        case .upstream, .defect: prefix = "\(file): "
        case .task where imperativeVerbs.contains(first):
            prefix = ""
            suffix = " in \(file)"
        case .task: prefix = "\(file): "
        }
        var clause = clauseOf(text, limit: max(30, 79 - prefix.count - suffix.count))
        // A note cut at a clause loses what it says ("matches | but is a valid URL"): when the whole note fits beside
        // the file's name alone, the name gives way.
        if let name = file.split(separator: "/").last, name.count < file.count {
            let whole = clauseOf(text, limit: 1000)
            let room = 79 - prefix.count - suffix.count + file.count - name.count
            if clause != whole, !whole.hasSuffix("…"), whole.count <= room {
                return markerTitle(note, kind: kind, word: word, file: String(name), symbol: symbol)
            }
        }
        if clause.hasSuffix("…"), !suffix.isEmpty {
            // A note cut off mid-clause cannot carry the file after its ellipsis: name the file first.
            clause = clauseOf(text, limit: max(30, 78 - file.count))
            if !clause.hasSuffix("…") { return "\(file): " + clause }
        }
        if clause.hasSuffix("…"), prefix.isEmpty || kind == .defect,
            case let whole = clauseOf(text, limit: 79), !whole.hasSuffix("…")
        {
            // An instruction or a defect that fits alone is the title ("Return UnsupportedConfigError if the registry
            // does not contain the format", "'git checkout' behaves incorrectly in the case of directory/file
            // conflicts"); the body names the file.
            return (whole.first.map { $0.uppercased() } ?? "") + whole.dropFirst()
        }
        if clause.hasSuffix("…"), let name = file.split(separator: "/").last, name.count < file.count {
            // The file's name alone leaves the note more room.
            return markerTitle(note, kind: kind, word: word, file: String(name), symbol: symbol)
        }
        if clause.hasSuffix("…") {
            // No clause of the note fits: a title cut mid-sentence misleads, so it names the note instead, whose
            // words are in the body.
            let stem = file.split(separator: "/").last?.split(separator: ".").first.map(String.init)
            let place = symbol.flatMap { $0 == stem ? nil : "\(file) (\($0))" } ?? file
            switch kind {
            case .question: return "Answer the \(word) in \(place)"
            case .workaround: return "Revisit the workaround in \(place)"
            case .idea: return "Decide on the idea in \(place)"
            case .upstream, .defect, .task: return "Resolve the \(word) in \(place)"
            }
        }
        if prefix.isEmpty, let head = clause.first { clause = head.uppercased() + clause.dropFirst() }
        return prefix + clause + suffix
    }

    /// Where a clause can end: punctuation first, then before the words that start a new clause.
    /// Words that open a sentence with a condition or a setting rather than the task.
    private static let conditionOpeners: Set<String> = [
        "if", "when", "whenever", "once", "in", "on", "for", "since", "unless", "until", "while", "although",
        "though", "because", "as", "after", "before", "with", "without", "given", "assuming",
    ]

    /// Words that open a clause and say nothing before it: a title cut after one is cut mid-thought.
    private static let danglingConnectives: Set<String> = [
        "rather", "instead", "but", "and", "or", "so", "then", "also", "however", "otherwise", "thus", "hence",
    ]

    private static let clauseBoundaries = [
        [", ", " (", " - ", " — "],
        [
            " and ", " but ", " or ", " because ", " since ", " so that ", " which ", " instead of ", " when ",
            " unless ",
        ],
    ]

    /// The first sentence of `text`, at most `limit` characters: a longer one is cut at its last clause boundary
    /// (punctuation, or before `and`, `but`, `because`, `instead of`, …) that keeps at least 15 characters and a
    /// quarter of the limit, else at a word boundary, with an ellipsis.
    static func clauseOf(_ text: String, limit: Int) -> String {
        var sentence = sentenceHead(text, separators: [". ", "; ", " - ", ": "])
        sentence = sentence.trimmingCharacters(in: .whitespaces)
        while let last = sentence.last, ":.…,;".contains(last) { sentence.removeLast() }
        guard sentence.count > limit else { return sentence }
        let head = String(sentence.prefix(limit))
        // A sentence that opens with a condition or a setting says its task after it ("In a multi-working-tree
        // world, this needs to be set in the per-worktree config"): a clause cut would keep only the condition.
        let opening = sentence.prefix { $0.isLetter }.lowercased()
        for tier in clauseBoundaries where !conditionOpeners.contains(opening) {
            var best: String.Index?
            for separator in tier {
                // The last boundary of this kind that leaves enough of the note and does not cut "e.g., x" apart.
                var searched = head.endIndex
                while let range = head.range(of: separator, options: .backwards, range: head.startIndex..<searched) {
                    searched = range.lowerBound
                    let before = head[..<range.lowerBound].split(separator: " ").last.map { $0.lowercased() } ?? ""
                    if sentenceAbbreviations.contains(before.hasSuffix(".") ? before : before + ".") { continue }
                    if head.distance(from: head.startIndex, to: range.lowerBound) >= max(15, limit / 4) {
                        best = max(best ?? range.lowerBound, range.lowerBound)
                    }
                    break
                }
            }
            if let best {
                var clause = String(head[..<best])
                while let last = clause.last, ":,;.-(".contains(last) || last == " " { clause.removeLast() }
                // "Don't automatically sever the connection, rather": a clause never ends on the word that opens
                // the next one.
                while let space = clause.lastIndex(of: " "),
                    Self.danglingConnectives.contains(clause[clause.index(after: space)...].lowercased())
                {
                    clause = String(clause[..<space])
                    while let last = clause.last, ":,;.-(".contains(last) || last == " " { clause.removeLast() }
                }
                return clause
            }
        }
        var cut = head
        if let space = cut.lastIndex(of: " ") { cut = String(cut[..<space]) }
        while let last = cut.last, ":,;.-(".contains(last) || last == " " { cut.removeLast() }
        return cut + "…"
    }

    /// `text` up to its first separator outside parentheses; a full stop after an abbreviation (`e.g.`, `i.e.`,
    /// `etc.`, `vs.`, `cf.`) ends no sentence: `more tests for unicode (e.g. utf16 pairs)` stays whole.
    static func sentenceHead(_ text: String, separators: [String]) -> String {
        var depth = 0
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "(" || character == "[" {
                depth += 1
            } else if character == ")" || character == "]" {
                depth = max(0, depth - 1)
            } else if depth == 0 {
                for separator in separators where text[index...].hasPrefix(separator) {
                    let before = text[..<index].split(separator: " ").last.map { $0.lowercased() } ?? ""
                    if separator == ". ", sentenceAbbreviations.contains(before + ".") { continue }
                    return String(text[..<index])
                }
            }
            index = text.index(after: index)
        }
        return text
    }

    private static let sentenceAbbreviations: Set<String> = ["e.g.", "i.e.", "etc.", "vs.", "cf.", "eg.", "ie."]

    /// The first sentence of a note, without a trailing colon or ellipsis, for a title.
    /// Titles are plain text: backticks are dropped, since one cut in half would leave a span open.
    private static func firstSentence(_ text: String) -> String {
        var sentence = sentenceHead(
            text.replacingOccurrences(of: "`", with: ""), separators: [". ", ": ", "; ", " - "])
        while let last = sentence.last, ":.…,;".contains(last) { sentence.removeLast() }
        return sentence.trimmingCharacters(in: .whitespaces)
    }

    private static func undocumented(
        _ signals: [Signal], metrics: [String: Double], toolchain: Toolchain
    ) -> (String, String, String, [String]) {
        let lead = signals[0]
        let undocumented = Int(metrics["undocumented"] ?? 0)
        // The summary is "<Language> module <name>: …".
        let head = lead.summary.split(separator: ":", maxSplits: 1).first.map(String.init) ?? lead.summary
        let words = head.split(separator: " ", maxSplits: 2)
        let language = words.first.map(String.init) ?? ""
        var module = words.count > 2 ? String(words[2]) : head
        let cited = lead.evidence.locations.count
        let files = lead.evidence.locations.map(\.path).uniqued()
        // A folder name like `src` says less than the files themselves; a Go package in one is named by its import
        // path (`github.com/junegunn/fzf/src`).
        if language == "Go", let path = toolchain.packageName, path.contains("/"),
            ["src", "source", "lib"].contains(module)
        {
            module = path + "/" + module
        } else if ["src", "source", "lib", "include", "."].contains(module) {
            if files.count <= 3 {
                module = files.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: ", ")
            } else if let package = toolchain.packageName {
                module = package
            }
        }
        let style: String
        let contract: String
        switch language {
        case "Swift", "Rust":
            style = "a `///` comment"
            contract =
                "what it does, its parameters, and what it returns or throws (a `//` comment above a declaration "
                + "does not reach the generated documentation: make it `///`)"
        case "Python":
            style = "a docstring"
            contract = "what it does, its arguments, and what it returns or raises"
        case "TypeScript", "JavaScript", "Java":
            style = "a `/** … */` comment"
            contract = "what it does, its parameters, and what it returns or throws"
        case "Go":
            style = "a `//` comment that starts with the name"
            contract = "what it does and what it returns"
        default:
            style = "a comment above it"
            contract = "what it does, its parameters, its return value and who owns what it returns"
        }
        // The issue asks for what it lists: a bounded task, not every declaration of a large module.
        let title =
            cited < undocumented
            ? "Document \(cited) of the \(undocumented) undocumented public declarations of \(module)"
            : "Document the \(undocumented) undocumented public declarations of \(module)"
        // How much of the module is documented says whether these are the last gaps or the start of a convention.
        let coverage =
            metrics["module-declarations"].map { total -> String in
                let documented = Int(total) - undocumented
                return "\(documented) of the \(Int(total)) public declarations of the \(language) module \(module) "
                    + "are documented (by a comment of their own, or by the protocol or interface requirement they "
                    + "implement); \(undocumented) are not, so users see them without any explanation. "
            }
            ?? "\(undocumented) public declarations of the \(language) module \(module) have no documentation "
            + "comment, so users see them without any explanation. "
        let context =
            coverage
            + (cited < undocumented
                ? "Evidence lists the \(cited) that matter most (types first, then functions, then members); "
                    + "`ticket-master analyze` lists the rest."
                : "Evidence lists them all.")
        let proposal =
            "Give each declaration \(style): \(contract). Declarations that are not meant for users can be made "
            + "non-public instead, in a release that may break callers."
        let criteria = ["Each declaration listed in Evidence has \(style), or is no longer public"]
        return (title, context, proposal, criteria)
    }

    private static func projectFile(
        _ signal: Signal, toolchain: Toolchain, forge: RemoteRepository.Forge?
    ) -> (String, String, String, [String], [String], [String]) {
        func identity(_ name: String) -> Bool { signal.fingerprint == Fingerprint.of(["missing-project-file", name]) }
        let test = toolchain.testCommand.map { "`\($0)`" }
        let build = toolchain.buildCommand.map { "`\($0)`" }
        if identity("continuous-integration") {
            let file: String
            switch forge {
            case .gitlab: file = ".gitlab-ci.yml"
            default: file = ".github/workflows/ci.yml"
            }
            let steps = [build, test].compactMap { $0 }
            let runs = steps.isEmpty ? "the build and the tests" : steps.joined(separator: " and ")
            return (
                "Run \(steps.isEmpty ? "the build and tests" : steps.joined(separator: " and ")) in CI on every push",
                "The repository has no CI configuration, so nothing checks that a change builds and passes the "
                    + "tests before it is merged."
                    + (test.map { " The tests run with \($0)." } ?? ""),
                "Add `\(file)` that runs \(runs) on every push and pull request.",
                [
                    "A new `\(file)` runs \(runs) on every push and pull request",
                    "A change that breaks the tests shows a failed check",
                ],
                ["ci"],
                [
                    "No CI configuration: looked for `.github/workflows/`, `.gitlab-ci.yml`, `.gitea/workflows/`, "
                        + "`.circleci/`, `.travis.yml`, `Jenkinsfile`, `azure-pipelines.yml` and others"
                ]
            )
        }
        if identity("license") {
            let declared = toolchain.declaredLicense
            return (
                "Add a LICENSE file" + (declared.map { " (the manifest declares \($0))" } ?? ""),
                "The repository has no LICENSE file. Without one, nobody may legally reuse or redistribute the code, "
                    + "and many companies forbid contributing to it."
                    + (declared.map { " The package manifest already declares the \($0) licence." } ?? ""),
                declared.map { "Add the full text of the \($0) licence as `LICENSE` at the root." }
                    ?? "Choose a licence with the maintainers and add its full text as `LICENSE` at the root.",
                // Only some manifests have a licence field (Swift packages, Go modules and Makefiles do not).
                ["A new `LICENSE` at the root holds the full licence text"]
                    + (["npm", "python", "cargo", "maven", "gradle"].contains(toolchain.ecosystem ?? "")
                        ? ["The package manifest names the same licence"] : []),
                [],
                ["No `LICENSE`, `LICENCE`, `COPYING` or `UNLICENSE` file at the root, and no `LICENSES/` folder"]
            )
        }
        if identity("contributing") {
            return (
                "Add a CONTRIBUTING guide with the build and test steps",
                "The repository has no CONTRIBUTING guide, so a new contributor has to work out how to build, test and "
                    + "submit a change.",
                "Add `CONTRIBUTING.md` that says how to build the project"
                    + (build.map { " (\($0))" } ?? "") + ", run the tests" + (test.map { " (\($0))" } ?? "")
                    + ", and submit a change.",
                ["A new `CONTRIBUTING.md` gives the build and test commands and how to submit a change"],
                [],
                ["No `CONTRIBUTING` file at the root, in `.github/` or in `docs/`"]
            )
        }
        if identity("readme") {
            return (
                "Add a README",
                "The repository has no README: visitors cannot tell what it is, how to install it or how to use it.",
                "Add `README.md` with what the project does, how to install it and a short usage example.",
                ["A new `README.md` says what the project does, how to install it, and shows an example"],
                [],
                ["No README at the root, in `.github/` or in `docs/`"]
            )
        }
        let readme = signal.evidence.locations.first?.path ?? "README.md"
        let isInstallation = signal.summary.hasSuffix("installation section")
        if isInstallation {
            let name = toolchain.packageName ?? "the package"
            let command: String?
            switch toolchain.ecosystem {
            case "python": command = "pip install \(name)"
            case "npm": command = "npm install \(name)"
            case "cargo": command = "cargo add \(name)"
            case "go": command = "go get \(name)"
            default: command = nil
            }
            return (
                "Add an installation section to \(readme)",
                "`\(readme)` has no installation section and shows no install command, so new users must guess how "
                    + "to install the project.",
                "Add an \"Installation\" section to `\(readme)`"
                    + (command.map { " with the install command (`\($0)`)" } ?? " with the install steps")
                    + " and the supported versions.",
                ["`\(readme)` has an Installation section with a command that works as written"],
                [],
                ["The headings of `\(readme)` include none about installation, and it shows no install command"]
            )
        }
        return (
            "Add a usage example to \(readme)",
            "`\(readme)` has no usage section and no code example, so new users cannot see how the project is used.",
            "Add a \"Usage\" section to `\(readme)` with a short example that runs as written.",
            ["`\(readme)` has a Usage section whose example runs as written"],
            [],
            ["The headings of `\(readme)` include none about usage, and it has no code example"]
        )
    }

    /// Where a test of `path` would go by the ecosystem's convention.
    static func testFile(for path: String, toolchain: Toolchain) -> String? {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let name = file.contains(".") ? String(file[..<(file.lastIndex(of: ".") ?? file.endIndex)]) : file
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        switch toolchain.ecosystem {
        case "swiftpm":
            let parts = path.split(separator: "/")
            guard parts.count > 2, parts[0] == "Sources" else { return nil }
            return "Tests/\(parts[1])Tests/\(name)Tests.swift"
        case "python":
            return "\(toolchain.testFolder ?? "tests")/test_\(name).py"
        case "npm":
            let ext = path.hasSuffix(".ts") || path.hasSuffix(".tsx") ? "ts" : "js"
            if let folder = toolchain.testFolder { return "\(folder)/\(name).\(ext)" }
            return (directory.isEmpty ? "" : directory + "/") + "\(name).test.\(ext)"
        case "go":
            return (directory.isEmpty ? "" : directory + "/") + "\(name)_test.go"
        default:
            return nil
        }
    }

    /// Keeps titles under 80 characters: a long path becomes its last two components, or its file name.
    private static func shorten(_ path: String) -> String {
        guard path.count > 40 else { return path }
        let parts = path.split(separator: "/")
        let lastTwo = parts.suffix(2).joined(separator: "/")
        return lastTwo.count <= 40 ? lastTwo : String(parts.last ?? Substring(path))
    }

    private static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    /// The first line, under 80 characters: a longer one is cut at a word boundary and ends in "…".
    private static func title(from text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        guard line.count >= 80 else { return line }
        var cut = String(line.prefix(78))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > 40 {
            cut = String(cut[..<space])
        }
        while let last = cut.last, ":,;.-(".contains(last) || last == " " { cut.removeLast() }
        return cut + "…"
    }
}

extension Array where Element: Hashable {
    /// The elements in order, without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
