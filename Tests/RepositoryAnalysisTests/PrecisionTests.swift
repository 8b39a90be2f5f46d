import Foundation
import RepositoryAnalysis
import Testing
import TicketMasterTesting

/// The precision rules on real repositories: each with a case that must fire and a near miss that must not.
@Suite("Precision")
struct PrecisionTests {
    @Test("notes in a copy of another project's licensed code are its authors', not the project's")
    func foreignLicencedNotes() async throws {
        try await withRepository { repository in
            try repository.write(
                "Copyright (c) 2012 - present, Victor Zverovich and {fmt} contributors\n\nPermission is hereby "
                    + "granted, free of charge\n", to: "LICENSE")
            try repository.write(
                "// Copyright 2008, Google Inc.\n// Redistribution and use in source and binary forms are permitted\n"
                    + "// FIXME: the leaked object's type is never printed\nint leak(void);\n",
                to: "test/gtest/gmock-gtest-all.cc")
            try repository.write(
                "// Copyright (c) 2012 - present, Victor Zverovich\n// Permission is hereby granted\n"
                    + "// FIXME: the width of wide characters is never counted\nint width(void);\n",
                to: "include/fmt/format.h")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.markers.map(\.path) == ["include/fmt/format.h"])
        }
    }

    @Test("a marker's age comes from its words, not from a commit that re-indented it")
    func markerAgePastReformatting() async throws {
        try await withRepository { repository in
            try repository.write(
                "int f(void) {\n//FIXME: overflows when count > INT_MAX\nreturn 0;\n}\n", to: "src/f.c")
            let written = try await repository.commit("Add f", date: Day.at(1))
            try repository.write(
                "int f(void)\n{\n    // FIXME: overflows when count > INT_MAX\n    return 0;\n}\n", to: "src/f.c")
            try await repository.commit("Reformat with clang-format", date: Day.at(60))
            try repository.write("// TODO: a new note\nint g(void);\n", to: "src/g.c")
            let fresh = try await repository.commit("Add g", date: Day.at(90))
            let report = try await analyze(repository.url)
            let fixme = try #require(report.markers.first { $0.kind == "FIXME" })
            #expect(fixme.lastChanged?.hash == written)
            #expect(fixme.ageDays == 99)
            // A marker that was really written later keeps its own date.
            #expect(report.markers.first { $0.kind == "TODO" }?.lastChanged?.hash == fresh)
        }
    }

    @Test("a marker moved to another file when a module was split keeps the age of the file it came from")
    func markerAgeAcrossSplit() async throws {
        try await withRepository { repository in
            let parser = (1...40).map { "def parse_\($0)(text):\n    return text\n" }.joined()
            let cli = (1...60).map { "def option_\($0)(value):\n    return value\n" }.joined()
            try repository.write(
                parser
                    + "def guess_method(args):\n    # FIXME: False positive, e.g., localhost matches\n    return 'GET'\n"
                    + cli, to: "httpie/input.py")
            let written = try await repository.commit("Default to POST also when stdin redirected", date: Day.at(1))
            // The module is split in two: neither half is similar enough to the old file to be a rename.
            try FileManager.default.removeItem(at: repository.url.appendingPathComponent("httpie/input.py"))
            try repository.write(
                parser
                    + "def guess_method(args):\n    # FIXME: False positive, e.g., localhost matches\n    return 'GET'\n",
                to: "httpie/cli/argparser.py")
            try repository.write(cli, to: "httpie/cli/argtypes.py")
            try await repository.commit("Refactoring", date: Day.at(2_000))
            try repository.write("# TODO: a note of its own\n", to: "httpie/cli/dicts.py")
            let own = try await repository.commit("Add dicts", date: Day.at(2_010))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(2_100)))
            let fixme = try #require(report.markers.first { $0.kind == "FIXME" })
            #expect(fixme.path == "httpie/cli/argparser.py")
            #expect(fixme.lastChanged?.hash == written, "\(String(describing: fixme.lastChanged?.subject))")
            #expect(report.markers.first { $0.kind == "TODO" }?.lastChanged?.hash == own)
        }
    }

    @Test(
        "ages dated from the history read: across a rename, a move, a re-layout, a rewording, a copy taken out and a copy kept"
    )
    func historyDatingAgreesWithBlame() async throws {
        try await withRepository { repository in
            try repository.write(
                "int a(void);\n// TODO: first note\nint b(void);\n/* FIXME: second note */\n", to: "src/old.c")
            let written = try await repository.commit("Add notes", date: Day.at(1))
            try await repository.run(["mv", "src/old.c", "src/new.c"])
            try await repository.commit("Rename", date: Day.at(10))
            try repository.write(
                "/* FIXME: second note */\nint a(void);\n// TODO: first note\nint b(void);\n", to: "src/new.c")
            try await repository.commit("Move the FIXME up", date: Day.at(20))
            try repository.write(
                "/* FIXME: second note */\nint a(void);\n    //TODO: first note\nint b(void);\n// XXX: third\n",
                to: "src/new.c")
            let reformatted = try await repository.commit("Reformat, and a third note", date: Day.at(30))
            try repository.write(
                "/* FIXME: second note */\nint a(void);\n    //TODO: first note, reworded\nint b(void);\n// XXX: third\n",
                to: "src/new.c")
            let reworded = try await repository.commit("Reword", date: Day.at(40))
            let current =
                "/* FIXME: second note */\nint a(void);\n    //TODO: first note, reworded\nint b(void);\n// XXX: third\n"
            try repository.write(current + "/* FIXME: second note */\n", to: "src/new.c")
            try await repository.commit("A copy of the FIXME", date: Day.at(44))
            try repository.write(current + "// XXX: third\n", to: "src/new.c")
            let copied = try await repository.commit("Take the copy out; copy the XXX instead", date: Day.at(45))
            try repository.write("x\n", to: "other.txt")
            try await repository.commit("Unrelated", date: Day.at(50))

            // The whole history is read, so every marker is dated from it; with a window of one commit, none is,
            // and all are blamed.
            let fromHistory = try await analyze(repository.url)
            let fromBlame = try await analyze(repository.url, AnalysisOptions(maxCommits: 1, now: Day.at(100)))
            // A copy taken out again leaves the FIXME's age alone; of two identical notes, the first is the older.
            #expect(fromHistory.markers.map(\.kind) == ["FIXME", "TODO", "XXX", "XXX"])
            #expect(fromHistory.markers.map(\.lastChanged?.hash) == [written, reworded, reformatted, copied])
            // Blame agrees, but for the copy: its re-layout rule finds the copy's words in the parent and passes over
            // the commit that added it.
            #expect(fromBlame.markers.prefix(3).map(\.lastChanged) == fromHistory.markers.prefix(3).map(\.lastChanged))
            #expect(fromBlame.markers.prefix(3).map(\.ageDays) == fromHistory.markers.prefix(3).map(\.ageDays))
            #expect(fromBlame.markers.last?.lastChanged?.hash != copied)
        }
    }

    @Test("an undocumented Python class no other file names is a helper of its module, not API")
    func pythonModuleHelpers() async throws {
        try await withRepository { repository in
            try repository.write("\"\"\"Responses.\"\"\"\n", to: "pkg/__init__.py")
            try repository.write(
                """
                class JSONResponse:
                    pass


                class GZipResponder:
                    pass


                def gzip(response):
                    return GZipResponder()


                def stream(response):
                    return response
                """, to: "pkg/responses.py")
            try repository.write(
                "from pkg.responses import JSONResponse, gzip\n\n\ndef test_json():\n    JSONResponse()\n",
                to: "tests/test_responses.py")
            try await repository.commit("Start", date: Day.at(1))
            let files = try await analyze(repository.url).undocumentedFiles
            // A function stays: modules are called through (`responses.stream`).
            #expect(files.flatMap(\.undocumented).map(\.name) == ["JSONResponse", "gzip", "stream"])
            #expect(files.first?.publicDeclarations == 3)
        }
    }

    @Test("a Rust crate built only for C callers ships no Rust API")
    func rustForC() async throws {
        try await withRepository { repository in
            try repository.write("[package]\nname = \"core\"\n\n[lib]\ncrate-type = [\"rlib\"]\n", to: "Cargo.toml")
            try repository.write("pub fn hash(data: &[u8]) -> u32 { 0 }\n", to: "src/lib.rs")
            try await repository.commit("Start", date: Day.at(1))
            #expect(try await analyze(repository.url).undocumentedFiles.map(\.path) == ["src/lib.rs"])
            try repository.write(
                "[package]\nname = \"core\"\n\n[lib]\ncrate-type = [\"staticlib\"]\n", to: "Cargo.toml")
            try await repository.commit("Link from C", date: Day.at(2))
            #expect(try await analyze(repository.url).undocumentedFiles.isEmpty)
        }
    }

    @Test("a JavaScript package's surface is what its entry points name and re-export, build output mapped to src")
    func packageEntryPoints() async throws {
        try await withRepository { repository in
            // `main` names build output; `exports` adds one file and an "unsafe" wildcard over everything.
            try repository.write(
                """
                {"name": "fetcher", "main": "dist/index.js",
                 "exports": {".": {"import": "./dist/index.js", "require": "./dist/index.cjs"},
                             "./adapters/http": "./src/adapters/http.ts", "./unsafe/*": "./src/*",
                             "./package.json": "./package.json"}}
                """, to: "package.json")
            try repository.write(
                "export * from './client';\nexport { retry } from \"./retry.js\";\nimport { x } from './helpers/x';\n",
                to: "src/index.ts")
            try repository.write("export function get(url: string) {}\n", to: "src/client.ts")
            // A file the entry re-exports one name of shows users that name only, not its helpers.
            try repository.write(
                "export function retry(times: number) {}\nexport type RetryHelper = number;\n", to: "src/retry.ts")
            try repository.write("export function request() {}\n", to: "src/adapters/http.ts")
            // Imported by the entry, never re-exported: reachable only through `./unsafe/*`.
            try repository.write("export function x() {}\n", to: "src/helpers/x.ts")
            try repository.write("export const VERSION = '1.0';\n", to: "src/env/data.ts")
            // Another folder with no entry file of its own, which the entry points never reach.
            try repository.write("export function build() {}\n", to: "lib/build.js")
            try await repository.commit("Start", date: Day.at(1))
            let files = try await analyze(repository.url).undocumentedFiles
            #expect(files.map(\.path) == ["src/adapters/http.ts", "src/client.ts", "src/retry.ts"])
            #expect(files.last?.undocumented.map(\.name) == ["retry"])
            // Without entry points, the entry file's re-exports alone decide.
            try repository.write("{\"name\": \"fetcher\", \"private\": true}\n", to: "package.json")
            try await repository.commit("Workspace root", date: Day.at(2))
            let reexported = try await analyze(repository.url).undocumentedFiles.map(\.path)
            #expect(reexported == ["lib/build.js", "src/client.ts", "src/retry.ts"])
        }
    }

    @Test("a file the entry points re-export names from shows users those names, not the helpers beside them")
    func namedReexports() async throws {
        try await withRepository { repository in
            try repository.write(
                "{\"name\": \"runner\", \"exports\": {\"types\": \"./index.d.ts\", \"default\": \"./index.js\"}}\n",
                to: "package.json")
            try repository.write(
                "export type {Options} from './types/options.js';\nexport * from './types/result.js';\n",
                to: "index.d.ts")
            try repository.write(
                "export type Options = {cwd: string};\nexport type CommonOptions<T> = T;\n", to: "types/options.d.ts")
            try repository.write("export type Result = {code: number};\n", to: "types/result.d.ts")
            try await repository.commit("Start", date: Day.at(1))
            let files = try await analyze(repository.url).undocumentedFiles
            #expect(files.map(\.path) == ["types/options.d.ts", "types/result.d.ts"])
            #expect(files.first?.undocumented.map(\.name) == ["Options"])
        }
    }

    @Test("a declaration a guide shows as code is documented there; one a list only names is not")
    func documentedInGuides() async throws {
        try await withRepository { repository in
            try repository.write(
                "def parse_header(line):\n    return line\n\n\ndef render(page):\n    return page\n\n\n"
                    + "def flush(stream):\n    return stream\n", to: "pkg/core.py")
            try repository.write("", to: "pkg/__init__.py")
            try repository.write(
                """
                # Guide

                Call `parse_header(line)` on each line of the request; it returns the header.

                ## Reference

                - `render`
                - `flush`
                """, to: "docs/guide.md")
            try await repository.commit("Start", date: Day.at(1))
            let file = try #require(try await analyze(repository.url).undocumentedFiles.first)
            #expect(file.undocumented.map(\.name) == ["render", "flush"])

            // Sphinx directives document what they name, and autodoc's `:members:` what it lists.
            try repository.write(
                """
                Reference
                =========

                .. currentmodule:: pkg.core

                The functions below take and return the request's parts unchanged.

                .. function:: render(page)

                .. autoclass:: Stream
                    :members: flush
                """, to: "docs/reference.rst")
            try await repository.commit("Reference", date: Day.at(2))
            #expect(try await analyze(repository.url).undocumentedFiles.flatMap(\.undocumented).isEmpty)
        }
    }

    @Test("a CI note about a language the project has no file in is left out; one about a language it has stays")
    func ciNoteAboutAbsentLanguage() async throws {
        try await withRepository { repository in
            try repository.write(
                """
                jobs:
                  analyze:
                    strategy:
                      matrix:
                        # TODO: Enable for javascript later
                        language: ["go"]
                    steps:
                      # FIXME: the race detector is off because the flaky tests fail with it
                      - run: go test ./...
                """, to: ".github/workflows/codeql.yml")
            try repository.write("package web\n\nfunc Serve() {}\n", to: "web.go")
            try await repository.commit("Start", date: Day.at(1))
            // Two years on, the FIXME left is a step below where it would be in code: it concerns the project's
            // own checks.
            let notes = try await analyze(repository.url, AnalysisOptions(now: Day.at(800))).signals.filter {
                $0.kind == .marker
            }
            #expect(notes.map(\.summary).count == 1, "\(notes.map(\.summary))")
            #expect(notes.first?.summary.contains("race detector") == true)
            #expect(notes.first?.severity == .medium)
        }
    }

    @Test("a Rust crate's private modules reach users only through the root's pub use; unpublished crates, never")
    func rustPrivateModules() async throws {
        try await withRepository { repository in
            try repository.write("[package]\nname = \"poller\"\n", to: "Cargo.toml")
            try repository.write(
                "//! Polling.\nmod sys;\npub(crate) mod util;\npub mod event;\n\npub use sys::{Selector};\n",
                to: "src/lib.rs")
            try repository.write("pub struct Selector {}\npub struct Handle {}\n", to: "src/sys/mod.rs")
            try repository.write("pub fn round_up() {}\n", to: "src/util.rs")
            try repository.write("pub struct Event {}\n", to: "src/event.rs")
            // A workspace crate that is never published has no users to document its API for.
            try repository.write("[package]\nname = \"scaffold\"\npublish = false\n", to: "crates/index/Cargo.toml")
            try repository.write("pub struct Index {}\n", to: "crates/index/src/lib.rs")
            // Nor one whose compiler already checks its documentation.
            try repository.write("[package]\nname = \"checked\"\n", to: "crates/checked/Cargo.toml")
            try repository.write(
                "#![deny(missing_docs)]\n//! Checked.\n/// Docs.\n// A note.\npub fn run() {}\n",
                to: "crates/checked/src/lib.rs")
            // Also when the lint stands in a list over several lines (tracing-subscriber's `#![warn(`).
            try repository.write("[package]\nname = \"listed\"\n", to: "crates/listed/Cargo.toml")
            try repository.write(
                "#![warn(\n    missing_debug_implementations,\n    missing_docs,\n    rust_2018_idioms,\n)]\n"
                    + "//! Listed.\npub fn serve() {}\n",
                to: "crates/listed/src/lib.rs")
            try await repository.commit("Start", date: Day.at(1))
            let names = try await analyze(repository.url).undocumentedFiles.flatMap { $0.undocumented.map(\.name) }
            #expect(names.sorted() == ["Event", "Selector"])
        }
    }

    @Test("vendored, linguist-marked, generated and copied files leave the findings")
    func vendoredAndGenerated() async throws {
        try await withRepository { repository in
            try repository.write("// TODO: upstream bug\n", to: "vendor/lib/x.c")
            try repository.write("# TODO: upstream bug\n", to: "third_party/y.py")
            try repository.write("// TODO: upstream bug\n", to: "lib/external.js")
            try repository.write("lib/external.js linguist-vendored\n", to: ".gitattributes")
            try repository.write(
                "// Code generated by protoc-gen-go. DO NOT EDIT.\n// TODO: generator note\npackage api\n",
                to: "api/api.pb.go")
            try repository.write(
                "/*\n * Parts (strptime()) Copyright (c) 1997 The NetBSD Foundation, Inc.\n */\n/* XXX: upstream */\n",
                to: "src/strptime.c")
            try repository.write("// TODO: our own note\n", to: "src/own.c")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.markers.map(\.path) == ["src/own.c"])
        }
    }

    @Test("prose, changelogs and BUG() macros give no markers; a Markdown checklist item does")
    func proseAndMacros() async throws {
        try await withRepository { repository in
            try repository.write("# Changes\n\n- Introduce the BUG() macro.\n- TODO: nothing\n", to: "CHANGELOG.md")
            try repository.write(
                "## TODO markers\n\nWe match `TODO|FIXME`.\n\n- [ ] write the guide\n", to: "docs/design.md")
            try repository.write("Fixed a BUG in parsing.\n", to: "NEWS")
            try repository.write(
                "#define BUG() abort()\n/* calls BUG() when corrupt */\nvoid g(int x) { if (x) BUG(); BUG_ON(x); }\n",
                to: "src/bug.c")
            try repository.write(
                "import re\nPATTERN = re.compile(r\"TODO|FIXME\")\ntodo_list = []\n", to: "tool/scan.py")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.markers.map(\.path) == ["docs/design.md"])
            #expect(report.markers.first?.text == "write the guide")
        }
    }

    @Test("a word the repository's comments use like TODO is a marker word")
    func ownMarkerWord() async throws {
        try await withRepository { repository in
            for file in 0..<3 {
                let notes = (0..<4).map { "/* NEEDSWORK: case \($0) of file \(file) */\nint v\($0);" }
                try repository.write(notes.joined(separator: "\n") + "\n", to: "src/f\(file).c")
                // gettext's notes to translators are a convention, not work.
                let translated = (0..<4).map { "/* TRANSLATORS: message \($0) */\n_(\"m\($0)\");" }
                try repository.write(translated.joined(separator: "\n") + "\n", to: "src/t\(file).c")
            }
            try repository.write("/* NOTE: a remark */\n", to: "src/note.c")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.markerWords == ["NEEDSWORK"])
            #expect(report.markers.count == 12)
            #expect(Set(report.markers.map(\.kind)) == ["NEEDSWORK"])

            // Nine uses are not enough to tell a habit; configured, the word counts anyway.
            try await repository.run(["rm", "-q", "src/f2.c"])
            try await repository.commit("Fewer", date: Day.at(2))
            #expect(try await analyze(repository.url).markers.isEmpty)
            let configured = try await analyze(
                repository.url, AnalysisOptions(now: Day.at(100), markerWords: ["NEEDSWORK"]))
            #expect(configured.markers.count == 8)
        }
    }

    @Test("undocumented API is the shipped surface, one finding per module")
    func productSurface() async throws {
        try await withRepository { repository in
            try repository.write(
                """
                // swift-tools-version: 6.0
                import PackageDescription
                let package = Package(
                    name: "Lib",
                    products: [.library(name: "Lib", targets: ["Lib"])],
                    targets: [.target(name: "Lib", dependencies: ["Support"]), .target(name: "Support")]
                )
                """, to: "Package.swift")
            let api = (0..<4).map { "public func api\($0)() {}" }.joined(separator: "\n")
            try repository.write(api + "\n", to: "Sources/Lib/API.swift")
            try repository.write("public func more() {}\n", to: "Sources/Lib/More.swift")
            try repository.write(
                (0..<6).map { "/// Documented \($0).\npublic func documented\($0)() {}" }.joined(separator: "\n")
                    + "\n",
                to: "Sources/Lib/Documented.swift")
            // A comment above `#if` documents both branches' declarations.
            try repository.write(
                "/// Runs `body` with the logger bound.\n#if compiler(>=6.2)\n@inlinable\n"
                    + "public nonisolated(nonsending) func withLogger() {}\n#else\n@inlinable\n"
                    + "public func withLogger() {}\n#endif\n",
                to: "Sources/Lib/With.swift")
            try repository.write(api + "\n", to: "Sources/Support/Internal.swift")
            try repository.write(api + "\n", to: "Examples/Demo/main.swift")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            let signals = report.signals.filter { $0.kind == .undocumentedCode }
            #expect(signals.count == 1)
            #expect(
                Set(signals.first?.evidence.locations.map(\.path) ?? []) == [
                    "Sources/Lib/API.swift", "Sources/Lib/More.swift",
                ])
            #expect(signals.first?.summary.contains("module Lib") == true)
        }
    }

    @Test("gaps in a module that documents nine in ten names are worth an issue; in one that documents fewer, low")
    func documentationConvention() async throws {
        for (documentedCount, expected) in [(110, Severity.medium), (30, .low)] {
            try await withRepository { repository in
                try repository.write("module github.com/acme/lib\n\ngo 1.22\n", to: "go.mod")
                let exported = (0..<12).map { "func Exported\($0)() {}" }.joined(separator: "\n")
                try repository.write("package lib\n\n" + exported + "\n", to: "lib.go")
                let documented = (0..<documentedCount).map {
                    "// Documented\($0) does one thing.\nfunc Documented\($0)() {}"
                }
                try repository.write("package lib\n\n" + documented.joined(separator: "\n") + "\n", to: "documented.go")
                try await repository.commit("Start", date: Day.at(1))
                let report = try await analyze(repository.url)
                let signal = try #require(report.signals.first { $0.kind == .undocumentedCode })
                #expect(signal.severity == expected, "\(documentedCount) of \(documentedCount + 12) documented")
            }
        }
    }

    @Test("the packages of a Go command serve the program: their undocumented names are low; a library's are not")
    func goCommand() async throws {
        for command in [false, true] {
            try await withRepository { repository in
                try repository.write("module github.com/acme/finder\n\ngo 1.22\n", to: "go.mod")
                let exported = (0..<12).map { "func Exported\($0)() {}" }.joined(separator: "\n")
                try repository.write("package util\n\n" + exported + "\n", to: "src/util/util.go")
                // The package documents nine in ten of its names: comments are its convention.
                let documented = (0..<110).map { "// Documented\($0) does one thing.\nfunc Documented\($0)() {}" }
                try repository.write(
                    "package util\n\n" + documented.joined(separator: "\n") + "\n", to: "src/util/documented.go")
                if command {
                    try repository.write("package main\n\nfunc main() {}\n", to: "main.go")
                }
                try await repository.commit("Start", date: Day.at(1))
                let report = try await analyze(repository.url)
                let signal = try #require(report.signals.first { $0.kind == .undocumentedCode })
                #expect(signal.severity == (command ? .low : .medium))
            }
        }
    }
}
