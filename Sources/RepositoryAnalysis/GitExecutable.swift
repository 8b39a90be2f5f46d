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
