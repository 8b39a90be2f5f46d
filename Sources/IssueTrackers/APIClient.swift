import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP plumbing the trackers share: headers, pacing, retries, redirects within the API, error mapping.
struct APIClient: Sendable {
    /// A response with a status in 200...299.
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// How a forge words its errors.
    struct Vocabulary: Sendable {
        /// "GitHub".
        var service: String
        /// What to do about a 401.
        var unauthorizedRemedy: String
        /// What to do about a 403 that is not a rate limit.
        var forbiddenRemedy: String
        /// Pulls the human message out of an error body.
        var errorMessage: @Sendable (Data) -> String?
    }

    let root: URL
    let token: AccessToken
    let headers: [(String, String)]
    let vocabulary: Vocabulary
    let httpClient: HTTPClient
    let pacer: RequestPacer
    let options: TrackerOptions
    let logger: Logger

    /// An absolute URL under the API root: `path` is appended as given (already percent-encoded where needed).
    func url(_ path: String, query: [(String, String)] = []) -> URL {
        var text = root.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        // Every component is percent-encoded above, so the text is a valid URL.
        return URL(string: text) ?? root
    }

    /// `url`, if it points into this API (same scheme, host, port and path prefix); pagination links and redirects
    /// elsewhere are refused, since following them would send the token to another server.
    func withinAPI(_ text: String) throws -> URL {
        guard let url = URL(string: text, relativeTo: root)?.absoluteURL,
            url.scheme == root.scheme, url.host == root.host, url.port == root.port,
            url.path.hasPrefix(root.path)
        else {
            throw TrackerError(
                .badResponse, "\(vocabulary.service) pointed outside its API (\(text)); refusing to follow it")
        }
        return url
    }

    /// Sends a request and returns its 2xx response, waiting out rate limits and retrying transient failures of
    /// requests that are safe to repeat.
    ///
    /// - Parameters:
    ///   - resource: the rate-limit bucket (`core`, `search`).
    ///   - retriesServerErrors: whether a 5xx or network failure may be retried; false for a POST that could have
    ///     taken effect before failing.
    func send(
        _ method: HTTPMethod, _ url: URL, json: Data? = nil, resource: String = "core",
        retriesServerErrors: Bool? = nil
    ) async throws -> Response {
        let createsContent = method != .GET && method != .HEAD
        let retriable = retriesServerErrors ?? (method != .POST)
        if createsContent { try await pacer.acquireContentSlot() }
        do {
            let response = try await sendPaced(
                method, url, json: json, resource: resource, retriesServerErrors: retriable)
            if createsContent { await pacer.releaseContentSlot() }
            return response
        } catch {
            if createsContent { await pacer.releaseContentSlot() }
            throw error
        }
    }

