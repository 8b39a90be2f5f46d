import Foundation
import Synchronization

/// Where per-commit facts are kept between runs, so that a second analysis reads only new commits from `git`.
///
/// A commit's facts never change once it exists, so records are keyed by hash and never invalidated; only the
/// settings that change how facts are computed (first-parent diffs of merges, `.mailmap`) select another store.
/// The file store below is the only implementation today; the project's SQLite history store can replace it.
protocol CommitFactsCache: Sendable {
    /// The commit list (in `git rev-list` order) remembered for a window, when the same window was read before.
    func commits(forWindow key: String) throws -> [String]?
    /// The cached record of each hash, or `nil` where the commit is unknown; aligned with `hashes`.
    func records(for hashes: [String]) throws -> [CommitRecord?]
    /// Remembers the records of a window, in window order, and the window's commit list.
    func store(window key: String, records: [CommitRecord]) throws
    /// The aggregate of a window remembered under `key`, which also covers the tracked files and ignore patterns.
    func aggregate(forKey key: String) throws -> HistoryAggregate?
    /// Remembers `aggregate` under `key`, replacing the one remembered before.
    func storeAggregate(_ aggregate: HistoryAggregate, forKey key: String) throws
}

/// A `CommitFactsCache` in one compact binary file, rewritten atomically when it changes.
///
/// Strings that repeat (paths, authors) are stored once in tables, so a cache of 80,000 commits loads in tens of
/// milliseconds. Records of the last window come first, in order, so a warm run with an unchanged window takes
/// them as they are, without a lookup per commit.
final class FileCommitFactsCache: CommitFactsCache {
    private static let magic: [UInt8] = Array("TMCF".utf8)
    private static let version: UInt64 = 1

    private struct Contents {
        var windowKey = ""
        var windowCount = 0
        var records: [CommitRecord] = []
        var index: [String: Int]?
    }

    /// The file.
    let url: URL
    /// What must match for cached records to be valid (format, diff mode, mailmap).
    let context: String
    private let contents = Mutex<Contents?>(nil)

    /// A cache in `url` whose records are valid for `context`.
    init(url: URL, context: String) {
        self.url = url
        self.context = context
    }

    func commits(forWindow key: String) throws -> [String]? {
        try withContents { contents in
            guard contents.windowKey == key, !key.isEmpty else { return nil }
            return contents.records[0..<contents.windowCount].map(\.hash)
        }
    }

    func records(for hashes: [String]) throws -> [CommitRecord?] {
        try withContents { contents in
            if hashes.count <= contents.windowCount,
                zip(hashes, contents.records).allSatisfy({ $0 == $1.hash })
            {
                return contents.records[0..<hashes.count].map { $0 }
            }
            if contents.index == nil {
                var index: [String: Int] = [:]
                index.reserveCapacity(contents.records.count)
                for (position, record) in contents.records.enumerated() { index[record.hash] = position }
                contents.index = index
            }
            let index = contents.index ?? [:]
            return hashes.map { hash in index[hash].map { contents.records[$0] } }
        }
    }

    func store(window key: String, records: [CommitRecord]) throws {
        let (head, body) = try withContents { contents -> ([UInt8], [UInt8]) in
            // Keep what other windows (another branch, a longer window) read before: those facts stay valid.
            var others: [CommitRecord] = []
            if !contents.records.isEmpty {
                var inWindow = Set<String>()
                inWindow.reserveCapacity(records.count)
                for record in records { inWindow.insert(record.hash) }
                others = contents.records.filter { !inWindow.contains($0.hash) }
            }
            // A first store shares the caller's array instead of copying tens of thousands of records.
            let all = others.isEmpty ? records : records + others
            contents = Contents(windowKey: key, windowCount: records.count, records: all, index: nil)
            return Self.encode(contents, context: context)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Written in two parts to a temporary file that then replaces the cache: joining them, and copying the
        // result into `Data`, held two more copies of a file that is megabytes long at tens of thousands of commits.
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: head)
            try handle.write(contentsOf: body)
            // `rename` replaces the old cache in one step: a reader sees the old file or the new one, never half.
            guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
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

    private func withContents<T>(_ body: (inout Contents) throws -> T) throws -> T {
        try contents.withLock { contents in
            if contents == nil {
                contents = load()
            }
            var loaded = contents ?? Contents()
            defer { contents = loaded }
            return try body(&loaded)
        }
    }

    /// Reads the file; a missing, unreadable, outdated or foreign file is an empty cache, never an error.
    private func load() -> Contents {
        guard let data = FileManager.default.contents(atPath: url.path) else { return Contents() }
        var reader = BinaryReader(Array(data))
        do {
            guard try reader.raw(4) == Self.magic, try reader.unsigned() == Self.version,
                try reader.string() == context
            else { return Contents() }
            var contents = Contents()
            contents.windowKey = try reader.string()
            contents.windowCount = try reader.count()
            var authors: [(String, String)] = []
            for _ in 0..<(try reader.count()) {
                authors.append((try reader.string(), try reader.string()))
            }
            var paths: [String] = []
            for _ in 0..<(try reader.count()) { paths.append(try reader.string()) }
            let recordCount = try reader.count()
            contents.records.reserveCapacity(recordCount)
            for _ in 0..<recordCount {
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
                contents.records.append(
                    CommitRecord(
                        hash: hash, parentCount: parentCount, authorName: authors[author].0,
                        authorEmail: authors[author].1, authorTime: authorTime, commitTime: commitTime,
                        subject: subject, changes: changes))
            }
            guard reader.isAtEnd, contents.windowCount <= contents.records.count else { return Contents() }
            return contents
        } catch {
            return Contents()
        }
    }

    /// The file's head (format, context, window and string tables) and body (the records), in that order.
    private static func encode(_ contents: Contents, context: String) -> ([UInt8], [UInt8]) {
        var authors: [String: Int] = [:]
        var authorList: [(String, String)] = []
        var paths: [String: Int] = [:]
        var pathList: [String] = []
        func pathID(_ path: String) -> Int {
            if let id = paths[path] { return id }
            paths[path] = pathList.count
            pathList.append(path)
            return pathList.count - 1
        }
        var body = BinaryWriter()
        for record in contents.records {
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
        var writer = BinaryWriter()
        writer.raw(magic)
        writer.unsigned(version)
        writer.string(context)
        writer.string(contents.windowKey)
        writer.count(contents.windowCount)
        writer.count(authorList.count)
        for (name, email) in authorList {
            writer.string(name)
            writer.string(email)
        }
        writer.count(pathList.count)
        for path in pathList { writer.string(path) }
        writer.count(contents.records.count)
        return (writer.bytes, body.bytes)
    }
}
