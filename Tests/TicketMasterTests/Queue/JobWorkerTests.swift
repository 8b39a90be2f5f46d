import Foundation
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("JobWorker")
struct JobWorkerTests {
    /// Runs `worker` until `done` holds (checked every 50 ms, for at most `limit`), then stops it.
    private static func run(_ worker: JobWorker, until done: @escaping @Sendable () async throws -> Bool) async throws {
        let task = Task { await worker.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while try await !done(), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        task.cancel()
        await task.value
    }

    @Test(
        "handlers that return complete their jobs; errors are retried, or discarded when not retryable",
        arguments: QueueKind.available)
    func outcomes(kind: QueueKind) async throws {
        let queue = try await QueueFixture(
            kind, timing: JobTiming(backoffBase: .milliseconds(100), pollInterval: .milliseconds(100)), realTime: true
        ).open()
        let ok = try #require(try await queue.enqueue(JobRequest(kind: "work", payload: #"{"n":1}"#)))
        let flaky = try #require(try await queue.enqueue(JobRequest(kind: "work", payload: #"{"n":2}"#)))
        let broken = try #require(try await queue.enqueue(JobRequest(kind: "work", payload: #"{"n":3}"#)))
        let attempts = Mutex<[Int64: Int]>([:])
        let worker = JobWorker(
            queue: queue,
            handlers: [
                "work": { job in
                    attempts.withLock { $0[job.id, default: 0] += 1 }
                    struct Arguments: Decodable { var n: Int }
                    switch try job.arguments(Arguments.self).n {
                    case 2 where job.attempt == 1: throw JobError("the tracker answered 502", retryable: true)
                    case 3: throw JobError("the repository does not exist", retryable: false)
                    default: break
                    }
                }
            ], concurrency: 2)
        try await Self.run(worker) {
            try await [ok, flaky, broken].asyncAllFinished(in: queue)
        }
        #expect(try await queue.job(ok)?.state == .completed)
        #expect(try await queue.job(flaky)?.state == .completed)
        #expect(try await queue.job(flaky)?.errors.map(\.error) == ["the tracker answered 502"])
        #expect(try await queue.job(broken)?.state == .discarded)
        #expect(attempts.withLock { $0 } == [ok: 1, flaky: 2, broken: 1])
    }

    @Test(
        "stopping the worker gives back a job whose handler was cancelled, and completes one that recorded the interruption",
        arguments: QueueKind.available)
    func shutdown(kind: QueueKind) async throws {
        let queue = try await QueueFixture(kind, realTime: true).open()
        let given = try #require(try await queue.enqueue(JobRequest(kind: "wait", payload: "{}", maxAttempts: 1)))
        let recorded = try #require(try await queue.enqueue(JobRequest(kind: "record", payload: "{}")))
        let started = Mutex(0)
        let worker = JobWorker(
            queue: queue,
            handlers: [
                "wait": { _ in
                    started.withLock { $0 += 1 }
                    try await Task.sleep(for: .seconds(3600))
                },
                "record": { _ in
                    started.withLock { $0 += 1 }
                    // A run marks itself interrupted and returns.
                    try? await Task.sleep(for: .seconds(3600))
                },
            ], concurrency: 2)
        try await Self.run(worker) { started.withLock { $0 } == 2 }
        let back = try #require(try await queue.job(given))
        #expect(back.state == .available && back.attempt == 0 && back.lockedBy == nil)
        #expect(try await queue.job(recorded)?.state == .completed)
    }

    @Test(
        "a job added by another process wakes an idle worker at once through LISTEN/NOTIFY",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func notification() async throws {
        let fixture = try await QueueFixture(.postgres, timing: JobTiming(pollInterval: .seconds(120)))
        let queue = try await fixture.open()
        let other = try await fixture.open()
        let ran = Mutex<[Int64]>([])
        let worker = JobWorker(queue: queue, handlers: ["work": { job in ran.withLock { $0.append(job.id) } }])
        let task = Task { await worker.run() }
        // The worker's first claim finds nothing; it then listens, and polls only every two minutes.
        try await Task.sleep(for: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        let id = try #require(try await other.enqueue(JobRequest(kind: "work", payload: "{}")))
        while ran.withLock({ $0.isEmpty }), clock.now - start < .seconds(60) {
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        await task.value
        #expect(ran.withLock { $0 } == [id])
        #expect(clock.now - start < .seconds(30), "woken by the notification, not by the two-minute poll")
    }

    @Test(
        "four workers, each with connections of its own as four processes would have, share 500 jobs: each runs once",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func manyWorkers() async throws {
        let fixture = try await QueueFixture(.postgres, timing: JobTiming(pollInterval: .milliseconds(100)))
        let producer = try await fixture.open()
        var ids: [Int64] = []
        for number in 0..<500 {
            ids.append(try #require(try await producer.enqueue(JobRequest(kind: "work", payload: "{\"n\":\(number)}"))))
        }
        let runs = Mutex<[Int64: [String]]>([:])
        var workers: [JobWorker] = []
        for index in 0..<4 {
            let name = "worker-\(index)"
            workers.append(
                JobWorker(
                    queue: try await fixture.open(),
                    handlers: [
                        "work": { job in
                            runs.withLock { $0[job.id, default: []].append(name) }
                            try await Task.sleep(for: .milliseconds(Int.random(in: 1...5)))
                        }
                    ], concurrency: 2, name: name))
        }
        let tasks = workers.map { worker in Task { await worker.run() } }
        let deadline = ContinuousClock.now + .seconds(120)
        while try await producer.jobs(limit: 1000).contains(where: { $0.state != .completed }),
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        let counted = runs.withLock { $0 }
        #expect(Set(counted.keys) == Set(ids))
        #expect(counted.values.allSatisfy { $0.count == 1 })
        #expect(Set(counted.values.flatMap { $0 }).count == 4, "the work was shared")
        let jobs = try await producer.jobs(limit: 1000)
        #expect(jobs.count == 500 && jobs.allSatisfy { $0.state == .completed && $0.attempt == 1 })
    }
}

extension Array where Element == Int64 {
    /// Whether every job is completed or discarded.
    func asyncAllFinished(in queue: any JobQueue) async throws -> Bool {
        for id in self {
            guard let state = try await queue.job(id)?.state, state == .completed || state == .discarded else {
                return false
            }
        }
        return true
    }
}
