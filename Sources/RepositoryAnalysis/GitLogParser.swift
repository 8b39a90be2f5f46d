#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses the output of `git log -z --raw --numstat --format=<GitLogParser.format>` incrementally, or, when it
/// watches lines, of `git log -z --raw -p -U0 --format=<GitLogParser.format>`.
///
/// With `-z` every field, path and diff entry ends with a NUL, and paths are never quoted, so names with spaces,
/// tabs, newlines or bytes that are not UTF-8 come through unambiguously. A commit starts with a token that begins
/// with `0x01`, which no diff entry can begin with; diff entries begin with `:` (raw) or a digit or `-` (numstat),
/// and renames and copies carry their two paths as the next two tokens.
///
/// A patch follows the raw entries after an empty token and is text, one line at a time, up to the line that starts
/// the next commit with `0x01` (no patch line can: each begins with a space, `+`, `-`, `@`, `\\` or a header word).
/// It has one section (`diff --git …`) per raw entry, in the same order, except that a type change (a file
/// replaced by a symbolic link, say) has two: the deletion and the creation. The parser counts each section's added
/// and removed lines, which are what `--numstat` would print with the same context, and notes the added and removed
/// lines whose words (`LineWords`) it watches for. One case differs: a binary file renamed without a change has no
/// patch text to say it is binary, and counts as 0 lines where numstat says binary.
struct GitLogParser {
    /// The `--format` that the parser expects: hash, parents, author name and email after `.mailmap`, author and
    /// committer dates in seconds, subject.
    static let format = "--format=%x01%H%x00%P%x00%aN%x00%aE%x00%at%x00%ct%x00%s"

