import Foundation
import RepositoryAnalysis
import Testing
import TicketMasterTesting

@Suite("Edge cases")
struct EdgeCaseTests {
    @Test("an empty repository has no head and no history, and is not an error")
    func emptyRepository() async throws {
        try await withRepository { repository in
            let report = try await analyze(repository.url)
            #expect(report.headCommit == nil)
            #expect(report.branch == "main")
            #expect(report.analysedCommitCount == 0)
            #expect(report.totals.commits == 0)
            #expect(report.signals.isEmpty)
        }
    }

    @Test("a single commit")
    func singleCommit() async throws {
        try await withRepository { repository in
            try repository.write("print(1)\n# TODO: say more\n", to: "main.py")
            let hash = try await repository.commit("First", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.headCommit == hash)
            #expect(report.totals.commits == 1)
            #expect(report.totals.insertions == 2)
            #expect(report.markers.first?.lastChanged?.hash == hash)
            #expect(report.markers.first?.ageDays == 99)
        }
    }

    @Test("a shallow clone: boundary commits count in totals but add no files")
    func shallowClone() async throws {
        try await withRepository { repository in
            for day in 1...5 {
                try repository.write("line \(day)\n", to: "file\(day).txt")
                try await repository.commit("Commit \(day)", date: Day.at(Double(day)))
            }
            let clone = repository.container.appendingPathComponent("shallow")
            try await repository.run(["clone", "-q", "--depth", "2", "file://\(repository.url.path)", clone.path])
            let report = try await analyze(clone)
            #expect(report.isShallow)
            #expect(report.analysedCommitCount == 2)
            // The boundary commit shows the whole tree as added, exactly as git log --numstat does.
            let shallow = TemporaryGitRepository(url: clone, container: repository.container)
            let expected = try await numstatTotals(shallow)
            #expect(report.totals.insertions == expected.insertions)
            // The boundary commit's diff is the whole tree, not files added there.
            #expect(report.recentlyAdded.map(\.path) == ["file5.txt"])
        }
    }

    @Test("a detached HEAD has no branch")
    func detachedHead() async throws {
        try await withRepository { repository in
            try repository.write("a\n", to: "a.txt")
            let first = try await repository.commit("One", date: Day.at(1))
            try repository.write("b\n", to: "a.txt")
            try await repository.commit("Two", date: Day.at(2))
            try await repository.run(["checkout", "-q", "--detach", first])
            let report = try await analyze(repository.url)
            #expect(report.branch == nil)
            #expect(report.headCommit == first)
            #expect(report.analysedCommitCount == 1)
        }
    }

    @Test("merge commits count as commits but add no lines, like git log --numstat")
    func mergeCommits() async throws {
        try await withRepository { repository in
            try repository.write("base\n", to: "base.txt")
            try await repository.commit("Base", date: Day.at(1))
            try await repository.run(["checkout", "-q", "-b", "feature"])
            try repository.write("feature\n", to: "feature.txt")
            try await repository.commit("Feature", date: Day.at(2))
            try await repository.run(["checkout", "-q", "main"])
            try repository.write("main\n", to: "main.txt")
            try await repository.commit("Main", date: Day.at(3))
            try await repository.merge("feature", date: Day.at(4))
            let report = try await analyze(repository.url)
            let expected = try await numstatTotals(repository)
            #expect(report.totals.commits == 4)
            #expect(report.totals.mergeCommits == 1)
            #expect(report.totals.insertions == expected.insertions)
            #expect(report.totals.insertions == 3)
        }
    }

