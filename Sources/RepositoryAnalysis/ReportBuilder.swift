import Foundation

/// Assembles the report from the history aggregate and the working-tree scan (signals are added afterwards).
struct ReportBuilder {
    /// At most this many entries in the ranked lists (hot files, directories, couplings, ownership).
    static let listLimit = 50
    /// At most this many authors.
    static let authorLimit = 100
    /// Coupled pairs below this degree are not listed.
    static let minimumListedDegree = 0.3

    var repository: Repository
    var options: AnalysisOptions
    var history: HistoryAggregate
    var tracked: [TrackedFile]
    var scanned: [ScannedFile]
    /// Files the tests read, not the project's own code (`FileKinds.testInputs`).
    var testInputs: Set<String>
    var origins: [String: [Int: LineOrigin]]
    var markerWords: [String]
    /// Suppressions repeated across many files, with their counts a year ago (see `RepositoryAnalyzer`).
    var repeatedLines: [RepositoryReport.RepeatedLine] = []
    /// References that do not resolve, with the commits that removed their targets.
    var brokenReferences: [RepositoryReport.BrokenReference] = []
    /// Copied folders drifting apart.
    var driftingCopies: [RepositoryReport.DriftingCopy] = []

    func build() -> RepositoryReport {
        // A CI job that runs Rust's ignored tests (`cargo test --test system_wide_config -- --ignored`, bat) runs
        // them on purpose, apart: they are not broken.
        let ignoredRunInCI = scanned.contains(where: \.runsIgnoredTests)
        let window = RepositoryReport.Window(
            maxCommits: options.maxCommits, since: options.since, firstParent: options.firstParent,
            oldestCommitDate: history.authorDates?.lowerBound, newestCommitDate: history.authorDates?.upperBound,
            referenceDate: history.referenceTime.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            recentDays: HistoryAggregate.recentDays)
        var report = RepositoryReport(
            schemaVersion: 2,
            root: repository.root.path,
            headCommit: repository.head,
            branch: repository.branch,
            isShallow: repository.isShallow, hasRemote: repository.hasRemote,
            generatedAt: options.now,
            window: window,
            analysedCommitCount: history.commitCount,
            totals: history.totals,
            languages: languages(),
            workingTree: workingTree(),
            hotFiles: hotFiles(),
            directoryChurn: Array(history.directories.prefix(Self.listLimit)),
            couplings: Array(history.couplings.filter { $0.degree >= Self.minimumListedDegree }.prefix(Self.listLimit)),
            ownership: Array(history.ownership.prefix(Self.listLimit)),
            authors: Array(history.authors.prefix(Self.authorLimit)),
            activity: history.activity,
            recentlyAdded: history.added,
            recentlyDeleted: history.deleted,
            recentlyRenamed: history.renamed,
            markers: markers(),
            untestedFiles: untestedFiles(),
            undocumentedFiles: undocumentedFiles(),
            largeFiles: scanned.filter { $0.content == .large }.sorted {
                ($0.bytes, $1.file.path) > ($1.bytes, $0.file.path)
            }
            .map { RepositoryReport.LargeFile(path: $0.file.path, bytes: $0.bytes) },
            projectFiles: ProjectChecks.check(
                paths: scanned.map(\.file.path),
                readmeHeadings: Dictionary(
                    scanned.filter { !$0.headings.isEmpty }.map { ($0.file.path, $0.headings) },
                    uniquingKeysWith: { first, _ in first })),
            dependencyManifests: scanned.compactMap { file in
                file.kinds.manifestEcosystem.map {
                    RepositoryReport.DependencyManifest(path: file.file.path, ecosystem: $0)
                }
            }
            .sorted { $0.path < $1.path }.prefix(100).map { $0 },
            // Test inputs in languages the project has no code in (bat's syntax samples) skip nothing of the project's.
            brokenTests: scanned.filter { !testInputs.contains($0.file.path) }.flatMap { file in
                file.findings.brokenTests.filter { !(ignoredRunInCI && file.language == "Rust" && $0.kind == "skip") }
                    .map { hit in
                        let (age, commit) = dated(file.file.path, hit.line)
                        return RepositoryReport.BrokenTest(
                            path: file.file.path, line: hit.line, kind: hit.kind, test: hit.text, excerpt: hit.excerpt,
                            ageDays: age, lastChanged: commit, commentAbove: hit.commentAbove)
                    }
            },
            crashStubs: scanned.flatMap { file in
                file.findings.crashStubs.map { hit in
                    let (age, commit) = dated(file.file.path, hit.line)
                    return RepositoryReport.CrashStub(
                        path: file.file.path, line: hit.line, call: hit.kind, message: hit.text, excerpt: hit.excerpt,
                        ageDays: age, lastChanged: commit)
                }
            },
            repeatedLines: repeatedLines,
            driftingCopies: driftingCopies,
            brokenReferences: brokenReferences,
            secrets: scanned.flatMap { file in
                file.findings.secrets.map {
                    RepositoryReport.Secret(
                        path: file.file.path, line: $0.line, rule: $0.rule, masked: $0.masked, digest: $0.digest)
                }
            },
            toolchain: Toolchain(manifests: manifests, paths: tracked.map(\.path)),
            markerWords: markerWords,
            signals: [])
        report.moduleDeclarations = moduleDeclarations()
        return report
    }

