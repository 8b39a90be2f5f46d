import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore

/// Security headers on every response: a content security policy with no inline script and no framing, no
/// content sniffing, no referrer beyond this origin.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xRequestID] = context.id
        return response
    }
}

extension HTTPField.Name {
    static let referrerPolicy = named("Referrer-Policy")
    static let xFrameOptions = named("X-Frame-Options")
    static let xRequestID = named("X-Request-Id")
    static let xCSRFToken = named("X-CSRF-Token")
    static let lastEventID = named("Last-Event-ID")
    static let xHubSignature256 = named("X-Hub-Signature-256")
    static let xGitHubEvent = named("X-GitHub-Event")
    static let xGitlabToken = named("X-Gitlab-Token")
    static let xGitlabEvent = named("X-Gitlab-Event")

    private static func named(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("not a header name: \(name)") }
        return field
    }
}

/// Turns every error into what the caller can act on: an RFC 9457 problem for the API, a page for a browser (a
/// sign-in redirect when the session is missing or expired). Nothing unexpected leaks: an unknown error is
/// logged with the request id and answered with a generic 500 naming that id.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let pages: Pages

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, message) = Self.describe(error, context: context)
            if request.uri.path.hasPrefix("/api/") {
                return Problem(status: status, detail: message, instance: request.uri.path).response(
                    headers: status == .unauthorized ? [.wwwAuthenticate: "Bearer"] : [:])
            }
            // A forge's webhook delivery shows the answer in its log: a problem says what is wrong.
            if request.uri.path.hasPrefix("/hooks/") {
                return Problem(status: status, detail: message, instance: request.uri.path).response()
            }
            if status == .unauthorized, request.method == .get, request.headers[.authorization] == nil {
                let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return .redirect(
                    to: "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            return pages.error(status: status, message: message, context: context)
        }
    }

    static func describe(_ error: any Error, context: ServerContext) -> (HTTPResponse.Status, String) {
        if let error = error as? HTTPError {
            let message = error.body ?? Self.defaultMessage(error.status)
            return (error.status, message)
        }
        if let error = error as? any HTTPResponseError {
            return (error.status, Self.defaultMessage(error.status))
        }
        context.logger.error("unexpected error: \(String(reflecting: type(of: error))): \(error)")
        return (.internalServerError, "something went wrong on the server (request \(context.id)); it is logged")
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .unauthorized: "sign in first, or send a valid API token as `Authorization: Bearer …`"
        case .forbidden: "your role does not allow this; ask an admin"
        case .notFound: "there is nothing here; check the address"
        case .contentTooLarge: "the request is too large"
        case .methodNotAllowed: "this address does not accept that method"
        default: status.reasonPhrase
        }
    }
}

/// An RFC 9457 problem document.
struct Problem: Codable, Sendable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    var instance: String?

    init(status: HTTPResponse.Status, detail: String, instance: String?) {
        title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.instance = instance
    }

    func response(headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Finds who is calling: a bearer token (`Authorization: Bearer tm_…`), else the session cookie. A token that is
/// wrong, revoked or of a disabled account is refused at once; a cookie that is malformed or expired simply signs
/// nobody in.
struct IdentityMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let team: any TeamStore

    static let cookieName = "tm_session"

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "), authorization.count < 200,
                let account = try await team.account(token: String(authorization.dropFirst("Bearer ".count)))
            else {
                throw HTTPError(.unauthorized, message: "the API token is wrong, revoked, or its account is disabled")
            }
            context.identity = account
        } else if let cookie = request.cookies[Self.cookieName]?.value, cookie.count < 200,
            let session = try await team.session(cookie: cookie)
        {
            context.identity = session.account
            context.csrfToken = session.csrf
            context.sessionDigest = session.digest
        }
        return try await next(request, context)
    }
}

/// Refuses a state-changing request from a browser session unless it comes from this site: the `Origin` header,
/// when sent, names this host, and the session's form token is in the `csrf` field or the `X-CSRF-Token` header.
/// Bearer-token requests carry no cookie a third site could borrow, so they need no form token.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        if let origin = request.headers[.origin], origin != "null" {
            let url = URL(string: origin)
            let originHost = url?.host(percentEncoded: false).map { host in url?.port.map { "\(host):\($0)" } ?? host }
            guard let originHost, originHost == request.head.authority else {
                throw HTTPError(.forbidden, message: "cross-site request refused: reload the page and try again")
            }
        }
        guard let expected = context.csrfToken else { return try await next(request, context) }
        var request = request
        var supplied = request.headers[.xCSRFToken]
        if supplied == nil,
            request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true
        {
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            supplied = Form(String(buffer: buffer))["csrf"]
        }
        guard let supplied, Self.constantTimeEqual(supplied, expected) else {
            throw HTTPError(.forbidden, message: "the form has expired; reload the page and try again")
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Lets a request through only when the caller holds `role`: 401 when nobody is signed in, 403 otherwise.
struct RequireRole: RouterMiddleware {
    typealias Context = ServerContext
    let role: Role

    init(_ role: Role) {
        self.role = role
    }

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        guard identity.roles.contains(role) else {
            throw HTTPError(
                .forbidden, message: "this needs the \(role.rawValue) role; yours is \(identity.role.rawValue)")
        }
        return try await next(request, context)
    }
}
