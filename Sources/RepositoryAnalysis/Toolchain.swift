import Foundation

/// How the project is built and tested, read from the manifests at its root, so that a suggestion can say
/// "run `swift test`" instead of "run the tests".
public struct Toolchain: Codable, Sendable, Hashable {
    /// Root files read for the toolchain (and, for `Package.swift`, the module layout).
    static let manifestNames: Set<String> = [
        "Package.swift", "package.json", "pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "pytest.ini",
        "noxfile.py", "Cargo.toml", "go.mod", "Makefile", "makefile", "GNUmakefile", "CMakeLists.txt",
        "meson.build", "configure.ac", "Makefile.am", "pom.xml", "build.gradle", "build.gradle.kts", "Gemfile",
        "deno.json",
    ]

    /// The main ecosystem: `swiftpm`, `python`, `npm`, `cargo`, `go`, `maven`, `gradle`, `cmake`, `meson`, `make`.
    public var ecosystem: String?
    /// The command that builds the project, when it has one.
    public var buildCommand: String?
    /// The command that runs its tests.
    public var testCommand: String?
    /// The test framework, when the manifests name one (`pytest`, `jest`, `vitest`, …).
    public var testFramework: String?
    /// The folder that holds the tests, when there is a conventional one.
    public var testFolder: String?
    /// The package's name in its manifest, when it has one.
    public var packageName: String?
    /// The licence the manifest declares (`license = "MIT"`), when it declares one.
    public var declaredLicense: String?
    /// The oldest versions of the runtimes the manifests say the project supports (`go 1.21.0` in `go.mod`,
    /// `requires-python = ">=3.9"`), so that a note waiting for an old one to be dropped can be checked.
    public var runtimeRequirements: [RuntimeRequirement]? = nil

    /// The oldest version of a language runtime a project supports, where its manifest says so.
    public struct RuntimeRequirement: Codable, Sendable, Hashable {
        /// `go`, `python`, `node`, `rust` or `swift`.
        public var runtime: String
        /// The version, as the manifest writes it (`1.21.0`, `3.9`, `18`).
        public var version: String
        /// The manifest.
        public var path: String
        /// The number of the line that says it.
        public var line: Int
        /// That line.
        public var excerpt: String

        /// Creates a requirement.
        public init(runtime: String, version: String, path: String, line: Int, excerpt: String) {
            self.runtime = runtime
            self.version = version
            self.path = path
            self.line = line
            self.excerpt = excerpt
        }

        /// The runtime's name as people write it: `Go`, `Python`, `Node.js`, `Rust`, `Swift`.
        public var displayName: String {
            ["go": "Go", "python": "Python", "node": "Node.js", "rust": "Rust", "swift": "Swift"][runtime] ?? runtime
        }

        /// Whether this requirement is at least `version` (`strictly` above it): `1.22.0` is at least `1.22`.
        public func isAtLeast(_ other: String, strictly: Bool = false) -> Bool {
            func parts(_ text: String) -> [Int] { text.split(separator: ".").map { Int($0) ?? 0 } }
            var mine = parts(version)
            var theirs = parts(other)
            while mine.count < theirs.count { mine.append(0) }
            while theirs.count < mine.count { theirs.append(0) }
            return strictly ? theirs.lexicographicallyPrecedes(mine) : !mine.lexicographicallyPrecedes(theirs)
        }
    }

    /// Creates a toolchain description.
    public init(
        ecosystem: String? = nil, buildCommand: String? = nil, testCommand: String? = nil,
        testFramework: String? = nil, testFolder: String? = nil, packageName: String? = nil,
        declaredLicense: String? = nil
    ) {
        self.ecosystem = ecosystem
        self.buildCommand = buildCommand
        self.testCommand = testCommand
        self.testFramework = testFramework
        self.testFolder = testFolder
        self.packageName = packageName
        self.declaredLicense = declaredLicense
    }

    /// The languages each ecosystem's test command runs; `make`, CMake and Meson run whatever the project wires in.
    private static let testedLanguages: [String: Set<String>] = [
        "swiftpm": ["Swift", "C", "C++", "Objective-C", "Objective-C++"],
        "cargo": ["Rust"],
        "go": ["Go"],
        "npm": ["JavaScript", "TypeScript", "Vue", "Svelte"],
        "python": ["Python", "C", "C++"],
        "maven": ["Java", "Kotlin", "Scala", "Groovy"],
        "gradle": ["Java", "Kotlin", "Scala", "Groovy"],
    ]

    /// The test command that runs the tests of `path`: none for code in a language the ecosystem's runner does not
    /// run (fzf's `shell/key-bindings.zsh`, tested by Ruby scripts, is not tested by `go test ./...`).
    public func testCommand(for path: String) -> String? {
        let language = FileKinds.language(of: path)
        guard let ecosystem, let languages = Self.testedLanguages[ecosystem],
            !FileKinds.proseLanguages.contains(language), !languages.contains(language)
        else { return testCommand }
        return nil
    }

