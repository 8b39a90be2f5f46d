import Foundation
import IssueTrackers
import LanguageModels
import Logging
import RepositoryAnalysis
import Synchronization

/// Everything a run needs that is not a person: the configuration, where logs, history and caches go, and how
/// models and trackers are made. The command line builds one per process, the web service one per request, a test
/// one with in-memory models and a test clock. Nothing here reads the terminal.
public struct RunEnvironment: Sendable {
    /// The configuration, with where each value came from and the secrets it holds.
    public var resolved: ResolvedConfiguration
    /// The validated configuration.
    public var configuration: Configuration
    /// Where the run logs; its handler should mask `redactions` (see ``RedactingLogHandler``).
    public var logger: Logger
    /// Secrets found during the run (a token from `gh auth token`), masked by every log handler that uses them.
    public var redactions: Redactions
    /// The `git` to run.
    public var git: GitExecutable
    /// Where the analysis cache lives.
    public var cacheDirectory: URL
    /// The clock trackers wait on for rate limits, and the wall-clock time their resets are given in.
    public var trackerClock: any Clock<Duration>
    /// The wall-clock time, advancing with `trackerClock`.
    public var now: @Sendable () -> Date
    /// The process environment: tokens, `GH_HOST`, API keys.
    public var variables: [String: String]
    /// Makes the model a provider configuration names (tests answer with in-memory models).
    public var makeModel: @Sendable (ProviderConfiguration, TransportOptions) -> any LanguageModel
    /// A history already open that the run uses instead of opening its own: a server's PostgreSQL history, so
    /// that its runs share one connection pool. Nil opens the configured one for each run.
    public var openedHistory: (any HistoryStore)?

    /// An environment for `resolved`; throws ``ConfigurationError`` when the configuration is invalid. Logging is
    /// not bootstrapped here: executables do that once, with a ``RedactingLogHandler``.
    public init(
        resolved: ResolvedConfiguration, logger: Logger = Logger(label: "ticket-master"),
        redactions: Redactions = Redactions(), git: GitExecutable = GitExecutable(), cacheDirectory: URL? = nil,
        trackerClock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = { Date() },
        variables: [String: String] = ProcessInfo.processInfo.environment,
        makeModel: @escaping @Sendable (ProviderConfiguration, TransportOptions) -> any LanguageModel = {
            $0.makeModel(options: $1)
        }
    ) throws {
        self.resolved = resolved
        self.configuration = try resolved.configuration()
        self.logger = logger
        self.redactions = redactions
        self.git = git
        self.cacheDirectory = cacheDirectory ?? Self.defaultCacheDirectory(variables)
        self.trackerClock = trackerClock
        self.now = now
        self.variables = variables
        self.makeModel = makeModel
    }

    /// `$XDG_CACHE_HOME/ticket-master` (or `~/.cache/ticket-master`).
    public static func defaultCacheDirectory(_ variables: [String: String]) -> URL {
        let base = variables["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return URL(fileURLWithPath: base).appendingPathComponent("ticket-master")
    }

    /// Opens the history the configuration names: the PostgreSQL database of `database.url` when set, else the
    /// SQLite file of `history.path`, created if needed.
    public func openHistory() async throws -> any HistoryStore {
        if let openedHistory { return openedHistory }
        let policy = HistoryPolicy(resolved, configuration: configuration)
        if let url = configuration.history.databaseURL {
            return try await PostgresHistoryStore(
                location: DatabaseLocation(url: url.value), policy: policy, logger: logger)
        }
        return try openSQLiteHistory()
    }

    /// Opens the SQLite history file of `history.path`, for what only a file supports (export, import, prune,
    /// size, the web service's team data); a usage error when `database.url` names a PostgreSQL history instead.
    public func openSQLiteHistory(for purpose: String? = nil) throws -> SQLiteHistoryStore {
        if configuration.history.databaseURL != nil, let purpose {
            throw TicketMasterError(
                .usage,
                "\(purpose) works on the SQLite history file, and database.url names a PostgreSQL history; unset "
                    + "database.url (and TICKET_MASTER_DATABASE_URL) to use the file")
        }
        return try SQLiteHistoryStore(
            path: configuration.history.databasePath(environment: variables),
            policy: HistoryPolicy(resolved, configuration: configuration), logger: logger)
    }

    /// Analyses a local path or a clone URL (cloned into a temporary folder, removed afterwards).
    public func analyze(_ location: String, events: RunEvents = .ignored) async throws -> RepositoryReport {
        let checkout = try await RepositoryCheckout.open(
            location, depth: configuration.repository.maxCommits ?? RepositoryCheckout.defaultCloneDepth, git: git)
        defer { checkout.remove() }
        return try await analyze(checkout, events: events)
    }

    /// Analyses an opened checkout, reporting its phases as events.
    public func analyze(_ checkout: RepositoryCheckout, events: RunEvents = .ignored) async throws -> RepositoryReport {
        let options = configuration.analysisOptions(cacheDirectory: cacheDirectory)
        logger.debug("analysing \(checkout.displayName) with \(options.jobs) workers")
        let clock = PhaseClock(logger: logger)
        let report = try await RepositoryAnalyzer(options: options).analyze(at: checkout.path) { progress in
            clock.enter(progress.phase)
            events(.analyzing(phase: progress.phase, completed: progress.completed, total: progress.total))
        }
        clock.enter(nil)
        events(.analyzed(findings: report.signals.count, commit: report.headCommit))
        return report
    }
}

/// Logs, at debug level, how long each phase of an analysis took: where a slow run spends its time, without a
/// profiler.
private final class PhaseClock: Sendable {
    private let logger: Logger
    private let current = Mutex<(phase: String, start: ContinuousClock.Instant)?>(nil)

    init(logger: Logger) {
        self.logger = logger
    }

    /// Starts `phase` (none: the analysis ended), logging the one before when it changes.
    func enter(_ phase: String?) {
        let now = ContinuousClock.now
        let ended: (phase: String, took: Duration)? = current.withLock { current in
            guard current?.phase != phase else { return nil }
            let ended = current.map { ($0.phase, now - $0.start) }
            current = phase.map { ($0, now) }
            return ended
        }
        if let ended {
            let seconds = Double(ended.took.components.seconds) + Double(ended.took.components.attoseconds) / 1e18
            logger.debug("\(ended.phase) took \(String(format: "%.2f", seconds)) s")
        }
    }
}

/// Secrets found after logging started, such as a token from `gh auth token`: every log line is passed through
/// them too.
public final class Redactions: Sendable {
    private let redactors = Mutex<[@Sendable (String) -> String]>([])

    /// No secrets yet.
    public init() {}

    /// Adds a function that masks one secret in a text.
    public func add(_ redactor: @escaping @Sendable (String) -> String) {
        redactors.withLock { $0.append(redactor) }
    }

    /// `text` with every added secret masked.
    public func apply(to text: String) -> String {
        redactors.withLock { $0 }.reduce(text) { $1($0) }
    }
}
