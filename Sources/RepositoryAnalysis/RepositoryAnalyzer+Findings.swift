import Foundation

extension RepositoryAnalyzer {
    /// A suppression needs to be in at least this many files to be an unfinished clean-up.
    static let cleanupFiles = 10

    /// The suppressions and workarounds repeated across at least `cleanupFiles` files, most files first (at most
    /// five), each with how many files held it a year before the reference date: `git grep -l -F` at the last
    /// commit before then.
    static func repeatedLines(
        in scanned: [ScannedFile], git: GitProcess, referenceTime: Int64?
    ) async throws -> [RepositoryReport.RepeatedLine] {
        var places: [String: [SourceLocation]] = [:]
        for file in scanned where !file.kinds.isGenerated {
            for hit in file.findings.suppressions {
                places[hit.text, default: []].append(
                    SourceLocation(path: file.file.path, startLine: hit.line, excerpt: hit.excerpt))
            }
        }
        let repeated = places.compactMap { text, locations -> (String, [SourceLocation], Int)? in
            let files = Set(locations.map(\.path)).count
            return files >= cleanupFiles ? (text, locations, files) : nil
        }
        .sorted { ($0.2, $1.0) > ($1.2, $0.0) }
        .prefix(5)
        guard !repeated.isEmpty else { return [] }
        var yearAgo: String?
        if let referenceTime {
            let (output, completion) = try await git.capture([
                "rev-list", "-1", "--before=\(referenceTime - 365 * 86_400)", "HEAD",
            ])
            let hash = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if completion.status == 0, !hash.isEmpty { yearAgo = hash }
        }
        var lines: [RepositoryReport.RepeatedLine] = []
        /// How many files held `text` at `commit` by `git grep -l -F`, or nil when git could not say.
        func grepCount(_ text: String, at commit: String) async throws -> Int? {
            let (output, completion) = try await git.capture(["grep", "-l", "-F", "-e", text, commit, "--"])
            // 1 means nothing matched: none then.
            guard completion.status <= 1 else { return nil }
            return String(decoding: output, as: UTF8.self).split(separator: "\n").count
        }
        for (text, locations, files) in repeated {
            var before: Int?
            // Counted like for like: `git grep` at both commits also finds the text in tests, docs and longer forms
            // (`# type: ignore[attr]`), which the scan leaves out, so only its change over the year is carried over
            // to the scan's count.
            if let yearAgo, let then = try await grepCount(text, at: yearAgo),
                let now = try await grepCount(text, at: "HEAD")
            {
                before = max(0, files + then - now)
            }
            let sorted = locations.sorted { ($0.path, $0.startLine ?? 0) < ($1.path, $1.startLine ?? 0) }
            lines.append(
                RepositoryReport.RepeatedLine(
                    text: text, files: files, filesAYearAgo: before, locations: Array(sorted.prefix(20))))
        }
        return lines
    }

    /// At most this many broken references are reported.
    static let brokenReferenceLimit = 20

    /// References to project files and modules that resolve to nothing among the tracked files, with the commit
    /// that deleted the target when history has one. Only references that can be resolved for certain count:
    /// relative Python and JavaScript imports, absolute imports of the project's own Python packages, quoted C
    /// includes (not `config.h` or a header the build generates from a `.in` file), and Swift imports of a target
    /// the package deleted.
    ///
    /// The deleting commit comes from `deletedPaths`, the history aggregate's newest deletion of each path; only when
    /// the window is not the whole history (`windowIsWhole` false) is a path it lacks looked up with `git log`.
    static func brokenReferences(
        in scanned: [ScannedFile], tracked: [TrackedFile], testInputs: Set<String>, git: GitProcess,
        deletedPaths: [String: CommitReference], windowIsWhole: Bool, root: URL? = nil
    ) async throws -> [RepositoryReport.BrokenReference] {
        let paths = Set(tracked.map(\.path))
        let packages = Set(
            tracked.compactMap { file -> String? in
                let parts = file.path.split(separator: "/")
                guard parts.last == "__init__.py" else { return nil }
                if parts.count == 2 { return String(parts[0]) }
                if parts.count == 3, parts[0] == "src" { return String(parts[1]) }
                return nil
            })
        let packageRoots = Dictionary(
            packages.map { package in (package, paths.contains("src/\(package)/__init__.py") ? "src/" : "") },
            uniquingKeysWith: { first, _ in first })
        let headerNames = Set(paths.map { FileKinds.name(of: $0) })
        let manifest = scanned.first { $0.file.path == "Package.swift" }?.manifestText
        let targets = manifest.map(ModuleLayout.swiftModuleNames(in:))
        var broken: [(ScannedFile, MarkerHit, [String])] = []
        // Swift modules are checked once per name: most imports name dependencies, which history never deleted.
        var swiftImports: [String: [(ScannedFile, MarkerHit)]] = [:]
        // A file under the tests that has the name of a file outside them is a copy kept as test input
        // (git's `t/t4256/1/mailinfo.c`), not code that is built; nor are files in a language the project has no
        // code in outside its tests (bat's syntax samples, `testInputs`).
        let namesOutsideTests = Set(paths.filter { !FileKinds.isInTests($0) }.map { FileKinds.name(of: $0) })
        for file in scanned where !file.findings.references.isEmpty {
            let path = file.file.path
            if path.contains("fixtures/") || path.contains("testdata/") { continue }
            if FileKinds.isInTests(path),
                namesOutsideTests.contains(FileKinds.name(of: path)) || testInputs.contains(path)
            {
                continue
            }
            let folder = String(FileKinds.directory(of: path))
            for hit in file.findings.references where broken.count < brokenReferenceLimit {
                guard
                    let candidates = resolve(
                        hit, language: file.language, folder: folder, paths: paths, packages: packageRoots,
                        headerNames: headerNames, targets: targets)
                else { continue }
                if file.language == "Swift" {
                    swiftImports[hit.text, default: []].append((file, hit))
                } else if file.language == "Python", let root,
                    aliasedAtRuntime(hit.text, root: root, paths: paths, roots: packageRoots)
                {
                    continue
                } else {
                    broken.append((file, hit, candidates))
                }
            }
        }
        /// The newest deletion of what `pathspecs` match, as `git log` would match them: a path, everything under
        /// a folder, or a file name anywhere (`:(glob)**/name`).
        func deletion(of pathspecs: [String]) async throws -> CommitReference? {
            let anywhere = ":(glob)**/"
            let known = pathspecs.flatMap { spec -> [CommitReference] in
                if spec.hasPrefix(anywhere) {
                    let name = spec.dropFirst(anywhere.count)
                    return deletedPaths.filter { $0.key == name || $0.key.hasSuffix("/" + name) }.map(\.value)
                }
                return deletedPaths.filter { $0.key == spec || $0.key.hasPrefix(spec + "/") }.map(\.value)
            }
            if let newest = known.max(by: { $0.date < $1.date }) { return newest }
            guard !windowIsWhole else { return nil }
            let (output, completion) = try await git.capture(
                ["log", "-1", "--diff-filter=D", "--format=%H%x1f%s%x1f%at", "HEAD", "--"] + pathspecs)
            let fields = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .split(separator: "\u{1f}", omittingEmptySubsequences: false)
            guard completion.status == 0, fields.count == 3 else { return nil }
            return CommitReference(
                hash: String(fields[0]), subject: String(fields[1]),
                date: Date(timeIntervalSince1970: TimeInterval(Int64(fields[2]) ?? 0)))
        }
        for (name, sites) in swiftImports.sorted(by: { $0.key < $1.key }).prefix(40) {
            guard try await deletion(of: ["Sources/\(name)"]) != nil else { continue }
            for (file, hit) in sites.prefix(brokenReferenceLimit - broken.count) {
                broken.append((file, hit, ["Sources/\(name)"]))
            }
        }
        // A path the repository ignores is made by the build (`dist/` after `tsc`, in a `.gitignore`): an example
        // importing `../../dist/source/index.js` works once the project is built.
        let ignored = try await ignoredPaths(Array(Set(broken.flatMap(\.2))), git: git)
        var references: [RepositoryReport.BrokenReference] = []
        for (file, hit, candidates) in broken where !candidates.contains(where: ignored.contains) {
            let removed = try await deletion(of: candidates)
            // A Swift module or a C header counts only when history shows the project deleted it: otherwise it is
            // a dependency's, the system's or the build's.
            if ["Swift", "C", "C++", "Objective-C"].contains(file.language), removed == nil { continue }
            references.append(
                RepositoryReport.BrokenReference(
                    path: file.file.path, line: hit.line, reference: hit.text, excerpt: hit.excerpt,
                    removedIn: removed))
        }
        return references.sorted { ($0.path, $0.line) < ($1.path, $1.line) }
    }

