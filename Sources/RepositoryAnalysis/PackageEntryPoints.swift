import Foundation

/// What a JavaScript or TypeScript package gives its users, read from the root `package.json`: the files its entry
/// points name (`main`, `module`, `types`, `browser`, every target of `exports`) and the files those re-export
/// from, transitively. A file the entry points only import is an implementation detail, however many `export`s it
/// has for its neighbours.
///
/// Entry points often name build output (`dist/index.js`) that is not in the repository; they are looked up in the
/// source folder too (`src/index.ts`). Subpaths that say they are not for users (`./unsafe/*`, `./internal/*`,
/// `./private/*`) are left out.
struct PackageEntryPoints: Sendable {
    /// Repository paths of the entry files.
    var entries: [String]
    /// Folders a wildcard subpath exposes whole (`"./*": "./lib/*"`), each ending in `/`.
    var publicFolders: [String]

    /// The entry points of `manifest`, resolved among `paths`; `nil` when the manifest names none that is in the
    /// repository (a private workspace root, an application), so that nothing can be said about its surface.
    init?(manifest: String, paths: Set<String>) {
        guard let data = manifest.data(using: .utf8),
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        var targets: [String] = []
        for key in ["main", "module", "types", "typings", "browser"] {
            if let target = json[key] as? String { targets.append(target) }
        }
        if let exports = json["exports"] { Self.collect(exports, into: &targets) }
        var entries: [String] = []
        var folders: [String] = []
        for target in targets {
            if let star = target.firstIndex(of: "*") {
                let folder = Self.normalized(String(target[..<star]))
                if !folder.isEmpty, folder.hasSuffix("/") { folders.append(folder) }
            } else if let path = Self.resolve(Self.normalized(target), among: paths) {
                entries.append(path)
            }
        }
        guard !entries.isEmpty || !folders.isEmpty else { return nil }
        self.entries = Array(Set(entries)).sorted()
        publicFolders = Array(Set(folders)).sorted()
    }

    /// The files users reach: the entries and, from each, the relative modules it re-exports (`reexports`, by
    /// path, as written in the file).
    func reachable(reexports: [String: [String]], paths: Set<String>) -> Set<String> {
        var reached = Set(entries)
        var queue = entries
        while let path = queue.popLast() {
            let folder = String(FileKinds.directory(of: path))
            for specifier in reexports[path] ?? [] where specifier.hasPrefix("./") || specifier.hasPrefix("../") {
                guard let target = Self.resolve(Self.joined(folder, specifier), among: paths),
                    reached.insert(target).inserted
                else { continue }
                queue.append(target)
            }
        }
        return reached
    }

    /// The repository file `specifier` (`./types/x.js`), written in the file at `path`, names.
    func target(of specifier: String, from path: String, among paths: Set<String>) -> String? {
        guard specifier.hasPrefix("./") || specifier.hasPrefix("../") else { return nil }
        return Self.resolve(Self.joined(String(FileKinds.directory(of: path)), specifier), among: paths)
    }

    /// Whether `path` is part of what users reach, given `reachable` from ``reachable(reexports:paths:)``.
    func isPublic(_ path: String, reachable: Set<String>) -> Bool {
        reachable.contains(path) || publicFolders.contains { path.hasPrefix($0) }
    }

    /// Whether the entry points expose `path` whole: they name it, or a wildcard subpath covers its folder.
    func exposesWhole(_ path: String) -> Bool {
        entries.contains(path) || publicFolders.contains { path.hasPrefix($0) }
    }

    /// Subpath words that mark an export as not meant for users.
    private static let privateSubpaths: Set<String> = ["unsafe", "internal", "internals", "private", "test", "tests"]

    /// The file targets of an `exports` value: a string, an array of fallbacks, or an object of subpaths (`./x`)
    /// or conditions (`import`, `require`, `types`, `default`, …).
    private static func collect(_ value: Any, into targets: inout [String]) {
        if let target = value as? String {
            targets.append(target)
        } else if let list = value as? [Any] {
            for item in list { collect(item, into: &targets) }
        } else if let object = value as? [String: Any] {
            for (key, item) in object {
                if key.hasPrefix(".") {
                    let words = key.split(whereSeparator: { "/.*-_".contains($0) }).map { $0.lowercased() }
                    if key == "./package.json" || words.contains(where: privateSubpaths.contains) { continue }
                    collect(item, into: &targets)
                } else {
                    collect(item, into: &targets)
                }
            }
        }
    }

    /// `./lib/x.js` as a repository path: `lib/x.js`.
    private static func normalized(_ target: String) -> String {
        var path = Substring(target)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        return String(path)
    }

    /// `specifier` relative to `folder`, with `..` resolved.
    private static func joined(_ folder: String, _ specifier: String) -> String {
        var components = folder.split(separator: "/").map(String.init)
        for part in specifier.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                _ = components.popLast()
            } else {
                components.append(String(part))
            }
        }
        return components.joined(separator: "/")
    }

    /// Build-output folders whose files come from the source folder.
    private static let outputFolders: Set<String> = [
        "dist", "build", "out", "esm", "cjs", "es", "umd", "types", "typings", "lib", "module", "commonjs",
    ]
    private static let scriptExtensions = [".js", ".mjs", ".cjs", ".jsx", ".d.ts", ".d.mts", ".d.cts"]
    private static let sourceExtensions = [
        ".ts", ".tsx", ".mts", ".cts", ".d.ts", ".js", ".mjs", ".cjs", ".jsx",
    ]

    /// The repository file a module path names: as written, with a source extension, as a folder's `index`, or,
    /// for build output (`dist/esm/index.js`), the same name under `src/` or the root.
    private static func resolve(_ path: String, among paths: Set<String>) -> String? {
        guard !path.isEmpty else { return nil }
        if paths.contains(path) { return path }
        var stem = path
        for suffix in scriptExtensions where stem.hasSuffix(suffix) {
            stem.removeLast(suffix.count)
            break
        }
        var stems = [stem]
        var components = stem.split(separator: "/").map(String.init)
        var strippedOutput = false
        while components.count > 1, let first = components.first, outputFolders.contains(first) {
            components.removeFirst()
            strippedOutput = true
        }
        if strippedOutput {
            let rest = components.joined(separator: "/")
            stems += ["src/" + rest, "source/" + rest, rest]
        }
        for stem in stems {
            for candidate in sourceExtensions.map({ stem + $0 }) + sourceExtensions.map({ stem + "/index" + $0 })
            where paths.contains(candidate) {
                return candidate
            }
        }
        return nil
    }
}
