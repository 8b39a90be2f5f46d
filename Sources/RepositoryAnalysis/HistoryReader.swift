import Foundation
import Synchronization

/// Reads the facts of every commit in the analysis window, newest first, and passes them on a few thousand at a
/// time: from the cache when it has them, otherwise from `git log`, split into ranges that run in parallel.
///
/// Nothing keeps the records once they are passed on (the cache is written as they go by), so the memory a read
/// takes depends on the size of a range, not on the length of the history.
struct HistoryReader: Sendable {
    /// The repository's `git`.
    var git: GitProcess
    /// The window and parallelism.
    var options: AnalysisOptions
    /// Facts from earlier runs, if caching is on.
    var cache: CommitFactsCache?
    /// The `LineWords` of lines to date: when there are any, commits read from git are read with their patches,
    /// and the added and removed lines with those words are reported.
    var watching: Set<UInt64> = []

    /// Most commits passed on at once.
    var chunkSize = 2_000
    /// Most commits one `git log` reads. git keeps no cache between runs, so a smaller range costs git more work
    /// (2,000 commits a range a tenth more than 5,000 on an 80,000-commit history, and 5,000 a twentieth more than
    /// 10,000); a larger one holds more records while the ranges before it are still being read.
    var rangeSize = 10_000
    /// Fewest commits one `git log` reads, but for the last: fewer, and starting git weighs.
    var smallestRange = 500

    /// The window to read: its commits and what identifies it in the cache.
    struct Window: Sendable {
        /// The cache's name for the window.
        var key: String
        /// The commits, newest first, and their newest committer date.
        var commits: CommitList
        /// Whether the cache remembered the list (then it was read, and is written again only if it changes).
        var remembered: Bool
    }

    /// A run of consecutive commits of the window.
    struct Chunk {
        /// The window position of the first record.
        var start: Int
        /// The records, in window order.
        var records: [CommitRecord]
        /// The watched lines these commits added or removed; `commit` is a window position.
        var lines: [PatchLine]
    }

    /// The window that ends at `head`. `shallowKey` changes when a shallow clone is deepened, which changes the
    /// window without moving `head`. `listed` is the window's commit list when the caller had git list it already
    /// (`listCommits`).
    func window(head: String, shallowKey: String, listed: CommitList? = nil) async throws -> Window {
        let key = Self.windowKey(head: head, options: options, shallowKey: shallowKey)
        if let remembered = try cache?.window(forKey: key) {
            return Window(key: key, commits: remembered, remembered: true)
        }
        if let listed { return Window(key: key, commits: listed, remembered: false) }
        return Window(key: key, commits: try await listCommits(head: head), remembered: false)
    }

    /// Reads `window`, passing its records to `consume` in window order, and returns how many came from git
    /// rather than the cache.
    func read(
        _ window: Window, progress: @escaping @Sendable (AnalysisProgress) -> Void,
        consume: (Chunk) throws -> Void
    ) async throws -> Int {
        let hashes = window.commits.hashes
        progress(AnalysisProgress(phase: "listing commits", completed: 0, total: nil))
        let numbers = try cache?.recordNumbers(for: hashes) ?? []
        let missing = numbers.isEmpty ? Array(hashes.indices) : hashes.indices.filter { numbers[$0] < 0 }
        progress(
            AnalysisProgress(phase: "reading history", completed: hashes.count - missing.count, total: hashes.count))
        // A cache that cannot be written costs speed, not correctness: the analysis goes on without it.
        var writer: CommitFactsCache.Writer?
        if !missing.isEmpty || !window.remembered {
            writer = try? cache?.writer(
                window: window.key, commits: hashes.count, referenceTime: window.commits.referenceTime)
        }

        let jobs = max(1, options.jobs)
        let ranges = Self.ranges(of: missing.count, jobs: jobs, largest: rangeSize, smallest: smallestRange)
        // The range that reads the missing commit at `offset`.
        func range(of offset: Int) -> Int {
            var low = 0
            var high = ranges.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if ranges[middle].lowerBound <= offset { low = middle } else { high = middle - 1 }
            }
            return low
        }

        // Records read from git, by range, until their chunk is passed on; lines, by window position.
        var fresh = [[CommitRecord]?](repeating: nil, count: ranges.count)
        var pendingLines: [PatchLine] = []
        var rangesDone = [Bool](repeating: false, count: ranges.count)
        var contiguousDone = 0
        var nextChunk = 0
        var nextMissing = 0

