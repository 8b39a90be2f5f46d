import Foundation

/// The `git` program that analysis runs.
///
/// Analysis reads repositories only through `git` itself, so that every repository format, extension and
/// configuration `git` understands is understood here too.
public struct GitExecutable: Sendable {
    /// A `PATH`-style list of directories to search; `nil` searches the process's `PATH`.
    public var searchPath: String?
    /// An explicit location, which wins over the search when set.
    public var url: URL?

    /// Finds `git` on `searchPath`, or on the process's `PATH` when `searchPath` is `nil`.
    public init(searchPath: String? = nil) {
        self.searchPath = searchPath
        self.url = nil
    }

    /// Uses the `git` at `url`.
    public init(url: URL) {
        self.searchPath = nil
        self.url = url
    }

    /// The location of the executable, or a `gitMissing` error that says how to fix it.
    public func resolve() throws -> URL {
        if let url {
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw AnalysisError(
                    code: .gitMissing,
                    message: "git was not found at \(url.path); install git or point to an existing git executable"
                )
            }
            return url
        }
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = URL(fileURLWithPath: String(directory), isDirectory: true).appendingPathComponent("git")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw AnalysisError(
            code: .gitMissing,
            message: "git was not found on PATH; install git (for example `apt-get install git`) or add it to PATH"
        )
    }
}

extension GitExecutable {
    /// Runs `git` with `arguments` in `directory` and returns its standard output.
    ///
    /// For callers that need `git` beyond analysis (cloning a repository to analyse, test fixtures). Runs with the
    /// same isolation as analysis (C locale, no prompts, no optional locks) plus `environment`, reading standard
    /// input from the file at `standardInput` if given. Throws `gitMissing` or `gitFailed` with `git`'s message.
    public func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], standardInput: URL? = nil
    ) async throws -> Data {
        let process = GitProcess(executable: try resolve(), directory: directory, extraEnvironment: environment)
        return try await offload { handle in
            var data = Data()
            let completion = try process.runBlocking(arguments, standardInput: standardInput, handle: handle) {
                data.append(contentsOf: $0)
            }
            try GitProcess.check(completion, arguments)
            return data
        }
    }
}
