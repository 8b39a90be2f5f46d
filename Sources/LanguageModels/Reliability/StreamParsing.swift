import AsyncHTTPClient
import NIOCore

/// Splits a byte stream into lines, for NDJSON and server-sent events; a line may arrive split across buffers.
struct LineSplitter {
    private var pending: [UInt8] = []

    /// The lines completed by `buffer`, without their `\n` or `\r\n`.
    mutating func lines(in buffer: ByteBuffer) -> [String] {
        pending.append(contentsOf: buffer.readableBytesView)
        var lines: [String] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[start..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            lines.append(String(decoding: line, as: UTF8.self))
            start = pending.index(after: newline)
        }
        pending.removeSubrange(pending.startIndex..<start)
        return lines
    }

    /// The last line, when the stream ended without a newline.
    mutating func remainder() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}

/// Assembles server-sent events (the `text/event-stream` format OpenAI, Anthropic and Gemini stream in) from
/// lines.
struct ServerSentEventParser {
    /// One event: its `event:` name, if any, and its `data:` lines joined by newlines.
    struct Event: Sendable {
        var name: String?
        var data: String
    }

    private var name: String?
    private var data: [String] = []

    /// The event that `line` completes, if it is the blank line that ends one.
    mutating func feed(_ line: String) -> Event? {
        if line.isEmpty {
            defer {
                name = nil
                data = []
            }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let (field, value) = Self.split(line)
        switch field {
        case "event": name = value
        case "data": data.append(value)
        default: break
        }
        return nil
    }

    /// The event left when the stream ends without a final blank line.
    mutating func finish() -> Event? { feed("") }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}

extension HTTPTransport {
    /// Opens `request` and yields the reply's lines as they arrive; failures are already ``LanguageModelError``s.
    func lines(_ request: Request) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await open(request)
                    var splitter = LineSplitter()
                    for try await buffer in response.body {
                        for line in splitter.lines(in: buffer) { continuation.yield(line) }
                    }
                    if let last = splitter.remainder() { continuation.yield(last) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: failure(error, url: request.url))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Runs `produce` in a task that feeds a chunk stream and is cancelled when the consumer stops listening.
func chunkStream(
    _ produce: @escaping @Sendable (AsyncThrowingStream<CompletionChunk, any Error>.Continuation) async throws -> Void
) -> AsyncThrowingStream<CompletionChunk, any Error> {
    AsyncThrowingStream { continuation in
        let task = Task {
            do {
                try await produce(continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
    }
}