    /// Which of `paths` the repository's ignore rules (`.gitignore`, `.git/info/exclude`) cover.
    static func ignoredPaths(_ paths: [String], git: GitProcess) async throws -> Set<String> {
        // `check-ignore` takes no pathspec magic: one `:(glob)**/name` (a header anywhere) failed the whole run,
        // so git's own broken references were never checked against its ignore rules.
        let plain = paths.filter { !$0.hasPrefix(":(") }
        guard !plain.isEmpty else { return [] }
        // Exit status 1 means none is ignored; anything else but 0 (no repository, say) leaves them all counted.
        let (output, completion) = try await git.capture(["check-ignore", "--"] + plain.sorted())
        guard completion.status == 0 else { return [] }
        return Set(String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// The paths a reference could have meant when it resolves to none of them; nil when it resolves, or cannot be
    /// judged (a third-party module, a system header).
    static func resolve(
        _ hit: MarkerHit, language: String, folder: String, paths: Set<String>, packages: [String: String],
        headerNames: Set<Substring>, targets: Set<String>?
    ) -> [String]? {
        func joined(_ base: String, _ relative: String) -> String {
            var parts = base.isEmpty ? [] : base.split(separator: "/").map(String.init)
            for part in relative.split(separator: "/") {
                if part == "." { continue }
                if part == ".." {
                    if parts.isEmpty { return "" }
                    parts.removeLast()
                } else {
                    parts.append(String(part))
                }
            }
            return parts.joined(separator: "/")
        }
        switch language {
        case "Python":
            var module = hit.text
            var base: String
            if module.hasPrefix(".") {
                let dots = module.prefix { $0 == "." }.count
                module.removeFirst(dots)
                // `from . import x` names attributes as often as modules: not judged.
                guard !module.isEmpty else { return nil }
                base = folder
                for _ in 1..<dots { base = String(FileKinds.directory(of: base)) }
            } else {
                guard let top = module.split(separator: ".").first, let root = packages[String(top)],
                    module.contains(".")
                else { return nil }
                base = String(root.dropLast())
            }
            let stem = joined(base, module.replacingOccurrences(of: ".", with: "/"))
            let candidates = [stem + ".py", stem + "/__init__.py", stem + ".pyi"]
            // A module whose parent is a module file (`pkg.mod.name`) may name an attribute: not judged.
            let parent = String(FileKinds.directory(of: stem))
            if paths.contains(parent + ".py") { return nil }
            return candidates.contains(where: paths.contains) || paths.contains(where: { $0.hasPrefix(stem + "/") })
                ? nil : candidates
        case "JavaScript", "TypeScript":
            let target = joined(folder, hit.text)
            guard !target.isEmpty else { return nil }
            var stems = [target]
            for suffix in [".js", ".mjs", ".cjs", ".jsx"] where target.hasSuffix(suffix) {
                stems.append(String(target.dropLast(suffix.count)))
            }
            let extensions = ["", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json", ".d.ts"]
            var candidates: [String] = []
            for stem in stems {
                candidates += extensions.map { stem + $0 }
                candidates += ["/index.ts", "/index.tsx", "/index.js", "/index.mjs", "/index.jsx"].map { stem + $0 }
            }
            return candidates.contains(where: paths.contains) ? nil : [target] + candidates.prefix(6)
        case "C", "C++", "Objective-C":
            let name = FileKinds.name(of: hit.text)
            if name == "config.h" || headerNames.contains(name) { return nil }
            if paths.contains(where: { $0.hasSuffix(name + ".in") || $0.hasSuffix(name + ".cmake") }) { return nil }
            return [joined(folder, hit.text), ":(glob)**/\(name)"]
        case "Swift":
            guard let targets, !targets.contains(hit.text) else { return nil }
            return ["Sources/\(hit.text)"]
        default:
            return nil
        }
    }
}

extension RepositoryAnalyzer {
    /// File names too common to say which file a test means (`index`, `utils`): a test that mentions them may be
    /// about anything.
    private static let genericStems: Set<String> = [
        "index", "main", "mod", "lib", "__init__", "__main__", "utils", "util", "helpers", "helper", "types",
        "common", "config", "constants", "errors", "models", "module", "package", "setup", "version", "app", "src",
        "source", "sources", "core", "internal", "pkg", "support", "shared", "base", "impl", "private", "public",
    ]

    /// At most this many files are looked up by name in the tests.
    static let testReferenceLimit = 200

    /// `files` without those a test file mentions by name (its stem or a public type it declares, as a whole word:
    /// `ModelWriter` in a test of the pipeline, `import tldr` for `tldr.py`): tests named after a feature still test
    /// the file. One `git grep` over the tracked files, whose answer `answers` keeps when the working tree equals
    /// the index (`isClean`); a file whose name is too short or too common to tell is kept.
    static func withoutTestReferences(
        _ files: [RepositoryReport.UntestedFile], scanned: [ScannedFile], git: GitProcess,
        answers: inout GitAnswers, isClean: Bool
    ) async throws -> [RepositoryReport.UntestedFile] {
        // Each word, with the files it stands for and, for a folder's name, the language a test must be in to
        // count (a C test that names the `tinyhash` folder says nothing of its Python bindings).
        var stems: [String: [(path: String, language: String?)]] = [:]
        let typeNames = Dictionary(
            scanned.map { ($0.file.path, $0.declarations.typeNames) }, uniquingKeysWith: { first, _ in first })
        for file in files.prefix(testReferenceLimit) {
            let name = FileKinds.name(of: file.path)
            // `Configuration+Models.swift` extends `Configuration`: tests that use the type reach the extension.
            let stem = String(name[..<(name.firstIndex { $0 == "." || $0 == "+" } ?? name.endIndex)])
            // The public types it declares count too: a test of `IssueType` tests `ConfigurationValue.swift`. So
            // does its folder below the module's (`Sources/Lib/Configuration/`): tests of the configuration reach
            // the parser beside the loader.
            let components = file.path.split(separator: "/")
            let folder = components.count >= 4 ? [String(components[components.count - 2])] : []
            let words =
                Set([stem] + (typeNames[file.path] ?? [])).map { ($0, String?.none) }
                + folder.map { ($0, Optional(file.language)) }
            for (word, language) in words
            where word.count >= 4 && !genericStems.contains(word.lowercased())
                && word.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII })
            {
                stems[word, default: []].append((file.path, language))
            }
        }
        let tests = Dictionary(
            scanned.filter { $0.kinds.isTest || $0.kinds.testKey != nil }.map { ($0.file.path, $0.language) },
            uniquingKeysWith: { first, _ in first })
        guard !stems.isEmpty, !tests.isEmpty else { return files }
        let words = stems.keys.sorted()
        let question = GitAnswers.Question.testReferences(
            digest: Fingerprint.of(wordGrep(words) + ["--"] + tests.keys.sorted().map { "\($0) \(tests[$0] ?? "")" }))
        if isClean, let remembered = answers[question] {
            let referenced = Set(remembered.split(separator: "\n").map(String.init))
            return files.filter { !referenced.contains($0.path) }
        }
        // Matches stream through a line parser: a common name in a large tree prints megabytes, none of it kept.
        let stemsByName = stems
        func search(pcre: Bool) async throws -> (Set<String>, GitProcess.Completion) {
            try await offload { handle -> (Set<String>, GitProcess.Completion) in
                var referenced: Set<String> = []
                var pending: [UInt8] = []
                func take(_ line: ArraySlice<UInt8>) {
                    guard let colon = line.lastIndex(of: UInt8(ascii: ":")) else { return }
                    let path = String(decoding: line[..<colon], as: UTF8.self)
                    guard let testLanguage = tests[path] else { return }
                    let stem = String(decoding: line[(colon + 1)...], as: UTF8.self)
                    for source in stemsByName[stem] ?? []
                    where source.path != path && (source.language == nil || source.language == testLanguage) {
                        referenced.insert(source.path)
                    }
                }
                let completion = try git.runBlocking(wordGrep(words, pcre: pcre) + ["--"], handle: handle) { chunk in
                    pending.append(contentsOf: chunk)
                    var start = pending.startIndex
                    while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                        take(pending[start..<newline])
                        start = newline + 1
                    }
                    pending.removeSubrange(..<start)
                }
                if !pending.isEmpty { take(pending[...]) }
                return (referenced, completion)
            }
        }
        var (referenced, completion) = try await search(pcre: true)
        // 1 means nothing matched; more, that this git has no PCRE.
        if completion.status > 1 { (referenced, completion) = try await search(pcre: false) }
        guard completion.status <= 1 else { return files }
        if isClean { answers[question] = referenced.sorted().joined(separator: "\n") }
        return files.filter { !referenced.contains($0.path) }
    }
}

