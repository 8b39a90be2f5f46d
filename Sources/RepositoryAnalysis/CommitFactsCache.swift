import Foundation
import Synchronization

/// A window's commits as git lists them, newest first, with the newest committer date among them: the aggregate
/// measures recency from it before it has seen any commit.
struct CommitList: Sendable {
    /// Full object names, in `git rev-list` order.
    var hashes: CommitHashes
    /// The newest committer date of the window, in seconds since 1970; `nil` when it is empty.
    var referenceTime: Int64?
}

/// Where per-commit facts are kept between runs, so that a second analysis reads only new commits from `git`: one
/// compact binary file, rewritten whole (through a temporary file and `rename`) when it changes.
///
/// A commit's facts never change once it exists, so records are keyed by hash and never invalidated; only the
/// settings that change how facts are computed (first-parent diffs of merges, `.mailmap`) select another file.
///
/// Records are neither read nor written all at once: the file is kept as bytes and a record is decoded when it is
/// asked for, and a new file is written record by record as the history streams past (`Writer`), so an analysis
/// holds a few thousand commits at a time whatever the history's length. Strings that repeat (paths, authors) are
/// stored once, in tables at the end of the file. Records of the last window come first, in order, so a run with an
/// unchanged window takes them as they are, without a lookup per commit.
final class CommitFactsCache: Sendable {
    private static let magic: [UInt8] = Array("TMCF".utf8)
    private static let version: UInt64 = 2

    /// The file as loaded: its bytes, its tables and where each record starts.
    fileprivate struct Contents {
        var windowKey = ""
        var windowCount = 0
        var referenceTime: Int64?
        var bytes: [UInt8] = []
        var authors: [(name: String, email: String)] = []
        var paths: [String] = []
        /// Where each record starts in `bytes`.
        var offsets: [Int] = []
        /// Record numbers by hash, made when a window is not the remembered one.
        var index: [String: Int32]?

        func record(_ number: Int) throws -> CommitRecord {
            var reader = BinaryReader(bytes, at: offsets[number])
            return try CommitFactsCache.decodeRecord(&reader, authors: authors, paths: paths)
        }
    }

    /// The file.
    let url: URL
    /// What must match for cached records to be valid (format, diff mode, mailmap).
    let context: String
    fileprivate let contents = Mutex<Contents?>(nil)

    /// A cache in `url` whose records are valid for `context`.
    init(url: URL, context: String) {
        self.url = url
        self.context = context
    }

    /// The commit list (in `git rev-list` order) remembered for a window, when the same window was read before.
    func window(forKey key: String) throws -> CommitList? {
        try withContents { contents in
            guard contents.windowKey == key, !key.isEmpty else { return nil }
            var hashes = CommitHashes()
            for number in 0..<contents.windowCount {
                var reader = BinaryReader(contents.bytes, at: contents.offsets[number])
                // A hash the file spells wrongly makes the list unusable: the window is read again.
                guard hashes.append(try reader.string().utf8) else { return nil }
            }
            return CommitList(hashes: hashes, referenceTime: contents.referenceTime)
        }
    }

    /// The number of each hash's record in the cache, or -1 where the commit is unknown; aligned with `hashes`.
    func recordNumbers(for hashes: CommitHashes) throws -> [Int32] {
        try withContents { contents in
            if hashes.count <= contents.windowCount,
                try hashes.indices.allSatisfy({ number in
                    var reader = BinaryReader(contents.bytes, at: contents.offsets[number])
                    return try reader.string() == hashes[number]
                })
            {
                return (0..<hashes.count).map { Int32($0) }
            }
            if contents.index == nil {
                var index: [String: Int32] = [:]
                index.reserveCapacity(contents.offsets.count)
                for (number, offset) in contents.offsets.enumerated() {
                    var reader = BinaryReader(contents.bytes, at: offset)
                    index[try reader.string()] = Int32(number)
                }
                contents.index = index
            }
            let index = contents.index ?? [:]
            return hashes.map { index[$0] ?? -1 }
        }
    }

    /// The records numbered `numbers` (from `recordNumbers(for:)`), decoded.
    func records(_ numbers: [Int32]) throws -> [CommitRecord] {
        try withContents { contents in try numbers.map { try contents.record(Int($0)) } }
    }

    /// A writer of a new file whose window, `key`, has `commits` records with `referenceTime` as their newest
    /// committer date; give it the window's records in order, then `finish` it.
    func writer(window key: String, commits: Int, referenceTime: Int64?) throws -> Writer {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var head = BinaryWriter()
        head.raw(Self.magic)
        head.unsigned(Self.version)
        head.string(context)
        head.string(key)
        head.count(commits)
        head.count(referenceTime == nil ? 0 : 1)
        head.signed(referenceTime ?? 0)
        return try Writer(cache: self, head: head.bytes, windowCount: commits)
    }