    @Test("binary files: counted as binary changes, not lines, not scanned")
    func binaryFiles() async throws {
        try await withRepository { repository in
            try repository.write(Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0x54, 0x4F, 0x44, 0x4F]), to: "logo.png")
            try await repository.commit("Logo", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.totals.binaryChanges == 1)
            #expect(report.totals.insertions == 0)
            #expect(report.workingTree.binaryFiles == 1)
            #expect(report.languages.isEmpty)
            #expect(report.markers.isEmpty)
        }
    }

    @Test("a 50 MB file is reported as large without being read")
    func largeFile() async throws {
        try await withRepository { repository in
            try repository.writeSparseFile(to: "assets/huge.bin", size: 50_000_000)
            // A screenshot just over the limit is listed, not suggested.
            try repository.writeSparseFile(to: "docs/demo.gif", size: 1_200_000)
            try repository.write("small\n", to: "small.txt")
            try await repository.commit("Huge", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.largeFiles.map(\.path) == ["assets/huge.bin", "docs/demo.gif"])
            #expect(report.signals.filter { $0.kind == .largeFile }.count == 1)
            #expect(report.largeFiles.first?.bytes == 50_000_000)
            #expect(report.workingTree.scannedFiles == 1)
            let signal = try #require(report.signals.first { $0.kind == .largeFile })
            #expect(signal.severity == .high)
            #expect(signal.evidence.locations.map(\.path) == ["assets/huge.bin"])
        }
    }

    @Test("file names with spaces, tabs, newlines, quotes and bytes that are not UTF-8")
    func oddNames() async throws {
        try await withRepository { repository in
            try repository.write("// TODO: spaces\n", to: "with space.swift")
            try repository.write("// TODO: newline\n", to: "new\nline.swift")
            try repository.write("// TODO: tab\n", to: "tab\tand \"quote\".swift")
            try repository.write(
                Data("// FIXME: latin-1\n".utf8),
                toRawName: [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x73, 0x77, 0x69, 0x66, 0x74])
            try await repository.commit("Odd names", date: Day.at(1))
            try await repository.run(["mv", "with space.swift", "still with space.swift"])
            try await repository.commit("Rename", date: Day.at(2))
            let report = try await analyze(repository.url)
            let paths = Set(report.markers.map(\.path))
            #expect(paths.contains("still with space.swift"))
            #expect(paths.contains("new\nline.swift"))
            #expect(paths.contains("tab\tand \"quote\".swift"))
            #expect(paths.contains("caf\u{FFFD}.swift"))
            #expect(report.markers.count == 4)
            // Every marker was dated, the file with a Latin-1 name too.
            #expect(report.markers.allSatisfy { $0.lastChanged != nil })
            #expect(report.recentlyRenamed.first?.path == "still with space.swift")
            let expected = try await numstatTotals(repository)
            #expect(report.totals.insertions == expected.insertions)
        }
    }

    @Test("commit messages that are not UTF-8 are decoded with replacement characters")
    func nonUTF8Messages() async throws {
        try await withRepository { repository in
            // `git commit` would repair the message, so the commit is imported with its bytes as they are.
            let message: [UInt8] = Array("Caf".utf8) + [0xE9]
            var stream = Data("commit refs/heads/main\nauthor A <a@example.com> 1704153600 +0000\n".utf8)
            stream += Data("committer A <a@example.com> 1704153600 +0000\ndata \(message.count)\n".utf8)
            stream += Data(message) + Data("\nM 100644 inline a.txt\ndata 2\na\n\n".utf8)
            try await repository.fastImport(stream)
            try await repository.run(["reset", "-q", "--hard"])
            // A message declared as Latin-1 is converted to UTF-8 by git itself.
            try await repository.run(["config", "i18n.commitEncoding", "ISO-8859-1"])
            try repository.write("b\n", to: "b.txt")
            try await repository.commit(messageBytes: Array("Na".utf8) + [0xEF, 0x76, 0x65, 0x0A], date: Day.at(2))
            let report = try await analyze(repository.url)
            #expect(Set(report.recentlyAdded.map(\.commit.subject)) == ["Caf\u{FFFD}", "Naïve"])
        }
    }

    @Test("submodules are counted, not entered")
    func submodules() async throws {
        try await withRepository { library in
            try library.write("// TODO: inside the submodule\n", to: "lib.swift")
            try await library.commit("Library", date: Day.at(1))
            let app = try await TemporaryGitRepository.make()
            defer { app.remove() }
            try app.write("// TODO: in the app\n", to: "app.swift")
            try await app.commit("App", date: Day.at(2))
            try await app.run([
                "-c", "protocol.file.allow=always", "submodule", "-q", "add", library.url.path, "vendor/lib",
            ])
            try await app.commit("Add submodule", date: Day.at(3))
            let report = try await analyze(app.url)
            #expect(report.workingTree.submodules == 1)
            #expect(report.markers.map(\.path) == ["app.swift"])
            let expected = try await numstatTotals(app)
            #expect(report.totals.insertions == expected.insertions)
        }
    }

    @Test("a linked worktree is analysed as its own checkout")
    func worktree() async throws {
        try await withRepository { repository in
            try repository.write("a\n", to: "a.txt")
            try await repository.commit("One", date: Day.at(1))
            let linked = repository.container.appendingPathComponent("linked")
            try await repository.run(["worktree", "add", "-q", "-b", "feature", linked.path])
            let worktree = TemporaryGitRepository(url: linked, container: repository.container)
            try worktree.write("b\n", to: "b.txt")
            try await worktree.commit("Two", date: Day.at(2))
            let report = try await analyze(linked)
            #expect(report.branch == "feature")
            #expect(report.analysedCommitCount == 2)
            #expect(report.root == linked.resolvingSymlinksInPath().path)
        }
    }

    @Test("a path inside the repository analyses the whole repository")
    func pathInside() async throws {
        try await withRepository { repository in
            try repository.write("a\n", to: "deep/inside/a.txt")
            try repository.write("b\n", to: "b.txt")
            try await repository.commit("One", date: Day.at(1))
            let report = try await analyze(repository.url.appendingPathComponent("deep/inside"))
            #expect(report.root == repository.url.resolvingSymlinksInPath().path)
            #expect(report.workingTree.trackedFiles == 2)
            let file = try await analyze(repository.url.appendingPathComponent("deep/inside/a.txt"))
            #expect(file.root == report.root)
        }
    }

    @Test("a bare repository is a clear error")
    func bareRepository() async throws {
        try await withRepository(bare: true) { repository in
            let error = try await #require(throws: AnalysisError.self) { try await analyze(repository.url) }
            #expect(error.code == .bareRepository)
            #expect(error.message.contains("clone"))
        }
    }

    @Test("a folder that is not a repository is a clear error")
    func notARepository() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-repo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try await #require(throws: AnalysisError.self) { try await analyze(folder) }
        #expect(error.code == .notARepository)
        #expect(error.message.contains("git init"))
    }

    @Test("a repository missing an object its history needs says so and what to do, naming git's subcommand")
    func missingObject() async throws {
        try await withRepository { repository in
            try repository.write("first\n", to: "a.txt")
            try await repository.commit("First", date: Day.at(1))
            let blob = try await repository.run(["rev-parse", "HEAD:a.txt"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try repository.write("second\n", to: "a.txt")
            try await repository.commit("Second", date: Day.at(2))
            // The first version's blob is gone, as in a partial clone that cannot fetch it.
            let object = repository.url.appendingPathComponent(".git/objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
            try FileManager.default.removeItem(at: object)
            let error = try await #require(throws: AnalysisError.self) { try await analyze(repository.url) }
            #expect(error.code == .gitFailed)
            #expect(error.message.hasPrefix("`git log` could not read an object"), "\(error.message)")
            #expect(error.message.contains("git fsck"))
        }
    }

    @Test("a path that does not exist is a clear error")
    func missingPath() async throws {
        let error = try await #require(throws: AnalysisError.self) {
            try await analyze(URL(fileURLWithPath: "/nonexistent/\(UUID().uuidString)"))
        }
        #expect(error.code == .pathNotFound)
    }

    @Test("cancelling an analysis stops it with CancellationError, not a git failure")
    func cancellation() async throws {
        try await withRepository { repository in
            try await repository.fastImport(syntheticHistory(commits: 3_000))
            try await repository.run(["reset", "-q", "--hard"])
            let url = repository.url
            let task = Task { try await analyze(url, AnalysisOptions(jobs: 1, now: Day.at(4_000))) }
            try await Task.sleep(for: .milliseconds(30))
            task.cancel()
            // Reading 3,000 commits with one worker takes far longer than 30 ms.
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test("git missing from PATH is a clear error")
    func gitMissing() async throws {
        try await withRepository { repository in
            let git = GitExecutable(searchPath: "/nonexistent-\(UUID().uuidString):/also-not-here")
            let error = try await #require(throws: AnalysisError.self) {
                try await analyze(repository.url, git: git)
            }
            #expect(error.code == .gitMissing)
            #expect(error.message.contains("PATH"))
        }
    }
}
