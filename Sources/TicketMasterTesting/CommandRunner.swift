import Foundation

/// Runs the built `ticket-master` executable the way a user would, with a controlled environment.
///
/// Each runner has its own temporary home folder, removed when the runner goes away.
public final class CommandRunner: Sendable {
    /// What one run printed and returned.
    public struct Result: Sendable {
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
        /// The exit status.
        public var status: Int32
    }

    /// The executable under test.
    public let executable: URL
    /// A private home folder, so no user configuration leaks into tests.
    public let home: URL
    /// Extra environment for every run.
    public let environment: [String: String]

    /// Locates the executable (`TM_BINARY`, else the package's `.build/debug/ticket-master`) and makes a temporary
    /// home folder.
    public init(environment: [String: String] = [:]) throws {
        let processEnvironment = ProcessInfo.processInfo.environment
        if let path = processEnvironment["TM_BINARY"] {
            executable = URL(fileURLWithPath: path)
        } else {
            executable = Self.packageRoot.appendingPathComponent(".build/debug/ticket-master")
        }
        home = FileManager.default.temporaryDirectory.appendingPathComponent("tm-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        self.environment = environment
    }

    /// The root of this package, found from this source file's path.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs the executable with `arguments` in `directory`; standard input is empty.
    public func run(
        _ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? home
        process.environment = environment(adding: extra)
        process.standardInput = FileHandle.nullDevice
        return try collect(process)
    }

    /// Starts the executable with `arguments` and returns at once, for tests that stop it part way; its output is
    /// discarded.
    public func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = home
        process.environment = environment(adding: extra)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the executable with `arguments` on a pseudo-terminal (through Python's `pty`), typing `input` into it;
    /// everything it printed, standard output and error alike, is in the result's `stdout`.
    public func runOnTerminal(
        _ arguments: [String], input text: String, environment extra: [String: String] = [:]
    ) throws -> Result {
        let script = """
            import os, pty, sys
            data = sys.stdin.buffer.read()
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            os.write(fd, data)
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                sys.stdout.buffer.write(chunk)
            sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, executable.path] + arguments
        process.currentDirectoryURL = home
        process.environment = environment(adding: extra)
        let input = Pipe()
        process.standardInput = input
        return try collect(process) {
            input.fileHandleForWriting.write(Data(text.utf8))
            try? input.fileHandleForWriting.close()
        }
    }

    /// Sends `signal` to `process` as soon as `condition` holds, checking every 2 ms on a thread of its own: a busy
    /// test run can hold Swift's few concurrency threads for seconds, past the point meant. False when the process
    /// ended, or `timeout` passed, first.
    public static func signal(
        _ signal: Int32, to process: Process, timeout: TimeInterval = 90,
        when condition: @escaping @Sendable () -> Bool
    ) async -> Bool {
        nonisolated(unsafe) let process = process
        return await withCheckedContinuation { continuation in
            Thread {
                let deadline = Date().addingTimeInterval(timeout)
                while process.isRunning && Date() < deadline {
                    if condition() {
                        kill(process.processIdentifier, signal)
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(2000)
                }
                continuation.resume(returning: false)
            }.start()
        }
    }

    /// Waits for `work`, a run of the executable, on a thread of its own instead of one of Swift's concurrency
    /// pool, which ``run(_:in:environment:)`` would hold until the child exits; on a two-core machine the pool has
    /// only two threads, and the other tests need them.
    public static func detached(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try work() }) }.start()
        }
    }

    /// Waits for a process from ``start(_:environment:)`` to exit, on a thread of its own (see ``detached(_:)``).
    public static func waitForExit(_ process: Process) async {
        await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume()
            }.start()
        }
    }

    private func environment(adding extra: [String: String]) -> [String: String] {
        var environment = [
            "HOME": home.path,
            "XDG_CONFIG_HOME": home.appendingPathComponent(".config").path,
            "XDG_CACHE_HOME": home.appendingPathComponent(".cache").path,
            "XDG_DATA_HOME": home.appendingPathComponent(".local/share").path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "COLUMNS": "100",
            "LANG": "C.UTF-8",
        ]
        environment.merge(self.environment) { $1 }
        environment.merge(extra) { $1 }
        return environment
    }

    /// Starts `process`, calls `started`, and waits for it, collecting what it printed.
    private func collect(_ process: Process, started: () -> Void = {}) throws -> Result {
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        started()
        // Read standard error on another thread so a chatty child cannot block on a full pipe.
        let errorSink = DataSink()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            errorSink.store(error.fileHandleForReading.readDataToEndOfFile())
        }
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: errorSink.data, as: UTF8.self),
            status: process.terminationStatus)
    }

    deinit {
        try? FileManager.default.removeItem(at: home)
    }
}

/// Data written by one thread and read by another after a `DispatchGroup.wait()`.
private final class DataSink: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()

    func store(_ data: Data) { lock.withLock { stored = data } }
    var data: Data { lock.withLock { stored } }
}
