import Foundation
import Synchronization

/// A clock for rate-limit tests: sleeping returns at once, advancing the clock and recording how long was asked
/// for, so a test can assert a 60-second back-off without waiting a minute.
public final class TrackerTestClock: Clock, Sendable {
    /// A moment on this clock.
    public struct Instant: InstantProtocol {
        /// Time since the clock was made.
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleeps: [Duration] = []
    }

    private let state = Mutex(State())
    private let start: Date

    /// Creates a clock whose wall-clock date starts at `start`.
    public init(start: Date = Date()) {
        self.start = start
    }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// The wall-clock date, advanced by every sleep: pass `{ clock.date }` as a pacer's `now`.
    public var date: Date {
        let offset = now.offset.components
        return start.addingTimeInterval(Double(offset.seconds) + Double(offset.attoseconds) / 1e18)
    }

    /// Every sleep asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            let duration = state.now.duration(to: deadline)
            if duration > .zero {
                state.sleeps.append(duration)
                state.now = deadline
            }
        }
        await Task.yield()
    }
}
