import Foundation
import Testing

@testable import LanguageModels

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(
        maxAttempts: 5, initialDelay: .seconds(1), maxDelay: .seconds(5), maxRetryAfter: .seconds(30))

    @Test func backOffIsExponentialWithFullJitterUpToTheCap() {
        let halfway = (1...5).map { policy.delay(beforeRetry: $0, retryAfter: nil, randomFraction: 0.5) }
        #expect(halfway == [.milliseconds(500), .seconds(1), .seconds(2), .milliseconds(2500), .milliseconds(2500)])
        #expect(policy.delay(beforeRetry: 3, retryAfter: nil, randomFraction: 0) == .zero)
        #expect(policy.delay(beforeRetry: 3, retryAfter: nil, randomFraction: 0.999)! <= .seconds(4))
    }

    @Test func retryAfterWinsUnlessItIsTooLong() {
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(7), randomFraction: 0.5) == .seconds(7))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(31), randomFraction: 0.5) == nil)
    }

    @Test func parsesRetryAfterSecondsAndHTTPDates() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2015-10-21T07:28:00Z"))
        #expect(RetryAfter.parse("3", now: now) == .seconds(3))
        #expect(RetryAfter.parse(" 1.5 ", now: now) == .milliseconds(1500))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:12 GMT", now: now) == .seconds(12))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-4", now: now) == nil)
    }
}
