import Foundation
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

/// The queues behind the `JobQueue` seam.
enum QueueKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// The kinds this machine can test: PostgreSQL only with a test server (see `PostgresTestDatabase`).
    static let available: [QueueKind] = allCases.filter { $0 != .postgres || PostgresTestDatabase.isAvailable }
}

/// A queue on a new database, and more queues on the same one, as other processes would open them.
///
/// Time passes with `advance`: on SQLite through the queues' clock, which is otherwise stopped unless `realTime`, so
/// that a loaded machine's stalls change nothing; on PostgreSQL, whose times are the server's, by waiting, so
/// durations there are ten seconds and more.
struct QueueFixture {
    let folder: TemporaryFolder
    let kind: QueueKind
    let database: PostgresTestDatabase?
    let timing: JobTiming
    private let offset = Offset()

    private let start: Date?

    init(
        _ kind: QueueKind, timing: JobTiming = JobTiming(pollInterval: .milliseconds(200)), realTime: Bool = false
    ) async throws {
        folder = try TemporaryFolder()
        self.kind = kind
        self.timing = timing
        // PostgreSQL's time is the server's, which never stops.
        start = realTime || kind == .postgres ? nil : Date()
        database = kind == .postgres ? try await PostgresTestDatabase.make() : nil
    }

    /// The queues' time now.
    func now() -> Date { (start ?? Date()).addingTimeInterval(offset.seconds.withLock { $0 }) }

    /// Lets `seconds` pass for every queue of the fixture.
    func advance(_ seconds: TimeInterval) async throws {
        switch kind {
        case .sqlite: offset.seconds.withLock { $0 += seconds }
        case .postgres: try await Task.sleep(for: .seconds(seconds))
        }
    }