    /// Public declarations per shipped module, documented or not, by `<language>:<module>`.
    private func moduleDeclarations() -> [String: Int] {
        let layout = ModuleLayout(manifests: manifests, paths: scanned.map(\.file.path))
        var counts: [String: Int] = [:]
        for file in scanned where file.declarations.declarations > 0 && !file.kinds.isGenerated {
            guard let module = layout.module(of: file.file.path, language: file.language) else { continue }
            counts[file.language + ":" + module.name, default: 0] += file.declarations.declarations
        }
        return counts
    }

    private func languages() -> [RepositoryReport.LanguageStatistics] {
        var byLanguage: [String: RepositoryReport.LanguageStatistics] = [:]
        for file in scanned where file.content == .text {
            byLanguage[file.language, default: .init(language: file.language, files: 0, lines: 0, bytes: 0)].files += 1
            byLanguage[file.language]?.lines += file.lines
            byLanguage[file.language]?.bytes += file.bytes
        }
        return byLanguage.values.sorted { ($0.lines, $1.language) > ($1.lines, $0.language) }
    }

    private func workingTree() -> RepositoryReport.WorkingTreeSummary {
        RepositoryReport.WorkingTreeSummary(
            trackedFiles: tracked.count,
            scannedFiles: scanned.filter { $0.content == .text }.count,
            binaryFiles: scanned.filter { $0.content == .binary }.count,
            ignoredFiles: tracked.count - scanned.count,
            submodules: tracked.filter { $0.mode & 0o170000 == 0o160000 }.count,
            bytes: scanned.reduce(0) { $0 + $1.bytes })
    }

    private func hotFiles() -> [RepositoryReport.HotFile] {
        history.hotFiles.map { file in
            RepositoryReport.HotFile(
                path: file.path, commits: file.commits, recentCommits: file.recentCommits,
                insertions: file.insertions, deletions: file.deletions, authors: file.authors,
                score: (file.score * 1000).rounded() / 1000, lastChanged: file.lastChanged)
        }
    }

    /// The age and last commit of a line, from blame.
    private func dated(_ path: String, _ line: Int) -> (Int?, CommitReference?) {
        guard let origin = origins[path]?[line] else { return (nil, nil) }
        guard let commit = origin.commit else { return (0, nil) }
        let date = Date(timeIntervalSince1970: TimeInterval(origin.authorTime))
        return (
            max(0, Int((options.now.timeIntervalSince(date) / 86_400).rounded(.down))),
            CommitReference(hash: commit, subject: origin.summary, date: date)
        )
    }

