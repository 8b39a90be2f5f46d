import Foundation

/// Everything analysis found in a repository: facts first, then the signals drawn from them.
///
/// The JSON form (`jsonEncoder()`) is a stable interface for scripts, documented in `docs/analysis.md`: camelCase
/// keys, ISO-8601 dates in UTC, paths relative to the repository root with `/` separators. Lists are sorted so
/// that the same repository gives byte-identical JSON for the same `now`.
public struct RepositoryReport: Codable, Sendable, Hashable {
    /// The version of this schema; it changes only when a field changes meaning or disappears.
    public var schemaVersion: Int
    /// The absolute path of the repository's top-level directory.
    public var root: String
    /// The commit analysed (`HEAD`), or `nil` for a repository without commits.
    public var headCommit: String?
    /// The checked-out branch, or `nil` when `HEAD` is detached.
    public var branch: String?
    /// Whether the repository is a shallow clone, whose oldest commits stand in for history that is missing.
    public var isShallow: Bool
    /// Whether the repository has a remote, so it is shared somewhere; nil in reports written before this was kept.
    public var hasRemote: Bool? = nil
    /// The `now` that ages were measured against.
    public var generatedAt: Date
    /// Which commits were analysed.
    public var window: Window
    /// How many commits were analysed.
    public var analysedCommitCount: Int
    /// Sums over the analysed commits.
    public var totals: Totals
    /// Tracked files by language, with line counts.
    public var languages: [LanguageStatistics]
    /// What the working-tree scan covered.
    public var workingTree: WorkingTreeSummary
    /// Files that changed most, weighted by how recently; highest score first.
    public var hotFiles: [HotFile]
    /// Churn per directory; most commits first.
    public var directoryChurn: [DirectoryChurn]
    /// Pairs of files that often change in the same commit; most shared commits first.
    public var couplings: [CouplingPair]
    /// Who changed each top-level and second-level directory, and its bus factor.
    public var ownership: [Ownership]
    /// The most active authors; most commits first.
    public var authors: [AuthorStatistics]
    /// Commits, lines and authors per calendar month (UTC), oldest first.
    public var activity: [MonthlyActivity]
    /// Files added in the recent period, newest first.
    public var recentlyAdded: [FileEvent]
    /// Files deleted in the recent period, newest first.
    public var recentlyDeleted: [FileEvent]
    /// Files renamed in the recent period, newest first.
    public var recentlyRenamed: [FileEvent]
    /// TODO, FIXME, HACK, XXX and BUG comments (and the repository's own marker words), by path and line.
    public var markers: [Marker]
    /// Source files that no test file matches by naming convention, by path.
    public var untestedFiles: [UntestedFile]
    /// Files with public declarations that lack documentation comments, by path.
    public var undocumentedFiles: [UndocumentedFile]
    /// Public declarations of each shipped module, documented or not, by `<language>:<module>`: how much of its API
    /// a project documents in code.
    public var moduleDeclarations: [String: Int]? = nil
    /// Tracked files at or over the size limit, largest first.
    public var largeFiles: [LargeFile]
    /// Which of the files a project is expected to have are present.
    public var projectFiles: ProjectFiles
    /// Dependency manifests (Package.swift, package.json, ...), by path.
    public var dependencyManifests: [DependencyManifest]
    /// Tests the project marks as expected to fail, skipped or disabled without a condition, by path and line.
    public var brokenTests: [BrokenTest]
    /// Calls in shipped code that stop the program because something is not implemented, by path and line.
    public var crashStubs: [CrashStub]
    /// Suppressions and workarounds repeated across many files, most files first.
    public var repeatedLines: [RepeatedLine]
    /// Folders kept as near-identical copies where recent commits changed only one side.
    public var driftingCopies: [DriftingCopy]
    /// References to project files and modules that do not exist, by path and line.
    public var brokenReferences: [BrokenReference]
    /// Credentials in tracked files, masked, by path and line.
    public var secrets: [Secret]
    /// How the project is built and tested, from its root manifests.
    public var toolchain: Toolchain
    /// Marker words this repository uses besides the standard ones (`NEEDSWORK`), found or configured.
    public var markerWords: [String]
    /// The findings drawn from the facts above, most severe first.
    public var signals: [Signal]

