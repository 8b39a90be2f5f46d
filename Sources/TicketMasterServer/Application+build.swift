import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TicketMaster

/// The web service, built the same way by `ticket-master serve` and by the tests: the history database (migrated),
/// the team's records in it, the run coordinator, and the router with its pages, API and middleware. A server whose
/// role is `web` only queues runs; workers elsewhere run them (see ``buildWorker(_:)``).
public func buildApplication(_ settings: ServerSettings) async throws -> some ApplicationProtocol {
    guard settings.role != .worker else {
        throw TicketMasterError(.usage, "a worker serves no pages; start it with `ticket-master worker`")
    }
    let server = try await Server(settings: settings)
    return Application(
        router: server.router(),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "ticket-master"),
        services: [server.coordinator, server.scheduleTicker()],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? settings.port
            if let token = server.setupToken {
                // Printed, not logged: it is a one-time credential, and stdout is the operator's terminal.
                let line =
                    "no account exists yet: create the first admin at http://\(settings.host):\(port)/setup?token=\(token)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        },
        logger: settings.logger)
}

/// A worker without pages: it runs the queued runs and filings of the web nodes that share its PostgreSQL
/// database, and ticks the schedules while it holds their lease. It stops gracefully on SIGTERM or SIGINT: the
/// running run is cancelled and recorded as interrupted, and waiting jobs stay queued for the other workers.
public func buildWorker(_ settings: ServerSettings) async throws -> ServiceGroup {
    var settings = settings
    settings.role = .worker
    let server = try await Server(settings: settings)
    return ServiceGroup(
        configuration: .init(
            services: [.init(service: server.coordinator), .init(service: server.scheduleTicker())],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: settings.logger))
}

/// What the routes share.
struct Server: Sendable {
    let settings: ServerSettings
    let history: any HistoryStore
    /// The SQLite history, for what only a file supports (the admin's export); nil on PostgreSQL.
    let historyFile: SQLiteHistoryStore?
    let team: any TeamStore
    let coordinator: RunCoordinator
    let pages: Pages
    let metrics: ServerMetrics
    let throttle = LoginThrottle()
    let notices = OneTimeNotices()
    /// The one-time secret of the first-admin page, while no account exists.
    let setupToken: String?

    init(settings: ServerSettings) async throws {
        self.settings = settings
        let resolved = ConfigurationLoader(environment: settings.variables).load(
            explicitFile: settings.configurationFile, searchDirectory: settings.dataDirectory.path, flags: [])
        let configuration = try? resolved.configuration()
        let metrics = ServerMetrics()
        self.metrics = metrics
        pages = try Pages()
        if let url = configuration?.history.databaseURL {
            // Accounts, runs, events and jobs in one PostgreSQL database: any number of web nodes and workers.
            let store = try await PostgresHistoryStore(
                location: DatabaseLocation(url: url.value),
                policy: configuration.map { HistoryPolicy(resolved, configuration: $0) } ?? HistoryPolicy(),
                logger: settings.logger)
            history = store
            historyFile = nil
            team = PostgresTeamStore(history: store, now: settings.now)
            coordinator = RunCoordinator(
                settings: settings, team: team, queue: PostgresJobQueue(store: store),
                feed: PostgresRunFeed(store: store, logger: settings.logger), works: settings.role != .web,
                sharedHistory: store, metrics: metrics)
        } else {
            guard settings.role == .all else {
                throw TicketMasterError(
                    .usage,
                    "web nodes and workers share their work through PostgreSQL; set database.url (or "
                        + "TICKET_MASTER_DATABASE_URL), or run one `ticket-master serve` on the SQLite history")
            }
            let file = try SQLiteHistoryStore(path: settings.historyPath, logger: settings.logger)
            history = file
            historyFile = file
            team = SQLiteTeamStore(history: file, now: settings.now)
            coordinator = RunCoordinator(
                settings: settings, team: team, queue: SQLiteJobQueue(history: file), feed: RunBroadcast(),
                works: true, metrics: metrics)
            // One process: whatever the last start left running was cut off with it.
            let interrupted = try await team.interruptUnfinished()
            if interrupted > 0 {
                settings.logger.notice(
                    "\(interrupted) run(s) were cut off when the server last stopped: marked interrupted")
            }
            // Runs that were waiting for their turn when the server stopped keep their place in the queue.
            let waiting = try await team.queueWaitingRequests()
            for request in waiting { await coordinator.queued(request) }
            if !waiting.isEmpty {
                settings.logger.notice("\(waiting.count) run(s) queued before the server stopped: they run now")
            }
        }
        setupToken = settings.role == .worker ? nil : try await Self.firstAdmin(settings, team)
    }

