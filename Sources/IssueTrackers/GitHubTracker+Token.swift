import Foundation

extension GitHubTracker {
    /// Finds a GitHub token: `explicit` (from configuration) first, then `GITHUB_TOKEN`, then `GH_TOKEN`, then
    /// `gh auth token` when the GitHub CLI is on `PATH` (for `GH_HOST` when set). The token's ``AccessToken/source``
    /// says which; the token itself is never logged.
    ///
    /// - Parameter ghTimeout: how long `gh` may take; a hung `gh` (waiting for a keyring, say) is killed.
    public static func discoverToken(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        ghTimeout: Duration = .seconds(5)
    ) async -> AccessToken? {
        if let explicit, !explicit.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return AccessToken(explicit, source: "configuration")
        }
        for variable in ["GITHUB_TOKEN", "GH_TOKEN"] {
            if let value = environment[variable], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return AccessToken(value, source: variable)
            }
        }
        guard let gh = executable(named: "gh", path: environment["PATH"]) else { return nil }
        var arguments = ["auth", "token"]
        if let host = environment["GH_HOST"], !host.isEmpty { arguments += ["--hostname", host] }
        guard let output = await run(gh, arguments: arguments, environment: environment, timeout: ghTimeout) else {
            return nil
        }
        let token = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty || token.contains(where: \.isWhitespace)
            ? nil : AccessToken(token, source: "gh auth token")
    }

    /// The API root to use: `configured` (the `github.api_url` setting) when given, else GitHub Enterprise's
    /// `https://$GH_HOST/api/v3` when `GH_HOST` names a host other than github.com, else `https://api.github.com`.
    public static func apiRoot(
        configured: URL?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> URL
    {
        if let configured { return configured }
        if let host = environment["GH_HOST"]?.trimmingCharacters(in: .whitespaces), !host.isEmpty,
            let root = TrackerKind.github.apiRoot(forHost: host)
        {
            return root
        }
        return defaultAPIRoot
    }

    private static func executable(named name: String, path: String?) -> URL? {
        for directory in (path ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `executable` and returns its standard output if it exits 0 within `timeout`.
    private static func run(
        _ executable: URL, arguments: [String], environment: [String: String], timeout: Duration
    ) async -> String? {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        do { try process.run() } catch { return nil }
        // Read concurrently so a chatty child cannot block on a full pipe, on a thread of its own: the read blocks
        // until every holder of the pipe is gone, and a blocked thread of the concurrency pool (two of them on two
        // cores) would hold up the deadline below.
        let reader = Task {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: output.fileHandleForReading.readDataToEndOfFile()) }.start()
            }
        }
        // Whichever comes first: the exit, or the deadline. Foundation reports the exit only once the output pipe is
        // closed, and a helper that `gh` forked may hold it open long after `gh` itself is gone, so the deadline is
        // not left waiting for the exit.
        let exitedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exited.stream {}
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard exitedInTime, process.terminationReason == .exit else {
            // SIGKILL: a child started from a concurrency thread inherits its blocked signals, so SIGTERM may never
            // arrive. Not waiting for the reader: a child of `gh` may hold the pipe open.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            return nil
        }
        let data = await reader.value
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
