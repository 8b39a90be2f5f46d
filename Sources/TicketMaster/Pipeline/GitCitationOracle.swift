import Foundation
import RepositoryAnalysis

/// Answers "does this path exist at the analysed commit, and how many lines has it?" by asking git.
public actor GitCitationOracle: CitationOracle {
    private let repository: URL
    private let commit: String?
    private let git: GitExecutable
    /// Each path's content at the commit, read once for both questions; nil when it is not a file there.
    private var contents: [String: Data?] = [:]
    private var texts: [String: [String]?] = [:]
    private var lineCounts: [String: Int?] = [:]

    /// Creates an oracle for `commit` (nil for a repository without commits, where nothing can be cited).
    public init(repository: URL, commit: String?, git: GitExecutable) {
        self.repository = repository
        self.commit = commit
        self.git = git
    }

    public func lineCount(of path: String) async -> Int? {
        if let known = lineCounts[path] { return known }
        let count: Int?
        if let bytes = await content(of: path) {
            let newlines = bytes.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            count = bytes.isEmpty || bytes.last == UInt8(ascii: "\n") ? newlines : newlines + 1
        } else {
            count = await isFolder(path) ? 0 : nil
        }
        lineCounts[path] = count
        return count
    }

    /// The lines of `path`, for the model to read the code a finding is about; nil for a binary or missing file.
    public func lines(of path: String) async -> [String]? {
        if let known = texts[path] { return known }
        var lines: [String]?
        if let bytes = await content(of: path), !bytes.prefix(8000).contains(0) {
            var split = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            if split.last == "" { split.removeLast() }
            lines = split
        }
        texts[path] = lines
        return lines
    }

    private func content(of path: String) async -> Data? {
        if let known = contents[path] { return known }
        let data = await read(path)
        contents[path] = data
        return data
    }

    private func read(_ path: String) async -> Data? {
        guard let commit else { return nil }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let result = try? await git.run(["cat-file", "blob", "\(commit):\(trimmed)"], in: repository),
            result.status == 0
        else { return nil }
        return result.standardOutput
    }

    public func diff(of commit: String, path: String) async -> [String]? {
        // A hash from the analysis, never repository text: anything else is not asked of git.
        guard commit.count >= 7, commit.allSatisfy(\.isHexDigit) else { return nil }
        guard
            let result = try? await git.run(
                ["show", "--format=", "--unified=1", "--no-color", "--no-ext-diff", commit, "--", path],
                in: repository),
            result.status == 0, !result.standardOutput.prefix(8000).contains(0)
        else { return nil }
        let lines = String(decoding: result.standardOutput.prefix(64_000), as: UTF8.self).split(separator: "\n")
        // The hunks only: the file headers repeat what the model is told.
        return lines.drop { !$0.hasPrefix("@@") }.map { String($0.prefix(240)) }
    }

    /// A folder exists too (a bus-factor finding cites one); it has no lines.
    private func isFolder(_ path: String) async -> Bool {
        guard let commit else { return false }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let type = try? await git.run(["cat-file", "-t", "\(commit):\(trimmed)"], in: repository)
        return type.map { String(decoding: $0.standardOutput, as: UTF8.self).hasPrefix("tree") } == true
    }
}
