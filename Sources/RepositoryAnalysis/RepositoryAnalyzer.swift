import Foundation

/// Analyses a Git repository: its history, read through `git`, and its working tree.
///
/// ```swift
/// let analyzer = RepositoryAnalyzer(options: AnalysisOptions(maxCommits: 5_000, cacheDirectory: cache))
/// let report = try await analyzer.analyze(at: URL(fileURLWithPath: "."))
/// ```
public struct RepositoryAnalyzer: Sendable {
    /// What to analyse and how.
    public var options: AnalysisOptions
    /// The `git` to run.
    public var git: GitExecutable

    /// Creates an analyzer.
    public init(options: AnalysisOptions, git: GitExecutable = .init()) {
        self.options = options
        self.git = git
    }

    /// Analyses the repository that contains `path` (its top level is used), reporting progress as it goes.
    ///
    /// Throws `AnalysisError` when the path does not exist, is not in a working tree (or is a bare repository),
    /// when `git` is missing, or when `git` fails.
    public func analyze(
        at path: URL, progress: @escaping @Sendable (AnalysisProgress) -> Void = { _ in }
    ) async throws -> RepositoryReport {
        let executable = try git.resolve()
        let repository = try await Repository.open(path, executable: executable)
        let git = GitProcess(executable: executable, directory: repository.root)
        // Someone else's code, copied in, is not the project's to fix: common vendor folders and paths the
        // repository's `.gitattributes` marks `linguist-vendored` or `linguist-generated` leave analysis like
        // ignored paths.
        var ignorePatterns =
            options.ignorePatterns + FileKinds.vendoredDirectories
            + Self.linguistExcluded(root: repository.root)
        var ignore = IgnorePatterns(ignorePatterns)

        let commitCache: CommitFactsCache?
        let originCache: (any LineOriginCache)?
        if let directory = options.cacheDirectory {
            // One folder per repository (worktrees share it), whatever folder the caller gives.
            let folder = directory.appendingPathComponent(
                Fingerprint.of([repository.commonDirectory]), isDirectory: true)
            let mailmap = FileManager.default.contents(atPath: repository.root.appendingPathComponent(".mailmap").path)
            let context = "commits-v2 mailmap=\(Fingerprint.of([String(decoding: mailmap ?? Data(), as: UTF8.self)]))"
            commitCache = CommitFactsCache(
                url: folder.appendingPathComponent(options.firstParent ? "commits-first-parent.bin" : "commits.bin"),
                context: context)
            originCache = FileLineOriginCache(url: folder.appendingPathComponent("line-origins.bin"))
        } else {
            commitCache = nil
            originCache = nil
        }

        let options = self.options
        var tree = WorkingTree(
            git: git, root: repository.root, largeFileBytes: options.largeFileBytes, ignore: ignore, jobs: options.jobs,
            vocabulary: MarkerVocabulary(extra: options.markerWords))
        let tracked = try await tree.trackedFiles()
        // So is a folder that carries its own licence and list of authors: another project, copied in whole
        // (pigz's `zopfli/`, "Update zopfli to current google state").
        let copiedIn = FileKinds.copiedProjects(among: tracked.map(\.path))
        if !copiedIn.isEmpty {
            ignorePatterns += copiedIn.map { "/" + $0 }
            ignore = IgnorePatterns(ignorePatterns)
            tree.ignore = ignore
        }
        let included = tracked.filter { !ignore.matches($0.path) }
        // Only files whose name another file shares can be copies: only those are sketched.
        var nameCounts: [Substring: Int] = [:]
        for file in included { nameCounts[FileKinds.name(of: file.path), default: 0] += 1 }
        tree.repeatedNames = Set(nameCounts.filter { $0.value > 1 }.keys.map(String.init))
        // Who the project's licence names: a file whose header grants a licence in another holder's name was copied
        // in from that holder's project.
        let licence = tracked.first { file in
            let name = file.path.lowercased()
            return !name.contains("/") && ["license", "licence", "copying"].contains { name.hasPrefix($0) }
        }
        if let licence,
            let handle = FileHandle(forReadingAtPath: repository.root.appendingPathComponent(licence.path).path)
        {
            let head = (try? handle.read(upToCount: 8_192)) ?? Data()
            try? handle.close()
            tree.licenceHolder = FileKinds.copyrightHolder(in: String(decoding: head, as: UTF8.self)[...])
        }

        // The aggregate depends only on the rules that build it, the window, the tracked files (their content
        // decides which are generated) and the ignore patterns: when none of them changed, the one from the last run is used and no history is
        // read at all.
        let aggregateKey = repository.head.map { head in
            Fingerprint.of(
                [
                    "aggregate-\(HistoryAggregate.rulesRevision)",
                    HistoryReader.windowKey(head: head, options: options, shallowKey: repository.shallowKey),
                    "\(ignorePatterns.count)",
                ] + ignorePatterns + tracked.map { $0.path + " " + $0.blob })
        }
        // Decoding a remembered aggregate takes a tenth of a warm run, and listing a long history's commits when
        // none is remembered takes seconds: either goes on while the files are scanned.
        let reader = HistoryReader(git: git, options: options, cache: commitCache)
        async let early = Self.rememberedAggregate(
            key: aggregateKey, cache: commitCache, reader: reader, head: repository.head,
            shallowKey: repository.shallowKey)

        // Which files differ from the index is asked of git while the files are scanned: it costs a tenth of a
        // second on git's own tree, a seventh of a warm run.
        let statusTree = tree
        let hasHead = repository.head != nil
        async let modifiedEarly: Set<String> = hasHead ? statusTree.modifiedPaths() : []
        progress(AnalysisProgress(phase: "scanning files", completed: 0, total: included.count))
        var scanned = try await tree.scan(included) { done in
            progress(AnalysisProgress(phase: "scanning files", completed: done, total: included.count))
        }
        let (cachedAggregate, listed) = await early
        let foundWords = MarkerWords.detect(scanned.map(\.tags)).filter { !options.markerWords.contains($0) }
        if !foundWords.isEmpty {
            let words = Set(foundWords)
            for index in scanned.indices where scanned[index].tags.contains(where: { words.contains($0.kind) }) {
                scanned[index].markers += scanned[index].tags.filter { words.contains($0.kind) }
                scanned[index].markers.sort { $0.line < $1.line }
            }
        }

        // Marker lines are dated by the history read when it reads their commits: it is told their words first.
        var dating: (ages: MarkerAges, requests: [MarkerAges.Request], words: [String: [Int: UInt64]])?
        let modified = try await modifiedEarly
        if options.markerAges, repository.head != nil {
            // Known-broken tests and crash stubs are dated like markers: how long a problem has been admitted.
            let requests = scanned.compactMap { file -> MarkerAges.Request? in
                let lines = Set(
                    file.markers.map(\.line) + file.findings.brokenTests.map(\.line)
                        + file.findings.crashStubs.map(\.line))
                guard !lines.isEmpty else { return nil }
                return MarkerAges.Request(
                    file: file.file, lines: lines.sorted(), matchesIndex: !modified.contains(file.file.path))
            }
            let ignoreFile = repository.root.appendingPathComponent(".git-blame-ignore-revs")
            let ages = MarkerAges(
                git: git, jobs: options.jobs, cache: originCache,
                ignoreRevisionsFile: FileManager.default.fileExists(atPath: ignoreFile.path) ? ignoreFile : nil)
            let words = MarkerAges.words(of: try ages.uncached(requests), root: repository.root)
            dating = (ages, requests, words)
        }
        progress(AnalysisProgress(phase: "building report", completed: 0, total: nil))
        var aggregate: HistoryAggregate
        var history: MarkerAges.History?
        if let cachedAggregate {
            aggregate = cachedAggregate
            progress(
                AnalysisProgress(
                    phase: "reading history", completed: aggregate.commitCount, total: aggregate.commitCount))
        } else {
            // Scanned files are the tracked ones minus the ignored, in the same order: pair them up to reuse kinds.
            var kinds: [(path: String, kinds: PathKinds?)] = []
            kinds.reserveCapacity(tracked.count)
            var next = scanned.startIndex
            for file in tracked {
                if next < scanned.endIndex, scanned[next].file.rawPath == file.rawPath {
                    kinds.append((file.path, scanned[next].kinds))
                    next += 1
                } else {
                    kinds.append((file.path, nil))
                }
            }
            if let head = repository.head {
                // The history streams through the aggregate (and, when markers are dated, what dating needs of it)
                // a few thousand commits at a time: no commit is kept once it has been counted.
                var reader = reader
                reader.watching = Set((dating?.words.values).map { $0.flatMap(\.values) } ?? [])
                let window = try await reader.window(head: head, shallowKey: repository.shallowKey, listed: listed)
                var builder = HistoryAggregate.Builder(
                    tracked: kinds, ignore: ignore, shallowBoundaries: repository.shallowBoundaries,
                    referenceTime: window.commits.referenceTime)
                var collected = dating.map { _ in MarkerAges.History(shallowBoundaries: repository.shallowBoundaries) }
                _ = try await reader.read(window, progress: progress) { chunk in
                    for record in chunk.records { builder.add(record) }
                    collected?.add(chunk)
                }
                history = collected
                aggregate = builder.finish()
                // What further git runs find at `HEAD` depends on nothing the key leaves out either: it is kept
                // with the aggregate, so a warm run starts none of them.
                aggregate.defectFiles = try await Self.withoutTestedFixes(
                    try await Self.withoutCosmeticOrUndoneFixes(aggregate.defectFiles, git: git), git: git)
                aggregate.driftingCopies = try await Self.driftingCopies(in: scanned, git: git)
            } else {
                aggregate = HistoryAggregate.Builder(
                    tracked: kinds, ignore: ignore, shallowBoundaries: repository.shallowBoundaries, referenceTime: nil
                ).finish()
            }
        }
        var origins: [String: [Int: LineOrigin]] = [:]
        if let dating {
            origins = try await dating.ages.origins(
                for: dating.requests, words: dating.words, history: history, progress: progress)
        }

        let repeatedLines = try await Self.repeatedLines(
            in: scanned, git: git, referenceTime: aggregate.referenceTime)
        let testInputs = FileKinds.testInputs(among: tracked.map(\.path))
        let brokenReferences =
            repository.head == nil
            ? []
            : try await Self.brokenReferences(
                in: scanned, tracked: tracked, testInputs: testInputs, git: git, deletedPaths: aggregate.deletedPaths,
                windowIsWhole: options.maxCommits == nil && options.since == nil, root: repository.root)
        var report = ReportBuilder(
            repository: repository, options: options, history: aggregate, tracked: tracked, scanned: scanned,
            testInputs: testInputs, origins: origins, markerWords: options.markerWords + foundWords,
            repeatedLines: repeatedLines,
            brokenReferences: brokenReferences, driftingCopies: aggregate.driftingCopies
        ).build()
        let knownAnswers = aggregate.answers.count
        if repository.head != nil {
            report.untestedFiles = try await Self.withoutTestReferences(
                report.untestedFiles, scanned: scanned, git: git, answers: &aggregate.answers,
                isClean: modified.isEmpty)
            report.untestedFiles = Self.withLogic(report.untestedFiles, root: repository.root)
            report.untestedFiles = Self.withoutTestsAddedAlongside(
                report.untestedFiles, additions: aggregate.additions)
            report.undocumentedFiles = try await Self.withoutModuleInternals(
                report.undocumentedFiles, git: git, answers: &aggregate.answers, isClean: modified.isEmpty)
        }
        if repository.head != nil {
            report.brokenTests = try await Self.withMarkingMessages(
                report.brokenTests, git: git, answers: &aggregate.answers)
            report.brokenTests = try await Self.withLaterChanges(
                report.brokenTests, git: git, answers: &aggregate.answers)
            report.markers = try await Self.withMetConditions(report.markers, git: git, answers: &aggregate.answers)
            report.markers = try await Self.withVanishedNames(
                report.markers, git: git, answers: &aggregate.answers, isClean: modified.isEmpty)
        }
        if let aggregateKey, cachedAggregate == nil || aggregate.answers.count > knownAnswers {
            // A cache that cannot be written costs speed, not correctness.
            try? commitCache?.storeAggregate(aggregate, forKey: aggregateKey)
        }
        var shapes: [String: CodeShape] = [:]
        for file in aggregate.defectFiles {
            shapes[file.path] = CodeShape.measure(repository.root.appendingPathComponent(file.path))
        }
        report.signals = SignalRules(
            history: aggregate, report: report,
            hasDocumentation: scanned.contains { $0.kinds.isDocumentation }, now: options.now,
            largeFileBytes: options.largeFileBytes, shapes: shapes, trackedPaths: Set(tracked.map(\.path))
        ).signals()
        progress(AnalysisProgress(phase: "done", completed: 1, total: 1))
        return report
    }
}

