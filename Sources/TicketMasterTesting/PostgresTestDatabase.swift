import Foundation
import Logging
import PostgresNIO
import TicketMaster

/// A database of its own for one test, on the server `scripts/start-postgres` started: created empty, dropped by
/// `drop()`.
///
/// The server is named by `TM_TEST_DATABASE_URL` (`scripts/test` sets it). Without it, tests of the
/// PostgreSQL store are left out, and say so on stderr, unless `TM_REQUIRE_POSTGRES=1` makes them fail instead.
public struct PostgresTestDatabase: Sendable {
    /// The new database.
    public let location: DatabaseLocation
    private let server: DatabaseLocation

    /// The database's URL, password included, to hand to a `ticket-master` process under test.
    public var url: String {
        let password =
            location.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) }
            ?? ""
        return "postgres://\(location.user)\(password)@\(location.host):\(location.port)/\(location.database)"
    }

    /// Whether a test server is configured (or required, so that its absence fails the tests).
    public static var isAvailable: Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["TM_TEST_DATABASE_URL"]?.isEmpty == false { return true }
        if environment["TM_REQUIRE_POSTGRES"] == "1" { return true }
        FileHandle.standardError.write(
            Data(
                ("warning: TM_TEST_DATABASE_URL is not set, so the PostgreSQL store is not tested; "
                    + "start a server with scripts/start-postgres (scripts/test does)\n").utf8))
        return false
    }

    /// Creates an empty database named `tm_test_<random>` on the test server.
    public static func make() async throws -> PostgresTestDatabase {
        guard let url = ProcessInfo.processInfo.environment["TM_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TicketMasterError(
                .failure,
                "TM_REQUIRE_POSTGRES=1 but TM_TEST_DATABASE_URL is not set; run scripts/start-postgres")
        }
        let server = try DatabaseLocation(url: url)
        var location = server
        location.database = "tm_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let name = location.database
        try await Self.onServer(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return PostgresTestDatabase(location: location, server: server)
    }

    /// Runs `sql` in the test database, as its owner: to set up what a test needs (a newer schema's mark).
    public func execute(_ sql: String) async throws {
        try await Self.onServer(location) { client in
            try await client.query(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// The first column of each row `sql` returns, as text (NULL as nil): to check what processes under test wrote.
    public func values(_ sql: String) async throws -> [String?] {
        try await Self.onServer(location) { client in
            var values: [String?] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)) {
                values.append(try row.decode(String?.self))
            }
            return values
        }
    }

    /// Drops the database, ending any session still in it.
    public func drop() async throws {
        let name = location.database
        try await Self.onServer(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }

    @discardableResult
    private static func onServer<T: Sendable>(
        _ server: DatabaseLocation, _ work: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(
            configuration: .init(
                host: server.host, port: server.port, username: server.user, password: server.password,
                database: server.database, tls: .disable))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await work(client)
        }
    }
}
