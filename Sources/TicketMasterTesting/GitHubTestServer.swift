import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The GitHub-conformant loopback server (`scripts/github-test-server`), started for one test and stopped with it.
///
/// Every request it receives is validated against GitHub's OpenAPI description; tests set up repositories, script
/// failures and read back what it received and stored through its `/_control` endpoints.
public final class GitHubTestServer: Sendable {
    /// A failure the server plays for the next matching requests.
    public enum Failure: Sendable {
        /// 401 Bad credentials.
        case unauthorized
        /// 403 secondary rate limit, with `retry-after` seconds when given.
        case secondaryLimit(retryAfter: Int?)
        /// 429 Too Many Requests, with `retry-after` seconds when given.
        case tooManyRequests(retryAfter: Int?)
        /// The primary rate limit spent: 403 with `x-ratelimit-remaining: 0` until `resetIn` seconds from now.
        case primaryLimit(resetIn: Int)
        /// A 5xx before doing anything.
        case serverError(status: Int)
        /// The request takes effect, then the server answers 502 (the case a retry must not duplicate).
        case serverErrorAfterApplying
        /// The reply comes after `seconds`.
        case slow(seconds: Double)
    }

    /// A request as the server received it.
    public struct ReceivedRequest: Sendable, Decodable {
        /// The method.
        public var method: String
        /// The path, without an `/api/v3` prefix.
        public var path: String
        /// The raw query string.
        public var query: String
        /// Headers, names lowercased.
        public var headers: [String: String]
        /// The body as text.
        public var body: String
        /// The status it answered.
        public var status: Int?
        /// Why the request broke GitHub's description, when it did.
        public var invalid: String?
    }

    /// An issue as the server stores it.
    public struct StoredIssue: Sendable, Decodable {
        /// A label as the server stores it.
        public struct Label: Sendable, Decodable {
            /// The name.
            public var name: String
            /// The colour.
            public var color: String
        }

        /// The number.
        public var number: Int
        /// The title.
        public var title: String
        /// The body.
        public var body: String?
        /// The labels.
        public var labels: [Label]
        /// `open` or `closed`.
        public var state: String
        /// The assigned users.
        public var assignees: [User]
        /// Why it was closed: `completed` or `not_planned`; nil while open.
        public var stateReason: String?
        /// How many comments it has.
        public var comments: Int

        enum CodingKeys: String, CodingKey {
            case number, title, body, labels, state, assignees, comments
            case stateReason = "state_reason"
        }

        /// A user as the server shows it.
        public struct User: Sendable, Decodable {
            /// The login.
            public var login: String
        }
    }

    /// An issue to seed a repository with.
    public struct SeedIssue: Sendable, Encodable {
        /// The title.
        public var title: String
        /// The body.
        public var body: String?
        /// `open` or `closed`.
        public var state: String
        /// Label names.
        public var labels: [String]
        /// How many seconds ago it was filed.
        public var age: Double

        /// Creates a seed issue.
        public init(title: String, body: String? = nil, state: String = "open", labels: [String] = [], age: Double = 0)
        {
            self.title = title
            self.body = body
            self.state = state
            self.labels = labels
            self.age = age
        }
    }

    /// The server's root, such as `http://127.0.0.1:PORT`; use it as the API root.
    public let url: URL
    private let process: Process
    private let directory: URL

