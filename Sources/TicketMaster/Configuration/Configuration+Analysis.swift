import Foundation
import RepositoryAnalysis

extension Configuration {
    /// The analysis options this configuration asks for; the cache lives under `cacheDirectory` when enabled.
    public func analysisOptions(cacheDirectory: URL, now: Date = Date()) -> AnalysisOptions {
        AnalysisOptions(
            maxCommits: repository.maxCommits,
            since: repository.since,
            firstParent: repository.firstParent,
            ignorePatterns: repository.ignorePatterns,
            jobs: repository.jobs ?? ProcessInfo.processInfo.activeProcessorCount,
            largeFileBytes: repository.largeFileBytes,
            cacheDirectory: repository.cache ? cacheDirectory.appendingPathComponent("analysis") : nil,
            now: now,
            markerWords: repository.markers)
    }
}