extension RepositoryAnalyzer {
    /// The aggregate remembered under `key`; when there is none, the window's commits as git lists them (`nil` when
    /// the cache remembers the list, or git could not list it: `HistoryReader.read` then tells why).
    static func rememberedAggregate(
        key: String?, cache: CommitFactsCache?, reader: HistoryReader, head: String?, shallowKey: String
    ) async -> (HistoryAggregate?, CommitList?) {
        if let key, let aggregate = (try? cache?.aggregate(forKey: key)) ?? nil { return (aggregate, nil) }
        guard let head, !reader.remembersWindow(head: head, shallowKey: shallowKey) else { return (nil, nil) }
        return (nil, try? await reader.listCommits(head: head))
    }

    /// The patterns of the root `.gitattributes` that set `linguist-vendored` or `linguist-generated`.
    static func linguistExcluded(root: URL) -> [String] {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(".gitattributes").path)
        else { return [] }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let pattern = fields.first, !pattern.hasPrefix("#") else { return nil }
            let excluded = fields.dropFirst().contains { attribute in
                (attribute == "linguist-vendored" || attribute == "linguist-generated"
                    || attribute == "linguist-vendored=true" || attribute == "linguist-generated=true")
            }
            return excluded ? String(pattern) : nil
        }
    }
}

