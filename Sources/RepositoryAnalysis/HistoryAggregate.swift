import Foundation

/// The history facts analysis reports, computed in one pass over the window's commits, newest first.
///
/// Paths are interned to integers so the pass does one dictionary lookup per file change. History follows
/// renames: changes made under an old name count for the file's current name. A path that was deleted and later
/// re-created starts a new history: changes before the re-creation belong to a different file that happened to
/// have the same name, and are not counted for the current one.
///
/// The result holds no commit records, only the few commit references signals cite, so it is small and can be
/// cached whole: a run whose window, tracked files and ignore patterns are unchanged needs no history at all.
struct HistoryAggregate: Codable, Sendable, Hashable {
    /// The recent period, in days before the reference date.
    static let recentDays = 90
    /// Half-life, in days, of a change's weight in a hot-file score.
    static let halfLifeDays = 30.0
    /// Commits changing more files than this are left out of change coupling: mass edits (formatting, renames,
    /// licence headers) would couple everything with everything.
    static let maxCouplingCommitSize = 30
    /// Only commits changing at most this many tracked code files count for change coupling.
    static let couplingCommitLimit = 10
    /// Coupling pairs need at least this many shared commits to be reported.
    static let minCouplingCommits = 5
    /// How many hot files are ranked (and keep their newest commits).
    static let hotFileLimit = 50

    /// The history of a file that exists at `HEAD`.
    struct FileHistory: Codable, Sendable, Hashable {
        /// The path at `HEAD`.
        var path: String
        /// Commits that changed it.
        var commits = 0
        /// Commits in the recent period.
        var recentCommits = 0
        /// Lines added.
        var insertions = 0
        /// Lines removed.
        var deletions = 0
        /// Distinct authors.
        var authors = 0
        /// Recency-weighted churn.
        var score = 0.0
        /// When it last changed (author date).
        var lastChanged: Date
        /// The newest commits that changed it, at most five, newest first.
        var newestCommits: [CommitReference] = []
    }

    /// When a tracked file was created, if inside the window.
    struct Addition: Codable, Sendable, Hashable {
        /// The author date of the commit that created it.
        var date: Date
        /// That commit, when it is in the recent period (nothing older is ever cited).
        var recentCommit: CommitReference?
        /// Whether that commit also changed a test file: the file arrived with its tests.
        var withTests = false

        private enum CodingKeys: String, CodingKey {
            case date = "d"
            case recentCommit = "c"
            case withTests = "t"
        }
    }

    /// Code changes since the documentation last changed.
    struct DocumentationDrift: Codable, Sendable, Hashable {
        /// The newest commit that changed documentation, if any in the window.
        var lastDocumentationCommit: CommitReference?
        /// The documentation files that commit changed.
        var documentationPaths: [String] = []
        /// How many commits, newer than that one, changed code.
        var commitCount = 0
        /// The newest of those commits, at most ten.
        var newestCommits: [CommitReference] = []
        /// Lines those commits added to code.
        var insertions = 0
        /// Lines those commits removed from code.
        var deletions = 0
        /// Commits in the window that changed documentation: how often this repository updates its docs.
        var documentationCommits = 0
    }

    /// How many commits were aggregated.
    var commitCount: Int
    /// The oldest commit of the window (the last in `git rev-list` order).
    var oldestCommit: String?
    /// The earliest and latest author dates in the window.
    var authorDates: ClosedRange<Date>?
    /// The newest committer date in the window; "recent" and hot-file weights are measured from it.
    var referenceTime: Int64?
    /// Sums over the commits.
    var totals: RepositoryReport.Totals
    /// Authors, most commits first.
    var authors: [RepositoryReport.AuthorStatistics]
    /// Activity per month, oldest first.
    var activity: [RepositoryReport.MonthlyActivity]
    /// The hottest tracked files that are neither documentation nor lock files, highest score first.
    var hotFiles: [FileHistory]
    /// When each tracked, not ignored file was created, for those created inside the window, by path.
    var additions: [String: Addition]
    /// Churn per directory, most commits first.
    var directories: [RepositoryReport.DirectoryChurn]
    /// Ownership of first- and second-level directories and of the whole repository (`.`), most commits first.
    var ownership: [RepositoryReport.Ownership]
    /// Coupled pairs of tracked files, most shared commits first.
    var couplings: [RepositoryReport.CouplingPair]
    /// Recent additions, newest first.
    var added: [RepositoryReport.FileEvent]
    /// Recent deletions, newest first.
    var deleted: [RepositoryReport.FileEvent]
    /// The newest commit of the window that deleted each path absent at `HEAD`, by path: where a broken reference's
    /// target went.
    var deletedPaths: [String: CommitReference]
    /// Recent renames, newest first.
    var renamed: [RepositoryReport.FileEvent]
    /// Code changes since the docs last changed.
    var documentation: DocumentationDrift
    /// The average number of recent commits of a tracked code file changed in the recent period: the repository's
    /// own pace, against which a hot file is measured.
    var recentPace: Double
    /// Tracked code files that bug-fix commits touched at least `minimumFixCommits` times, most fixes first; the
    /// analyzer then leaves out the fixes it finds cosmetic or tested.
    var defectFiles: [DefectHistory]
    /// Folders that hold drifting copies of each other, found by the analyzer at `HEAD` (they depend on the tracked
    /// files and recent history only, as the rest of the aggregate does).
    var driftingCopies: [RepositoryReport.DriftingCopy] = []
    /// What the analyzer asked git after reading the history, with git's answers: they depend on nothing the
    /// aggregate's key leaves out.
    var answers = GitAnswers()
    /// Focused (not noise) commits of tracked code files outside test and auxiliary folders, for files with at
    /// least 5 of which one is from the last two years (a file nobody touches any more is not churning), by path.
    var frequentlyChanged: [String: Int]

