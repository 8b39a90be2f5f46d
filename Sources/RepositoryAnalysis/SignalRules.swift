import Foundation

/// How big and how deeply nested a file is: its lines and its deepest indentation level (four spaces or a tab),
/// a language-neutral measure of complexity as in behavioural code analysis.
struct CodeShape: Sendable, Hashable {
    var lines: Int
    var maxIndentation: Int

    /// Measures the file at `url`; nil when it cannot be read.
    static func measure(_ url: URL) -> CodeShape? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        var lines = data.last == 0x0A ? -1 : 0
        var deepest = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lines += 1
            var width = 0
            for byte in line {
                if byte == 0x20 { width += 1 } else if byte == 0x09 { width += 4 } else { break }
            }
            if width < line.count { deepest = max(deepest, width / 4) }
        }
        return CodeShape(lines: lines, maxIndentation: deepest)
    }
}

/// Turns the report's facts into signals. Every threshold is here, and documented in `docs/analysis.md`.
///
/// Fingerprints use only facts that stay true while the finding does (a path, a marker's text, the commit where the
/// docs last changed), never counts or ages, so a re-run finds the same signal and a fixed finding disappears.
struct SignalRules {
    /// Signals for documentation drift need at least this many code commits since the docs changed...
    static let driftCommits = 10
    /// ... and at least this many times the repository's usual number of commits between two documentation changes.
    static let driftPaceFactor = 3.0
    /// A hot file needs at least this recency-weighted score...
    static let hotScore = 3.0
    /// ... and at least this many commits in the recent period.
    static let hotRecentCommits = 3
    /// At most this many hot-file signals, the hottest.
    static let hotFileLimit = 10
    /// A coupled pair needs at least this degree...
    static let couplingDegree = 0.7
    /// ... and at least this many shared commits.
    static let couplingCommits = 8
    /// At most this many coupling signals, the most shared commits first.
    static let couplingLimit = 10
    /// A directory needs at least this many commits for a bus-factor signal...
    static let busFactorCommits = 20
    /// ... one author with at least this share of them...
    static let busFactorShare = 0.8
    /// ... in a repository with at least this many authors.
    static let busFactorAuthors = 3
    /// An author of at least this share of the repository's commits leads the project.
    static let leadShare = 0.5
    /// A directory's owner who has not committed for this many days has left: there is no one to share with.
    static let busFactorAbsentDays = 730
    /// A file needs at least this many undocumented public declarations for a signal.
    static let undocumentedDeclarations = 3
    /// ... and a module this many for the signal to be worth an issue (medium); fewer are low.
    static let undocumentedIssue = 5

    var history: HistoryAggregate
    var report: RepositoryReport
    var hasDocumentation: Bool
    var now: Date
    var largeFileBytes: Int
    /// Lines and deepest indentation of the files bug fixes touched, read from the working tree.
    var shapes: [String: CodeShape] = [:]
    /// Every tracked path, to tell a note that names a file the project no longer has.
    var trackedPaths: Set<String> = []

    /// All signals, most severe first, then by kind and fingerprint, so the order is stable.
    func signals() -> [Signal] {
        var signals: [Signal] = []
        signals += documentationDrift()
        signals += hotFiles()
        signals += untestedCode()
        signals += markers()
        signals += coupling()
        signals += busFactor()
        signals += largeFiles()
        signals += missingProjectFiles()
        signals += undocumentedCode()
        signals += defectHotspots()
        signals += untestedChurn()
        signals += brokenTests()
        signals += crashStubs()
        signals += unfinishedCleanups()
        signals += brokenReferences()
        signals += driftingCopies()
        signals += leakedSecrets()
        let kindOrder = Dictionary(uniqueKeysWithValues: SignalKind.allCases.enumerated().map { ($1, $0) })
        return signals.sorted {
            ($1.severity.weight, kindOrder[$0.kind] ?? 0, $0.fingerprint)
                < ($0.severity.weight, kindOrder[$1.kind] ?? 0, $1.fingerprint)
        }
    }

    private func days(since date: Date) -> Int {
        max(0, Int((now.timeIntervalSince(date) / 86_400).rounded(.down)))
    }

    private func documentationDrift() -> [Signal] {
        let drift = history.documentation
        // Drift is measured against the repository's own habit: a project that updates its docs every 20 commits
        // is not drifting after 10.
        let usualGap = Double(history.commitCount) / Double(max(1, drift.documentationCommits))
        let minimum = max(Double(Self.driftCommits), (Self.driftPaceFactor * usualGap).rounded(.up))
        guard hasDocumentation, Double(drift.commitCount) >= minimum else { return [] }
        let count = drift.commitCount
        var severity: Severity = count >= 100 ? .high : count >= 25 ? .medium : .low
        // A README that sends readers to API documentation generated from the code is not made stale by code
        // changes (go-yaml's covers installation and compatibility, and links godoc for the API), when the README
        // is all the documentation there is.
        if report.projectFiles.apiDocumentedElsewhere == true,
            drift.documentationPaths.allSatisfy({ FileKinds.name(of: $0).lowercased().hasPrefix("readme") })
        {
            severity = .low
        }
        var metrics = [
            Metric("commits", Double(count)), Metric("insertions", Double(drift.insertions)),
            Metric("deletions", Double(drift.deletions)),
        ]
        var commits = drift.newestCommits
        let since: String
        let identity: String
        if let reference = drift.lastDocumentationCommit {
            commits.append(reference)
            metrics.append(Metric("days-since-documentation-changed", Double(days(since: reference.date))))
            identity = reference.hash
            let names = drift.documentationPaths.prefix(3).joined(separator: ", ")
            since = "since the documentation last changed in \(reference.hash.prefix(10)) (\(names))"
        } else {
            identity = "window:" + (history.oldestCommit ?? "")
            since = "and no analysed commit changed the documentation"
        }
        let locations = drift.documentationPaths.prefix(5).map { SourceLocation(path: $0) }
        return [
            Signal(
                kind: .documentationDrift, severity: severity, identity: [identity],
                summary: "\(count) commits changed code (+\(drift.insertions)/−\(drift.deletions) lines) \(since)",
                evidence: Evidence(locations: Array(locations), commits: commits, metrics: metrics))
        ]
    }

    /// A hot file needs at least this many times the recent commits of the repository's average recently changed
    /// file: busy compared with the repository's own pace, not with a fixed number.
    static let hotPaceFactor = 3.0
    /// Files are hot only in a history at least this many days long: in a young repository every file is new.
    static let hotMinimumHistoryDays = 180

