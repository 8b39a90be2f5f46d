import Foundation

/// Which module a source file belongs to, and whether that module is part of what the project ships to its users
/// (its product surface), read from file layout conventions and the Swift package manifest.
struct ModuleLayout: Sendable {
    /// A Swift target: where its sources are, and whether a library product exports it.
    struct SwiftTarget: Sendable, Hashable {
        var name: String
        var path: String
        var isExported: Bool
        /// An `executableTarget`: tested by running it as often as by importing it.
        var isExecutable = false
    }

    /// The targets `Package.swift` declares, when there is one.
    var swiftTargets: [SwiftTarget]?
    /// Whether the header files of C and C++ code live under an `include` folder: then only those are the API.
    var hasIncludeFolder: Bool
    /// The headers the build installs (`include_HEADERS` in `Makefile.am`, `install(FILES …)` and
    /// `PUBLIC_HEADER` in CMake, `install_headers(…)` in Meson), by path.
    var installedHeaders: Set<String>
    /// The name of the Go package at the repository's root: the last part of `go.mod`'s module path, less a major
    /// version suffix (`github.com/sirupsen/logrus` is `logrus`, `…/cli/v2` is `cli`).
    var goRootPackage: String?

    /// Reads the layout from the root manifests (`name: text`) and the scanned paths.
    init(manifests: [String: String], paths: [String]) {
        swiftTargets = manifests["Package.swift"].map(Self.swiftTargets(in:))
        goRootPackage = manifests["go.mod"].flatMap(Self.goPackage(inModule:))
        hasIncludeFolder = paths.contains { path in
            path.split(separator: "/").dropLast().contains("include")
                && ["h", "hh", "hpp", "hxx"].contains(FileKinds.pathExtension(of: path))
        }
        let known = Set(paths)
        var installed = Set<String>()
        for text in [manifests["Makefile.am"], manifests["CMakeLists.txt"], manifests["meson.build"]].compactMap({ $0 })
        {
            let joined = text.replacingOccurrences(of: "\\\n", with: " ")
            for line in joined.split(whereSeparator: \.isNewline)
            where line.contains("_HEADERS") || line.contains("install(") || line.contains("PUBLIC_HEADER")
                || line.contains("install_headers")
            {
                for word in line.split(whereSeparator: { " \t=()'\",".contains($0) }) where known.contains(String(word))
                {
                    installed.insert(String(word))
                }
            }
        }
        installedHeaders = installed
    }

    /// The module of `path` (a name users would recognise: a Swift target, a Python package, a Go package
    /// folder) and the folder it lives in; `nil` when the file is not part of the shipped API.
    func module(of path: String, language: String) -> (name: String, folder: String)? {
        let components = path.split(separator: "/").map(String.init)
        let folder = components.dropLast().joined(separator: "/")
        switch language {
        case "Swift":
            if let targets = swiftTargets {
                // A package without library products ships no API; a target no library exports is internal.
                guard
                    let target = targets.filter({ path.hasPrefix($0.path + "/") }).max(by: {
                        $0.path.count < $1.path.count
                    })
                else {
                    return nil
                }
                return target.isExported ? (target.name, target.path) : nil
            }
            if components.count > 2, components[0] == "Sources" { return (components[1], "Sources/" + components[1]) }
            return (folder.isEmpty ? "." : folder, folder.isEmpty ? "." : folder)
        case "Python":
            // The top-level package, under `src/` or at the root; a single module at the root is its own.
            var rest = components[...]
            if rest.first == "src" || rest.first == "lib" { rest = rest.dropFirst() }
            guard let first = rest.first else { return nil }
            let prefix = components.prefix(components.count - rest.count + 1).joined(separator: "/")
            if rest.count == 1 {
                return (String(first.dropLast(3)), prefix)
            }
            return (first, prefix)
        case "C", "C++":
            // Only installed headers are an API; a project whose build installs none ships a program.
            if hasIncludeFolder {
                guard components.dropLast().contains("include") else { return nil }
            } else if !installedHeaders.contains(path) {
                return nil
            }
            return (folder.isEmpty ? "." : folder, folder.isEmpty ? "." : folder)
        case "Rust", "TypeScript", "JavaScript":
            // The package or crate: the source folder (`src/`, `source/`, `lib/`) and what is above it.
            if let source = components.dropLast().firstIndex(where: { ["src", "source", "lib"].contains($0) }) {
                let root = components[..<source].joined(separator: "/")
                let folder = components[...source].joined(separator: "/")
                return (root.isEmpty ? components[source] : root, folder)
            }
            let root = components.count > 1 ? components[0] : "."
            return (root, root)
        case "Go":
            // The root folder's package is named by the module path.
            return (folder.isEmpty ? goRootPackage ?? "." : folder, folder.isEmpty ? "." : folder)
        default:
            return (folder.isEmpty ? "." : folder, folder.isEmpty ? "." : folder)
        }
    }