    /// Creates the first admin from `TICKET_MASTER_ADMIN_PASSWORD` when no account exists; otherwise, while none
    /// exists, the one-time secret of the first-admin page.
    private static func firstAdmin(_ settings: ServerSettings, _ team: any TeamStore) async throws -> String? {
        guard try await team.accountCount() == 0 else { return nil }
        guard let password = settings.variables["TICKET_MASTER_ADMIN_PASSWORD"], !password.isEmpty else {
            return TeamSecrets.randomToken()
        }
        guard password.count >= 12 else {
            throw TicketMasterError(.configuration, "TICKET_MASTER_ADMIN_PASSWORD must have at least 12 characters")
        }
        let hash = try await Passwords.hash(password, cost: settings.passwordCost)
        if try await team.createAccount(name: "admin", role: .admin, passwordHash: hash, onlyIfFirst: true) != nil {
            try await team.audit("account.create", target: "account admin (role admin)", actor: "-", address: nil)
            settings.logger.notice("created the first admin account `admin` from TICKET_MASTER_ADMIN_PASSWORD")
        }
        return nil
    }

    /// Queues the scheduled runs that are due, on the one server (or worker) that holds the schedules' lease.
    func scheduleTicker() -> ScheduleTicker {
        ScheduleTicker(interval: .seconds(30)) {
            do {
                // One process ticks for all that share the database; the due time's compare-and-set keeps a run
                // from being queued twice even while leadership changes hands.
                guard try await coordinator.leads(ScheduleTicker.role, for: .seconds(90)) else { return }
                try await queueDueRuns(at: settings.now())
            } catch {
                settings.logger.error("could not queue the scheduled runs: \(error)")
            }
        }
    }

    func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.addMiddleware {
            LogRequestsMiddleware(.info)
            SecurityHeadersMiddleware()
            MetricsMiddleware(metrics: metrics)
            // The outer one answers for the identity and CSRF checks; the inner one, for the routes, knows who is
            // signed in, so its error pages carry the navigation.
            ErrorMiddleware(pages: pages)
            IdentityMiddleware(team: team)
            CSRFMiddleware()
            ErrorMiddleware(pages: pages)
        }
        addOperations(to: router)
        addAccountRoutes(to: router)
        addRepositoryRoutes(to: router)
        addRunRoutes(to: router)
        addAdminRoutes(to: router)
        addSettingsRoutes(to: router)
        addWebhookRoutes(to: router)
        addScheduleRoutes(to: router)
        addAPIRoutes(to: router)
        addAPIDocuments(to: router)
        return router
    }

    /// Records a state-changing action in the audit log.
    func audit(_ action: String, _ target: String, _ context: ServerContext) async throws {
        try await team.audit(action, target: target, actor: context.actor, address: context.address)
    }

    private func addOperations(to router: Router<ServerContext>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await team.accountCount()
                return Response(status: .ok, body: .init(byteBuffer: .init(string: "ready\n")))
            } catch {
                return Response(
                    status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "database unavailable\n")))
            }
        }
        // Prometheus scrapes with an API token (`bearer_token` in its scrape configuration).
        router.group("metrics").add(middleware: RequireRole(.viewer)).get { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: metrics.registry.emitToBuffer())))
        }
        router.get("static/app.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: .init(string: Assets.css)))
        }
        router.get("static/app.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: .init(string: Assets.javascript)))
        }
        router.get("/") { _, _ in Response.redirect(to: "/runs") }
    }
}