    /// Starts a server and waits until it listens (the first start may install `openapi-core` with pip).
    public init(timeout: Duration = .seconds(180)) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent("stdout")
        let log = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            CommandRunner.packageRoot.appendingPathComponent("scripts/github-test-server").path,
            "--pid-file", directory.appendingPathComponent("pid").path,
        ]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        var found: URL?
        while found == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("GITHUB_TEST_URL=") }) {
                found = URL(string: String(line.dropFirst("GITHUB_TEST_URL=".count)))
                break
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                if process.isRunning { process.terminate() }
                let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw TrackerTestServerError("the GitHub test server did not start: \(errors.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        self.url = found ?? directory
        self.process = process
        self.directory = directory
    }

    /// The API root of a GitHub Enterprise Server at this address (`/api/v3`).
    public var enterpriseURL: URL { url.appendingPathComponent("api/v3") }

    /// Creates a repository; `permission` (`read`, `triage`, `write`, `maintain`, `admin`) is what every token may do.
    public func createRepository(
        owner: String, name: String, permission: String = "admin", labels: [String] = [], issues: [SeedIssue] = []
    ) async throws {
        struct Command: Encodable {
            var action = "create_repository"
            var owner: String
            var name: String
            var permission: String
            var labels: [String]
            var issues: [SeedIssue]
        }
        try await control(Command(owner: owner, name: name, permission: permission, labels: labels, issues: issues))
    }

    /// Plays `failure` for the next `count` requests whose method and path (a regular expression) match, after
    /// letting the first `after` of them through.
    public func fail(
        next count: Int = 1, with failure: Failure, method: String? = nil, path: String? = nil, after: Int = 0
    )
        async throws
    {
        struct Command: Encodable {
            var action = "fail"
            var mode: String
            var count: Int
            var after: Int
            var method: String?
            var path: String?
            var retryAfter: Int?
            var status: Int?
            var delay: Double?
            var resetIn: Int?

            enum CodingKeys: String, CodingKey {
                case action, mode, count, after, method, path, status, delay
                case retryAfter = "retry_after"
                case resetIn = "reset_in"
            }
        }
        var command = Command(mode: "", count: count, after: after, method: method, path: path)
        switch failure {
        case .unauthorized: command.mode = "unauthorized"
        case .secondaryLimit(let retryAfter):
            command.mode = "secondary"
            command.retryAfter = retryAfter
        case .tooManyRequests(let retryAfter):
            command.mode = "too_many"
            command.retryAfter = retryAfter
        case .primaryLimit(let resetIn):
            command.mode = "primary"
            command.resetIn = resetIn
        case .serverError(let status):
            command.mode = "server_error"
            command.status = status
        case .serverErrorAfterApplying:
            command.mode = "server_error_after"
            command.status = 502
        case .slow(let seconds):
            command.mode = "slow"
            command.delay = seconds
        }
        try await control(command)
    }

    /// Answers 401 to these tokens.
    public func rejectTokens(_ tokens: [String]) async throws {
        struct Command: Encodable {
            var action = "bad_tokens"
            var tokens: [String]
        }
        try await control(Command(tokens: tokens))
    }

    /// Sets the core quota: `remaining` requests until `resetIn` seconds from now.
    public func setRateLimit(remaining: Int, resetIn: Double) async throws {
        struct Command: Encodable {
            var action = "rate_limit"
            var remaining: Int
            var resetIn: Double

            enum CodingKeys: String, CodingKey {
                case action, remaining
                case resetIn = "reset_in"
            }
        }
        try await control(Command(remaining: remaining, resetIn: resetIn))
    }

    /// Hides issues younger than `seconds` from search, as GitHub's index lags.
    public func setSearchLag(seconds: Double) async throws {
        struct Command: Encodable {
            var action = "search_lag"
            var seconds: Double
        }
        try await control(Command(seconds: seconds))
    }

    /// Every API request received so far.
    public func requests() async throws -> [ReceivedRequest] {
        try JSONDecoder().decode([ReceivedRequest].self, from: try await get("_control/requests"))
    }

    /// Responses the server produced that break GitHub's description (a bug in the server if not empty).
    public func responseProblems() async throws -> [String] {
        try JSONDecoder().decode([String].self, from: try await get("_control/problems"))
    }

    /// The issues stored for `owner/name`.
    public func issues(owner: String, name: String) async throws -> [StoredIssue] {
        try JSONDecoder().decode([StoredIssue].self, from: try await get("_control/issues?repo=\(owner)/\(name)"))
    }

    /// Stops the server (by the PID it wrote, then by its process), waiting until it has exited.
    public func stop() {
        let pidFile = directory.appendingPathComponent("pid")
        let text = (try? String(contentsOf: pidFile, encoding: .utf8)) ?? ""
        TrackerProcesses.stop(process, pid: Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        stop()
    }

    private func control(_ command: some Encodable) async throws {
        var request = URLRequest(url: url.appendingPathComponent("_control"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONEncoder().encode(command)
        try await TrackerTestHTTP.send(request)
    }

    private func get(_ path: String) async throws -> Data {
        guard let target = URL(string: url.absoluteString + "/" + path) else {
            throw TrackerTestServerError("bad control path \(path)")
        }
        return try await TrackerTestHTTP.send(URLRequest(url: target))
    }
}

/// A test server that failed to start or answer its control requests.
public struct TrackerTestServerError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}

/// Stopping the processes test servers run in.
enum TrackerProcesses {
    /// Sends SIGTERM to `pid` (or the process), then SIGKILL if it is still running after five seconds.
    static func stop(_ process: Process, pid: Int32?) {
        let target = pid ?? process.processIdentifier
        guard process.isRunning || pid != nil else { return }
        kill(target, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(target, SIGKILL)
            while process.isRunning { usleep(20_000) }
        }
    }
}

/// Plain HTTP for test servers' control endpoints.
enum TrackerTestHTTP {
    /// Sends `request` and returns the body of a 2xx answer.
    @discardableResult
    static func send(_ request: URLRequest) async throws -> Data {
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw TrackerTestServerError(
                "\(request.url?.absoluteString ?? "?") answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}
