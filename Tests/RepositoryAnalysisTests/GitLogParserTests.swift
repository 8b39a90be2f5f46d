import Foundation
import Testing
import TicketMasterTesting

@testable import RepositoryAnalysis

@Suite("git log parser")
struct GitLogParserTests {
    /// Real output of the command the reader runs, from a repository with a rename, a binary file, a merge, an
    /// empty commit and awkward names.
    private func sampleOutput() async throws -> Data {
        try await withRepository { repository in
            try repository.write("one\ntwo\n", to: "a file.txt")
            try repository.write(Data([0, 1, 2]), to: "blob.bin")
            try repository.write("x\n", to: "new\nline.txt")
            try await repository.commit("First: with a\ttab", date: Day.at(1))
            try await repository.run(["mv", "a file.txt", "renamed file.txt"])
            try repository.write("one\ntwo\nthree\n", to: "renamed file.txt")
            try await repository.commit("Rename", date: Day.at(2))
            try await mergeSideBranchAfterEmptyCommit(repository)
            let git = GitProcess(executable: try GitExecutable().resolve(), directory: repository.url)
            return try await git.output([
                "log", "-z", "--raw", "--numstat", "-M", "--encoding=UTF-8", GitLogParser.format,
            ])
        }
    }

    /// Commits a side branch on day 3, an empty commit on main on day 4, and merges the side branch on day 5.
    private func mergeSideBranchAfterEmptyCommit(_ repository: TemporaryGitRepository) async throws {
        try await repository.run(["checkout", "-q", "-b", "side"])
        try repository.write("side\n", to: "side.txt")
        try await repository.commit("Side", date: Day.at(3))
        try await repository.run(["checkout", "-q", "main"])
        try await repository.commit("Empty", date: Day.at(4), allowEmpty: true)
        try await repository.merge("side", date: Day.at(5))
    }

