import Dispatch
import Foundation
import LanguageModels
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request a ``LoopbackServer`` received.
public struct LoopbackRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path with its query, e.g. `/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`.
    public var uri: String
    /// Header names in lower case; a repeated header keeps its last value.
    public var headers: [String: String]
    /// The body.
    public var body: Data

    /// The path without the query.
    public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
    /// The query's parameters, decoded.
    public var query: [String: String] {
        var parameters: [String: String] = [:]
        for item in URLComponents(string: uri)?.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        return parameters
    }
    /// The body as JSON, if it is.
    public var json: JSONValue? { JSONValue(parsing: body) }
}

/// What a ``LoopbackServer`` answers.
public indirect enum LoopbackResponse: Sendable {
    /// A whole reply.
    case reply(status: Int, headers: [String: String], body: Data)
    /// A chunked reply written piece by piece, `interval` apart, as streaming APIs do.
    case stream(status: Int, headers: [String: String], chunks: [Data], interval: Duration)
    /// `response`, after a pause: a slow server.
    case delayed(Duration, LoopbackResponse)
    /// No reply: the connection is closed, as when a server crashes.
    case drop

    /// A JSON reply.
    public static func json(
        _ value: JSONValue, status: Int = 200, headers: [String: String] = [:]
    )
        -> LoopbackResponse
    {
        .reply(
            status: status, headers: headers.merging(["content-type": "application/json"]) { $1 },
            body: Data(value.jsonText.utf8))
    }

    /// Newline-delimited JSON, one object per chunk, as Ollama streams.
    public static func ndjson(_ values: [JSONValue], interval: Duration = .milliseconds(5)) -> LoopbackResponse {
        let chunks = values.map { Data(($0.jsonText + "\n").utf8) }
        return .stream(
            status: 200, headers: ["content-type": "application/x-ndjson"], chunks: chunks, interval: interval)
    }

    /// Server-sent events, one `data:` event per object, as OpenAI, Anthropic and Gemini stream.
    public static func events(_ values: [JSONValue], interval: Duration = .milliseconds(5)) -> LoopbackResponse {
        let chunks = values.map { Data("data: \($0.jsonText)\r\n\r\n".utf8) }
        return .stream(
            status: 200, headers: ["content-type": "text/event-stream"], chunks: chunks, interval: interval)
    }

    /// A plain-text reply.
    public static func text(_ text: String, status: Int = 200) -> LoopbackResponse {
        .reply(status: status, headers: ["content-type": "text/plain"], body: Data(text.utf8))
    }
}

/// A misbehaviour a ``LoopbackServer`` can be told to show for its next requests.
public enum LoopbackFault: Sendable {
    /// Answer with this status, an optional `retry-after`, and a JSON error body in the common
    /// `{"error": {"message": …}}` shape.
    case status(Int, retryAfter: String? = nil, message: String = "injected failure")
    /// Answer 200 with a body that is not JSON.
    case garbage
    /// Answer normally, but only after this long.
    case slow(Duration)
    /// Close the connection without answering.
    case drop

