import Foundation
import Logging

/// Paces requests to one forge account: obeys primary and secondary rate limits and serialises content-creating
/// requests, for every tracker that shares it.
///
/// GitHub's guidance, which the other forges' limits are a subset of: stop when `x-ratelimit-remaining` is 0 until
/// `x-ratelimit-reset`; after a secondary limit (403/429) wait `retry-after` seconds, or at least a minute and then
/// exponentially longer; send POST/PATCH/PUT/DELETE one at a time with a pause between them. Time comes from an
/// injected clock and date source, so tests can assert waits without sleeping.
public actor RequestPacer {
    /// How patient the pacer is.
    public struct Configuration: Sendable {
        /// The pause between two content-creating requests (GitHub asks for at least one second).
        public var contentCreationInterval: Duration
        /// The first wait after a secondary limit without `retry-after` (GitHub: at least one minute); it doubles
        /// with each further consecutive limit.
        public var secondaryLimitWait: Duration
        /// The longest single wait; a limit that needs longer throws ``TrackerError/Code/rateLimited``.
        public var maximumWait: Duration
        /// How many rate-limit responses in a row a request retries before giving up.
        public var maximumRateLimitRetries: Int
        /// How many times an idempotent request is retried after a 5xx or a network failure.
        public var serverErrorRetries: Int
        /// The first pause before such a retry; it doubles with each attempt.
        public var serverErrorBackoff: Duration
        /// Extra time after a primary limit's reset, since the reset is given in whole seconds.
        public var resetMargin: Duration

        /// Creates a configuration; the defaults follow GitHub's documented guidance.
        public init(
            contentCreationInterval: Duration = .seconds(1), secondaryLimitWait: Duration = .seconds(60),
            maximumWait: Duration = .seconds(15 * 60), maximumRateLimitRetries: Int = 5, serverErrorRetries: Int = 3,
            serverErrorBackoff: Duration = .seconds(1), resetMargin: Duration = .milliseconds(500)
        ) {
            self.contentCreationInterval = contentCreationInterval
            self.secondaryLimitWait = secondaryLimitWait
            self.maximumWait = maximumWait
            self.maximumRateLimitRetries = maximumRateLimitRetries
            self.serverErrorRetries = serverErrorRetries
            self.serverErrorBackoff = serverErrorBackoff
            self.resetMargin = resetMargin
        }
    }

    /// The configuration.
    public nonisolated let configuration: Configuration
    private let sleeper: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let onWait: (@Sendable (_ until: Date, _ reason: String) -> Void)?

    /// Remaining requests and reset time per rate-limit resource (`core`, `search` …).
    private var buckets: [String: (remaining: Int, reset: Date)] = [:]
    /// Set by a secondary limit: nobody sends before this.
    private var pausedUntil: Date?
    private var consecutiveLimits = 0
    private var contentBusy = false
    private var contentWaiters: [CheckedContinuation<Void, Never>] = []
    private var lastContentFinished: Date?

    /// Creates a pacer that sleeps on `clock`; `now` tells the wall-clock time that rate-limit resets are given
    /// in, and must advance with `clock`.
    /// `onWait` hears of every wait for a rate limit, with when it ends and why, before the wait starts.
    public init(
        configuration: Configuration = Configuration(), clock: some Clock<Duration>,
        now: @escaping @Sendable () -> Date, logger: Logger = Logger(label: "ticket-master.trackers"),
        onWait: (@Sendable (_ until: Date, _ reason: String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.sleeper = { try await clock.sleep(for: $0) }
        self.now = now
        self.logger = logger
        self.onWait = onWait
    }

    /// Creates a pacer that sleeps in real time.
    public init(
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "ticket-master.trackers"),
        onWait: (@Sendable (_ until: Date, _ reason: String) -> Void)? = nil
    ) {
        self.init(
            configuration: configuration, clock: ContinuousClock(), now: { Date() }, logger: logger, onWait: onWait)
    }

    /// Waits until a request against `resource` may be sent: past any secondary-limit pause and, when the
    /// resource's quota is spent, past its reset.
    func awaitTurn(resource: String) async throws {
        if let pausedUntil, pausedUntil > now() {
            try await sleep(for: duration(until: pausedUntil))
        }
        if let bucket = buckets[resource], bucket.remaining <= 0 {
            let wait = duration(until: bucket.reset) + configuration.resetMargin
            if wait > .zero {
                try checkWait(wait, retryAt: bucket.reset, reason: "the \(resource) rate limit is spent")
                logger.notice(
                    "rate limit spent; waiting until it resets",
                    metadata: ["resource": "\(resource)", "seconds": "\(wait.components.seconds)"])
                onWait?(bucket.reset, "the \(resource) rate limit is spent")
                try await sleep(for: wait)
            }
            buckets[resource] = nil
        }
    }

    /// Notes the quota a response reports.
    func record(_ limits: RateLimitHeaders) {
        guard let remaining = limits.remaining, let reset = limits.reset else { return }
        buckets[limits.resource ?? "core"] = (remaining, reset)
    }

    /// Notes a response that was not a rate limit, which ends any back-off.
    func recordSuccess() {
        consecutiveLimits = 0
    }

    /// After a rate-limit response: how long to wait before retrying, having paused every request for that long;
    /// throws ``TrackerError/Code/rateLimited`` when the wait would exceed ``Configuration/maximumWait`` or too
    /// many limits came in a row.
    func waitAfterRateLimit(_ limits: RateLimitHeaders, status: Int) async throws {
        consecutiveLimits += 1
        let wait: Duration
        var retryAt: Date?
        let kind: String
        if let retryAfter = limits.retryAfter {
            wait = retryAfter
            kind = "secondary rate limit (retry-after)"
        } else if limits.remaining == 0, let reset = limits.reset {
            wait = max(duration(until: reset), .zero) + configuration.resetMargin
            retryAt = reset
            kind = "primary rate limit"
        } else {
            // No hint: GitHub asks for at least a minute, then exponentially longer.
            let exponent = min(consecutiveLimits - 1, 16)
            wait = configuration.secondaryLimitWait * (1 << exponent)
            kind = "secondary rate limit"
        }
        let resumeAt = retryAt ?? now().addingTimeInterval(Self.seconds(wait))
        guard consecutiveLimits <= configuration.maximumRateLimitRetries else {
            throw TrackerError(
                .rateLimited,
                "still rate limited after \(consecutiveLimits - 1) waits (\(kind), HTTP \(status)); "
                    + "try again after \(Self.format(resumeAt))",
                status: status, retryAt: resumeAt)
        }
        try checkWait(wait, retryAt: resumeAt, reason: "of a \(kind) (HTTP \(status))")
        pausedUntil = max(pausedUntil ?? resumeAt, resumeAt)
        onWait?(resumeAt, "\(kind) (HTTP \(status))")
        logger.notice(
            "rate limited; waiting before retrying",
            metadata: ["kind": "\(kind)", "seconds": "\(Self.seconds(wait))", "attempt": "\(consecutiveLimits)"])
        try await sleep(for: wait)
    }

    /// Waits before retry `attempt` (1, 2 …) of a request that failed with a 5xx or a network error, or returns
    /// false when retries are used up.
    func waitBeforeServerRetry(attempt: Int) async throws -> Bool {
        guard attempt <= configuration.serverErrorRetries else { return false }
        try await sleep(for: configuration.serverErrorBackoff * (1 << min(attempt - 1, 16)))
        return true
    }

    /// Takes the single content-creation slot, waiting for the request before it and the pause after it.
    func acquireContentSlot() async throws {
        if contentBusy {
            await withCheckedContinuation { contentWaiters.append($0) }
        } else {
            contentBusy = true
        }
        if let lastContentFinished {
            let wait = duration(
                until: lastContentFinished.addingTimeInterval(
                    Self.seconds(
                        configuration.contentCreationInterval)))
            if wait > .zero {
                do { try await sleep(for: wait) } catch {
                    releaseContentSlot()
                    throw error
                }
            }
        }
    }

    /// Gives the content-creation slot to the next waiter.
    func releaseContentSlot() {
        lastContentFinished = now()
        if contentWaiters.isEmpty {
            contentBusy = false
        } else {
            contentWaiters.removeFirst().resume()
        }
    }

    private func checkWait(_ wait: Duration, retryAt: Date, reason: String) throws {
        guard wait <= configuration.maximumWait else {
            throw TrackerError(
                .rateLimited,
                "stopped because \(reason): it resets at \(Self.format(retryAt)), later than the "
                    + "\(configuration.maximumWait.components.seconds) s this run may wait; run again after that",
                retryAt: retryAt)
        }
    }

    private func sleep(for duration: Duration) async throws {
        try await sleeper(duration)
    }

    private func duration(until date: Date) -> Duration {
        .milliseconds(Int64((date.timeIntervalSince(now()) * 1000).rounded(.up)))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

/// The rate-limit headers of one response (GitHub's `x-ratelimit-*`, GitLab's `ratelimit-*`, `retry-after`).
struct RateLimitHeaders: Sendable {
    var remaining: Int?
    var reset: Date?
    var resource: String?
    var retryAfter: Duration?

    init(remaining: Int? = nil, reset: Date? = nil, resource: String? = nil, retryAfter: Duration? = nil) {
        self.remaining = remaining
        self.reset = reset
        self.resource = resource
        self.retryAfter = retryAfter
    }

    init(header: (String) -> String?) {
        remaining = (header("x-ratelimit-remaining") ?? header("ratelimit-remaining")).flatMap { Int($0) }
        reset = (header("x-ratelimit-reset") ?? header("ratelimit-reset")).flatMap { TimeInterval($0) }.map {
            Date(timeIntervalSince1970: $0)
        }
        resource = header("x-ratelimit-resource")
        if let value = header("retry-after"), let seconds = Double(value.trimmingCharacters(in: .whitespaces)) {
            retryAfter = .milliseconds(Int64(seconds * 1000))
        }
    }
}
