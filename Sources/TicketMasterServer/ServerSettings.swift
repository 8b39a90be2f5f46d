import Foundation
import Logging
import TicketMaster

/// What a server process does.
public enum ServerRole: String, Sendable, CaseIterable {
    /// Pages, API and the work, in one process: the only role on SQLite.
    case all
    /// Pages and API only; workers sharing the PostgreSQL database run the runs.
    case web
    /// The runs and filings only, no pages.
    case worker
}

/// How the web service is set up: where it listens, where it keeps its data, what it may read.
public struct ServerSettings: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// What this process does.
    public var role: ServerRole
    /// Where the server keeps its key file and clones.
    public var dataDirectory: URL
    /// The history database, shared with the command line when they name the same file.
    public var historyPath: String
    /// The configuration file runs use (`--config`); nil for the defaults, the user file and the environment.
    public var configurationFile: String?
    /// Folders whose repositories an admin may add by local path; nothing outside them is read.
    public var allowedRoots: [String]
    /// Whether cookies are marked `Secure` (served over TLS, or behind a proxy that terminates it).
    public var secureCookies: Bool
    /// The bcrypt cost of new password hashes (tests lower it).
    public var passwordCost: UInt8
    /// The process's environment variables.
    public var variables: [String: String]
    /// The server's log.
    public var logger: Logger
    /// Secrets masked in every log line.
    public var redactions: Redactions
    /// Seals tracker tokens at rest.
    public var secrets: SecretBox
    /// The clock sessions and records use (tests move it on).
    public var now: @Sendable () -> Date

    /// Settings; `secrets` defaults to the key from the environment or the data folder's key file.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, role: ServerRole = .all, dataDirectory: URL,
        historyPath: String? = nil,
        configurationFile: String? = nil, allowedRoots: [String] = [], secureCookies: Bool = false,
        passwordCost: UInt8 = 12, variables: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "ticket-master.server"), redactions: Redactions = Redactions(),
        secrets: SecretBox? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        self.now = now
        self.host = host
        self.port = port
        self.role = role
        self.dataDirectory = dataDirectory
        self.historyPath = historyPath ?? dataDirectory.appendingPathComponent("history.sqlite").path
        self.configurationFile = configurationFile
        self.allowedRoots = allowedRoots.map {
            URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path
        }
        self.secureCookies = secureCookies
        self.passwordCost = passwordCost
        self.variables = variables
        self.logger = logger
        self.redactions = redactions
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw TicketMasterError(
                .configuration, "cannot create the data folder \(dataDirectory.path): \(error.localizedDescription)")
        }
        self.secrets = try secrets ?? SecretBox.load(variables: variables, dataDirectory: dataDirectory)
    }
}