    /// Writes a new cache file record by record: the window's, then those other windows read before (another
    /// branch, a longer window: their facts stay valid), then the string tables. The old file is replaced only
    /// when `finish` succeeds.
    final class Writer {
        private let cache: CommitFactsCache
        private let temporary: URL
        private let handle: FileHandle
        private let windowCount: Int
        private var written = 0
        private var offset: Int
        private var authors: [String: Int] = [:]
        private var authorList: [(String, String)] = []
        private var paths: [String: Int] = [:]
        private var pathList: [String] = []
        /// The hashes written, kept only when the old file has records of other windows to carry over.
        private var windowHashes: Set<String>?

        fileprivate init(cache: CommitFactsCache, head: [UInt8], windowCount: Int) throws {
            self.cache = cache
            self.windowCount = windowCount
            let url = cache.url
            temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID())")
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
            handle = try FileHandle(forWritingTo: temporary)
            offset = head.count
            let others = try cache.withContents { !$0.offsets.isEmpty }
            if others { windowHashes = [] }
            // On failure from here on, `deinit` closes and removes the temporary file.
            try handle.write(contentsOf: head)
        }

        deinit {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
        }

        /// Appends the next records of the window.
        func append(_ records: some Collection<CommitRecord>) throws {
            var body = BinaryWriter()
            for record in records {
                encode(record, into: &body)
                windowHashes?.insert(record.hash)
            }
            written += records.count
            try write(body)
        }

        /// Carries over the old file's records of other windows, writes the tables and replaces the old file.
        func finish() throws {
            guard written == windowCount else { throw CocoaError(.fileWriteUnknown) }
            if let windowHashes {
                try cache.withContents { contents in
                    var body = BinaryWriter()
                    for number in contents.offsets.indices {
                        var reader = BinaryReader(contents.bytes, at: contents.offsets[number])
                        guard !windowHashes.contains(try reader.string()) else { continue }
                        encode(try contents.record(number), into: &body)
                        written += 1
                        if body.bytes.count > 1 << 20 {
                            try write(body)
                            body = BinaryWriter()
                        }
                    }
                    try write(body)
                }
            }
            let tables = offset
            var tail = BinaryWriter()
            tail.count(written)
            tail.count(authorList.count)
            for (name, email) in authorList {
                tail.string(name)
                tail.string(email)
            }
            tail.count(pathList.count)
            for path in pathList { tail.string(path) }
            tail.fixed(UInt64(tables))
            try write(tail)
            try handle.close()
            // `rename` replaces the old cache in one step: a reader sees the old file or the new one, never half.
            guard rename(temporary.path, cache.url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            // The loaded file is stale now; it is read again if asked.
            cache.contents.withLock { $0 = nil }
        }

        private func write(_ body: BinaryWriter) throws {
            guard !body.bytes.isEmpty else { return }
            try handle.write(contentsOf: body.bytes)
            offset += body.bytes.count
        }

        private func pathID(_ path: String) -> Int {
            if let id = paths[path] { return id }
            paths[path] = pathList.count
            pathList.append(path)
            return pathList.count - 1
        }

        private func encode(_ record: CommitRecord, into body: inout BinaryWriter) {
            let authorKey = record.authorName + "\u{0}" + record.authorEmail
            let author: Int
            if let id = authors[authorKey] {
                author = id
            } else {
                author = authorList.count
                authors[authorKey] = author
                authorList.append((record.authorName, record.authorEmail))
            }
            body.string(record.hash)
            body.count(record.parentCount)
            body.count(author)
            body.signed(record.authorTime)
            body.signed(record.commitTime)
            body.string(record.subject)
            body.count(record.changes.count)
            for change in record.changes {
                body.unsigned(UInt64(change.status.rawValue))
                body.count(pathID(change.path))
                body.count(change.previousPath.map { pathID($0) + 1 } ?? 0)
                body.count(change.insertions + 1)
                body.count(change.deletions + 1)
            }
        }
    }

    /// The aggregate sits in a file of its own next to the records: a warm run reads only this small file.
    private var aggregateURL: URL {
        url.deletingPathExtension().appendingPathExtension("aggregate.json")
    }

    private struct StoredAggregate: Codable {
        var context: String
        var key: String
        var aggregate: HistoryAggregate
    }

    func aggregate(forKey key: String) throws -> HistoryAggregate? {
        guard let data = FileManager.default.contents(atPath: aggregateURL.path),
            let stored = try? JSONDecoder().decode(StoredAggregate.self, from: data),
            stored.context == context, stored.key == key
        else { return nil }
        return stored.aggregate
    }

