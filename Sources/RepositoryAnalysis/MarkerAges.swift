import Foundation
import Synchronization

/// The commit that last changed a line, as `git blame` reports it.
struct LineOrigin: Sendable, Hashable {
    /// The commit, or `nil` for a line not committed yet.
    var commit: String?
    /// Its author date, in seconds since 1970.
    var authorTime: Int64
    /// Its subject.
    var summary: String
    /// Whether the commit is where a shallow clone's history stops, so the line may be older still.
    var isBoundary: Bool
}

/// Where line origins are kept between runs, keyed by path and blob: a file whose content has not changed is
/// never blamed twice. The file store below is the only implementation today; the project's SQLite history
/// store can replace it.
protocol LineOriginCache: Sendable {
    /// The origins remembered for `path` with content `blob`, by line.
    func origins(path: String, blob: String) throws -> [Int: LineOrigin]?
    /// Replaces the remembered origins with `entries`, so files that changed or disappeared are forgotten.
    func replace(with entries: [LineOriginKey: [Int: LineOrigin]]) throws
}

/// A file's path and content, which together determine its blame.
struct LineOriginKey: Sendable, Hashable {
    /// The path.
    var path: String
    /// The blob of the content.
    var blob: String
}

/// Finds when marker lines last changed: one `git blame` per file for all its marker lines (`-L` repeated), files
/// blamed in parallel, results cached by blob.
///
/// A line's age is that of its words, not of its layout: blame ignores whitespace (`-w`) and the commits the
/// repository lists in `.git-blame-ignore-revs`, and a line last changed by a commit that only re-laid it out (the
/// same words, apart from whitespace and comment punctuation, were in the commit's parent) is blamed again past
/// that commit.
struct MarkerAges: Sendable {
    /// The repository's `git`.
    var git: GitProcess
    /// How many blames run at once.
    var jobs: Int
    /// Origins from earlier runs, if caching is on.
    var cache: (any LineOriginCache)?
    /// The repository's `.git-blame-ignore-revs`, when it has one.
    var ignoreRevisionsFile: URL?

    /// A file whose lines need origins.
    struct Request: Sendable {
        /// The file.
        var file: TrackedFile
        /// The lines, from 1.
        var lines: [Int]
        /// Whether the working-tree file equals its index blob, so the result may be cached under that blob.
        var matchesIndex: Bool
    }

    /// The origins of the requested lines, by path and line; lines whose origin could not be found are absent.
    func origins(
        for requests: [Request], progress: @escaping @Sendable (AnalysisProgress) -> Void
    ) async throws -> [String: [Int: LineOrigin]] {
        var result: [String: [Int: LineOrigin]] = [:]
        var keep: [LineOriginKey: [Int: LineOrigin]] = [:]
        var toBlame: [Request] = []
        for request in requests {
            let key = LineOriginKey(path: request.file.path, blob: request.file.blob)
            if request.matchesIndex, let cached = try cache?.origins(path: key.path, blob: key.blob),
                request.lines.allSatisfy({ cached[$0] != nil })
            {
                result[key.path] = cached
                keep[key] = cached
            } else {
                toBlame.append(request)
            }
        }
        let total = toBlame.count
        progress(AnalysisProgress(phase: "dating markers", completed: 0, total: total))
        let done = Counter(0)
        let ignoreFile = ignoreRevisionsFile
        var blamed = try await parallel(toBlame) { request, git in
            let origins = try await Self.blame(request, git: git, ignoreFile: ignoreFile, ignoring: [])
            progress(AnalysisProgress(phase: "dating markers", completed: done.add(1), total: total))
            return origins
        }
        // Lines whose last change only re-laid them out are blamed again, past those commits, until their words'
        // origin is found (or three rounds have passed).
        let root = git.directory
        var ignored: [String: Set<String>] = [:]
        for _ in 0..<3 {
            let round = blamed.indices.map { (index: $0, request: blamed[$0].0, origins: blamed[$0].1) }
            let known = ignored
            let found = try await parallel(round) { item, git in
                try await Self.relayoutCommits(
                    item.request, origins: item.origins, root: root, git: git,
                    known: known[item.request.file.path] ?? [])
            }
            let again = found.filter { !$0.1.isEmpty }.map(\.0)
            guard !again.isEmpty else { break }
            for (item, commits) in found { ignored[item.request.file.path, default: []].formUnion(commits) }
            let ignoring = ignored
            let reblamed = try await parallel(again) { item, git in
                try await Self.blame(
                    item.request, git: git, ignoreFile: ignoreFile,
                    ignoring: (ignoring[item.request.file.path] ?? []).sorted())
            }
            for (item, origins) in reblamed where !origins.isEmpty { blamed[item.index].1 = origins }
        }
        for (request, origins) in blamed {
            result[request.file.path] = origins
            let complete = request.lines.allSatisfy { origins[$0]?.commit != nil }
            if request.matchesIndex, complete {
                keep[LineOriginKey(path: request.file.path, blob: request.file.blob)] = origins
            }
        }
        if let cache, !blamed.isEmpty || keep.count != requests.count {
            // A cache that cannot be written costs speed, not correctness.
            try? cache.replace(with: keep)
        }
        return result
    }