    private func markers() -> [RepositoryReport.Marker] {
        scanned.flatMap { file in
            file.markers.map { hit in
                let origin = origins[file.file.path]?[hit.line]
                var age: Int?
                var lastChanged: CommitReference?
                if let origin {
                    if let commit = origin.commit {
                        let date = Date(timeIntervalSince1970: TimeInterval(origin.authorTime))
                        lastChanged = CommitReference(hash: commit, subject: origin.summary, date: date)
                        age = max(0, Int((options.now.timeIntervalSince(date) / 86_400).rounded(.down)))
                    } else {
                        age = 0
                    }
                }
                return RepositoryReport.Marker(
                    path: file.file.path, line: hit.line, kind: hit.kind, text: hit.text, excerpt: hit.excerpt,
                    ageDays: age, lastChanged: lastChanged, ageIsLowerBound: origin?.isBoundary ?? false,
                    symbol: hit.symbol, explainsSuppression: hit.explainsSuppression ? true : nil,
                    commentAbove: hit.commentAbove, codeBelow: hit.codeBelow)
            }
        }
        .sorted { ($0.path, $0.line) < ($1.path, $1.line) }
    }

    /// The root manifests, by name.
    private var manifests: [String: String] {
        Dictionary(
            scanned.compactMap { file in file.manifestText.map { (file.file.path, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// Languages that share a module system.
    private static func family(_ language: String) -> String {
        language == "JavaScript" ? "TypeScript" : language
    }

    /// Test folder words of suites that run an executable rather than import it (`Tests/CLITests`).
    private static let endToEndWords = ["CLI", "Command", "EndToEnd", "Integration", "E2E", "Executable"]

    /// A language the project has no tests in, beside one it has, is a side language below this many files.
    private static let sideLanguageFiles = SideLanguageScripts.minimumLimit

    /// Languages whose declarations say whether they are public (`public`, `pub`).
    private static let declaresAccess: Set<String> = ["Swift", "Rust", "Java"]

    private func untestedFiles() -> [RepositoryReport.UntestedFile] {
        let tested = Set(scanned.compactMap(\.kinds.testKey))
        let testFamilies = Set(tested.compactMap { $0.split(separator: ":").first.map(String.init) })
        let swiftTestFiles = scanned.filter { $0.kinds.testKey?.hasPrefix("swift:") == true }
        let swiftTests = swiftTestFiles.map(\.file.path)
        // The modules the Swift tests import: `Tests/DequeTests` tests `DequeModule`.
        let importedByTests = Set(swiftTestFiles.flatMap { $0.findings.references.map(\.text) })
        let executables = Set(
            (manifests["Package.swift"].map(ModuleLayout.swiftTargets(in:)) ?? []).filter(\.isExecutable).map {
                String(FileKinds.name(of: $0.path))
            })
        var familyFiles: [String: Int] = [:]
        for file in scanned {
            guard let family = file.kinds.sourceKeys?.first?.split(separator: ":").first else { continue }
            familyFiles[String(family), default: 0] += 1
        }
        // The languages it tests, and how many files they have: a language it never tests is tooling beside them
        // when it has a tenth of their files or fewer (oniguruma's seven Python generators of its C tables).
        let testedFamilyFiles = testFamilies.map { familyFiles[$0, default: 0] }.max() ?? 0
        let sideLanguageLimit = max(Self.sideLanguageFiles, testedFamilyFiles / 10 + 1)
        // Where no test file is tied to a language (C tests are programs of their own), the language with the most
        // files is the one the project's tests exercise, and a few scripts of another language among its files
        // are tooling (oniguruma's `src/make_unicode_fold_data.py` writes the C tables beside it).
        let toolingScripts =
            testFamilies.isEmpty && scanned.contains { FileKinds.isUnderTestDirectory($0.file.path) }
            ? SideLanguageScripts(languages: languages(), paths: tracked.map(\.path)) : nil
        return scanned.compactMap { file -> RepositoryReport.UntestedFile? in
            guard file.content == .text, !file.hasInlineTests, !file.kinds.isGenerated,
                let keys = file.kinds.sourceKeys,
                !keys.contains(where: tested.contains)
            else { return nil }
            let family = keys.first?.split(separator: ":").first.map(String.init) ?? ""
            // A few files in a language the project never tests, beside one it does (a Homebrew formula in a Rust
            // project, the Python scripts that generate a C library's tables), are packaging or tooling: the
            // project's test runner cannot test them.
            if !testFamilies.isEmpty, !testFamilies.contains(family),
                familyFiles[family, default: 0] < sideLanguageLimit
            {
                return nil
            }
            if toolingScripts?.contains(file.file.path) == true { return nil }
            let moduleHasTests: Bool
            let parts = file.file.path.split(separator: "/")
            if family == "swift", parts.count > 2, parts[0] == "Sources" {
                // An executable is tested by a test target named after it, or by an end-to-end suite that runs it.
                moduleHasTests =
                    swiftTests.contains { $0.contains(parts[1]) } || importedByTests.contains(String(parts[1]))
                    || executables.contains(String(parts[1]))
                        && swiftTests.contains { path in Self.endToEndWords.contains { path.contains($0) } }
            } else {
                moduleHasTests = testFamilies.contains(family)
            }
            // A file with nothing public, in a module whose tests exist, is an implementation detail those tests
            // exercise through the module's API (where access is declared, so "nothing public" is known).
            if moduleHasTests, Self.declaresAccess.contains(file.language), file.declarations.declarations == 0 {
                return nil
            }
            let addition = history.additions[file.file.path]
            return RepositoryReport.UntestedFile(
                path: file.file.path, language: file.language, lines: file.lines, addedDate: addition?.date,
                recentlyAdded: addition?.recentCommit != nil, moduleHasTests: moduleHasTests)
        }
        .sorted { $0.path < $1.path }
    }

    /// Whether a `Cargo.toml`'s `crate-type` lists only `staticlib` and `cdylib`: a library linked from C.
    static func buildsOnlyForC(_ cargo: String) -> Bool {
        guard let line = cargo.split(separator: "\n").first(where: { $0.hasPrefix("crate-type") }) else {
            return false
        }
        let types = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        return !types.isEmpty && types.allSatisfy { $0 == "staticlib" || $0 == "cdylib" }
    }

    /// Files with undocumented public declarations, limited to the product surface: modules the project ships
    /// (see `ModuleLayout`), for a JavaScript or TypeScript package the files its entry points reach (see
    /// `PackageEntryPoints`), without members that implement a requirement of a protocol declared in the repository.
    private func undocumentedFiles() -> [RepositoryReport.UndocumentedFile] {
        let layout = ModuleLayout(manifests: manifests, paths: scanned.map(\.file.path))
        let paths = Set(scanned.map(\.file.path))
        let packageEntries = manifests["package.json"].flatMap { PackageEntryPoints(manifest: $0, paths: paths) }
        let reachable =
            packageEntries?.reachable(
                reexports: Dictionary(
                    scanned.lazy.filter { !$0.declarations.reexports.isEmpty }.map {
                        ($0.file.path, $0.declarations.reexports)
                    },
                    uniquingKeysWith: { first, _ in first }),
                paths: paths) ?? []
        // What the reached files show users: whole files (the entries and what they `export * from`), and the
        // names they re-export by name (execa's `index.d.ts` names 30 types of `types/`, not the helpers beside
        // them).
        var wholeFiles = Set(packageEntries?.entries ?? [])
        var surfaceNames = Set<String>()
        if let packageEntries {
            for file in scanned where reachable.contains(file.file.path) {
                surfaceNames.formUnion(file.declarations.reexportedNames)
                for specifier in file.declarations.wholeReexports {
                    if let target = packageEntries.target(of: specifier, from: file.file.path, among: paths) {
                        wholeFiles.insert(target)
                    }
                }
            }
        }
        let requirements = Set(scanned.flatMap(\.declarations.requirements))
        // A package whose entry file (`__init__.py`, `index.ts`) re-exports names makes only those public.
        var entries: [String: (names: Set<String>, files: Set<String>, entry: String)] = [:]
        for file in scanned where !file.declarations.exports.isEmpty || !file.declarations.exportedModules.isEmpty {
            guard let module = layout.module(of: file.file.path, language: file.language),
                FileKinds.directory(of: file.file.path) == module.folder
            else { continue }
            let folder = module.folder
            let files = file.declarations.exportedModules.map { specifier in
                var path = specifier
                for suffix in [".js", ".mjs", ".ts"] where path.hasSuffix(suffix) { path.removeLast(suffix.count) }
                if path.hasPrefix("./") { path.removeFirst(2) }
                return folder.isEmpty || folder == "." ? path : folder + "/" + path
            }
            entries[Self.family(file.language) + ":" + module.name] = (
                Set(file.declarations.exports), Set(files), file.file.path
            )
        }
        // Rust code nobody reads as an API, by folder: a crate built only as a library for C callers (git's
        // `crate-type = ["staticlib"]` in the root `Cargo.toml`: the whole repository), one that is never
        // published (`publish = false`), and one whose root says `#![deny(missing_docs)]`, where the compiler
        // checks every item and what the scan takes for a gap is its own misreading.
        let rustForC = manifests["Cargo.toml"].map(Self.buildsOnlyForC) ?? false
        let quietCrates =
            (rustForC ? [""] : [])
            + (scanned.filter(\.isUnpublishedCrate) + scanned.filter(\.declarations.enforcesDocumentation)).map {
                file -> String in
                let folder = FileKinds.directory(of: file.file.path)
                return folder.isEmpty ? "" : folder + "/"
            }
        // A Rust crate root's private modules (`mod sys;`) reach users only through its `pub use` names.
        var crateRoots: [(folder: String, modules: Set<String>, uses: Set<String>)] = []
        for file in scanned where file.language == "Rust" && !file.declarations.privateModules.isEmpty {
            crateRoots.append(
                (
                    String(FileKinds.directory(of: file.file.path)), Set(file.declarations.privateModules),
                    Set(file.declarations.publicUses)
                ))
        }
        /// The names a Rust file in a private module shows users, or nil when its module is public.
        func rustReexports(_ path: String) -> Set<String>? {
            for root in crateRoots {
                let prefix = root.folder.isEmpty ? "" : root.folder + "/"
                guard path.hasPrefix(prefix) else { continue }
                let first = path.dropFirst(prefix.count).split(separator: "/").first.map(String.init) ?? ""
                let module = first.hasSuffix(".rs") ? String(first.dropLast(3)) : first
                if root.modules.contains(module) { return root.uses }
            }
            return nil
        }
        // A declaration a guide or the README shows as code is documented there (got's `documentation/*.md`).
        let mentioned = Set(scanned.lazy.flatMap(\.documentedNames))
        return scanned.compactMap { file -> RepositoryReport.UndocumentedFile? in
            guard !file.declarations.undocumented.isEmpty, !file.kinds.isGenerated,
                !(file.language == "Rust" && quietCrates.contains { file.file.path.hasPrefix($0) }),
                !(Self.family(file.language) == Self.family("JavaScript")
                    && packageEntries?.isPublic(file.file.path, reachable: reachable) == false),
                let module = layout.module(of: file.file.path, language: file.language)
            else { return nil }
            let entry = entries[Self.family(file.language) + ":" + module.name]
            let path = file.file.path
            let stem = String(path[..<(path.lastIndex(of: ".") ?? path.endIndex)])
            // A file the package's entry points name is public whole; one they reach by re-exports is public as
            // far as its module's entry file re-exports it.
            let named = packageEntries?.exposesWhole(path) ?? false
            let wholeFileExported = named || (entry.map { $0.entry == path || $0.files.contains(stem) } ?? true)
            let reexported = file.language == "Rust" ? rustReexports(path) : nil
            let surface = Self.family(file.language) == Self.family("JavaScript") ? packageEntries : nil
            let undocumented = file.declarations.undocumented.filter { declaration in
                guard !(declaration.inConformingType && requirements.contains(declaration.name)),
                    !mentioned.contains(declaration.name), reexported?.contains(declaration.name) ?? true
                else { return false }
                if surface != nil {
                    return named || wholeFiles.contains(path) || surfaceNames.contains(declaration.name)
                }
                return wholeFileExported || entry?.names.contains(declaration.name) == true
            }
            guard !undocumented.isEmpty else { return nil }
            return RepositoryReport.UndocumentedFile(
                path: file.file.path, language: file.language, module: module.name,
                publicDeclarations: file.declarations.declarations, undocumentedLines: undocumented.map(\.line),
                undocumented: undocumented.map {
                    RepositoryReport.UndocumentedSymbol(
                        line: $0.line, name: $0.name, role: "\($0.role)", excerpt: $0.excerpt)
                })
        }
        .sorted { $0.path < $1.path }
    }
}