    private func hotFiles() -> [Signal] {
        guard let dates = history.authorDates,
            dates.upperBound.timeIntervalSince(dates.lowerBound) >= Double(Self.hotMinimumHistoryDays) * 86_400
        else { return [] }
        let minimum = max(Double(Self.hotRecentCommits), (Self.hotPaceFactor * history.recentPace).rounded(.up))
        return report.hotFiles
            .filter { $0.score >= Self.hotScore && Double($0.recentCommits) >= minimum }
            // A test file changes because the code it tests did: splitting it helps nobody.
            .filter { !HistoryAggregate.isTestPath($0.path) }
            .filter { file in
                // A file its maintainers are already taking apart (`object-file: move … into odb/…`) needs no
                // issue asking them to.
                let commits = history.hotFiles.first { $0.path == file.path }?.newestCommits ?? []
                return commits.filter { Self.isRestructuring($0.subject) }.count < Self.restructuringCommits
                    && !Self.isOtherAreasSeries(commits.map(\.subject), path: file.path)
            }
            .prefix(Self.hotFileLimit)
            .map { file in
                // Churn alone names no part to change: maintainers judging these on real projects closed every
                // one (a feature series of one author, a clean-up under way). Hot files are low: listed in the
                // report and the backlog, suggested only with `issue_generation.min_severity: low`.
                let severity: Severity = .low
                let commits = history.hotFiles.first { $0.path == file.path }?.newestCommits ?? []
                return Signal(
                    kind: .hotFile, severity: severity, identity: [file.path],
                    summary:
                        "\(file.path) changed in \(file.recentCommits) commits in the last \(HistoryAggregate.recentDays) days "
                        + "(\(file.commits) in all), +\(file.insertions)/−\(file.deletions) lines, by \(file.authors) "
                        + (file.authors == 1 ? "author" : "authors"),
                    evidence: Evidence(
                        locations: [SourceLocation(path: file.path)], commits: commits,
                        metrics: [
                            Metric("score", (file.score * 100).rounded() / 100),
                            Metric("recent-commits", Double(file.recentCommits)),
                            Metric("commits", Double(file.commits)),
                            Metric("insertions", Double(file.insertions)), Metric("deletions", Double(file.deletions)),
                            Metric("authors", Double(file.authors)),
                        ]))
            }
    }

    /// How many of a hot file's five newest commits must move code out of it for it to count as being split already.
    static let restructuringCommits = 2

    /// Whether most of a hot file's newest commits (3 of 5) belong to one series about another area (`odb: drop
    /// whence`, `odb: add source` for `packfile.c`): a migration passing through the file, which its authors are
    /// already shaping, not a part of the file that keeps changing.
    static func isOtherAreasSeries(_ subjects: [String], path: String) -> Bool {
        let name = FileKinds.name(of: path).lowercased()
        let stem = name[..<(name.firstIndex(of: ".") ?? name.endIndex)]
        var areas: [String: Int] = [:]
        for subject in subjects {
            guard let colon = subject.firstIndex(of: ":") else { continue }
            let area = subject[..<colon].lowercased()
            // `area: text` with a short, one-word area (`odb`, `odb/source`), not a sentence with a colon.
            guard !area.isEmpty, area.count <= 24, !area.contains(" ") else { continue }
            areas[area.split(separator: "/").first.map(String.init) ?? area, default: 0] += 1
        }
        guard let (area, count) = areas.max(by: { $0.value < $1.value }) else { return false }
        return count >= 3 && area != stem && !stem.hasPrefix(area) && !area.hasPrefix(stem)
    }

    /// Whether a commit subject says it moves code elsewhere: `move`, `split`, `extract`, `factor out`, `relocate`.
    static func isRestructuring(_ subject: String) -> Bool {
        let words = subject.lowercased().split(whereSeparator: { !$0.isLetter })
        return words.contains {
            ["move", "moves", "moved", "split", "splits", "extract", "extracts", "relocate"].contains($0)
        }
            || subject.lowercased().contains("factor out")
    }

    private func untestedCode() -> [Signal] {
        report.untestedFiles.filter(\.recentlyAdded).map { file in
            let severity: Severity = file.lines >= 300 ? .high : file.lines >= 50 ? .medium : .low
            let added = history.additions[file.path]?.recentCommit
            var metrics = [Metric("lines", Double(file.lines))]
            if let added { metrics.append(Metric("days-since-added", Double(days(since: added.date)))) }
            let when = added.map { " was added in \($0.hash.prefix(10))" } ?? " was added recently"
            return Signal(
                kind: .untestedCode, severity: severity, identity: [file.path],
                summary:
                    "\(file.path) (\(file.lines) lines, \(file.language))\(when) and no test file is named after it or mentions it",
                evidence: Evidence(
                    locations: [SourceLocation(path: file.path)], commits: added.map { [$0] } ?? [], metrics: metrics))
        }
    }

    /// A marker younger than this many days is low severity.
    static let freshMarkerDays = 30

