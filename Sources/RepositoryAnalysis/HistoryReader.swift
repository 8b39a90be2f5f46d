import Foundation
import Synchronization

/// Reads the facts of every commit in the analysis window: from the cache when it has them, otherwise from
/// `git log`, split into ranges that run in parallel.
struct HistoryReader: Sendable {
    /// The repository's `git`.
    var git: GitProcess
    /// The window and parallelism.
    var options: AnalysisOptions
    /// Facts from earlier runs, if caching is on.
    var cache: (any CommitFactsCache)?
    /// The `LineWords` of lines to date: when there are any, commits read from git are read with their patches,
    /// and the added and removed lines with those words are reported.
    var watching: Set<UInt64> = []

    /// The commits of the window, newest first (`git rev-list` order: children before parents).
    struct Result: Sendable {
        /// The records, in window order.
        var records: [CommitRecord]
        /// How many records came from `git log` rather than the cache.
        var readFromGit: Int
        /// The watched lines that the commits read from git added or removed; `commit` is a position in `records`.
        var lines: [PatchLine] = []
        /// The writing of the records to the cache, which runs while the caller goes on; await it before the run
        /// ends.
        var storing: Task<Void, Never>?
    }

    /// Reads the window that ends at `head`. `shallowKey` changes when a shallow clone is deepened, which changes
    /// the window without moving `head`. `listed` is the window's commit list when the caller had git list it
    /// already (`listCommits`).
    func read(
        head: String, shallowKey: String, listed: [String]? = nil,
        progress: @escaping @Sendable (AnalysisProgress) -> Void
    ) async throws -> Result {
        let windowKey = Self.windowKey(head: head, options: options, shallowKey: shallowKey)
        progress(AnalysisProgress(phase: "listing commits", completed: 0, total: nil))
        let remembered = try cache?.commits(forWindow: windowKey)
        let hashes: [String]
        if let remembered {
            hashes = remembered
        } else if let listed {
            hashes = listed
        } else {
            hashes = try await listCommits(head: head)
        }
        let cached = try cache?.records(for: hashes) ?? Array(repeating: nil, count: hashes.count)
        let missing = hashes.indices.filter { cached[$0] == nil }
        progress(
            AnalysisProgress(phase: "reading history", completed: hashes.count - missing.count, total: hashes.count))

        var records = cached
        if !missing.isEmpty {
            let (fresh, lines) = try await readFromGit(
                missing.map { hashes[$0] }, alreadyDone: hashes.count - missing.count, total: hashes.count,
                progress: progress)
            if missing.count == hashes.count, fresh.count == hashes.count,
                zip(fresh, hashes).allSatisfy({ $0.hash == $1 })
            {
                // A cold read comes back in window order (`--no-walk=unsorted` keeps the order it was given): use it
                // as it is, without the index and the copies a merge with cached records needs. At tens of
                // thousands of commits those copies were a tenth of the peak memory.
                var result = finish(fresh, windowKey: windowKey, remembered: remembered, readFromGit: fresh.count)
                result.lines = lines
                return result
            }
            var byHash: [String: CommitRecord] = [:]
            byHash.reserveCapacity(fresh.count)
            for record in fresh { byHash[record.hash] = record }
            for index in missing {
                guard let record = byHash[hashes[index]] else {
                    throw AnalysisError(
                        code: .gitFailed,
                        message: "git log did not report commit \(hashes[index]); run `git fsck` on the repository",
                    )
                }
                records[index] = record
            }
            var result = finish(
                records.compactMap { $0 }, windowKey: windowKey, remembered: remembered, readFromGit: missing.count)
            if !lines.isEmpty {
                var position: [String: Int] = [:]
                for index in missing { position[hashes[index]] = index }
                result.lines = lines.compactMap { line in
                    var line = line
                    guard let index = position[fresh[line.commit].hash] else { return nil }
                    line.commit = index
                    return line
                }
            }
            return result
        }
        return finish(
            records.compactMap { $0 }, windowKey: windowKey, remembered: remembered, readFromGit: missing.count)
    }

    /// Starts storing `window` in the cache when anything in it was read from git, or the window is new, and
    /// returns it. Encoding tens of thousands of records takes a second: it runs beside the aggregation.
    private func finish(
        _ window: [CommitRecord], windowKey: String, remembered: [String]?, readFromGit: Int
    ) -> Result {
        var result = Result(records: window, readFromGit: readFromGit)
        if let cache, readFromGit > 0 || remembered == nil {
            // A cache that cannot be written costs speed, not correctness: the analysis goes on without it.
            result.storing = Task.detached { try? cache.store(window: windowKey, records: window) }
        }
        return result
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
        return ((try? cache?.commits(forWindow: key)) ?? nil) != nil
    }

    /// The window's commits, newest first.
    func listCommits(head: String) async throws -> [String] {
        var arguments = ["rev-list"]
        if options.firstParent { arguments.append("--first-parent") }
        if let maxCommits = options.maxCommits { arguments.append("--max-count=\(max(maxCommits, 0))") }
        if let since = options.since {
            arguments.append("--max-age=\(Int64(since.timeIntervalSince1970.rounded(.up)))")
        }
        arguments += [head, "--"]
        let output = try await git.output(arguments)
        return output.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads `hashes` with `git log --no-walk`, in contiguous ranges of similar size, `options.jobs` at a time.
    ///
    /// `--no-walk` shows exactly the listed commits, so ranges never overlap or miss a commit whatever the
    /// shape of the graph, and only commits missing from the cache are read.
    private func readFromGit(
        _ hashes: [String], alreadyDone: Int, total: Int, progress: @escaping @Sendable (AnalysisProgress) -> Void
    ) async throws -> ([CommitRecord], [PatchLine]) {
        let jobs = max(1, options.jobs)
        // Ranges of at least 500 commits keep process start-up negligible; four ranges per worker even out
        // ranges that happen to be slower (big commits, large trees). At most 20,000 commits per range keeps the
        // command line (the hashes are arguments) far below the system's limit.
        let rangeCount = max(1, min(jobs * 4, hashes.count / 500), (hashes.count + 19_999) / 20_000)
        let size = (hashes.count + rangeCount - 1) / rangeCount
        let ranges = stride(from: 0, to: hashes.count, by: size).map {
            Array(hashes[$0..<min($0 + size, hashes.count)])
        }
        let done = Counter(alreadyDone)
        return try await withThrowingTaskGroup(of: (Int, [CommitRecord], [PatchLine]).self) { group in
            var results = [[CommitRecord]](repeating: [], count: ranges.count)
            var lines = [[PatchLine]](repeating: [], count: ranges.count)
            var next = 0
            func addNext() {
                guard next < ranges.count else { return }
                let index = next
                let range = ranges[index]
                next += 1
                group.addTask {
                    let (records, lines) = try await readRange(range)
                    progress(AnalysisProgress(phase: "reading history", completed: done.add(range.count), total: total))
                    return (index, records, lines)
                }
            }
            for _ in 0..<jobs { addNext() }
            while let (index, records, found) = try await group.next() {
                results[index] = records
                lines[index] = found
                addNext()
            }
            // Lines are numbered within their range: number them within the whole read.
            var offset = 0
            var allLines: [PatchLine] = []
            for (records, found) in zip(results, lines) {
                allLines += found.map { line in
                    var line = line
                    line.commit += offset
                    return line
                }
                offset += records.count
            }
            return (results.flatMap { $0 }, allLines)
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