    /// A JSON encoder for the documented format: sorted keys, ISO-8601 dates.
    public static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A JSON decoder for the documented format.
    public static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// The commits an analysis covered.
    public struct Window: Codable, Sendable, Hashable {
        /// The commit limit that was asked for, if any.
        public var maxCommits: Int?
        /// The date limit that was asked for, if any.
        public var since: Date?
        /// Whether only first parents were followed.
        public var firstParent: Bool
        /// The author date of the oldest analysed commit.
        public var oldestCommitDate: Date?
        /// The author date of the newest analysed commit.
        public var newestCommitDate: Date?
        /// The committer date of `HEAD`: "recent" means the `recentDays` days before it, so that the same commit
        /// gives the same report whatever day it is analysed.
        public var referenceDate: Date?
        /// The length of the recent period, in days.
        public var recentDays: Int
    }

    /// Sums over the analysed commits; insertions and deletions equal what `git log --numstat` reports for the
    /// same commits (merges add nothing unless `firstParent` is set; binary changes count no lines).
    public struct Totals: Codable, Sendable, Hashable {
        /// Commits analysed, merges included.
        public var commits: Int
        /// Commits with more than one parent.
        public var mergeCommits: Int
        /// Lines added.
        public var insertions: Int
        /// Lines removed.
        public var deletions: Int
        /// File changes that git saw as binary.
        public var binaryChanges: Int
        /// Distinct authors (by email, after `.mailmap`).
        public var authors: Int
        /// Distinct paths changed.
        public var filesChanged: Int
    }

    /// Files and lines of one language in the working tree.
    public struct LanguageStatistics: Codable, Sendable, Hashable {
        /// The language, named from the file extension (`Swift`, `Python`, `Other` for unknown ones).
        public var language: String
        /// Text files of the language.
        public var files: Int
        /// Their lines.
        public var lines: Int
        /// Their size.
        public var bytes: Int
    }

    /// What the working-tree scan covered.
    public struct WorkingTreeSummary: Codable, Sendable, Hashable {
        /// Files `git ls-files` lists (submodules and symbolic links included).
        public var trackedFiles: Int
        /// Files read and scanned.
        public var scannedFiles: Int
        /// Files with a NUL byte in their first 8,000 bytes.
        public var binaryFiles: Int
        /// Files left out by the ignore patterns.
        public var ignoredFiles: Int
        /// Submodules (not entered).
        public var submodules: Int
        /// Total size of the tracked files present on disk.
        public var bytes: Int
    }

    /// A file that changed often and recently.
    public struct HotFile: Codable, Sendable, Hashable {
        /// The path at `HEAD` (history under earlier names counts).
        public var path: String
        /// Commits that changed it in the window.
        public var commits: Int
        /// Commits that changed it in the recent period.
        public var recentCommits: Int
        /// Lines added to it.
        public var insertions: Int
        /// Lines removed from it.
        public var deletions: Int
        /// Distinct authors who changed it.
        public var authors: Int
        /// The sum over its commits of 0.5^(age in days / 30), age measured from the reference date.
        public var score: Double
        /// When it last changed (author date).
        public var lastChanged: Date
    }

    /// Changes under one directory.
    public struct DirectoryChurn: Codable, Sendable, Hashable {
        /// The directory, relative to the root.
        public var path: String
        /// Commits that changed something under it.
        public var commits: Int
        /// Lines added under it.
        public var insertions: Int
        /// Lines removed under it.
        public var deletions: Int
        /// Distinct files changed under it.
        public var files: Int
    }

    /// Two files that changed in the same commits.
    public struct CouplingPair: Codable, Sendable, Hashable {
        /// The first path, in sorted order.
        public var first: String
        /// The second path.
        public var second: String
        /// Commits that changed both.
        public var sharedCommits: Int
        /// Commits that changed the first.
        public var firstCommits: Int
        /// Commits that changed the second.
        public var secondCommits: Int
        /// Shared commits over the average of the two files' commits, from 0 to 1.
        public var degree: Double
    }

    /// Who changed a directory.
    public struct Ownership: Codable, Sendable, Hashable {
        /// The directory.
        public var path: String
        /// Commits that changed it.
        public var commits: Int
        /// The fewest authors who together made more than half of those commits.
        public var busFactor: Int
        /// The authors with most commits there, up to five.
        public var topAuthors: [AuthorShare]
        /// All distinct authors there.
        public var authorCount: Int
        /// Commits that named the directory and said they bring in another project's copy ("Update toml-test from
        /// upstream"), when there were any.
        public var upstreamSyncs: Int? = nil
        /// Commits typed as chores, CI or build work (`chore(ci): …`), when there were any.
        public var choreCommits: Int? = nil
    }

    /// One author's part of a directory's commits.
    public struct AuthorShare: Codable, Sendable, Hashable {
        /// The author's name.
        public var name: String
        /// The author's email.
        public var email: String
        /// Their commits there.
        public var commits: Int
        /// Their share of the commits there, from 0 to 1.
        public var share: Double
    }

