import AsyncHTTPClient
import NIOCore
import Synchronization

/// Process-wide HTTP clients, one per pair of connect and idle timeouts.
///
/// AsyncHTTPClient sets those two timeouts per client, not per request, and a client must be shut down before it
/// is released. Keeping one client per timeout pair for the life of the process (as `HTTPClient.shared` does for
/// its own settings) lets every provider value be a plain struct that nobody has to shut down, while connections
/// to the same server are still pooled. A run configures a handful of timeout pairs at most.
enum HTTPClients {
    private struct Key: Hashable {
        var connect: Duration
        var idle: Duration
    }

    private static let clients = Mutex<[Key: HTTPClient]>([:])

    /// The client for these timeouts, created on first use.
    static func client(for timeouts: Timeouts) -> HTTPClient {
        let key = Key(connect: timeouts.connect, idle: timeouts.idle)
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: TimeAmount(timeouts.connect), read: TimeAmount(timeouts.idle)))
            // Retrying is RetryPolicy's job: it honours retry-after, logs, and runs on the injected clock. The
            // pool's own silent reconnect loop would hide a refused connection until the connect timeout.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}

extension TimeAmount {
    /// The same span as `duration`, rounded to nanoseconds.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
