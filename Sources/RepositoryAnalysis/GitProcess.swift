import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `git` in one repository, either collecting a small output or streaming a large one.
///
/// Every run happens on a thread of its own, never on the cooperative pool: reading a pipe blocks, and a
/// blocked cooperative thread would stall every other task of the process.
struct GitProcess: Sendable {
    /// The executable to run.
    var executable: URL
    /// The working directory of every run.
    var directory: URL
    /// Variables set on top of `environment` for every run.
    var extraEnvironment: [String: String] = [:]

    /// Options that make output independent of the user's configuration where it would change the facts.
    static let fixedOptions = [
        "-c", "core.quotepath=off",
        "-c", "log.showSignature=false",
        "-c", "log.showRoot=true",
        "-c", "color.ui=never",
        "-c", "core.fsmonitor=false",
    ]

    /// The inherited environment without variables that would point `git` at another repository, in the C locale
    /// so that messages are stable, and without prompts or optional locks (analysis must never block or write).
    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        for name in [
            "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_NAMESPACE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "LANGUAGE",
        ] {
            environment[name] = nil
        }
        environment["LC_ALL"] = "C"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        return environment
    }()

    /// `environment` as `NAME=value` entries for `posix_spawn`.
    static let environmentStrings: [[UInt8]] = environment.map { Array("\($0.key)=\($0.value)".utf8) }

    /// What a finished run left behind.
    struct Completion: Sendable {
        /// The exit status.
        var status: Int32
        /// Standard error, decoded lossily and trimmed.
        var standardError: String
    }

    /// Runs `git` with `arguments` (then `rawArguments`, passed byte for byte), passes standard output to `consume`
    /// in chunks as it arrives, and waits for the exit.
    ///
    /// Blocks the calling thread; call it from `offload`. `consume` sees each byte once, in order, in chunks of
    /// up to 1 MiB, so callers parse incrementally and never hold the whole output.
    ///
    /// `git` is started with `posix_spawn` rather than Foundation's `Process`: on Linux, `Process` keeps the parent's
    /// copy of a child's pipes open until it notices the exit, and when two children exit together it notices one
    /// only a second later, which stalled every parallel run by a second. Spawning directly also lets paths that
    /// are not UTF-8 reach `git` unchanged.
    func runBlocking(
        _ arguments: [String],
        rawArguments: [[UInt8]] = [],
        standardInput: URL? = nil,
        handle: ProcessHandle? = nil,
        consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Completion {
        let argv =
            [Array(executable.path.utf8), Array("-C".utf8), Array(directory.path.utf8)]
            + (Self.fixedOptions + arguments).map { Array($0.utf8) } + rawArguments
        let environment =
            extraEnvironment.isEmpty
            ? Self.environmentStrings
            : Self.environment.merging(extraEnvironment) { $1 }.map { Array("\($0.key)=\($0.value)".utf8) }
        let process = try SpawnedProcess(
            executable: executable.path, arguments: argv, environment: environment,
            standardInput: standardInput?.path)
        handle?.attach(process.pid)
        defer { handle?.detach() }

        // Standard output and error are read in one poll loop: a git that fills the stderr pipe while we wait on
        // stdout would otherwise deadlock, and a second thread per process would cost more than the loop.
        var errorBytes: [UInt8] = []
        var failure: (any Error)?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var descriptors = [
            pollfd(fd: process.standardOutput, events: Int16(POLLIN), revents: 0),
            pollfd(fd: process.standardError, events: Int16(POLLIN), revents: 0),
        ]
        while descriptors[0].fd >= 0 || descriptors[1].fd >= 0 {
            guard poll(&descriptors, 2, -1) >= 0 else {
                if errno == EINTR { continue }
                failure = AnalysisError(
                    code: .gitFailed, message: "waiting for git output failed", cause: "errno \(errno)")
                kill(process.pid, SIGTERM)
                break
            }
            for index in 0..<2 where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let count = read(descriptors[index].fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                    if index == 1 {
                        if errorBytes.count < 64 * 1024 { errorBytes += chunk }
                    } else if failure == nil {
                        do {
                            try consume(chunk)
                        } catch {
                            // Keep reading (and discarding) so that the stopped git is never blocked writing.
                            failure = error
                            kill(process.pid, SIGTERM)
                        }
                    }
                } else if count == 0 || errno != EINTR {
                    descriptors[index].fd = -1
                }
            }
        }
        let status = process.wait()
        // A git stopped because its task was cancelled failed for that reason, not for its own.
        if handle?.isCancelled == true { throw CancellationError() }
        if let failure { throw failure }
        let text = String(decoding: errorBytes, as: UTF8.self)
        return Completion(status: status, standardError: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs `git` and collects standard output, which must be small; the exit status is returned, not checked.
    func capture(
        _ arguments: [String], rawArguments: [[UInt8]] = [], standardInput: URL? = nil
    ) async throws -> (output: Data, completion: Completion) {
        try await offload { handle in
            var data = Data()
            let completion = try runBlocking(
                arguments, rawArguments: rawArguments, standardInput: standardInput, handle: handle
            ) {
                data.append(contentsOf: $0)
            }
            return (data, completion)
        }
    }

    /// Runs `git`, requires success, and returns standard output.
    func output(_ arguments: [String]) async throws -> Data {
        let (data, completion) = try await capture(arguments)
        try Self.check(completion, arguments)
        return data
    }

    /// Runs `git`, requires success, and returns standard output as one trimmed line of text.
    func line(_ arguments: [String]) async throws -> String {
        String(decoding: try await output(arguments), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Throws a `gitFailed` error naming the command when `completion` is a failure.
    static func check(_ completion: Completion, _ arguments: [String]) throws {
        guard completion.status != 0 else { return }
        // The subcommand, past the `-c name=value` settings that come before it.
        var rest = arguments[...]
        while rest.first == "-c" { rest = rest.dropFirst(2) }
        let command = rest.first ?? ""
        let firstLine = completion.standardError.split(separator: "\n").first.map(String.init) ?? ""
        // Objects a partial or damaged clone lacks stop every command that reads them: say so, not only "why".
        let missing = ["unable to read", "missing blob", "missing tree", "bad object", "could not read"]
            .contains { firstLine.contains($0) }
        throw AnalysisError(
            code: .gitFailed,
            message: missing
                ? "`git \(command)` could not read an object the repository lacks (a partial or damaged clone): fetch "
                    + "the missing objects (`git fetch --refetch`) or run `git fsck`, then analyse again"
                : "`git \(command)` failed with status \(completion.status); run it by hand in the repository to see why",
            cause: firstLine
        )
    }
}

/// Lets a cancelled task stop the `git` it started.
final class ProcessHandle: Sendable {
    private let state = Mutex<(pid: pid_t?, cancelled: Bool)>((nil, false))

    /// Remembers the running process, or stops it at once when cancellation came first.
    func attach(_ pid: pid_t) {
        let cancelled = state.withLock { state in
            state.pid = pid
            return state.cancelled
        }
        if cancelled { kill(pid, SIGTERM) }
    }

    /// Forgets the process before it is reaped, so that its id is never signalled after reuse.
    func detach() {
        state.withLock { $0.pid = nil }
    }

    /// Whether the task that owns the process was cancelled.
    var isCancelled: Bool {
        state.withLock { $0.cancelled }
    }

    /// Stops the running process, if any, and any process attached later.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if let pid = state.pid { kill(pid, SIGTERM) }
        }
    }
}

/// A child process started with `posix_spawn`, its standard output and error on pipes.
struct SpawnedProcess {
    /// The process id.
    let pid: pid_t
    /// The read end of the child's standard output; closed by `wait()`.
    let standardOutput: Int32
    /// The read end of the child's standard error; closed by `wait()`.
    let standardError: Int32

    /// Starts `executable` with `arguments` (including the program name) and `environment` (`NAME=value`),
    /// reading standard input from the file at `standardInput` or from `/dev/null`.
    init(executable: String, arguments: [[UInt8]], environment: [[UInt8]], standardInput: String?) throws {
        // Pipes are made close-on-exec under the same lock as every spawn, so that no git started in parallel
        // inherits another one's pipe (which would delay that pipe's end until the other git exits).
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        guard pipe(&output) == 0 else { throw Self.failure("pipe", errno) }
        guard pipe(&errors) == 0 else {
            close(output[0])
            close(output[1])
            throw Self.failure("pipe", errno)
        }
        for descriptor in output + errors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let input = open(standardInput ?? "/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(output[1])
            close(errors[1])
            if input >= 0 { close(input) }
        }
        guard input >= 0 else {
            close(output[0])
            close(errors[0])
            throw Self.failure("open", errno)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        // Descriptors that other code opened without close-on-exec must not leak into git either.
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // git gets default signal handling and no blocked signals, whatever the calling thread had.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var pid: pid_t = 0
        let result = Self.withCStrings(arguments) { argv in
            Self.withCStrings(environment) { envp in
                posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            }
        }
        guard result == 0 else {
            close(output[0])
            close(errors[0])
            throw AnalysisError(
                code: .gitMissing,
                message: "could not start \(executable); check that git is installed and executable",
                cause: String(cString: strerror(result)))
        }
        self.pid = pid
        self.standardOutput = output[0]
        self.standardError = errors[0]
    }

    /// Waits for the exit, closes the pipes, and returns the exit status (128 + signal when killed by one).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                status = 127 << 8
                break
            }
        }
        close(standardOutput)
        close(standardError)
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static let spawnLock = NSLock()

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not
    /// export; looked up at run time so that older systems still work, only without the extra protection.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        {
            #if os(Linux)
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
            return unsafeBitCast(
                symbol,
                to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
            #else
            return nil
            #endif
        }()

    private static func failure(_ call: String, _ code: Int32) -> AnalysisError {
        AnalysisError(
            code: .gitFailed, message: "could not start git: \(call) failed", cause: String(cString: strerror(code)))
    }

    /// Calls `body` with a NULL-terminated array of C strings made from `strings`.
    private static func withCStrings<T>(
        _ strings: [[UInt8]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T
    ) -> T {
        let pointers: [UnsafeMutablePointer<CChar>?] =
            strings.map { bytes in
                let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        pointer.initialize(from: $0.baseAddress ?? UnsafePointer(pointer), count: bytes.count)
                    }
                }
                pointer[bytes.count] = 0
                return pointer
            } + [nil]
        defer { for pointer in pointers { pointer?.deallocate() } }
        return pointers.withUnsafeBufferPointer { buffer in
            // The buffer is never empty: it ends with the terminating NULL.
            body(buffer.baseAddress ?? UnsafePointer(bitPattern: 1).unsafelyUnwrapped)
        }
    }
}

/// Runs blocking work on a thread of its own and resumes with its result; cancelling the task stops the `git`
/// that `body` runs through the handle it is given.
///
/// Not on Dispatch's global queues: on Linux they run no more threads than there are cores and add one only
/// after a delay when those block, so a few blocked reads stalled everything else by up to a second.
func offload<T: Sendable>(_ body: @escaping @Sendable (ProcessHandle) throws -> T) async throws -> T {
    let handle = ProcessHandle()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body(handle) })
            }
            thread.start()
        }
    } onCancel: {
        handle.cancel()
    }
}

/// Runs blocking work that starts no process on a thread of its own.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await offload { (_: ProcessHandle) in try body() }
}