extension RepositoryAnalyzer {
    /// The `git grep` that prints each whole-word match of `words` (identifiers) on a line of its own, as
    /// `path:word` (`revision:path:word` for a revision, `path:line:word` with `-n` added): one alternation, which
    /// git runs with PCRE (`-P`) in a third of a second over git's own tree where 81 fixed strings (`-w -F -e …`)
    /// took nine seconds; an extended expression (`pcre` false) where git was built without PCRE.
    static func wordGrep(_ words: [String], pcre: Bool = true) -> [String] {
        ["grep", "-I", "-o", "--no-color", pcre ? "-P" : "-E", "\\b(" + words.joined(separator: "|") + ")\\b"]
    }

    /// Runs `wordGrep` at `revision` (the working tree without one), again without PCRE when git has none.
    /// Status 1 means nothing matched.
    /// With `wholeLines`, each matching line is printed whole instead (`path:text`).
    static func captureWordGrep(
        _ words: [String], lineNumbers: Bool = false, wholeLines: Bool = false, revision: String? = nil,
        git: GitProcess
    ) async throws -> (output: Data, completion: GitProcess.Completion) {
        func run(pcre: Bool) async throws -> (output: Data, completion: GitProcess.Completion) {
            var arguments = wordGrep(words, pcre: pcre)
            if wholeLines { arguments.removeAll { $0 == "-o" } }
            if lineNumbers { arguments.insert("-n", at: 1) }
            return try await git.capture(arguments + (revision.map { [$0] } ?? []) + ["--"])
        }
        let first = try await run(pcre: true)
        return first.completion.status > 1 ? try await run(pcre: false) : first
    }

    /// `files` without the undocumented Python classes that no other file names: helpers of their own module
    /// (starlette's `GZipResponder`, `IdentityResponder`, `MalformedRangeHeader`), not API. Python has no access
    /// modifiers, so a name without an underscore is public by convention only; a class users build or catch is
    /// named by tests, documentation or the package's `__init__.py`. Functions stay (a module's functions are
    /// called through it, `store.load`, which names them too), and so do members. One `git grep` of the tracked
    /// files for every such name, remembered in `answers` for a clean working tree.
    static func withoutModuleInternals(
        _ files: [RepositoryReport.UndocumentedFile], git: GitProcess, answers: inout GitAnswers, isClean: Bool
    ) async throws -> [RepositoryReport.UndocumentedFile] {
        let names = Set(
            files.filter { $0.language == "Python" }.flatMap(\.undocumented).filter { $0.role == "type" }
                .map(\.name)
        ).filter { $0.count >= 3 && $0.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII } }
        guard !names.isEmpty else { return files }
        let question = GitAnswers.Question.usedElsewhere(digest: Fingerprint.of(names.sorted()))
        var usedElsewhere: Set<String>
        if isClean, let remembered = answers[question] {
            usedElsewhere = Set(remembered.split(separator: "\n").map(String.init))
        } else {
            let (output, completion) = try await captureWordGrep(names.sorted(), git: git)
            guard completion.status <= 1 else { return files }
            let owners = Dictionary(
                files.flatMap { file in file.undocumented.map { ($0.name, [file.path]) } }, uniquingKeysWith: +)
            usedElsewhere = []
            // `path:name` per match: a name some file other than its declaring ones holds is used elsewhere.
            for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
                guard let colon = line.lastIndex(of: ":") else { continue }
                let name = String(line[line.index(after: colon)...])
                if owners[name]?.contains(String(line[..<colon])) == false { usedElsewhere.insert(name) }
            }
            if isClean { answers[question] = usedElsewhere.sorted().joined(separator: "\n") }
        }
        return files.compactMap { file in
            guard file.language == "Python" else { return file }
            var file = file
            let helpers = file.undocumented.filter {
                $0.role == "type" && names.contains($0.name) && !usedElsewhere.contains($0.name)
            }
            guard !helpers.isEmpty else { return file }
            let lines = Set(helpers.map(\.line))
            file.undocumented.removeAll { lines.contains($0.line) }
            file.undocumentedLines.removeAll { lines.contains($0) }
            file.publicDeclarations -= helpers.count
            return file.undocumented.isEmpty ? nil : file
        }
    }
}

extension RepositoryAnalyzer {
    /// At most this many files' fix commits are read back: those that can still become hotspots.
    static let fixCheckFiles = SignalRules.hotspotLimit + 2

    /// The indices of the files whose fix commits are read back: those with enough untested fixes to become a
    /// hotspot, most fixes first, at most `fixCheckFiles`.
    static func hotspotCandidates(_ files: [HistoryAggregate.DefectHistory]) -> ArraySlice<Int> {
        files.indices
            .filter { files[$0].untestedFixes >= SignalRules.hotspotRecentFixes }
            .sorted { files[$0].fixScore > files[$1].fixScore }
            .prefix(fixCheckFiles)
    }

    /// `files` with the fix commits a test has nothing to pin down taken out of their untested fixes, and each other
    /// fix's change found where it reads today (`DefectHistory.changedLines`). One `git show` per file reads its
    /// candidate commits, each with the whole file as context (`-U<large>`).
    /// - A fix that changed nothing but comments, docstrings and layout (a subject that says "Fix" over a docstring
    ///   edit, `Fix layout, align full version`) fixed no behaviour: the code before and after is compared without
    ///   comments, docstrings and whitespace. It is no fix at all.
    /// - A fix at least half of whose own code lines the file no longer has (lines it wrote, not lines it moved;
    ///   compared by the names on them, see `LinesToday`) was undone or rewritten since (fzf's
    ///   `fix(zsh): move 'fc -RI' inside command substitution`, taken out twelve days later by a
    ///   `revert(zsh): remove 'fc -RI' call`): a test would pin code that is gone. It stays a fix in the counts.
    /// Only files that could become hotspots are read, most fixes first.
    static func withoutCosmeticOrUndoneFixes(
        _ files: [HistoryAggregate.DefectHistory], git: GitProcess
    ) async throws -> [HistoryAggregate.DefectHistory] {
        var files = files
        for index in hotspotCandidates(files) {
            let path = files[index].path
            let hashes = files[index].evidence.map(\.hash)
            guard !hashes.isEmpty else { continue }
            let (output, completion) = try await git.capture(
                ["show", "--format=%x1e%H", "--no-color", "--no-ext-diff", "-U1000000"] + hashes + ["--", path])
            guard completion.status == 0 else { continue }
            let diffs = commitSections(output)
            let language = FileKinds.language(of: path)
            var style = CommentStyle.of(language: language)
            // A language whose comments the analysis does not know cannot be stripped of them.
            let comparable = style != .any && !style.isEmpty
            // Shell functions are blocks in braces, though its comments are not `//`.
            let braces = style.contains(.slashes) || language == "Shell"
            // Strings in triple quotes are docstrings in Python only; elsewhere they are values.
            if language != "Python" { style.remove(.tripleQuotes) }
            style.remove(.backticks)
            // The file as committed, which the issue's links show, whatever the working tree holds.
            let (blob, read) = try await git.capture(["cat-file", "blob", "HEAD:\(path)"])
            let today = read.status == 0 ? LinesToday(Array(blob)) : nil
            var kept: [CommitReference] = []
            var cosmetic = 0
            var undone = 0
            for commit in files[index].evidence {
                guard let diff = diffs[commit.hash], !diff.isEmpty else {
                    kept.append(commit)
                    continue
                }
                if comparable {
                    let (before, after) = DiffSides.split(diff)
                    if CodeSkeleton(before, style: style) == CodeSkeleton(after, style: style) {
                        cosmetic += 1
                        continue
                    }
                }
                let (added, removed) = DiffSides.changes(diff)
                switch today?.place(of: added, removed: removed) {
                case .undone:
                    undone += 1
                    continue
                case .line(let number, let excerpt):
                    files[index].changedLines.append(
                        SourceLocation(
                            path: path, startLine: number, excerpt: excerpt,
                            symbol: today.flatMap {
                                SourceText.symbol(atLine: number, in: $0.text, braces: braces)
                            },
                            commit: commit.hash))
                case .unknown, nil: break
                }
                kept.append(commit)
            }
            files[index].untestedFixes -= cosmetic + undone
            files[index].fixCommits -= cosmetic
            files[index].evidence = kept
        }
        return files
    }

