import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for reproducing a forge's wire format in tests: one thread per
/// connection, one request per connection (`Connection: close`), no dependencies.
public final class TrackerLoopbackServer: Sendable {
    /// A request as received.
    public struct Request: Sendable {
        /// The method.
        public var method: String
        /// The path, still percent-encoded (GitLab's project ids depend on it).
        public var path: String
        /// Query parameters, decoded.
        public var query: [String: String]
        /// Headers, names lowercased.
        public var headers: [String: String]
        /// The body.
        public var body: Data
    }

    /// A response to send.
    public struct Response: Sendable {
        /// The status.
        public var status: Int
        /// Headers besides `Content-Length` and `Connection`.
        public var headers: [(String, String)]
        /// The body.
        public var body: Data

        /// A JSON response.
        public static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
        }
    }

    /// The server's root, `http://127.0.0.1:PORT`.
    public let url: URL
    private let listener: Int32

    /// Starts listening on a free port; `handler` answers every request, on the connection's own thread.
    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TrackerTestServerError("socket() failed: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 64) == 0
                    && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw TrackerTestServerError("could not listen on 127.0.0.1: \(errno)")
        }
        self.listener = listener
        self.url = URL(string: "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))") ?? URL(fileURLWithPath: "/")
        Thread.detachNewThread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EINTR { continue }
                    return
                }
                Thread.detachNewThread { Self.serve(connection, handler: handler) }
            }
        }
    }

    /// Stops accepting connections.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit {
        stop()
    }

    private static func serve(_ connection: Int32, handler: (Request) -> Response) {
        defer { close(connection) }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            received.append(contentsOf: buffer[0..<count])
            headerEnd = received.range(of: separator)
        }
        guard let headerEnd else { return }
        let head = String(decoding: received[..<headerEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ").map(String.init)
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Data(received[headerEnd.upperBound...])
        let expected = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < expected {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            body.append(contentsOf: buffer[0..<count])
        }
        let target = requestLine[1]
        let path = String(target.prefix { $0 != "?" })
        var query: [String: String] = [:]
        for item in URLComponents(string: target)?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let response = handler(
            Request(method: requestLine[0], path: path, query: query, headers: headers, body: body))
        let reasons = [
            200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
        ]
        var text = "HTTP/1.1 \(response.status) \(reasons[response.status] ?? "Status")\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Data(text.utf8) + response.body
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(connection, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
