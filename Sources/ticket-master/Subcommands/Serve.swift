import ArgumentParser
import Foundation
import TicketMaster
import TicketMasterServer

/// `ticket-master serve`: the team web service over the same run service as the command line.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the team web service: pick a repository, run with live progress, review, approve, file.",
        discussion: """
            On first start with no account, the server prints a one-time link to create the first admin (or creates \
            `admin` from TICKET_MASTER_ADMIN_PASSWORD). Runs use this configuration (--config), never a file from \
            the repository; their history is the configured history database, so `ticket-master history` lists \
            them too.

            On the SQLite history one process does everything. To scale out, point every process at one PostgreSQL \
            database (database.url or TICKET_MASTER_DATABASE_URL) and start any number of `serve --role web` \
            nodes and `ticket-master worker` processes, on any machines, with the same TICKET_MASTER_SECRET_KEY.

            Examples:
              ticket-master serve
              ticket-master serve --port 9000 --allow-root /srv/repositories
              TICKET_MASTER_DATABASE_URL=postgres://tm@db/tm ticket-master serve --role web
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(
        help: ArgumentHelp(
            "all (pages and work, the only role on SQLite), web (pages only; workers run the runs) or worker "
                + "(runs only, like `ticket-master worker`)."))
    var role: ServerRole = .all

    @Option(
        help: ArgumentHelp(
            "Where the server keeps its key file and clones (default: $XDG_DATA_HOME/ticket-master/server).",
            valueName: "folder"))
    var dataDir: String?

    @Option(
        name: .customLong("allow-root"),
        help: ArgumentHelp(
            "A folder whose repositories admins may add by local path; repeat for more.", valueName: "folder"))
    var allowedRoots: [String] = []

    @Flag(help: "Mark session cookies Secure (when served over TLS, or behind a proxy that terminates it).")
    var secureCookies = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        for root in allowedRoots {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--allow-root \(root): there is no folder there")
            }
        }
    }

    func run() async throws {
        let session = try Session.start(global)
        let variables = ProcessInfo.processInfo.environment
        let settings = try ServerSettings(
            host: host, port: port, role: role,
            dataDirectory: URL(fileURLWithPath: dataDir ?? Self.defaultDataDirectory(variables)),
            historyPath: session.configuration.history.databasePath(environment: variables),
            configurationFile: global.config, allowedRoots: allowedRoots, secureCookies: secureCookies,
            variables: variables, logger: session.logger, redactions: session.environment.redactions)
        if role == .worker {
            try await buildWorker(settings).run()
        } else {
            try await buildApplication(settings).runService()
        }
    }

    static func defaultDataDirectory(_ variables: [String: String]) -> String {
        let base =
            variables["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/share")
        return base + "/ticket-master/server"
    }
}

extension ServerRole: ExpressibleByArgument {}

/// `ticket-master worker`: runs the web service's queued runs and filings, without pages, beside web nodes that
/// share its PostgreSQL database.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run queued runs and filings for the web service's nodes that share its PostgreSQL database.",
        discussion: """
            Needs database.url (or TICKET_MASTER_DATABASE_URL) naming the same PostgreSQL database as the web \
            nodes, and their TICKET_MASTER_SECRET_KEY (or the same key file in --data-dir) to unseal tracker \
            tokens. Start as many as the runs need, on any machines: each claims one job at a time. SIGTERM or \
            Ctrl-C stops it gracefully: the running run is recorded as interrupted, and waiting jobs stay queued.

            Examples:
              TICKET_MASTER_DATABASE_URL=postgres://tm@db/tm ticket-master worker
            """)

    @Option(
        help: ArgumentHelp(
            "Where the worker keeps its key file and clones (default: $XDG_DATA_HOME/ticket-master/server).",
            valueName: "folder"))
    var dataDir: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let session = try Session.start(global)
        let variables = ProcessInfo.processInfo.environment
        let settings = try ServerSettings(
            role: .worker, dataDirectory: URL(fileURLWithPath: dataDir ?? Serve.defaultDataDirectory(variables)),
            historyPath: session.configuration.history.databasePath(environment: variables),
            configurationFile: global.config, variables: variables, logger: session.logger,
            redactions: session.environment.redactions)
        try await buildWorker(settings).run()
    }
}
