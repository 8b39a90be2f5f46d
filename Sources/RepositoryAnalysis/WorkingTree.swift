import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file in the index, as `git ls-files --stage` lists it.
struct TrackedFile: Sendable, Hashable {
    /// The path, decoded lossily for display and matching.
    var path: String
    /// The path's exact bytes, for opening the file.
    var rawPath: [UInt8]
    /// The file mode (`0o100644`, `0o100755`, `0o120000` for a symbolic link, `0o160000` for a submodule).
    var mode: UInt32
    /// The object name of the staged content.
    var blob: String
}

/// What the scan learnt about one tracked file.
struct ScannedFile: Sendable, Hashable {
    /// How far the file was read.
    enum Content: Sendable, Hashable {
        /// Read and scanned.
        case text
        /// Has a NUL byte near the start; not scanned.
        case binary
        /// At or over the size limit; not read.
        case large
        /// Listed in the index but absent, a symbolic link, a submodule, or unreadable; not read.
        case notRead
    }

    /// The index entry.
    var file: TrackedFile
    /// How far the file was read.
    var content: Content
    /// The size on disk.
    var bytes = 0
    /// Lines, for text files.
    var lines = 0
    /// The language, from the name.
    var language: String
    /// What the path is by convention.
    var kinds: PathKinds
    /// Markers, for text files.
    var markers: [MarkerHit] = []
    /// Upper-case words used like markers at the start of comments, for text files (see `SourceText.Result`).
    var tags: [MarkerHit] = []
    /// Known-broken tests, crash stubs, suppressions, references and credentials, for text files.
    var findings = FindingScanner.Result()
    /// A sketch of the file's lines, for code files whose name another tracked file shares (see `LineSketch`).
    var sketch: LineSketch?
    /// Public declarations and the undocumented ones, for Swift, Python and Go files.
    var declarations = DeclarationScanner.Result()
    /// Whether a Rust file has unit tests of its own.
    var hasInlineTests = false
    /// Headings, for the README only.
    var headings: [String] = []
    /// A CI configuration that runs Rust's ignored tests (`cargo test -- --ignored`): `#[ignore]` there means "run
    /// on its own", not "broken".
    var runsIgnoredTests = false
    /// A `Cargo.toml` that says `publish = false`: its crate ships to no one, so its API has no users to document
    /// it for.
    var isUnpublishedCrate = false
    /// The identifiers a documentation file shows as code (see `DeclarationScanner.codeNames`): a declaration it
    /// names is documented there.
    var documentedNames: [String] = []
    /// The text of a build or test manifest at the root (`Package.swift`, `pyproject.toml`, `package.json`,
    /// `Makefile`, …), which tells the module layout and the project's own build and test commands.
    var manifestText: String?
}

/// Lists the tracked files and scans them in parallel, reading each file at most once and never a large one.
struct WorkingTree: Sendable {
    /// The repository's `git`.
    var git: GitProcess
    /// The top-level directory.
    var root: URL
    /// Files at least this large are not read.
    var largeFileBytes: Int
    /// Paths to leave out.
    var ignore: IgnorePatterns
    /// How many files are scanned at once.
    var jobs: Int
    /// The marker words to find.
    var vocabulary = MarkerVocabulary()
    /// File names that more than one tracked file has: only those can be copies of each other.
    var repeatedNames: Set<String> = []
    /// Who holds the copyright the project's licence states (`FileKinds.copyrightHolder`); empty when unknown.
    var licenceHolder: Set<String> = []

    /// The index entries at stage 0 (or the first stage of a conflicted path), in index order.
    func trackedFiles() async throws -> [TrackedFile] {
        let output = try await git.output(["ls-files", "--stage", "-z"])
        return output.withUnsafeBytes { Self.parseStage($0) }
    }