    /// A parse failure: the output did not have the expected shape.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private enum State {
        case start
        case header(field: Int)
        case entry
        case rawPaths(remaining: Int)
        case numstatPaths(remaining: Int)
        case patch
    }

    /// What the parser counts in the section of the patch it is reading.
    private struct Section {
        /// The raw entry the section belongs to.
        var entry: Int
        /// Whether its hunks have started (header lines such as `--- a/x` come before).
        var inHunk = false
    }

    private struct RawEntry {
        var status: FileChange.Status
        var path = ""
        var previousPath: String?
    }

    private struct StatEntry {
        var insertions: Int
        var deletions: Int
        /// The matching raw entry, when the stat came in the same order as the raw output (the usual case).
        var rawIndex: Int?
        var path: String?
        var previousPath: String?
    }

    /// The commits parsed so far, in output order.
    private(set) var commits: [CommitRecord] = []
    private var state = State.start
    private var pending: [UInt8] = []
    private var commit = CommitRecord(
        hash: "", parentCount: 0, authorName: "", authorEmail: "", authorTime: 0, commitTime: 0, subject: "",
        changes: [])
    private var raw: [RawEntry] = []
    private var stats: [StatEntry] = []
    private var pathStrings: [String] = []
    /// Paths and author names seen so far, so that every record that repeats one shares its storage: a history
    /// of 80,000 commits names a few thousand paths and authors, and a copy each took a fifth of the records' memory.
    private var interned: [String: String] = [:]
    private var inCommit = false
    /// The words watched for, or `nil` when the output has no patch.
    private let watched: Set<UInt64>?
    /// Lines added and removed, and whether each entry is binary, counted from the patch; by raw entry.
    private var patchCounts: [(insertions: Int, deletions: Int)] = []
    private var section: Section?
    private var sectionCount = 0
    /// Whether the patch so far can be matched to the raw entries; when it cannot, the commit's counts and lines
    /// are not trusted.
    private var patchMatches = true
    private var commitLines: [PatchLine] = []

    /// The watched lines the patches added or removed, in output order.
    private(set) var lines: [PatchLine] = []

    /// Creates an empty parser; `watching` is the set of `LineWords` to note when the output has patches, `nil`
    /// when it has numstat counts instead.
    init(watching: Set<UInt64>? = nil) {
        watched = watching
    }

    /// Consumes the next chunk of output; tokens may span chunks.
    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var start = 0
        while start < chunk.count {
            if case .patch = state {
                start = try feedPatch(chunk, from: start)
                continue
            }
            guard let found = memchr(base + start, 0, chunk.count - start) else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            if pending.isEmpty {
                try handle(UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                let token = pending
                pending.removeAll(keepingCapacity: true)
                try token.withUnsafeBytes { try handle($0) }
            }
            start = end + 1
        }
    }

    /// Ends the input and returns every commit parsed.
    mutating func finish() throws -> [CommitRecord] {
        if !pending.isEmpty {
            let token = pending
            pending.removeAll()
            try token.withUnsafeBytes { try handle($0) }
        }
        if case .patch = state, !pending.isEmpty {
            let line = pending
            pending.removeAll()
            line.withUnsafeBytes { handlePatchLine($0[...]) }
        }
        switch state {
        case .start, .entry, .patch: break
        case .header(let field) where field == 6: break
        default: throw Failure(description: "git log output ended in the middle of a commit")
        }
        finishCommit()
        return commits
    }

    private mutating func handle(_ token: UnsafeRawBufferPointer) throws {
        switch state {
        case .start:
            guard token.first == 0x01 else { throw Failure(description: "git log output did not start with a commit") }
            beginCommit(token)
        case .header(let field):
            switch field {
            case 1: commit.parentCount = token.split(separator: 0x20).count
            case 2: commit.authorName = intern(token)
            case 3: commit.authorEmail = intern(token)
            case 4: commit.authorTime = Self.integer(token[...]) ?? 0
            case 5: commit.commitTime = Self.integer(token[...]) ?? 0
            default: commit.subject = Self.string(token)
            }
            state = field == 6 ? .entry : .header(field: field + 1)
        case .entry:
            var entry = token[...]
            if entry.first == 0x0A { entry = entry.dropFirst() }
            guard let first = entry.first else {
                // The empty token before a patch.
                if watched != nil, !raw.isEmpty {
                    state = .patch
                    patchCounts = Array(repeating: (0, 0), count: raw.count)
                }
                return
            }
            if first == 0x01 {
                finishCommit()
                beginCommit(UnsafeRawBufferPointer(rebasing: entry))
            } else if first == 0x3A {
                try parseRaw(entry)
            } else if first == 0x2D || (0x30...0x39).contains(first) {
                try parseNumstat(entry)
            } else {
                throw Failure(description: "unexpected entry in git log output for commit \(commit.hash)")
            }
        case .rawPaths(let remaining):
            pathStrings.append(intern(token))
            if remaining > 1 {
                state = .rawPaths(remaining: remaining - 1)
            } else {
                if pathStrings.count == 2 {
                    raw[raw.count - 1].previousPath = pathStrings[0]
                    raw[raw.count - 1].path = pathStrings[1]
                } else {
                    raw[raw.count - 1].path = pathStrings[0]
                }
                pathStrings.removeAll(keepingCapacity: true)
                state = .entry
            }
        case .numstatPaths(let remaining):
            if remaining == 2 {
                stats[stats.count - 1].previousPath = intern(token)
                state = .numstatPaths(remaining: 1)
            } else {
                let index = stats.count - 1
                if index < raw.count, raw[index].previousPath == stats[index].previousPath,
                    raw[index].path.utf8.elementsEqual(token)
                {
                    stats[index].rawIndex = index
                    stats[index].previousPath = nil
                } else {
                    stats[index].path = intern(token)
                }
                state = .entry
            }
        case .patch:
            // Patch text is split into lines by `feedPatch`, never into tokens.
            return
        }
    }

    /// Reads patch lines from `chunk` at `start` until the chunk ends or a line starts the next commit; returns
    /// where it stopped. A line may span chunks.
    private mutating func feedPatch(_ chunk: UnsafeRawBufferPointer, from start: Int) throws -> Int {
        guard let base = chunk.baseAddress else { return chunk.count }
        var start = start
        while start < chunk.count {
            if pending.isEmpty, chunk[start] == 0x01 {
                state = .entry
                return start
            }
            guard let found = memchr(base + start, 0x0A, chunk.count - start) else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return chunk.count
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            if pending.isEmpty {
                handlePatchLine(UnsafeRawBufferPointer(rebasing: chunk[start..<end])[...])
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                let line = pending
                pending.removeAll(keepingCapacity: true)
                line.withUnsafeBytes { handlePatchLine($0[...]) }
            }
            start = end + 1
        }
        return start
    }

    private static let sectionStart = Array("diff --git ".utf8)
    private static let binaryNotice = Array("Binary files ".utf8)

    /// One line of a patch, without its newline.
    private mutating func handlePatchLine(_ line: UnsafeRawBufferPointer.SubSequence) {
        guard let first = line.first else { return }
        if first == 0x64, line.starts(with: Self.sectionStart) {
            // A type change's second section belongs to the same entry as its first.
            let entry: Int
            if let current = section, raw[current.entry].status == .typeChanged, sectionCount == 1 {
                entry = current.entry
            } else {
                entry = (section?.entry ?? -1) + 1
                sectionCount = 0
            }
            sectionCount += 1
            guard entry < raw.count else {
                patchMatches = false
                section = nil
                return
            }
            section = Section(entry: entry)
            return
        }
        guard var current = section else { return }
        if !current.inHunk {
            if first == 0x40 {
                current.inHunk = true
                section = current
            } else if first == 0x42, line.starts(with: Self.binaryNotice) {
                patchCounts[current.entry] = (-1, -1)
            }
            return
        }
        let isAddition: Bool
        switch first {
        case 0x2B:
            patchCounts[current.entry].insertions += 1
            isAddition = true
        case 0x2D:
            patchCounts[current.entry].deletions += 1
            isAddition = false
        default:
            return
        }
        guard let watched, !watched.isEmpty, let words = LineWords.of(line.dropFirst()), watched.contains(words)
        else { return }
        commitLines.append(
            PatchLine(commit: commits.count, change: current.entry, words: words, isAddition: isAddition))
    }

    private mutating func beginCommit(_ token: UnsafeRawBufferPointer) {
        inCommit = true
        commit = CommitRecord(
            hash: Self.string(UnsafeRawBufferPointer(rebasing: token.dropFirst())), parentCount: 0, authorName: "",
            authorEmail: "", authorTime: 0, commitTime: 0, subject: "", changes: [])
        state = .header(field: 1)
    }

    /// `:100644 100644 1234567 89abcde M` (the paths follow as tokens).
    private mutating func parseRaw(_ entry: UnsafeRawBufferPointer.SubSequence) throws {
        guard let space = entry.lastIndex(of: 0x20), space + 1 < entry.endIndex else {
            throw Failure(description: "malformed raw diff entry in commit \(commit.hash)")
        }
        let letter = entry[space + 1]
        let status = FileChange.Status(rawValue: letter) ?? .unknown
        raw.append(RawEntry(status: status))
        state = .rawPaths(remaining: status == .renamed || status == .copied ? 2 : 1)
    }

    /// `12\t3\tpath`, `-\t-\tpath` for binary files, or `12\t3\t` with the two paths of a rename following.
    private mutating func parseNumstat(_ entry: UnsafeRawBufferPointer.SubSequence) throws {
        guard let firstTab = entry.firstIndex(of: 0x09),
            let secondTab = entry[(firstTab + 1)...].firstIndex(of: 0x09)
        else {
            throw Failure(description: "malformed numstat entry in commit \(commit.hash)")
        }
        let insertions = Self.count(entry[entry.startIndex..<firstTab]) ?? -1
        let deletions = Self.count(entry[(firstTab + 1)..<secondTab]) ?? -1
        let path = entry[(secondTab + 1)...]
        var stat = StatEntry(insertions: insertions, deletions: deletions)
        if path.isEmpty {
            stats.append(stat)
            state = .numstatPaths(remaining: 2)
            return
        }
        let index = stats.count
        if index < raw.count, raw[index].previousPath == nil, raw[index].path.utf8.elementsEqual(path) {
            stat.rawIndex = index
        } else {
            stat.path = intern(UnsafeRawBufferPointer(rebasing: path))
        }
        stats.append(stat)
    }

    private mutating func finishCommit() {
        guard inCommit else { return }
        inCommit = false
        var changes: [FileChange] = []
        changes.reserveCapacity(raw.count)
        if watched != nil {
            // Counted from the patch. A patch whose sections did not line up with the entries (none did on any of
            // git's own 60,751 commits) counts 0 lines and dates nothing for that commit, rather than giving one
            // file's lines to another.
            let matched = patchMatches && (raw.isEmpty || section?.entry == raw.count - 1)
            let counts = matched ? patchCounts : Array(repeating: (0, 0), count: raw.count)
            if matched { lines += commitLines }
            for (entry, count) in zip(raw, counts) {
                changes.append(
                    FileChange(
                        status: entry.status, path: entry.path, previousPath: entry.previousPath,
                        insertions: count.insertions, deletions: count.deletions))
            }
        } else if stats.count == raw.count, stats.allSatisfy({ $0.rawIndex != nil }) {
            for (entry, stat) in zip(raw, stats) {
                changes.append(
                    FileChange(
                        status: entry.status, path: entry.path, previousPath: entry.previousPath,
                        insertions: stat.insertions, deletions: stat.deletions))
            }
        } else {
            // The two lists did not line up one to one (git has always printed them in the same order, but the
            // facts must not depend on it): match by path instead.
            var rawByPath: [String: RawEntry] = [:]
            for entry in raw { rawByPath[entry.path] = entry }
            for stat in stats {
                let path = stat.rawIndex.map { raw[$0].path } ?? stat.path ?? ""
                let entry = rawByPath[path]
                changes.append(
                    FileChange(
                        status: entry?.status ?? .modified, path: path,
                        previousPath: stat.previousPath ?? entry?.previousPath,
                        insertions: stat.insertions, deletions: stat.deletions))
            }
        }
        commit.changes = changes
        commits.append(commit)
        raw.removeAll(keepingCapacity: true)
        stats.removeAll(keepingCapacity: true)
        patchCounts.removeAll(keepingCapacity: true)
        commitLines.removeAll(keepingCapacity: true)
        section = nil
        sectionCount = 0
        patchMatches = true
    }

    /// `bytes` decoded, sharing the storage of the same string decoded before.
    private mutating func intern(_ bytes: UnsafeRawBufferPointer) -> String {
        let decoded = Self.string(bytes)
        if let known = interned[decoded] { return known }
        interned[decoded] = decoded
        return decoded
    }

    /// Decodes bytes as UTF-8, replacing invalid sequences, so that odd names and messages never stop analysis.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Parses an optionally negative decimal integer; `nil` for anything else (such as numstat's `-`).
    static func integer(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Int64? {
        var value: Int64 = 0
        var negative = false
        var digits = 0
        for (offset, byte) in bytes.enumerated() {
            if offset == 0, byte == 0x2D {
                negative = true
                continue
            }
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value &* 10 &+ Int64(byte &- 0x30)
            digits += 1
        }
        guard digits > 0 else { return nil }
        return negative ? -value : value
    }

    /// Parses a non-negative count; `nil` for anything else (such as numstat's `-` for binary files).
    static func count(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Int? {
        guard let value = integer(bytes), value >= 0 else { return nil }
        return Int(value)
    }
}