    /// Top-level folders that hold a project's tests, in the order they are looked for.
    static let testFolderNames = ["Tests", "tests", "test", "__tests__", "spec", "t", "testsuite"]

    /// Reads the toolchain from root manifests (`name: text`) and the tracked paths.
    init(manifests: [String: String], paths: [String]) {
        let topFolders = Set(paths.compactMap { $0.split(separator: "/").first.map(String.init) })
        testFolder = Self.testFolderNames.first { topFolders.contains($0) }
        func has(_ name: String) -> Bool { manifests[name] != nil }
        let make = manifests["Makefile"] ?? manifests["makefile"] ?? manifests["GNUmakefile"]
        func makeTarget(_ target: String) -> Bool {
            make?.split(separator: "\n").contains { $0.hasPrefix(target + ":") } ?? false
        }
        // A C project that has a Makefile with a test target builds and tests with make, whatever side manifests it
        // also has (git's own repository has a Cargo.toml for its Rust parts, and a meson.build as an alternative).
        // Only the languages of the other manifests compete: a C project's shell tests do not make it a shell one.
        let manifestLanguages: Set<String> = [
            "Swift", "Rust", "Go", "JavaScript", "TypeScript", "Python", "Java", "Kotlin",
        ]
        var codeFiles: [String: Int] = [:]
        for path in paths {
            let language = FileKinds.language(of: path)
            if language == "C" || language == "C++" || manifestLanguages.contains(language) {
                codeFiles[language, default: 0] += 1
            }
        }
        let cFiles = (codeFiles["C"] ?? 0) + (codeFiles["C++"] ?? 0)
        let mostlyC = cFiles > 0 && codeFiles.allSatisfy { $0.key == "C" || $0.key == "C++" || $0.value < cFiles }
        let makeBuild = has("configure.ac") ? "autoreconf -i && ./configure && make" : "make"
        if mostlyC, makeTarget("test") || makeTarget("check") {
            ecosystem = "make"
            buildCommand = makeBuild
            testCommand = makeTarget("test") ? "make test" : "make check"
        } else if has("Package.swift") {
            ecosystem = "swiftpm"
            buildCommand = "swift build"
            testCommand = "swift test"
        } else if let cargo = manifests["Cargo.toml"] {
            ecosystem = "cargo"
            buildCommand = "cargo build"
            testCommand = cargo.contains("[workspace]") ? "cargo test --workspace" : "cargo test"
        } else if has("go.mod") {
            ecosystem = "go"
            buildCommand = "go build ./..."
            testCommand = "go test ./..."
        } else if let package = manifests["package.json"] {
            ecosystem = "npm"
            let scripts = Self.scripts(inPackageJSON: package)
            buildCommand = scripts["build"].map { _ in "npm run build" }
            testCommand = scripts["test"].map { _ in "npm test" }
            testFramework = ["vitest", "jest", "mocha", "ava", "tap", "jasmine", "playwright"].first {
                package.contains("\"\($0)\"") || package.contains("\"@\($0)/")
            }
        } else if has("pyproject.toml") || has("setup.py") || has("setup.cfg") {
            ecosystem = "python"
            let text = ["pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini", "setup.py", "noxfile.py"]
                .compactMap { manifests[$0] }.joined(separator: "\n")
            let usesPytest =
                text.contains("pytest") || paths.contains { FileKinds.name(of: $0) == "conftest.py" }
                || has("pytest.ini")
            testFramework = usesPytest ? "pytest" : "unittest"
            testCommand = usesPytest ? "pytest" : "python -m unittest"
            if has("tox.ini") { testCommand = "tox" }
        } else if has("pom.xml") {
            ecosystem = "maven"
            buildCommand = "mvn package"
            testCommand = "mvn test"
        } else if has("build.gradle") || has("build.gradle.kts") {
            ecosystem = "gradle"
            let wrapper = paths.contains("gradlew") ? "./gradlew" : "gradle"
            buildCommand = "\(wrapper) build"
            testCommand = "\(wrapper) test"
        } else if let cmake = manifests["CMakeLists.txt"] {
            ecosystem = "cmake"
            buildCommand = "cmake -B build && cmake --build build"
            testCommand =
                cmake.contains("enable_testing") || cmake.contains("add_test") ? "ctest --test-dir build" : nil
        } else if has("meson.build") {
            ecosystem = "meson"
            buildCommand = "meson setup build && meson compile -C build"
            testCommand = "meson test -C build"
        } else if make != nil || has("configure.ac") {
            ecosystem = "make"
            buildCommand = makeBuild
            // Automake gives every `Makefile.am` a `check` target, whether or not a Makefile is committed.
            testCommand =
                has("Makefile.am") || makeTarget("check") ? "make check" : makeTarget("test") ? "make test" : nil
        }
        packageName =
            Self.field("name", in: manifests, order: ["package.json", "Cargo.toml", "pyproject.toml", "setup.cfg"])
            ?? manifests["go.mod"].flatMap { text in
                text.split(separator: "\n").first { $0.hasPrefix("module ") }.map { String($0.dropFirst(7)) }
            }
            ?? manifests["Package.swift"].flatMap { text in
                Self.firstMatch(#"Package\(\s*name\s*:\s*"([^"]+)""#, in: text)
            }
        declaredLicense = Self.field(
            "license", in: manifests, order: ["package.json", "Cargo.toml", "pyproject.toml", "setup.cfg"])
        let requirements = Self.runtimeRequirements(in: manifests)
        runtimeRequirements = requirements.isEmpty ? nil : requirements
        // A Makefile's own test target is what the project's developers run, whatever the ecosystem.
        if ecosystem != "make", testCommand == nil, make != nil {
            testCommand = makeTarget("test") ? "make test" : makeTarget("check") ? "make check" : nil
        }
    }

    /// A string field of the first manifest (in `order`) that has it: `"name": "x"` in JSON, `name = "x"` in
    /// TOML and INI, `license = {text = "MIT"}` too.
    private static func field(_ name: String, in manifests: [String: String], order: [String]) -> String? {
        for file in order {
            guard let text = manifests[file] else { continue }
            let pattern =
                file.hasSuffix(".json")
                ? #"^\s{0,4}""# + name + #""\s*:\s*"([^"]+)""#
                : #"^"# + name + #"\s*=\s*(?:\{\s*text\s*=\s*)?"?([^"\n}]+)"?"#
            if let value = firstMatch(pattern, in: text)?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return value
            }
        }
        return nil
    }