    /// Files need at least this many fix commits to be listed in `defectFiles`.
    static let minimumFixCommits = 3

    /// The bug-fix history of a file that exists at `HEAD`.
    struct DefectHistory: Codable, Sendable, Hashable {
        /// The path at `HEAD`.
        var path: String
        /// Commits that changed it.
        var commits: Int
        /// Commits that changed it and whose message marks a fix.
        var fixCommits: Int
        /// Fix commits in the year before the reference date.
        var fixesLastYear: Int
        /// Fix commits in the year before that.
        var fixesYearBefore: Int
        /// Fix commits that a later commit reverted.
        var revertedFixes: Int
        /// Fix commits of the last two years that changed no test file.
        var untestedFixes: Int
        /// Recency-weighted fix count (half-life 180 days).
        var fixScore: Double
        /// The newest fix commits of the last two years that changed no test file, at most eight.
        var evidence: [CommitReference]
        /// Whether those fixes were read back (tested after all, or untestable, or cosmetic): only then do they
        /// count as untested.
        var fixesChecked = false
        /// Where each checked fix's change reads at `HEAD` (a location whose `commit` is the fix), for those whose
        /// added code is still there.
        var changedLines: [SourceLocation] = []
    }

    /// Facts about one interned path (a real path, or a "ghost": an earlier file that had the same name).
    private struct PathEntry {
        var path: String
        /// The file this path's changes count for at the current point of the (newest-first) pass.
        var canonical: Int32
        var ignored: Bool
        var documentation: Bool
        /// Not code a person writes: lock files, generated files, prose that is not documentation (changelogs),
        /// data and configuration. Such files are never hot, coupled or counted as code changes.
        var generated: Bool
        /// Documentation, tests, examples, scripts and other files around the code: they change together by
        /// design, so their coupling says nothing.
        var auxiliary = false
        /// Ids of the directories above the path, outermost first.
        var directories: [Int32]
        // Counts, used when this entry is a canonical file.
        var changed = false
        var commits: Int32 = 0
        var recentCommits: Int32 = 0
        var insertions = 0
        var deletions = 0
        var score = 0.0
        var lastCommit: Int32 = -1
        var newestCommits: [CommitReference] = []
        var authors: [Int32] = []
        var addedIn: AddedIn?
        // Bug-fix history.
        var focusedCommits: Int32 = 0
        /// Whether a focused commit changed the file in the last two years.
        var focusedLately = false
        var fixCommits: Int32 = 0
        var fixesLastYear: Int32 = 0
        var fixesYearBefore: Int32 = 0
        var revertedFixes: Int32 = 0
        var fixScore = 0.0
        var untestedFixes: Int32 = 0
        var fixSubjects: Set<String> = []
        var fixEvidence: [CommitReference] = []
    }

    /// The commit that created a file: what `Addition` reports, kept as the pass sees it.
    private struct AddedIn {
        var reference: CommitReference
        var commitTime: Int64
        var withTests: Bool
    }

    private struct DirectoryEntry {
        var path: String
        var depth: Int
        var commits: Int32 = 0
        var insertions = 0
        var deletions = 0
        var files = 0
        var lastCommit: Int32 = -1
        /// Commits per author, for first- and second-level directories only (ownership).
        var authors: [Int32: Int32] = [:]
        /// Its last component, lower-cased, for first- and second-level directories.
        var name: String = ""
        /// Commits that named it and said they bring in another project's copy, for first- and second-level
        /// directories.
        var upstreamSyncs: Int32 = 0
        /// Commits typed as chores, CI or build work (`chore(ci): …`), for first- and second-level directories.
        var choreCommits: Int32 = 0
    }

    /// Interned paths and directories. A plain struct mutated in place: nothing captures it, so the pass over
    /// hundreds of thousands of changes updates arrays without copies or reference counting.
    private struct Paths {
        var ids: [String: Int32] = [:]
        var entries: [PathEntry] = []
        var directoryIDs: [String: Int32] = [:]
        var directories: [DirectoryEntry] = []
        let ignore: IgnorePatterns

        /// The id of `path`, interning it on first sight; `kinds` saves classifying it again.
        mutating func intern(_ path: String, kinds: PathKinds? = nil) -> Int32 {
            if let id = ids[path] { return id }
            let id = add(path, kinds: kinds)
            ids[path] = id
            return id
        }

        /// A ghost of entry `id`: same path and kinds, no counts, and lookups by name will not find it.
        mutating func ghost(of id: Int) -> Int32 {
            let entry = entries[id]
            let ghost = Int32(entries.count)
            entries.append(
                PathEntry(
                    path: entry.path, canonical: ghost, ignored: entry.ignored, documentation: entry.documentation,
                    generated: entry.generated, auxiliary: entry.auxiliary, directories: entry.directories))
            return ghost
        }

        private mutating func add(_ path: String, kinds: PathKinds?) -> Int32 {
            let id = Int32(entries.count)
            entries.append(
                PathEntry(
                    path: path, canonical: id, ignored: ignore.matches(path),
                    documentation: kinds?.isDocumentation ?? FileKinds.isDocumentation(path),
                    generated: (kinds?.isGenerated ?? FileKinds.isGenerated(path)) || !FileKinds.isCode(path),
                    auxiliary: kinds.map { $0.isNonSource || $0.isDocumentation || $0.isTest } ?? true
                        || HistoryAggregate.isTestPath(path), directories: chain(path)))
            return id
        }

        private mutating func chain(_ path: String) -> [Int32] {
            var chain: [Int32] = []
            var prefix = ""
            for (depth, component) in path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
                .enumerated()
            {
                prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
                if let id = directoryIDs[prefix] {
                    chain.append(id)
                } else {
                    let id = Int32(directories.count)
                    directoryIDs[prefix] = id
                    directories.append(
                        DirectoryEntry(
                            path: prefix, depth: depth + 1, name: depth < 2 ? component.lowercased() : ""))
                    chain.append(id)
                }
            }
            return chain
        }
    }

