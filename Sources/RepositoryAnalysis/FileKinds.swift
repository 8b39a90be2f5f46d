/// What a path is by convention, worked out once per file (in the parallel scan) and reused everywhere.
struct PathKinds: Sendable, Hashable {
    /// `FileKinds.isDocumentation`.
    var isDocumentation: Bool
    /// `FileKinds.isGenerated`, or a file whose header says a tool generated it.
    var isGenerated: Bool
    /// Under a test, example, benchmark, vendor, docs, scripts or plugins folder: not the project's shipped code.
    var isNonSource: Bool
    /// A test file, or a file under a test folder.
    var isTest: Bool
    /// `FileKinds.testSubject`: the family and stem, joined, when the file is a test.
    var testKey: String?
    /// `FileKinds.sourceSubject`: the keys a test would have to cover the file, when it is a source file.
    var sourceKeys: [String]?
    /// `FileKinds.manifestEcosystem`.
    var manifestEcosystem: String?

    /// Classifies `path`; `directories` remembers what was learnt about each directory, which all its files share.
    init(_ path: String, directories: inout [Substring: FileKinds.DirectoryFlags]) {
        let directory = FileKinds.directory(of: path)
        let flags: FileKinds.DirectoryFlags
        if let known = directories[directory] {
            flags = known
        } else {
            flags = FileKinds.DirectoryFlags(directory)
            directories[directory] = flags
        }
        isDocumentation = FileKinds.isDocumentation(path, flags)
        isGenerated = FileKinds.isGenerated(path)
        isNonSource = flags.isNonSource || flags.isTest
        let test = FileKinds.testSubject(of: path, flags)
        testKey = test.map { "\($0.family.rawValue):\($0.stem)" }
        isTest = flags.isTest || test != nil
        sourceKeys =
            test == nil
            ? FileKinds.sourceSubject(of: path, flags, knownNotTest: true).map { source in
                source.stems.map { "\(source.family.rawValue):\($0)" }
            }
            : nil
        manifestEcosystem = FileKinds.manifestEcosystem(of: path)
    }
}

/// What a path is by convention: its language, whether it is documentation, a test, a source file that should
/// have a test, a dependency manifest. Only names are used, never contents, so the rules are cheap and predictable;
/// they are listed in `docs/analysis.md`.
enum FileKinds {
    private static let languagesByExtension: [String: String] = [
        "swift": "Swift", "py": "Python", "pyi": "Python", "go": "Go", "rs": "Rust", "java": "Java",
        "kt": "Kotlin", "kts": "Kotlin", "js": "JavaScript", "mjs": "JavaScript", "cjs": "JavaScript",
        "jsx": "JavaScript", "ts": "TypeScript", "tsx": "TypeScript", "mts": "TypeScript", "cts": "TypeScript",
        "rb": "Ruby", "c": "C", "h": "C", "cc": "C++", "cpp": "C++", "cxx": "C++", "hpp": "C++", "hh": "C++",
        "hxx": "C++", "m": "Objective-C", "mm": "Objective-C++", "cs": "C#", "fs": "F#", "php": "PHP",
        "scala": "Scala", "sh": "Shell", "bash": "Shell", "zsh": "Shell", "fish": "Shell", "ps1": "PowerShell",
        "lua": "Lua", "pl": "Perl", "pm": "Perl", "r": "R", "dart": "Dart", "ex": "Elixir", "exs": "Elixir",
        "erl": "Erlang", "hs": "Haskell", "ml": "OCaml", "mli": "OCaml", "clj": "Clojure", "zig": "Zig",
        "nim": "Nim", "jl": "Julia", "groovy": "Groovy", "gradle": "Groovy", "sql": "SQL", "html": "HTML",
        "htm": "HTML", "css": "CSS", "scss": "SCSS", "sass": "SCSS", "less": "Less", "vue": "Vue",
        "svelte": "Svelte", "md": "Markdown", "markdown": "Markdown", "rst": "reStructuredText",
        "adoc": "AsciiDoc", "txt": "Text", "json": "JSON", "yml": "YAML", "yaml": "YAML", "toml": "TOML",
        "xml": "XML", "proto": "Protocol Buffers", "cmake": "CMake", "mk": "Makefile", "tf": "HCL", "hcl": "HCL",
        "graphql": "GraphQL", "ini": "INI", "cfg": "INI", "bat": "Batch", "asm": "Assembly", "s": "Assembly",
    ]

