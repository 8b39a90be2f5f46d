import Foundation
import Testing
import TicketMasterTesting

@testable import RepositoryAnalysis

@Suite("History reader")
struct HistoryReaderTests {
    /// Reads the window ending at `HEAD` and returns the chunks' records and lines, checking that the chunks follow
    /// each other and stay within the chunk size.
    private func read(
        _ reader: HistoryReader, _ git: GitProcess
    ) async throws -> (records: [CommitRecord], lines: [PatchLine], fromGit: Int, referenceTime: Int64?) {
        let head = try await git.output(["rev-parse", "HEAD"])
        let window = try await reader.window(
            head: String(decoding: head, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            shallowKey: "")
        var records: [CommitRecord] = []
        var lines: [PatchLine] = []
        let fromGit = try await reader.read(window, progress: { _ in }) { chunk in
            #expect(chunk.start == records.count)
            #expect(!chunk.records.isEmpty && chunk.records.count <= reader.chunkSize)
            #expect(chunk.lines.allSatisfy { (chunk.start..<(chunk.start + chunk.records.count)).contains($0.commit) })
            records += chunk.records
            lines += chunk.lines
        }
        #expect(Array(window.commits.hashes) == records.map(\.hash))
        return (records, lines, fromGit, window.commits.referenceTime)
    }

    @Test(
        "the history passes in small chunks, in window order, read cold, with new commits on a cached window and as a cached subset, and aggregates as one read does"
    )
    func chunks() async throws {
        try await withRepository { repository in
            try await repository.fastImport(syntheticHistory(commits: 400))
            try await repository.run(["reset", "-q", "--hard"])
            let git = GitProcess(executable: try GitExecutable().resolve(), directory: repository.url)
            let options = AnalysisOptions(jobs: 2, now: Day.at(600))
            // Lines the synthetic history adds and removes: their patches are read and their lines reported.
            let watched = Set(
                ["let value3_2 = 2", "let value7_0 = 0"].compactMap { LineWords.of(Array($0.utf8)) })
            var whole = HistoryReader(git: git, options: options, cache: nil, watching: watched)
            whole.chunkSize = 100_000
            whole.rangeSize = 100_000
            var small = HistoryReader(
                git: git, options: options,
                cache: CommitFactsCache(
                    url: repository.container.appendingPathComponent("cache/commits.bin"), context: "test"),
                watching: watched)
            small.chunkSize = 37
            small.rangeSize = 23
            small.smallestRange = 5

            let reference = try await read(whole, git)
            #expect(reference.records.count >= 400)
            #expect(!reference.lines.isEmpty)
            let cold = try await read(small, git)
            #expect(cold.records == reference.records)
            #expect(cold.lines.sorted(by: Self.order) == reference.lines.sorted(by: Self.order))
            #expect(cold.fromGit == reference.records.count)

            var builder = HistoryAggregate.Builder(
                tracked: [], ignore: IgnorePatterns([]), shallowBoundaries: [], referenceTime: cold.referenceTime)
            for record in cold.records { builder.add(record) }
            #expect(
                builder.finish()
                    == HistoryAggregate(
                        records: reference.records, tracked: [], ignore: IgnorePatterns([]), shallowBoundaries: []))
            #expect(cold.referenceTime == reference.records.map(\.commitTime).max())

            // Fifty new commits: only they come from git, and the records are those a read without a cache gives.
            let old = String(decoding: try await git.output(["rev-parse", "HEAD"]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            for index in 1...50 {
                try repository.write("let value3_2 = 2\n// \(index)\n", to: "Sources/New\(index % 7).swift")
                try await repository.commit("New \(index)", date: Day.at(500 + Double(index) / 10))
            }
            let advanced = try await read(small, git)
            #expect(advanced.fromGit == 50)
            let advancedReference = try await read(whole, git)
            #expect(advanced.records == advancedReference.records)
            // Lines come with the commits read from git; the cached ones' are dated by blame.
            #expect(
                advanced.lines.sorted(by: Self.order)
                    == advancedReference.lines.filter { $0.commit < 50 }.sorted(by: Self.order))

            // Back to the old head: a window the cache never listed, all of whose commits it has; the fifty newer
            // ones stay in the file beside it and are not read again on the way forward.
            try await repository.run(["reset", "-q", "--hard", old])
            let subset = try await read(small, git)
            #expect(subset.fromGit == 0)
            #expect(subset.records == reference.records)
            try await repository.run(["reset", "-q", "--hard", "ORIG_HEAD"])
            let forward = try await read(small, git)
            #expect(forward.fromGit == 0)
            #expect(forward.records == advancedReference.records)
        }
    }

    @Test(
        "commit hashes are kept as bytes and read back in hexadecimal; what is not a hash of the list's length is refused"
    )
    func commitHashes() {
        var sha1 = CommitHashes()
        let first = "0123456789abcdef0123456789abcdef01234567"
        let appended = [
            first, "FEDCBA9876543210FEDCBA9876543210FEDCBA98", "0123", "g123456789abcdef0123456789abcdef01234567",
            "0123456789abcdef0123456789abcdef0123456z",
        ].map { sha1.append($0.utf8) }
        #expect(appended == [true, true, false, false, false])
        #expect(sha1.count == 2)
        #expect(Array(sha1) == [first, "fedcba9876543210fedcba9876543210fedcba98"])
        var sha256 = CommitHashes()
        let long = String(repeating: "a1", count: 32)
        let accepted = sha256.append(long.utf8)
        #expect(accepted)
        #expect(Array(sha256) == [long])
        #expect(CommitHashes().isEmpty)
    }

    @Test(
        "a history is split into ranges that cover it in order, none larger than the largest, the last ones shrinking so that the workers finish together"
    )
    func ranges() {
        for (count, jobs) in [(0, 2), (1, 2), (499, 2), (1_000, 2), (82_000, 2), (82_000, 1), (30_001, 8)] {
            let ranges = HistoryReader.ranges(of: count, jobs: jobs, largest: 10_000, smallest: 500)
            #expect(ranges.first?.lowerBound ?? 0 == 0)
            #expect(ranges.last?.upperBound ?? 0 == count)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(ranges.allSatisfy { !$0.isEmpty && $0.count <= 10_000 })
            #expect(ranges.dropLast().allSatisfy { $0.count >= min(500, count) })
        }
        let long = HistoryReader.ranges(of: 82_000, jobs: 2, largest: 10_000, smallest: 500)
        // Nine ranges' worth at most 10,000 each, then ever smaller ones down to 500.
        #expect(long.first?.count == 9_112)
        #expect(long.suffix(3).map(\.count) == [500, 500, 41])
        #expect(zip(long, long.dropFirst()).allSatisfy { $0.count >= $1.count })
        #expect(HistoryReader.ranges(of: 1_000, jobs: 2, largest: 10_000, smallest: 500).map(\.count) == [500, 500])
    }

    private static func order(_ first: PatchLine, _ second: PatchLine) -> Bool {
        (first.commit, first.change, first.words) < (second.commit, second.change, second.words)
    }
}
