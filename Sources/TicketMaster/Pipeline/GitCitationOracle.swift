import Foundation
import RepositoryAnalysis

/// Answers "does this path exist at the analysed commit, and how many lines has it?" by asking git.
public actor GitCitationOracle: CitationOracle {
    private let repository: URL
    private let commit: String?
    private let git: GitExecutable
    private var lineCounts: [String: Int?] = [:]

    /// Creates an oracle for `commit` (nil for a repository without commits, where nothing can be cited).
    public init(repository: URL, commit: String?, git: GitExecutable) {
        self.repository = repository
        self.commit = commit
        self.git = git
    }

    public func lineCount(of path: String) async -> Int? {
        if let known = lineCounts[path] { return known }
        let count = await readLineCount(path)
        lineCounts[path] = count
        return count
    }

    private func readLineCount(_ path: String) async -> Int? {
        guard let commit else { return nil }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let result = try? await git.run(["cat-file", "blob", "\(commit):\(trimmed)"], in: repository),
            result.status == 0
        else {
            // A folder exists too (a bus-factor finding cites one); it has no lines.
            let type = try? await git.run(["cat-file", "-t", "\(commit):\(trimmed)"], in: repository)
            return type.map { String(decoding: $0.standardOutput, as: UTF8.self).hasPrefix("tree") } == true ? 0 : nil
        }
        let bytes = result.standardOutput
        let newlines = bytes.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        return bytes.isEmpty || bytes.last == UInt8(ascii: "\n") ? newlines : newlines + 1
    }
}