/// The facts about a repository that locate it, found before analysis starts.
struct Repository: Sendable {
    /// The top-level directory of the working tree.
    var root: URL
    /// The directory shared by all worktrees of the repository (the main `.git`).
    var commonDirectory: String
    /// The commit at `HEAD`, or `nil` before the first commit.
    var head: String?
    /// The checked-out branch, or `nil` when `HEAD` is detached.
    var branch: String?
    /// Whether the repository is a shallow clone.
    var isShallow: Bool
    /// Whether the repository has a remote: it is shared somewhere.
    var hasRemote = false
    /// The commits where a shallow clone's history stops.
    var shallowBoundaries: Set<String>
    /// Changes whenever the shallow boundary moves (a fetch with `--deepen`, say).
    var shallowKey: String

    /// Finds the repository containing `path`, with errors that say what to do.
    static func open(_ path: URL, executable: URL) async throws -> Repository {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw AnalysisError(
                code: .pathNotFound, message: "\(path.path) does not exist; pass the path of a Git working tree")
        }
        let directory = isDirectory.boolValue ? path : path.deletingLastPathComponent()
        let probe = GitProcess(executable: executable, directory: directory)
        let (output, completion) = try await probe.capture([
            "rev-parse", "--is-bare-repository", "--is-inside-git-dir",
        ])
        if completion.status != 0 {
            if completion.standardError.contains("not a git repository") {
                throw AnalysisError(
                    code: .notARepository,
                    message:
                        "\(path.path) is not inside a Git repository; pass the path of a working tree, or run `git init` there",
                    cause: completion.standardError)
            }
            if completion.standardError.contains("dubious ownership") {
                throw AnalysisError(
                    code: .gitFailed,
                    message:
                        "git refuses to read \(path.path) because another user owns it; run `git config --global --add safe.directory \(path.path)` if you trust it",
                    cause: completion.standardError)
            }
            try GitProcess.check(completion, ["rev-parse"])
        }
        let flags = String(decoding: output, as: UTF8.self).split(separator: "\n")
        if flags.first == "true" {
            throw AnalysisError(
                code: .bareRepository,
                message:
                    "\(path.path) is a bare repository, which has no working tree to scan; clone it (`git clone \(path.path) work`) and analyse the clone"
            )
        }
        if flags.count > 1, flags[1] == "true" {
            throw AnalysisError(
                code: .notARepository,
                message: "\(path.path) is inside a .git directory; pass the working tree that contains it")
        }
        let facts = String(
            decoding: try await probe.output([
                "rev-parse", "--show-toplevel", "--git-common-dir", "--is-shallow-repository",
            ]),
            as: UTF8.self
        ).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard facts.count >= 3 else {
            throw AnalysisError(
                code: .gitFailed, message: "`git rev-parse` gave unexpected output; check the git installation")
        }
        let root = URL(fileURLWithPath: facts[0], isDirectory: true)
        // `--git-common-dir` may be relative to the directory git ran in.
        let common =
            (facts[1].hasPrefix("/")
            ? URL(fileURLWithPath: facts[1], isDirectory: true)
            : directory.appendingPathComponent(facts[1], isDirectory: true))
            .standardizedFileURL.resolvingSymlinksInPath()
        let git = GitProcess(executable: executable, directory: root)
        let (headOutput, headCompletion) = try await git.capture(["rev-parse", "--verify", "-q", "HEAD^{commit}"])
        let head =
            headCompletion.status == 0
            ? String(decoding: headOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        let (branchOutput, branchCompletion) = try await git.capture(["symbolic-ref", "-q", "--short", "HEAD"])
        let branch =
            branchCompletion.status == 0
            ? String(decoding: branchOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        let isShallow = facts[2] == "true"
        var boundaries: Set<String> = []
        var shallowKey = ""
        if isShallow, let shallow = FileManager.default.contents(atPath: common.appendingPathComponent("shallow").path)
        {
            let text = String(decoding: shallow, as: UTF8.self)
            boundaries = Set(text.split(whereSeparator: \.isNewline).map(String.init))
            shallowKey = Fingerprint.of([text])
        }
        let remotes = try await git.output(["remote"])
        return Repository(
            root: root, commonDirectory: common.path, head: head, branch: branch, isShallow: isShallow,
            hasRemote: !remotes.isEmpty, shallowBoundaries: boundaries, shallowKey: shallowKey)
    }
}