    /// Sends a request with a JSON body.
    func send(
        _ method: HTTPMethod, _ url: URL, body: some Encodable, resource: String = "core",
        retriesServerErrors: Bool? = nil
    ) async throws -> Response {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw TrackerError(.validationFailed, "could not encode the request: \(error)")
        }
        return try await send(method, url, json: data, resource: resource, retriesServerErrors: retriesServerErrors)
    }

    /// Decodes a response body, reporting a mismatch as ``TrackerError/Code/badResponse`` without the raw error.
    func decode<T: Decodable>(_ type: T.Type, from response: Response, what: String) throws -> T {
        do {
            return try Self.decoder.decode(type, from: response.body)
        } catch {
            throw TrackerError(
                .badResponse,
                "\(vocabulary.service) sent \(what) in an unexpected shape; is the API root \(root.absoluteString) "
                    + "right?", status: response.status, cause: error)
        }
    }

    private func sendPaced(
        _ method: HTTPMethod, _ firstURL: URL, json: Data?, resource: String, retriesServerErrors: Bool
    ) async throws -> Response {
        var url = firstURL
        var serverFailures = 0
        var redirects = 0
        while true {
            try await pacer.awaitTurn(resource: resource)
            let described = "\(method.rawValue) \(url.path)"
            logger.debug("request", metadata: ["request": "\(described)"])
            let result: Result<Response, any Error>
            do {
                result = .success(try await execute(method, url, json: json))
            } catch {
                result = .failure(error)
            }
            let response: Response
            switch result {
            case .success(let received): response = received
            case .failure(let error):
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                serverFailures += 1
                // A host that refuses the connection or does not resolve is not coming back within seconds: two
                // quick retries, not the back-off meant for a busy server.
                let unreachable = Self.isUnreachable(error)
                if retriesServerErrors, !unreachable || serverFailures <= Self.unreachableRetries,
                    try await pacer.waitBeforeServerRetry(attempt: serverFailures)
                {
                    logger.notice("request failed; retrying", metadata: ["request": "\(described)"])
                    continue
                }
                throw TrackerError(
                    .unavailable,
                    "could not reach \(vocabulary.service) at \(root.absoluteString) (\(Self.describe(error)))"
                        + (retriesServerErrors ? "" : "; the request may have taken effect, check before retrying"),
                    cause: error)
            }
            let limits = RateLimitHeaders { response.header($0) }
            await pacer.record(limits)
            let status = response.status
            switch status {
            case 200..<300:
                await pacer.recordSuccess()
                return response
            case 301, 302, 303, 307, 308:
                redirects += 1
                guard redirects <= 3, let location = response.header("location") else {
                    throw TrackerError(
                        .badResponse, "\(vocabulary.service) redirected \(described) too often", status: status)
                }
                url = try withinAPI(location)
                continue
            case 403, 429:
                let message = serverMessage(response)
                let isRateLimit =
                    status == 429 || limits.retryAfter != nil || limits.remaining == 0
                    || message?.lowercased().contains("rate limit") == true
                if isRateLimit {
                    try await pacer.waitAfterRateLimit(limits, status: status)
                    continue
                }
                throw failure(response, where: described)
            case 500..<600:
                serverFailures += 1
                if retriesServerErrors, try await pacer.waitBeforeServerRetry(attempt: serverFailures) {
                    logger.notice(
                        "server error; retrying", metadata: ["request": "\(described)", "status": "\(status)"])
                    continue
                }
                throw failure(response, where: described, mayHaveTakenEffect: !retriesServerErrors)
            default:
                throw failure(response, where: described)
            }
        }
    }

    private func execute(_ method: HTTPMethod, _ url: URL, json: Data?) async throws -> Response {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: options.userAgent)
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let timeout = TimeAmount.milliseconds(
            options.requestTimeout.components.seconds * 1000 + options.requestTimeout.components.attoseconds
                / 1_000_000_000_000_000)
        let response = try await httpClient.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Response(
            status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }

    private func serverMessage(_ response: Response) -> String? {
        vocabulary.errorMessage(response.body).map { token.redacting($0) }
    }

    private func failure(
        _ response: Response, where request: String, mayHaveTakenEffect: Bool = false
    )
        -> TrackerError
    {
        let status = response.status
        let said = serverMessage(response).map { ": \($0)" } ?? ""
        let service = vocabulary.service
        switch status {
        case 401:
            return TrackerError(
                .unauthorized, "\(service) rejected the \(token) (401\(said)); \(vocabulary.unauthorizedRemedy)",
                status: status)
        case 403:
            return TrackerError(
                .forbidden, "\(service) refused \(request) (403\(said)); \(vocabulary.forbiddenRemedy)",
                status: status)
        case 404, 410:
            return TrackerError(
                .notFound,
                "\(service) found nothing at \(request) (\(status)\(said)); check the repository name, and that "
                    + "the token can see it and that it has issues enabled", status: status)
        case 400, 409, 422:
            return TrackerError(
                .validationFailed, "\(service) rejected \(request) (\(status)\(said))", status: status)
        case 500..<600:
            return TrackerError(
                .unavailable,
                "\(service) failed on \(request) (\(status)\(said))"
                    + (mayHaveTakenEffect
                        ? "; the request may have taken effect, check before retrying" : "; try again later"),
                status: status)
        default:
            return TrackerError(
                .badResponse, "\(service) answered \(request) with an unexpected \(status)\(said)", status: status)
        }
    }

    /// How many times a request is retried when the host refuses the connection or its name does not resolve.
    static let unreachableRetries = 2

    /// Whether the connection could not be made at all: refused, or a name that does not resolve.
    private static func isUnreachable(_ error: any Error) -> Bool {
        let text = "\(error)".lowercased()
        return [
            "connection refused", "connectionrefused", "econnrefused", "nodename nor servname", "getaddrinfo",
            "name or service not known", "dns", "nxdomain",
        ].contains { text.contains($0) }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection closed"
            default: break
            }
        }
        if "\(error)".contains("connection refused") || "\(error)".contains("Connection refused") {
            return "connection refused"
        }
        return String(describing: type(of: error))
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but unreserved characters, so `+`, `/`, `:` and quotes survive as data.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// The decoder every tracker uses: snake_case keys are spelled out in the models, dates are ISO 8601 with or
    /// without fractional seconds.
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseDate(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date")
        }
        return decoder
    }()

    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }

    /// `date` as GitHub and GitLab expect in queries: `2024-05-01T12:00:00Z`.
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

extension Data {
    /// The JSON object's string member `key`, for error bodies.
    func jsonString(_ key: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: self) as? [String: Any] else { return nil }
        return object[key] as? String
    }
}