    func storeAggregate(_ aggregate: HistoryAggregate, forKey key: String) throws {
        let data = try JSONEncoder().encode(StoredAggregate(context: context, key: key, aggregate: aggregate))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: aggregateURL, options: .atomic)
    }

    fileprivate func withContents<T>(_ body: (inout Contents) throws -> T) throws -> T {
        try contents.withLock { contents in
            if contents == nil {
                contents = load()
            }
            var loaded = contents ?? Contents()
            contents = nil
            defer { contents = loaded }
            return try body(&loaded)
        }
    }

    /// Reads the file; a missing, unreadable, outdated or foreign file is an empty cache, never an error.
    private func load() -> Contents {
        guard let data = FileManager.default.contents(atPath: url.path) else { return Contents() }
        var contents = Contents()
        contents.bytes = Array(data)
        do {
            var reader = BinaryReader(contents.bytes)
            guard try reader.raw(4) == Self.magic, try reader.unsigned() == Self.version,
                try reader.string() == context
            else { return Contents() }
            contents.windowKey = try reader.string()
            contents.windowCount = try reader.count()
            let hasReference = try reader.count() == 1
            let referenceTime = try reader.signed()
            contents.referenceTime = hasReference ? referenceTime : nil
            let recordsStart = reader.offset
            // The tables, at the offset the last eight bytes give.
            guard contents.bytes.count >= recordsStart + 8 else { return Contents() }
            var tail = BinaryReader(contents.bytes, at: contents.bytes.count - 8)
            let tables = Int(clamping: try tail.fixed())
            guard tables >= recordsStart, tables <= contents.bytes.count - 8 else { return Contents() }
            var tableReader = BinaryReader(contents.bytes, at: tables)
            let recordCount = try tableReader.count()
            for _ in 0..<(try tableReader.count()) {
                contents.authors.append((try tableReader.string(), try tableReader.string()))
            }
            for _ in 0..<(try tableReader.count()) { contents.paths.append(try tableReader.string()) }
            guard tableReader.offset == contents.bytes.count - 8 else { return Contents() }
            // Where each record starts: found by skipping through them, which also checks every reference.
            contents.offsets.reserveCapacity(recordCount)
            var records = BinaryReader(contents.bytes, at: recordsStart)
            for _ in 0..<recordCount {
                contents.offsets.append(records.offset)
                try Self.skipRecord(&records, authors: contents.authors.count, paths: contents.paths.count)
            }
            guard records.offset == tables, contents.windowCount <= recordCount else { return Contents() }
            return contents
        } catch {
            return Contents()
        }
    }

    /// Decodes the record at `reader`'s position.
    fileprivate static func decodeRecord(
        _ reader: inout BinaryReader, authors: [(name: String, email: String)], paths: [String]
    ) throws -> CommitRecord {
        let hash = try reader.string()
        let parentCount = try reader.count()
        let author = try reader.count()
        guard author < authors.count else { throw BinaryReader.Malformed() }
        let authorTime = try reader.signed()
        let commitTime = try reader.signed()
        let subject = try reader.string()
        let changeCount = try reader.count()
        var changes: [FileChange] = []
        changes.reserveCapacity(changeCount)
        for _ in 0..<changeCount {
            let status = FileChange.Status(rawValue: UInt8(truncatingIfNeeded: try reader.unsigned()))
            let path = try reader.count()
            let previous = try reader.count()
            guard path < paths.count, previous <= paths.count else { throw BinaryReader.Malformed() }
            changes.append(
                FileChange(
                    status: status ?? .unknown, path: paths[path],
                    previousPath: previous == 0 ? nil : paths[previous - 1],
                    insertions: Int(clamping: try reader.unsigned()) - 1,
                    deletions: Int(clamping: try reader.unsigned()) - 1))
        }
        return CommitRecord(
            hash: hash, parentCount: parentCount, authorName: authors[author].name, authorEmail: authors[author].email,
            authorTime: authorTime, commitTime: commitTime, subject: subject, changes: changes)
    }

    /// Moves `reader` past one record, checking that its author and paths are in the tables.
    private static func skipRecord(_ reader: inout BinaryReader, authors: Int, paths: Int) throws {
        try reader.skipString()
        _ = try reader.count()
        guard try reader.count() < authors else { throw BinaryReader.Malformed() }
        _ = try reader.signed()
        _ = try reader.signed()
        try reader.skipString()
        for _ in 0..<(try reader.count()) {
            _ = try reader.unsigned()
            guard try reader.count() < paths, try reader.count() <= paths else { throw BinaryReader.Malformed() }
            _ = try reader.unsigned()
            _ = try reader.unsigned()
        }
    }
}
