import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// What to tell the user to do about each kind of failure of one provider.
struct Remedies: Sendable {
    /// For 401/403, e.g. "set OPENAI_API_KEY to a valid key".
    var unauthorized: String
    /// For refused or lost connections and 5xx, e.g. "start Ollama with `ollama serve`".
    var unavailable: String
    /// For a model the provider does not have.
    var modelNotFound: String
    /// For timeouts.
    var timeout: String = "raise the timeout, lower max_tokens, or choose a faster model"
    /// For rate limits that outlast the retries.
    var rateLimited: String = "wait a minute and run again, or configure a fallback model"
}

/// The one place where providers' HTTP requests are sent: timeouts, retries with back-off, `retry-after`, the
/// mapping of every failure to a ``LanguageModelError``, and logging without secrets.
struct HTTPTransport: Sendable {
    /// One request, described before it is sent.
    struct Request: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: [(String, String)]
        var body: Data?
        /// Overrides ``Timeouts/request`` for requests that legitimately run long, such as a model download.
        var timeout: Duration?

        static func get(_ url: String, headers: [(String, String)] = []) -> Request {
            Request(method: .GET, url: url, headers: headers, body: nil, timeout: nil)
        }

        /// A POST of `body` as JSON text, written in the body's key order.
        static func post(_ url: String, json body: JSONValue, headers: [(String, String)] = []) -> Request {
            Request(
                method: .POST, url: url, headers: headers + [("content-type", "application/json")],
                body: Data(body.jsonText.utf8), timeout: nil)
        }
    }

    /// A successful reply, read in full.
    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// The provider's name, first word of every message.
    let provider: String
    /// What to suggest for each kind of failure.
    let remedies: Remedies
    /// Values scrubbed from anything shown or logged, in case a server echoes them.
    let secrets: [String]
    let options: TransportOptions
    private let client: HTTPClient

    init(provider: String, remedies: Remedies, secrets: [String?], options: TransportOptions) {
        self.provider = provider
        self.remedies = remedies
        self.secrets = secrets.compactMap { $0 }.filter { !$0.isEmpty }
        self.options = options
        self.client = HTTPClients.client(for: options.timeouts)
    }

    /// Sends `request` and reads the whole reply, retrying as the policy allows.
    func send(_ request: Request) async throws -> Response {
        try await withRetries(request) { response in
            let body = try await response.body.collect(upTo: 64 << 20)
            return Response(status: Int(response.status.code), body: Data(body.readableBytesView))
        }
    }

    /// Sends `request` and decodes the JSON reply as `type`; a reply that does not decode is a `badResponse`.
    func send<Reply: Decodable>(_ request: Request, decoding type: Reply.Type) async throws -> Reply {
        let response = try await send(request)
        return try decode(type, from: response.body, url: request.url)
    }

    /// Sends `request` and returns as soon as a successful status arrives, with the body still to be read.
    ///
    /// Failures before that point are retried; once the body starts, a failure is the caller's to report with
    /// ``failure(_:url:)``, because part of the reply may already have been shown.
    func open(_ request: Request) async throws -> HTTPClientResponse {
        try await withRetries(request) { $0 }
    }

    /// Decodes `data` as `type`, or throws a `badResponse` that quotes the start of the reply.
    func decode<Reply: Decodable>(_ type: Reply.Type, from data: Data, url: String) throws -> Reply {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw LanguageModelError(
                .badResponse,
                "\(provider): \(Redaction.displayURL(url)) sent a reply that is not in the documented format "
                    + "(\(excerpt(data))); check that the base URL points at the \(provider) API",
                cause: DecodingFailure(description: String(describing: error)))
        }
    }

    /// The error to throw for `error`, which happened while reading a reply from `url` after it had begun.
    func failure(_ error: any Error, url: String) -> any Error {
        if error is LanguageModelError || error is CancellationError { return error }
        if (error as? HTTPClientError) == .cancelled { return CancellationError() }
        if Self.isConnectionLoss(error) {
            return LanguageModelError(
                .unavailable,
                "\(provider): \(Redaction.displayURL(url)) closed the connection mid-reply (did the server stop?); "
                    + remedies.unavailable,
                cause: ErrorDescription(description: Redaction.scrub(String(describing: error), secrets: secrets)))
        }
        return classify(error, url: url)
    }

    /// Whether `error` means the server went away: closed or reset the connection, or ended a chunked body early.
    private static func isConnectionLoss(_ error: any Error) -> Bool {
        if (error as? HTTPClientError) == .remoteConnectionClosed { return true }
        if let parser = error as? HTTPParserError, parser == .invalidEOFState { return true }
        let description = String(describing: error)
        return description.contains("connectionReset") || description.contains("Connection reset")
    }

    // MARK: - Retries

    private func withRetries<Result: Sendable>(
        _ request: Request, read: (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        let display = Redaction.displayURL(request.url)
        var retry = 0
        while true {
            let error: LanguageModelError
            do {
                let started = ContinuousClock.now
                let response = try await client.execute(
                    try makeRequest(request),
                    deadline: .now() + TimeAmount(request.timeout ?? options.timeouts.request),
                    logger: options.logger)
                let status = Int(response.status.code)
                options.logger.debug(
                    "\(request.method.rawValue) \(display) → \(status)",
                    metadata: ["provider": "\(provider)", "latency": "\(ContinuousClock.now - started)"])
                if (200..<300).contains(status) {
                    return try await read(response)
                }
                let body =
                    (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
                error = statusError(response, body: body, request: request)
            } catch let failure as LanguageModelError {
                error = failure
            } catch let underlying {
                if Task.isCancelled || underlying is CancellationError
                    || (underlying as? HTTPClientError) == .cancelled
                {
                    throw CancellationError()
                }
                guard case let failure as LanguageModelError = classify(underlying, url: request.url) else {
                    throw underlying
                }
                error = failure
            }
            retry += 1
            guard error.isRetryable, retry < options.retryPolicy.maxAttempts,
                let delay = options.retryPolicy.delay(
                    beforeRetry: retry, retryAfter: error.retryAfter, randomFraction: options.randomFraction())
            else { throw error }
            options.logger.info(
                "\(error.message); retrying in \(delay) (attempt \(retry + 1) of \(options.retryPolicy.maxAttempts))",
                metadata: ["provider": "\(provider)"])
            try await options.clock.sleep(for: delay)
        }
    }

    private func makeRequest(_ request: Request) throws -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers.add(name: "accept", value: "application/json, text/event-stream, application/x-ndjson")
        outgoing.headers.add(name: "user-agent", value: "ticket-master")
        for (name, value) in request.headers { outgoing.headers.replaceOrAdd(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        return outgoing
    }

    // MARK: - Classification

    /// The error for a reply whose status is not 2xx.
    private func statusError(_ response: HTTPClientResponse, body: Data, request: Request) -> LanguageModelError {
        let status = Int(response.status.code)
        let display = Redaction.displayURL(request.url)
        let said = providerMessage(body).map { ": " + $0 } ?? ""
        let answered =
            "\(provider): \(request.method.rawValue) \(display) answered \(status) "
            + "\(response.status.reasonPhrase)\(said)"
        let retryAfter = response.headers.first(name: "retry-after").flatMap { RetryAfter.parse($0, now: Date()) }
        let bodyText = String(decoding: body, as: UTF8.self)
        switch status {
        case 401, 403:
            return LanguageModelError(.unauthorized, "\(answered); \(remedies.unauthorized)")
        case 400 where bodyText.contains("API_KEY_INVALID"):
            // Gemini answers a wrong key with 400 INVALID_ARGUMENT rather than 401.
            return LanguageModelError(.unauthorized, "\(answered); \(remedies.unauthorized)")
        case 404 where bodyText.lowercased().contains("model"):
            return LanguageModelError(.modelNotFound, "\(answered); \(remedies.modelNotFound)")
        case 404:
            return LanguageModelError(
                .invalidRequest, "\(answered); check the base URL (is it the API root, e.g. ending in /v1?)")
        case 408:
            return .retryable(.timeout, "\(answered); \(remedies.timeout)", retryAfter: retryAfter)
        case 429:
            return .retryable(.rateLimited, "\(answered); \(remedies.rateLimited)", retryAfter: retryAfter)
        case 500...:
            return .retryable(.unavailable, "\(answered); \(remedies.unavailable)", retryAfter: retryAfter)
        case 300..<400:
            let location = response.headers.first(name: "location").map { " to " + Redaction.displayURL($0) } ?? ""
            return LanguageModelError(
                .invalidRequest, "\(answered) (a redirect\(location)); set the base URL to the final address")
        default:
            return LanguageModelError(.invalidRequest, "\(answered); the request was rejected and was not retried")
        }
    }

    /// The error for a failure below HTTP: connecting, timing out, a connection closed mid-reply.
    private func classify(_ error: any Error, url: String) -> any Error {
        let display = Redaction.displayURL(url)
        let cause = Redaction.scrub(String(describing: error), secrets: secrets)
        let underlying = ErrorDescription(description: cause)
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return LanguageModelError.retryable(
                    .timeout,
                    "\(provider): could not connect to \(display) within \(options.timeouts.connect); "
                        + remedies.unavailable, cause: underlying)
            case .readTimeout:
                return LanguageModelError(
                    .timeout,
                    "\(provider): \(display) sent nothing for \(options.timeouts.idle); \(remedies.timeout)",
                    cause: underlying)
            case .deadlineExceeded:
                return LanguageModelError(
                    .timeout,
                    "\(provider): \(display) did not finish replying within \(options.timeouts.request); "
                        + remedies.timeout, cause: underlying)
            default:
                break
            }
        }
        if Self.isConnectionLoss(error) {
            return LanguageModelError.retryable(
                .unavailable, "\(provider): \(display) closed the connection before replying; \(remedies.unavailable)",
                cause: underlying)
        }
        if error is HTTPParserError {
            return LanguageModelError(
                .badResponse, "\(provider): \(display) did not answer in HTTP; check the base URL", cause: underlying)
        }
        return LanguageModelError.retryable(
            .unavailable, "\(provider): could not reach \(display) (\(shortReason(cause))); \(remedies.unavailable)",
            cause: underlying)
    }

    /// The human part of a provider's error body: `{"error": "…"}`, `{"error": {"message": "…"}}` or
    /// `{"message": "…"}`, shortened and scrubbed of secrets.
    private func providerMessage(_ body: Data) -> String? {
        guard !body.isEmpty else { return nil }
        let text: String
        if let json = JSONValue(parsing: body) {
            guard
                let found = json["error"]?.stringValue ?? json["error"]?["message"]?.stringValue
                    ?? json["message"]?.stringValue ?? json["detail"]?.stringValue
            else { return nil }
            text = found
        } else {
            text = excerpt(body)
        }
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return Redaction.scrub(String(oneLine.prefix(200)), secrets: secrets)
    }

    private func excerpt(_ data: Data) -> String {
        let printable = String(decoding: data.prefix(80), as: UTF8.self).unicodeScalars
            .map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
        let text = printable.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return text.isEmpty ? "an empty body" : "it began \"\(Redaction.scrub(text, secrets: secrets))\""
    }

    private func shortReason(_ description: String) -> String {
        if description.contains("connectionRefused") || description.contains("Connection refused") {
            return "connection refused"
        }
        if description.contains("connectionReset") || description.contains("Connection reset") {
            return "connection reset"
        }
        return String(description.prefix(120))
    }
}

/// A description of an error that is itself not `Sendable`, kept as the ``LanguageModelError/cause``.
struct ErrorDescription: Error, Sendable, CustomStringConvertible {
    var description: String
}

/// Why a reply failed to decode, kept as the ``LanguageModelError/cause`` instead of the raw `DecodingError`.
struct DecodingFailure: Error, Sendable, CustomStringConvertible {
    var description: String
}

extension LanguageModelError {
    /// An error the transport may retry.
    fileprivate static func retryable(
        _ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, retryAfter: Duration? = nil
    ) -> LanguageModelError {
        var error = LanguageModelError(code, message, cause: cause, retryAfter: retryAfter)
        error.isRetryable = true
        return error
    }
}