    /// The output of a `git show --format=%x1e%H …` of several commits, by commit: what git printed after each
    /// commit's line.
    static func commitSections(_ output: Data) -> [String: Data] {
        var sections: [String: Data] = [:]
        var current: (hash: String, start: Data.Index)?
        var lineStart = output.startIndex
        while lineStart < output.endIndex {
            let lineEnd = output[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? output.endIndex
            if output[lineStart] == 0x1E {
                if let current { sections[current.hash] = output[current.start..<lineStart] }
                let hash = String(decoding: output[output.index(after: lineStart)..<lineEnd], as: UTF8.self)
                current = (hash, min(lineEnd + 1, output.endIndex))
            }
            lineStart = lineEnd + 1
        }
        if let current { sections[current.hash] = output[current.start..<output.endIndex] }
        return sections
    }
}

extension RepositoryAnalyzer {
    /// A commit message trailer: `Signed-off-by: `, `Reviewed-by: `.
    private static let trailer = TextPattern(#"^[A-Z][A-Za-z-]+-by: "#)

    /// Words of a fix commit's message that say the bug cannot be reached by a test: found by a fuzzer, not
    /// reachable through the program's inputs, or in text only people read.
    static let untestableWords = [
        "unreachable", "not reachable", "fuzz", "afl build", "oss-fuzz", "not triggerable", "cannot be triggered",
        "can't be triggered", "possible to trigger", "help text", "usage text", "usage message", "cosmetic",
    ]

    /// Phrases of fix subjects whose bug no test run can show: a bounds check or undefined behaviour that gives no
    /// output a run can observe, what only a sanitizer or a particular network sees, a build or a compiler's
    /// complaint.
    private static let hardToTestPhrases = [
        "bounds check", "undefined behavio", "sanitizer", "valgrind", "ipv6", "uninitialized", "uninitialised",
        "portability",
        // What the compiler decides, not what the program does: a pragma, a language standard's feature detection,
        // a name that clashes with the standard library's (fmt's "Fix leaky `diagnostic ignored` pragma", "Fix C++20
        // concept detection", "Fix conflict with std::ignore").
        "pragma", "c++11", "c++14", "c++17", "c++20", "c++23", "c++26", "conflict with std::",
    ]
    /// Words of such subjects, matched whole (`build`, not `rebuild`).
    private static let hardToTestWords: Set<Substring> = [
        "ubsan", "asan", "msan", "tsan", "compiler", "build", "compile", "compilation", "typo", "typos", "ub",
        // A compiler's own bug worked around (libuv's "work around arm-linux-gnueabihf-gcc bug").
        "gcc", "msvc", "clang",
        // A linter's or vet's complaint, fixed to keep the build clean.
        "vet", "lint", "linter", "staticcheck", "golangci", "clippy", "warning", "warnings",
        // Ports to targets the project's tests do not run on: such a fix is a `cfg` gate or an `#if`, checked by
        // building for the target (mio's "fix hermit", "Fixes for horizonOS/n3ds").
        "hermit", "wasi", "illumos", "solaris", "haiku", "redox", "fuchsia", "vxworks", "horizon", "horizonos",
        "n3ds", "espidf", "aix", "ibmi", "zos", "os390", "ios", "qnx", "nto", "dragonfly", "dragonflybsd", "netbsd",
        "openbsd", "hurd", "cygwin",
    ]

    /// A fix for a toolchain's new release ("Fix for Go 1.24", "Fix build with GCC 14.1"): the build is its test.
    private static let toolchainRelease = TextPattern(
        #"(?i)\b(for|with|under|on) (go|golang|python|node|node\.js|swift|rust|rustc|gcc|clang|xcode|jdk|java) v?\d+\.\d+"#
    )

    /// Whether a fix's subject says its bug is one a regression test cannot show.
    static func isHardToTest(_ subject: String) -> Bool {
        let lower = subject.lowercased()
        return hardToTestPhrases.contains { lower.contains($0) } || toolchainRelease.matches(subject)
            || lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).contains { hardToTestWords.contains($0) }
    }

    /// What marks a test written inside a source file: a fix whose diff adds one, or changes lines in one (the hunk
    /// header names the function), changed a test.
    static let inlineTestMarkers = ["#[test]", "#[tokio::test]", "#[cfg(test)]", "mod tests", "fn test_"]

    /// How near in time, either side, a test change by the fix's author counts as the fix's test: the other
    /// commits of the same pull request (`Fix the mixer's __del__` with `TST: adjust tests`; pflag's fix and its
    /// "Add better test" three days and four hours later). Measured by author dates: a pull request merged or
    /// rebased later gives its commits one committer date, weeks after they were written.
    static let companionTestWindow: TimeInterval = 7 * 86_400

    /// How long after a fix its author may add the test it lacked, in a commit whose subject says so and names the
    /// fix: pflag's "fix: add test for argument length check", four months after "fix: correct argument length
    /// check in FlagSet.Parse", in the same pull request.
    static let namedTestWindow: TimeInterval = 365 * 86_400

    /// The words of a subject that can name what it is about: four letters or more, without the words every test
    /// or fix subject has.
    static func subjectWords(_ subject: String) -> Set<Substring> {
        let common: Set<Substring> = [
            "test", "tests", "testing", "spec", "specs", "case", "cases", "unit", "regression", "with", "from", "that",
            "this", "when", "into", "fix", "fixes", "fixed", "correct", "correctly", "handle", "bug", "issue", "make",
        ]
        let lower = subject.lowercased()
        return Set(lower.split(whereSeparator: { !$0.isLetter }).filter { $0.count >= 4 && !common.contains($0) })
    }

    /// Whether `subject` adds a test (a word `test`, `tests` or `spec`) and names the fix: two of its words, and at
    /// least half of the fix's (`fixWords`), are the same.
    static func namesFixTest(_ subject: String, fixWords: Set<Substring>) -> Bool {
        let lower = subject.lowercased()
        guard lower.split(whereSeparator: { !$0.isLetter }).contains(where: { ["test", "tests", "spec"].contains($0) })
        else { return false }
        let shared = subjectWords(subject).intersection(fixWords).count
        return shared >= 2 && shared * 2 >= fixWords.count
    }

    /// The most commits a merge may bring in for them to count as one pull request or topic branch: a merge of a
    /// long-lived branch (`Merge branch 'maint'`) is many changes, and a test among them says nothing of one fix.
    static let mergedTogetherLimit = 30

    /// Of `hashes`, those whose merge into the main line brought a test change with them: another commit of the
    /// same pull request, by any author and at any time before the merge (fatih/color's nil-`Stdout` fix, whose
    /// tests another author added in the same pull request; urfave/cli's fix, whose "Add unit test" came two months
    /// later in the same pull request). `git name-rev` names each fix from the current branch in one run
    /// (`main~9^2~2`: the merge `main~9` brought it in through its second parent); then one `git log` per merge lists
    /// what it brought, which counts when it holds the fix and at most `mergedTogetherLimit` commits. A fix committed
    /// on the main line itself, or on a detached `HEAD`, came in no merge.
    static func testedInTheirMerges(_ hashes: [String], git: GitProcess) async throws -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        let (reference, found) = try await git.capture(["symbolic-ref", "-q", "HEAD"])
        let branch = String(decoding: reference, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard found.status == 0, !branch.isEmpty else { return [] }
        let (output, named) = try await git.capture(["name-rev", "--name-only", "--refs=\(branch)"] + hashes)
        guard named.status == 0 else { return [] }
        let names = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        guard names.count == hashes.count else { return [] }
        // The merge is what comes before the first `^2`: `main~9` of `main~9^2~2`, `main` of `main^2`.
        var byMerge: [String: [String]] = [:]
        for (hash, name) in zip(hashes, names) {
            guard let second = name.range(of: "^2") else { continue }
            byMerge[String(name[..<second.lowerBound]), default: []].append(hash)
        }
        var tested: Set<String> = []
        for (merge, fixes) in byMerge.sorted(by: { $0.key < $1.key }) {
            let (log, shown) = try await git.capture([
                "log", "--no-merges", "--format=%x00%H", "--name-only", "\(merge)^1..\(merge)",
            ])
            guard shown.status == 0 else { continue }
            var commits: Set<String> = []
            var testChanged = false
            for line in String(decoding: log, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("\u{0}") {
                    commits.insert(String(line.dropFirst()))
                } else if HistoryAggregate.isTestPath(String(line)) {
                    testChanged = true
                }
            }
            guard testChanged, commits.count <= mergedTogetherLimit else { continue }
            tested.formUnion(fixes.filter(commits.contains))
        }
        return tested
    }

    /// How long after a commit was written it may have been committed (a pull request rebased or merged late):
    /// the committer-date range `git log` is asked for, before author dates narrow it.
    static let commitLag: TimeInterval = 120 * 86_400

    /// `files` with fix commits taken out of their untested fixes when the fix was tested after all or cannot be:
    /// its subject says no test run can show the bug (`isHardToTest`), its message says the bug is unreachable,
    /// fuzzer-found or in help text, or its author changed a test file
    /// within seven days of it, by author dates (the same pull request, squashed or not), or the merge that brought
    /// it in brought a test change too (`testedInTheirMerges`). Only files that could become hotspots are checked,
    /// all their fixes with a few `git` runs (`testedOrUntestable`).
    static func withoutTestedFixes(
        _ files: [HistoryAggregate.DefectHistory], git: GitProcess
    ) async throws -> [HistoryAggregate.DefectHistory] {
        var files = files
        let candidates = Array(hotspotCandidates(files))
        let commits = candidates.flatMap { index in files[index].evidence.map { (index, $0) } }
        let settled = try await testedOrUntestable(commits.map(\.1), git: git)
        let open = Array(Set(commits.map(\.1.hash)).subtracting(settled)).sorted()
        let tested = settled.union(try await testedInTheirMerges(open, git: git))
        for index in candidates { files[index].evidence = [] }
        for (index, commit) in commits {
            if tested.contains(commit.hash) {
                files[index].untestedFixes -= 1
            } else {
                files[index].evidence.append(commit)
            }
        }
        // Only the fixes kept as evidence (at most eight) were checked: a count beyond them would claim fixes
        // nobody looked at, and the issue would count more fixes than it lists.
        for index in candidates {
            files[index].untestedFixes = min(files[index].untestedFixes, files[index].evidence.count)
            files[index].fixesChecked = true
        }
        return files
    }