    /// The revision of the rules below (what is a fix, a test, noise) and of those applied to the aggregate before
    /// it is kept (`RepositoryAnalyzer.withoutTestedFixes`, `isHardToTest`): part of the cached aggregate's key, so
    /// a build whose rules differ never reads an aggregate an earlier build computed. Raise it with every change.
    static let rulesRevision = 23

    /// Half-life, in days, of a fix commit's weight in a defect hotspot's score.
    static let fixHalfLifeDays = 180.0

    /// Words of a commit subject that mark a bug fix, as whole words: `prefix`, `debug` and `fixture` are not.
    private static let fixWords: Set<Substring> = [
        "fix", "fixes", "fixed", "fixing", "bug", "bugs", "bugfix", "bugfixes", "crash", "crashes", "crashing",
        "regression", "regressions", "hotfix",
    ]

    /// Words of a fix commit's subject that say what it fixed is not the code's behaviour.
    private static let notBugWords: Set<Substring> = [
        "doc", "docs", "documentation", "docstring", "docstrings", "changelog", "readme", "typo", "typos", "spelling",
        "lint", "linter", "warning", "warnings", "flaky", "build", "builds", "ci",
        "workflow", "deprecation", "deprecations", "test", "tests", "style", "format", "formatting", "license",
        "typing", "mypy", "pyright", "annotation", "annotations", "hint", "hints", "variance", "coverage",
        // A leak fix changes no output a test could compare; leak checkers (sanitizers, valgrind) guard leaks.
        "leak", "leaks", "leaking",
    ]

    /// Phrases of a fix commit's subject that name a static checker's complaint: the code's behaviour did not
    /// change (`fix sparse 'plain integer as NULL pointer' error`, `fix -Wsign-compare warnings`).
    private static let checkerPhrases = [
        "sparse '", "sparse warning", "sparse error", "sparse complain", "-wsign",
        "-wunused", "-wshadow", "unused variable", "unused parameter",
    ].map { Array($0.utf8) }

    /// Whether a commit subject marks a bug fix: a fix word (`fix`, `bug`, `crash`, `regression`, `revert`,
    /// `hotfix`, conventional-commit `fix:` and `fix(scope):`), or `Closes #N` / `Resolves #N`.
    /// The type of a conventional-commit subject (`chore` of `chore(action)!: …`), when it has one.
    static func conventionalType(_ lowercased: String) -> Substring? {
        guard let colon = lowercased.firstIndex(of: ":") else { return nil }
        var type = lowercased[..<colon]
        if type.hasSuffix("!") { type = type.dropLast() }
        if type.hasSuffix(")"), let open = type.firstIndex(of: "(") { type = type[..<open] }
        guard (2...10).contains(type.count), type.allSatisfy({ $0.isLetter && $0.isASCII }) else { return nil }
        return conventionalTypes.contains(String(type)) ? type : nil
    }

    /// The types of conventional commits (and the common ones beyond the specification's).
    private static let conventionalTypes: Set<String> = [
        "fix", "bugfix", "hotfix", "revert", "feat", "feature", "chore", "ci", "build", "docs", "doc", "refactor",
        "style", "test", "tests", "perf", "release", "deps", "wip",
    ]

    static func isFix(_ subject: String) -> Bool {
        // A revert fixes a bug only when what it reverts was meant as one (and is then a fix that failed).
        if let reverted = revertedSubject(subject) { return isFix(reverted) }
        let lower = subject.lowercased()
        // A conventional-commit type says what the change is: `chore(action): fix sponsors action` is a chore, and
        // `revert(zsh): remove 'fc -RI' call` puts back code whose behaviour was there before the change it undoes
        // (fzf's revert of two history-widget fixes): no behaviour of its own for a regression test to pin down.
        if let type = conventionalType(lower), !["fix", "bugfix", "hotfix"].contains(type) { return false }
        // Subjects are searched by bytes: every commit's is, and Foundation's string search costs far more.
        let bytes = Array(lower.utf8)
        return bytes.withUnsafeBytes { bytes in
            if typeIgnores.contains(where: { FindingScanner.contains(bytes, $0) }) { return false }
            if checkerPhrases.contains(where: { FindingScanner.contains(bytes, $0) }) { return false }
            let words = letterWords(lower)
            // A fix of the docs, the build, a warning or a flaky test is not a bug fix in the code.
            if words.contains(where: { notBugWords.contains($0) }) { return false }
            if words.contains(where: { fixWords.contains($0) }) { return true }
            // `closes #12`, `resolves #12` as whole words.
            for keyword in closingKeywords {
                var from = 0
                while let start = FindingScanner.firstOffset(of: keyword, in: bytes, from: from) {
                    let end = start + keyword.count
                    let wordStart = start == 0 || !Character(UnicodeScalar(bytes[start - 1])).isLetter
                    if wordStart, end < bytes.count, (0x30...0x39).contains(bytes[end]) { return true }
                    from = start + 1
                }
            }
            return false
        }
    }

    /// How subjects say a type checker was silenced (`Fix issues previously type ignored`): no behaviour changed.
    private static let typeIgnores = ["type ignore", "type: ignore", "type-ignore"].map { Array($0.utf8) }
    private static let closingKeywords = ["closes #", "resolves #"].map { Array($0.utf8) }

