import AsyncHTTPClient
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the managed `llama-server` for as long as it is needed: started on a free loopback port on first use,
/// ready once `/health` answers 200, stopped with SIGTERM and, after a grace period, SIGKILL.
///
/// Call ``stop()`` when done (or use ``withServer(_:)``); as a safety net, the server is sent SIGTERM when the
/// runtime is released.
public actor LocalModelRuntime {
    /// How to run the server.
    public struct Options: Sendable, Hashable {
        /// Context size in tokens (`--ctx-size`); SmolLM2 was trained with 8192.
        public var contextSize: Int
        /// Serve `/v1/embeddings` too (`--embeddings --pooling mean`); this llama.cpp keeps chat working alongside
        /// it. SmolLM2 declares no pooling, and without one the OpenAI-style endpoint refuses to answer.
        public var embeddings: Bool
        /// How long the server may take to load the model and answer `/health`.
        public var startupTimeout: Duration
        /// How long the server gets to exit after SIGTERM before it is killed.
        public var stopGracePeriod: Duration
        /// More arguments for `llama-server`, e.g. `["--threads", "2"]`.
        public var extraArguments: [String]

        /// Creates options.
        public init(
            contextSize: Int = 4096, embeddings: Bool = true, startupTimeout: Duration = .seconds(120),
            stopGracePeriod: Duration = .seconds(5), extraArguments: [String] = []
        ) {
            self.contextSize = contextSize
            self.embeddings = embeddings
            self.startupTimeout = startupTimeout
            self.stopGracePeriod = stopGracePeriod
            self.extraArguments = extraArguments
        }
    }

    /// What is run.
    public let installation: LocalModelInstallation
    /// How it is run.
    public let options: Options
    private let logger: Logger
    private var process: Process?
    private var logFile: URL?
    private var baseURL: URL?
    private var starting: Task<URL, any Error>?

    /// Creates a runtime; nothing starts until ``start()``.
    public init(
        installation: LocalModelInstallation = LocalModelInstallation(), options: Options = Options(),
        logger: Logger = Logger(label: "ticket-master.local-model")
    ) {
        self.installation = installation
        self.options = options
        self.logger = logger
    }

    deinit {
        if let process, process.isRunning { process.terminate() }
    }

    /// The running server's process ID, if it runs.
    public var processIdentifier: Int32? {
        guard let process, process.isRunning else { return nil }
        return process.processIdentifier
    }

    /// Starts the server if it is not running and returns its root URL, e.g. `http://127.0.0.1:41234`.
    ///
    /// Concurrent callers share one start.
    public func start() async throws -> URL {
        if let baseURL, let process, process.isRunning { return baseURL }
        if let starting { return try await starting.value }
        let task = Task { try await launch() }
        starting = task
        defer { starting = nil }
        return try await task.value
    }

    /// Stops the server: SIGTERM, then SIGKILL if it is still running after the grace period.
    ///
    /// The server's log is removed after a clean stop; a server that crashed keeps its log for inspection.
    public func stop() async {
        guard let process else { return }
        self.process = nil
        baseURL = nil
        guard process.isRunning else { return }
        process.terminate()
        if await !Self.waitForExit(process, within: options.stopGracePeriod) {
            logger.warning("llama-server ignored SIGTERM for \(options.stopGracePeriod); killing it")
            kill(process.processIdentifier, SIGKILL)
            _ = await Self.waitForExit(process, within: .seconds(5))
        }
        if let logFile { try? FileManager.default.removeItem(at: logFile) }
        logFile = nil
    }

    /// Runs `body` with the server's root URL and stops the server afterwards, however `body` ends.
    public func withServer<Result: Sendable>(_ body: (URL) async throws -> Result) async throws -> Result {
        let url = try await start()
        do {
            let result = try await body(url)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    private func launch() async throws -> URL {
        guard installation.isInstalled else {
            throw LanguageModelError(
                .notInstalled,
                "local: the managed model is not installed in \(installation.directory.path); "
                    + "run `ticket-master models install-local`")
        }
        var lastFailure: LanguageModelError?
        // A port found free can be taken before the server binds it; a fresh port on retry settles that race.
        for _ in 1...3 {
            let port = try Self.freePort()
            do {
                return try await launch(port: port)
            } catch let error as LanguageModelError where error.code == .localServerFailed {
                lastFailure = error
            }
        }
        throw lastFailure ?? LanguageModelError(.localServerFailed, "local: llama-server did not start")
    }

    private func launch(port: Int) async throws -> URL {
        try FileManager.default.createDirectory(at: installation.logDirectory, withIntermediateDirectories: true)
        let logFile = installation.logDirectory.appendingPathComponent("llama-server-\(port).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = installation.serverExecutable
        var arguments = [
            "--model", installation.modelFile.path, "--alias", LocalModelInstallation.modelName,
            "--host", "127.0.0.1", "--port", String(port), "--ctx-size", String(options.contextSize),
        ]
        // An embedding input must fit in one physical batch, which `--embeddings` otherwise holds at 512 tokens.
        if options.embeddings {
            arguments += ["--embeddings", "--pooling", "mean", "--ubatch-size", "2048", "--batch-size", "2048"]
        }
        process.arguments = arguments + options.extraArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        do {
            try process.runWithDefaultSignalMask()
        } catch {
            throw LanguageModelError(
                .localServerFailed,
                "local: could not run \(installation.serverExecutable.path) (\(error.localizedDescription)); "
                    + "reinstall with `ticket-master models install-local`",
                cause: ErrorDescription(description: String(describing: error)))
        }
        self.process = process
        self.logFile = logFile
        let url = URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/")
        logger.info(
            "started llama-server (pid \(process.processIdentifier)) on \(url.absoluteString); log: \(logFile.path)")

        let deadline = ContinuousClock.now + options.startupTimeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                self.process = nil
                throw LanguageModelError(
                    .localServerFailed,
                    "local: llama-server exited during startup (status \(process.terminationStatus)): "
                        + "\(Self.tail(of: logFile)); see \(logFile.path)")
            }
            if await Self.isHealthy(url) {
                baseURL = url
                return url
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await stop()
        throw LanguageModelError(
            .timeout,
            "local: llama-server did not become ready within \(options.startupTimeout); see \(logFile.path)")
    }

    /// Whether `/health` answers 200, which llama-server does only once the model is loaded (503 before).
    private static func isHealthy(_ url: URL) async -> Bool {
        let client = HTTPClients.client(for: Timeouts(connect: .seconds(1), idle: .seconds(2), request: .seconds(2)))
        let request = HTTPClientRequest(url: url.absoluteString + "/health")
        guard let response = try? await client.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return response.status.code == 200
    }

    private static func waitForExit(_ process: Process, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return !process.isRunning
    }

    /// The last meaningful line of the log, for error messages.
    private static func tail(of file: URL) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        return lines.last { $0.lowercased().contains("error") } ?? lines.last ?? "no output"
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now, found by binding port 0 and asking which port the
    /// kernel chose.
    static func freePort() throws -> Int {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw portError() }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw portError() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func portError() -> LanguageModelError {
        LanguageModelError(
            .localServerFailed, "local: could not find a free port on 127.0.0.1 (errno \(errno)); is loopback up?")
    }
}
