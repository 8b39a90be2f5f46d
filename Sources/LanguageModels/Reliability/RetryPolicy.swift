import Foundation

/// When to try a failed request again, and how long to wait first.
///
/// Retries happen on 408, 429, 5xx and connection failures, never on other 4xx (the same request would fail the
/// same way). Waits grow exponentially with *full jitter* — a random wait between zero and the exponential cap —
/// so many clients that failed together do not retry together. A `retry-after` from the server wins over the
/// computed wait; one longer than ``maxRetryAfter`` is not waited for at all, because the caller is better served
/// by a fallback model or a clear error than by a silent pause of minutes.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first one included; 1 means never retry.
    public var maxAttempts: Int
    /// The cap of the first wait; each later cap doubles.
    public var initialDelay: Duration
    /// The largest cap.
    public var maxDelay: Duration
    /// The longest `retry-after` worth waiting for.
    public var maxRetryAfter: Duration

    /// Creates a policy.
    public init(
        maxAttempts: Int = 4, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20),
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Four attempts, waits capped at 0.5 s, 1 s, 2 s; `retry-after` honoured up to a minute.
    public static let standard = RetryPolicy()

    /// A single attempt.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The wait before retry number `retry` (1 for the first retry), or nil when the server's `retryAfter` is
    /// longer than this policy will wait.
    ///
    /// - Parameter randomFraction: a number in `0..<1` that places the wait within its jitter range.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, randomFraction: Double) -> Duration? {
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? max(retryAfter, .zero) : nil
        }
        let exponent = Double(max(0, retry - 1))
        let cap = min(maxDelay, initialDelay * pow(2, exponent))
        return cap * min(max(randomFraction, 0), 1)
    }
}

/// Parsing of the `retry-after` header, which holds either seconds or an HTTP date (RFC 9110 §10.2.3).
enum RetryAfter {
    /// The wait `value` asks for, measured from `now`; nil when the header is malformed.
    static func parse(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64(seconds * 1000))
        }
        guard let date = httpDate(trimmed) else { return nil }
        let interval = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64(interval * 1000))
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form servers must send; the obsolete forms are rare
    /// enough that falling back to the computed back-off is the better answer to them.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