    /// Runs `work` on every item, `jobs` at a time, and returns the items with their results in the items' order.
    private func parallel<Item: Sendable, Output: Sendable>(
        _ items: [Item], _ work: @escaping @Sendable (Item, GitProcess) async throws -> Output
    ) async throws -> [(Item, Output)] {
        let git = self.git
        return try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            var results = [Output?](repeating: nil, count: items.count)
            var next = 0
            func addNext() {
                guard next < items.count else { return }
                let index = next
                let item = items[index]
                next += 1
                group.addTask { (index, try await work(item, git)) }
            }
            for _ in 0..<max(1, jobs) { addNext() }
            while let (index, output) = try await group.next() {
                results[index] = output
                addNext()
            }
            return zip(items, results).compactMap { item, output in output.map { (item, $0) } }
        }
    }

    /// The commits that last changed some of `request`'s lines without changing their words: the same line,
    /// once whitespace and comment punctuation are left out, was already in the commit's parent (re-indenting,
    /// `//TODO` to `// TODO`, `/* */` to `//`). Commits in `known` are already ignored.
    static func relayoutCommits(
        _ request: Request, origins: [Int: LineOrigin], root: URL, git: GitProcess, known: Set<String>
    ) async throws -> Set<String> {
        var linesByCommit: [String: [Int]] = [:]
        for line in request.lines {
            guard let origin = origins[line], let commit = origin.commit, !origin.isBoundary, !known.contains(commit)
            else { continue }
            linesByCommit[commit, default: []].append(line)
        }
        guard !linesByCommit.isEmpty,
            let data = FileManager.default.contents(atPath: root.appendingPathComponent(request.file.path).path)
        else { return [] }
        let current = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        var found = Set<String>()
        for (commit, lines) in linesByCommit {
            let (parent, completion) = try await git.capture(
                ["show", "--no-textconv"], rawArguments: [Array("\(commit)^:".utf8) + request.file.rawPath])
            // A root commit, or a file the commit added or renamed: nothing to compare with.
            guard completion.status == 0 else { continue }
            let before = Set(parent.split(separator: 0x0A).map(Self.words).filter { !$0.isEmpty })
            let relaid = lines.allSatisfy { line in
                guard line - 1 < current.count else { return false }
                let words = Self.words(current[line - 1])
                return !words.isEmpty && before.contains(words)
            }
            if relaid { found.insert(commit) }
        }
        return found
    }

    /// A line's bytes without whitespace and comment punctuation: what stays when only its layout changes.
    private static func words(_ line: Data.SubSequence) -> [UInt8] {
        line.filter { byte in
            !(byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "*")
                || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ";"))
        }
    }

    /// Blames the working-tree file at the requested lines, merged into ranges.
    private static func blame(
        _ request: Request, git: GitProcess, ignoreFile: URL?, ignoring: [String]
    ) async throws -> [Int: LineOrigin] {
        var arguments = ["blame", "--porcelain", "--root", "-w"]
        if let ignoreFile { arguments += ["--ignore-revs-file", ignoreFile.path] }
        for commit in ignoring { arguments += ["--ignore-rev", commit] }
        var lines = request.lines.sorted()[...]
        while let first = lines.first {
            var last = first
            lines = lines.dropFirst()
            while let next = lines.first, next == last + 1 {
                last = next
                lines = lines.dropFirst()
            }
            arguments += ["-L", "\(first),\(last)"]
        }
        arguments.append("--")
        // The path goes byte for byte: names that are not UTF-8 must reach git unchanged.
        let (output, completion) = try await git.capture(arguments, rawArguments: [request.file.rawPath])
        // A file that blame cannot read (added but never committed, say) keeps unknown ages.
        guard completion.status == 0 else { return [:] }
        return parsePorcelain(output)
    }

    /// Parses `git blame --porcelain`: a header `<hash> <original line> <final line> [<count>]` per line, commit
    /// details the first time a commit appears, and the line's text after a tab.
    static func parsePorcelain(_ output: Data) -> [Int: LineOrigin] {
        var commitOfLine: [Int: String] = [:]
        var times: [String: Int64] = [:]
        var summaries: [String: String] = [:]
        var boundaries: Set<String> = []
        var current = ""
        for rawLine in output.split(separator: 0x0A, omittingEmptySubsequences: true) {
            if rawLine.first == 0x09 { continue }
            let line = String(decoding: rawLine, as: UTF8.self)
            let fields = line.split(separator: " ", maxSplits: 3)
            if fields.count >= 3, fields[0].count >= 40, fields[0].allSatisfy(\.isHexDigit), let final = Int(fields[2])
            {
                current = String(fields[0])
                let count = fields.count > 3 ? Int(fields[3]) ?? 1 : 1
                for offset in 0..<count { commitOfLine[final + offset] = current }
            } else if line.hasPrefix("author-time ") {
                times[current] = Int64(line.dropFirst("author-time ".count)) ?? 0
            } else if line.hasPrefix("summary ") {
                summaries[current] = String(line.dropFirst("summary ".count))
            } else if line == "boundary" {
                boundaries.insert(current)
            }
        }
        var origins: [Int: LineOrigin] = [:]
        for (line, commit) in commitOfLine {
            let committed = commit.contains { $0 != "0" }
            origins[line] = LineOrigin(
                commit: committed ? commit : nil, authorTime: times[commit] ?? 0, summary: summaries[commit] ?? "",
                isBoundary: boundaries.contains(commit))
        }
        return origins
    }
}

