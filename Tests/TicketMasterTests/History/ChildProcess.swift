import Foundation
import TicketMasterTesting

/// A `ticket-master` process running in the background, for tests that race or kill it.
final class ChildProcess: @unchecked Sendable {
    /// How it ended and what it printed.
    struct Result: Sendable {
        var status: Int32
        /// The signal that ended it, if one did.
        var signal: Int32?
        var stdout: String
        var stderr: String
    }

    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var outputData = Data()
    private var errorData = Data()

    init(executable: URL, arguments: [String], environment: [String: String], directory: URL) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes from the start so a chatty child never blocks on a full pipe.
        for (pipe, isOutput) in [(output, true), (errors, false)] {
            DispatchQueue.global().async(group: group) {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                self.lock.withLock {
                    if isOutput { self.outputData = data } else { self.errorData = data }
                }
            }
        }
    }

    /// Sends SIGKILL the moment `condition` holds, watching on a thread of its own every millisecond: a test run
    /// that keeps Swift's few concurrency threads busy can delay an async poll by seconds, long enough for the
    /// child to get past the point the test means to kill it at. True when killed that way; false if the process
    /// ended, or `timeout` passed, first.
    func kill(when condition: @escaping @Sendable () -> Bool, timeout: Duration = .seconds(60)) async -> Bool {
        let process = self.process
        return await withCheckedContinuation { continuation in
            Thread {
                let deadline = ContinuousClock.now + timeout
                while process.isRunning && ContinuousClock.now < deadline {
                    if condition() {
                        _ = Foundation.kill(process.processIdentifier, SIGKILL)
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(1000)
                }
                continuation.resume(returning: false)
            }.start()
        }
    }

    /// Waits for the process to end.
    func result() async -> Result {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                self.group.wait()
                let (stdout, stderr) = self.lock.withLock { (self.outputData, self.errorData) }
                let signaled = self.process.terminationReason == .uncaughtSignal
                continuation.resume(
                    returning: Result(
                        status: self.process.terminationStatus,
                        signal: signaled ? self.process.terminationStatus : nil,
                        stdout: String(decoding: stdout, as: UTF8.self),
                        stderr: String(decoding: stderr, as: UTF8.self)))
            }
        }
    }

    /// Waits for all of `children`, which are already running side by side.
    static func concurrently(_ children: [ChildProcess]) async -> [Result] {
        var results: [Result] = []
        for child in children { results.append(await child.result()) }
        return results
    }
}

extension CommandRunner {
    /// Starts the executable with `arguments` in the runner's home, with the same environment `run` gives it.
    func start(_ arguments: [String]) throws -> ChildProcess {
        var environment = [
            "HOME": home.path,
            "XDG_CONFIG_HOME": home.appendingPathComponent(".config").path,
            "XDG_CACHE_HOME": home.appendingPathComponent(".cache").path,
            "XDG_DATA_HOME": home.appendingPathComponent(".local/share").path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LANG": "C.UTF-8",
        ]
        environment.merge(self.environment) { $1 }
        return try ChildProcess(executable: executable, arguments: arguments, environment: environment, directory: home)
    }
}

/// The size of the file at `path`, 0 when there is none.
func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}
