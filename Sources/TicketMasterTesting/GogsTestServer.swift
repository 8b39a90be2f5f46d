import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Gogs 0.14 on loopback (`scripts/start-gogs`), with an admin user and token, stopped with the test.
public final class GogsTestServer: Sendable {
    /// Gogs could not be had: the package could not be downloaded or its sha256 did not match.
    public struct Unavailable: Error, CustomStringConvertible {
        /// Why.
        public var description: String
    }

    /// The server's root, `http://127.0.0.1:PORT`.
    public let url: URL
    /// The admin user's login.
    public let user: String
    /// The admin user's access token.
    public let token: String
    private let directory: String

    /// The API root, `/api/v1`.
    public var apiRoot: URL { url.appendingPathComponent("api/v1") }

    /// Installs (once; cached) and starts Gogs; throws ``Unavailable`` only when the package cannot be fetched or
    /// fails its checksum.
    public init() async throws {
        let root = CommandRunner.packageRoot.appendingPathComponent("scripts")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gogs-\(UUID().uuidString)")
        let result = try await Task.detached {
            try CommandRunner.runScript(root.appendingPathComponent("start-gogs"), arguments: [directory.path])
        }.value
        guard result.status == 0 else {
            if result.status == 3 || result.status == 4 {
                throw Unavailable(description: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            throw TrackerTestServerError("scripts/start-gogs failed (\(result.status)): \(result.stderr.suffix(2000))")
        }
        var values: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard let url = values["GOGS_URL"].flatMap(URL.init(string:)), let user = values["GOGS_USER"],
            let token = values["GOGS_TOKEN"]
        else {
            throw TrackerTestServerError("scripts/start-gogs printed no URL and token: \(result.stdout)")
        }
        self.url = url
        self.user = user
        self.token = token
        self.directory = directory.path
    }

    /// Creates a repository owned by the admin user.
    public func createRepository(named name: String) async throws {
        var request = URLRequest(url: apiRoot.appendingPathComponent("user/repos"))
        request.httpMethod = "POST"
        request.setValue("token \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"name":"\#(name)","auto_init":false}"#.utf8)
        try await TrackerTestHTTP.send(request)
    }

    /// An issue as Gogs stores it, read through its API without the tracker under test.
    public struct StoredIssue: Sendable, Decodable {
        /// A label on it.
        public struct Label: Sendable, Decodable {
            /// The name.
            public var name: String
            /// The colour, `rrggbb`.
            public var color: String
        }

        /// The number.
        public var number: Int
        /// The title.
        public var title: String
        /// The body.
        public var body: String
        /// The labels.
        public var labels: [Label]
        /// `open` or `closed`.
        public var state: String
    }

    /// The comments on issue `number` of `repository`, oldest first, read straight from Gogs; Gogs records closing
    /// and reopening as comments without text, which are left out.
    public func comments(on number: Int, in repository: String) async throws -> [String] {
        struct Comment: Decodable { var body: String }
        var request = URLRequest(
            url: apiRoot.appendingPathComponent("repos/\(user)/\(repository)/issues/\(number)/comments"))
        request.setValue("token \(token)", forHTTPHeaderField: "Authorization")
        return try JSONDecoder().decode([Comment].self, from: try await TrackerTestHTTP.send(request)).map(\.body)
            .filter { !$0.isEmpty }
    }

    /// Issue `number` of `repository`, read straight from Gogs.
    public func issue(_ number: Int, in repository: String) async throws -> StoredIssue {
        var request = URLRequest(url: apiRoot.appendingPathComponent("repos/\(user)/\(repository)/issues/\(number)"))
        request.setValue("token \(token)", forHTTPHeaderField: "Authorization")
        return try JSONDecoder().decode(StoredIssue.self, from: try await TrackerTestHTTP.send(request))
    }

    /// Stops Gogs and removes its data.
    public func stop() {
        let script = CommandRunner.packageRoot.appendingPathComponent("scripts/stop-gogs")
        _ = try? CommandRunner.runScript(script, arguments: [directory])
    }

    deinit {
        stop()
    }
}

extension CommandRunner {
    /// Runs a script of this package with bash and returns what it printed.
    static func runScript(_ script: URL, arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + arguments
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("stdout")
        let errors = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        // Files, not pipes: a background server the script starts keeps a pipe open, which would hang a reader.
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Polled rather than `waitUntilExit()`, which can miss the exit of a script that leaves a server running.
        while process.isRunning { usleep(20_000) }
        return Result(
            stdout: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "", status: process.terminationStatus)
    }
}