    private func markers() -> [Signal] {
        // One signal per path and marker text: the same note twice in a file is one finding.
        var groups: [[String]: [RepositoryReport.Marker]] = [:]
        var order: [[String]] = []
        for marker in report.markers {
            let normalized = marker.text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let identity = [marker.path, marker.kind, normalized]
            if groups[identity] == nil { order.append(identity) }
            groups[identity, default: []].append(marker)
        }
        // A note copied into another file is as old as its first copy: copying it did not make it a new task.
        var oldest: [String: Int] = [:]
        // The files each note's text is in: a note copied into several files is one task over all of them.
        var files: [String: Set<String>] = [:]
        for marker in report.markers {
            let text = MarkerNote.copyKey(marker.text)
            files[text, default: []].insert(marker.path)
            guard let age = marker.ageDays else { continue }
            // A word or two ("fix", "remove this") says nothing about where it came from.
            guard text.split(separator: " ").count >= 4 else { continue }
            oldest[text] = max(oldest[text] ?? 0, age)
        }
        return order.compactMap { identity in
            guard let group = groups[identity], let first = group.first else { return nil }
            let copies = MarkerNote.copyKey(first.text)
            let age = group.compactMap(\.ageDays).max().map { max($0, oldest[copies] ?? $0) }
            // A note that only explains the code under it ("XXX This is a backward loop because …") asks for
            // nothing.
            if MarkerNote.onlyExplains(first.text) { return nil }
            // Nor does one that concedes a flaw and says why the code keeps it ("This is wrong, but not doing this
            // leads to incorrect results"): removing the flaw is what would break.
            if MarkerNote.keepsFlawOnPurpose(first.text) { return nil }
            // Nor does one that says its problem does no harm ("… not a problem with any known compiler so far").
            if MarkerNote.concedesNoHarm(first.text) { return nil }
            // Nor one that needs code only the authors' employer has ("port the Google-internal test").
            if MarkerNote.needsPrivateCode(first.text) { return nil }
            // A defect outranks a task: a TODO that says the code is broken is a FIXME in all but name.
            let note = MarkerNote.kind(of: first.text, word: first.kind)
            // An XXX or HACK that states a fact and asks for nothing flags the code for a reader ("We abuse
            // uv_write2() to send over UDP handles", "remember firstresult isn't compat with historic"): no task.
            if ["XXX", "HACK"].contains(first.kind), note == .task, !MarkerNote.asksExplicitly(first.text),
                !MarkerNote.mentionsDefect(first.text)
            {
                return nil
            }
            var severity: Severity = first.kind == "TODO" && note != .defect ? .low : .medium
            if let age, age >= 365 { severity = severity == .low ? .medium : .high }
            // A note that only wishes the code were tidier ("Refactor into a utility function …") is its author's
            // taste, not a user's problem: it ranks a step below the notes that name one.
            if MarkerNote.isCleanupWish(first.text) { severity = severity == .high ? .medium : .low }
            // So does one about a cost, the tests' coverage or a message's wording: below a wrong result.
            if MarkerNote.isMinorConcern(first.text) { severity = severity == .high ? .medium : .low }
            // And one in CI configuration: it concerns the project's own checks, never what its users run.
            // Only a failure it names is worth an issue of its own: pyyaml's "ick, maybe deconstruct the matrix a
            // bit" over a working build matrix is its author's taste.
            let inContinuousIntegration = ProjectChecks.isContinuousIntegration(first.path)
            if inContinuousIntegration { severity = note == .defect && severity == .high ? .medium : .low }
            // A marker with no text, a word or two, a note that trails off, or one that names nothing ("Come up with
            // a cleaner solution", "this isn't quite right") says too little to act on.
            let trailing = first.text.hasSuffix("...") || first.text.hasSuffix("…") || first.text.hasSuffix(":")
            if first.text.count < 20 || trailing || MarkerNote.isVague(first.text) { severity = .low }
            // "We should try every prefix, but that makes this test very slow" records why it was not done.
            if MarkerNote.recordsTradeOff(first.text) { severity = .low }
            // A TODO that only names a topic ("Custom error exit codes") or states a fact asks for nothing a reader
            // can check; a note that supposes a cost nobody measured ("may do too much copying") is a hunch.
            if first.kind == "TODO", note == .task, !MarkerNote.asksForChange(first.text),
                !MarkerNote.mentionsDefect(first.text)
            {
                severity = .low
            }
            if note != .defect, MarkerNote.speculates(first.text) { severity = .low }
            // An idea ("consider adding specific errors for not found scenarios") is a design note for whoever
            // works there next: nothing is wrong until someone decides it should be.
            if note == .idea { severity = .low }
            // A note written this month is still on its author's mind, and a short question ("frames of size
            // zero?") is a thought, not a task: both rank below the notes that were left behind.
            if let age, age < Self.freshMarkerDays { severity = .low }
            if first.text.hasSuffix("?"), first.text.split(separator: " ").count < 8 { severity = .low }
            // A note about a file the project no longer has is stale, and one that waits on an issue it already
            // links leaves nothing to do here until that issue moves: neither is a task to suggest.
            // So is one that asks for work in another project's plugin (attrs' stubs: "add support for returning
            // TypedDict from the mypy plugin", which is mypy's).
            // An issue number in the marker's tag (`TODO(#1138): …`) is the issue that tracks it.
            if namesMissingPath(first.text) || waitsOnLinkedIssue(first.text) || namesOutsidePlugin(first.text)
                || group.contains(where: { Self.taggedIssue.matches($0.excerpt) })
            {
                return nil
            }
            // And one about code the project no longer has (`validateIndexTraversals`, replaced years ago): what it
            // asks of that code was done another way or no longer applies.
            if group.contains(where: { $0.vanishedNames != nil }) { return nil }
            // A CI note about a language the project has no file in ("Enable for javascript later" in a Go
            // project's CodeQL workflow, left from its template) has nothing to act on.
            if inContinuousIntegration, namesOnlyAbsentLanguages(first.text) { return nil }
            // A note that waits for an old runtime to be dropped ("remove after minimum Go version is >=1.22") is
            // checked against the manifest that says which versions the project supports: while it still supports
            // the old one, the wait goes on and there is no task; once it no longer does, the note is due.
            var requirementMet: Toolchain.RuntimeRequirement?
            if let wait = RuntimeWait(first.text),
                let requirement = report.toolchain.runtimeRequirements?.first(where: { $0.runtime == wait.runtime })
            {
                guard requirement.isAtLeast(wait.version, strictly: wait.strictly) else { return nil }
                requirementMet = requirement
            }
            // A note that explains the suppression under it (`# type: ignore[override]`) records a decision, and
            // one that puts a change off until a breaking release ("remove in version 2", "kept for compatibility")
            // waits on that release.
            if group.allSatisfy({ $0.explainsSuppression == true }) && !Self.asksToAct(first.text)
                || requirementMet == nil && waitsOnBreakingRelease(first.text)
            {
                return nil
            }
            // A wish ("could be useful for testing") nobody acted on in five years is a design note, not a task; one
            // that links an issue or pull request ("in the future we might … discussed in #3030") is already being
            // discussed there, and a new issue would only split the discussion.
            if isWish(first.text), linksIssue(first.text) || (age ?? 0) >= Self.oldWishDays { return nil }
            // A workaround the project once removed and then put back ("Restore VT hack for Windows", fzf's
            // PSReadline hack) was tried without: keeping it is decided, and asking to revisit it repeats history.
            if note == .workaround || ["HACK", "XXX"].contains(first.kind),
                group.contains(where: { $0.lastChanged.map { Self.restores($0.subject) } ?? false })
            {
                return nil
            }
            // So is a wish for more tests in general five years on ("much more number testing needed", jq's 2012
            // note, over a suite that has grown number sections since): nobody can tell when it is done.
            if MarkerNote.wishesMoreTests(first.text), (age ?? 0) >= Self.oldWishDays { return nil }
            // So is a question nobody answered in five years ("should getEnv logic be moved into find()"): the
            // code settled it by staying as it is.
            if note == .question, !MarkerNote.mentionsDefect(first.text), (age ?? 0) >= Self.oldWishDays {
                return nil
            }
            var metrics = [Metric("occurrences", Double(group.count))]
            if let age { metrics.append(Metric("age-days", Double(age))) }
            // A later commit that names what the note waits on may have ended the wait: the note is a task now.
            let met = group.lazy.compactMap(\.conditionMet).first
            if met != nil {
                severity = max(severity, .medium)
                metrics.append(Metric("condition-met", 1))
            }
            if requirementMet != nil {
                severity = max(severity, .medium)
                metrics.append(Metric("runtime-requirement-met", 1))
            }
            // A task noted at one place, with nothing but its own words as evidence ("Fix the test spec-08-13",
            // "We ought to handle 404 cases if debug is set", "Document, or make private"), restates what a reader
            // of the file already sees: an issue adds nothing to it, and maintainers of unseen projects kept none
            // of them as written. It stays in the backlog, below the notes something else bears out: a copy in
            // another file, a later commit that names what it waits for, a manifest that ended its wait, or a
            // skipped test right under it (pino's "make this test pass on Windows" over `{ skip: isWin }`).
            if note == .task, met == nil, requirementMet == nil, (files[copies]?.count ?? 1) < 2,
                !group.contains(where: { $0.codeBelow.map(MarkerNote.marksSkippedTest) ?? false })
            {
                severity = .low
            }
            // A question in a test about how to test ("How do we verify if an intermediate empty list is not
            // shown?") is about the test's method, not a doubt about the code it tests.
            if note == .question, RepositoryReport.isTestPath(first.path), MarkerNote.asksHowToTest(first.text) {
                severity = .low
            }
            // Tests that "belong upstream" pass where they are: moving them is the other project's housekeeping.
            if RepositoryReport.isTestPath(first.path), MarkerNote.belongsUpstream(first.text) { severity = .low }
            let lines = group.map { "\($0.line)" }.joined(separator: ",")
            let ageText = age.map { ", unchanged for \($0) days" } ?? ""
            let text = first.text.isEmpty ? "" : ": \(first.text)"
            return Signal(
                kind: .marker, severity: severity, identity: identity,
                summary: "\(first.kind) in \(first.path):\(lines)\(ageText)\(text)",
                evidence: Evidence(
                    locations: group.map {
                        SourceLocation(
                            path: $0.path, startLine: $0.line, excerpt: $0.excerpt.isEmpty ? nil : $0.excerpt,
                            symbol: $0.symbol, commentAbove: $0.commentAbove, codeBelow: $0.codeBelow)
                    },
                    commits: Array(Set(group.compactMap(\.lastChanged))).sorted { $0.hash < $1.hash }
                        + (met.map { [$0] } ?? []),
                    metrics: metrics))
        }
    }