    /// The words of `text`: its runs of letters (and hyphens, when kept). Every commit's subject is split so, several
    /// times: an ASCII one by its bytes, any other by `Character`.
    static func letterWords(_ text: String, keepingHyphens: Bool = false) -> [Substring] {
        let utf8 = text.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.split(whereSeparator: { !$0.isLetter && !(keepingHyphens && $0 == "-") })
        }
        var words: [Substring] = []
        var start: String.Index?
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            let isWordByte =
                (0x61...0x7A).contains(byte | 0x20) || keepingHyphens && byte == UInt8(ascii: "-")
            if isWordByte {
                if start == nil { start = index }
            } else if let wordStart = start {
                words.append(text[wordStart..<index])
                start = nil
            }
            utf8.formIndex(after: &index)
        }
        if let wordStart = start { words.append(text[wordStart...]) }
        return words
    }

    /// Whether a path is a test by name or folder.
    static func isTestPath(_ path: String) -> Bool {
        if FileKinds.isUnderTestDirectory(path) || FileKinds.testSubject(of: path) != nil { return true }
        // In any language, a file named as a test is one: `jq_test.c`, `test_utils.c`, `parser-test.lisp`.
        let name = FileKinds.name(of: path).lowercased()
        let stem = name[..<(name.firstIndex(of: ".") ?? name.endIndex)]
        return stem == "test" || stem == "tests" || stem.hasSuffix("_test") || stem.hasSuffix("_tests")
            || stem.hasSuffix("-test") || stem.hasPrefix("test_") || stem.hasPrefix("test-")
    }

    /// The subject a `Revert "…"` commit reverts.
    static func revertedSubject(_ subject: String) -> String? {
        // Forges append the pull request: `Revert "Move closer to the autotools idiom. (#3187)" (#3255)`.
        guard subject.hasPrefix("Revert \"") else { return nil }
        var subject = Substring(subject)
        // ` (#123)` at the end.
        if subject.hasSuffix(")"), let open = subject.lastIndex(of: "("), open > subject.startIndex,
            subject[subject.index(before: open)...].hasPrefix(" (#")
        {
            let digits = subject[subject.index(open, offsetBy: 2)..<subject.index(before: subject.endIndex)]
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                subject = subject[..<subject.index(before: open)]
            }
        }
        guard subject.hasSuffix("\""), subject.count > 9 else { return nil }
        return String(subject.dropFirst(8).dropLast())
    }

    /// Words of a commit subject that say the commit reformats, lints or fixes spelling.
    private static let formattingWords: Set<Substring> = [
        "format", "formatting", "formatted", "reformat", "reformats", "reformatted", "reformatting", "whitespace",
        "whitespaces", "indent", "indentation", "reindent", "lint", "linting", "linter", "prettier", "black", "isort",
        "gofmt", "rustfmt", "swiftformat", "ruff", "typo", "typos", "spelling",
    ]

    /// Whether a commit is a formatting run, a mass edit (more than `maxCouplingCommitSize` files) or a mass rename
    /// (ten or more renames): it touches files without changing what they do.
    /// Whether a subject says the commit brings in a copy of another project: "Update toml-test from upstream",
    /// "Sync vendored zstd", "Import libfoo 1.2", "Bump bundled sqlite".
    static func isUpstreamSync(_ subject: String) -> Bool {
        let words = letterWords(subject.lowercased())
        guard let first = words.first else { return false }
        return ["update", "sync", "import", "bump", "refresh", "vendor", "upgrade", "pull"].contains(first)
            || words.contains("upstream")
    }

    /// Whether a subject types its commit, the Conventional Commits way, as a chore, CI or build work:
    /// `chore(ci): fix release-it arg`, `ci: cache npm`, `build!: drop Node 14`.
    static func isChore(_ subject: String) -> Bool {
        for type in ["chore", "ci", "build"] where subject.hasPrefix(type) {
            if let next = subject.dropFirst(type.count).first, next == "(" || next == ":" || next == "!" {
                return true
            }
        }
        return false
    }

    /// Whether a lower-cased sync subject names `name` as the copy it brings in: the name as a whole word, not a
    /// file or path in it ("update parser.go"), and either the subject says `upstream` or `vendor`, or the name ends
    /// it or comes before a version, a comma, `from` or a parenthesis ("update toml-test", "bump zstd to 1.5.6").
    static func namesCopy(_ subject: String, _ name: String) -> Bool {
        guard name.count >= 4, let found = subject.range(of: name) else { return false }
        let before = subject[..<found.lowerBound].last
        guard before == nil || before == " " else { return false }
        let after = subject[found.upperBound...]
        if let next = after.first, next.isLetter || next.isNumber || next == "." || next == "/" || next == "_" {
            return false
        }
        if subject.contains("upstream") || subject.contains("vendor") { return true }
        let rest = after.drop { $0 == " " }
        guard let next = rest.first else { return true }
        if next == "," || next == "(" || next.isNumber || rest.hasPrefix("from ") { return true }
        if rest.hasPrefix("v"), rest.dropFirst().first?.isNumber == true { return true }
        if rest.hasPrefix("to ") {
            let target = rest.dropFirst(3)
            return target.first?.isNumber == true
                || (target.hasPrefix("v") && target.dropFirst().first?.isNumber == true)
        }
        return false
    }

    static func isNoise(_ record: CommitRecord) -> Bool {
        if record.changes.count > maxCouplingCommitSize { return true }
        if record.changes.lazy.filter({ $0.status == .renamed }).count >= 10 { return true }
        let words = letterWords(record.subject.lowercased(), keepingHyphens: true)
        return words.contains { formattingWords.contains($0) || $0.hasSuffix("-format") }
    }

    /// The UTC calendar month of a time, as `year * 100 + month`, by the proleptic Gregorian calendar.
    ///
    /// Plain arithmetic (Howard Hinnant's `civil_from_days`): `Calendar` would cost more than the rest of the
    /// pass on long histories.
    static func month(of time: Int64) -> Int {
        let days = Int((time >= 0 ? time : time - 86_399) / 86_400) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return year * 100 + month
    }

    /// A name of two words or more, lower-cased, by which two addresses are one person; nil for a single word
    /// (`root`, `dependabot[bot]`, a login), which many people may share.
    static func fullName(_ name: String) -> String? {
        let words = name.lowercased().split(whereSeparator: \.isWhitespace)
        return words.count >= 2 ? words.joined(separator: " ") : nil
    }

    /// Authors are told apart by email, ignoring case; by name when there is no email. An address first seen under
    /// a full name another address already had is that author's (`fullName`).
    private static func authorKey(_ record: CommitRecord) -> String {
        record.authorEmail.isEmpty ? "name:" + record.authorName : record.authorEmail.lowercased()
    }

    private static func reference(_ record: CommitRecord) -> CommitReference {
        CommitReference(
            hash: record.hash, subject: record.subject,
            date: Date(timeIntervalSince1970: TimeInterval(record.authorTime)))
    }
}