    /// Another queue on the same database, with connections of its own.
    func open() async throws -> any JobQueue {
        switch kind {
        case .sqlite:
            let offset = offset
            let start = start
            return SQLiteJobQueue(
                history: try SQLiteHistoryStore(path: folder.path("queue.sqlite")), timing: timing,
                now: { (start ?? Date()).addingTimeInterval(offset.seconds.withLock { $0 }) })
        case .postgres:
            let queue = PostgresJobQueue(
                store: try await PostgresHistoryStore(location: try #require(database).location), timing: timing)
            // The pool's first connection (a SCRAM handshake, slow in a debug build on a busy machine) is made
            // here, not inside a timed lease.
            _ = try await queue.jobs(limit: 1)
            return queue
        }
    }
}

/// How far the SQLite queues' clock is ahead of the real one.
final class Offset: Sendable {
    let seconds = Mutex<TimeInterval>(0)
}

@Suite("JobQueue contract")
struct JobQueueContractTests {
    @Test(
        "due jobs of the asked kinds are claimed oldest first, once; completing needs the lease",
        arguments: QueueKind.available)
    func claimAndComplete(kind: QueueKind) async throws {
        let queue = try await QueueFixture(kind).open()
        let first = try #require(try await queue.enqueue(JobRequest(kind: "suggest", payload: #"{"run":1}"#)))
        let second = try #require(try await queue.enqueue(JobRequest(kind: "suggest", payload: #"{"run":2}"#)))
        _ = try await queue.enqueue(JobRequest(kind: "file", payload: "{}"))
        _ = try await queue.enqueue(
            JobRequest(kind: "suggest", payload: "{}", runAt: Date().addingTimeInterval(3600)))

        let claimed = try await queue.claim(worker: "a", kinds: ["suggest"], limit: 5)
        #expect(claimed.map(\.id) == [first, second])
        #expect(claimed.map(\.attempt) == [1, 1] && claimed[0].payload == #"{"run":1}"#)
        #expect(try await queue.claim(worker: "b", kinds: ["suggest"], limit: 5).isEmpty)

        #expect(try await !queue.complete(first, worker: "b"), "only the holder completes a job")
        #expect(try await queue.complete(first, worker: "a"))
        #expect(try await !queue.complete(first, worker: "a"), "a job completes once")
        let record = try #require(try await queue.job(first))
        #expect(record.state == .completed && record.lockedBy == nil && record.finishedAt != nil)
        #expect(try await queue.jobs(limit: 10).map(\.state) == [.available, .available, .running, .completed])
    }

    @Test("a unique key makes enqueueing idempotent", arguments: QueueKind.available)
    func uniqueKey(kind: QueueKind) async throws {
        let queue = try await QueueFixture(kind).open()
        let request = JobRequest(kind: "suggest", payload: "{}", uniqueKey: "schedule:3:2026-12-07T09:00Z")
        #expect(try await queue.enqueue(request) != nil)
        #expect(try await queue.enqueue(request) == nil)
        #expect(try await queue.jobs(limit: 10).count == 1)
    }

    @Test(
        "a failed attempt is retried after a back-off, then discarded with every error kept",
        arguments: QueueKind.available)
    func retries(kind: QueueKind) async throws {
        let timing = JobTiming(backoffBase: .seconds(8), backoffCap: .seconds(60))
        let fixture = try await QueueFixture(kind, timing: timing)
        let queue = try await fixture.open()
        let id = try #require(try await queue.enqueue(JobRequest(kind: "file", payload: "{}", maxAttempts: 2)))

        _ = try await queue.claim(worker: "a", kinds: ["file"], limit: 1)
        guard case .retry(let due) = try await queue.fail(id, worker: "a", error: "tracker answered 502", retry: true)
        else {
            Issue.record("the first failure should be retried")
            return
        }
        // Eight seconds, less or more by a quarter.
        #expect(due > fixture.now() && due < fixture.now().addingTimeInterval(10.5))
        #expect(try await queue.claim(worker: "a", kinds: ["file"], limit: 1).isEmpty, "not due before the back-off")
        #expect(try await queue.fail(id, worker: "a", error: "again", retry: true) == .notHeld)

        try await fixture.advance(10.5)
        let again = try await queue.claim(worker: "b", kinds: ["file"], limit: 1)
        #expect(again.map(\.attempt) == [2])
        #expect(try await queue.fail(id, worker: "b", error: "tracker answered 503", retry: true) == .discarded)
        let record = try #require(try await queue.job(id))
        #expect(record.state == .discarded && record.finishedAt != nil)
        #expect(record.errors.map(\.error) == ["tracker answered 502", "tracker answered 503"])
        #expect(record.errors.map(\.attempt) == [1, 2])
    }

    @Test("a failure that retrying cannot mend discards the job at once", arguments: QueueKind.available)
    func notRetryable(kind: QueueKind) async throws {
        let queue = try await QueueFixture(kind).open()
        let id = try #require(try await queue.enqueue(JobRequest(kind: "suggest", payload: "{}", maxAttempts: 5)))
        _ = try await queue.claim(worker: "a", kinds: ["suggest"], limit: 1)
        #expect(try await queue.fail(id, worker: "a", error: "no such repository", retry: false) == .discarded)
        #expect(try await queue.job(id)?.attempt == 1)
    }

    @Test(
        "a job whose worker stops sending heartbeats is rescued, and the old holder is fenced off",
        arguments: QueueKind.available)
    func rescue(kind: QueueKind) async throws {
        let fixture = try await QueueFixture(kind, timing: JobTiming(leaseTimeout: .seconds(10)))
        let queue = try await fixture.open()
        let other = try await fixture.open()
        let id = try #require(try await queue.enqueue(JobRequest(kind: "suggest", payload: "{}")))
        let last = try #require(try await queue.enqueue(JobRequest(kind: "suggest", payload: "{}", maxAttempts: 1)))
        _ = try await queue.claim(worker: "stalled", kinds: ["suggest"], limit: 2)
        #expect(try await other.maintain() == JobMaintenance(), "a fresh lease is left alone")
        #expect(try await queue.heartbeat([id, last], worker: "stalled") == [id, last])

        try await fixture.advance(11)
        let done = try await other.maintain()
        #expect(done.rescued == [id] && done.discarded == [last])
        #expect(try await queue.heartbeat([id], worker: "stalled").isEmpty)
        let again = try await other.claim(worker: "fresh", kinds: ["suggest"], limit: 2)
        #expect(again.map(\.id) == [id] && again.map(\.attempt) == [2])
        #expect(try await !queue.complete(id, worker: "stalled"))
        #expect(try await queue.fail(id, worker: "stalled", error: "late", retry: true) == .notHeld)
        #expect(try await other.complete(id, worker: "fresh"))
        #expect(try await queue.job(id)?.errors.map(\.error) == ["stalled stopped sending heartbeats"])
    }

    @Test("a released job is due again at once and its attempt is not counted", arguments: QueueKind.available)
    func release(kind: QueueKind) async throws {
        let queue = try await QueueFixture(kind).open()
        let id = try #require(try await queue.enqueue(JobRequest(kind: "file", payload: "{}", maxAttempts: 1)))
        _ = try await queue.claim(worker: "a", kinds: ["file"], limit: 1)
        #expect(try await !queue.release(id, worker: "b"))
        #expect(try await queue.release(id, worker: "a"))
        #expect(try await queue.claim(worker: "b", kinds: ["file"], limit: 1).map(\.attempt) == [1])
    }

    @Test("one process leads a role until its lease lapses; the leader renews its own", arguments: QueueKind.available)
    func leadership(kind: QueueKind) async throws {
        let fixture = try await QueueFixture(kind)
        let queue = try await fixture.open()
        let other = try await fixture.open()
        #expect(try await queue.lead("maintenance", holder: "a", for: .seconds(10)))
        #expect(try await !other.lead("maintenance", holder: "b", for: .seconds(10)))
        #expect(try await queue.lead("maintenance", holder: "a", for: .seconds(10)))
        #expect(try await other.lead("schedules", holder: "b", for: .seconds(60)), "roles are led separately")
        try await fixture.advance(11)
        #expect(try await other.lead("maintenance", holder: "b", for: .seconds(60)))
        #expect(try await !queue.lead("maintenance", holder: "a", for: .seconds(60)))
        #expect(try await other.lead("maintenance", holder: "b", for: .zero), "a lease of no length hands it on")
        #expect(try await queue.lead("maintenance", holder: "a", for: .seconds(60)))
    }

    @Test("finished jobs are pruned after the time they are kept", arguments: QueueKind.available)
    func prune(kind: QueueKind) async throws {
        let fixture = try await QueueFixture(kind, timing: JobTiming(keepFinished: .seconds(1)))
        let queue = try await fixture.open()
        let done = try #require(try await queue.enqueue(JobRequest(kind: "file", payload: "{}")))
        let waiting = try #require(try await queue.enqueue(JobRequest(kind: "other", payload: "{}")))
        _ = try await queue.claim(worker: "a", kinds: ["file"], limit: 1)
        _ = try await queue.complete(done, worker: "a")
        try await fixture.advance(2)
        #expect(try await queue.maintain().pruned == 1)
        #expect(try await queue.jobs(limit: 10).map(\.id) == [waiting])
    }

    @Test("the back-off doubles per attempt up to its cap, with jitter of a quarter either way")
    func backoff() {
        let timing = JobTiming(backoffBase: .seconds(10), backoffCap: .seconds(60))
        #expect(timing.backoff(afterAttempt: 1, jitter: 0.5) == 10)
        #expect(timing.backoff(afterAttempt: 2, jitter: 0.5) == 20)
        #expect(timing.backoff(afterAttempt: 3, jitter: 0) == 30)
        #expect(timing.backoff(afterAttempt: 9, jitter: 0.5) == 60)
        #expect(timing.backoff(afterAttempt: 1, jitter: 0.999) < 12.5)
    }
}