    /// Parses `git ls-files --stage -z`: `<mode> <object> <stage>\t<path>\0` per entry, keeping the first stage of
    /// a conflicted path.
    static func parseStage(_ bytes: UnsafeRawBufferPointer) -> [TrackedFile] {
        var files: [TrackedFile] = []
        var start = 0
        var previous: ArraySlice<UInt8> = []
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0 { end += 1 }
            let entry = bytes[start..<end]
            start = end + 1
            guard let firstSpace = entry.firstIndex(of: 0x20), let tab = entry.firstIndex(of: 0x09),
                let secondSpace = entry[(firstSpace + 1)..<tab].firstIndex(of: 0x20)
            else { continue }
            var mode: UInt32 = 0
            for digit in entry[entry.startIndex..<firstSpace] {
                guard (0x30...0x37).contains(digit) else { continue }
                mode = mode * 8 + UInt32(digit - 0x30)
            }
            let rawPath = entry[(tab + 1)...]
            if rawPath.elementsEqual(previous) { continue }
            let path = Array(rawPath)
            previous = path[...]
            files.append(
                TrackedFile(
                    path: String(decoding: path, as: UTF8.self), rawPath: path, mode: mode,
                    blob: String(
                        decoding: UnsafeRawBufferPointer(rebasing: entry[(firstSpace + 1)..<secondSpace]), as: UTF8.self
                    )))
        }
        return files
    }

    /// Tracked paths whose working-tree content may differ from the index (`git diff-files`).
    func modifiedPaths() async throws -> Set<String> {
        let output = try await git.output(["diff-files", "--name-only", "-z", "--no-renames"])
        return Set(output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
    }

    /// Scans `files` (ignored ones must already be left out), `jobs` batches at a time.
    func scan(_ files: [TrackedFile], progress: @escaping @Sendable (Int) -> Void) async throws -> [ScannedFile] {
        guard !files.isEmpty else { return [] }
        let batchCount = min(files.count, max(1, jobs) * 8)
        let size = (files.count + batchCount - 1) / batchCount
        let batches = stride(from: 0, to: files.count, by: size).map { Array(files[$0..<min($0 + size, files.count)]) }
        let rootPath = root.path
        let limit = largeFileBytes
        let vocabulary = vocabulary
        let repeatedNames = repeatedNames
        let licenceHolder = licenceHolder
        let done = Counter(0)
        return try await withThrowingTaskGroup(of: (Int, [ScannedFile]).self) { group in
            var results = [[ScannedFile]](repeating: [], count: batches.count)
            var next = 0
            func addNext() {
                guard next < batches.count else { return }
                let index = next
                let batch = batches[index]
                next += 1
                group.addTask {
                    let scanned = try await offload {
                        Self.scanBatch(
                            batch, rootPath: rootPath, limit: limit, vocabulary: vocabulary,
                            repeatedNames: repeatedNames, licenceHolder: licenceHolder)
                    }
                    progress(done.add(batch.count))
                    return (index, scanned)
                }
            }
            for _ in 0..<max(1, jobs) { addNext() }
            while let (index, scanned) = try await group.next() {
                results[index] = scanned
                addNext()
            }
            return results.flatMap { $0 }
        }
    }

    /// Reads each file into one reusable buffer, so that scanning allocates per file only what it finds.
    private static func scanBatch(
        _ files: [TrackedFile], rootPath: String, limit: Int, vocabulary: MarkerVocabulary,
        repeatedNames: Set<String>, licenceHolder: Set<String>
    ) -> [ScannedFile] {
        let directory = open(rootPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if directory >= 0 { close(directory) } }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var directories: [Substring: FileKinds.DirectoryFlags] = [:]
        return files.map { file in
            var scanned = ScannedFile(
                file: file, content: .notRead, language: FileKinds.language(of: file.path),
                kinds: PathKinds(file.path, directories: &directories))
            let type = file.mode & 0o170000
            guard type == 0o100000, directory >= 0 else { return scanned }
            let descriptor = (file.rawPath + [0]).withUnsafeBufferPointer { path in
                path.withMemoryRebound(to: CChar.self) { path -> Int32 in
                    guard let base = path.baseAddress else { return -1 }
                    return openat(directory, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                }
            }
            guard descriptor >= 0 else { return scanned }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return scanned }
            scanned.bytes = Int(status.st_size)
            if scanned.bytes >= limit {
                scanned.content = .large
                return scanned
            }
            if buffer.count < scanned.bytes + 1 { buffer = [UInt8](repeating: 0, count: scanned.bytes + 1) }
            // The size may change while we read; read what is there, up to the buffer's end.
            let length = buffer.withUnsafeMutableBytes { buffer -> Int in
                var total = 0
                while total < buffer.count {
                    let count = read(descriptor, buffer.baseAddress.map { $0 + total }, buffer.count - total)
                    if count > 0 {
                        total += count
                    } else if count == 0 || errno != EINTR {
                        break
                    }
                }
                return total
            }
            guard length <= scanned.bytes || length < buffer.count else {
                // It grew past the buffer while we read: judge it by the size we saw.
                scanned.content = .notRead
                return scanned
            }
            buffer.withUnsafeBytes { all in
                let bytes = UnsafeRawBufferPointer(rebasing: all[0..<length])
                if SourceText.isBinary(bytes) {
                    scanned.content = .binary
                    return
                }
                scanned.content = .text
                if scanned.language == "Other", FileKinds.pathExtension(of: file.path).isEmpty,
                    let language = FileKinds.interpreterLanguage(bytes)
                {
                    scanned.language = language
                }
                if FileKinds.hasGeneratedHeader(bytes) {
                    // A generated file's markers and declarations are the generator's: nobody acts on them here.
                    scanned.kinds.isGenerated = true
                    scanned.lines = SourceText.scan(bytes, mode: .none).lines
                    return
                }
                let mode = FileKinds.markerMode(of: file.path, language: scanned.language)
                let text = SourceText.scan(bytes, vocabulary: vocabulary, mode: mode)
                (scanned.lines, scanned.markers, scanned.tags) = (text.lines, text.markers, text.tags)
                if !scanned.markers.isEmpty,
                    FileKinds.hasForeignOriginHeader(bytes)
                        || FileKinds.grantsForeignLicence(bytes, projectHolder: licenceHolder)
                {
                    // Code copied from another project keeps its upstream authors' notes: not this project's work.
                    scanned.markers = []
                }
                if scanned.language == "Rust" {
                    scanned.hasInlineTests = DeclarationScanner.hasInlineRustTests(bytes)
                }
                if scanned.kinds.testKey == nil, !scanned.kinds.isNonSource {
                    scanned.declarations = DeclarationScanner.scan(bytes, path: file.path, language: scanned.language)
                }
                if case .code = mode {
                    scanned.findings = FindingScanner.scan(
                        bytes, path: file.path, language: scanned.language,
                        isTest: scanned.kinds.isTest || scanned.language == "Shell"
                            || FindingScanner.namesPlaceholder(file.path),
                        isShipped: !scanned.kinds.isNonSource && scanned.kinds.testKey == nil,
                        holdsFixtures: FileKinds.isBenchmarkOrExample(file.path))
                } else {
                    scanned.findings.secrets = FindingScanner.secrets(
                        in: bytes, isTest: scanned.kinds.isTest || FindingScanner.namesPlaceholder(file.path))
                }
                if scanned.kinds.isDocumentation {
                    scanned.documentedNames = DeclarationScanner.codeNames(bytes)
                }
                if FileKinds.name(of: file.path) == "Cargo.toml" {
                    scanned.isUnpublishedCrate = DeclarationScanner.splitLines(bytes).contains {
                        $0.replacingOccurrences(of: " ", with: "").hasPrefix("publish=false")
                    }
                }
                if ProjectChecks.isContinuousIntegration(file.path) {
                    scanned.runsIgnoredTests =
                        FindingScanner.contains(bytes, Array("--ignored".utf8))
                        || FindingScanner.contains(bytes, Array("--include-ignored".utf8))
                }
                if !file.path.contains("/"), FileKinds.name(of: file.path).lowercased().hasPrefix("readme") {
                    scanned.headings = DeclarationScanner.headings(bytes) + ProjectChecks.readmeContentSections(bytes)
                }
                if case .code = mode, !scanned.kinds.isTest, FileKinds.isCode(file.path),
                    repeatedNames.contains(String(FileKinds.name(of: file.path)))
                {
                    scanned.sketch = LineSketch(bytes)
                }
                if !file.path.contains("/"), Toolchain.manifestNames.contains(file.path), bytes.count < 512_000 {
                    scanned.manifestText = String(decoding: bytes, as: UTF8.self)
                }
            }
            return scanned
        }
    }
}