    /// The root package's name from a `go.mod`'s `module` line.
    static func goPackage(inModule manifest: String) -> String? {
        guard
            let line = manifest.split(whereSeparator: \.isNewline).first(where: {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix("module ")
            })
        else { return nil }
        var parts = line.trimmingCharacters(in: .whitespaces).dropFirst("module ".count)
            .trimmingCharacters(in: CharacterSet(charactersIn: " \"")).split(separator: "/")
        if parts.count > 1, let last = parts.last, last.first == "v", last.dropFirst().allSatisfy(\.isNumber) {
            parts.removeLast()
        }
        return parts.last.map(String.init)
    }

    /// The targets of a `Package.swift`, found by pattern: `.target(name: "X", path: "Y")` and the targets of each
    /// `.library(...)` product. Manifests that compute their targets in code are read as far as the patterns go.
    static func swiftTargets(in manifest: String) -> [SwiftTarget] {
        let exported = Set(
            matches(#"\.library\s*\([^)]*?targets\s*:\s*\[([^\]]*)\]"#, in: manifest).flatMap { list in
                matches(#""([^"]+)""#, in: list)
            })
        var targets: [SwiftTarget] = []
        let declarations =
            #"\.(target|executableTarget|macro|plugin|testTarget|systemLibrary)\s*\(\s*name\s*:\s*"([^"]+)""#
        guard let pattern = try? NSRegularExpression(pattern: declarations) else { return [] }
        let text = manifest as NSString
        let found = pattern.matches(in: manifest, range: NSRange(location: 0, length: text.length))
        for (index, match) in found.enumerated() {
            let kind = text.substring(with: match.range(at: 1))
            let name = text.substring(with: match.range(at: 2))
            // The arguments of this target run to the next target declaration.
            let end = index + 1 < found.count ? found[index + 1].range.location : text.length
            let arguments = text.substring(
                with: NSRange(location: match.range.location, length: end - match.range.location))
            let defaultFolder = kind == "testTarget" ? "Tests" : kind == "plugin" ? "Plugins" : "Sources"
            let path = matches(#"path\s*:\s*"([^"]+)""#, in: arguments).first ?? "\(defaultFolder)/\(name)"
            let isLibrary = kind == "target" || kind == "systemLibrary"
            targets.append(
                SwiftTarget(
                    name: name, path: path.hasSuffix("/") ? String(path.dropLast()) : path,
                    isExported: isLibrary && exported.contains(name), isExecutable: kind == "executableTarget"))
        }
        return targets
    }

    /// Every module name a Swift manifest spells out: its targets and the products of its dependencies
    /// (`.product(name: "Logging", package: "swift-log")`, `dependencies: ["NIO"]`). A module it names is not one the
    /// package lost, even when a target of that name was deleted long ago (console-kit's `Logging`, removed in 2019
    /// and imported today from swift-log).
    static func swiftModuleNames(in manifest: String) -> Set<String> {
        Set(swiftTargets(in: manifest).map(\.name)).union(matches(#""([A-Za-z_][A-Za-z0-9_]*)""#, in: manifest))
    }

    /// The first capture group of every match of `pattern` in `text`.
    private static func matches(_ pattern: String, in text: String) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else {
            return []
        }
        let string = text as NSString
        return expression.matches(in: text, range: NSRange(location: 0, length: string.length)).map {
            string.substring(with: $0.range(at: 1))
        }
    }
}
