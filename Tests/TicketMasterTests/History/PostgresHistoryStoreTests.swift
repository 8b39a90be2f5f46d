import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("PostgreSQL history store", .enabled(if: PostgresTestDatabase.isAvailable))
struct PostgresHistoryStoreTests {
    @Test("two processes opening one new database at once migrate it once, and both work")
    func concurrentMigration() async throws {
        let database = try await PostgresTestDatabase.make()
        async let first = PostgresHistoryStore(location: database.location)
        async let second = PostgresHistoryStore(location: database.location)
        let stores = try await [first, second]
        #expect(try await stores[0].schemaVersions() == ["v1", "v2", "v3"])
        let id = try await HistorySample.recordRun(into: stores[0])
        #expect(try await stores[1].run(id).drafts.count == 2)
        for store in stores { await store.close() }
        try await database.drop()
    }

    @Test("claims made at once from two stores on one database: exactly one is granted")
    func concurrentClaims() async throws {
        let database = try await PostgresTestDatabase.make()
        let stores = [
            try await PostgresHistoryStore(location: database.location),
            try await PostgresHistoryStore(location: database.location),
        ]
        for round in 0..<20 {
            // An hour: a claim must not lapse between the two calls, however loaded the machine.
            let until = Date().addingTimeInterval(3600)
            let claims = try await withThrowingTaskGroup(of: FilingClaim.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        try await store.claimFiling(
                            FilingClaimRequest(
                                tracker: "github", repository: "acme/api", fingerprint: "print-\(round)",
                                holder: "holder-\(index)", until: until))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(claims.filter { $0 == .claimed }.count == 1, "round \(round): \(claims)")
        }
        for store in stores { await store.close() }
        try await database.drop()
    }

    @Test("a database a newer build migrated is refused with what to do")
    func newerSchema() async throws {
        let database = try await PostgresTestDatabase.make()
        let store = try await PostgresHistoryStore(location: database.location)
        try await database.execute("INSERT INTO schema_migration (name) VALUES ('v99')")
        await store.close()
        let error = await #expect(throws: TicketMasterError.self) {
            _ = try await PostgresHistoryStore(location: database.location)
        }
        let message = error?.message ?? ""
        #expect(
            message.contains("written by a newer ticket-master (schema v99); this one knows up to v3"), "\(message)")
        try await database.drop()
    }

    @Test("a wrong password and a server that is not there end in one line that never shows the password")
    func connectionErrors() async throws {
        let database = try await PostgresTestDatabase.make()
        var wrong = database.location
        wrong.password = "not-the-password-\(UUID().uuidString)"
        let refused = await #expect(throws: TicketMasterError.self) {
            _ = try await PostgresHistoryStore(location: wrong)
        }
        #expect(refused?.message.contains("refused the user") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains(wrong.password ?? "") == false)
        #expect(refused?.message.contains("\n") == false)

        var absent = database.location
        absent.port = try Self.closedPort()
        let unreachable = await #expect(throws: TicketMasterError.self) {
            _ = try await PostgresHistoryStore(location: absent)
        }
        #expect(unreachable?.message.contains("cannot reach the history database") == true)
        #expect(unreachable?.message.contains(absent.password ?? "") == false)
        try await database.drop()
    }

    @Test("database.url is read strictly, and its description masks the password")
    func locations() throws {
        let location = try DatabaseLocation(url: "postgres://tm:s%40cret@db.internal:6432/history?sslmode=require")
        #expect(location.password == "s@cret")
        #expect(location.port == 6432 && location.tls == .require)
        #expect(location.description == "postgres://tm:********@db.internal:6432/history?sslmode=require")
        for bad in [
            "mysql://tm@db/history", "postgres://db/history", "postgres://tm@db", "postgres://tm@db/history?ssl=1",
            "postgres://tm@db/history?sslmode=verify-full",
        ] {
            let error = #expect(throws: TicketMasterError.self) { try DatabaseLocation(url: bad) }
            #expect(error?.code == .usage)
            #expect(error?.message.hasPrefix("database.url ") == true)
        }
    }

    /// A loopback port nothing listens on.
    private static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
