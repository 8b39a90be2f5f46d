import Foundation
import Testing

@testable import LanguageModels

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LocalModelRuntimeTests {
    @Test func cacheFolderFollowsXDG() {
        #expect(
            LocalModelInstallation.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]).path
                == "/x/cache/ticket-master")
        #expect(
            LocalModelInstallation.defaultDirectory(environment: ["XDG_CACHE_HOME": "", "HOME": "/home/u"]).path
                == "/home/u/.cache/ticket-master")
    }

    @Test func missingInstallationSaysHowToInstall() async {
        let runtime = LocalModelRuntime(
            installation: LocalModelInstallation(directory: URL(fileURLWithPath: "/nonexistent/tm")))
        await #expect {
            _ = try await runtime.start()
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .notInstalled && error.message.contains("ticket-master models install-local")
        }
    }

    @Test func serverThatDiesAtStartupIsATypedErrorWithItsLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tm-broken-\(UUID().uuidString)")
        let installation = LocalModelInstallation(directory: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        for directory in [installation.serverExecutable, installation.modelFile].map({ $0.deletingLastPathComponent() })
        {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try Data("#!/bin/sh\necho 'error: failed to load model' >&2\nexit 3\n".utf8).write(
            to: installation.serverExecutable)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: installation.serverExecutable.path)
        try Data().write(to: installation.modelFile)
        await #expect {
            _ = try await LocalModelRuntime(installation: installation).start()
        } throws: { error in
            guard let error = error as? LanguageModelError else { return false }
            return error.code == .localServerFailed && error.message.contains("error: failed to load model")
                && error.message.contains("status 3")
        }
    }

    /// A cache folder whose "llama-server" is `script`, with an empty model file.
    func installation(running script: String) throws -> LocalModelInstallation {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tm-runtime-\(UUID().uuidString)")
        let installation = LocalModelInstallation(directory: folder)
        for directory in [installation.serverExecutable, installation.modelFile].map({ $0.deletingLastPathComponent() })
        {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try Data(script.utf8).write(to: installation.serverExecutable)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: installation.serverExecutable.path)
        try Data().write(to: installation.modelFile)
        return installation
    }

    /// A stand-in server that answers /health; `ignoreTerm` makes it ignore SIGTERM, as a wedged server would.
    func healthServer(ignoreTerm: Bool) throws -> LocalModelInstallation {
        try installation(
            running: """
                #!/bin/sh
                while [ $# -gt 0 ]; do [ "$1" = "--port" ] && port="$2"; shift; done
                exec python3 -c '
                import http.server, signal, sys
                if \(ignoreTerm ? "True" : "False"): signal.signal(signal.SIGTERM, signal.SIG_IGN)
                class Health(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
                    def log_message(self, *args): pass
                http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
                ' "$port"
                """)
    }

    @Test func serverStopsOnSIGTERM() async throws {
        // Also proves the server does not inherit the blocked signals of the thread that started it.
        let polite = try healthServer(ignoreTerm: false)
        defer { try? FileManager.default.removeItem(at: polite.directory) }
        let runtime = LocalModelRuntime(installation: polite, options: .init(embeddings: false))
        _ = try await runtime.start()
        let pid = try #require(await runtime.processIdentifier)
        let started = ContinuousClock.now
        await runtime.stop()
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(kill(pid, 0) == -1)
    }

    @Test func serverIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let stubborn = try healthServer(ignoreTerm: true)
        defer { try? FileManager.default.removeItem(at: stubborn.directory) }
        let runtime = LocalModelRuntime(
            installation: stubborn, options: .init(embeddings: false, stopGracePeriod: .milliseconds(300)))
        let first = try await runtime.start()
        #expect(try await runtime.start() == first)
        let pid = try #require(await runtime.processIdentifier)
        let started = ContinuousClock.now
        await runtime.stop()
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(kill(pid, 0) == -1)
        #expect(await runtime.processIdentifier == nil)
        // A clean stop leaves no log behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: stubborn.logDirectory.path).isEmpty)
    }

    @Test func freePortIsUsable() throws {
        let port = try LocalModelRuntime.freePort()
        #expect((1024...65535).contains(port))
    }
}
