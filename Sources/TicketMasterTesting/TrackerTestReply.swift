import Foundation
import Synchronization

/// A reply of a tracker's loopback server, before it becomes the ``LoopbackServer``'s.
struct TrackerTestReply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data

    /// `object` as JSON with `status`.
    static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> TrackerTestReply {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return TrackerTestReply(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    /// 429 with `Retry-After: seconds` and `body` as given.
    static func tooManyRequests(retryAfter seconds: Int, contentType: String, body: String) -> TrackerTestReply {
        TrackerTestReply(
            status: 429, headers: [("Content-Type", contentType), ("Retry-After", "\(seconds)")], body: Data(body.utf8))
    }

    /// The loopback server's response.
    var response: LoopbackResponse {
        .reply(
            status: status, headers: Dictionary(headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 }),
            body: body)
    }
}

/// A loopback server's own address, known only once it listens; read by its handler threads.
final class LockedURL: Sendable {
    private let stored = Mutex("")

    var value: String {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
