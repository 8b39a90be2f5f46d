import Foundation
import Logging
import PostgresNIO
import Synchronization
import TicketMaster

/// Where the events of the runs people started go as they happen, and where the event stream reads them: each
/// event numbered from 1 per run request, a watcher getting what it missed (after the `Last-Event-ID` it names),
/// then every new one, in order, until the run's current stretch (drafting, or filing) ends.
///
/// `RunBroadcast` keeps them in this process's memory, for a server that is one process; `PostgresRunFeed` stores
/// them in the database and wakes watchers with `NOTIFY`, so any web node streams any worker's run.
protocol RunFeed: Sendable {
    /// Starts, or starts again (filing after drafting), the stretch of run request `id`.
    func open(_ id: Int64) async
    /// Adds `event` to run request `id`'s events and hands it to its watchers.
    func publish(_ event: RunEvent, to id: Int64) async
    /// Ends the current stretch of run request `id`: its watchers' streams finish.
    func close(_ id: Int64) async
    /// Whether run request `id` is waiting or being worked on.
    func isLive(_ id: Int64) async -> Bool
    /// The events of run request `id` after number `after`, then, while it runs, each new one; nil when none are
    /// kept for it (a run before the feed existed: its history has them).
    func watch(_ id: Int64, after: Int) async -> AsyncStream<(Int, RunEvent)>?
}

extension RunBroadcast: RunFeed {}

/// The run events in the PostgreSQL database (table `run_request_event`): a worker inserts each one with the next
/// number and a `NOTIFY` in the same statement's transaction; a watcher on any web node reads the rows after the
/// last it sent whenever a notification for its run arrives, and every second in case one was missed. A row without
/// a payload marks the end of a stretch. Progress ticks are kept too (a page opened mid-run shows the latest), up to
/// a limit per run.
final class PostgresRunFeed: RunFeed {
    /// The notification channel; the payload is the run request's id.
    static let channel = "ticket_master_run_events"
    /// At most this many events are kept per run; progress ticks beyond it are dropped.
    static let limit = 20_000

    private let store: PostgresHistoryStore
    private let logger: Logger
    private let encoder: JSONEncoder
    /// Watchers of this process, by run request, each with the doorbell its stream waits on.
    private let watchers = Watchers()
    private let listener = Mutex<Task<Void, Never>?>(nil)

    init(store: PostgresHistoryStore, logger: Logger) {
        self.store = store
        self.logger = logger
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
    }

    deinit {
        listener.withLock { $0?.cancel() }
    }

    /// Stops listening for notifications.
    func close() async {
        let task = listener.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    func open(_ id: Int64) async {}

    func publish(_ event: RunEvent, to id: Int64) async {
        guard let data = try? encoder.encode(event) else { return }
        await insert(String(decoding: data, as: UTF8.self), to: id, progress: event.isProgress)
    }

    func close(_ id: Int64) async {
        await insert(nil, to: id, progress: false)
    }

    /// Appends one row (an event, or with nil the end of a stretch) with the next number, and notifies.
    private func insert(_ payload: String?, to id: Int64, progress: Bool) async {
        // One writer per run at a time (a run's jobs never overlap), so the next number is the last plus one; the
        // primary key would refuse a second writer rather than interleave it.
        let limit = progress ? Self.limit : Int.max
        do {
            _ = try await store.transaction { connection in
                try await connection.query(
                    """
                    INSERT INTO run_request_event (run_request_id, number, payload)
                    SELECT \(id), coalesce(max(number), 0) + 1, \(payload) FROM run_request_event
                    WHERE run_request_id = \(id) HAVING count(*) < \(limit)
                    """, logger: self.logger)
                try await connection.query(
                    "SELECT pg_notify(\(Self.channel), \(String(id)))", logger: self.logger)
            }
        } catch {
            logger.warning("could not store an event of run request \(id): \(error)")
        }
    }

    func isLive(_ id: Int64) async -> Bool {
        let rows = try? await store.rows(
            """
            SELECT (SELECT state FROM run_request WHERE id = \(id)) IN ('queued', 'running', 'filing')
            OR EXISTS (SELECT 1 FROM job WHERE kind = \(RunJob.file)
            AND payload = \(Self.payload(id)) AND state IN ('available', 'running'))
            """)
        return (try? rows?.first?.decode(Bool?.self)) == true
    }

    /// The job payload of run request `id`, as `JobRequest` encodes it.
    private static func payload(_ id: Int64) -> String {
        (try? JobRequest(kind: RunJob.file, arguments: RunJob(runRequest: id)).payload) ?? ""
    }

    func watch(_ id: Int64, after: Int) async -> AsyncStream<(Int, RunEvent)>? {
        let live = await isLive(id)
        guard
            let first = try? await store.rows(
                "SELECT count(*) FROM run_request_event WHERE run_request_id = \(id)"
            ).first?.decode(Int.self), first > 0 || live
        else { return nil }
        startListening()
        let key = UUID()
        let doorbell = Doorbell()
        watchers.bells.withLock { $0[id, default: [:]][key] = doorbell }
        let (stream, continuation) = AsyncStream.makeStream(of: (Int, RunEvent).self)
        let task = Task {
            defer {
                watchers.bells.withLock { $0[id]?[key] = nil }
                continuation.finish()
            }
            var last = after
            var ended = false
            var idle = 0
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            while !Task.isCancelled {
                let rows: [PostgresRow]
                do {
                    rows = try await store.rows(
                        """
                        SELECT number, payload FROM run_request_event WHERE run_request_id = \(id)
                        AND number > \(last) ORDER BY number
                        """)
                } catch {
                    return
                }
                for row in rows {
                    guard let (number, payload) = try? row.decode((Int, String?).self) else { continue }
                    last = number
                    // A row without a payload ends a stretch; filing may start another.
                    ended = payload == nil
                    if let payload, let event = try? decoder.decode(RunEvent.self, from: Data(payload.utf8)) {
                        continuation.yield((number, event))
                    }
                }
                if !(await isLive(id)) {
                    // A replay ends at once; a live watch at the end of the stretch, or when a worker that died
                    // wrote no end, after five quiet seconds.
                    if !live || ended { return }
                    idle = rows.isEmpty ? idle + 1 : 0
                    if idle >= 5 { return }
                }
                await doorbell.wait(upTo: .seconds(1))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Holds one connection listening for new events, ringing the watchers of the run each names.
    private func startListening() {
        listener.withLock { task in
            guard task == nil else { return }
            let watchers = watchers
            task = store.listen(on: Self.channel) { payload in
                guard let id = Int64(payload) else { return }
                let bells = watchers.bells.withLock { $0[id].map { Array($0.values) } ?? [] }
                for bell in bells { await bell.ring() }
            }
        }
    }
}

/// The doorbells of a feed's watchers, by run request.
private final class Watchers: Sendable {
    let bells = Mutex<[Int64: [UUID: Doorbell]]>([:])
}
