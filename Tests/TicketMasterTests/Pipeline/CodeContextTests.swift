import Testing

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
}
