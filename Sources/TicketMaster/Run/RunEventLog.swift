import Foundation
import Synchronization

/// The events of one run waiting to be written to history, numbered in the order they happened. Progress ticks
/// (analysis phases, `writing n of m`, pull progress) are shown live but not kept: history keeps what happened.
public final class RunEventLog: Sendable {
    private struct State {
        var pending: [(at: Date, event: RunEvent)] = []
        var next: Int
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> Date

    /// A log whose next event is number `next` (0 for a new run), stamped by `now`.
    public init(next: Int = 0, now: @escaping @Sendable () -> Date = { Date() }) {
        self.state = Mutex(State(next: next))
        self.now = now
    }

    /// Keeps `event` for history, unless it is a progress tick.
    public func append(_ event: RunEvent) {
        switch event {
        case .analyzing, .writing, .pullingModel: return
        default: break
        }
        let at = now()
        state.withLock { $0.pending.append((at, event)) }
    }

    /// The events kept since the last call, as records of run `runId`.
    func take(runId: Int64) -> [RunEventRecord] {
        state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending.map { item in
                defer { state.next += 1 }
                return RunEventRecord(runId: runId, sequence: state.next, at: item.at, event: item.event)
            }
        }
    }

    /// `events`, with each one also kept here.
    public func recording(_ events: RunEvents) -> RunEvents {
        RunEvents { event in
            self.append(event)
            events(event)
        }
    }
}