extension HistoryAggregate {
    /// Aggregates `records` (newest first) in one go: what `Builder` does one record at a time.
    init(
        records: [CommitRecord], tracked: [(path: String, kinds: PathKinds?)], ignore: IgnorePatterns,
        shallowBoundaries: Set<String>
    ) {
        var builder = Builder(
            tracked: tracked, ignore: ignore, shallowBoundaries: shallowBoundaries,
            referenceTime: records.map(\.commitTime).max())
        for record in records { builder.add(record) }
        self = builder.finish()
    }

    /// Builds an aggregate from the window's commits, given one at a time, newest first, so that no commit needs
    /// to be kept after it was added: the builder's memory grows with the paths and authors it has seen, not with
    /// the commits.
    ///
    /// The reference time (the window's newest committer date) must be known before the first commit: recency,
    /// weights and the year a fix falls in are measured from it. `HistoryReader` has it from the commit listing.
    struct Builder {
        private let referenceTime: Int64?
        private let recentStart: Int64
        private let shallowBoundaries: Set<String>
        private var table: Paths
        /// Ids below this are paths at `HEAD`.
        private let trackedCount: Int32
        private var commitCount = 0
        private var oldestCommit: String?
        private var earliestAuthorTime: Int64?
        private var latestAuthorTime: Int64?

        // Authors, by lower-cased email (or name when there is no email).
        private var authorIDs: [String: Int32] = [:]
        // Most commits repeat an email exactly; looking that up first saves lower-casing it every time.
        private var authorsByRawEmail: [String: Int32] = [:]
        // Authors by full name (two words or more, lower-cased): one person who wrote from several addresses
        // (fmt's lead, from a personal and two employers' addresses) is one author, not three each owning a part.
        private var authorsByName: [String: Int32] = [:]
        private var authorStats: [RepositoryReport.AuthorStatistics] = []
        private var repositoryAuthors: [Int32: Int32] = [:]

        private struct Month {
            var key: Int
            var commits = 0
            var insertions = 0
            var deletions = 0
            var authors: Set<Int32> = []
        }
        private var months: [Month] = []
        private var monthIndex: [Int: Int] = [:]

        private var totals = RepositoryReport.Totals(
            commits: 0, mergeCommits: 0, insertions: 0, deletions: 0, binaryChanges: 0, authors: 0, filesChanged: 0)
        // The tracked files of each commit that counts for coupling, one after another, and where each ends.
        private var coupled: [Int32] = []
        private var coupledEnds: [Int] = []
        private var added: [RepositoryReport.FileEvent] = []
        private var deleted: [RepositoryReport.FileEvent] = []
        private var deletedPaths: [String: CommitReference] = [:]
        private var renamed: [RepositoryReport.FileEvent] = []
        private var documentation = DocumentationDrift()
        private var documentationOpen = true
        private var touched: [Int32] = []
        // Subjects of commits that later commits reverted (`Revert "…"`): seen before them, newest first.
        private var revertedSubjects: Set<String> = []

        /// A builder for a window whose newest committer date is `referenceTime` (`nil` for an empty window).
        /// `tracked` lists the paths at `HEAD`, with their kinds when known.
        init(
            tracked: [(path: String, kinds: PathKinds?)], ignore: IgnorePatterns, shallowBoundaries: Set<String>,
            referenceTime: Int64?
        ) {
            self.referenceTime = referenceTime
            self.recentStart = (referenceTime ?? 0) - Int64(HistoryAggregate.recentDays) * 86_400
            self.shallowBoundaries = shallowBoundaries
            // Tracked paths first, so that an id below `trackedCount` means "exists at HEAD".
            var table = Paths(ignore: ignore)
            for file in tracked { _ = table.intern(file.path, kinds: file.kinds) }
            self.table = table
            self.trackedCount = Int32(table.entries.count)
        }

