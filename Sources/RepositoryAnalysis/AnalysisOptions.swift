import Foundation

/// What to analyse and how: the history window, what to ignore, parallelism, limits, caching and the clock.
public struct AnalysisOptions: Sendable {
    /// At most this many commits, newest first; `nil` reads all of history.
    public var maxCommits: Int?
    /// Only commits committed at or after this date; `nil` for no limit.
    public var since: Date?
    /// Follows only the first parent of merges, and counts each merge's changes against its first parent.
    public var firstParent: Bool
    /// Glob patterns of paths to leave out of file statistics, as in the configuration's
    /// `repository.ignore_patterns`: a pattern without `/` (`node_modules`, `*.pyc`, `dist`) matches any path
    /// component; a pattern with `/` matches from the repository root.
    public var ignorePatterns: [String]
    /// How many `git` processes and file scans run at once.
    public var jobs: Int
    /// Files at least this large are reported as large and not read.
    public var largeFileBytes: Int
    /// Where per-commit facts and marker ages are cached between runs; `nil` caches nothing.
    public var cacheDirectory: URL?
    /// The moment ages are measured against (days since a marker line changed, since the docs changed).
    public var now: Date
    /// Whether to find when each marker line last changed (`git blame`), the slowest part of a first run.
    public var markerAges: Bool
    /// Marker words besides TODO, FIXME, HACK, XXX and BUG (upper case, as in `analysis.markers`); words the
    /// repository's comments use like TODO are found without being listed.
    public var markerWords: [String]

    /// Creates options; every parameter has the documented default.
    public init(
        maxCommits: Int? = nil,
        since: Date? = nil,
        firstParent: Bool = false,
        ignorePatterns: [String] = [],
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        largeFileBytes: Int = 1_000_000,
        cacheDirectory: URL? = nil,
        now: Date = Date(),
        markerAges: Bool = true,
        markerWords: [String] = []
    ) {
        self.maxCommits = maxCommits
        self.since = since
        self.firstParent = firstParent
        self.ignorePatterns = ignorePatterns
        self.jobs = jobs
        self.largeFileBytes = largeFileBytes
        self.cacheDirectory = cacheDirectory
        self.now = now
        self.markerAges = markerAges
        self.markerWords = markerWords
    }
}

/// How far an analysis has got, for a progress display.
public struct AnalysisProgress: Sendable, Hashable {
    /// What is being done, such as `reading history` or `scanning files`.
    public var phase: String
    /// Units of work done in this phase.
    public var completed: Int
    /// Units of work in this phase, when known.
    public var total: Int?

    /// Creates a progress report.
    public init(phase: String, completed: Int, total: Int?) {
        self.phase = phase
        self.completed = completed
        self.total = total
    }
}