    /// Language names as CI configuration writes them (CodeQL's `languages`, a matrix), by the analysis's name.
    /// English words that are also languages (go, swift) are not among them.
    private static let languageWords: [String: [String]] = [
        "javascript": ["JavaScript", "TypeScript"], "typescript": ["TypeScript"], "python": ["Python"],
        "java": ["Java", "Kotlin"], "kotlin": ["Kotlin"], "csharp": ["C#"], "c#": ["C#"], "cpp": ["C++", "C"],
        "c++": ["C++", "C"], "ruby": ["Ruby"], "rust": ["Rust"], "php": ["PHP"],
    ]

    /// Whether `text` names at least one programming language and the repository has files in none of them.
    private func namesOnlyAbsentLanguages(_ text: String) -> Bool {
        let present = Set(report.languages.filter { $0.files > 0 }.map(\.language))
        var named = false
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "#" && $0 != "+" }) {
            guard let languages = Self.languageWords[String(word)] else { continue }
            if languages.contains(where: present.contains) { return false }
            named = true
        }
        return named
    }

    /// Whether `text` names a path (`tests/all.test`) that no tracked file has or ends with.
    private func namesMissingPath(_ text: String) -> Bool {
        guard !trackedPaths.isEmpty else { return false }
        for token in text.split(whereSeparator: { $0 == " " || $0 == "`" || $0 == "'" || $0 == "\"" }) {
            let word = token.trimmingCharacters(in: CharacterSet(charactersIn: "()[]{},;:!?_*"))
            guard word.contains("/"), !word.contains("://"), !word.hasPrefix("/"),
                let name = word.split(separator: "/").last, let dot = name.lastIndex(of: "."),
                name[name.index(after: dot)...].allSatisfy(\.isLetter), name.index(after: dot) < name.endIndex
            else { continue }
            if !trackedPaths.contains(word), !trackedPaths.contains(where: { $0.hasSuffix("/" + word) }) { return true }
        }
        return false
    }

    /// Whether `text` asks for work in another project's plugin: "add support for returning TypedDict from the mypy
    /// plugin" in attrs' type stubs, whose mypy plugin lives in mypy. A plugin is the project's own when a tracked
    /// path or the package's name holds both its name and `plugin`.
    private func namesOutsidePlugin(_ text: String) -> Bool {
        guard !trackedPaths.isEmpty, let groups = Self.pluginName.captures(in: text.lowercased()),
            let name = groups.first, !Self.notPluginNames.contains(name)
        else { return false }
        let own = [report.toolchain.packageName?.lowercased() ?? ""] + trackedPaths.map { $0.lowercased() }
        return !own.contains { $0.contains(name) && $0.contains("plugin") }
    }

    /// "the mypy plugin", "from the babel plugin": a plugin named by its host.
    private static let pluginName = TextPattern(#"\b(?:the|a|from|in|to|for|of) ([a-z][a-z0-9_-]{2,}) plugin\b"#)
    /// Words before `plugin` that name no host.
    private static let notPluginNames: Set<String> = [
        "this", "that", "each", "every", "new", "our", "own", "any", "custom", "other", "same", "first", "next",
        "default", "main", "current", "given", "whole",
    ]

    /// Whether a commit subject says it puts back what an earlier commit removed: `Restore VT hack for Windows`,
    /// `Revert "Remove the retry workaround"`, `Bring back …`, `Reintroduce …`.
    static func restores(_ subject: String) -> Bool {
        let lower = subject.lowercased()
        let openers = ["restore ", "reintroduce ", "re-introduce ", "bring back ", "re-add ", "readd ", "put back "]
        return openers.contains { lower.hasPrefix($0) } || lower.hasPrefix("revert \"remove")
            || lower.hasPrefix("revert \"drop") || lower.hasPrefix("revert \"delete")
    }

    /// Notes older than this that only wish for something are left out.
    static let oldWishDays = 5 * 365

    /// Whether a note only wishes or speculates ("could be useful", "maybe", "in the future we might").
    private func isWish(_ text: String) -> Bool {
        let lower = text.lowercased()
        let wishes = [
            "could be useful", "would be useful", "would be nice", "might ", "maybe", "perhaps", "could be ",
            "in the future", "we could ", "it'd be nice", "nice to have",
            // A hedge on the code as it is: "this isn't quite right, we should really check ahead for …".
            "should really", "ideally", "isn't quite right", "not quite right",
        ]
        return wishes.contains { lower.contains($0) }
    }

    /// Verbs a note starts with when it asks for a change (`remove this sys.path hack once …`) rather than explains.
    private static let actionVerbs: Set<String> = [
        "remove", "drop", "delete", "replace", "fix", "use", "switch", "migrate", "clean", "make", "stop", "avoid",
        "get", "move", "rewrite", "refactor", "convert",
    ]

    /// Whether `text` starts with a verb that asks for a change.
    static func asksToAct(_ text: String) -> Bool {
        let first = text.split(separator: " ").first.map { $0.lowercased() } ?? ""
        return actionVerbs.contains(first.trimmingCharacters(in: .punctuationCharacters))
    }

    /// Whether a note puts its change off until a release: a future major version (`in version 2`, `in v3`, `next
    /// major`, `in 2.0`), a named project's release (`after Cleo 3.0 is applied`), or code kept for compatibility.
    private func waitsOnBreakingRelease(_ text: String) -> Bool {
        // "remove with the next breaking-change release": hyphens join the same words.
        let lower = text.lowercased().replacingOccurrences(of: "-", with: " ")
        let phrases = [
            "next major", "major version", "major release", "breaking release", "breaking change",
            // A change that waits until an old runtime is no longer supported ("When targeting Node.js 16, use
            // replaceAll").
            "when targeting", "when we target", "once we target", "when we drop", "once we drop", "when dropping",
            "after dropping", "when we require", "once we require", "once the minimum", "when the minimum",
            // "sort keys before iterating (once Go version is updated)": a runtime update it does not name.
            "version is updated", "version is bumped", "version is raised",
            "next semver", "semver release", "semver breaking", "semver incompatible", "for compatibility",
            "for backward compatibility", "for backwards compatibility",
            "compatibility with",
        ]
        if phrases.contains(where: { lower.contains($0) }) { return true }
        // A change the language does not allow yet waits on the language's release: "use `usize::from` once it can
        // be used in const context", "Replace with `ptr::sub_ptr` once stabilized" (memchr, whose minimum Rust
        // version would rule the change out even after it ships).
        if Self.languageRelease.matches(lower) { return true }
        if Self.majorVersion.matches(lower) || Self.majorNumber.matches(lower) || Self.namedMajor.matches(lower) {
            return true
        }
        return Self.projectRelease.matches(lower)
    }

    /// A wait for a language feature: "once stabilized", "when `let_chains` is stable", "once it can be used in
    /// const context".
    private static let languageRelease = TextPattern(
        #"\b(once|when|until|after)\b[^.;]*\b(stable|stabili[sz]ed|stabili[sz]es|stabili[sz]ation|const context|const fn)\b"#
    )
    /// "in version 2", "until v3.0": a major release.
    private static let majorVersion = TextPattern(#"\b(in|until|for|with|at) (a |the )?(version |v)\d+(\.0)?\b"#)
    /// "Remove this in meow 14": a change kept for a major release the note names by the package's name.
    private static let namedMajor = TextPattern(
        #"\b(remove|drop|delete|change|rename)\b.* in [a-z][a-z0-9-]* v?\d+\.?$"#)
    /// "in 3.0.0", "until 2.0": a major release named by its number alone.
    private static let majorNumber = TextPattern(#"\b(in|until|for|at) \d+\.0(\.0)?\b"#)
    /// A release of a named project: "re-enable after Cleo 3.0 is applied in Poetry", "once Swift 6.2 ships".
    private static let projectRelease = TextPattern(#"\b(after|until|once|when) [a-z][a-z0-9-]* v?\d+\.\d+"#)
    /// `issues/12`, `pull/3030`, `#12`.
    private static let issueLink = TextPattern(#"(issues|pull)/\d+|#\d+"#)

    /// Whether a note links an issue or pull request (`issues/12`, `pull/3030`, `#12`).
    private func linksIssue(_ text: String) -> Bool {
        Self.issueLink.matches(text.lowercased())
    }

    /// An issue named so that the note is plainly tracked there: a link to it, or `see #12`, `issue #12`, `GH-12`.
    private static let trackingIssue = TextPattern(
        #"(issues|pull)/\d+|(see|issue|bug|ticket|pr|tracked in|tracking|cf\.?|refs?)[ :]*#\d+|gh-\d+"#)

    /// A marker word tagged with an issue number: `TODO(#1138)`, `FIXME(GH-12)`, `XXX(issue 7)`.
    private static let taggedIssue = TextPattern(
        #"(?i)\b(TODO|FIXME|XXX|HACK|BUG)\s*\(\s*(#|gh-|issue\s*#?\s*)\d+\s*\)"#)

    /// Whether a note is tracked in an issue it names: it links one, or it waits on something (or names what would
    /// settle it: `#76 would make this superfluous`) and cites an issue number.
    private func waitsOnLinkedIssue(_ text: String) -> Bool {
        let lower = text.lowercased()
        if Self.trackingIssue.matches(lower) { return true }
        let waits = [
            "blocked", "waiting", "wait for", "until", "once ", "when ", "upstream", "depends on", "due to",
            "because of", "would make", "superfluous", "obsolete", "would fix", "will fix", "fixed by", "would solve",
            "will solve", "resolves", "addressed in", "handled in",
        ]
        .contains { lower.contains($0) }
        return waits && linksIssue(text)
    }

    private func coupling() -> [Signal] {
        report.couplings
            .filter { pair in
                pair.degree >= Self.couplingDegree && pair.sharedCommits >= Self.couplingCommits
                    && !Self.isExpectedPair(pair.first, pair.second)
            }
            .prefix(Self.couplingLimit)
            .map { pair in
                let severity: Severity = pair.sharedCommits >= 20 && pair.degree >= 0.8 ? .medium : .low
                let degree = (pair.degree * 100).rounded() / 100
                return Signal(
                    kind: .changeCoupling, severity: severity, identity: [pair.first, pair.second],
                    summary:
                        "\(pair.first) and \(pair.second) changed together in \(pair.sharedCommits) commits "
                        + "(of \(pair.firstCommits) and \(pair.secondCommits); degree \(degree))",
                    evidence: Evidence(
                        locations: [SourceLocation(path: pair.first), SourceLocation(path: pair.second)],
                        metrics: [
                            Metric("shared-commits", Double(pair.sharedCommits)),
                            Metric("first-commits", Double(pair.firstCommits)),
                            Metric("second-commits", Double(pair.secondCommits)), Metric("degree", degree),
                        ]))
            }
    }

    /// Pairs expected to change together: a file and its test, or two files with the same name in different
    /// languages or roles (`Foo.h` and `Foo.m`).
    static func isExpectedPair(_ first: String, _ second: String) -> Bool {
        func stem(_ path: String) -> String {
            let name = FileKinds.name(of: path).lowercased()
            return String(name[..<(name.firstIndex(of: ".") ?? name.endIndex)])
        }
        if stem(first) == stem(second) { return true }
        // Parallel by design: siblings in one folder named alike (`BashCompletions.swift` and
        // `ZshCompletions.swift`, `HTTPError.ts` and `TimeoutError.ts`), one per case of the same thing.
        if FileKinds.directory(of: first) == FileKinds.directory(of: second) {
            let (a, b) = (stem(first), stem(second))
            let suffix = zip(a.reversed(), b.reversed()).prefix { $0 == $1 }.count
            let prefix = zip(a, b).prefix { $0 == $1 }.count
            if suffix >= 4 || prefix >= 4 { return true }
        }
        for (test, source) in [(first, second), (second, first)] {
            if let subject = FileKinds.testSubject(of: test), let code = FileKinds.sourceSubject(of: source),
                code.stems.contains(subject.stem)
            {
                return true
            }
        }
        return false
    }

    private func busFactor() -> [Signal] {
        guard report.totals.authors >= Self.busFactorAuthors else { return [] }
        // A project one person maintains (the top author of the whole repository has the same share) has that
        // person as its bus factor everywhere: one directory like it says nothing its maintainers do not know.
        if let root = report.ownership.first(where: { $0.path == "." })?.topAuthors.first,
            root.share >= Self.busFactorShare
        {
            return []
        }
        let lead = report.ownership.first(where: { $0.path == "." })?.topAuthors.first
            .flatMap { $0.share >= Self.leadShare ? $0.email.lowercased() : nil }
        let lastCommits = Dictionary(
            report.authors.map { ($0.email.lowercased(), $0.lastCommitDate) }, uniquingKeysWith: max)
        let reference = report.window.referenceDate ?? now
        let copies = report.ownership.filter { ($0.upstreamSyncs ?? 0) * 3 >= $0.commits }
        return report.ownership.compactMap { owner in
            guard owner.path != ".", owner.commits >= Self.busFactorCommits, let top = owner.topAuthors.first,
                top.share >= Self.busFactorShare
            else { return nil }
            // Tests, fixtures, examples, scripts and docs hold data and usage, not design only one person knows.
            let flags = FileKinds.DirectoryFlags(owner.path[...])
            guard !flags.isTest, !flags.isNonSource, !flags.isDocumentation else { return nil }
            // Nor do a forge's or a tool's settings (`.github/workflows/`, `.circleci/`): configuration anyone can
            // read, not design.
            guard !owner.path.hasPrefix(".") else { return nil }
            // Release and CI tooling (axios's `bin/`, where half the commits or more are `chore(ci): …`) is how the
            // project is shipped, not design only one person knows.
            guard (owner.choreCommits ?? 0) * 2 < owner.commits else { return nil }
            // A folder the project no longer has (httpx's `httpcore/`, moved out years ago) has nothing to share.
            guard trackedPaths.isEmpty || trackedPaths.contains(where: { $0.hasPrefix(owner.path + "/") }) else {
                return nil
            }
            // A copy of another project kept in sync by its own commits ("Update toml-test from upstream", a third
            // of its commits or more): its design lives upstream. So does a folder that holds little besides one
            // (`internal/` around `internal/toml-test/`, two thirds of whose commits are the copy's).
            guard
                !copies.contains(where: {
                    $0.path == owner.path
                        || ($0.path.hasPrefix(owner.path + "/") && $0.commits * 3 >= owner.commits * 2)
                })
            else { return nil }
            // The project's lead owning a part of it is how the project is run, not a risk its maintainers miss.
            guard top.email.lowercased() != lead else { return nil }
            // An owner who left years ago took the knowledge along: nobody is left to share it.
            if let last = lastCommits[top.email.lowercased()],
                reference.timeIntervalSince(last) > Double(Self.busFactorAbsentDays) * 86_400
            {
                return nil
            }
            let severity: Severity = top.share >= 1 && owner.commits >= 50 ? .high : .medium
            let percent = Int((top.share * 100).rounded())
            return Signal(
                kind: .busFactor, severity: severity, identity: [owner.path],
                summary:
                    "\(owner.path)/: \(percent)% of its \(owner.commits) commits are by \(top.name) "
                    + "(bus factor \(owner.busFactor), \(owner.authorCount) "
                    + (owner.authorCount == 1 ? "author)" : "authors)"),
                evidence: Evidence(
                    locations: [SourceLocation(path: owner.path)],
                    metrics: [
                        Metric("commits", Double(owner.commits)),
                        Metric("top-author-share", (top.share * 100).rounded() / 100),
                        Metric("authors", Double(owner.authorCount)), Metric("bus-factor", Double(owner.busFactor)),
                    ]))
        }
    }

    /// A large file is suggested only at this many times the limit: a screenshot just over it is what a README
    /// needs, not a burden on every clone.
    static let largeFileFactor = 2.0

    private func largeFiles() -> [Signal] {
        report.largeFiles.compactMap { file in
            let ratio = Double(file.bytes) / Double(max(largeFileBytes, 1))
            guard ratio >= Self.largeFileFactor else { return nil }
            let severity: Severity = ratio >= 50 ? .high : ratio >= 10 ? .medium : .low
            return Signal(
                kind: .largeFile, severity: severity, identity: [file.path],
                summary: "\(file.path) is \(Self.megabytes(file.bytes)) (limit \(Self.megabytes(largeFileBytes)))",
                evidence: Evidence(
                    locations: [SourceLocation(path: file.path)], metrics: [Metric("bytes", Double(file.bytes))]))
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    /// A CONTRIBUTING guide is suggested only to projects with at least this many authors.
    static let contributingAuthors = 5

    private func missingProjectFiles() -> [Signal] {
        guard report.workingTree.trackedFiles > 0 else { return [] }
        let files = report.projectFiles
        var signals: [Signal] = []
        func missing(_ name: String, _ severity: Severity, _ summary: String) {
            signals.append(
                Signal(
                    kind: .missingProjectFile, severity: severity, identity: [name], summary: summary,
                    evidence: Evidence()))
        }
        if files.readme == nil { missing("readme", .high, "The repository has no README") }
        // A licence tells others what they may do with code they can get: a repository with no remote is not
        // shared, and whether it ever will be is its owner's business.
        if files.license == nil, report.hasRemote != false {
            missing("license", .medium, "The repository has no LICENSE file")
        }
        if files.continuousIntegration.isEmpty {
            missing("continuous-integration", .medium, "The repository has no CI configuration")
        }
        // A guide helps when outsiders contribute and the way to build and test is not the ecosystem's one command
        // (`npm test`, `pytest`, `swift test`, `cargo test`, `go test`), which newcomers already know.
        let standardWorkflow =
            report.toolchain.testCommand != nil
            && ["npm", "python", "cargo", "go", "swiftpm"].contains(report.toolchain.ecosystem ?? "")
        if files.contributing == nil, !files.contributingInReadme, report.totals.authors >= Self.contributingAuthors,
            !standardWorkflow
        {
            missing("contributing", .low, "The repository has no CONTRIBUTING guide")
        }
        if let readme = files.readme {
            for section in files.missingReadmeSections {
                signals.append(
                    Signal(
                        kind: .missingProjectFile, severity: .low, identity: ["readme-section", section],
                        summary: "\(readme) has no \(section) section",
                        evidence: Evidence(locations: [SourceLocation(path: readme)])))
            }
        }
        return signals
    }

    /// A defect hotspot needs at least this many fix commits...
    static let hotspotFixes = 4
    /// ... at least this many of them in the last two years without a test (two were as often an environment's
    /// quirk and a fix a later change made moot, fzf's mawk check and `ksh_arrays` fix, as a place bugs gather)...
    static let hotspotRecentFixes = 3
    /// ... and is one of this many, the highest score first.
    static let hotspotLimit = 5

    /// Files that bug fixes keep touching: fix commits weighted by recency (half-life 180 days) and by size.
    /// Phrases of a commit message that accept what its tests show as a limitation rather than a bug to fix.
    private static let limitationPhrases = [
        "fundamental problem", "fundamental limitation", "known limitation", "a limitation", "by design",
        "cannot be fixed", "can't be fixed", "won't fix", "wontfix", "not going to fix", "no plan to fix",
        "would be very costly", "too costly",
    ]

    /// Whether a commit message says the breakage it marks is accepted (`This is a fundamental problem with how
    /// git-p4 only "borrows" a client spec`).
    static func acceptsLimitation(_ message: String) -> Bool {
        let lower = message.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return limitationPhrases.contains { lower.contains($0) }
    }

    private func defectHotspots() -> [Signal] {
        // Fixes of tooling scripts (oniguruma's Python generators of its C tables) ask for no regression test.
        let toolingScripts = SideLanguageScripts(languages: report.languages, paths: trackedPaths)
        return history.defectFiles
            .filter {
                // Only fixes read back are known to be untested: libuv's `src/unix/fs.c`, outside the files checked,
                // listed five workarounds of a compiler's bug as untested fixes.
                $0.fixCommits >= Self.hotspotFixes && $0.untestedFixes >= Self.hotspotRecentFixes && $0.fixesChecked
                    && !toolingScripts.contains($0.path)
            }
            .map { file -> (HistoryAggregate.DefectHistory, Double) in
                let lines = shapes[file.path]?.lines ?? 0
                return (file, file.fixScore * (1 + log10(Double(max(lines, 10))) / 2))
            }
            .sorted { ($0.1, $1.0.path) > ($1.1, $0.0.path) }
            .reduce(into: [(HistoryAggregate.DefectHistory, Double)]()) { kept, candidate in
                // Two files the same fixes changed (`index.d.ts` and `index.d.cts`) are one hotspot: the second
                // would ask for the same tests again.
                let commits = Set(candidate.0.evidence.map(\.hash))
                let repeats = kept.contains { other in
                    let shared = commits.intersection(other.0.evidence.map(\.hash)).count
                    return shared * 2 >= max(commits.count, 1)
                }
                guard !repeats else { return }
                // A fix a hotter file already lists is asked for once (fzf's mawk version check changed its bash
                // and its zsh scripts): the rest must still make a hotspot.
                let cited = Set(kept.flatMap { $0.0.evidence.map(\.hash) })
                var file = candidate.0
                file.evidence.removeAll { cited.contains($0.hash) }
                file.untestedFixes = min(file.untestedFixes, file.evidence.count)
                if file.untestedFixes >= Self.hotspotRecentFixes { kept.append((file, candidate.1)) }
            }
            .prefix(Self.hotspotLimit)
            .map { file, _ in
                let shape = shapes[file.path] ?? CodeShape(lines: 0, maxIndentation: 0)
                let severe = file.untestedFixes >= 4 || file.revertedFixes > 0
                return Signal(
                    kind: .defectHotspot, severity: severe ? .high : .medium, identity: [file.path],
                    summary:
                        "\(file.path): \(file.untestedFixes) bug fixes of the last two years changed no test "
                        + "(\(file.fixCommits) of its \(file.commits) commits fixed bugs)",
                    evidence: Evidence(
                        // Each fix's change where it reads today, in the order of the fixes.
                        locations: [SourceLocation(path: file.path)]
                            + file.evidence.compactMap { fix in file.changedLines.first { $0.commit == fix.hash } },
                        commits: file.evidence,
                        metrics: [
                            Metric("fix-commits", Double(file.fixCommits)), Metric("commits", Double(file.commits)),
                            Metric("fixes-last-year", Double(file.fixesLastYear)),
                            Metric("fixes-year-before", Double(file.fixesYearBefore)),
                            Metric("reverted-fixes", Double(file.revertedFixes)),
                            Metric("untested-fixes", Double(file.untestedFixes)), Metric("lines", Double(shape.lines)),
                            Metric("max-indentation", Double(shape.maxIndentation)),
                        ]))
            }
    }

    /// One signal per test file: the tests it admits are broken, with their age and what they exercise.
    private func brokenTests() -> [Signal] {
        Dictionary(grouping: report.brokenTests, by: \.path).compactMap { path, all -> Signal? in
            // A shell suite's `test_expect_failure` is how projects record a known bug, and the harness reports
            // when one starts passing. It is worth an issue when the commit that marked it says it demonstrates a
            // bug; not when tests were only moved or regrouped (a catalogue of known limitations).
            let recorded = all.filter { $0.excerpt.contains("test_expect_failure") }.count
            let tests = all.filter { test in
                // A skip its comment calls deprecated or obsolete (fzf's `// XXX Deprecated` over `t.SkipNow()`)
                // retires the test on purpose: un-skipping it would undo that decision.
                if let above = test.commentAbove?.lowercased(),
                    ["deprecated", "obsolete", "no longer relevant", "no longer needed"].contains(where: above.contains)
                {
                    return false
                }
                // A note in the code that names the test ("See `test_slotted_confused` for details. For now that's
                // OK with us") records the limitation it shows: decided where the code is.
                if test.test.count >= 8, !test.test.contains(" "),
                    report.markers.contains(where: { $0.path != path && $0.text.contains(test.test) })
                {
                    return false
                }
                guard test.excerpt.contains("test_expect_failure") else { return true }
                // One whose commit calls it a fundamental problem or a limitation records a decision, not a bug.
                return test.lastChanged.map {
                    Self.demonstratesBug($0.subject) && !Self.acceptsLimitation($0.body ?? "")
                } ?? false
            }
            guard !tests.isEmpty else { return nil }
            let oldest = tests.compactMap(\.ageDays).max() ?? 0
            let newest = tests.compactMap(\.ageDays).min() ?? 0
            var severity: Severity =
                tests.count >= 5 && oldest >= 365 ? .high : tests.count >= 3 || oldest >= 365 ? .medium : .low
            // Broken for ten years and more, through every rewrite since: the project lives with it, as a known
            // limitation, whatever the commit that marked it said then.
            if newest >= 3_650 { severity = .low }
            // Unless a later change may have implemented what a skip waits for: then the skip may hide a test that
            // passes, which is worth a look whatever its age.
            if tests.contains(where: { $0.laterChange != nil }) { severity = max(severity, .medium) }
            var seen = Set<String>()
            let names = tests.map(\.test).filter { !$0.isEmpty && seen.insert($0).inserted }
            return Signal(
                kind: .brokenTest, severity: severity, identity: [path],
                summary:
                    "\(path): \(tests.count) test\(tests.count == 1 ? "" : "s") marked expected to fail, skipped or "
                    + "disabled" + (oldest > 0 ? ", the oldest for \(oldest) days" : "")
                    + (names.isEmpty ? "" : ": " + names.prefix(5).joined(separator: ", ")),
                evidence: Evidence(
                    locations: tests.map {
                        SourceLocation(
                            path: path, startLine: $0.line, excerpt: $0.excerpt,
                            symbol: $0.test.isEmpty ? nil : $0.test,
                            commentAbove: $0.commentAbove)
                    },
                    // The commits that marked them, then any later change that may have implemented what a skip
                    // waits for.
                    commits: Array(Set(tests.compactMap(\.lastChanged))).sorted { $0.date < $1.date }.prefix(5)
                        .map { $0 } + tests.compactMap(\.laterChange).prefix(3),
                    metrics: [
                        Metric("tests", Double(tests.count)), Metric("age-days", Double(oldest)),
                        Metric("recorded-breakages", Double(recorded)),
                        Metric("later-changes", Double(tests.filter { $0.laterChange != nil }.count)),
                    ]))
        }
    }

    /// Whether a commit subject says it adds tests that show a bug (`grep: demonstrate bug with textconv …`,
    /// `t0021: add failing test for …`).
    static func demonstratesBug(_ subject: String) -> Bool {
        let words = subject.lowercased().split(whereSeparator: { !$0.isLetter })
        return words.contains {
            ["demonstrate", "demonstrates", "demonstrating", "expose", "exposes", "failing", "breakage", "bug", "bugs"]
                .contains($0)
        }
    }

    /// One signal per cause: the same stopping message wherever it is.
    private func crashStubs() -> [Signal] {
        Dictionary(grouping: report.crashStubs) {
            $0.message.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        .map { cause, stubs in
            let oldest = stubs.compactMap(\.ageDays).max() ?? 0
            let message = stubs[0].message.isEmpty ? stubs[0].call : stubs[0].message
            return Signal(
                kind: .crashStub, severity: stubs.count >= 3 || oldest >= 365 ? .high : .medium,
                identity: [cause.isEmpty ? stubs[0].call : cause],
                summary:
                    "\(stubs.count) place\(stubs.count == 1 ? "" : "s") in shipped code stop the program: \(message)",
                evidence: Evidence(
                    locations: stubs.prefix(20).map {
                        SourceLocation(path: $0.path, startLine: $0.line, excerpt: $0.excerpt)
                    },
                    commits: Array(Set(stubs.compactMap(\.lastChanged))).sorted { $0.date < $1.date }.prefix(5)
                        .map { $0 },
                    metrics: [Metric("call-sites", Double(stubs.count)), Metric("age-days", Double(oldest))]))
        }
    }

    /// A suppression repeated in many files; falling counts show a clean-up under way.
    /// A repeated suppression whose count is not falling needs at least this many files to be a clean-up to do.
    static let cleanupSteadyFiles = 30

    /// A clean-up is under way when a year took at least this many files off a suppression's count, and at least
    /// `cleanupFallingShare` of them: one file rewritten for other reasons (16 files a year ago, 15 now) is not one.
    static let cleanupFallingFiles = 3
    static let cleanupFallingShare = 0.2

    private func unfinishedCleanups() -> [Signal] {
        func falling(_ line: RepositoryReport.RepeatedLine) -> Bool {
            guard let before = line.filesAYearAgo else { return false }
            let removed = before - line.files
            return removed >= Self.cleanupFallingFiles && Double(removed) >= Self.cleanupFallingShare * Double(before)
        }
        return report.repeatedLines.filter { falling($0) || $0.files >= Self.cleanupSteadyFiles }
            .map { line in
                var metrics = [Metric("files", Double(line.files))]
                if let before = line.filesAYearAgo { metrics.append(Metric("files-a-year-ago", Double(before))) }
                // A suppression that is not falling is the project's convention until someone starts removing it:
                // a maintainer may want the list, but it is not work under way.
                return Signal(
                    kind: .unfinishedCleanup, severity: falling(line) ? .medium : .low,
                    identity: [line.text],
                    summary: "\(line.files) files contain: \(line.text)",
                    evidence: Evidence(locations: line.locations, metrics: metrics))
            }
    }

    private func driftingCopies() -> [Signal] {
        report.driftingCopies.filter { copy in
            // Examples are standalone on purpose (one ported from the other), and copies that differ only in
            // project files and settings (`vstudio/vc11` and `vstudio/vc14`, one per toolchain version) differ by
            // design: only code that drifts apart carries a fix to one side alone.
            let examples = [copy.first, copy.second].allSatisfy { FileKinds.DirectoryFlags($0[...]).isNonSource }
            let code = copy.differingFiles.contains { pair in
                pair.contains { FileKinds.isCode($0) && FileKinds.language(of: $0) != "Other" }
            }
            return !examples && code
        }
        .map { copy in
            Signal(
                kind: .driftingCopy, severity: copy.oneSidedCommits.count >= 3 ? .medium : .low,
                identity: [copy.first, copy.second],
                summary:
                    "\(copy.first)/ and \(copy.second)/ share \(copy.sharedFiles) near-identical files, and "
                    + "\(copy.oneSidedCommits.count) of the last \(copy.recentCommits) commits touching them changed only one",
                evidence: Evidence(
                    locations: copy.differingFiles.prefix(10).flatMap { $0.map { SourceLocation(path: $0) } },
                    commits: Array(copy.oneSidedCommits.prefix(8)),
                    metrics: [
                        Metric("shared-files", Double(copy.sharedFiles)),
                        Metric("differing-files", Double(copy.differingFiles.count)),
                        Metric("one-sided-commits", Double(copy.oneSidedCommits.count)),
                        Metric("recent-commits", Double(copy.recentCommits)),
                    ]))
        }
    }

    private func brokenReferences() -> [Signal] {
        report.brokenReferences.map { reference in
            Signal(
                kind: .brokenReference, severity: .high, identity: [reference.path, reference.reference],
                summary:
                    "\(reference.path):\(reference.line) refers to \(reference.reference), which does not exist"
                    + (reference.removedIn.map { " (removed in \($0.hash.prefix(10)))" } ?? ""),
                evidence: Evidence(
                    locations: [
                        SourceLocation(path: reference.path, startLine: reference.line, excerpt: reference.excerpt)
                    ],
                    commits: reference.removedIn.map { [$0] } ?? []))
        }
    }

    /// Rules whose credentials grant access to infrastructure or code: critical when committed.
    static let criticalSecrets: Set<String> = [
        "AWS access key", "Private key", "GitHub token", "GitLab token", "Stripe secret key", "PyPI token", "npm token",
    ]

    private func leakedSecrets() -> [Signal] {
        report.secrets.map { secret in
            Signal(
                kind: .leakedSecret, severity: Self.criticalSecrets.contains(secret.rule) ? .critical : .high,
                identity: [secret.path, secret.rule, secret.digest],
                summary: "\(secret.rule) in \(secret.path):\(secret.line)",
                evidence: Evidence(
                    locations: [SourceLocation(path: secret.path, startLine: secret.line, excerpt: secret.masked)]))
        }
    }

    /// Untested files that change all the time, over the whole window: at least this many focused commits...
    static let churnCommits = 10
    /// ... or at least 5 and this share of all the window's commits (a small repository's busiest file).
    static let churnShare = 0.5

    private func untestedChurn() -> [Signal] {
        let total = max(1, history.commitCount)
        return report.untestedFiles.filter { !$0.recentlyAdded && !$0.moduleHasTests }
            .compactMap { file -> (RepositoryReport.UntestedFile, Int)? in
                guard let commits = history.frequentlyChanged[file.path],
                    commits >= Self.churnCommits || Double(commits) >= Self.churnShare * Double(total)
                else { return nil }
                return (file, commits)
            }
            .sorted { ($0.1, $1.0.path) > ($1.1, $0.0.path) }
            .prefix(5)
            .map { file, commits in
                let severity: Severity = file.lines >= 300 || commits >= 30 ? .high : .medium
                return Signal(
                    kind: .untestedCode, severity: severity, identity: [file.path],
                    summary:
                        "\(file.path) (\(file.lines) lines, \(file.language)) changed in \(commits) of the "
                        + "\(total) analysed commits and no test file is named after it or mentions it",
                    evidence: Evidence(
                        locations: [SourceLocation(path: file.path)],
                        metrics: [Metric("lines", Double(file.lines)), Metric("commits", Double(commits))]))
            }
    }

    /// At most this many undocumented declarations are cited in one module's signal, the most important first: a
    /// checklist a maintainer can finish in one pull request, and the whole list for most modules. No more than an
    /// issue's Evidence shows, so that the issue lists every declaration it asks to document.
    static let undocumentedCited = 20

    /// One signal per module: users read a module's API as a whole, and one issue per file would flood the list.
    /// The share of a module's public declarations that must be documented for the rest to count as gaps.
    static let documentedShare = 0.5
    /// The share a module documents for its gaps to be worth an issue: where nine in ten declarations have a comment,
    /// the rest are exceptions to a convention the project keeps. Below it, the authors documented what they
    /// thought needed it, and a list of the other names restates that choice: readers of logrus (74 % documented)
    /// and starlette (88 %) found those lists weak.
    static let conventionShare = 0.9

    private func undocumentedCode() -> [Signal] {
        var modules: [String: [RepositoryReport.UndocumentedFile]] = [:]
        for file in report.undocumentedFiles {
            modules[file.language + "\u{0}" + file.module, default: []].append(file)
        }
        return modules.values.compactMap { files -> Signal? in
            guard let first = files.first else { return nil }
            let symbols = files.flatMap { file in file.undocumented.map { (file.path, $0) } }
            guard symbols.count >= Self.undocumentedDeclarations else { return nil }
            // Documenting in code must be the project's own convention: a module whose API is almost all
            // undocumented documents it elsewhere (a manual, a website), and asking for comments misreads it.
            let total = report.moduleDeclarations?[first.language + ":" + first.module] ?? 0
            let share = total > 0 ? Double(total - symbols.count) / Double(total) : 1
            if share < Self.documentedShare { return nil }
            let order = ["type": 0, "function": 1, "member": 2]
            let cited = symbols.sorted {
                (order[$0.1.role] ?? 3, $0.0, $0.1.line) < (order[$1.1.role] ?? 3, $1.0, $1.1.line)
            }
            .prefix(Self.undocumentedCited)
            let declarations = files.reduce(0) { $0 + $1.publicDeclarations }
            let fileCount = files.count
            // A handful of doc comments is a small pull request, not an issue worth a maintainer's triage; and the
            // packages of a Go command (a root `main.go`: fzf) serve the program, not callers of an API.
            let command = first.language == "Go" && trackedPaths.contains("main.go") && trackedPaths.contains("go.mod")
            let severity: Severity =
                symbols.count < Self.undocumentedIssue || command || share < Self.conventionShare ? .low : .medium
            return Signal(
                kind: .undocumentedCode, severity: severity,
                identity: ["module", first.language, first.module],
                summary:
                    "\(first.language) module \(first.module): \(symbols.count) public declarations in \(fileCount) "
                    + (fileCount == 1 ? "file" : "files") + " have no documentation comment",
                evidence: Evidence(
                    locations: cited.map { path, symbol in
                        SourceLocation(path: path, startLine: symbol.line, excerpt: symbol.excerpt)
                    },
                    metrics: [
                        Metric("public-declarations", Double(declarations)),
                        Metric("undocumented", Double(symbols.count)), Metric("files", Double(fileCount)),
                    ] + (total > 0 ? [Metric("module-declarations", Double(total))] : [])))
        }
    }
}
