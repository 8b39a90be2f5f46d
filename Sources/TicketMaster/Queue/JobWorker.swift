import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs jobs from a queue until its task is cancelled: claims as many as it has room for, renews their leases,
/// records how each attempt ended, and does the queue's maintenance while it leads.
///
/// A handler that returns has done its job. One that throws a ``JobError`` with `retryable: false` fails it for
/// good; any other error is retried after the queue's back-off while attempts remain. When the worker stops, the
/// running handlers are cancelled: one that ends by throwing `CancellationError` gives its job back to run again,
/// one that returns (having recorded that it was interrupted) completes it.
public actor JobWorker {
    /// Does one job.
    public typealias Handler = @Sendable (ClaimedJob) async throws -> Void

    /// This worker's name in the jobs it holds: the machine, the process and a random part.
    public nonisolated let name: String
    private let queue: any JobQueue
    private let handlers: [String: Handler]
    private let concurrency: Int
    private let logger: Logger
    private var running: [Int64: Task<Void, Never>] = [:]
    private var stopping = false
    private let finished = Doorbell()
    private var lastLeadership: ContinuousClock.Instant?

    /// The role whose leader runs the maintenance.
    static let maintenanceRole = "maintenance"

    /// A worker running up to `concurrency` jobs at once, of the kinds `handlers` names.
    public init(
        queue: any JobQueue, handlers: [String: Handler], concurrency: Int = 1, name: String? = nil,
        logger: Logger = Logger(label: "worker")
    ) {
        self.queue = queue
        self.handlers = handlers
        self.concurrency = max(1, concurrency)
        self.name = name ?? Self.defaultName()
        self.logger = logger
    }

    /// `host#pid#random`: unique among the processes sharing a database, and telling a person where a job ran.
    public static func defaultName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        return "\(host)#\(getpid())#\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// Works until the task is cancelled, then stops the running jobs and waits until each has recorded how it
    /// ended.
    public func run() async {
        let heartbeats = Task { await self.sendHeartbeats() }
        while !Task.isCancelled {
            await maintainIfLeading()
            var claimed: [ClaimedJob] = []
            let room = concurrency - running.count
            if room > 0 {
                do {
                    claimed = try await queue.claim(worker: name, kinds: handlers.keys.sorted(), limit: room)
                } catch is CancellationError {
                    // Stopping: the loop ends and the running jobs are handed back below.
                } catch {
                    logger.error("cannot claim jobs: \(TicketMasterError.categorized(error)?.message ?? "\(error)")")
                }
            }
            for job in claimed { start(job) }
            if claimed.isEmpty || running.count >= concurrency { await waitForWork() }
        }
        heartbeats.cancel()
        stopping = true
        let tasks = Array(running.values)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await queue.resign(Self.maintenanceRole, holder: name)
    }

    /// How many jobs run now.
    public var runningCount: Int { running.count }

    private func start(_ job: ClaimedJob) {
        guard let handler = handlers[job.kind] else { return }
        logger.debug("job \(job.id) (\(job.kind)) attempt \(job.attempt) of \(job.maxAttempts)")
        running[job.id] = Task {
            let outcome: Result<Void, any Error>
            do {
                try await handler(job)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            // Recorded outside the job's task, which may be cancelled: the database refuses work from a cancelled
            // task.
            await Task { await self.record(job, outcome) }.value
        }
    }

    private func record(_ job: ClaimedJob, _ outcome: Result<Void, any Error>) async {
        running[job.id] = nil
        await finished.ring()
        do {
            switch outcome {
            case .success:
                if try await !queue.complete(job.id, worker: name) {
                    logger.warning("job \(job.id) finished after its lease was lost; another worker may repeat it")
                }
            case .failure(let error) where error is CancellationError:
                // Stopped by a shutdown: run it again later, without counting the attempt. A job cancelled because
                // its lease was lost is another worker's now.
                if stopping { _ = try await queue.release(job.id, worker: name) }
            case .failure(let error):
                let failure = error as? JobError
                let message = failure?.message ?? TicketMasterError.categorized(error)?.message ?? "\(error)"
                switch try await queue.fail(job.id, worker: name, error: message, retry: failure?.retryable ?? true) {
                case .retry(let due):
                    logger.warning(
                        "job \(job.id) (\(job.kind)) attempt \(job.attempt) failed: \(message); retrying at \(due)")
                case .discarded:
                    logger.error("job \(job.id) (\(job.kind)) failed for good: \(message)")
                case .notHeld:
                    logger.warning("job \(job.id) failed after its lease was lost: \(message)")
                }
            }
        } catch {
            logger.error(
                "cannot record how job \(job.id) ended: \(TicketMasterError.categorized(error)?.message ?? "\(error)")")
        }
    }

    /// Waits for a notification, a finished job, or the poll interval.
    private func waitForWork() async {
        let queue = queue
        let finished = finished
        let poll = queue.timing.pollInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.waitForJobs(upTo: poll) }
            group.addTask { await finished.wait(upTo: poll) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Renews the leases of the running jobs; cancels a job whose lease the leader took back (the process stalled
    /// for longer than the lease), since another worker may be running it now.
    private func sendHeartbeats() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: queue.timing.heartbeatInterval)
            let ids = Array(running.keys)
            guard !ids.isEmpty, !Task.isCancelled else { continue }
            do {
                let held = try await queue.heartbeat(ids, worker: name)
                for id in ids where !held.contains(id) {
                    logger.warning("job \(id) lost its lease; stopping it")
                    running[id]?.cancel()
                }
            } catch {
                logger.error("cannot renew job leases: \(TicketMasterError.categorized(error)?.message ?? "\(error)")")
            }
        }
    }

    /// Every half lease, takes or renews the maintenance lease; the leader rescues jobs whose worker stopped and
    /// prunes old finished ones.
    private func maintainIfLeading() async {
        let timing = queue.timing
        let now = ContinuousClock.now
        if let last = lastLeadership, now - last < timing.leaseTimeout / 2 { return }
        lastLeadership = now
        do {
            guard try await queue.lead(Self.maintenanceRole, holder: name, for: timing.leaseTimeout) else { return }
            let done = try await queue.maintain()
            if !done.rescued.isEmpty || !done.discarded.isEmpty {
                logger.warning(
                    "rescued \(done.rescued.count) job(s) and discarded \(done.discarded.count) whose worker stopped")
            }
        } catch {
            logger.error("queue maintenance failed: \(TicketMasterError.categorized(error)?.message ?? "\(error)")")
        }
    }
}

/// A job's failure that says whether retrying can help.
public struct JobError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the job's record and the log.
    public var message: String
    /// Whether another attempt may succeed (a network failure) or not (a repository that does not exist).
    public var retryable: Bool

    /// A failure saying whether another attempt may succeed.
    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    /// The message.
    public var description: String { message }
}
