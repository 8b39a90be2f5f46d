import Foundation
import Testing

@testable import RepositoryAnalysis

private func scan(
    _ text: String, mode: SourceText.Mode = .code(.any), extra: [String] = []
) -> (lines: Int, markers: [MarkerHit]) {
    let result = Array(text.utf8).withUnsafeBytes {
        SourceText.scan($0, vocabulary: MarkerVocabulary(extra: extra), mode: mode)
    }
    return (result.lines, result.markers)
}

private func tags(_ text: String, language: String = "C") -> [MarkerHit] {
    Array(text.utf8).withUnsafeBytes {
        SourceText.scan($0, mode: .code(CommentStyle.of(language: language))).tags
    }
}

private func declarations(_ text: String, _ language: String, path: String? = nil) -> DeclarationScanner.Result {
    let extensions = [
        "Swift": "swift", "Python": "py", "Go": "go", "Rust": "rs", "TypeScript": "ts", "Java": "java", "C": "h",
    ]
    return Array(text.utf8).withUnsafeBytes {
        DeclarationScanner.scan(
            $0, path: path ?? "Sources/Lib/File.\(extensions[language] ?? "txt")", language: language)
    }
}

@Suite("Working tree rules")
struct SourceTextTests {
    @Test("markers are found in comments in marker syntax, with owner and punctuation removed")
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

    @Test("macro calls, prose inside comments and patterns are not markers")
    func notMarkers() {
        let text = """
            #define BUG() abort()
            if (corrupt) BUG();
            BUG_ON(list == NULL);
            /* Calls BUG() when the list is corrupt. */
            // This is a BUG in the kernel, not here.
            # Matches TODO|FIXME in comments
            // TODO|FIXME
            std::TODO::value; // TODO::scope
            // BUG(x) is a macro
            """
        #expect(scan(text, mode: .code(.slashes)).markers.isEmpty, "\(scan(text, mode: .code(.slashes)).markers)")
        #expect(scan("# Matches TODO|FIXME in comments\n", mode: .code(.hash)).markers.isEmpty)
    }

    @Test("a language's own comment syntax: # opens no comment in C, // none in Python")
    func commentStyles() {
        #expect(scan("#include \"TODO.h\"\n#if TODO: x\n", mode: .code(.slashes)).markers.isEmpty)
        #expect(scan("a = b // TODO: halves\n", mode: .code(.hash)).markers.isEmpty)
        #expect(scan("a = b  # TODO: halves\n", mode: .code(.hash)).markers.map(\.text) == ["halves"])
        #expect(CommentStyle.of(language: "C") == .slashes)
        #expect(CommentStyle.of(language: "Python") == [.hash, .tripleQuotes])
    }

    @Test("no marker inside a string that spans lines: a generator's template of a source file")
    func multilineStrings() {
        let python = #"""
            # TODO: real marker
            TEMPLATE = """
            int f(void) {
                // FIXME: inside the template
                # TODO: also inside
            }
            """
            x = "# not a comment"  # FIXME: after the string
            """#
        #expect(scan(python, mode: .code(.of(language: "Python"))).markers.map(\.line) == [1, 8])
        let script = "const page = `\n// TODO: in a template\n`;\n// TODO: after it\n"
        #expect(scan(script, mode: .code(.of(language: "JavaScript"))).markers.map(\.line) == [4])
        let swift = "let s = \"\"\"\n    // FIXME: in a string\n    \"\"\"\n// FIXME: real\n"
        #expect(scan(swift, mode: .code(.of(language: "Swift"))).markers.map(\.line) == [4])
        // A raw string holding a string in triple quotes ends at `"""#`, not at the inner quotes.
        let raw = "let s = #\"\"\"\nT = \"\"\"\n// FIXME: inside\n\"\"\"\n\"\"\"#\n// FIXME: real\n"
        #expect(scan(raw, mode: .code(.of(language: "Swift"))).markers.map(\.line) == [6])
    }

    @Test("a marker quoted or named in a sentence of a comment is described, not used")
    func describedMarkers() {
        let text = """
            /// The parser with one FIXME: a single maintenance finding.
            /// Markers are written `TODO:` or `FIXME(alice):` in comments.
            // The "HACK:" prefix is reserved.
            x = 1 // trailing TODO: after code
            """
        #expect(scan(text, mode: .code(.slashes)).markers.map(\.text) == ["after code"])
    }