    func response(wrapping normal: LoopbackResponse) -> LoopbackResponse {
        switch self {
        case .status(let status, let retryAfter, let message):
            var headers: [String: String] = [:]
            headers["retry-after"] = retryAfter
            return .json(
                ["error": ["message": .string(message), "code": .number(Double(status))]], status: status,
                headers: headers)
        case .garbage:
            return .text("<html><body>502 Bad Gateway, or so</body></html>\u{0}\u{1}")
        case .slow(let pause):
            return .delayed(pause, normal)
        case .drop:
            return .drop
        }
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 for testing HTTP clients against a real socket: a handler answers each
/// request, every request is recorded, and faults can be queued for the next requests.
public final class LoopbackServer: Sendable {
    /// Answers one request.
    public typealias Handler = @Sendable (LoopbackRequest) async -> LoopbackResponse

    /// The port the kernel chose.
    public let port: Int
    private let channel: any Channel
    private let serving: Task<Void, any Error>
    private let state: Recorder

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order.
    public var requests: [LoopbackRequest] { state.locked.withLock { $0.requests } }

    /// Starts a server on a free loopback port.
    public static func start(_ handler: @escaping Handler) async throws -> LoopbackServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return LoopbackServer(server: server, handler: handler)
    }

    private init(
        server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
        handler: @escaping Handler
    ) {
        let state = Recorder()
        self.port = server.channel.localAddress?.port ?? 0
        self.channel = server.channel
        self.state = state
        let answer: Handler = { request in
            let fault = state.locked.withLock { state -> LoopbackFault? in
                state.requests.append(request)
                return state.faults.isEmpty ? nil : state.faults.removeFirst()
            }
            let normal = await handler(request)
            return fault?.response(wrapping: normal) ?? normal
        }
        self.serving = Task(executorPreference: LoopbackExecutor.shared) {
            // Connections are served concurrently; the discarding group forgets each one as soon as it closes.
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { try? await Self.serve(connection, answer) }
                    }
                }
            }
        }
    }

    /// Makes the next `count` requests show `fault` instead of their normal answer.
    public func inject(_ fault: LoopbackFault, count: Int = 1) {
        state.locked.withLock { $0.faults += Array(repeating: fault, count: count) }
    }

    /// Stops listening and closes open connections.
    public func shutdown() async {
        try? await channel.close()
        serving.cancel()
        _ = await serving.result
    }

    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ answer: Handler
    ) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = Data()
            for try await part in inbound {
                switch part {
                case .head(let received):
                    head = received
                    body = Data()
                case .body(let bytes):
                    body.append(contentsOf: bytes.readableBytesView)
                case .end:
                    guard let received = head else { continue }
                    let request = LoopbackRequest(
                        method: received.method.rawValue, uri: received.uri,
                        headers: Dictionary(
                            received.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 }),
                        body: body)
                    guard try await write(await answer(request), to: outbound), received.isKeepAlive else { return }
                }
            }
        }
    }

    /// Writes `response`; false when the connection must close instead.
    private static func write(
        _ response: LoopbackResponse, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        switch response {
        case .drop:
            return false
        case .delayed(let pause, let inner):
            try await Task.sleep(for: pause)
            return try await write(inner, to: outbound)
        case .reply(let status, let headers, let body):
            var fields = HTTPHeaders(headers.map { ($0.key, $0.value) })
            fields.replaceOrAdd(name: "content-length", value: String(body.count))
            try await outbound.write(
                .head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: fields)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            return true
        case .stream(let status, let headers, let chunks, let interval):
            // No content-length: NIO's encoder then sends the body chunked, as streaming servers do.
            let fields = HTTPHeaders(headers.map { ($0.key, $0.value) })
            try await outbound.write(
                .head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: fields)))
            for chunk in chunks {
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
                try await Task.sleep(for: interval)
            }
            try await outbound.write(.end(nil))
            return true
        }
    }
}

/// Runs the loopback servers' tasks on a thread of their own instead of Swift's concurrency pool.
///
/// Tests that run the executable wait for it by blocking a thread, and on a two-core machine the pool has two: a
/// server that needed a pool thread to answer could then stall until those tests finish, long enough for a client
/// with a short timeout (the automatic model choice probes Ollama for two seconds) to give up. The servers' work is
/// small and never blocks, so one serial queue carries all of it.
private final class LoopbackExecutor: TaskExecutor {
    static let shared = LoopbackExecutor()
    private let queue = DispatchQueue(label: "loopback-server")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// The requests seen and the faults queued, shared by the server and its connection handlers.
private final class Recorder: Sendable {
    let locked = Mutex<(requests: [LoopbackRequest], faults: [LoopbackFault])>(([], []))
}