        /// Adds the next commit of the window (the next older one).
        mutating func add(_ record: CommitRecord) {
            let index = commitCount
            commitCount += 1
            oldestCommit = record.hash
            earliestAuthorTime = min(earliestAuthorTime ?? record.authorTime, record.authorTime)
            latestAuthorTime = max(latestAuthorTime ?? record.authorTime, record.authorTime)
            let year: Int64 = 365 * 86_400
            let halfLife = HistoryAggregate.halfLifeDays * 86_400

            let author: Int32
            if let id = authorsByRawEmail[record.authorEmail] {
                author = id
            } else if let id = authorIDs[HistoryAggregate.authorKey(record)] {
                author = id
                authorsByRawEmail[record.authorEmail] = id
            } else if let name = HistoryAggregate.fullName(record.authorName), let id = authorsByName[name] {
                author = id
                authorIDs[HistoryAggregate.authorKey(record)] = id
                if !record.authorEmail.isEmpty { authorsByRawEmail[record.authorEmail] = id }
            } else {
                let authorKey = HistoryAggregate.authorKey(record)
                author = Int32(authorStats.count)
                authorIDs[authorKey] = author
                if let name = HistoryAggregate.fullName(record.authorName) { authorsByName[name] = author }
                if !record.authorEmail.isEmpty { authorsByRawEmail[record.authorEmail] = author }
                let date = Date(timeIntervalSince1970: TimeInterval(record.authorTime))
                authorStats.append(
                    RepositoryReport.AuthorStatistics(
                        name: record.authorName, email: record.authorEmail, commits: 0, insertions: 0, deletions: 0,
                        firstCommitDate: date, lastCommitDate: date))
            }
            let authorDate = Date(timeIntervalSince1970: TimeInterval(record.authorTime))
            authorStats[Int(author)].commits += 1
            authorStats[Int(author)].firstCommitDate = min(authorStats[Int(author)].firstCommitDate, authorDate)
            authorStats[Int(author)].lastCommitDate = max(authorStats[Int(author)].lastCommitDate, authorDate)
            repositoryAuthors[author, default: 0] += 1
            if record.isMerge { totals.mergeCommits += 1 }

            let monthKey = HistoryAggregate.month(of: record.authorTime)
            let month: Int
            if let known = monthIndex[monthKey] {
                month = known
            } else {
                month = months.count
                monthIndex[monthKey] = month
                months.append(Month(key: monthKey))
            }
            months[month].commits += 1
            months[month].authors.insert(author)

            var commitInsertions = 0
            var commitDeletions = 0
            for change in record.changes {
                if change.isBinary {
                    totals.binaryChanges += 1
                } else {
                    commitInsertions += change.insertions
                    commitDeletions += change.deletions
                }
            }
            totals.insertions += commitInsertions
            totals.deletions += commitDeletions
            authorStats[Int(author)].insertions += commitInsertions
            authorStats[Int(author)].deletions += commitDeletions
            months[month].insertions += commitInsertions
            months[month].deletions += commitDeletions

            // A shallow clone's oldest commits show the whole tree as added; that says nothing about files.
            let isBoundary = !shallowBoundaries.isEmpty && shallowBoundaries.contains(record.hash)
            // Formatting runs and mass edits touch files without anyone working on them: they make no file hot.
            let isNoise = HistoryAggregate.isNoise(record)
            let reverted = HistoryAggregate.revertedSubject(record.subject)
            if let reverted { revertedSubjects.insert(reverted) }
            // A revert of a fix undoes it: there is nothing of its own to test.
            let revertsFix = reverted.map(HistoryAggregate.isFix) ?? false
            let isFix = !isNoise && !record.isMerge && !revertsFix && HistoryAggregate.isFix(record.subject)
            let isRevertedFix = isFix && revertedSubjects.contains(record.subject)
            // "Update toml-test from upstream": a commit that brings in another project's copy, lower-cased once
            // for the directories whose name it may hold.
            let syncSubject = HistoryAggregate.isUpstreamSync(record.subject) ? record.subject.lowercased() : nil
            let isChore = HistoryAggregate.isChore(record.subject)
            let touchesTests = isFix && record.changes.contains { HistoryAggregate.isTestPath($0.path) }
            let age = (referenceTime ?? record.commitTime) - record.commitTime
            let recent = record.commitTime >= recentStart && !isNoise
            let weight = isNoise ? 0 : referenceTime.map { exp2(-Double($0 - record.commitTime) / halfLife) } ?? 0
            let commit = Int32(truncatingIfNeeded: index)
            // Made once, when something keeps it: most commits are cited nowhere.
            var cited: CommitReference?
            func reference() -> CommitReference {
                if let cited { return cited }
                let made = HistoryAggregate.reference(record)
                cited = made
                return made
            }
            touched.removeAll(keepingCapacity: true)
            var touchesDocumentation = false
            var touchesCode = false
            var codeInsertions = 0
            var codeDeletions = 0
            var documentationPaths: [String] = []
            for change in record.changes {
                let id = Int(table.intern(change.path))
                if !table.entries[id].changed {
                    table.entries[id].changed = true
                    totals.filesChanged += 1
                }
                guard !isBoundary else { continue }
                let file = Int(table.entries[id].canonical)
                switch change.status {
                case .renamed:
                    if let previous = change.previousPath {
                        // Older commits knew the file by its previous name; what was at the new name before
                        // the rename was another file.
                        let previousID = Int(table.intern(previous))
                        table.entries[previousID].canonical = Int32(file)
                        table.entries[id].canonical = table.ghost(of: id)
                        if recent, renamed.count < 100 { renamed.append(event(change, record, reference())) }
                    }
                case .added, .copied:
                    if table.entries[file].addedIn == nil {
                        table.entries[file].addedIn = AddedIn(
                            reference: reference(), commitTime: record.commitTime,
                            withTests: record.changes.contains { HistoryAggregate.isTestPath($0.path) })
                    }
                    table.entries[id].canonical = table.ghost(of: id)
                    if recent, added.count < 100 { added.append(event(change, record, reference())) }
                case .deleted:
                    if recent, deleted.count < 100 { deleted.append(event(change, record, reference())) }
                    if deletedPaths[change.path] == nil { deletedPaths[change.path] = reference() }
                default:
                    break
                }
                guard !table.entries[file].ignored else { continue }
                let insertions = max(change.insertions, 0)
                let deletions = max(change.deletions, 0)
                if table.entries[file].documentation {
                    touchesDocumentation = true
                    if documentationOpen { documentationPaths.append(change.path) }
                } else if !table.entries[file].generated {
                    touchesCode = true
                    codeInsertions += insertions
                    codeDeletions += deletions
                }
                table.entries[file].insertions += insertions
                table.entries[file].deletions += deletions
                if table.entries[file].lastCommit != commit {
                    table.entries[file].lastCommit = commit
                    table.entries[file].commits += 1
                    if !isNoise {
                        table.entries[file].focusedCommits += 1
                        if age < 2 * year { table.entries[file].focusedLately = true }
                    }
                    // The same fix on two branches (a backport) is one fix; a file that a wide fix touched in
                    // passing (one `free()` of six files' leak fix) did not have the bug.
                    let share =
                        Double(insertions + deletions) / Double(max(1, commitInsertions + commitDeletions))
                    if isFix, record.changes.count <= 3 || share >= 0.2,
                        table.entries[file].fixSubjects.insert(record.subject).inserted
                    {
                        table.entries[file].fixCommits += 1
                        if age < year {
                            table.entries[file].fixesLastYear += 1
                        } else if age < 2 * year {
                            table.entries[file].fixesYearBefore += 1
                        }
                        table.entries[file].fixScore += exp2(
                            -Double(age) / (HistoryAggregate.fixHalfLifeDays * 86_400))
                        if isRevertedFix { table.entries[file].revertedFixes += 1 }
                        // A fix that changed no test left nothing to stop the bug coming back; a reverted one left
                        // no change behind to test.
                        if !touchesTests, !isRevertedFix, age < 2 * year {
                            table.entries[file].untestedFixes += 1
                            if table.entries[file].fixEvidence.count < 8 {
                                table.entries[file].fixEvidence.append(reference())
                            }
                        }
                    }
                    if recent { table.entries[file].recentCommits += 1 }
                    table.entries[file].score += weight
                    if table.entries[file].newestCommits.count < 5 {
                        table.entries[file].newestCommits.append(reference())
                    }
                    if !table.entries[file].authors.contains(author) { table.entries[file].authors.append(author) }
                    touched.append(Int32(file))
                }
                for directory in table.entries[file].directories {
                    let directory = Int(directory)
                    table.directories[directory].insertions += insertions
                    table.directories[directory].deletions += deletions
                    if table.directories[directory].lastCommit != commit {
                        table.directories[directory].lastCommit = commit
                        table.directories[directory].commits += 1
                        if table.directories[directory].depth <= 2 {
                            table.directories[directory].authors[author, default: 0] += 1
                            if let syncSubject,
                                HistoryAggregate.namesCopy(syncSubject, table.directories[directory].name)
                            {
                                table.directories[directory].upstreamSyncs += 1
                            }
                            if isChore { table.directories[directory].choreCommits += 1 }
                        }
                    }
                }
            }
            if touchesDocumentation { documentation.documentationCommits += 1 }
            if documentationOpen {
                if touchesDocumentation {
                    documentationOpen = false
                    documentation.lastDocumentationCommit = reference()
                    documentation.documentationPaths = documentationPaths
                } else if touchesCode {
                    documentation.commitCount += 1
                    if documentation.newestCommits.count < 10 {
                        documentation.newestCommits.append(reference())
                    }
                    documentation.insertions += codeInsertions
                    documentation.deletions += codeDeletions
                }
            }
            // Sweeps (formatting, renames, a new language feature applied everywhere) couple everything with
            // everything: only focused commits count.
            if !record.isMerge, !isNoise, touched.count >= 2, touched.count <= HistoryAggregate.couplingCommitLimit {
                var live = 0
                for file in touched
                where file < trackedCount && !table.entries[Int(file)].generated && !table.entries[Int(file)].auxiliary
                {
                    coupled.append(file)
                    live += 1
                }
                if live >= 2 { coupledEnds.append(coupled.count) } else { coupled.removeLast(live) }
            }
        }

