/// Which files a project is expected to have, found by name among the tracked files.
enum ProjectChecks {
    /// README sections looked for, and heading words that count as each.
    static let readmeSections: [(name: String, words: [String])] = [
        ("installation", ["install", "getting started", "setup", "set up", "quick start", "quickstart", "building"]),
        ("usage", ["usage", "how to use", "getting started", "quick start", "quickstart", "example", "tutorial"]),
    ]

    /// Commands that install software, and manifest sections that add a library (a `Cargo.toml` snippet): a README
    /// that shows one explains installation, whatever its headings.
    static let installCommands = [
        "pip install", "pipx install", "uv add", "poetry add", "npm install", "npm i ", "yarn add", "pnpm add",
        "cargo add", "cargo install", "go get", "go install", "brew install", "apt install", "apt-get install",
        "gem install", "swift package", ".package(url:", "composer require", "make install", "./configure",
        "dotnet add", "conda install", "docker run", "docker pull", "[dependencies]", "[dev-dependencies]",
    ]

    /// Sections a README has in effect through its content: `install` when it shows an install command, `example`
    /// when it has a fenced code block.
    static func readmeContentSections(_ bytes: UnsafeRawBufferPointer) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        var sections: [String] = []
        if installCommands.contains(where: { text.contains($0) }) { sections.append("install") }
        if text.contains("```") || text.contains(".. code-block::") || text.contains("::\n\n    ") {
            sections.append("example")
        }
        if licenseGrants.contains(where: { text.contains($0) }) { sections.append(licenseText) }
        if generatedReferenceSites.contains(where: { text.contains($0) }) || linksAPIDocumentation(text) {
            sections.append(apiElsewhere)
        }
        return sections
    }

    /// What a README section list holds when the README states the licence's terms itself (pigz's zlib-style
    /// licence): the project has a licence, in its README.
    static let licenseText = "license-text"

    /// What a README section list holds when the README links API documentation generated from the code.
    static let apiElsewhere = "api-documented-elsewhere"

    /// Sites that publish API documentation generated from a project's code comments.
    private static let generatedReferenceSites = [
        "pkg.go.dev/", "godoc.org/", "docs.rs/", "readthedocs.io", "readthedocs.org", "hexdocs.pm/", "javadoc.io/",
        "swiftpackageindex.com/",
    ]

    /// Whether lower-cased README `text` says where its API documentation is, with a link right after the words
    /// (go-yaml's "API documentation … the import path itself leads to the API documentation: https://gopkg.in/…"),
    /// rather than holding it.
    private static func linksAPIDocumentation(_ text: String) -> Bool {
        for phrase in ["api documentation", "api reference", "api docs"] {
            var searched = text.startIndex
            while let found = text.range(of: phrase, range: searched..<text.endIndex) {
                if text[found.upperBound...].prefix(200).contains("http") { return true }
                searched = found.upperBound
            }
        }
        return false
    }

    /// Phrases of a licence's grant, in lower case.
    static let licenseGrants = [
        "permission is hereby granted", "permission is granted to anyone", "provided 'as-is'", "provided \"as is\"",
        "redistribution and use in source and binary forms", "licensed under the",
    ]

    /// Checks `paths` (tracked, not ignored); `readmeHeadings` are the headings of the README found, if any.
    static func check(paths allPaths: [String], readmeHeadings: [String: [String]]) -> RepositoryReport.ProjectFiles {
        // Everything looked for is at the root or one folder down: leave deeper paths out once, up front.
        let paths = allPaths.filter { $0.utf8.lazy.filter { $0 == UInt8(ascii: "/") }.count <= 2 }
        func atRoot(_ prefixes: [String], also directories: [String] = []) -> String? {
            let candidates = paths.filter { path in
                let name = FileKinds.name(of: path).lowercased()
                let directory = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : ""
                return (directory.isEmpty || directories.contains(directory.lowercased()))
                    && prefixes.contains { name == $0 || name.hasPrefix($0 + ".") || name.hasPrefix($0 + "-") }
            }
            // Prefer the root, then the shortest name (README.md over README.de.md).
            return candidates.min {
                ($0.contains("/") ? 1 : 0, $0.count, $0) < ($1.contains("/") ? 1 : 0, $1.count, $1)
            }
        }
        let readme = atRoot(["readme"], also: [".github", "docs"])
        var missingSections: [String] = []
        // A project with a documentation site documents installation and usage there, not in its README.
        let documentationPages = allPaths.filter { path in
            (path.hasPrefix("docs/") || path.hasPrefix("doc/") || path.hasPrefix("Documentation/"))
                && ["md", "rst", "adoc", "txt", "html"].contains(FileKinds.pathExtension(of: path))
        }
        var contributingInReadme = false
        if let readme {
            let headings = readmeHeadings[readme] ?? []
            contributingInReadme = headings.contains { heading in
                ["contribut", "develop", "hacking", "from source", "building"].contains { heading.contains($0) }
            }
        }
        if let readme, documentationPages.count < 3 {
            let headings = readmeHeadings[readme] ?? []
            for section in readmeSections
            where !headings.contains(where: { heading in section.words.contains { heading.contains($0) } }) {
                missingSections.append(section.name)
            }
        }
        let ci = paths.filter(isContinuousIntegration).sorted()
        return RepositoryReport.ProjectFiles(
            readme: readme,
            missingReadmeSections: missingSections,
            license: atRoot(["license", "licence", "copying", "unlicense"])
                ?? paths.first { $0.hasPrefix("LICENSES/") }
                ?? readme.flatMap { (readmeHeadings[$0] ?? []).contains(Self.licenseText) ? $0 : nil },
            contributing: atRoot(["contributing"], also: [".github", "docs"]),
            contributingInReadme: contributingInReadme,
            changelog: atRoot(["changelog", "changes", "history", "news", "releases"]),
            continuousIntegration: Array(ci.prefix(20)),
            apiDocumentedElsewhere: readme.flatMap {
                (readmeHeadings[$0] ?? []).contains(Self.apiElsewhere) ? true : nil
            })
    }

    /// Whether `path` configures a CI service: GitHub, Gitea and Forgejo workflows, GitLab CI, a `.ci/`
    /// directory, CircleCI, Travis, Jenkins, Azure Pipelines, Buildkite, Bitbucket, Drone, Woodpecker, AppVeyor.
    static func isContinuousIntegration(_ path: String) -> Bool {
        let lower = path.lowercased()
        let isYAML = lower.hasSuffix(".yml") || lower.hasSuffix(".yaml")
        for directory in [".github/workflows/", ".gitea/workflows/", ".forgejo/workflows/"]
        where lower.hasPrefix(directory) && isYAML {
            return true
        }
        for prefix in [".ci/", ".circleci/", ".buildkite/", ".woodpecker/"] where lower.hasPrefix(prefix) {
            return true
        }
        return [
            ".gitlab-ci.yml", ".travis.yml", "jenkinsfile", "azure-pipelines.yml", "bitbucket-pipelines.yml",
            ".drone.yml", ".woodpecker.yml", "appveyor.yml", ".appveyor.yml",
        ].contains(lower)
    }
}