/// A `LineOriginCache` in one binary file, rewritten atomically.
final class FileLineOriginCache: LineOriginCache {
    private static let magic: [UInt8] = Array("TMBL".utf8)
    // Version 2: ages ignore whitespace and reformatting commits.
    private static let version: UInt64 = 2

    /// The file.
    let url: URL
    private let entries = Mutex<[LineOriginKey: [Int: LineOrigin]]?>(nil)

    /// A cache in `url`.
    init(url: URL) {
        self.url = url
    }

    func origins(path: String, blob: String) throws -> [Int: LineOrigin]? {
        entries.withLock { entries in
            if entries == nil { entries = load() }
            return entries?[LineOriginKey(path: path, blob: blob)]
        }
    }

    func replace(with newEntries: [LineOriginKey: [Int: LineOrigin]]) throws {
        entries.withLock { $0 = newEntries }
        var commits: [String: Int] = [:]
        var table = BinaryWriter()
        var body = BinaryWriter()
        var commitCount = 0
        body.count(newEntries.count)
        for (key, origins) in newEntries.sorted(by: { $0.key.path < $1.key.path }) {
            body.string(key.path)
            body.string(key.blob)
            body.count(origins.count)
            for (line, origin) in origins.sorted(by: { $0.key < $1.key }) {
                let identity = "\(origin.commit ?? "")\u{0}\(origin.isBoundary)"
                let index: Int
                if let known = commits[identity] {
                    index = known
                } else {
                    index = commitCount
                    commits[identity] = index
                    commitCount += 1
                    table.string(origin.commit ?? "")
                    table.signed(origin.authorTime)
                    table.string(origin.summary)
                    table.count(origin.isBoundary ? 1 : 0)
                }
                body.count(line)
                body.count(index)
            }
        }
        var writer = BinaryWriter()
        writer.raw(Self.magic)
        writer.unsigned(Self.version)
        writer.count(commitCount)
        writer.raw(table.bytes)
        writer.raw(body.bytes)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(writer.bytes).write(to: url, options: .atomic)
    }

    /// Reads the file; a missing or malformed file is an empty cache.
    private func load() -> [LineOriginKey: [Int: LineOrigin]] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        var reader = BinaryReader(Array(data))
        do {
            guard try reader.raw(4) == Self.magic, try reader.unsigned() == Self.version else { return [:] }
            var commits: [LineOrigin] = []
            for _ in 0..<(try reader.count()) {
                let hash = try reader.string()
                commits.append(
                    LineOrigin(
                        commit: hash.isEmpty ? nil : hash, authorTime: try reader.signed(),
                        summary: try reader.string(),
                        isBoundary: try reader.count() == 1))
            }
            var entries: [LineOriginKey: [Int: LineOrigin]] = [:]
            for _ in 0..<(try reader.count()) {
                let key = LineOriginKey(path: try reader.string(), blob: try reader.string())
                var origins: [Int: LineOrigin] = [:]
                for _ in 0..<(try reader.count()) {
                    let line = Int(clamping: try reader.unsigned())
                    let index = try reader.count()
                    guard index < commits.count else { throw BinaryReader.Malformed() }
                    origins[line] = commits[index]
                }
                entries[key] = origins
            }
            return reader.isAtEnd ? entries : [:]
        } catch {
            return [:]
        }
    }
}
