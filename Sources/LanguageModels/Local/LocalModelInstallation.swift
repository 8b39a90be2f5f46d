import Foundation

/// Where the managed local model lives: a `llama-server` built from source and the SmolLM2 GGUF, in the user's
/// cache folder (`$XDG_CACHE_HOME/ticket-master`, else `~/.cache/ticket-master`).
///
/// The layout is shared with `scripts/install-local-model`, so either can install what the other uses.
public struct LocalModelInstallation: Sendable, Hashable {
    /// The model's name as the server reports it.
    public static let modelName = "SmolLM2-135M-Instruct"
    /// The GGUF file's name.
    public static let modelFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// The cache folder.
    public var directory: URL

    /// An installation rooted at `directory`, installed or not.
    public init(directory: URL = LocalModelInstallation.defaultDirectory()) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/ticket-master`, or `~/.cache/ticket-master` when that variable is unset or empty.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let cache: URL
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cache = URL(fileURLWithPath: xdg, isDirectory: true)
        } else {
            let home =
                environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            cache = home.appendingPathComponent(".cache", isDirectory: true)
        }
        return cache.appendingPathComponent("ticket-master", isDirectory: true)
    }

    /// The server executable.
    public var serverExecutable: URL { directory.appendingPathComponent("bin/llama-server") }
    /// The model file.
    public var modelFile: URL { directory.appendingPathComponent("models/" + Self.modelFileName) }
    /// Where server logs go, one file per port.
    public var logDirectory: URL { directory.appendingPathComponent("logs", isDirectory: true) }
    /// Lines naming what was installed, written by both installers; a line that differs means reinstall.
    public var stampFile: URL { directory.appendingPathComponent("install.stamp") }

    /// Whether both the server and the model are present and the server is executable.
    public var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: serverExecutable.path)
            && FileManager.default.fileExists(atPath: modelFile.path)
    }
}
