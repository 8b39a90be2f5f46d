import Foundation
import Testing

@testable import RepositoryAnalysis

private func scan(_ text: String) -> (lines: Int, markers: [MarkerHit]) {
    Array(text.utf8).withUnsafeBytes { SourceText.scan($0) }
}

private func declarations(_ text: String, _ language: String) -> DeclarationScanner.Result {
    Array(text.utf8).withUnsafeBytes { DeclarationScanner.scan($0, language: language) }
}

@Suite("Working tree rules")
struct SourceTextTests {
    @Test("markers are found in comments, with owner and punctuation removed")
    func markers() {
        let text = """
            let note = "TODO: not a comment"
            // TODO(alice): handle the empty case
            # FIXME - wrong on leap years
            /* HACK: works around a compiler bug */
             * XXX check the bounds
            <!-- BUG: link is broken -->
            -- TODO drop this column
            // TODOS and XXXL are not markers, nor is Todo
            x = 1 // trailing TODO: after code
            """
        let (lines, markers) = scan(text)
        #expect(lines == 9)
        #expect(markers.map(\.line) == [2, 3, 4, 5, 6, 7, 9])
        #expect(markers.map(\.kind) == ["TODO", "FIXME", "HACK", "XXX", "BUG", "TODO", "TODO"])
        #expect(
            markers.map(\.text) == [
                "handle the empty case", "wrong on leap years", "works around a compiler bug", "check the bounds",
                "link is broken", "drop this column", "after code",
            ])
        #expect(markers.first?.excerpt == "// TODO(alice): handle the empty case")
    }

    @Test("comment openers inside string literals open no comment")
    func stringLiterals() {
        let text = #"""
            let url = "https://example.com/TODO"
            let pattern = "// TODO: inside a string"
            print("#TODO", "a \" // FIXME: still inside")
            let shell = `echo # TODO`
            let done = "text" // TODO: a real one after a string
            """#
        let (_, markers) = scan(text)
        #expect(markers.map(\.line) == [5], "\(markers)")
        #expect(markers.first?.text == "a real one after a string")
    }

    @Test("line counts", arguments: [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("\n\n", 2)])
    func lineCounts(text: String, expected: Int) {
        #expect(scan(text).lines == expected)
    }

    @Test("binary content is recognised by a NUL byte near the start")
    func binary() {
        #expect(Array("text".utf8).withUnsafeBytes { SourceText.isBinary($0) } == false)
        #expect([UInt8]([0x50, 0, 0x51]).withUnsafeBytes { SourceText.isBinary($0) })
    }

    @Test("Swift public declarations need a /// comment")
    func swiftDeclarations() {
        let text = """
            /// Documented.
            public struct Documented {}

            public struct Undocumented {
                /// Documented.
                @inlinable
                public func documented() {}
                public func undocumented() {}
                func internalOnly() {}
                public init(value: Int) {}
                /**
                 Block documented.
                 */
                public var block: Int { 0 }
                @available(macOS 15, *) public static func attributed() {}
                public private(set) var setter = 0
                // Not documentation.
                open class func open() {}
            }
            public extension Undocumented {}
            """
        let result = declarations(text, "Swift")
        #expect(result.declarations == 9)
        #expect(result.undocumentedLines == [4, 8, 10, 15, 16, 18])
    }

    @Test("Python top-level definitions need a docstring")
    func pythonDeclarations() {
        let text = """
            def documented():
                \"\"\"Does things.\"\"\"

            def undocumented(a,
                             b):
                return a

            class Thing:
                'Single-quoted docstring.'

            def _private():
                pass

            async def fetch():
                return 1
            """
        let result = declarations(text, "Python")
        #expect(result.declarations == 4)
        #expect(result.undocumentedLines == [4, 14])
    }

    @Test("Go exported declarations need a comment")
    func goDeclarations() {
        let text = """
            // Run runs.
            func Run() {}
            func Stop() {}
            func helper() {}
            func (s *Server) Serve() {}
            type Server struct{}
            """
        let result = declarations(text, "Go")
        #expect(result.declarations == 4)
        #expect(result.undocumentedLines == [3, 5, 6])
    }

    @Test(
        "test files by convention",
        arguments: [
            ("Tests/FooTests/FooTests.swift", "foo"), ("tests/test_parser.py", "parser"),
            ("pkg/parser_test.py", "parser"),
            ("cmd/server_test.go", "server"), ("src/app.test.ts", "app"), ("src/app.spec.js", "app"),
            ("tests/integration.rs", "integration"), ("src/test/java/FooTest.java", "foo"),
            ("spec/user_spec.rb", "user"),
        ])
    func testFiles(path: String, stem: String) {
        #expect(FileKinds.testSubject(of: path)?.stem == stem)
        #expect(FileKinds.sourceSubject(of: path) == nil)
    }

    @Test(
        "source files that tests are expected for",
        arguments: [
            ("Sources/App/Foo+Parsing.swift", ["foo+parsing", "foo"]), ("pkg/parser.py", ["parser"]),
            ("cmd/server.go", ["server"]), ("src/app.ts", ["app"]), ("src/lib/widget.rs", ["widget"]),
        ])
    func sourceFiles(path: String, stems: [String]) {
        #expect(FileKinds.sourceSubject(of: path)?.stems == stems)
    }

    @Test(
        "files no test is expected for",
        arguments: [
            "Package.swift", "pkg/__init__.py", "src/index.ts", "types.d.ts", "jest.config.js", "docs/x.py",
            "examples/demo.swift", "main.go", "README.md",
        ])
    func notSource(path: String) {
        #expect(FileKinds.sourceSubject(of: path) == nil)
    }

    @Test(
        "ignore patterns",
        arguments: [
            ("node_modules", "web/node_modules/react/index.js", true), ("node_modules", "node_modules_notes.md", false),
            ("*.pyc", "pkg/__pycache__/a.cpython-311.pyc", true), ("dist", "dist/app.js", true),
            ("dist", "src/distance.swift", false), ("docs/generated", "docs/generated/api.md", true),
            ("docs/generated", "other/docs/generated/api.md", false), ("build/", "build", false),
            ("build/", "build/out.o", true), ("/vendor", "vendor/lib.c", true),
            ("src/**/*.gen.swift", "src/a/b/c.gen.swift", true),
        ])
    func ignorePatterns(pattern: String, path: String, ignored: Bool) {
        #expect(IgnorePatterns([pattern]).matches(path) == ignored)
    }

    @Test("project files and README sections")
    func projectFiles() {
        let paths = ["README.md", "LICENSE", ".github/CONTRIBUTING.md", ".github/workflows/ci.yml", "CHANGELOG.md"]
        let checks = ProjectChecks.check(
            paths: paths, readmeHeadings: ["README.md": ["ticket master", "installation", "configuration"]])
        #expect(checks.readme == "README.md")
        #expect(checks.license == "LICENSE")
        #expect(checks.contributing == ".github/CONTRIBUTING.md")
        #expect(checks.changelog == "CHANGELOG.md")
        #expect(checks.continuousIntegration == [".github/workflows/ci.yml"])
        #expect(checks.missingReadmeSections == ["usage"])
        let bare = ProjectChecks.check(paths: ["main.c"], readmeHeadings: [:])
        #expect(bare.readme == nil && bare.license == nil && bare.continuousIntegration.isEmpty)
    }

    @Test("README headings in Markdown and reStructuredText")
    func headings() {
        let text = "# Title\n\nIntro\n\nUsage\n-----\n\n## Install it\n"
        let headings = Array(text.utf8).withUnsafeBytes { DeclarationScanner.headings($0) }
        #expect(headings == ["title", "usage", "install it"])
    }
}