    @Test("an extension-less script's language comes from its #! line")
    func interpreters() {
        func language(_ text: String) -> String? {
            Array(text.utf8).withUnsafeBytes { FileKinds.interpreterLanguage($0) }
        }
        #expect(language("#!/usr/bin/env python3\nprint(1)\n") == "Python")
        #expect(language("#!/usr/bin/env -S node --no-warnings\n") == "JavaScript")
        #expect(language("#!/bin/bash\nset -e\n") == "Shell")
        #expect(language("#!/usr/bin/frobnicate\n") == nil)
        #expect(language("print(1)\n") == nil)
    }

    @Test("prose documents: only unchecked checklist items, outside code blocks")
    func prose() {
        let text = """
            Introduce the BUG() macro. TODO: this is prose.
            - [ ] write the migration guide
            - [x] done already
            * [ ] second task
            ```
            - [ ] an example, not a task
            ```
            """
        let (_, markers) = scan(text, mode: .checklist)
        #expect(markers.map(\.text) == ["write the migration guide", "second task"])
        #expect(scan("TODO: fix\nBUG: here\n", mode: .none).markers.isEmpty)
        #expect(FileKinds.markerMode(of: "CHANGELOG.md", language: "Markdown") == .none)
        #expect(FileKinds.markerMode(of: "docs/plan.md", language: "Markdown") == .checklist)
        #expect(FileKinds.markerMode(of: "notes.txt", language: "Text") == .none)
        #expect(FileKinds.markerMode(of: ".github/PULL_REQUEST_TEMPLATE.md", language: "Markdown") == .none)
        #expect(FileKinds.markerMode(of: "Documentation/RelNotes/2.0.txt", language: "Text") == .none)
        #expect(FileKinds.markerMode(of: "src/a.c", language: "C") == .code(.slashes))
    }

