import AsyncHTTPClient
import Foundation

/// Settings every tracker shares.
public struct TrackerOptions: Sendable {
    /// Sent as `User-Agent` (GitHub rejects requests without one).
    public var userAgent: String
    /// How long one request may take before it counts as failed.
    public var requestTimeout: Duration
    /// How far back closed issues are searched for a fingerprint when search cannot be trusted.
    public var closedIssueLookback: Duration

    /// Creates options.
    public init(
        userAgent: String = "ticket-master", requestTimeout: Duration = .seconds(30),
        closedIssueLookback: Duration = .seconds(180 * 24 * 3600)
    ) {
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        self.closedIssueLookback = closedIssueLookback
    }
}

extension HTTPClient {
    /// The client trackers use unless given one: like `HTTPClient.shared`, but redirects are not followed
    /// automatically, so a token is never sent on to another host, and a connection that cannot be made fails at
    /// once instead of being retried until the request's deadline: the tracker's client decides about retries.
    public static let trackers: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