    private static let languagesByName: [String: String] = [
        "makefile": "Makefile", "gnumakefile": "Makefile", "dockerfile": "Dockerfile", "cmakelists.txt": "CMake",
        "gemfile": "Ruby", "rakefile": "Ruby", "jenkinsfile": "Groovy", "podfile": "Ruby", "brewfile": "Ruby",
    ]

    /// The last path component.
    static func name(of path: String) -> Substring {
        // Searching the UTF-8 bytes: `/` is ASCII, so the position after it is a character boundary.
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
        return path[path.utf8.index(after: slash)...]
    }

    /// The extension of the last component, lowercased, without the dot; empty when there is none.
    static func pathExtension(of path: String) -> String {
        let name = name(of: path)
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return "" }
        return name[name.utf8.index(after: dot)...].lowercased()
    }

    /// The language of a file, from its name or extension; `Other` when unknown.
    /// Whether `path` tells a build tool how to build the project (`CMakeLists.txt`, a `Makefile`, `meson.build`,
    /// Gradle, Bazel and SCons files, a `Dockerfile`): its fixes are checked by building, not by a test a
    /// maintainer could add.
    static func isBuildScript(_ path: String) -> Bool {
        if ["CMake", "Makefile", "Dockerfile"].contains(language(of: path)) { return true }
        let name = Self.name(of: path).lowercased()
        return buildScriptNames.contains(name) || name.hasSuffix(".gradle") || name.hasSuffix(".gradle.kts")
            || name.hasSuffix(".bzl")
    }

    private static let buildScriptNames: Set<String> = [
        "meson.build", "meson_options.txt", "configure.ac", "configure.in", "build", "build.bazel", "workspace",
        "sconstruct", "sconscript",
    ]

    static func language(of path: String) -> String {
        let name = name(of: path).lowercased()
        if let language = languagesByName[name] { return language }
        if name.hasPrefix("dockerfile") { return "Dockerfile" }
        return languagesByExtension[pathExtension(of: path)] ?? "Other"
    }

    /// The language a script without an extension names on its `#!` line (`#!/usr/bin/env python3`), if known.
    static func interpreterLanguage(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count > 2, bytes[0] == UInt8(ascii: "#"), bytes[1] == UInt8(ascii: "!") else { return nil }
        var end = 2
        while end < min(bytes.count, 200), bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[2..<end]), as: UTF8.self)
        // `/usr/bin/env -S python3 -u` names the interpreter after `env` and its options.
        let words = line.split(separator: " ").map { String(name(of: String($0))) }
        let program = words.first == "env" ? words.dropFirst().first { !$0.hasPrefix("-") } : words.first
        guard let program else { return nil }
        let interpreters: [(String, String)] = [
            ("python", "Python"), ("bash", "Shell"), ("zsh", "Shell"), ("dash", "Shell"), ("ksh", "Shell"),
            ("sh", "Shell"), ("node", "JavaScript"), ("deno", "TypeScript"), ("ruby", "Ruby"), ("perl", "Perl"),
            ("swift", "Swift"), ("php", "PHP"), ("lua", "Lua"), ("Rscript", "R"),
        ]
        return interpreters.first { program.hasPrefix($0.0) }?.1
    }

    /// The directory part of `path` (empty at the top level).
    static func directory(of path: String) -> Substring {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else {
            return path[path.startIndex..<path.startIndex]
        }
        return path[..<slash]
    }

    /// What every file in a directory shares, worked out once per directory.
    struct DirectoryFlags: Sendable {
        /// A component is a test directory (`Tests/`, `tests/`, `__tests__/`, `spec/`, `fixtures/`, ...).
        var isTest = false
        /// A component is an example, benchmark, vendor, docs, scripts or plugins directory.
        var isNonSource = false
        /// A component is `docs/`, `doc/`, `Documentation/` or a DocC catalog.
        var isDocumentation = false
        /// The path goes through `src/test/` (Java and Kotlin tests).
        var isJavaTest = false

        /// The flags of `directory`, relative to the root.
        init(_ directory: Substring) {
            var previous = ""
            for component in directory.split(separator: "/") {
                let lower = component.lowercased()
                // `t/` at the root is the test folder of Perl-style suites (git, Perl modules); elsewhere a folder
                // named `t` is anything.
                if FileKinds.testDirectories.contains(lower) || lower.hasSuffix("tests") || lower.hasSuffix("testing")
                    || ["testhelper", "testsupport", "testutil", "mocks"].contains(where: { lower.contains($0) })
                    // A crate or package of test doubles (`tracing-mock`) serves the tests.
                    || lower.hasSuffix("-mock") || lower.hasSuffix("_mock")
                    || (previous.isEmpty && (lower == "t" || lower == "testsuite"))
                {
                    isTest = true
                }
                // Also by a word of a longer name: `watchOS Example/`, `Example.xcodeproj/`, `demo-app/`.
                if FileKinds.nonSourceDirectories.contains(lower) || FileKinds.isBenchmarkName(lower)
                    || (lower.contains(where: { !$0.isLetter && !$0.isNumber }) && FileKinds.hasExampleWord(lower))
                {
                    isNonSource = true
                }
                if FileKinds.documentationDirectories.contains(lower) || lower.hasSuffix(".docc") {
                    isDocumentation = true
                }
                if previous == "src", lower == "test" { isJavaTest = true }
                previous = lower
            }
        }
    }

    /// Whether a word of a lower-cased folder name is an example word (`watchOS Example`, `demo-app`).
    fileprivate static func hasExampleWord(_ lower: String) -> Bool {
        lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).contains { exampleWords.contains(String($0)) }
    }

    /// Whether a lower-cased folder name is a benchmark's wherever the word is (`NIOSSLBenchmarks`,
    /// `NIOSSLPerformanceTester`, `perf-tests`).
    fileprivate static func isBenchmarkName(_ lower: String) -> Bool {
        ["benchmark", "performancetest", "perftest", "perf-test", "perf_test"].contains { lower.contains($0) }
    }

    /// Whether `path` is in a benchmark's or an example's folder: a private key in its code is a fixture that
    /// serves the measurement or the demonstration (a self-signed `localhost` key behind `forTesting()`).
    static func isBenchmarkOrExample(_ path: String) -> Bool {
        directory(of: path).split(separator: "/").contains { component in
            let lower = component.lowercased()
            return isBenchmarkName(lower) || ["benches", "bench"].contains(lower) || hasExampleWord(lower)
        }
    }

    fileprivate static let documentationDirectories: Set<String> = ["docs", "doc", "documentation"]
    private static let notDocumentation = [
        "changelog", "changes", "history", "news", "license", "licence", "copying", "code_of_conduct",
        "code-of-conduct", "security", "contributing", "authors", "notice",
    ]

    /// Whether a file is user documentation, whose changes count as "the docs were updated": READMEs, Markdown,
    /// reStructuredText and AsciiDoc files, anything under `docs/`, `doc/` or `Documentation/`, and DocC catalogs.
    /// Changelogs, licences and community files are not: updating them does not document code changes.
    static func isDocumentation(_ path: String, _ flags: DirectoryFlags? = nil) -> Bool {
        let name = name(of: path).lowercased()
        if notDocumentation.contains(where: { name.hasPrefix($0) }) { return false }
        if name.hasPrefix("readme") { return true }
        if ["md", "markdown", "rst", "adoc", "asciidoc"].contains(pathExtension(of: path)) { return true }
        return (flags ?? DirectoryFlags(directory(of: path))).isDocumentation
    }

    /// A family of languages that share a test naming convention.
    enum TestFamily: String, Sendable {
        case swift, python, go, javaScript, rust, jvm, ruby
    }

    private static func testFamily(of path: String) -> TestFamily? {
        switch pathExtension(of: path) {
        case "swift": .swift
        case "py": .python
        case "go": .go
        case "js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts": .javaScript
        case "rs": .rust
        case "java", "kt": .jvm
        case "rb": .ruby
        default: nil
        }
    }

    fileprivate static let testDirectories: Set<String> = [
        "tests", "test", "__tests__", "spec", "specs", "testdata", "testing", "fixtures", "uitests",
    ]
    /// Words that make a folder an example wherever they are in its name.
    fileprivate static let exampleWords: Set<String> = ["example", "examples", "sample", "samples", "demo", "demos"]

    fileprivate static let nonSourceDirectories: Set<String> = [
        "examples", "example", "samples", "sample", "benchmarks", "benchmark", "vendor", "third_party",
        "thirdparty", "node_modules", "docs", "doc", "scripts", "plugins", "benches", "demo", "demos",
        "tools", "contrib",
    ]

    /// Whether any directory of `path` is a test directory (`Tests/`, `tests/`, `__tests__/`, `spec/`, ...).
    static func isUnderTestDirectory(_ path: String) -> Bool {
        DirectoryFlags(directory(of: path)).isTest
    }

    /// Folders that hold tests wherever they are: a project's top-level test folders and `testing/`.
    private static let anyTestFolderNames = Set(Toolchain.testFolderNames + ["testing"])

    /// Whether `path` is among the tests: under a test directory, or in a top-level test folder (git's `t/`).
    static func isInTests(_ path: String) -> Bool {
        isUnderTestDirectory(path)
            || Toolchain.testFolderNames.contains(path.split(separator: "/").first.map(String.init) ?? "")
    }

    /// Languages that hold no code of their own.
    static let proseLanguages: Set<String> = [
        "Markdown", "Text", "reStructuredText", "AsciiDoc", "JSON", "YAML", "TOML", "HTML", "CSS", "Other",
    ]

    /// The files two or more folders down the tests, in a language the project has no code in outside them: inputs
    /// the tests read (bat's `tests/syntax-tests/source/TypeScriptReact/app.tsx`, a NumPy test file it highlights),
    /// whose imports and skips are their original authors', not the project's. Shell scripts are test harnesses
    /// (git's `t/`), and a file right in the test folder (`tests/test_bindings.py` of a C library) is a test.
    static func testInputs(among paths: [String]) -> Set<String> {
        let outside = Set(paths.filter { !isInTests($0) }.map(language(of:))).subtracting(proseLanguages)
        // A repository of tests alone has no language of its own to set them apart from.
        guard !outside.isEmpty else { return [] }
        return Set(
            paths.filter { path in
                let language = language(of: path)
                guard isInTests(path), !proseLanguages.contains(language), language != "Shell",
                    !outside.contains(language)
                else { return false }
                // How far below the test folder the file is.
                let parts = path.split(separator: "/").dropLast()
                guard let root = parts.firstIndex(where: { anyTestFolderNames.contains(String($0)) }) else {
                    return false
                }
                return parts.count - root - 1 >= 1
            })
    }

    /// When `path` is a test file, the family and the lowercased name of what it tests (`FooTests.swift` tests
    /// `foo`, `test_foo.py` and `foo_test.py` test `foo`, `foo.test.ts` and `foo.spec.js` test `foo`,
    /// `FooTest.java` tests `foo`, `foo_spec.rb` tests `foo`, `tests/foo.rs` tests `foo`).
    static func testSubject(of path: String, _ flags: DirectoryFlags? = nil) -> (family: TestFamily, stem: String)? {
        guard let family = testFamily(of: path) else { return nil }
        let name = name(of: path)
        var stem = String(name[..<(name.utf8.lastIndex(of: UInt8(ascii: ".")) ?? name.endIndex)])
        let flags = flags ?? DirectoryFlags(directory(of: path))
        let underTests = flags.isTest
        func strip(suffixes: [String] = [], prefixes: [String] = []) -> Bool {
            for suffix in suffixes where stem.count > suffix.count && stem.hasSuffix(suffix) {
                stem.removeLast(suffix.count)
                return true
            }
            for prefix in prefixes where stem.count > prefix.count && stem.hasPrefix(prefix) {
                stem.removeFirst(prefix.count)
                return true
            }
            return false
        }
        let isTest: Bool
        switch family {
        case .swift:
            isTest = strip(suffixes: ["Tests", "Test", "Spec"]) || underTests
        case .python:
            isTest = strip(suffixes: ["_test", "_tests"], prefixes: ["test_"]) || underTests
        case .go:
            isTest = strip(suffixes: ["_test"])
        case .javaScript:
            if let marker = firstRange(of: ".test", in: stem) ?? firstRange(of: ".spec", in: stem) {
                stem = String(stem[..<marker])
                isTest = true
            } else {
                isTest = underTests
            }
        case .rust:
            // Integration tests live in `tests/`; unit tests live inside the source file (see `hasInlineTests`).
            if underTests { _ = strip(suffixes: ["_test", "_tests"], prefixes: ["test_"]) }
            isTest = underTests
        case .jvm:
            isTest =
                strip(suffixes: ["Tests", "Test", "IT"]) || strip(prefixes: ["Test"]) || flags.isJavaTest
        case .ruby:
            isTest = strip(suffixes: ["_spec", "_test"], prefixes: ["test_"]) || underTests
        }
        return isTest ? (family, stem.lowercased()) : nil
    }

    private static let entryPoints: Set<String> = [
        "package.swift", "main.swift", "linuxmain.swift", "setup.py", "conftest.py", "__init__.py", "__main__.py",
        "manage.py", "main.go", "doc.go", "main.rs", "lib.rs", "mod.rs", "build.rs", "index.js", "index.ts",
        "index.jsx", "index.tsx", "index.mjs",
    ]

    /// When `path` is a source file that tests are expected to match by name, its family and the lowercased names
    /// a test could use (`Foo+Bar.swift` is matched by tests of `foo+bar` or `foo`). Test files, files under test,
    /// example, vendor and script directories, entry points (`main.swift`, `__init__.py`, `index.js`, ...),
    /// declaration files and configuration scripts (`*.d.ts`, `*.config.js`) are not.
    static func sourceSubject(
        of path: String, _ flags: DirectoryFlags? = nil, knownNotTest: Bool = false
    ) -> (family: TestFamily, stems: [String])? {
        let flags = flags ?? DirectoryFlags(directory(of: path))
        guard let family = testFamily(of: path), !flags.isNonSource, !flags.isTest,
            knownNotTest || testSubject(of: path, flags) == nil
        else { return nil }
        let name = name(of: path).lowercased()
        guard !entryPoints.contains(name), !name.hasSuffix(".d.ts"), firstRange(of: ".config.", in: name) == nil,
            !name.hasSuffix(".min.js")
        else { return nil }
        let stem = String(name[..<(name.utf8.lastIndex(of: UInt8(ascii: ".")) ?? name.endIndex)])
        var stems = [stem]
        if let plus = stem.firstIndex(of: "+") { stems.append(String(stem[..<plus])) }
        // Tests are often named by feature: `retry.test.ts` covers `retry-timing.ts`, `test_parser.py` covers
        // `parser_utils.py`.
        if let separator = stem.firstIndex(where: { $0 == "-" || $0 == "_" }), separator != stem.startIndex {
            stems.append(String(stem[..<separator]))
        }
        return (family, stems)
    }

    /// Where `needle` (ASCII) starts in `text`, searched byte by byte (Foundation's search is far slower here).
    private static func firstRange(of needle: StaticString, in text: String) -> String.Index? {
        let needle = UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        let utf8 = text.utf8
        var start = utf8.startIndex
        while let candidate = utf8[start...].firstIndex(of: needle[0]) {
            if utf8[candidate...].starts(with: needle) { return candidate }
            start = utf8.index(after: candidate)
        }
        return nil
    }

    /// The ecosystem of a dependency manifest, or `nil` when `path` is not one.
    static func manifestEcosystem(of path: String) -> String? {
        let name = name(of: path)
        switch name {
        case "Package.swift": return "swiftpm"
        case "package.json": return "npm"
        case "pyproject.toml": return "python"
        case "Cargo.toml": return "cargo"
        case "go.mod": return "go"
        case "Gemfile": return "bundler"
        case "pom.xml": return "maven"
        case "build.gradle", "build.gradle.kts": return "gradle"
        default:
            return name.hasPrefix("requirements") && name.hasSuffix(".txt") ? "pip" : nil
        }
    }

    private static let releaseNoteNames = [
        "changelog", "changes", "news", "history", "release", "relnotes", "authors", "credits", "thanks",
    ]
    private static let releaseNoteDirectories: Set<String> = [
        "relnotes", "release-notes", "releasenotes", "changelog", "changelogs", "changes", "changelog.d", "news",
    ]

    /// How markers are found in a file: in the comments of source code; only as unchecked checklist items in
    /// Markdown; never in other prose (plain text, reStructuredText, AsciiDoc, release notes and changelogs, issue
    /// and pull-request templates), where TODO and BUG are words, not tasks.
    static func markerMode(of path: String, language: String) -> SourceText.Mode {
        let name = name(of: path).lowercased()
        if releaseNoteNames.contains(where: { name.hasPrefix($0) }) || name.contains("template") { return .none }
        let directory = directory(of: path).lowercased()
        if directory.split(separator: "/").contains(where: { releaseNoteDirectories.contains(String($0)) }) {
            return .none
        }
        // Checklists in forge folders are templates and settings for issues and pull requests, not tasks.
        if [".github", ".gitlab", ".gitea", ".forgejo"].contains(where: { directory.hasPrefix($0) }) {
            return language == "Markdown" ? .none : .code(CommentStyle.of(language: language))
        }
        switch language {
        case "Markdown": return .checklist
        case "reStructuredText", "AsciiDoc", "Text", "JSON": return .none
        case "Other":
            // Extension-less files in documentation folders are prose (`Documentation/howto`).
            return pathExtension(of: path).isEmpty && DirectoryFlags(directory[...]).isDocumentation
                ? .none : .code(.any)
        default: return .code(CommentStyle.of(language: language))
        }
    }

    /// The folders below the root that carry their own licence (`COPYING`, `LICENSE…`) and their own list of
    /// authors (`AUTHORS`, `CONTRIBUTORS`): another project's code, copied in whole (pigz's `zopfli/`). A
    /// monorepo's packages have licences of their own too, but rarely a list of authors.
    static func copiedProjects(among paths: [String]) -> [String] {
        var licensed = Set<Substring>()
        var credited = Set<Substring>()
        for path in paths {
            let folder = directory(of: path)
            guard !folder.isEmpty else { continue }
            let name = self.name(of: path).uppercased()
            if ["COPYING", "LICENSE", "LICENCE"].contains(where: { name == $0 || name.hasPrefix($0 + ".") }) {
                licensed.insert(folder)
            }
            if ["AUTHORS", "CONTRIBUTORS"].contains(where: { name == $0 || name.hasPrefix($0 + ".") }) {
                credited.insert(folder)
            }
        }
        let folders = licensed.intersection(credited).map(String.init).sorted()
        // The outermost of nested ones.
        return folders.filter { folder in !folders.contains { folder.hasPrefix($0 + "/") } }
    }

    /// Folders that hold someone else's code, copied in, or the project's retired code (zlib's `old/`, whose README
    /// says it is not maintained): never analysed as the project's own.
    static let vendoredDirectories = [
        "vendor", "vendors", "vendored", "_vendor", "third_party", "third-party", "thirdparty", "3rdparty",
        "node_modules", "bower_components", "Pods", "Carthage", "old", "obsolete", "attic", "unmaintained",
    ]

    /// How many bytes the first `lines` lines of `bytes` take, at most `limit`: the header a rule reads.
    static func headLength(_ bytes: UnsafeRawBufferPointer, lines: Int, limit: Int) -> Int {
        var end = 0
        var seen = 0
        while end < min(bytes.count, limit), seen < lines {
            if bytes[end] == UInt8(ascii: "\n") { seen += 1 }
            end += 1
        }
        return end
    }

    /// Whether the first lines of a file say that a tool generated it (`// Code generated … DO NOT EDIT.`,
    /// `@generated`, `This file is auto-generated`), so that no person should act on its content.
    static func hasGeneratedHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let end = headLength(bytes, lines: 5, limit: 2_000)
        // ASCII lower case, byte by byte: every file's head is checked, and decoding it as a string costs more than
        // the rest of its scan.
        let head = bytes[0..<end].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        return head.withUnsafeBytes { head in
            generatedPhrases.contains { FindingScanner.contains(head, $0) }
        }
    }

    /// What a generated file's header says, in lower case.
    private static let generatedPhrases: [[UInt8]] = [
        "do not edit", "@generated", "code generated", "autogenerated", "auto-generated", "generated by",
    ].map { Array($0.utf8) }

    /// Whether the header of a file (its first 40 lines) says that its code comes from another project: a line
    /// that opens with `Copied from`, `Ported from`, `Taken from`, `Imported from` or `Adapted from`, a
    /// `Parts (…) Copyright` or `Portions Copyright` line, or `contributed to The … Foundation`. Its markers are the
    /// upstream authors' notes, which the project does not act on.
    static func hasForeignOriginHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        var lines = 0
        while start < min(bytes.count, 4_000), lines < 40 {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            let text = line.drop { " \t/*#-!;%".contains($0) }.lowercased()
            if foreignOriginOpenings.contains(where: { text.hasPrefix($0) })
                || (text.hasPrefix("parts ") && text.contains("copyright")) || text.hasPrefix("portions copyright")
                || (text.contains("contributed to the ") && text.contains("foundation"))
            {
                return true
            }
            start = end + 1
            lines += 1
        }
        return false
    }

    /// The words that name who holds a copyright, from the `Copyright` notices of `text` (a licence, a file's
    /// header; every notice of its first 60 lines, since a file may name several holders): "Copyright (c) 2012 -
    /// present, Victor Zverovich and {fmt} contributors" gives `victor`, `zverovich`, `fmt`. Years, `(c)` and words
    /// any holder has (`contributors`, `authors`, `inc`, `all rights reserved`) are left out; empty when no line
    /// names anyone.
    static func copyrightHolder(in text: Substring) -> Set<String> {
        var holders: Set<String> = []
        for line in text.split(separator: "\n").prefix(60) {
            // A notice opens its line and carries a year or (c): "Grant of Copyright License" in the Apache licence,
            // or its template "Copyright [yyyy] [name of copyright owner]", names nobody.
            let lower = line.drop { " \t/*#-;!%".contains($0) }.lowercased()
            guard lower.hasPrefix("copyright"),
                lower.contains(where: \.isNumber) || lower.contains("(c)")
                    || lower.contains("©")
            else { continue }
            holders.formUnion(
                lower.dropFirst("copyright".count).split { !$0.isLetter }.map(String.init)
                    .filter { $0.count >= 3 && !holderNoise.contains($0) })
        }
        return holders
    }

    private static let holderNoise: Set<String> = [
        "the", "and", "its", "for", "all", "rights", "reserved", "present", "contributors", "authors", "author",
        "developers", "project", "inc", "llc", "ltd", "corp", "corporation", "company", "affiliates", "notice",
        "holders", "holder", "owner", "owners", "copyright", "see", "file", "license", "licence", "other", "others",
    ]

    /// Whether the header of a file (its first 40 lines) grants a licence in the name of a holder the project's
    /// own licence does not name (fmt's copy of googletest: "Copyright 2008, Google Inc." and "Redistribution and
    /// use …" under a project licensed by "Victor Zverovich and {fmt} contributors"): another project's code, copied
    /// in. Nothing is decided when the project's licence names no holder (`projectHolder` empty).
    static func grantsForeignLicence(_ bytes: UnsafeRawBufferPointer, projectHolder: Set<String>) -> Bool {
        guard !projectHolder.isEmpty else { return false }
        let end = headLength(bytes, lines: 40, limit: 4_000)
        let head = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
        let lower = head.lowercased()
        guard ProjectChecks.licenseGrants.contains(where: { lower.contains($0) }) else { return false }
        let holder = copyrightHolder(in: head[...])
        return !holder.isEmpty && holder.isDisjoint(with: projectHolder)
    }

    private static let foreignOriginOpenings = [
        "copied from ", "ported from ", "taken from ", "imported from ", "adapted from ",
    ]

    private static let notCodeLanguages: Set<String> = [
        "Markdown", "reStructuredText", "AsciiDoc", "Text", "JSON", "YAML", "TOML", "XML", "INI",
    ]

    /// Whether a file is code: not prose, data or configuration (Markdown, text, JSON, YAML, TOML, XML, INI), and
    /// not a changelog or release notes. Only code can be hot, coupled, or drift from its documentation.
    static func isCode(_ path: String) -> Bool {
        if notCodeLanguages.contains(language(of: path)) { return false }
        let name = name(of: path).lowercased()
        if dependencyManifests.contains(name) { return false }
        return !releaseNoteNames.contains { name.hasPrefix($0) }
    }

    /// Files that list dependencies in a format of their own: a "fix" that bumps one (`fix(deps): bump x/net`) has
    /// no behaviour of the project's to test, and their churn is the ecosystem's.
    private static let dependencyManifests: Set<String> = [
        "go.mod", "go.work", "gemfile", "podfile", "pipfile", "cartfile", "brewfile", "requirements.txt",
        "requirements-dev.txt", "constraints.txt",
    ]

    /// Whether a file is one that no person edits (lock files), so its churn says nothing about the code.
    static func isGenerated(_ path: String) -> Bool {
        let name = name(of: path)
        return [
            "Package.resolved", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "Gemfile.lock",
            "poetry.lock", "go.sum", "composer.lock", "Podfile.lock", "uv.lock",
        ].contains(name)
    }
}