    @Test("a note that goes on over the next comment lines keeps its words")
    func continuation() {
        let text = """
            // TODO: split this into a helper
            // that takes a callback.
            //
            // Unrelated.
            int x;
            """
        #expect(
            scan(text, mode: .code(.slashes)).markers.map(\.text) == ["split this into a helper that takes a callback."]
        )
    }

    @Test("the comment lines right above a note that opens its own line are kept with it")
    func commentAbove() {
        let go = """
            }

            // As of mapstructure v2.0.0 StringToSliceHookFunc checks if the return type is a string slice.
            // This function removes that check.
            // TODO: implement a function that checks if the value can be converted to the return type.
            func stringToWeakSliceHookFunc(sep string) {}
            x := 1 // TODO: name the constant
            """
        let markers = scan(go, mode: .code(.slashes)).markers
        #expect(
            markers.map(\.commentAbove) == [
                "As of mapstructure v2.0.0 StringToSliceHookFunc checks if the return type is a string slice. "
                    + "This function removes that check.", nil,
            ])
        // A formatter's directive above a note says nothing about it.
        let directive = """
            // swift-format-ignore: NeverForceUnwrap
            // FIXME: I dont actually know why this is safe
            let value = input.original(at: origin)!
            """
        #expect(scan(directive, mode: .code(.slashes)).markers.map(\.commentAbove) == [nil])
        // A blank comment line, another note and code end what is above.
        let c = """
            /*
             * Look up a worktree's metadata.
             *
             * Returns NULL when it is missing.
             * NEEDSWORK: tolerate a corrupt worktree here.
             */
            // NOTE: kept for the old callers.
            // TODO: drop the old callers.
            """
        #expect(
            scan(c, mode: .code(.slashes), extra: ["NEEDSWORK"]).markers.map(\.commentAbove) == [
                "Returns NULL when it is missing.", nil,
            ])
    }

    @Test("a note that repeats its marker on every line, or stops mid-sentence, goes on over the next lines")
    func repeatedMarkerLines() {
        let python = """
            # XXX: This can be confused by subclassing a slotted attrs class with
            # XXX: a non-attrs class and subclass the resulting class with an attrs
            # XXX: class.  For now that's
            # XXX: OK with us.
            # XXX: third
            # XXX: third
            # FIXME: asdict/astuple do not honor their factory args. Waiting on one of
            # these:
            # https://github.com/python/mypy/issues/4236
            x = 1
            """
        let markers = scan(python, mode: .code(.hash)).markers
        #expect(
            markers.map(\.text) == [
                "This can be confused by subclassing a slotted attrs class with a non-attrs class and subclass the "
                    + "resulting class with an attrs class.  For now that's OK with us.",
                "third", "third",
                "asdict/astuple do not honor their factory args. Waiting on one of these: "
                    + "https://github.com/python/mypy/issues/4236",
            ])
        #expect(markers.map(\.line) == [1, 5, 6, 7])
        #expect(MarkerNote.concedesNoHarm(markers[0].text))
    }

    @Test("a note inside parentheses ends where they close, and takes in no line below")
    func asideNote() {
        let python = """
            # requirements for a discriminator field:
            # (... TODO: a single fallback is OK (once) - or none) and more
            #  - it must always be enumerated
            x = 1
            """
        #expect(scan(python, mode: .code(.hash)).markers.map(\.text) == ["a single fallback is OK (once) - or none"])
    }

    @Test("the code right under a note comes with it, dedented, up to the end of its block or a blank line")
    func codeBelow() {
        // Split, so that this file holds no credential-shaped text of its own.
        let token = "ghp_" + "R7tK2mQ9xLp4Vw8NzB3cYh6JdF1sGa5Ue0Tq"
        let swift = """
            func handle() {
                // TODO: retry once the pool has room.
                if pool.isFull {
                    throw PoolError.full
                }
            }

            /*
             * FIXME: this leaks when the read fails.
             */
            buffer = malloc(size);
            read(fd, buffer, size);

            func run() {
                step()
                // TODO: report progress
            }
            // TODO: one
            // TODO: two
            let token = "\(token)"
            """
        let markers = scan(swift, mode: .code(.slashes)).markers
        #expect(
            markers.map(\.codeBelow) == [
                "if pool.isFull {\n    throw PoolError.full\n}",
                "buffer = malloc(size);\nread(fd, buffer, size);",
                // The end of its block follows: no code is about it.
                nil,
                // Only another note, then a line holding a credential: nothing is quoted.
                nil, nil,
            ])
    }

    @Test("commented-out code under a note ends it: its `?` and `=` are not the note's words")
    func commentedOutCode() {
        let swift = """
            // TODO: Get HTTP version and scheme
            // attributes["http.flavor"] = "\\(request.version.major)"
            // attributes["url.scheme"] = request.uri.scheme?.rawValue
            let x = 1
            """
        #expect(scan(swift, mode: .code(.slashes)).markers.map(\.text) == ["Get HTTP version and scheme"])
        let yaml = "# TODO: re-enable after the release\n# push:\n#   branches: [main]\non: push\n"
        #expect(scan(yaml, mode: .code(.hash)).markers.map(\.text) == ["re-enable after the release"])
        // Under a `//` note, `#[test]` is a Rust attribute, not more of the note.
        let rust =
            "    // FIXME: Re-enable this test once extraction works.\n    #[test]\n    #[ignore]\n    fn lines() {}\n"
        #expect(
            scan(rust, mode: .code(.slashes)).markers.map(\.text) == [
                "Re-enable this test once extraction works."
            ])
        for code in [
            "return nil;", "}", "x = compute(y)", "if (ready) {", "items[0].close()", "ifndef WIN32",
            #"NSLog("URLSession: \(session), reason: \(reason ?? Data())")"#,
        ] {
            #expect(SourceText.looksLikeCode(code), "\(code)")
        }
        for prose in [
            "that takes a callback.", "see RFC 7230: the host header", "e.g. utf16 pairs",
            "See the retry policy (in Session)", "the handler (not the session) owns it.",
        ] {
            #expect(!SourceText.looksLikeCode(prose), "\(prose)")
        }
    }

    @Test("configured marker words, and upper-case comment tags for detection")
    func ownMarkers() {
        let text = "/* NEEDSWORK: use a hash */\n/* NOTE: fine */\nint NEEDSWORK_COUNT;\n"
        #expect(scan(text, mode: .code(.slashes), extra: ["NEEDSWORK"]).markers.map(\.text) == ["use a hash"])
        #expect(tags(text).map(\.kind) == ["NEEDSWORK", "NOTE"])
        #expect(tags("x = y; // see RFC: 123\nint a = MAX:\n").isEmpty)
        let often = (0..<12).map { [MarkerHit(line: $0, kind: "NEEDSWORK", text: "x", excerpt: "")] }
        let notes = (0..<12).map { [MarkerHit(line: $0, kind: "NOTE", text: "x", excerpt: "")] }
        let rare = [[MarkerHit(line: 1, kind: "REVISIT", text: "x", excerpt: "")]]
        #expect(MarkerWords.detect(often + notes + rare) == ["NEEDSWORK"])
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

    @Test("generated files are recognised by their header")
    func generatedHeader() {
        let generated = "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n"
        #expect(Array(generated.utf8).withUnsafeBytes { FileKinds.hasGeneratedHeader($0) })
        let written = "// Parses the configuration.\n\n\n\n\n\n// The generated by field below...\n"
        #expect(!Array(written.utf8).withUnsafeBytes { FileKinds.hasGeneratedHeader($0) })
    }

    @Test("code copied from another project is recognised by its header, not by licence prose")
    func foreignOriginHeader() {
        func foreign(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { FileKinds.hasForeignOriginHeader($0) }
        }
        #expect(foreign("/*\n * Parts (strptime()) Copyright (c) 1997 The NetBSD Foundation, Inc.\n */\n"))
        #expect(foreign("/* Copied from Heimdal: pthread-like mutexes for WIN32 */\n#include <x.h>\n"))
        #expect(foreign("# Adapted from CPython's shlex module.\nimport os\n"))
        #expect(foreign(" * This code was contributed to The NetBSD Foundation by Klaus Klein.\n"))
        #expect(!foreign(" * Neither the name may be used to endorse products derived from this software.\n"))
        #expect(!foreign("// Copyright (c) 2024 Example Authors\n// TODO: copied from the old parser\n"))
        let late = String(repeating: "// line\n", count: 45) + "// Copied from elsewhere\n"
        #expect(!foreign(late))
    }

    @Test("a header granting a licence in a holder the project's licence does not name is another project's code")
    func foreignLicenceHeader() {
        let project = FileKinds.copyrightHolder(
            in: "Copyright (c) 2012 - present, Victor Zverovich and {fmt} contributors\n\nPermission is hereby"[...])
        #expect(project == ["victor", "zverovich", "fmt"])
        // The Apache licence's grant and its appendix's template name nobody.
        #expect(
            FileKinds.copyrightHolder(
                in:
                    "2. Grant of Copyright License. Subject to the terms\n   Copyright [yyyy] [name of copyright owner]"[
                        ...]
            ).isEmpty)
        func foreign(_ text: String, _ holder: Set<String> = project) -> Bool {
            Array(text.utf8).withUnsafeBytes { FileKinds.grantsForeignLicence($0, projectHolder: holder) }
        }
        let gtest =
            "// Copyright 2008, Google Inc.\n// All rights reserved.\n//\n// Redistribution and use in source and "
            + "binary forms, with or without\n// modification, are permitted\n"
        #expect(foreign(gtest))
        // The project's own header, a header granting nothing, and a project whose licence names nobody.
        #expect(!foreign("// Copyright (c) 2020 - present, Victor Zverovich\n// Permission is hereby granted\n"))
        #expect(!foreign("// Copyright 2008, Google Inc.\n// Prints values.\n"))
        #expect(!foreign(gtest, []))
        // A file that names the project's holder among others is the project's.
        #expect(
            !foreign("// Copyright 2008, Google Inc.\n// Copyright 2021 Victor Zverovich\n// Licensed under the MIT\n"))
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
        #expect(
            result.undocumented.map(\.name) == ["Undocumented", "undocumented", "init", "attributed", "setter", "open"])
    }

    @Test("a requirement of a conformance declared further down, and members of an underscored type, are no gaps")
    func swiftConformancesAcrossExtensions() {
        let text = """
            /// Bytes.
            public struct SecureBytes {}

            extension SecureBytes {
                mutating public func reserveCapacity(_ n: Int) {}
                public func wipe() {}
            }

            extension SecureBytes: RangeReplaceableCollection {}

            /// A certificate.
            public struct Certificate {
                /// An extension.
                public struct _Extension {}
            }

            extension Certificate._Extension {
                public struct Data {}
                public func withUnsafeBytes() {}
            }
            """
        #expect(declarations(text, "Swift").undocumented.map(\.name) == ["wipe"])
    }

    @Test("Swift members that inherit their documentation, and hidden symbols, are not counted")
    func swiftExclusions() {
        let text = """
            /// A handler.
            public final class Handler: ChannelInboundHandler {
                public typealias InboundIn = ByteBuffer
                public func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
                public override func overridden() {}
                public func brandNew() {}
            }
            extension Handler: CustomStringConvertible {
                public var description: String { "" }
                public static let shared = Handler()
            }
            @_spi(Testing) public func spiOnly() {}
            public func _underscored() {}
            @available(
                *, deprecated,
                message: "Use something else."
            )
            public func old() {}
            public protocol Requirement {
                func required()
            }
            extension Requirement {
                public func required() {}
            }
            """
        let result = declarations(text, "Swift")
        #expect(result.undocumented.map(\.name) == ["brandNew", "Requirement", "required"])
        #expect(result.requirements == ["required"])
        #expect(result.undocumented.last?.inConformingType == true)
        #expect(declarations("public func f() {}\n", "Swift", path: "Sources/Lib/Deprecated.swift").declarations == 0)
    }

    @Test("an extension implements the conformances its type's declaration states, nested required types too")
    func swiftDeclaredConformances() {
        let text = """
            /// An error.
            public struct FormError: Error, CustomStringConvertible {
                /// The code.
                public let code: Int
            }
            extension FormError {
                public var description: String { "" }
                public var detail: String { "" }
            }
            /// A body.
            public struct Body: AsyncSequence {}
            extension Body {
                public typealias Element = Int
                public struct AsyncIterator: AsyncIteratorProtocol {
                    public mutating func next() async -> Int? { nil }
                }
                public func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
            }
            """
        #expect(declarations(text, "Swift").undocumented.map(\.name) == ["detail"])
        // `Comparable` is `Equatable`: an index type's `==` implements a requirement (swift-algorithms).
        let index = """
            /// A position.
            public struct Index: Comparable {
                public static func == (lhs: Index, rhs: Index) -> Bool { true }
                public static func < (lhs: Index, rhs: Index) -> Bool { false }
                public func offset() -> Int { 0 }
            }
            """
        #expect(declarations(index, "Swift").undocumented.map(\.name) == ["offset"])
        // Members whose name and type say it all: `rawValue`, enum-like constants, an error's stored fields.
        let plain = """
            /// A scheme.
            public struct Scheme: Sendable {
                public let rawValue: String
                public static var http: Self { .init(rawValue: "http:") }
                public static let https = Scheme(rawValue: "https:")
                public func resolve() -> String { rawValue }
            }
            /// An error.
            public struct ParseError: Swift.Error {
                public let line: Int
                public var summary: String { "" }
            }
            """
        #expect(declarations(plain, "Swift").undocumented.map(\.name) == ["resolve", "summary"])
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

            @overload
            def stub(x: int) -> int: ...

            @typing.overload
            def stub(x: str) -> str: ...
            """
        let result = declarations(text, "Python", path: "pkg/core.py")
        #expect(result.declarations == 4)
        #expect(result.undocumentedLines == [4, 14])
        #expect(declarations("def f():\n    pass\n", "Python", path: "pkg/_compat.py").declarations == 0)
        #expect(declarations("def f():\n    pass\n", "Python", path: "setup.py").declarations == 0)
        let script = "def main():\n    pass\n\nif __name__ == \"__main__\":\n    main()\n"
        #expect(declarations(script, "Python", path: "tool.py").declarations == 0)
        let all = "__all__ = [\"public\"]\n\ndef public():\n    pass\n\ndef helper():\n    pass\n"
        #expect(declarations(all, "Python", path: "pkg/m.py").undocumented.map(\.name) == ["public"])
        let entry = "from .core import Command as Command\nfrom .types import (\n    INT,\n    Path,\n)\n"
        #expect(declarations(entry, "Python", path: "pkg/__init__.py").exports == ["Command", "INT", "Path"])
    }

    @Test("Go exported declarations need a comment, outside internal packages and programs")
    func goDeclarations() {
        let text = """
            // Run runs.
            func Run() {}
            func Stop() {}
            func helper() {}
            func (s *Server) Serve() {}
            func (s *server) Hidden() {}
            type Server struct{}
            """
        let result = declarations(text, "Go")
        #expect(result.declarations == 4)
        #expect(result.undocumentedLines == [3, 5, 7])
        // A method of a standard interface is documented by it; a method named like one of the repository's
        // interfaces is a member of a conforming type, left out when the report is built.
        let methods = """
            type PeerPicker interface {
                // PickPeer picks the peer that owns the key.
                PickPeer(key string) (PeerGetter, bool)
                Debugf(format string, args ...interface{})
            }
            func (p *Pool) PickPeer(key string) (PeerGetter, bool) {}
            func (p *Pool) String() string {}
            func (p *Pool) ServeHTTP(w http.ResponseWriter, r *http.Request) {}
            """
        let scanned = declarations(methods, "Go")
        #expect(ModuleLayout.goPackage(inModule: "module github.com/urfave/cli/v2\n\ngo 1.18\n") == "cli")
        #expect(ModuleLayout.goPackage(inModule: "module github.com/sirupsen/logrus\n") == "logrus")
        // An undocumented interface method documents nothing (logrus's `FieldLogger.Debugf`).
        #expect(scanned.requirements == ["PickPeer"])
        #expect(scanned.undocumented.map(\.name) == ["PeerPicker", "PickPeer"])
        #expect(scanned.undocumented.last?.inConformingType == true)
        #expect(declarations("func Run() {}\n", "Go", path: "internal/x/run.go").declarations == 0)
        #expect(declarations("package main\nfunc Run() {}\n", "Go", path: "cmd/x/run.go").declarations == 0)
    }

    @Test("Rust, TypeScript, Java and C header declarations")
    func otherLanguages() {
        let rust =
            "/// Documented.\npub fn a() {}\npub fn b() {}\npub(crate) fn c() {}\n#[doc(hidden)]\npub fn d() {}\n"
        #expect(declarations(rust, "Rust").undocumented.map(\.name) == ["b"])
        // A plain comment or an attribute over several lines between the documentation and the item.
        let between = """
            /// A single filtering directive.
            // TODO(eliza): add a builder for programmatically constructing directives?
            #[derive(Clone, Debug)]
            #[cfg_attr(
                docsrs,
                doc(cfg(feature = "env-filter"))
            )]
            pub struct Directive {}
            #[cfg_attr(
                docsrs,
                doc(cfg(feature = "local-time"))
            )]
            pub struct LocalTime {}
            """
        #expect(declarations(between, "Rust").undocumented.map(\.name) == ["LocalTime"])
        let typeScript = """
            /** Documented. */
            export function a() {}
            export function b() {}
            export const c = 1
            export { d } from './d'
            function e() {}
            """
        #expect(declarations(typeScript, "TypeScript").undocumented.map(\.name) == ["b", "c"])
        let entry = declarations(
            "export {Ky as default, type Hooks} from './core';\nexport * from './errors';\n", "TypeScript",
            path: "src/index.ts")
        #expect(entry.exports == ["default", "Hooks"])
        #expect(entry.exportedModules == ["./errors"])
        let java = """
            /** Documented. */
            public class A {
                public void b() {}
                @Override
                public String toString() { return ""; }
                void hidden() {}
            }
            """
        #expect(declarations(java, "Java").undocumented.map(\.name) == ["b"])
        let kotlin = """
            /** Documented. */
            fun a() {}
            fun String.slug(): String = this
            private fun hidden() {}
            internal class Internal
            data class Point(val x: Int)
            class Box {
                fun member() {}
            }
            """
        #expect(
            declarations(kotlin, "Kotlin", path: "src/main/kotlin/A.kt").undocumented.map(\.name) == [
                "slug", "Point", "Box",
            ])
        let header = """
            #define BUG() abort()
            /* Parses. */
            int parse(const char *text);
            int unparse(const char *text);
            DECLARE_HANDLER(x);
            static inline int helper(void) { return 0; }
            struct point {
              int x;
            };
            """
        #expect(declarations(header, "C", path: "include/lib.h").undocumented.map(\.name) == ["unparse", "point"])
        #expect(declarations(header, "C", path: "include/lib_internal.h").declarations == 0)
    }

    @Test("module layout: library products, installed headers, source folders")
    func moduleLayout() {
        let manifest = """
            let package = Package(
                name: "lib",
                products: [.library(name: "Lib", targets: ["Lib"])],
                targets: [
                    .target(name: "Lib", dependencies: ["Support"]),
                    .target(name: "Support", path: "Sources/InternalSupport"),
                    .executableTarget(name: "tool"),
                    .testTarget(name: "LibTests"),
                ]
            )
            """
        let layout = ModuleLayout(
            manifests: ["Package.swift": manifest, "Makefile.am": "include_HEADERS = src/jq.h \\\n  src/jv.h\n"],
            paths: ["Sources/Lib/A.swift", "src/jq.h", "src/jv.h", "src/internal.h"])
        #expect(layout.module(of: "Sources/Lib/A.swift", language: "Swift")?.name == "Lib")
        #expect(layout.module(of: "Sources/InternalSupport/B.swift", language: "Swift") == nil)
        #expect(layout.module(of: "Sources/tool/main.swift", language: "Swift") == nil)
        #expect(layout.module(of: "src/jq.h", language: "C") != nil)
        #expect(layout.module(of: "src/internal.h", language: "C") == nil)
        #expect(layout.module(of: "src/pkg/core.py", language: "Python")?.name == "pkg")
        #expect(layout.module(of: "packages/ui/src/button.ts", language: "TypeScript")?.name == "packages/ui")
    }

    @Test("toolchain commands from the root manifests")
    func toolchain() {
        let swift = Toolchain(
            manifests: ["Package.swift": "let package = Package(name: \"Lib\")"], paths: ["Tests/A.swift"])
        #expect(swift.testCommand == "swift test" && swift.testFolder == "Tests" && swift.packageName == "Lib")
        let python = Toolchain(
            manifests: [
                "pyproject.toml": "[project]\nname = \"tool\"\nlicense = {text = \"MIT\"}\n[tool.pytest.ini_options]\n"
            ],
            paths: ["tests/test_a.py"])
        #expect(python.testCommand == "pytest" && python.packageName == "tool" && python.declaredLicense == "MIT")
        let npm = Toolchain(
            manifests: [
                "package.json":
                    #"{"name": "web", "scripts": {"test": "vitest", "build": "tsc"}, "devDependencies": {"vitest": "1"}}"#
            ],
            paths: [])
        #expect(npm.testCommand == "npm test" && npm.buildCommand == "npm run build" && npm.testFramework == "vitest")
        let make = Toolchain(manifests: ["Makefile": "all:\n\tcc a.c\ncheck:\n\t./run\n"], paths: [])
        #expect(make.testCommand == "make check" && make.buildCommand == "make")
        // A C project with a Rust part and a meson alternative still builds and tests with its Makefile; a Rust
        // project with a few C files does not.
        let manifests = [
            "Makefile": "all::\n\tcc git.c\ntest: all\n\t$(MAKE) -C t/ all\n",
            "Cargo.toml": "[package]\nname = \"gitcore\"\n",
            "meson.build": "project('git', 'c')\n",
        ]
        let cProject = Toolchain(manifests: manifests, paths: ["git.c", "diff.c", "diff.h", "src/lib.rs"])
        #expect(cProject.ecosystem == "make" && cProject.testCommand == "make test" && cProject.buildCommand == "make")
        let rustProject = Toolchain(manifests: manifests, paths: ["src/lib.rs", "src/a.rs", "src/b.rs", "c/shim.c"])
        #expect(rustProject.ecosystem == "cargo" && rustProject.testCommand == "cargo test")
        let placeholder = Toolchain(
            manifests: ["package.json": #"{"scripts": {"test": "echo \"Error: no test specified\" && exit 1"}}"#],
            paths: [])
        #expect(placeholder.testCommand == nil)
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
            ("source/retry-timing.ts", ["retry-timing", "retry"]),
        ])
    func sourceFiles(path: String, stems: [String]) {
        #expect(FileKinds.sourceSubject(of: path)?.stems == stems)
    }

    @Test(
        "files no test is expected for",
        arguments: [
            "Package.swift", "pkg/__init__.py", "src/index.ts", "types.d.ts", "jest.config.js", "docs/x.py",
            "examples/demo.swift", "main.go", "README.md", "Sources/LibTestHelpers/Helpers.swift",
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
        let shown = ProjectChecks.check(
            paths: ["README.md"], readmeHeadings: ["README.md": ["tool", "install", "example"]])
        #expect(shown.missingReadmeSections.isEmpty)
        #expect(shown.license == nil)
        // Nested copied projects are one, the outermost.
        #expect(FileKinds.copiedProjects(among: ["a/COPYING", "a/AUTHORS", "a/b/LICENSE", "a/b/AUTHORS"]) == ["a"])
        // A README that states the licence's terms itself (pigz's zlib licence) is where the licence is.
        let terms = "pigz 2.8\n\n  This software is provided 'as-is', without any express or implied warranty.\n"
        let sections = Array(terms.utf8).withUnsafeBytes { ProjectChecks.readmeContentSections($0) }
        #expect(
            ProjectChecks.check(paths: ["README", "pigz.c"], readmeHeadings: ["README": sections]).license == "README")
        let readme = "# Tool\n\n```\npip install tool\n```\n"
        #expect(
            Array(readme.utf8).withUnsafeBytes { ProjectChecks.readmeContentSections($0) } == ["install", "example"])
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

@Suite("The code a marker is about")
struct MarkerSymbolTests {
    private func symbols(_ text: String, language: String) -> [String?] {
        Array(text.utf8).withUnsafeBytes {
            SourceText.scan($0, mode: .code(.of(language: language))).markers.map(\.symbol)
        }
    }

    @Test("the declaration whose block holds it, past helpers closed above it and signatures over several lines")
    func enclosing() {
        let swift = """
            struct Parser {
                mutating func parseValues(
                    _ input: [String]
                ) throws {
                    func next() -> String? { nil }
                    repeat {
                        // FIXME: I dont know why this is safe
                        let value = next()!
                    } while false
                }
            }
            """
        #expect(symbols(swift, language: "Swift") == ["parseValues"])
        let python = """
            class Application:
                def run(
                    self,
                    io=None,
                ) -> int:
                    try:
                        code = 1
                        # TODO: custom exit codes
                    except KeyboardInterrupt:
                        code = 2
            """
        #expect(symbols(python, language: "Python") == ["run"])
        // A C function whose parameters take several lines is named by the line that opens them, not by its last
        // parameter.
        let c = """
            int cmd_clone(int argc,
                          const char **argv,
                          struct repository *repository UNUSED)
            {
                if (option_recurse_submodules.nr > 0) {
                    /*
                     * FIXME: In a multi-working-tree world, this needs to be
                     * set in the per-worktree config.
                     */
                    apply();
                }
            }
            """
        #expect(symbols(c, language: "C") == ["cmd_clone"])
    }

    @Test("a note right above a declaration is about it; a local variable names nothing")
    func above() {
        let script = "// TODO: make this strongly-typed\nconst deepMerge = <T>(a: T): T => a;\n"
        #expect(symbols(script, language: "TypeScript") == ["deepMerge"])
        let property = "struct Group {\n    // FIXME: works around a crash\n    private var _dummy = false\n}\n"
        #expect(symbols(property, language: "Swift") == ["_dummy"])
        let local = "func f() {\n    // FIXME: why is this safe?\n    let value = g()!\n}\n"
        #expect(symbols(local, language: "Swift") == ["f"])
    }

    @Test("an XCTSkip inside a catch, an else or an if is conditional; one at the test's top level is not")
    func conditionalXCTSkip() {
        let swift = """
            func testMPTCP() throws {
                do {
                    try run()
                } catch let error as IOError
                    where error.errnoCode == EINVAL
                {
                    // some old Linux kernels don't support MPTCP
                    throw XCTSkip()
                }
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    throw XCTSkip("no network on CI")
                }
            }

            func testBroken() throws {
                throw XCTSkip("the decoder still copies every frame")
            }
            """
        let lines = swift.split(separator: "\n", omittingEmptySubsequences: false)
        let hits = FindingScanner.brokenTests(lines, language: "Swift", path: "Tests/ClientTests.swift")
        #expect(hits.map(\.line) == [16], "\(hits.map(\.line))")
    }
}
