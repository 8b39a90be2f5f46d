import Foundation
import Testing

@testable import TicketMaster

@Suite("Code citations: checked against the analysed commit")
struct CodeCitationTests {
    /// Answers from fixed file contents, as the commit would.
    struct Files: CitationOracle {
        var files: [String: String]

        func lineCount(of path: String) async -> Int? { await lines(of: path)?.count }

        func lines(of path: String) async -> [String]? {
            files[path].map { text in
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                return lines
            }
        }
    }

    static let files = Files(files: [
        "Sources/Cache.swift": """
        final class Cache {
            private var entries: [String: Data] = [:]

            func load(_ path: String) -> Data? {
                let handle = FileHandle(forReadingAtPath: path)
                return handle?.readDataToEndOfFile()
            }
        }

        """,
        "src/parse.c": """
        static int depth;

        int parse_args(int argc, char **argv)
        {
            return usage(argc);
        }

        """,
        "tool/cli.py": "import sys\n\n\ndef main(argv):\n    return run(argv)\n",
    ])

    @Test("a quote on the cited lines holds however it is indented, with the prompt's path:line prefixes or ...")
    func holds() async {
        let quotes = [
            "let handle = FileHandle(forReadingAtPath: path)",
            "let handle   =   FileHandle(forReadingAtPath: path)\nreturn handle?.readDataToEndOfFile()",
            "Sources/Cache.swift:5:         let handle = FileHandle(forReadingAtPath: path)",
            "```swift\nlet handle = FileHandle(forReadingAtPath: path)\n```",
            "func load(_ path: String) -> Data? {\n...\nreturn handle?.readDataToEndOfFile()",
        ]
        for quote in quotes {
            let citation = CodeCitation(
                path: "Sources/Cache.swift", startLine: 4, endLine: 6, code: quote, symbol: "Cache.load()")
            #expect(await citation.problem(Self.files) == nil, "\(quote)")
        }
    }

    @Test(
        "a missing file, a line past the end, code that is not there, a tiny quote or an undeclared symbol is a problem",
        arguments: [
            (
                CodeCitation(path: "Sources/Gone.swift", startLine: 1, endLine: 1, code: "final class Cache"),
                .missingPath
            ),
            (CodeCitation(path: "../etc/passwd", startLine: 1, endLine: 1, code: "root:x:0:0:root"), .missingPath),
            (CodeCitation(path: "Sources/Cache.swift", startLine: 7, endLine: 40, code: "final class"), .missingLine),
            (CodeCitation(path: "Sources/Cache.swift", startLine: 0, endLine: 1, code: "final class"), .missingLine),
            (
                CodeCitation(path: "Sources/Cache.swift", startLine: 5, endLine: 5, code: "handle.close()"),
                .unverifiedQuote
            ),
            // The code exists, but not on the lines cited.
            (
                CodeCitation(path: "Sources/Cache.swift", startLine: 1, endLine: 2, code: "readDataToEndOfFile()"),
                .unverifiedQuote
            ),
            (CodeCitation(path: "Sources/Cache.swift", startLine: 7, endLine: 7, code: "}"), .unverifiedQuote),
            (
                CodeCitation(
                    path: "Sources/Cache.swift", startLine: 4, endLine: 4, code: "func load(_ path: String)",
                    symbol: "evict"), .missingSymbol
            ),
            // Named in the file, but only called there, not declared.
            (
                CodeCitation(
                    path: "src/parse.c", startLine: 5, endLine: 5, code: "return usage(argc);", symbol: "usage"),
                .missingSymbol
            ),
        ] as [(CodeCitation, DraftProblem.Rule)])
    func problems(citation: CodeCitation, rule: DraftProblem.Rule) async {
        #expect(await citation.problem(Self.files)?.rule == rule)
    }

    @Test("a symbol is declared by a keyword, a C function's head or a top-level assignment")
    func declarations() {
        let c = ["static int depth;", "", "int parse_args(int argc, char **argv)", "{", "    return usage(argc);", "}"]
        #expect(CodeCitation.declares(c, "parse_args"))
        #expect(CodeCitation.declares(c, "depth"))
        #expect(!CodeCitation.declares(c, "usage"))
        #expect(CodeCitation.declares(["def main(argv):", "    return run(argv)"], "main"))
        #expect(CodeCitation.declares(["const evict = (cache) => cache.clear()"], "evict"))
        #expect(!CodeCitation.declares(["    cache.evict()"], "evict"))
        #expect(!CodeCitation.declares(["func load() {}"], "load; rm -rf /"))
    }

    @Test("a draft whose citation does not hold fails the checks, with the reason")
    func draftChecks() async {
        var draft = IssueDraft(
            title: "Close the FileHandle that Cache.load(_:) opens", body: String(repeating: "Context. ", count: 10),
            labels: [], type: .bug, signals: [], writer: .plain)
        let checks = DraftChecks(minDescriptionLength: 20, secrets: [], allowedLinkPrefixes: [])
        draft.codeCitations = [
            CodeCitation(path: "Sources/Cache.swift", startLine: 5, endLine: 5, code: "let handle = FileHandle(")
        ]
        #expect(await checks.problems(in: draft, citations: Self.files).isEmpty)
        draft.codeCitations.append(
            CodeCitation(path: "Sources/Cache.swift", startLine: 5, endLine: 5, code: "try handle.close()"))
        let problems = await checks.problems(in: draft, citations: Self.files)
        #expect(problems.map(\.rule) == [.unverifiedQuote])
        #expect(problems.first?.detail.contains("Sources/Cache.swift:5") == true)
    }
}
