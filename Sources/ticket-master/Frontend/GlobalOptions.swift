import ArgumentParser
import Foundation
import Logging
import TicketMaster

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read this configuration file instead of the project's .ticket-master.yaml.", valueName: "file"))
    var config: String?

    @Option(
        name: .long, help: ArgumentHelp("How much to log: DEBUG, INFO, WARNING, ERROR or CRITICAL.", valueName: "level")
    )
    var logLevel: String?

    @Flag(name: [.short, .long], help: "Log only errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Log debugging detail (same as --log-level DEBUG).")
    var verbose = false

    @Option(name: .long, help: "Colour output: auto, always or never; auto honours NO_COLOR.")
    var color: ColorChoice = .auto

    func validate() throws {
        if quiet && verbose {
            throw ValidationError("--quiet and --verbose cannot be used together")
        }
    }

    /// Configuration values these options set, as flag layers.
    var configurationFlags: [(path: String, flag: String, value: String)] {
        if verbose { return [("logging.level", "--verbose", "DEBUG")] }
        if quiet { return [("logging.level", "--quiet", "ERROR")] }
        return logLevel.map { [("logging.level", "--log-level", $0)] } ?? []
    }
}

/// What a subcommand works with: the run environment (configuration, logger, history) and the terminal.
struct Session {
    let environment: RunEnvironment
    let terminal: Terminal

    var resolved: ResolvedConfiguration { environment.resolved }
    var configuration: Configuration { environment.configuration }
    var logger: Logger { environment.logger }

    /// Loads the configuration and sets up logging; throws `ConfigurationError` when the configuration is invalid.
    static func start(
        _ options: GlobalOptions,
        searchDirectory: String? = nil,
        flags: [(path: String, flag: String, value: String)] = []
    ) throws -> Session {
        let terminal = Terminal(color: options.color)
        let resolved = ConfigurationLoader().load(
            explicitFile: options.config, searchDirectory: searchDirectory, flags: options.configurationFlags + flags)
        let configuration = try resolved.configuration()
        let redactions = Redactions()
        let logger = bootstrapLogging(
            configuration.logging, secrets: resolved.secrets, redactions: redactions, terminal: terminal)
        for warning in resolved.problems where warning.severity == .warning {
            logger.warning("\(warning.description)")
        }
        let environment = try RunEnvironment(resolved: resolved, logger: logger, redactions: redactions)
        return Session(environment: environment, terminal: terminal)
    }

    /// Logging is set up once per process, here: every line goes through the library's redacting handler.
    private static func bootstrapLogging(
        _ logging: Configuration.Logging, secrets: [String], redactions: Redactions, terminal: Terminal
    ) -> Logger {
        let level = Logger.Level(logging.level)
        let file = logging.file.flatMap { path -> FileHandle? in
            if !FileManager.default.fileExists(atPath: path) {
                FileManager.default.createFile(atPath: path, contents: nil)
            }
            let handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
            return handle
        }
        let colored = terminal.colored && terminal.stderrIsTerminal
        LoggingSystem.bootstrap { label in
            RedactingLogHandler(
                logLevel: level, label: label, secrets: secrets, redactions: redactions, colored: colored, file: file,
                write: { StandardError.write($0) })
        }
        return Logger(label: "ticket-master")
    }

    /// Whether progress is shown: not when only warnings and errors are logged.
    var showsProgress: Bool { [.debug, .info].contains(configuration.logging.level) }

    /// Opens the history the configuration names (`database.url`, else `history.path`), creating it if needed.
    func openHistory() async throws -> any HistoryStore {
        try await environment.openHistory()
    }

    /// Opens the SQLite history file, for what only a file supports; `purpose` names it in the error when
    /// `database.url` names a PostgreSQL history instead.
    func openSQLiteHistory(for purpose: String) throws -> SQLiteHistoryStore {
        try environment.openSQLiteHistory(for: purpose)
    }
}
