import Foundation

/// A bottom-k sketch of a file's distinct lines (trimmed, blank lines left out): enough to estimate how much two
/// files share (their Jaccard similarity) without keeping either.
struct LineSketch: Sendable, Hashable {
    /// How many of the smallest line hashes are kept.
    static let size = 64

    /// The smallest line hashes, ascending.
    var hashes: [UInt64]
    /// Distinct non-blank lines.
    var lines: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        var seen = Set<UInt64>()
        var start = 0
        let count = bytes.count
        while start < count {
            var end = start
            while end < count, bytes[end] != 0x0A { end += 1 }
            var first = start
            var last = end
            while first < last, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
            while last > first, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 || bytes[last - 1] == 0x0D {
                last -= 1
            }
            if last > first {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for index in first..<last { hash = (hash ^ UInt64(bytes[index])) &* 0x0000_0100_0000_01b3 }
                seen.insert(hash)
            }
            start = end + 1
        }
        lines = seen.count
        hashes = Array(seen.sorted().prefix(Self.size))
    }

    /// The estimated share of distinct lines the two files have in common (0–1).
    func similarity(to other: LineSketch) -> Double {
        let union = Array(Set(hashes).union(other.hashes).sorted().prefix(Self.size))
        guard !union.isEmpty else { return 0 }
        let mine = Set(hashes)
        let theirs = Set(other.hashes)
        let shared = union.filter { mine.contains($0) && theirs.contains($0) }.count
        return Double(shared) / Double(union.count)
    }
}

extension RepositoryAnalyzer {
    /// Two folders are copies when at least this many files with the same relative paths are this similar...
    static let copyFiles = 3
    static let copySimilarity = 0.6
    /// ... holding at least this many distinct lines between them.
    static let copyLines = 200

    /// Folders that are near-identical copies of each other (the same relative paths, mostly equal content) and
    /// where recent commits changed only one side: the one-sided commits among the last 30 that touched either,
    /// and the files that differ.
    static func driftingCopies(
        in scanned: [ScannedFile], git: GitProcess
    ) async throws -> [RepositoryReport.DriftingCopy] {
        let sketched = scanned.filter { $0.sketch != nil && !$0.kinds.isGenerated }
        let byName = Dictionary(grouping: sketched) { FileKinds.name(of: $0.file.path) }
        // Pairs of same-named, similar files, keyed by the folders that hold them after their common relative path.
        var pairs: [String: [(String, String, Double, Int)]] = [:]
        for (_, files) in byName where files.count >= 2 && files.count <= 12 {
            for (index, first) in files.enumerated() {
                for second in files[(index + 1)...] {
                    guard let a = first.sketch, let b = second.sketch, min(a.lines, b.lines) >= 10 else { continue }
                    let similarity = a.similarity(to: b)
                    guard similarity >= copySimilarity else { continue }
                    var left = first.file.path.split(separator: "/").map(String.init)
                    var right = second.file.path.split(separator: "/").map(String.init)
                    // Walk up while the relative paths agree: `a/net/x.c` and `b/net/x.c` are copies under a and b.
                    while left.count > 1, right.count > 1, left.last == right.last {
                        left.removeLast()
                        right.removeLast()
                    }
                    let roots = [left.joined(separator: "/"), right.joined(separator: "/")].sorted()
                    guard roots[0] != roots[1], !roots[1].hasPrefix(roots[0] + "/"), !roots[0].isEmpty else {
                        continue
                    }
                    pairs[roots[0] + "\u{0}" + roots[1], default: []].append(
                        (first.file.path, second.file.path, similarity, a.lines + b.lines))
                }
            }
        }
        var copies: [RepositoryReport.DriftingCopy] = []
        for (key, files) in pairs.sorted(by: { $0.value.count > $1.value.count }).prefix(5)
        where files.count >= copyFiles && files.reduce(0, { $0 + $1.3 }) >= copyLines {
            let roots = key.split(separator: "\u{0}").map(String.init)
            let (output, completion) = try await git.capture([
                "log", "-n", "30", "--no-merges", "--format=%x1e%H%x1f%s%x1f%at", "--name-only", "HEAD", "--",
                roots[0], roots[1],
            ])
            guard completion.status == 0 else { continue }
            var oneSided: [CommitReference] = []
            var examined = 0
            for entry in String(decoding: output, as: UTF8.self).split(separator: "\u{1e}") {
                let lines = entry.split(separator: "\n")
                guard let header = lines.first else { continue }
                let fields = header.split(separator: "\u{1f}", omittingEmptySubsequences: false)
                guard fields.count == 3 else { continue }
                examined += 1
                let paths = lines.dropFirst()
                let left = paths.contains { $0.hasPrefix(roots[0] + "/") }
                let right = paths.contains { $0.hasPrefix(roots[1] + "/") }
                if left != right {
                    oneSided.append(
                        CommitReference(
                            hash: String(fields[0]), subject: String(fields[1]),
                            date: Date(timeIntervalSince1970: TimeInterval(Int64(fields[2]) ?? 0))))
                }
            }
            guard !oneSided.isEmpty else { continue }
            let differing = files.filter { $0.2 < 1 }.sorted { $0.2 < $1.2 }
            copies.append(
                RepositoryReport.DriftingCopy(
                    first: roots[0], second: roots[1], sharedFiles: files.count,
                    differingFiles: differing.map { [$0.0, $0.1] }, recentCommits: examined,
                    oneSidedCommits: oneSided))
        }
        return copies.sorted { ($0.oneSidedCommits.count, $0.first) > ($1.oneSidedCommits.count, $1.first) }
    }
}