        /// Passes on every chunk whose records are all at hand.
        func passReady() throws {
            while nextChunk < hashes.count {
                let end = min(nextChunk + chunkSize, hashes.count)
                // The last missing commit of the chunk decides: ranges end in window order.
                var lastMissing = nextMissing
                while lastMissing < missing.count, missing[lastMissing] < end { lastMissing += 1 }
                if lastMissing > nextMissing, range(of: lastMissing - 1) >= contiguousDone { return }
                var records: [CommitRecord] = []
                records.reserveCapacity(end - nextChunk)
                var cachedRun: [Int32] = []
                for position in nextChunk..<end {
                    if nextMissing < missing.count, missing[nextMissing] == position {
                        if !cachedRun.isEmpty {
                            records += try cache?.records(cachedRun) ?? []
                            cachedRun.removeAll(keepingCapacity: true)
                        }
                        let index = range(of: nextMissing)
                        guard let batch = fresh[index] else {
                            preconditionFailure("commits of range \(index) passed on before the range was read")
                        }
                        records.append(batch[nextMissing - ranges[index].lowerBound])
                        nextMissing += 1
                        if nextMissing == ranges[index].upperBound { fresh[index] = nil }
                    } else {
                        cachedRun.append(numbers[position])
                    }
                }
                if !cachedRun.isEmpty { records += try cache?.records(cachedRun) ?? [] }
                var lines: [PatchLine] = []
                if !pendingLines.isEmpty {
                    lines = pendingLines.filter { $0.commit < end }
                    pendingLines.removeAll { $0.commit < end }
                }
                do {
                    try writer?.append(records)
                } catch {
                    writer = nil
                }
                try consume(Chunk(start: nextChunk, records: records, lines: lines))
                nextChunk = end
            }
        }

        try passReady()
        let done = Counter(hashes.count - missing.count)
        try await withThrowingTaskGroup(of: (Int, [CommitRecord], [PatchLine]).self) { group in
            var next = 0
            var running = 0
            func startMore() {
                // Ranges are read at most a few ahead of the oldest one not finished, so that records read early
                // do not pile up while it runs.
                while next < ranges.count, running < jobs, next < contiguousDone + 2 * jobs {
                    let index = next
                    let range = Array(missing[ranges[index]].map { hashes[$0] })
                    next += 1
                    running += 1
                    group.addTask {
                        let (records, lines) = try await readRange(range)
                        progress(
                            AnalysisProgress(
                                phase: "reading history", completed: done.add(range.count), total: hashes.count))
                        return (index, try Self.inOrder(records, hashes: range), lines)
                    }
                }
            }
            startMore()
            while let (index, records, lines) = try await group.next() {
                running -= 1
                fresh[index] = records
                // Lines are numbered within their range: number them within the window.
                let lower = ranges[index].lowerBound
                pendingLines += lines.map { line in
                    var line = line
                    line.commit = missing[lower + line.commit]
                    return line
                }
                rangesDone[index] = true
                while contiguousDone < ranges.count, rangesDone[contiguousDone] { contiguousDone += 1 }
                // The next range starts before the finished ones are passed on: git keeps both cores busy while
                // the records are counted.
                startMore()
                try passReady()
            }
        }
        try passReady()
        try? writer?.finish()
        return missing.count
    }

    /// How `count` commits are split into ranges, in window order: ranges of at least `smallest` commits keep
    /// process start-up negligible, four ranges per worker even out ranges that happen to be slower (big commits,
    /// large trees), and at most `largest` commits per range bound what is held while earlier ranges are still being
    /// read. The last ranges shrink, each to half a worker's share of what is left: the workers then finish
    /// together, where equal ranges left one worker reading the last of them alone for a second on an
    /// 82,000-commit history.
    static func ranges(of count: Int, jobs: Int, largest: Int, smallest: Int) -> [Range<Int>] {
        let rangeCount = max(1, min(jobs * 4, count / smallest), (count + largest - 1) / largest)
        let size = max(1, (count + rangeCount - 1) / rangeCount)
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let left = count - start
            let length = min(left, max(min(size, left / (2 * jobs)), min(smallest, size)))
            ranges.append(start..<(start + length))
            start += length
        }
        return ranges
    }

    /// `records` in the order of `hashes`: `--no-walk=unsorted` keeps the order it was given, but a commit git did
    /// not report is an error, never a hole.
    private static func inOrder(_ records: [CommitRecord], hashes: [String]) throws -> [CommitRecord] {
        if records.count == hashes.count, zip(records, hashes).allSatisfy({ $0.hash == $1 }) { return records }
        var byHash: [String: CommitRecord] = [:]
        for record in records { byHash[record.hash] = record }
        return try hashes.map { hash in
            guard let record = byHash[hash] else {
                throw AnalysisError(
                    code: .gitFailed,
                    message: "git log did not report commit \(hash); run `git fsck` on the repository")
            }
            return record
        }
    }

    /// What determines the window's commits: `head`, the window options and the shallow boundary.
    static func windowKey(head: String, options: AnalysisOptions, shallowKey: String) -> String {
        [
            head, "first-parent=\(options.firstParent)", "max=\(options.maxCommits.map(String.init) ?? "all")",
            "since=\(options.since.map { String(Int64($0.timeIntervalSince1970.rounded(.down))) } ?? "all")",
            "shallow=\(shallowKey)",
        ].joined(separator: " ")
    }

    /// Whether the cache remembers the window's commit list, so that `read` needs no listing.
    func remembersWindow(head: String, shallowKey: String) -> Bool {
        let key = Self.windowKey(head: head, options: options, shallowKey: shallowKey)
        return ((try? cache?.window(forKey: key)) ?? nil) != nil
    }

    /// The window's commits, newest first, with their newest committer date, read as git lists them: on a long
    /// history git takes half a second, and the list is ready when it ends.
    func listCommits(head: String) async throws -> CommitList {
        var arguments = ["rev-list", "--timestamp"]
        if options.firstParent { arguments.append("--first-parent") }
        if let maxCommits = options.maxCommits { arguments.append("--max-count=\(max(maxCommits, 0))") }
        if let since = options.since {
            arguments.append("--max-age=\(Int64(since.timeIntervalSince1970.rounded(.up)))")
        }
        arguments += [head, "--"]
        let git = self.git
        let command = arguments
        return try await offload { handle in
            var parser = CommitListParser()
            let completion = try git.runBlocking(command, handle: handle) { try parser.feed($0) }
            try GitProcess.check(completion, command)
            return try parser.finish()
        }
    }

    /// Reads one range with one `git log`, parsing as the output streams in: with numstat counts, or with
    /// patches when lines are watched (the counts are then taken from the patch, which costs git less than
    /// computing both).
    ///
    /// Both diff without context lines (`diff.context=0`): a diff's context can move an unchanged blank line in or
    /// out of a change, so counts made with three lines of context (numstat's default) and with none differ by a
    /// few lines in ten thousand, and records read either way must agree.
    private func readRange(_ hashes: [String]) async throws -> ([CommitRecord], [PatchLine]) {
        var arguments = [
            "-c", "diff.context=0", "log", "--no-walk=unsorted", "-z", "--raw", "-M", "--no-color",
            "--encoding=UTF-8",
        ]
        arguments += watching.isEmpty ? ["--numstat"] : ["-p", "-U0", "--no-ext-diff", "--no-textconv"]
        arguments.append(GitLogParser.format)
        if options.firstParent { arguments.append("--diff-merges=first-parent") }
        let git = self.git
        let command = arguments + hashes + ["--"]
        let watching = self.watching
        return try await offload { handle in
            var parser = GitLogParser(watching: watching.isEmpty ? nil : watching)
            let completion = try git.runBlocking(command, handle: handle) { try parser.feed($0) }
            try GitProcess.check(completion, command)
            let records = try parser.finish()
            return (records, parser.lines)
        }
    }
}