    /// At most this many commits that marked known breakages have their messages read.
    static let markingMessageLimit = 300

    /// `tests` with the message body of the commit that marked each known breakage (`test_expect_failure`): it
    /// says whether the commit demonstrates a bug, and often how to fix it or that it is a limitation by design.
    /// One `git show` for all the messages `answers` does not remember.
    static func withMarkingMessages(
        _ tests: [RepositoryReport.BrokenTest], git: GitProcess, answers: inout GitAnswers
    ) async throws -> [RepositoryReport.BrokenTest] {
        var hashes: [String] = []
        for test in tests where test.excerpt.contains("test_expect_failure") {
            if let hash = test.lastChanged?.hash, !hashes.contains(hash) { hashes.append(hash) }
        }
        hashes = Array(hashes.prefix(markingMessageLimit))
        let unknown = hashes.filter { answers[.message(hash: $0)] == nil }
        if !unknown.isEmpty {
            let (output, shown) = try await git.capture(["show", "-s", "--format=%H%x00%b%x1e"] + unknown)
            guard shown.status == 0 else { return tests }
            for record in String(decoding: output, as: UTF8.self).split(separator: "\u{1e}") {
                let parts = record.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { continue }
                let hash = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
                // Trailers (`Signed-off-by:`) say who, not what.
                let lines = parts[1].split(separator: "\n", omittingEmptySubsequences: false).filter { line in
                    !Self.trailer.matches(line)
                }
                let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                answers[.message(hash: hash)] = String(body.prefix(4_000))
            }
        }
        return tests.map { test in
            var test = test
            if let hash = test.lastChanged?.hash, let body = answers[.message(hash: hash)], !body.isEmpty {
                test.lastChanged?.body = body
            }
            return test
        }
    }

    /// The most skipped tests whose later history is read: one path-limited `git log` each.
    static let laterChangeLimit = 8

    /// Tests skipped as not implemented yet, each with the first later commit that changed its file and other
    /// files and whose subject shares two words with the test's name (`test_unset_host_header` and "Avoid override
    /// of headers by urllib3 when unset"): the skip may be stale. One `git log` per file and marking commit that
    /// `answers` does not remember, two at a time, for at most `laterChangeLimit` tests.
    static func withLaterChanges(
        _ tests: [RepositoryReport.BrokenTest], git: GitProcess, answers: inout GitAnswers
    ) async throws -> [RepositoryReport.BrokenTest] {
        // A test's log: its file's commits since the one that marked it. Tests of one file marked by one commit
        // share theirs.
        struct Log: Hashable, Comparable {
            var since: String
            var path: String
            static func < (left: Log, right: Log) -> Bool { (left.since, left.path) < (right.since, right.path) }
        }
        var asked: [(index: Int, log: Log, question: GitAnswers.Question)] = []
        for index in tests.indices where asked.count < laterChangeLimit {
            let test = tests[index]
            guard nameWords(test.test).count >= 2, let marked = test.lastChanged, waitsForImplementation(test.excerpt)
            else { continue }
            asked.append(
                (
                    index, Log(since: marked.hash, path: test.path),
                    .laterChange(since: marked.hash, path: test.path, test: test.test)
                ))
        }
        let queries = Set(asked.filter { answers[$0.question] == nil }.map(\.log)).sorted()
        let outputs = try await concurrentMap(queries, limit: 2) { log -> String? in
            // `--full-diff` lists every file of a commit that touched the test's file, not only that file.
            let (output, listed) = try await git.capture([
                "log", "--no-merges", "--reverse", "--full-diff", "--format=%x1e%H%x00%at%x00%s", "--name-only",
                "\(log.since)..HEAD", "--", log.path,
            ])
            return listed.status == 0 ? String(decoding: output, as: UTF8.self) : nil
        }
        let read = Dictionary(uniqueKeysWithValues: zip(queries, outputs))
        var tests = tests
        for (index, log, question) in asked {
            if answers[question] == nil, let output = read[log] ?? nil {
                answers[question] = firstLaterChange(in: output, of: tests[index]).map(GitAnswers.encode) ?? ""
            }
            tests[index].laterChange = answers[question].flatMap(GitAnswers.decodeCommit)
        }
        return tests
    }

    /// The oldest commit of `log` (`git log --reverse --full-diff --name-only`) that changed `test`'s file together
    /// with code, and whose subject shares two words, and half of them, with the test's name.
    private static func firstLaterChange(in log: String, of test: RepositoryReport.BrokenTest) -> CommitReference? {
        let words = nameWords(test.test)
        for record in log.split(separator: "\u{1e}") {
            let lines = record.split(separator: "\n")
            guard let head = lines.first else { continue }
            let fields = head.split(separator: "\u{0}", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let seconds = TimeInterval(fields[1]) else { continue }
            let paths = lines.dropFirst().map(String.init)
            // The test's own file and the code it tests, in one change.
            guard paths.contains(test.path),
                paths.contains(where: { !HistoryAggregate.isTestPath($0) && FileKinds.isCode($0) })
            else {
                continue
            }
            let subject = String(fields[2])
            // Two words, and half of the name's: "Fish completions for commands and flags" shares two of
            // `TestCommand_BeforeAfterFuncShellCompletion`'s six, "Run Before hooks for shell completion" three.
            let shared = words.intersection(nameWords(subject)).count
            guard shared >= 2, shared * 2 >= words.count else { continue }
            return CommitReference(
                hash: String(fields[0]), subject: subject, date: Date(timeIntervalSince1970: seconds))
        }
        return nil
    }

    /// Whether a Python module that `module` lies under fills `sys.modules` at run time (requests' `packages.py`
    /// makes `requests.packages.urllib3` another name of `urllib3`): names under it resolve with no file of theirs.
    static func aliasedAtRuntime(_ module: String, root: URL, paths: Set<String>, roots: [String: String]) -> Bool {
        let parts = module.split(separator: ".").map(String.init)
        guard parts.count >= 2, let prefix = roots[parts[0]] else { return false }
        for count in stride(from: parts.count - 1, through: 1, by: -1) {
            let base = prefix + parts[0..<count].joined(separator: "/")
            for candidate in [base + ".py", base + "/__init__.py"] where paths.contains(candidate) {
                guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(candidate).path)
                else { continue }
                if String(decoding: data, as: UTF8.self).contains("sys.modules[") { return true }
            }
        }
        return false
    }

    /// The most notes whose named code is looked for in the history: one `git grep` of a past tree each.
    static let vanishedNameLimit = 12

