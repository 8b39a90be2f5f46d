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

/// Finds when marker lines last changed, results cached by blob.
///
/// A line's age is that of its words, not of its layout: the words are its bytes without whitespace and comment
/// punctuation (`LineWords`). Most lines are dated from the history the analysis reads anyway: that read asks git
/// for patches and notes the added and removed lines with the words of a line to date (`HistoryReader.watching`),
/// and a line's origin is the newest commit that added its words to the file, under its current name or an earlier
/// one, without also removing them (a commit that re-lays a line out or moves it within the file leaves its age
/// alone), skipping the commits the repository lists in `.git-blame-ignore-revs`.
///
/// The lines this cannot date (older than the analysis window, changed in the working tree, brought in by a merge)
/// are blamed: one `git blame` per file for all its lines (`-L` repeated), files in parallel. Blame ignores
/// whitespace (`-w`) and the listed commits too, and a line last changed by a commit that only re-laid it out (the
/// same words were in the commit's parent) is blamed again past that commit.
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

    /// What dating needs of the history read with patches, collected as it streams past: the renames, and the
    /// watched lines with the commits that added or removed them.
    struct History: Sendable {
        /// A watched line a commit added to or removed from a file.
        struct Line: Sendable {
            /// The commit's window position.
            var commit: Int
            /// The change's position in the commit's changes.
            var change: Int
            /// The file, under its name in that commit.
            var path: String
            /// The line's `LineWords`.
            var words: UInt64
            /// Whether the line was added rather than removed.
            var isAddition: Bool
        }

        /// A commit that changed watched lines.
        struct Commit: Sendable {
            var hash: String
            var authorTime: Int64
            var subject: String
        }

        /// Renames and copies, newest first: before them (older commits), a file had its previous name.
        var renames: [(commit: Int, path: String, previous: String)] = []
        /// The watched lines.
        var lines: [Line] = []
        /// The commits of `lines`, by window position.
        var commits: [Int: Commit] = [:]
        /// The shallow clone's boundary commits.
        var shallowBoundaries: Set<String>

        /// An empty history of a repository with `shallowBoundaries`.
        init(shallowBoundaries: Set<String>) {
            self.shallowBoundaries = shallowBoundaries
        }

        /// Takes what dating needs from the next chunk of the window.
        mutating func add(_ chunk: HistoryReader.Chunk) {
            for (offset, record) in chunk.records.enumerated() {
                for change in record.changes {
                    if let previous = change.previousPath {
                        renames.append((chunk.start + offset, change.path, previous))
                    }
                }
            }
            for line in chunk.lines {
                let record = chunk.records[line.commit - chunk.start]
                lines.append(
                    Line(
                        commit: line.commit, change: line.change, path: record.changes[line.change].path,
                        words: line.words,
                        isAddition: line.isAddition))
                if commits[line.commit] == nil {
                    commits[line.commit] = Commit(
                        hash: record.hash, authorTime: record.authorTime, subject: record.subject)
                }
            }
        }
    }

    /// The requests whose lines the cache does not answer.
    func uncached(_ requests: [Request]) throws -> [Request] {
        try requests.filter { try cached($0) == nil }
    }

    /// The remembered origins of all of `request`'s lines, or `nil` when the cache lacks any of them.
    private func cached(_ request: Request) throws -> [Int: LineOrigin]? {
        guard request.matchesIndex, let cached = try cache?.origins(path: request.file.path, blob: request.file.blob),
            request.lines.allSatisfy({ cached[$0] != nil })
        else { return nil }
        return cached
    }

    /// The `LineWords` of the requested lines of files that match their index blob (the others may hold lines not
    /// committed yet, which only blame can tell), by path and line, read from the working tree under `root`.
    static func words(of requests: [Request], root: URL) -> [String: [Int: UInt64]] {
        var result: [String: [Int: UInt64]] = [:]
        for request in requests where request.matchesIndex {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(request.file.path).path)
            else { continue }
            let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
            for line in request.lines where line >= 1 && line <= lines.count {
                if let words = LineWords.of(lines[line - 1]) { result[request.file.path, default: [:]][line] = words }
            }
        }
        return result
    }

    /// The origins of the requested lines, by path and line; lines whose origin could not be found are absent.
    /// `words` and `history` date what they can (see the type's description); the rest is blamed.
    func origins(
        for requests: [Request], words: [String: [Int: UInt64]] = [:], history: History? = nil,
        progress: @escaping @Sendable (AnalysisProgress) -> Void
    ) async throws -> [String: [Int: LineOrigin]] {
        var result: [String: [Int: LineOrigin]] = [:]
        var keep: [LineOriginKey: [Int: LineOrigin]] = [:]
        var toDate: [Request] = []
        for request in requests {
            if let cached = try cached(request) {
                result[request.file.path] = cached
                keep[LineOriginKey(path: request.file.path, blob: request.file.blob)] = cached
            } else {
                toDate.append(request)
            }
        }
        let fromHistory = history.map { Self.resolve(words, in: $0, ignoring: ignoredRevisions()) } ?? [:]
        var dated: [(Request, [Int: LineOrigin])] = []
        var toBlame: [Request] = []
        for request in toDate {
            let found = fromHistory[request.file.path] ?? [:]
            let rest = request.lines.filter { found[$0] == nil }
            if rest.isEmpty {
                dated.append((request, found))
            } else {
                var remaining = request
                remaining.lines = rest
                toBlame.append(remaining)
                if !found.isEmpty { result[request.file.path] = found }
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
        let requested = Dictionary(requests.map { ($0.file.path, $0.lines) }, uniquingKeysWith: { first, _ in first })
        for (request, origins) in dated + blamed {
            let all = (result[request.file.path] ?? [:]).merging(origins) { _, blamed in blamed }
            result[request.file.path] = all
            let complete = (requested[request.file.path] ?? []).allSatisfy { all[$0]?.commit != nil }
            if request.matchesIndex, complete {
                keep[LineOriginKey(path: request.file.path, blob: request.file.blob)] = all
            }
        }
        if let cache, !toDate.isEmpty || keep.count != requests.count {
            // A cache that cannot be written costs speed, not correctness.
            try? cache.replace(with: keep)
        }
        return result
    }

    /// The commits listed in the repository's `.git-blame-ignore-revs`, full or abbreviated.
    private func ignoredRevisions() -> [String] {
        guard let ignoreRevisionsFile, let data = FileManager.default.contents(atPath: ignoreRevisionsFile.path)
        else { return [] }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { line in
            let hash = line.prefix { $0.isHexDigit }
            return hash.count >= 7 ? hash.lowercased() : nil
        }
    }

    /// The origins `history` gives the lines with `words` (by path and line).
    ///
    /// A file's lines with the same words are dated together, walking from the newest commit back: a commit that
    /// added those words to the file (under its name at the time) more times than it removed them is the origin of
    /// that many of the lines, and one that removed them more times than it added them cancels as many adds of older
    /// commits first. So a line's date is the time since which the file has kept its words without a break: a
    /// commit that re-lays a line out or moves it within the file (adds and removes the same words) changes nothing,
    /// nor does a copy that was added and later taken out again, nor a commit that moves it from another file (it
    /// is followed there). Commits in `ignoring` (full or abbreviated hashes)
    /// are passed over. Of several lines with the same words, the earlier lines get the older dates; lines left
    /// undated are absent.
    static func resolve(
        _ words: [String: [Int: UInt64]], in history: History, ignoring: [String]
    ) -> [String: [Int: LineOrigin]] {
        guard !words.isEmpty, !history.lines.isEmpty else { return [:] }
        var byWords: [UInt64: [History.Line]] = [:]
        for line in history.lines { byWords[line.words, default: []].append(line) }
        for key in byWords.keys { byWords[key]?.sort { ($0.commit, $0.change) < ($1.commit, $1.change) } }
        let renames = history.renames
        let ignored = Set(ignoring.filter { $0.count == 40 })
        let prefixes = ignoring.filter { $0.count < 40 }
        func isIgnored(_ hash: String) -> Bool {
            ignored.contains(hash) || prefixes.contains { hash.hasPrefix($0) }
        }
        var result: [String: [Int: LineOrigin]] = [:]
        for (path, lines) in words {
            let groups = Dictionary(grouping: lines.keys.sorted(), by: { lines[$0] ?? 0 })
            for (lineWords, group) in groups {
                guard let candidates = byWords[lineWords] else { continue }
                var origins: [LineOrigin] = []
                var cancelled = 0
                var name = path
                var nextRename = 0
                var index = 0
                while index < candidates.count, origins.count < group.count {
                    let commit = candidates[index].commit
                    while nextRename < renames.count, renames[nextRename].commit < commit {
                        if renames[nextRename].path == name { name = renames[nextRename].previous }
                        nextRename += 1
                    }
                    var net = 0
                    var removedFrom: [String] = []
                    while index < candidates.count, candidates[index].commit == commit {
                        let candidate = candidates[index]
                        let changed = candidate.path
                        if changed == name {
                            net += candidate.isAddition ? 1 : -1
                        } else if !candidate.isAddition {
                            removedFrom.append(changed)
                        }
                        index += 1
                    }
                    guard let record = history.commits[commit], !isIgnored(record.hash) else { continue }
                    // Added here and taken out of another file in the same commit, which git did not see as a rename
                    // (a module split in two): the line moved, and its age is that of the file it came from.
                    if net > 0, let source = removedFrom.first, cancelled == 0 {
                        name = source
                        net -= min(net, removedFrom.count)
                    }
                    if net < 0 {
                        cancelled -= net
                    } else if net > 0 {
                        let kept = max(0, net - cancelled)
                        cancelled = max(0, cancelled - net)
                        let origin = LineOrigin(
                            commit: record.hash, authorTime: record.authorTime, summary: record.subject,
                            isBoundary: history.shallowBoundaries.contains(record.hash))
                        origins += Array(repeating: origin, count: min(kept, group.count - origins.count))
                    }
                }
                // `origins` is newest first. The earlier lines take the older dates; when fewer dates were found
                // than lines, the earliest lines stay undated.
                for (line, origin) in zip(group.suffix(origins.count), origins.reversed()) {
                    result[path, default: [:]][line] = origin
                }
            }
        }
        return result
    }

    /// Runs `work` on every item, `jobs` at a time, and returns the items with their results in the items' order.
    private func parallel<Item: Sendable, Output: Sendable>(
        _ items: [Item], _ work: @escaping @Sendable (Item, GitProcess) async throws -> Output
    ) async throws -> [(Item, Output)] {
        let git = self.git
        return Array(zip(items, try await concurrentMap(items, limit: jobs) { try await work($0, git) }))
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
            let before = Set(parent.split(separator: 0x0A).compactMap(LineWords.of))
            let relaid = lines.allSatisfy { line in
                guard line - 1 < current.count, let words = LineWords.of(current[line - 1]) else { return false }
                return before.contains(words)
            }
            if relaid { found.insert(commit) }
        }
        return found
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

/// A line added or removed by a commit's patch, whose words the history read watched for.
struct PatchLine: Sendable, Hashable {
    /// The commit's position in the records read.
    var commit: Int
    /// The file change's position in the commit's changes.
    var change: Int
    /// The line's `LineWords`.
    var words: UInt64
    /// Whether the line was added rather than removed.
    var isAddition: Bool
}

/// What stays of a line when only its layout changes: its bytes without whitespace and comment punctuation, hashed
/// (64-bit FNV-1a), so that lines can be compared across history without keeping them.
enum LineWords {
    /// The hash of `line`'s words, or `nil` when it has none (a blank line, a line of comment punctuation).
    static func of<Bytes: Collection>(_ line: Bytes) -> UInt64? where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var empty = true
        for byte in line where !isLayout(byte) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            empty = false
        }
        return empty ? nil : hash
    }

    /// Whitespace and the punctuation comments are made of.
    @inline(__always)
    static func isLayout(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "*")
            || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ";")
    }
}

/// A `LineOriginCache` in one binary file, rewritten atomically.
final class FileLineOriginCache: LineOriginCache {
    private static let magic: [UInt8] = Array("TMBL".utf8)
    // Version 2: ages ignore whitespace and reformatting commits. Version 3: a line moved from another file (a
    // module split) keeps that file's age, so origins found before are found again.
    private static let version: UInt64 = 3

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
