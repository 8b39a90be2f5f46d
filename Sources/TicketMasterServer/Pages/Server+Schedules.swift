import Foundation
import Hummingbird
import ServiceLifecycle
import TicketMaster

/// Runs that start on their own: an admin gives a repository a cron schedule in a time zone (`0 6 * * mon`,
/// Europe/Berlin), and the server queues a run at each due time with its default model and maximum. Each due time
/// queues one run, however many ticks see it (the last due time is recorded with the run, compare-and-set); a
/// server that was down queues one run for the due times it missed, not one for each. Drafts wait for approval.
extension Server {
    func addScheduleRoutes(to router: Router<ServerContext>) {
        router.group("repositories").add(middleware: RequireRole(.admin)).post(":id/schedule") {
            request, context -> Response in
            guard let id = context.parameters.get("id", as: Int64.self),
                let repository = try await team.repository(id: id)
            else { throw HTTPError(.notFound, message: "no such repository") }
            let form = try await Form.read(request, context: context)
            let autoFile = form["auto_file"] == "1"
            if autoFile != repository.autoFile {
                try await team.setAutoFile(autoFile, repository: id)
                try await audit(
                    "repository.auto_file",
                    "runs of repository \(repository.name) from webhooks and schedules "
                        + (autoFile ? "file without review" : "wait for review"), context)
            }
            let expression = form["schedule"].map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let zone = form["time_zone"].flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
            if expression.isEmpty {
                _ = try await team.setSchedule(nil, timeZone: nil, repository: id)
                try await audit("repository.schedule", "schedule of repository \(repository.name) removed", context)
            } else {
                guard expression.count <= 100, zone.count <= 64 else {
                    throw HTTPError(.badRequest, message: "Schedule: too long")
                }
                let schedule: CronSchedule
                do {
                    schedule = try CronSchedule(expression, timeZone: zone)
                } catch let error as TicketMasterError {
                    throw HTTPError(.badRequest, message: "Schedule: \(error.message)")
                }
                guard schedule.next(after: settings.now()) != nil else {
                    throw HTTPError(.badRequest, message: "Schedule: \(expression) is never due; check the day fields")
                }
                _ = try await team.setSchedule(schedule.expression, timeZone: zone, repository: id)
                try await audit(
                    "repository.schedule", "schedule of repository \(repository.name) set to \(schedule)", context)
            }
            return .redirect(to: "/repositories")
        }
    }

    /// Queues the runs whose schedules came due by `now`: one per repository, for the latest due time missed.
    @discardableResult
    func queueDueRuns(at now: Date) async throws -> [RunRequest] {
        var queued: [RunRequest] = []
        var defaults: (provider: String, maxIssues: Int)?
        for repository in try await team.repositories() {
            guard let id = repository.id, let expression = repository.schedule,
                let schedule = try? CronSchedule(expression, timeZone: repository.scheduleTimeZone ?? "UTC")
            else { continue }
            let since = repository.lastScheduledAt ?? repository.createdAt
            guard var due = schedule.next(after: since), due <= now else { continue }
            // Missed due times (the server was down) make one run, for the latest of them.
            while let later = schedule.next(after: due), later <= now { due = later }
            // Read once a tick, and only when a run is due.
            if defaults == nil { defaults = try await runDefaults() }
            guard let settled = defaults else { continue }
            guard
                let request = try await team.queueScheduledRun(
                    repository: id, due: due, previous: repository.lastScheduledAt, maxIssues: settled.maxIssues,
                    provider: settled.provider)
            else { continue }
            try await team.audit(
                "run.schedule", target: "run \(request.id ?? 0) of repository \(repository.name), due \(due)",
                actor: "schedule", address: nil)
            await coordinator.queued(request)
            queued.append(request)
        }
        return queued
    }
}

/// Looks for due scheduled runs every `interval` until the server shuts down.
struct ScheduleTicker: Service {
    let interval: Duration
    let tick: @Sendable () async -> Void

    /// The leader role of the server that ticks.
    static let role = "schedules"

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await tick()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