    /// Notes that name code the project no longer has, each with those names: an identifier (`validateIndexTraversals`,
    /// `parse_header`, `render()`, a name in backticks) that no tracked file holds today but on a note's lines, and
    /// that a file other than the note's held when the note was last changed. Such a note is about code that is gone:
    /// swift-algorithms' "Add a version of validateIndexTraversals that doesn't need BidirectionalCollection", years
    /// after `IndexValidator` replaced the helper. A name that never existed is what the note asks for, and stays.
    /// One `git grep` of the working tree for every name, then one of the note's commit for each note with a name
    /// gone there (`BidirectionalCollection` beside it may well remain), remembered in `answers` (the first only for
    /// a clean working tree).
    static func withVanishedNames(
        _ markers: [RepositoryReport.Marker], git: GitProcess, answers: inout GitAnswers, isClean: Bool
    ) async throws -> [RepositoryReport.Marker] {
        let named = markers.indices.compactMap { index -> (Int, [String])? in
            guard markers[index].lastChanged != nil else { return nil }
            let names = codeNames(in: markers[index].text)
            return names.isEmpty ? nil : (index, names)
        }
        guard !named.isEmpty else { return markers }
        let allNames = Set(named.flatMap(\.1)).sorted()
        let question = GitAnswers.Question.namesInTree(digest: Fingerprint.of(allNames))
        var present: Set<String>
        if isClean, let remembered = answers[question] {
            present = Set(remembered.split(separator: "\n").map(String.init))
        } else {
            guard let found = try await namesOutsideNotes(allNames, markers: markers, git: git) else { return markers }
            present = found
            if isClean { answers[question] = present.sorted().joined(separator: "\n") }
        }
        let candidates = named.map { index, names in (index, names.filter { !present.contains($0) }) }
            .filter { !$0.1.isEmpty }.prefix(vanishedNameLimit)
        let questions = candidates.map { index, names in
            GitAnswers.Question.namedCode(
                commit: markers[index].lastChanged?.hash ?? "", path: markers[index].path,
                names: names.joined(separator: " "))
        }
        let unanswered = zip(candidates.map { markers[$0.0].kind }, questions).filter { answers[$0.1] == nil }
        let found = try await concurrentMap(unanswered, limit: 2) { kind, question -> String? in
            guard case .namedCode(let commit, let path, let names) = question else { return nil }
            let words = names.split(separator: " ").map(String.init)
            let (listed, completion) = try await captureWordGrep(words, wholeLines: true, revision: commit, git: git)
            guard completion.status <= 1 else { return nil }
            // `commit:path:line` per matching line: the names a file other than the note's held in code. A line with
            // the note's marker word is the note itself, under the name its file had then (a file renamed since).
            var held: Set<String> = []
            for line in String(decoding: listed, as: UTF8.self).split(separator: "\n") {
                let rest = line.dropFirst(commit.count + 1)
                guard let colon = rest.firstIndex(of: ":"), rest[..<colon] != Substring(path) else { continue }
                let text = rest[rest.index(after: colon)...]
                guard !text.contains(kind) else { continue }
                let tokens = Set(text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }))
                for word in words where tokens.contains(Substring(word)) { held.insert(word) }
            }
            return held.sorted().joined(separator: " ")
        }
        for (question, answer) in zip(unanswered.map(\.1), found) {
            if let answer { answers[question] = answer }
        }
        var markers = markers
        for ((index, _), question) in zip(candidates, questions) {
            guard let held = answers[question], !held.isEmpty else { continue }
            markers[index].vanishedNames = held.split(separator: " ").map(String.init)
        }
        return markers
    }

    /// Which of `names` (identifiers) the working tree holds on lines that are not a note's, by one `git grep`
    /// (`wordGrep`). Nil when grep fails.
    private static func namesOutsideNotes(
        _ names: [String], markers: [RepositoryReport.Marker], git: GitProcess
    ) async throws -> Set<String>? {
        let (output, completion) = try await captureWordGrep(names, lineNumbers: true, git: git)
        guard completion.status <= 1 else { return nil }
        // A hit on a note's own lines (its marker line and the few it continues on) is the note, not the code.
        var noteLines: [String: [(line: Int, text: String)]] = [:]
        for marker in markers { noteLines[marker.path, default: []].append((marker.line, marker.text)) }
        var present: Set<String> = []
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3, let number = Int(parts[parts.count - 2]) else { continue }
            let name = String(parts[parts.count - 1])
            guard !present.contains(name) else { continue }
            let path = parts[..<(parts.count - 2)].joined(separator: ":")
            let inNote = noteLines[path]?.contains {
                $0.line <= number && number <= $0.line + 3 && $0.text.contains(name)
            }
            if inNote != true { present.insert(name) }
        }
        return present
    }

    /// The names of code in a note: identifiers in backticks, `camelCase` and `snake_case` words of six characters
    /// or more, and words called (`render()`), without the punctuation around them.
    static func codeNames(in text: String) -> [String] {
        func isIdentifier(_ word: Substring) -> Bool {
            word.count >= 4 && word.first?.isLetter == true
                && word.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
        }
        var names: [String] = []
        let quoted = text.split(separator: "`", omittingEmptySubsequences: false)
        for (offset, part) in quoted.enumerated() {
            if offset % 2 == 1, quoted.count > offset + 1 {
                let word = part.hasSuffix("()") ? part.dropLast(2) : part
                if isIdentifier(word), word.contains(where: { $0.isUppercase || $0 == "_" }) || part.hasSuffix("()") {
                    names.append(String(word))
                }
                continue
            }
            for token in part.split(whereSeparator: { $0 == " " || ",;:.!?\"'[]{}<>".contains($0) }) {
                let called = token.hasSuffix("()")
                let word = (called ? token.dropLast(2) : token).drop(while: { $0 == "(" })
                guard isIdentifier(word), word.count >= 6 || called else { continue }
                let camel = word.first?.isLowercase == true && word.dropFirst().contains(where: \.isUppercase)
                let snake = word.dropFirst().dropLast().contains("_") && word.contains(where: \.isLowercase)
                if camel || snake || called { names.append(String(word)) }
            }
        }
        return Array(Set(names)).sorted()
    }

    /// The most notes whose wait is looked up: one `git log` of subjects each, two at a time.
    static let conditionLimit = 8

    /// Notes that wait on something ("once inner literal extraction works", "until Swift 6.2 ships"), each with the
    /// first commit after the note's own whose subject shares two words with what it waits on ("regex: add new
    /// inner literal extractor"): that commit may have ended the wait. One `git log` per note that `answers` does
    /// not remember, of subjects only, for at most `conditionLimit` notes.
    static func withMetConditions(
        _ markers: [RepositoryReport.Marker], git: GitProcess, answers: inout GitAnswers
    ) async throws -> [RepositoryReport.Marker] {
        var asked: [(index: Int, words: Set<String>, head: String, question: GitAnswers.Question)] = []
        for index in markers.indices where asked.count < conditionLimit {
            guard let since = markers[index].lastChanged?.hash, let condition = awaited(in: markers[index].text)
            else { continue }
            // "works", "lands", "is fixed" say that it waits, not on what.
            let words = nameWords(condition).subtracting(waitWords)
            guard words.count >= 2 else { continue }
            // The clause's first name is what must change (`cacheable-request` in "`cacheable-request` supports
            // async request functions"): a commit that shares only the rest is about something else, so
            // `firstNaming` requires it. It leads the question, which other conditions with the same words ask
            // apart from this one.
            let head = condition.split(separator: " ").lazy.map { nameWords(String($0)).subtracting(waitWords) }
                .first { !$0.isEmpty }?.sorted().first
            guard let head else { continue }
            let rest = words.subtracting([head]).sorted()
            asked.append(
                (index, words, head, .conditionMet(since: since, condition: ([head] + rest).joined(separator: " "))))
        }
        let queries = asked.filter { answers[$0.question] == nil }
        let outputs = try await concurrentMap(queries, limit: 2) { query -> String? in
            guard case .conditionMet(let since, _) = query.question else { return nil }
            let (output, listed) = try await git.capture([
                "log", "--no-merges", "--reverse", "--format=%H%x00%at%x00%s", "\(since)..HEAD",
            ])
            return listed.status == 0 ? String(decoding: output, as: UTF8.self) : nil
        }
        for (query, output) in zip(queries, outputs) {
            guard let output else { continue }
            answers[query.question] =
                firstNaming(query.words, head: query.head, in: output).map(GitAnswers.encode) ?? ""
        }
        var markers = markers
        for (index, _, _, question) in asked {
            markers[index].conditionMet = answers[question].flatMap(GitAnswers.decodeCommit)
        }
        return markers
    }

    private static let waitWords: Set<String> = [
        "work", "land", "landed", "fixed", "implemented", "supported", "support", "available", "exist", "done",
        "merged", "released", "ship", "added", "resolved", "properly", "correctly",
    ]

    /// Phrases that say a condition must come true first, as whole words: "worktree" and "working copy" wait on
    /// nothing.
    private static let waitPhrases = [
        " works ", " work ", " lands ", " landed ", " is fixed ", " are fixed ", " is implemented ", " is supported ",
        " is available ", " exists ", " is done ", " is merged ", " is released ", " ships ", " is added ",
        " are added ", " supports ", " is resolved ",
    ]

    /// What a note waits on: the words after `once`, `until`, `after` or `when` up to the end of the clause, when
    /// they say something must work, land or be fixed first ("once inner literal extraction works").
    static func awaited(in note: String) -> String? {
        let lower = note.lowercased()
        for opener in [" once ", " until ", " after ", " when "] {
            guard let start = (" " + lower).range(of: opener) else { continue }
            var condition = String((" " + lower)[start.upperBound...])
            if let end = condition.firstIndex(where: { ".;,:(".contains($0) }) {
                condition = String(condition[..<end])
            }
            let padded = " " + condition + " "
            guard waitPhrases.contains(where: { padded.contains($0) }) else { continue }
            return condition
        }
        return nil
    }

    /// The oldest commit of `log` (`git log --reverse --format=%H%x00%at%x00%s`) whose subject shares two words
    /// with `words`, `head` among them.
    private static func firstNaming(_ words: Set<String>, head: String, in log: String) -> CommitReference? {
        for line in log.split(separator: "\n") {
            let fields = line.split(separator: "\u{0}", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let seconds = TimeInterval(fields[1]) else { continue }
            let subject = String(fields[2])
            // Two words, and at least half of what the note waits on: "update the index" is not "index-format".
            let named = nameWords(subject)
            let shared = words.intersection(named).count
            guard shared >= 2, shared * 2 >= words.count, named.contains(head) else { continue }
            return CommitReference(
                hash: String(fields[0]), subject: subject, date: Date(timeIntervalSince1970: seconds))
        }
        return nil
    }

    /// Whether a skip marker's line says the behaviour is not there yet (`@pytest.mark.skip('unimplemented')`).
    static func waitsForImplementation(_ excerpt: String) -> Bool {
        let text = excerpt.lowercased()
        return ["unimplemented", "not implemented", "not yet", "todo", "not supported", "unsupported"].contains {
            text.contains($0)
        }
    }

    /// The words of a test's name or a commit subject, singular and lower-cased, without `test` and short words:
    /// `test_unset_host_header` gives unset, host and header. A hyphenated name is one word: `cacheable-request`
    /// (a package) shares nothing with "request".
    static func nameWords(_ text: String) -> Set<String> {
        var words: [String] = []
        var current = ""
        let characters = Array(text)
        for (position, character) in characters.enumerated() {
            if character.isLetter, !(character.isUppercase && current.last.map(\.isLowercase) == true) {
                current.append(character)
            } else if character == "-", current.last?.isLetter == true,
                position + 1 < characters.count, characters[position + 1].isLetter
            {
                current.append(character)
            } else {
                words.append(current)
                current = character.isLetter ? String(character) : ""
            }
        }
        words.append(current)
        var result = Set<String>()
        for word in words {
            let lower = word.lowercased()
            guard lower.count >= 4, lower != "test", lower != "tests" else { continue }
            result.insert(lower.hasSuffix("s") && !lower.hasSuffix("ss") ? String(lower.dropLast()) : lower)
        }
        return result
    }

    /// Of `commits`, the hashes of those tested after all or that cannot be: the subject says no test run can show
    /// the bug (`isHardToTest`), the message says it is unreachable, fuzzer-found or in help text, the author
    /// changed a test file near it (`companionTestWindow`, or `namedTestWindow` in a commit that names the fix), or
    /// the diff adds or edits a test written inside a source file. Three `git` runs for all of them, however many:
    /// one reads the authors and messages, one lists those authors' commits over the dates of all the fixes (a
    /// `git log --author` per fix walked the history from `HEAD` once each, a third of a second apiece on a long
    /// one), and one shows the diffs of the fixes still untested.
    static func testedOrUntestable(_ commits: [CommitReference], git: GitProcess) async throws -> Set<String> {
        var seen: Set<String> = []
        var open = commits.filter { seen.insert($0.hash).inserted }
        var settled = Set(open.filter { isHardToTest($0.subject) }.map(\.hash))
        open.removeAll { settled.contains($0.hash) }
        guard !open.isEmpty else { return settled }

        let (header, shown) = try await git.capture(["show", "-s", "--format=%H%x00%an%x00%B%x1e"] + open.map(\.hash))
        guard shown.status == 0 else { return settled }
        var authors: [String: String] = [:]
        for record in String(decoding: header, as: UTF8.self).split(separator: "\u{1e}") {
            let parts = record.split(separator: "\u{0}", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let hash = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
            let message = parts[2].lowercased()
            if untestableWords.contains(where: { message.contains($0) }) {
                settled.insert(hash)
            } else if !parts[1].isEmpty {
                authors[hash] = String(parts[1])
            }
        }
        open.removeAll { settled.contains($0.hash) || authors[$0.hash] == nil }
        guard let earliest = open.map(\.date).min(), let latest = open.map(\.date).max() else { return settled }

        // `--since` and `--until` read committer dates: a commit counts when it was committed within the fix's
        // window widened by `commitLag`, and written (author date) within the window itself.
        struct Change {
            var author: Substring
            var written: TimeInterval
            var committed: TimeInterval
            var subject: Substring
            var changesTest = false
        }
        let formatter = ISO8601DateFormatter()
        var arguments = [
            "log", "--no-merges", "--format=%x00%an%x00%at%x00%ct%x00%s", "--name-only", "--fixed-strings",
            "--since=\(formatter.string(from: earliest.addingTimeInterval(-companionTestWindow)))",
            "--until=\(formatter.string(from: latest.addingTimeInterval(namedTestWindow + commitLag)))",
        ]
        arguments += Set(open.compactMap { authors[$0.hash] }).sorted().map { "--author=\($0)" }
        let (log, listed) = try await git.capture(arguments)
        guard listed.status == 0 else { return settled }
        let text = String(decoding: log, as: UTF8.self)
        var changes: [Change] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("\u{0}") {
                let fields = line.dropFirst().split(separator: "\u{0}", maxSplits: 3, omittingEmptySubsequences: false)
                guard fields.count == 4, let written = TimeInterval(fields[1]), let committed = TimeInterval(fields[2])
                else { continue }
                changes.append(Change(author: fields[0], written: written, committed: committed, subject: fields[3]))
            } else if !changes.isEmpty, !changes[changes.count - 1].changesTest,
                HistoryAggregate.isTestPath(String(line))
            {
                changes[changes.count - 1].changesTest = true
            }
        }
        for commit in open {
            let author = authors[commit.hash] ?? ""
            let fixed = commit.date.timeIntervalSince1970
            let fixWords = subjectWords(commit.subject)
            let tested = changes.contains { change in
                guard change.changesTest, change.author == author,
                    change.committed >= fixed - companionTestWindow,
                    change.committed <= fixed + namedTestWindow + commitLag
                else { return false }
                return abs(change.written - fixed) <= companionTestWindow
                    || change.written > fixed && change.written - fixed <= namedTestWindow
                        && namesFixTest(String(change.subject), fixWords: fixWords)
            }
            if tested { settled.insert(commit.hash) }
        }
        open.removeAll { settled.contains($0.hash) }
        guard !open.isEmpty else { return settled }

        // Rust tests live beside the code (`#[cfg(test)] mod tests`): a fix that adds or edits one changed a test
        // though no test file (log's `0d71d3c`, three `#[test]`s in `src/kv/key.rs`).
        let (diff, shownDiff) = try await git.capture(
            ["show", "--format=%x1e%H", "--no-color", "--no-ext-diff", "-U3"] + open.map(\.hash))
        guard shownDiff.status == 0 else { return settled }
        for (hash, section) in commitSections(diff) {
            let addsTest = String(decoding: section, as: UTF8.self).split(separator: "\n").contains { line in
                (line.hasPrefix("+") || line.hasPrefix("@@")) && inlineTestMarkers.contains { line.contains($0) }
            }
            if addsTest { settled.insert(hash) }
        }
        return settled
    }
}

