import Foundation
import RepositoryAnalysis

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real Git repository in a temporary folder, for tests: write files, commit with fixed dates and authors,
/// branch, merge, clone.
///
/// Every `git` it runs ignores the user's and the system's configuration (`GIT_CONFIG_GLOBAL=/dev/null`,
/// `GIT_CONFIG_NOSYSTEM=1`) and sets `user.name` and `user.email` in the repository itself, so tests behave the
/// same on every machine. Call `remove()` when done.
public struct TemporaryGitRepository: Sendable {
    /// An author for commits.
    public struct Author: Sendable, Hashable {
        /// The name.
        public var name: String
        /// The email.
        public var email: String

        /// Creates an author.
        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }

        /// The author commits use unless told otherwise.
        public static let `default` = Author(name: "Test Author", email: "author@example.com")
    }

    /// The working tree (or the repository itself, when bare).
    public let url: URL
    /// The folder that holds `url` and anything else the test creates beside it; removed by `remove()`.
    public let container: URL
    /// The `git` used.
    public let git: GitExecutable

    /// The environment every `git` run gets: no global or system configuration, a fixed default branch.
    public static let isolation: [String: String] = [
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": Author.default.name,
        "GIT_AUTHOR_EMAIL": Author.default.email, "GIT_COMMITTER_NAME": Author.default.name,
        "GIT_COMMITTER_EMAIL": Author.default.email,
    ]

    /// Creates an empty repository (`git init`) on branch `main` in a new temporary folder.
    public static func make(bare: Bool = false, git: GitExecutable = .init()) async throws -> TemporaryGitRepository {
        let container = FileManager.default.temporaryDirectory
            .appendingPathComponent("ticket-master-tests-\(UUID().uuidString)", isDirectory: true)
        let url = container.appendingPathComponent(bare ? "repository.git" : "repository", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let repository = TemporaryGitRepository(url: url, container: container, git: git)
        try await repository.run(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []))
        try await repository.run(["config", "user.name", Author.default.name])
        try await repository.run(["config", "user.email", Author.default.email])
        return repository
    }

    /// Wraps an existing folder (a clone or worktree made by another repository) sharing its container.
    public init(url: URL, container: URL, git: GitExecutable = .init()) {
        self.url = url
        self.container = container
        self.git = git
    }

    /// Deletes the container and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: container)
    }

    /// Runs `git` in the repository with the isolated configuration, plus `environment`; returns standard output.
    @discardableResult
    public func run(
        _ arguments: [String], environment: [String: String] = [:], standardInput: URL? = nil
    ) async throws -> String {
        let output = try await git.run(
            arguments, in: url, environment: Self.isolation.merging(environment) { $1 }, standardInput: standardInput)
        guard output.status == 0 else {
            throw AnalysisError(
                code: .gitFailed,
                message: "`git \(arguments.joined(separator: " "))` failed with status \(output.status)",
                cause: output.standardError)
        }
        return String(decoding: output.standardOutput, as: UTF8.self)
    }

    /// Writes `text` to `path` (relative to the working tree), creating folders as needed.
    public func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Adds `text` at the end of `path` (relative to the working tree), creating it and its folders as needed: a
    /// change that keeps what earlier commits wrote, as most fixes do.
    public func append(_ text: String, to path: String) throws {
        let existing = (try? Data(contentsOf: url.appendingPathComponent(path))) ?? Data()
        try write(existing + Data(text.utf8), to: path)
    }

    /// Writes `data` to `path` (relative to the working tree), creating folders as needed.
    public func write(_ data: Data, to path: String) throws {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// Writes `data` to a file at the top level whose name is exactly `name`, bytes that are not UTF-8 included.
    public func write(_ data: Data, toRawName name: [UInt8]) throws {
        let path = Array(url.path.utf8) + [UInt8(ascii: "/")] + name + [0]
        let descriptor = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { path -> Int32 in
                guard let base = path.baseAddress else { return -1 }
                return open(base, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: data)
    }

    /// Creates a sparse file of `size` bytes at `path`, quickly and without using the disk space.
    public func writeSparseFile(to path: String, size: Int) throws {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
            truncate(file.path, off_t(size)) == 0
        else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Stages everything (`git add -A`) and commits it with `message`, the given author, and `date` as both author
    /// and committer date; returns the new commit's hash.
    @discardableResult
    public func commit(
        _ message: String, date: Date, author: Author = .default, allowEmpty: Bool = false,
        committed: Date? = nil
    ) async throws -> String {
        try await commit(
            messageBytes: Array(message.utf8), date: date, author: author, allowEmpty: allowEmpty,
            committed: committed)
    }

    /// Like `commit(_:date:author:allowEmpty:committed:)` with a message given as bytes, which need not be UTF-8.
    /// `committed`, when given, is the committer date (a pull request merged or rebased after it was written);
    /// otherwise it is `date`.
    @discardableResult
    public func commit(
        messageBytes: [UInt8], date: Date, author: Author = .default, allowEmpty: Bool = false,
        committed: Date? = nil
    ) async throws -> String {
        try await run(["add", "-A"])
        let messageFile = container.appendingPathComponent("message-\(UUID().uuidString)")
        try Data(messageBytes).write(to: messageFile)
        defer { try? FileManager.default.removeItem(at: messageFile) }
        try await run(
            ["commit", "-q", "--no-verify", "-F", messageFile.path] + (allowEmpty ? ["--allow-empty"] : []),
            environment: Self.identity(author, date).merging(
                committed.map { ["GIT_COMMITTER_DATE": "@\(Int64($0.timeIntervalSince1970)) +0000"] } ?? [:]
            ) { _, later in later })
        return try await head()
    }

    /// Merges `branch` into the current branch with a merge commit (never a fast-forward); returns its hash.
    @discardableResult
    public func merge(_ branch: String, date: Date, author: Author = .default) async throws -> String {
        try await run(
            ["merge", "-q", "--no-ff", "--no-edit", branch], environment: Self.identity(author, date))
        return try await head()
    }

    /// The hash of `HEAD`.
    public func head() async throws -> String {
        try await run(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Feeds `stream` to `git fast-import`, which builds thousands of commits in a fraction of a second.
    public func fastImport(_ stream: String) async throws {
        try await fastImport(Data(stream.utf8))
    }

    /// Feeds raw bytes to `git fast-import`, which stores commit messages exactly as given (even when they are
    /// not UTF-8, which `git commit` would repair).
    public func fastImport(_ stream: Data) async throws {
        let file = container.appendingPathComponent("import-\(UUID().uuidString)")
        try stream.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await run(["fast-import", "--quiet"], standardInput: file)
    }

    /// The environment that gives a commit a fixed author and dates.
    public static func identity(_ author: Author, _ date: Date) -> [String: String] {
        let stamp = "@\(Int64(date.timeIntervalSince1970)) +0000"
        return [
            "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
        ]
    }
}
