import Foundation
import RepositoryAnalysis
import Testing
import TicketMasterTesting

@testable import TicketMaster

@Suite("Code context")
struct CodeContextTests {
    @Test("a Python line's block is its def, down to the next line indented no deeper")
    func pythonBlock() {
        let lines = [
            "import os", "", "class Store:", "    def load(self):", "        data = read()",
            "        # TODO: handle a missing file", "        return data", "", "    def save(self):", "        pass",
        ]
        #expect(CodeContext.block(in: lines, around: 6, limit: 40) == 3..<8)
    }

    @Test("a long function is cut to a window around the cited line")
    func longFunction() {
        let body = (0..<100).map { "    step\($0)();" }
        let lines = ["void run(void) {"] + body + ["}"]
        let block = CodeContext.block(in: lines, around: 61, limit: 10)
        #expect(block.count == 10 && block.contains(60))
        // A line in no declaration gets the lines around it.
        #expect(CodeContext.block(in: ["a = 1", "b = 2", "c = 3"], around: 2, limit: 2) == 0..<2)
    }

    @Test(
        "a file named as a whole is read as its outline, and a bug-prone file's last fix as its diff, within the total")
    func outlineAndChanges() async throws {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        let before =
            "import os\n\n# Loads the store.\ndef load(path):\n    return open(path).read()\n\n\nclass Store:\n    def save(self):\n        pass\n"
        try repository.write(before, to: "store.py")
        try await repository.commit("Add the store", date: Date(timeIntervalSince1970: 1_600_000_000))
        try repository.write(
            before.replacingOccurrences(of: "open(path).read()", with: "read_text(path)"), to: "store.py")
        let fix = try await repository.commit(
            "Fix the leaked handle in load", date: Date(timeIntervalSince1970: 1_600_100_000))
        let oracle = GitCitationOracle(repository: repository.url, commit: fix, git: GitExecutable())
        let lines = try #require(await oracle.lines(of: "store.py"))
        #expect(CodeContext.outline(of: lines) == [3, 7, 8], "the def, the class and its method; not the comment")
        let diff = try #require(await oracle.diff(of: fix, path: "store.py"))
        #expect(diff.first?.hasPrefix("@@") == true)
        #expect(diff.contains("-    return open(path).read()") && diff.contains("+    return read_text(path)"))
        #expect(await oracle.diff(of: "--output=/tmp/x", path: "store.py") == nil, "only a hash is asked of git")

        let context = CodeContext(
            citations: [], outlines: [.init(path: "store.py", lines: lines)],
            changes: [.init(commit: fix, subject: "Fix the leaked handle in load", diff: diff)])
        let rendered = context.rendered(limit: 40, total: 80)
        #expect(rendered.first == "Declarations in store.py:")
        #expect(rendered.contains("store.py:4: def load(path):"))
        #expect(rendered.contains("Change \(fix.prefix(10)) (Fix the leaked handle in load):"))
        #expect(rendered.contains("+    return read_text(path)"))
        // What does not fit the total is left out whole, never cut in the middle.
        #expect(context.rendered(limit: 40, total: 5) == Array(rendered.prefix(4)))
    }
}
