import Foundation
import TicketMaster

/// The events of the runs this server is running or ran since it started, numbered from 1, for any number of
/// watchers: each gets what it missed (after the `Last-Event-ID` it names), then every new event, in order.
actor RunBroadcast {
    private struct Channel {
        var events: [RunEvent] = []
        var open = true
        var watchers: [UUID: AsyncStream<(Int, RunEvent)>.Continuation] = [:]
    }

    private var channels: [Int64: Channel] = [:]
    /// At most this many events are kept per run; progress ticks beyond it are dropped.
    private let limit = 20_000

    /// Starts, or starts again (filing after drafting), the channel of run request `id`.
    func open(_ id: Int64) {
        channels[id, default: Channel()].open = true
    }

    /// Adds `event` to run request `id`'s channel and hands it to its watchers.
    func publish(_ event: RunEvent, to id: Int64) {
        guard var channel = channels[id] else { return }
        if channel.events.count >= limit, event.isProgress { return }
        channel.events.append(event)
        let number = channel.events.count
        for watcher in channel.watchers.values { watcher.yield((number, event)) }
        channels[id] = channel
    }

    /// Ends the current stretch of run request `id`: its watchers' streams finish.
    func close(_ id: Int64) {
        guard var channel = channels[id] else { return }
        channel.open = false
        for watcher in channel.watchers.values { watcher.finish() }
        channel.watchers = [:]
        channels[id] = channel
    }

    /// Whether run request `id` is being run now.
    func isLive(_ id: Int64) -> Bool {
        channels[id]?.open ?? false
    }

    /// The events of run request `id` after number `after`, then, while it runs, each new one; nil when this
    /// server has not run it.
    func watch(_ id: Int64, after: Int) -> AsyncStream<(Int, RunEvent)>? {
        guard var channel = channels[id] else { return nil }
        let (stream, continuation) = AsyncStream.makeStream(of: (Int, RunEvent).self)
        for (offset, event) in channel.events.enumerated() where offset + 1 > after {
            continuation.yield((offset + 1, event))
        }
        guard channel.open else {
            continuation.finish()
            return stream
        }
        let key = UUID()
        channel.watchers[key] = continuation
        channels[id] = channel
        continuation.onTermination = { [weak self] _ in
            Task { await self?.forget(key, of: id) }
        }
        return stream
    }

    private func forget(_ key: UUID, of id: Int64) {
        channels[id]?.watchers[key] = nil
    }
}

extension RunEvent {
    /// A progress tick: shown live, never needed afterwards.
    var isProgress: Bool {
        switch self {
        case .analyzing, .pullingModel, .discovering, .writing: true
        default: false
        }
    }
}
