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
struct MarkerAges: Sendable {
    /// The repository's `git`.
    var git: GitProcess
    /// How many blames run at once.
    var jobs: Int
    /// Origins from earlier runs, if caching is on.
    var cache: (any LineOriginCache)?

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
        let git = self.git
        let blamed = try await withThrowingTaskGroup(of: (Request, [Int: LineOrigin]).self) { group in
            var blamed: [(Request, [Int: LineOrigin])] = []
            var next = 0
            func addNext() {
                guard next < toBlame.count else { return }
                let request = toBlame[next]
                next += 1
                group.addTask {
                    let origins = try await Self.blame(request, git: git)
                    progress(AnalysisProgress(phase: "dating markers", completed: done.add(1), total: total))
                    return (request, origins)
                }
            }
            for _ in 0..<max(1, jobs) { addNext() }
            while let item = try await group.next() {
                blamed.append(item)
                addNext()
            }
            return blamed
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

    /// Blames the working-tree file at the requested lines, merged into ranges.
    private static func blame(_ request: Request, git: GitProcess) async throws -> [Int: LineOrigin] {
        var arguments = ["blame", "--porcelain", "--root"]
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
    private static let version: UInt64 = 1

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
