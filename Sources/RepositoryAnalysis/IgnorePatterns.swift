import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Matches paths against the configuration's `repository.ignore_patterns`.
///
/// The patterns are globs, read as people write them in a `.gitignore`: `node_modules` or `*.pyc` (no `/`)
/// match any component of a path, so a directory and everything under it; `docs/generated` or `/build`
/// (a `/` before the end) match from the root; a trailing `/` matches directories only; `**` crosses directories.
struct IgnorePatterns: Sendable {
    private struct Pattern: Sendable {
        var glob: String
        var anchored: Bool
        var directoryOnly: Bool
        var crossesDirectories: Bool
    }

    private let patterns: [Pattern]

    /// Compiles `patterns`; blank ones and `#` comments are skipped.
    init(_ patterns: [String]) {
        self.patterns = patterns.compactMap { raw in
            var glob = raw.trimmingCharacters(in: .whitespaces)
            guard !glob.isEmpty, !glob.hasPrefix("#") else { return nil }
            if glob.hasPrefix("./") { glob.removeFirst(2) }
            let directoryOnly = glob.hasSuffix("/")
            while glob.hasSuffix("/") { glob.removeLast() }
            let anchored = glob.contains("/")
            while glob.hasPrefix("/") { glob.removeFirst() }
            guard !glob.isEmpty else { return nil }
            return Pattern(
                glob: glob, anchored: anchored, directoryOnly: directoryOnly,
                crossesDirectories: glob.contains("**"))
        }
    }

    /// Whether there are no patterns, so nothing is ever ignored.
    var isEmpty: Bool { patterns.isEmpty }

    /// Whether `path` (relative, `/`-separated) or a directory above it matches a pattern.
    func matches(_ path: String) -> Bool {
        guard !patterns.isEmpty else { return false }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for pattern in patterns {
            // Directory-only patterns may match any component but the last, which is the file itself.
            let candidates = pattern.directoryOnly ? components.count - 1 : components.count
            guard candidates > 0 else { continue }
            if pattern.anchored {
                var prefix = ""
                for index in 0..<candidates {
                    prefix += index == 0 ? String(components[index]) : "/" + components[index]
                    if Self.glob(pattern.glob, prefix, pathname: !pattern.crossesDirectories) { return true }
                }
            } else {
                for index in 0..<candidates where Self.glob(pattern.glob, String(components[index]), pathname: true) {
                    return true
                }
            }
        }
        return false
    }

    private static func glob(_ pattern: String, _ string: String, pathname: Bool) -> Bool {
        pattern.withCString { pattern in
            string.withCString { string in
                fnmatch(pattern, string, pathname ? FNM_PATHNAME : 0) == 0
            }
        }
    }
}
