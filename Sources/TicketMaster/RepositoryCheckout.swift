import Foundation
import RepositoryAnalysis

/// The repository a run works on: a local path, or a clone URL checked out into a temporary folder.
public struct RepositoryCheckout: Sendable {
    /// The folder to analyse.
    public let path: URL
    /// What the user gave, with any credentials removed, for messages.
    public let displayName: String
    /// Whether `path` is a temporary clone that `remove()` deletes.
    public let isTemporary: Bool

    /// Whether `text` names a remote repository rather than a folder.
    public static func isURL(_ text: String) -> Bool {
        if let scheme = URLComponents(string: text)?.scheme?.lowercased() {
            return ["http", "https", "ssh", "git", "file"].contains(scheme)
        }
        return text.firstMatch(of: /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:.+/) != nil
    }

    /// How many commits a clone fetches when `repository.max_commits` does not say.
    public static let defaultCloneDepth = 1000

    /// Opens a local path as is, or clones a URL shallowly (`depth` commits) into a temporary folder.
    public static func open(_ text: String, depth: Int, git: GitExecutable) async throws -> RepositoryCheckout {
        guard isURL(text), !FileManager.default.fileExists(atPath: text) else {
            let path = URL(fileURLWithPath: text).standardizedFileURL
            return RepositoryCheckout(path: path, displayName: path.path, isTemporary: false)
        }
        let shown = redacted(text)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ticket-master-\(UUID().uuidString)")
        let arguments = [
            "clone", "--quiet", "--no-tags", "--single-branch", "--depth", String(depth), "--", text, folder.path,
        ]
        let result = try await git.run(arguments, in: FileManager.default.temporaryDirectory)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: folder)
            if Task.isCancelled { throw CancellationError() }
            let reason =
                result.standardError.split(separator: "\n").last.map { redacted(String($0)) } ?? "git clone failed"
            throw TicketMasterError(.failure, "cannot clone \(shown): \(reason); check the URL and your access to it")
        }
        return RepositoryCheckout(path: folder, displayName: shown, isTemporary: true)
    }

    /// Keeps a shallow clone of `url` (`depth` commits) in `folder`, which outlives the run: cloned the first time,
    /// fetched and moved to the remote's latest commit each time after. The web service analyses repositories it
    /// was given by URL this way, so each run fetches only what changed.
    public static func mirror(
        _ url: String, into folder: URL, depth: Int, git: GitExecutable
    ) async throws -> RepositoryCheckout {
        let shown = redacted(url)
        func fail(_ result: GitExecutable.Output, _ action: String) throws -> Never {
            if Task.isCancelled { throw CancellationError() }
            let reason = result.standardError.split(separator: "\n").last.map { redacted(String($0)) } ?? action
            throw TicketMasterError(
                .failure, "cannot \(action) \(shown): \(reason); check the URL and your access to it")
        }
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) {
            let fetched = try await git.run(
                ["fetch", "--quiet", "--no-tags", "--depth", String(depth), "origin"], in: folder)
            guard fetched.status == 0 else { try fail(fetched, "fetch") }
            let moved = try await git.run(["reset", "--quiet", "--hard", "FETCH_HEAD"], in: folder)
            guard moved.status == 0 else { try fail(moved, "update the clone of") }
        } else {
            try FileManager.default.createDirectory(
                at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
            let cloned = try await git.run(
                ["clone", "--quiet", "--no-tags", "--single-branch", "--depth", String(depth), "--", url, folder.path],
                in: folder.deletingLastPathComponent())
            guard cloned.status == 0 else {
                try? FileManager.default.removeItem(at: folder)
                try fail(cloned, "clone")
            }
        }
        return RepositoryCheckout(path: folder, displayName: shown, isTemporary: false)
    }

    /// Deletes the temporary clone; does nothing for a local path.
    public func remove() {
        guard isTemporary else { return }
        try? FileManager.default.removeItem(at: path)
    }

    /// The forge repository that the `origin` remote points at, if it names one.
    public func originRemote(git: GitExecutable) async -> RemoteRepository? {
        // The configured URL, not `remote get-url`, which applies `url.*.insteadOf` rewrites (mirrors, proxies)
        // and would hide the forge's name.
        guard let result = try? await git.run(["config", "--get", "remote.origin.url"], in: path), result.status == 0
        else {
            return nil
        }
        // Only a URL names a forge: an origin that is a folder on this machine (`/srv/git/api`) files nowhere.
        guard let remote = try? RemoteRepository(parsing: result.text), remote.host != nil else { return nil }
        return remote
    }

    /// `text` with any `user:password@` removed, so tokens in clone URLs never reach a message or a log.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.user != nil || components.password != nil
        else { return text }
        components.user = nil
        components.password = nil
        return components.string ?? text
    }
}
