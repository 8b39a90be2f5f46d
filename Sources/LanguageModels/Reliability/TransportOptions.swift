import Logging

/// How providers talk HTTP: timeouts, retries, and the clock and randomness that retries use.
///
/// Tests inject a clock that records waits instead of sleeping and a fixed random fraction, so back-off timing is
/// checked exactly and instantly.
public struct TransportOptions: Sendable {
    /// Connect, idle and request timeouts.
    public var timeouts: Timeouts
    /// When and how long to wait before trying again.
    public var retryPolicy: RetryPolicy
    /// What waits between retries sleep on.
    public var clock: any Clock<Duration>
    /// Returns a number in `0..<1` for each jittered wait.
    public var randomFraction: @Sendable () -> Double
    /// Where requests, retries and failures are logged; never with secrets.
    public var logger: Logger

    /// Creates options.
    public init(
        timeouts: Timeouts = .standard, retryPolicy: RetryPolicy = .standard,
        clock: any Clock<Duration> = ContinuousClock(),
        randomFraction: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "ticket-master.language-models")
    ) {
        self.timeouts = timeouts
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.randomFraction = randomFraction
        self.logger = logger
    }
}
