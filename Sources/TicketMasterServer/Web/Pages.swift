import Foundation
import Hummingbird
import Mustache
import NIOCore

/// Renders the server's pages from ``Templates``, with what every page shows: who is signed in, their role, and
/// the form token each form carries.
struct Pages: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in Templates.all {
            try library.register(text, named: name)
        }
        self.library = library
    }

    /// The page `template` with `values`; each top-level list also gets a `has…` flag for "is it empty".
    func render(
        _ template: String, title: String, _ values: [String: Any] = [:], context: ServerContext,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        values["title"] = title
        values["csrf"] = context.csrfToken ?? ""
        if let identity = context.identity {
            values["user"] = true
            values["name"] = identity.name
            values["role"] = identity.role.rawValue
            values["isAdmin"] = identity.role == .admin
            values["canRun"] = identity.role >= .user
        }
        for (key, value) in values {
            if let list = value as? [Any], let first = key.first {
                values["has" + first.uppercased() + key.dropFirst()] = !list.isEmpty
            }
        }
        let html = library.render(Self.unwrapped(values), withTemplate: template) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `value` with every optional unwrapped and every nil left out, so a missing value renders as nothing (and
    /// a `{{#…}}` section over it as absent) instead of the text `nil`.
    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return unwrapped(wrapped)
        }
        if let dictionary = value as? [String: Any] {
            return dictionary.compactMapValues { unwrapped($0) }
        }
        if let list = value as? [Any] {
            return list.compactMap { unwrapped($0) }
        }
        return value
    }

    /// The error page for `status`.
    func error(status: HTTPResponse.Status, message: String, context: ServerContext) -> Response {
        render(
            "error", title: "\(status.code) \(status.reasonPhrase)", ["message": message], context: context,
            status: status)
    }
}

extension Response {
    /// A redirect after a form post (303), so that reloading the page never posts again.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

/// Dates on pages: ISO 8601 in UTC, short and sortable.
extension Date {
    var shown: String {
        formatted(.iso8601)
    }
}