    /// One author's activity.
    public struct AuthorStatistics: Codable, Sendable, Hashable {
        /// The most recent name used with this email.
        public var name: String
        /// The email, after `.mailmap`.
        public var email: String
        /// Commits authored.
        public var commits: Int
        /// Lines added.
        public var insertions: Int
        /// Lines removed.
        public var deletions: Int
        /// The first authored commit's date.
        public var firstCommitDate: Date
        /// The last authored commit's date.
        public var lastCommitDate: Date
    }

    /// Activity in one calendar month.
    public struct MonthlyActivity: Codable, Sendable, Hashable {
        /// The month, as `YYYY-MM` (UTC, by author date).
        public var month: String
        /// Commits authored in it.
        public var commits: Int
        /// Lines added.
        public var insertions: Int
        /// Lines removed.
        public var deletions: Int
        /// Distinct authors.
        public var authors: Int
    }

    /// A file added, deleted or renamed by a commit.
    public struct FileEvent: Codable, Sendable, Hashable {
        /// The path after the event (the deleted path for a deletion).
        public var path: String
        /// The path before a rename.
        public var previousPath: String?
        /// The commit.
        public var commit: CommitReference
        /// Its author's name.
        public var author: String
    }

    /// A TODO-style comment.
    public struct Marker: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// The line, from 1.
        public var line: Int
        /// `TODO`, `FIXME`, `HACK`, `XXX` or `BUG`.
        public var kind: String
        /// The text after the marker (and after an optional `(owner)` and `:`), trimmed, at most 200 characters.
        public var text: String
        /// The whole line, trimmed, at most 200 characters.
        public var excerpt: String
        /// Days from the line's last change to `now`; `nil` when unknown (not committed, not blamed).
        public var ageDays: Int?
        /// The commit that last changed the line, when known.
        public var lastChanged: CommitReference?
        /// Whether that commit is the oldest one a shallow clone has, so the line may be older still.
        public var ageIsLowerBound: Bool
        /// The function or type the marker sits in, when a declaration above it says so.
        public var symbol: String? = nil
        /// True when the code line right after the note suppresses a warning (`# type: ignore`, `eslint-disable`):
        /// the note explains the suppression rather than asks for work. Absent otherwise.
        public var explainsSuppression: Bool? = nil
        /// For a note that waits on something ("Re-enable this test once inner literal extraction works"), the first
        /// later commit whose subject names it ("regex: add new inner literal extractor"): the wait may be over.
        public var conditionMet: CommitReference? = nil
        /// The comment lines right above a note that opens its own comment line, which often say what it is about.
        public var commentAbove: String? = nil
        /// The code right under a note that opens its own comment line, dedented: what the note is about.
        public var codeBelow: String? = nil
        /// Names of code the note mentions that the project had elsewhere when the note was written and has nowhere
        /// now but in notes (`validateIndexTraversals`): the note is about code that is gone. Absent otherwise.
        public var vanishedNames: [String]? = nil
    }

    /// A source file without a test that matches it by name.
    public struct UntestedFile: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// Its language.
        public var language: String
        /// Its lines.
        public var lines: Int
        /// When it was added, if that is inside the analysed window.
        public var addedDate: Date?
        /// Whether it was added in the recent period.
        public var recentlyAdded: Bool
        /// Whether its module has tests at all, named after other files: a Swift target with a test target named
        /// after it, or any test in the same language elsewhere. Name matching misses tests named by feature, so
        /// only a file whose module has no tests at all is untested for certain.
        public var moduleHasTests: Bool
    }

    /// A test marked expected to fail, skipped or disabled.
    public struct BrokenTest: Codable, Sendable, Hashable {
        /// The test file.
        public var path: String
        /// The line of the marker.
        public var line: Int
        /// `xfail`, `skip` or `disabled`.
        public var kind: String
        /// The test's name or the reason given, when found.
        public var test: String
        /// The marker's line.
        public var excerpt: String
        /// Days since the line last changed.
        public var ageDays: Int?
        /// The commit that last changed it.
        public var lastChanged: CommitReference?
        /// For a test skipped as not implemented yet: a later commit that changed the test's file and the code,
        /// and whose subject names what the test is about. What the skip waits for may have landed.
        public var laterChange: CommitReference?
        /// The comment right above the marker, which often says why the test is marked.
        public var commentAbove: String? = nil
    }

    /// A call that stops the program because something is not implemented.
    public struct CrashStub: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// The line.
        public var line: Int
        /// The call (`fatalError`, `NotImplementedError`, `todo!`, `panic`, `throw`).
        public var call: String
        /// Its message.
        public var message: String
        /// The line.
        public var excerpt: String
        /// Days since the line last changed.
        public var ageDays: Int?
        /// The commit that last changed it.
        public var lastChanged: CommitReference?
    }

    /// A suppression or workaround repeated across files.
    public struct RepeatedLine: Codable, Sendable, Hashable {
        /// The suppression as written (`# noqa: E501`), or the whole line of a workaround.
        public var text: String
        /// How many files contain it.
        public var files: Int
        /// How many files contained it a year before the reference date, when that could be counted.
        public var filesAYearAgo: Int?
        /// Up to 20 places, by path.
        public var locations: [SourceLocation]
    }

    /// Two folders that are near-identical copies, drifting apart.
    public struct DriftingCopy: Codable, Sendable, Hashable {
        /// One folder.
        public var first: String
        /// The other.
        public var second: String
        /// Files with the same relative path in both, mostly equal.
        public var sharedFiles: Int
        /// Pairs of those files whose content differs, most different first.
        public var differingFiles: [[String]]
        /// How many of the latest commits that touched either folder were examined (at most 30).
        public var recentCommits: Int
        /// Those that changed one folder and not the other.
        public var oneSidedCommits: [CommitReference]
    }

    /// A reference to a project file or module that does not exist.
    public struct BrokenReference: Codable, Sendable, Hashable {
        /// The referring file.
        public var path: String
        /// The line.
        public var line: Int
        /// What it refers to, as written.
        public var reference: String
        /// The line.
        public var excerpt: String
        /// The commit that deleted what it refers to, when history has it.
        public var removedIn: CommitReference?
    }

    /// A credential in a tracked file. Only its masked form is kept.
    public struct Secret: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// The line.
        public var line: Int
        /// The rule that matched (`AWS access key`, `GitHub token`, `Private key`, …).
        public var rule: String
        /// The line with the credential masked.
        public var masked: String
        /// A digest that tells credentials apart without revealing them.
        public var digest: String
    }

    /// A file with public declarations that have no documentation comment.
    public struct UndocumentedFile: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// Its language (Swift, Python, Go, Rust, TypeScript, JavaScript, Java, C or C++: the ones checked).
        public var language: String
        /// The module it belongs to: a Swift target, a Python package, a Go package folder, a crate.
        public var module: String
        /// Public declarations found.
        public var publicDeclarations: Int
        /// The lines of those without documentation.
        public var undocumentedLines: [Int]
        /// Those without documentation, in line order.
        public var undocumented: [UndocumentedSymbol]
    }

    /// A public declaration without a documentation comment.
    public struct UndocumentedSymbol: Codable, Sendable, Hashable {
        /// The line, from 1.
        public var line: Int
        /// The declared name.
        public var name: String
        /// `type`, `function` or `member`, from most to least important to document.
        public var role: String
        /// The declaration line, trimmed.
        public var excerpt: String
    }

    /// A tracked file at or over the size limit.
    public struct LargeFile: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// Its size.
        public var bytes: Int
    }

    /// The files a project is expected to have.
    public struct ProjectFiles: Codable, Sendable, Hashable {
        /// The README, if any.
        public var readme: String?
        /// README sections looked for and not found (`installation`, `usage`).
        public var missingReadmeSections: [String]
        /// The license file, if any.
        public var license: String?
        /// The contributing guide, if any.
        public var contributing: String?
        /// Whether the README has a section on contributing, development or building from source.
        public var contributingInReadme: Bool
        /// The changelog, if any.
        public var changelog: String?
        /// CI configuration files found.
        public var continuousIntegration: [String]
        /// True when the README sends readers to API documentation generated from the code (`pkg.go.dev`,
        /// `docs.rs`, Read the Docs, …): code changes do not make the README stale. Absent otherwise.
        public var apiDocumentedElsewhere: Bool? = nil
    }

    /// A file that declares dependencies.
    public struct DependencyManifest: Codable, Sendable, Hashable {
        /// The file.
        public var path: String
        /// The ecosystem: `swiftpm`, `npm`, `pip`, `python`, `cargo`, `go`, `bundler`, `maven` or `gradle`.
        public var ecosystem: String
    }
}

extension RepositoryReport {
    /// Whether `path` is a test by its name or folder, as analysis decides it (`tests/`, `t/`, `foo_test.go`,
    /// `test_foo.py`, `FooTests.swift`).
    public static func isTestPath(_ path: String) -> Bool {
        HistoryAggregate.isTestPath(path)
    }

    /// Whether `path` is code a person writes: not prose, data, configuration, release notes or a lock file.
    public static func isCodePath(_ path: String) -> Bool {
        FileKinds.isCode(path) && !FileKinds.isGenerated(path)
    }
}