/// The two sides of a one-file diff shown with its whole file as context: the lines before and after.
enum DiffSides {
    /// The lines a one-file diff adds, each with its number in the new file, and those it removes.
    static func changes(_ diff: Data) -> (added: [(line: Int, text: ArraySlice<UInt8>)], removed: [ArraySlice<UInt8>]) {
        var added: [(line: Int, text: ArraySlice<UInt8>)] = []
        var removed: [ArraySlice<UInt8>] = []
        var next: Int?
        for line in diff.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let first = line.first else { continue }
            if first == UInt8(ascii: "@") {
                // `@@ -12,3 +14,4 @@`: the new file's lines start at 14.
                let header = String(decoding: line, as: UTF8.self)
                next = header.split(separator: " ").first { $0.hasPrefix("+") }
                    .flatMap { Int($0.dropFirst().split(separator: ",").first ?? "") }
                continue
            }
            guard let number = next else { continue }
            switch first {
            case UInt8(ascii: " "): next = number + 1
            case UInt8(ascii: "+"):
                added.append((number, Array(line.dropFirst())[...]))
                next = number + 1
            case UInt8(ascii: "-"): removed.append(Array(line.dropFirst())[...])
            default: break
            }
        }
        return (added, removed)
    }

    static func split(_ diff: Data) -> (before: [UInt8], after: [UInt8]) {
        var before: [UInt8] = []
        var after: [UInt8] = []
        var inHunk = false
        for line in diff.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let first = line.first else { continue }
            if first == UInt8(ascii: "@") {
                inHunk = true
                continue
            }
            guard inHunk else { continue }
            let text = line.dropFirst()
            switch first {
            case UInt8(ascii: " "):
                before += text + [UInt8(ascii: "\n")]
                after += text + [UInt8(ascii: "\n")]
            case UInt8(ascii: "-"): before += text + [UInt8(ascii: "\n")]
            case UInt8(ascii: "+"): after += text + [UInt8(ascii: "\n")]
            default: break
            }
        }
        return (before, after)
    }
}

/// A file's lines as they read today, by the names on them (runs of letters, digits and `_`), so that re-indenting,
/// re-quoting or re-wrapping a message leaves a line alone: where a past commit's change is now, or whether it is
/// gone.
struct LinesToday {
    /// The file's bytes.
    let text: [UInt8]
    /// The 1-based numbers of the lines with each set of names (`key`).
    private var numbers: [[UInt8]: [Int]] = [:]
    /// Each line's bytes, trimmed.
    private var lines: [ArraySlice<UInt8>] = []
    /// Each code line's names; empty for a line that tells nothing.
    private var names: [Set<ArraySlice<UInt8>>] = []

