import Foundation

/// Where a shared history lives on a PostgreSQL server, read from `database.url`
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|prefer|require`).
///
/// Its description never shows the password, so it can go in logs and error messages.
public struct DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP: a server on loopback or a private network.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS, with the server's certificate verified against the system's trust roots.
        case require
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The role to sign in as.
    public var user: String
    /// The role's password, if the server asks for one.
    public var password: String?
    /// The database.
    public var database: String
    /// How the connection is encrypted.
    public var tls: TLSMode

    /// The URL with the password masked.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":********")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// Reads `text`; throws a usage error saying what is wrong, without repeating a password.
    public init(url text: String) throws {
        func invalid(_ problem: String) -> TicketMasterError {
            TicketMasterError(
                .usage,
                "database.url \(problem); write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (optionally "
                    + "?sslmode=disable, prefer or require)")
        }
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)) else {
            throw invalid("is not a URL")
        }
        guard let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("must start with postgres://")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("names no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw invalid("names no database after the host") }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw invalid("has an unknown parameter \(item.name)") }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw invalid("has sslmode=\(item.value ?? ""), which is not disable, prefer or require")
            }
            tls = mode
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
    }
}