    /// A repository whose history has every kind of patch section: a rename with edits, a binary change, a mode
    /// change, a file replaced by a symbolic link (two sections for one entry), an empty file, a line without a
    /// final newline, a merge and an empty commit.
    private func patchRepository(_ body: (TemporaryGitRepository, GitProcess) async throws -> Void) async throws {
        try await withRepository { repository in
            let text = (1...12).map { "line \($0)\n" }.joined()
            try repository.write(text + "// TODO: keep me\n", to: "a file.txt")
            try repository.write(Data([0, 1, 2]), to: "blob.bin")
            try repository.write("x\n", to: "link")
            try repository.write("", to: "empty")
            try repository.write("tail", to: "no-newline.txt")
            try await repository.commit("First", date: Day.at(1))
            try await repository.run(["mv", "a file.txt", "renamed file.txt"])
            try repository.write(text + "  // TODO: keep me\nthirteen\n", to: "renamed file.txt")
            try repository.write(Data([0, 1, 3]), to: "blob.bin")
            try repository.write("tail\nmore", to: "no-newline.txt")
            try await repository.run(["update-index", "--chmod=+x", "blob.bin"])
            let link = repository.url.appendingPathComponent("link")
            try FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "blob.bin")
            try await repository.commit("Second", date: Day.at(2))
            try await mergeSideBranchAfterEmptyCommit(repository)
            let git = GitProcess(executable: try GitExecutable().resolve(), directory: repository.url)
            try await body(repository, git)
        }
    }

    private func log(_ git: GitProcess, patch: Bool) async throws -> Data {
        try await git.output(
            ["-c", "diff.context=0", "log", "-z", "--raw", "-M", "--encoding=UTF-8"]
                + (patch ? ["-p", "-U0", "--no-ext-diff", "--no-textconv"] : ["--numstat"]) + [GitLogParser.format])
    }

    @Test("patches give the records numstat gives, a type change's two sections included", arguments: [1, 5, 1 << 20])
    func patchCounts(chunkSize: Int) async throws {
        try await patchRepository { _, git in
            let numstat = try parse(try await log(git, patch: false), chunkSize: 1 << 20)
            var parser = GitLogParser(watching: [])
            let data = try await log(git, patch: true)
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunkSize, data.count)
                try data[offset..<end].withUnsafeBytes { try parser.feed($0) }
                offset = end
            }
            let patched = try parser.finish()
            #expect(patched == numstat)
            let second = try #require(patched.first { $0.subject == "Second" })
            #expect(second.changes.first { $0.path == "link" }?.status == .typeChanged)
            #expect(second.changes.first { $0.path == "blob.bin" }?.isBinary == true)
            #expect(second.changes.count == 4)
        }
    }

    @Test("the watched lines a patch adds and removes are noted by commit and file")
    func watchedLines() async throws {
        try await patchRepository { _, git in
            let note = try #require(LineWords.of(Array("// TODO: keep me".utf8)))
            #expect(LineWords.of(Array("    //   TODO:keep me".utf8)) == note)
            #expect(LineWords.of(Array("  // */ ".utf8)) == nil)
            var parser = GitLogParser(watching: [note])
            try (try await log(git, patch: true)).withUnsafeBytes { try parser.feed($0) }
            let commits = try parser.finish()
            let found = parser.lines.map { line in
                (commits[line.commit].subject, commits[line.commit].changes[line.change].path, line.isAddition)
            }
            // The re-indenting rename removes and adds the note in the same file: its age stays with "First".
            #expect(found.map(\.0) == ["Second", "Second", "First"])
            #expect(found.map(\.1) == ["renamed file.txt", "renamed file.txt", "a file.txt"])
            #expect(found.map(\.2) == [false, true, true])
        }
    }

    private func parse(_ data: Data, chunkSize: Int) throws -> [CommitRecord] {
        var parser = GitLogParser()
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunkSize, data.count)
            try data[offset..<end].withUnsafeBytes { try parser.feed($0) }
            offset = end
        }
        return try parser.finish()
    }

    @Test("parses commits, renames, binary changes, merges and odd names")
    func parsesEverything() async throws {
        let commits = try parse(try await sampleOutput(), chunkSize: 1 << 20)
        #expect(commits.map(\.subject) == ["Merge branch 'side'", "Empty", "Side", "Rename", "First: with a\ttab"])
        #expect(commits.map(\.parentCount) == [2, 1, 1, 1, 0])
        #expect(commits[0].changes.isEmpty)
        #expect(commits[1].changes.isEmpty)
        let rename = try #require(commits[3].changes.first)
        #expect(rename.status == .renamed)
        #expect(rename.previousPath == "a file.txt")
        #expect(rename.path == "renamed file.txt")
        #expect((rename.insertions, rename.deletions) == (1, 0))
        let first = Dictionary(uniqueKeysWithValues: commits[4].changes.map { ($0.path, $0) })
        #expect(first["blob.bin"]?.isBinary == true)
        #expect(first["new\nline.txt"]?.status == .added)
        #expect(first["a file.txt"]?.insertions == 2)
        #expect(commits[4].authorTime == Int64(Day.at(1).timeIntervalSince1970))
        #expect(commits[4].authorEmail == "author@example.com")
        #expect(commits.allSatisfy { $0.hash.count == 40 })
    }

    @Test("the same records whatever the chunk boundaries", arguments: [1, 2, 3, 7, 64])
    func chunkBoundaries(chunkSize: Int) async throws {
        let data = try await sampleOutput()
        #expect(try parse(data, chunkSize: chunkSize) == parse(data, chunkSize: data.count))
    }

    @Test("malformed output is an error, not a crash")
    func malformed() throws {
        #expect(throws: GitLogParser.Failure.self) { try parse(Data("not git log".utf8), chunkSize: 4) }
        var truncated = Data([0x01])
        truncated += Data("abc\0\0name".utf8)
        #expect(throws: GitLogParser.Failure.self) { try parse(truncated, chunkSize: 4) }
        #expect(try parse(Data(), chunkSize: 4).isEmpty)
    }

    @Test("blame porcelain output gives each line's commit, date and summary")
    func blamePorcelain() {
        let hash = String(repeating: "a", count: 40)
        let zero = String(repeating: "0", count: 40)
        let output = """
            \(hash) 3 10 2
            author Ada
            author-time 1700000000
            summary Add notes
            boundary
            filename notes.txt
            \tline ten
            \(hash) 4 11
            \tline eleven
            \(zero) 12 12 1
            author Not Committed Yet
            author-time 1800000000
            summary Version of notes.txt from notes.txt
            \tline twelve

            """
        let origins = MarkerAges.parsePorcelain(Data(output.utf8))
        #expect(origins[10]?.commit == hash)
        #expect(origins[11]?.authorTime == 1_700_000_000)
        #expect(origins[11]?.summary == "Add notes")
        #expect(origins[10]?.isBoundary == true)
        #expect(origins[12]?.commit == nil)
    }
}