    /// Where each manifest states the oldest runtime version it supports: `go` in `go.mod`, `requires-python` in
    /// `pyproject.toml` (or `python_requires` in `setup.cfg` and `setup.py`), `engines.node` in `package.json`,
    /// `rust-version` in `Cargo.toml`, `swift-tools-version` in `Package.swift`. The first version number of the
    /// constraint is the floor (`>=3.9, <4` is 3.9; `^18 || >=20` is 18).
    static func runtimeRequirements(in manifests: [String: String]) -> [RuntimeRequirement] {
        let sources: [(runtime: String, file: String, key: String, pattern: String)] = [
            ("go", "go.mod", "go ", #"^go\s+(\d+(?:\.\d+)*)\s*$"#),
            ("python", "pyproject.toml", "requires-python", #"^requires-python\s*=\s*["'][^"'0-9]*(\d+(?:\.\d+)*)"#),
            ("python", "setup.cfg", "python_requires", #"^python_requires\s*=\s*[^0-9\n]*(\d+(?:\.\d+)*)"#),
            ("python", "setup.py", "python_requires", #"python_requires\s*=\s*["'][^"'0-9]*(\d+(?:\.\d+)*)"#),
            ("node", "package.json", "\"node\"", #""node"\s*:\s*"[^"0-9]*(\d+(?:\.\d+)*)"#),
            ("rust", "Cargo.toml", "rust-version", #"^rust-version\s*=\s*"(\d+(?:\.\d+)*)""#),
            ("swift", "Package.swift", "swift-tools-version", #"^//\s*swift-tools-version\s*:\s*(\d+(?:\.\d+)*)"#),
        ]
        var found: [RuntimeRequirement] = []
        for source in sources where !found.contains(where: { $0.runtime == source.runtime }) {
            guard let text = manifests[source.file] else { continue }
            // `engines` alone says which Node.js a package runs on; `"node"` elsewhere is something else.
            let scope =
                source.file == "package.json"
                ? (text.range(of: #""engines"\s*:\s*\{[^}]*\}"#, options: .regularExpression).map { String(text[$0]) }
                    ?? "")
                : text
            guard let version = firstMatch(source.pattern, in: scope) else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let index = lines.firstIndex { $0.contains(source.key) && $0.contains(version) } ?? 0
            found.append(
                RuntimeRequirement(
                    runtime: source.runtime, version: version, path: source.file, line: index + 1,
                    excerpt: lines.isEmpty ? "" : String(lines[index]).trimmingCharacters(in: .whitespaces)))
        }
        return found
    }

    private static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else {
            return nil
        }
        let string = text as NSString
        guard let match = expression.firstMatch(in: text, range: NSRange(location: 0, length: string.length)),
            match.numberOfRanges > 1, match.range(at: 1).location != NSNotFound
        else { return nil }
        return string.substring(with: match.range(at: 1))
    }

    /// The `scripts` of a `package.json`.
    private static func scripts(inPackageJSON text: String) -> [String: String] {
        guard let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let scripts = object["scripts"] as? [String: Any]
        else { return [:] }
        // npm's placeholder test script fails on purpose: it is no test command.
        return scripts.compactMapValues { $0 as? String }.filter { !$0.value.contains("no test specified") }
    }
}
