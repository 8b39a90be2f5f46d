import Foundation
import RepositoryAnalysis
import Testing
import TicketMasterTesting

@Suite("History")
struct HistoryTests {
    @Test("totals equal git log --numstat, with merges, renames and binary files")
    func totalsMatchNumstat() async throws {
        try await withRepository { repository in
            try await repository.fastImport(syntheticHistory(commits: 300))
            try await repository.run(["reset", "-q", "--hard"])
            let expected = try await numstatTotals(repository)
            let report = try await analyze(repository.url)
            #expect(report.totals.commits == expected.commits)
            #expect(report.analysedCommitCount == expected.commits)
            #expect(report.totals.insertions == expected.insertions)
            #expect(report.totals.deletions == expected.deletions)
            #expect(report.totals.mergeCommits == 7)
            // Commits 70, 140 and 210 add a binary file (280 is a merge).
            #expect(report.totals.binaryChanges == 3)
            #expect(report.totals.authors == 3)
        }
    }

    @Test("parallel ranges give the same facts as one range", arguments: [1, 3, 8])
    func parallelRanges(jobs: Int) async throws {
        try await withRepository { repository in
            try await repository.fastImport(syntheticHistory(commits: 2_400))
            try await repository.run(["reset", "-q", "--hard"])
            let expected = try await numstatTotals(repository)
            let report = try await analyze(repository.url, AnalysisOptions(jobs: jobs, now: Day.at(3_000)))
            #expect(report.totals.commits == expected.commits)
            #expect(report.totals.insertions == expected.insertions)
            #expect(report.totals.deletions == expected.deletions)
            let single = try await analyze(repository.url, AnalysisOptions(jobs: 1, now: Day.at(3_000)))
            #expect(report == single)
        }
    }

    @Test("first-parent counts merges against their first parent, as git log --first-parent does")
    func firstParent() async throws {
        try await withRepository { repository in
            try await repository.fastImport(syntheticHistory(commits: 200))
            try await repository.run(["reset", "-q", "--hard"])
            let expected = try await numstatTotals(repository, ["--first-parent"])
            let report = try await analyze(repository.url, AnalysisOptions(firstParent: true, now: Day.at(300)))
            #expect(report.totals.commits == expected.commits)
            #expect(report.totals.insertions == expected.insertions)
            #expect(report.totals.deletions == expected.deletions)
            #expect(report.window.firstParent)
        }
    }

    @Test("the window honours maxCommits and since")
    func window() async throws {
        try await withRepository { repository in
            try await repository.fastImport(syntheticHistory(commits: 100))
            try await repository.run(["reset", "-q", "--hard"])
            let limited = try await analyze(repository.url, AnalysisOptions(maxCommits: 10, now: Day.at(200)))
            #expect(limited.analysedCommitCount == 10)
            let expected = try await numstatTotals(repository, ["--max-count=10"])
            #expect(limited.totals.insertions == expected.insertions)
            #expect(limited.window.maxCommits == 10)

            let recent = try await analyze(repository.url, AnalysisOptions(since: Day.at(90), now: Day.at(200)))
            let since = try await numstatTotals(repository, ["--since=@\(Int(Day.at(90).timeIntervalSince1970))"])
            #expect(recent.analysedCommitCount == since.commits)
            #expect(recent.totals.insertions == since.insertions)
        }
    }

    @Test("history follows renames, and activity and ownership add up")
    func renamesAndAggregates() async throws {
        try await withRepository { repository in
            let ada = TemporaryGitRepository.Author(name: "Ada", email: "ada@example.com")
            let grace = TemporaryGitRepository.Author(name: "Grace", email: "GRACE@example.com")
            try repository.write("a\n", to: "Sources/Old.swift")
            try await repository.commit("Add", date: Day.at(1), author: ada)
            try repository.write("a\nb\n", to: "Sources/Old.swift")
            try await repository.commit("Grow", date: Day.at(2), author: grace)
            try await repository.run(["mv", "Sources/Old.swift", "Sources/New.swift"])
            try await repository.commit("Rename", date: Day.at(40), author: ada)
            try repository.write("a\nb\nc\n", to: "Sources/New.swift")
            // The same person with a differently cased email is one author.
            try await repository.commit(
                "Grow again", date: Day.at(41), author: .init(name: "Grace H", email: "grace@example.com"))

            let report = try await analyze(repository.url)
            let hot = try #require(report.hotFiles.first { $0.path == "Sources/New.swift" })
            #expect(hot.commits == 4)
            #expect(hot.insertions == 3)
            #expect(hot.authors == 2)
            #expect(report.totals.authors == 2)
            #expect(report.recentlyRenamed.map(\.previousPath) == ["Sources/Old.swift"])
            #expect(report.recentlyAdded.map(\.path) == ["Sources/Old.swift"])
            #expect(report.activity.map(\.month) == ["2024-01", "2024-02"])
            #expect(report.activity.map(\.commits) == [2, 2])
            let sources = try #require(report.ownership.first { $0.path == "Sources" })
            #expect(sources.commits == 4)
            // Two authors with two commits each: neither alone made more than half.
            #expect(sources.busFactor == 2)
            #expect(sources.topAuthors.map(\.commits) == [2, 2])
            #expect(report.directoryChurn.first?.path == "Sources")
        }
    }

    @Test("files that change together are coupled")
    func coupling() async throws {
        try await withRepository { repository in
            for day in 0..<6 {
                try repository.write("\(day)\n", to: "api/Server.swift")
                try repository.write("\(day)\n", to: "web/client.js")
                try await repository.commit("Change both \(day)", date: Day.at(Double(day)))
            }
            try repository.write("alone\n", to: "api/Server.swift")
            try await repository.commit("Change one", date: Day.at(7))
            let report = try await analyze(repository.url)
            let pair = try #require(report.couplings.first)
            #expect(pair.first == "api/Server.swift")
            #expect(pair.second == "web/client.js")
            #expect(pair.sharedCommits == 6)
            #expect(pair.firstCommits == 7)
            #expect(abs(pair.degree - 12.0 / 13.0) < 1e-9)
            // Six shared commits are a fact in the report; a signal needs eight.
            #expect(!report.signals.contains { $0.kind == .changeCoupling })
            for day in 8..<10 {
                try repository.write("\(day)\n", to: "api/Server.swift")
                try repository.write("\(day)\n", to: "web/client.js")
                try await repository.commit("Change both \(day)", date: Day.at(Double(day)))
            }
            #expect(try await analyze(repository.url).signals.contains { $0.kind == .changeCoupling })
        }
    }
}