        private func event(
            _ change: FileChange, _ record: CommitRecord, _ reference: CommitReference
        ) -> RepositoryReport.FileEvent {
            RepositoryReport.FileEvent(
                path: change.path, previousPath: change.previousPath, commit: reference, author: record.authorName)
        }

        /// The aggregate of the commits added.
        consuming func finish() -> HistoryAggregate {
            var table = self.table
            let trackedCount = self.trackedCount
            let authorStats = self.authorStats
            let recentStart = self.recentStart
            // Pairs are counted once every file's commit count is known: a pair can only be reported when both
            // files have at least `minCouplingCommits` commits, which leaves out most pairs (and their hash-table
            // updates).
            var pairs: [UInt64: Int32] = [:]
            var start = 0
            var files: [Int32] = []
            for end in coupledEnds {
                files.removeAll(keepingCapacity: true)
                for file in coupled[start..<end]
                where table.entries[Int(file)].commits >= HistoryAggregate.minCouplingCommits {
                    files.append(file)
                }
                start = end
                guard files.count >= 2 else { continue }
                files.sort()
                for (position, first) in files.enumerated() {
                    for second in files[(position + 1)...] {
                        pairs[UInt64(UInt32(first)) << 32 | UInt64(UInt32(second)), default: 0] += 1
                    }
                }
            }

            var totals = self.totals
            totals.commits = commitCount
            totals.authors = authorStats.count
            var authorDates: ClosedRange<Date>?
            if let earliest = earliestAuthorTime, let latest = latestAuthorTime {
                authorDates =
                    Date(
                        timeIntervalSince1970: TimeInterval(earliest))...Date(
                        timeIntervalSince1970: TimeInterval(latest))
            }
            let activity = months.sorted { $0.key < $1.key }.map { month in
                RepositoryReport.MonthlyActivity(
                    month: String(format: "%04d-%02d", month.key / 100, month.key % 100), commits: month.commits,
                    insertions: month.insertions, deletions: month.deletions, authors: month.authors.count)
            }

            var additions: [String: Addition] = [:]
            for entry in table.entries[0..<Int(trackedCount)] where !entry.ignored {
                guard let added = entry.addedIn else { continue }
                additions[entry.path] = Addition(
                    date: added.reference.date,
                    recentCommit: added.commitTime >= recentStart ? added.reference : nil,
                    withTests: added.withTests)
            }
            let recentlyChanged = table.entries[0..<Int(trackedCount)].filter {
                $0.recentCommits > 0 && !$0.ignored && !$0.documentation && !$0.generated
            }
            let recentPace =
                recentlyChanged.isEmpty
                ? 0 : Double(recentlyChanged.reduce(0) { $0 + Int($1.recentCommits) }) / Double(recentlyChanged.count)
            let tracked = table.entries[0..<Int(trackedCount)]
            let defectFiles = tracked.filter {
                $0.fixCommits >= HistoryAggregate.minimumFixCommits && !$0.ignored && !$0.documentation
                    && !$0.generated && !$0.auxiliary && !FileKinds.isBuildScript($0.path)
            }
            .sorted { ($0.fixScore, $1.path) > ($1.fixScore, $0.path) }
            .prefix(20)
            .map { entry in
                DefectHistory(
                    path: entry.path, commits: Int(entry.commits), fixCommits: Int(entry.fixCommits),
                    fixesLastYear: Int(entry.fixesLastYear), fixesYearBefore: Int(entry.fixesYearBefore),
                    revertedFixes: Int(entry.revertedFixes), untestedFixes: Int(entry.untestedFixes),
                    fixScore: (entry.fixScore * 1000).rounded() / 1000, evidence: entry.fixEvidence)
            }
            var frequentlyChanged: [String: Int] = [:]
            for entry in tracked
            where entry.focusedCommits >= 5 && entry.focusedLately && !entry.ignored && !entry.documentation
                && !entry.generated && !entry.auxiliary
            {
                frequentlyChanged[entry.path] = Int(entry.focusedCommits)
            }
            let hotFiles = table.entries[0..<Int(trackedCount)]
                .filter { $0.commits > 0 && !$0.ignored && !$0.documentation && !$0.generated }
                .sorted { ($0.score, $1.path) > ($1.score, $0.path) }
                .prefix(HistoryAggregate.hotFileLimit)
                .map { entry in
                    FileHistory(
                        path: entry.path, commits: Int(entry.commits), recentCommits: Int(entry.recentCommits),
                        insertions: entry.insertions, deletions: entry.deletions, authors: entry.authors.count,
                        score: entry.score, lastChanged: entry.newestCommits[0].date,
                        newestCommits: entry.newestCommits)
                }

            // Distinct files per directory, counted over every file with history (deleted ones too).
            for entry in table.entries where entry.commits > 0 {
                for directory in entry.directories { table.directories[Int(directory)].files += 1 }
            }
            let directories = table.directories.filter { $0.commits > 0 }
                .map { directory in
                    RepositoryReport.DirectoryChurn(
                        path: directory.path, commits: Int(directory.commits), insertions: directory.insertions,
                        deletions: directory.deletions, files: directory.files)
                }
                .sorted { ($0.commits, $1.path) > ($1.commits, $0.path) }

            func ownership(
                path: String, commits: Int, authors: [Int32: Int32], upstreamSyncs: Int32 = 0, choreCommits: Int32 = 0
            ) -> RepositoryReport.Ownership {
                let ranked = authors.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                var covered = 0
                var busFactor = 0
                for (_, count) in ranked where covered * 2 <= commits {
                    covered += Int(count)
                    busFactor += 1
                }
                let top = ranked.prefix(5).map { id, count in
                    RepositoryReport.AuthorShare(
                        name: authorStats[Int(id)].name, email: authorStats[Int(id)].email, commits: Int(count),
                        share: commits == 0 ? 0 : Double(count) / Double(commits))
                }
                return RepositoryReport.Ownership(
                    path: path, commits: commits, busFactor: busFactor, topAuthors: top, authorCount: authors.count,
                    upstreamSyncs: upstreamSyncs > 0 ? Int(upstreamSyncs) : nil,
                    choreCommits: choreCommits > 0 ? Int(choreCommits) : nil)
            }
            var owned = [ownership(path: ".", commits: commitCount, authors: repositoryAuthors)]
            for directory in table.directories where directory.commits > 0 && directory.depth <= 2 {
                owned.append(
                    ownership(
                        path: directory.path, commits: Int(directory.commits), authors: directory.authors,
                        upstreamSyncs: directory.upstreamSyncs, choreCommits: directory.choreCommits))
            }

            let couplings = pairs.compactMap { key, shared -> RepositoryReport.CouplingPair? in
                guard shared >= HistoryAggregate.minCouplingCommits else { return nil }
                let first = table.entries[Int(key >> 32)]
                let second = table.entries[Int(key & 0xFFFF_FFFF)]
                var (a, b) = (first.path, second.path)
                var (aCommits, bCommits) = (Int(first.commits), Int(second.commits))
                if b < a {
                    swap(&a, &b)
                    swap(&aCommits, &bCommits)
                }
                return RepositoryReport.CouplingPair(
                    first: a, second: b, sharedCommits: Int(shared), firstCommits: aCommits, secondCommits: bCommits,
                    degree: Double(shared) * 2 / Double(aCommits + bCommits))
            }
            .sorted { ($0.sharedCommits, $1.first, $1.second) > ($1.sharedCommits, $0.first, $0.second) }

            var deletedPaths = self.deletedPaths
            for entry in table.entries[0..<Int(trackedCount)] { deletedPaths[entry.path] = nil }
            return HistoryAggregate(
                commitCount: commitCount, oldestCommit: oldestCommit, authorDates: authorDates,
                referenceTime: referenceTime, totals: totals,
                authors: authorStats.sorted { ($0.commits, $1.email) > ($1.commits, $0.email) }, activity: activity,
                hotFiles: hotFiles, additions: additions, directories: directories,
                ownership: owned.sorted { ($0.commits, $1.path) > ($1.commits, $0.path) }, couplings: couplings,
                added: added, deleted: deleted, deletedPaths: deletedPaths, renamed: renamed,
                documentation: documentation, recentPace: recentPace, defectFiles: defectFiles,
                frequentlyChanged: frequentlyChanged)
        }
    }
}
