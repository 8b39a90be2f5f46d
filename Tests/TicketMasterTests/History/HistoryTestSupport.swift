import Foundation
import Testing
import TicketMaster

/// A folder in the temporary directory, removed when the value goes away.
final class TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tm-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The folder of committed fixture databases.
let historyFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The `sqlite3` shell, for tests that must change a database behind the store's back (a future schema, a missing
/// index); those tests are skipped where the shell is not installed.
enum SQLiteShell {
    static let executable = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static var isAvailable: Bool { executable != nil }

    /// Runs `sql` on the database at `path` and returns what it printed.
    @discardableResult
    static func run(_ sql: String, on path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = [path, sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sqlite3 failed on \(sql)")
        return String(decoding: data, as: UTF8.self)
    }
}

extension Data {
    /// Whether `text`'s UTF-8 bytes occur anywhere in the data.
    func contains(_ text: String) -> Bool {
        range(of: Data(text.utf8)) != nil
    }
}
