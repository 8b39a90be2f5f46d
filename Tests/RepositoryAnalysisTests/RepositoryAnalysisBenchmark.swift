import Foundation
import Testing

@testable import RepositoryAnalysis

/// Times analysis phase by phase on a large repository for `scripts/bench-analysis`, which prints the table.
///
/// Runs only when `TICKET_MASTER_BENCH=1`, on the repository at `TICKET_MASTER_BENCH_REPO`; prints
/// `ticket-master-bench KEY=VALUE` lines. A benchmark, not a timed test: it asserts only that results agree.
@Suite("RepositoryAnalysisBenchmark")
struct RepositoryAnalysisBenchmark {
    private static let environment = ProcessInfo.processInfo.environment

    private func report(_ key: String, _ value: Double) {
        print("ticket-master-bench \(key)=\(String(format: "%.3f", value))")
    }

    private func time<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let result = try await body()
        let elapsed = ContinuousClock.now - start
        return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The process's peak resident set, from `/proc/self/status` (`VmHWM`), in megabytes.
    private func peakResidentMegabytes() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }

    @Test(
        "phases on a large repository",
        .enabled(if: environment["TICKET_MASTER_BENCH"] == "1", "set TICKET_MASTER_BENCH=1 to run the benchmark"))
    func phases() async throws {
        let repository = URL(fileURLWithPath: try #require(Self.environment["TICKET_MASTER_BENCH_REPO"]))
        let jobs =
            Self.environment["TICKET_MASTER_BENCH_JOBS"].flatMap(Int.init)
            ?? ProcessInfo.processInfo.activeProcessorCount
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let now = Date()

        // History and the working tree, without marker ages: cold, then warm with nothing new.
        let noAges = AnalysisOptions(
            jobs: jobs, cacheDirectory: scratch.appendingPathComponent("no-ages"), now: now, markerAges: false)
        let (cold, coldTime) = try await time { try await RepositoryAnalyzer(options: noAges).analyze(at: repository) }
        report("peak-rss-mb", peakResidentMegabytes())
        let (warm, warmTime) = try await time { try await RepositoryAnalyzer(options: noAges).analyze(at: repository) }
        #expect(warm == cold)
        report("cold", coldTime)
        report("warm", warmTime)

        // The marker scan alone: list, read and scan every tracked file.
        let executable = try GitExecutable().resolve()
        let git = GitProcess(executable: executable, directory: repository)
        let tree = WorkingTree(
            git: git, root: repository, largeFileBytes: noAges.largeFileBytes, ignore: IgnorePatterns([]), jobs: jobs)
        let (scanned, scanTime) = try await time { try await tree.scan(try await tree.trackedFiles()) { _ in } }
        report("marker-scan", scanTime)
        let markerCount = scanned.reduce(0) { $0 + $1.markers.count }
        report("markers", Double(markerCount))

        // Marker ages alone, with nothing cached.
        let requests = scanned.filter { !$0.markers.isEmpty }.map {
            MarkerAges.Request(file: $0.file, lines: $0.markers.map(\.line), matchesIndex: true)
        }
        let (origins, agesTime) = try await time {
            try await MarkerAges(git: git, jobs: jobs, cache: nil).origins(for: requests) { _ in }
        }
        #expect(origins.values.reduce(0) { $0 + $1.count } >= markerCount)
        report("marker-ages", agesTime)

        // Everything, as a command-line run would do it: cold, then warm.
        let all = AnalysisOptions(jobs: jobs, cacheDirectory: scratch.appendingPathComponent("all"), now: now)
        let (full, fullTime) = try await time { try await RepositoryAnalyzer(options: all).analyze(at: repository) }
        let (again, againTime) = try await time { try await RepositoryAnalyzer(options: all).analyze(at: repository) }
        #expect(again == full)
        report("cold-with-ages", fullTime)
        report("warm-with-ages", againTime)
        report("peak-rss-mb", peakResidentMegabytes())
    }
}