/// Reads `git rev-list --timestamp` as it streams in: the committer date before each hash,
/// `1700000000 0123abcd…`, one commit a line.
private struct CommitListParser {
    private var hashes = CommitHashes()
    private var referenceTime: Int64?
    /// The start of a line the last chunk cut off.
    private var partial: [UInt8] = []

    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        var start = 0
        while let newline = chunk[start...].firstIndex(of: 0x0A) {
            if partial.isEmpty {
                try line(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]))
            } else {
                let whole = partial + chunk[start..<newline]
                partial.removeAll(keepingCapacity: true)
                try whole.withUnsafeBytes { try line($0) }
            }
            start = newline + 1
        }
        partial += chunk[start...]
    }

    mutating func finish() throws -> CommitList {
        let rest = partial
        partial = []
        try rest.withUnsafeBytes { try line($0) }
        return CommitList(hashes: hashes, referenceTime: referenceTime)
    }

    private mutating func line(_ bytes: UnsafeRawBufferPointer) throws {
        let negative = bytes.first == UInt8(ascii: "-")
        var index = negative ? 1 : 0
        var time: Int64 = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            time = time &* 10 &+ Int64(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index > (negative ? 1 : 0), index < bytes.count, bytes[index] == UInt8(ascii: " ") else { return }
        if negative { time = -time }
        referenceTime = max(referenceTime ?? time, time)
        guard hashes.append(UnsafeRawBufferPointer(rebasing: bytes[(index + 1)...])) else {
            throw AnalysisError(
                code: .gitFailed,
                message: "git rev-list listed something that is not a commit hash; run `git fsck` on the repository")
        }
    }
}

/// A shared, lock-protected count for progress across parallel tasks.
final class Counter: Sendable {
    private let value: Mutex<Int>

    /// Starts at `initial`.
    init(_ initial: Int) {
        value = Mutex(initial)
    }

    /// Adds `amount` and returns the new total.
    func add(_ amount: Int) -> Int {
        value.withLock {
            $0 += amount
            return $0
        }
    }
}