    init(_ text: [UInt8]) {
        self.text = text
        for (index, line) in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            lines.append(Self.trimmed(line))
            let lineNames = Self.names(line) ?? []
            names.append(lineNames)
            if !lineNames.isEmpty { numbers[Self.key(lineNames), default: []].append(index + 1) }
        }
    }

    /// Where a commit's change stands today.
    enum Place: Equatable {
        /// At least half of the code lines it wrote are gone: undone or rewritten since.
        case undone
        /// Its most telling line is here (1-based), with that line's text.
        case line(Int, String)
        /// It wrote no code line that tells.
        case unknown
    }

    /// Comment openers (and C's preprocessor): a fix is its code, not what it says about it.
    private static let commentOpeners = ["//", "/*", "*", "#", "--", ";", "\"\"\"", "'''"].map { Array($0.utf8) }

    /// A code line's names, each once; nil for a comment line and for a line with fewer than two names (`fi`,
    /// `} else {`, `selected="$(`), which says nothing of where a change went.
    static func names(_ line: some Collection<UInt8>) -> Set<ArraySlice<UInt8>>? {
        let code = trimmed(ArraySlice(line))
        guard !commentOpeners.contains(where: { code.starts(with: $0) }) else { return nil }
        var names: Set<ArraySlice<UInt8>> = []
        var start: Int?
        for index in code.indices {
            let byte = code[index]
            let inName =
                byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39)
                || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
            if inName, start == nil { start = index }
            if !inName, let first = start {
                names.insert(code[first..<index])
                start = nil
            }
        }
        if let first = start { names.insert(code[first..<code.endIndex]) }
        return names.count >= 2 ? names : nil
    }

    /// Names as one key: sorted, joined by spaces.
    private static func key(_ names: Set<ArraySlice<UInt8>>) -> [UInt8] {
        Array(names.sorted { $0.lexicographicallyPrecedes($1) }.joined(separator: [0x20]))
    }

    /// Where the change that added `added` (lines with their numbers then) and removed `removed` stands today. A
    /// line it added with the names of one it removed was moved or re-laid out, not written by it. A line it wrote
    /// is still there when a line today has all its names: `printf` that became `builtin printf` since is the same
    /// call (fzf's `FZF_COMPLETION_PATH_OPTS` fix).
    func place(of added: [(line: Int, text: ArraySlice<UInt8>)], removed: [ArraySlice<UInt8>]) -> Place {
        let moved = Set(removed.compactMap { Self.names($0).map(Self.key) })
        let written = added.compactMap { line -> (line: Int, names: Set<ArraySlice<UInt8>>)? in
            guard let lineNames = Self.names(line.text), !moved.contains(Self.key(lineNames)) else { return nil }
            return (line.line, lineNames)
        }
        guard !written.isEmpty else { return .unknown }
        let found = written.compactMap { line -> (line: Int, places: [Int])? in
            if let places = numbers[Self.key(line.names)] { return (line.line, places) }
            let places = names.indices.filter {
                names[$0].count > line.names.count && names[$0].isSuperset(of: line.names)
            }
            return places.isEmpty ? nil : (line.line, places.map { $0 + 1 })
        }
        guard (written.count - found.count) * 2 < written.count else { return .undone }
        // The line found at the fewest places today, the longest of those: it names the change best. Of its
        // places, the one nearest to where the change put it.
        guard
            let best = found.min(by: { first, second in
                first.places.count != second.places.count
                    ? first.places.count < second.places.count
                    : lines[first.places[0] - 1].count > lines[second.places[0] - 1].count
            }),
            let number = best.places.min(by: { abs($0 - best.line) < abs($1 - best.line) })
        else { return .unknown }
        return .line(number, SourceText.shorten(String(decoding: lines[number - 1], as: UTF8.self), to: 160))
    }

    private static func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = line.firstIndex(where: { !blank($0) }), let last = line.lastIndex(where: { !blank($0) })
        else { return [] }
        return line[first...last]
    }
}

/// A file's code without comments, docstrings (strings in triple quotes) and whitespace: two versions with the same
/// skeleton do the same thing. One-line strings are kept whole, since a changed message is a changed behaviour.
struct CodeSkeleton: Equatable {
    private(set) var bytes: [UInt8] = []

    init(_ text: [UInt8], style: CommentStyle) {
        var kept: [UInt8] = []
        text.withUnsafeBytes { raw in
            var position = 0
            func code(upTo end: Int) {
                for byte in raw[position..<end] where byte != 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    kept.append(byte)
                }
            }
            for (kind, range) in SourceText.lexicalSegments(in: raw, style: style) {
                code(upTo: range.lowerBound)
                if kind == .string { kept += raw[range] }
                position = range.upperBound
            }
            code(upTo: raw.count)
        }
        bytes = kept
    }
}

extension RepositoryAnalyzer {
    /// A file decides something when it has at least this many decision points...
    static let logicDecisions = 3
    /// ... or at least one for every this many lines: a short file with a guard and a ternary is logic, a table of
    /// 260 lines with one lookup is data.
    static let linesPerDecision = 50

    /// `files` without those that hold declarations and data only (types, stored properties, constants, a table of
    /// keys): a test of them would restate their data. Only files added recently are measured, each read once and
    /// its decision points counted (see `DecisionPoints`); a file that keeps changing in a module without tests is
    /// cited for its churn whatever it holds.
    static func withLogic(_ files: [RepositoryReport.UntestedFile], root: URL) -> [RepositoryReport.UntestedFile] {
        files.filter { file in
            guard file.recentlyAdded,
                let data = FileManager.default.contents(atPath: root.appendingPathComponent(file.path).path),
                // A language whose comments the analysis does not know cannot be measured: the file is kept.
                let decisions = DecisionPoints.count(in: Array(data), language: file.language)
            else { return true }
            return decisions >= logicDecisions || decisions * linesPerDecision >= file.lines
        }
    }
}

extension RepositoryAnalyzer {
    /// `files` without the recently added ones whose adding commit also changed a test file: they arrived with
    /// their tests, which reach them through the code that uses them (`RunEventLog.swift`, added with the run
    /// service's test of the events it keeps).
    static func withoutTestsAddedAlongside(
        _ files: [RepositoryReport.UntestedFile], additions: [String: HistoryAggregate.Addition]
    ) -> [RepositoryReport.UntestedFile] {
        files.filter { file in
            guard file.recentlyAdded, let addition = additions[file.path], addition.recentCommit != nil else {
                return true
            }
            return !addition.withTests
        }
    }
}

/// The decision points in a file's code, outside comments and string literals: branch and loop keywords (`if`,
/// `guard`, `for`, `while`, `switch`, `match`, `catch`, `except`, …), boolean operators (`&&`, `||`, `and`, `or`)
/// and ternaries (` ? `). A rough measure of how much a file decides, enough to tell logic from declarations.
enum DecisionPoints {
    private static let keywords: Set<String> = [
        "if", "elif", "guard", "for", "foreach", "while", "switch", "match", "when", "catch", "except", "rescue",
        "unless", "until", "select", "and", "or",
    ]

    /// The count in `bytes`, written in `language`; nil for a language whose comment syntax is not known.
    static func count(in bytes: [UInt8], language: String) -> Int? {
        var style = CommentStyle.of(language: language)
        guard style != .any else { return nil }
        if language != "Python" { style.remove(.tripleQuotes) }
        var count = 0
        bytes.withUnsafeBytes { raw in
            var word: [UInt8] = []
            func finish() {
                if !word.isEmpty, word.count <= 7, keywords.contains(String(decoding: word, as: UTF8.self)) {
                    count += 1
                }
                word.removeAll(keepingCapacity: true)
            }
            func scan(_ range: Range<Int>) {
                for index in range {
                    let byte = raw[index]
                    let isWordByte =
                        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F
                        || (byte >= 0x30 && byte <= 0x39)
                    if isWordByte {
                        word.append(byte)
                        continue
                    }
                    finish()
                    let next = index + 1 < range.upperBound ? raw[index + 1] : 0
                    let previous = index > range.lowerBound ? raw[index - 1] : 0
                    switch byte {
                    case UInt8(ascii: "&") where next == UInt8(ascii: "&"),
                        UInt8(ascii: "|") where next == UInt8(ascii: "|"):
                        count += 1
                    case UInt8(ascii: "?") where previous == 0x20 && next == 0x20:
                        count += 1
                    default:
                        break
                    }
                }
                finish()
            }
            var position = 0
            for (_, range) in SourceText.lexicalSegments(in: raw, style: style) {
                scan(position..<range.lowerBound)
                position = range.upperBound
            }
            scan(position..<raw.count)
        }
        return count
    }
}
