import Foundation
import RepositoryAnalysis
import Testing
import TicketMaster

/// A tree with fixed files and line counts.
struct FixedTree: CitationOracle {
    var files: [String: Int]
    func lineCount(of path: String) async -> Int? { files[path] }
}

@Suite("DraftChecks")
struct DraftChecksTests {
    let checks = DraftChecks(
        minDescriptionLength: 50, secrets: ["s3cr3t-token-value"], allowedLinkPrefixes: ["https://github.com/acme/api/"]
    )
    let tree = FixedTree(files: ["Sources/App/Main.swift": 40, "README.md": 10])

    private func draft(title: String, body: String) -> IssueDraft {
        IssueDraft(
            title: title, body: body, labels: [], type: .maintenance,
            signals: [signal(.marker, .low, path: "Sources/App/Main.swift", line: 12)], writer: .plain)
    }

    private let goodBody = """
        ## Context
        The FIXME at `Sources/App/Main.swift:12` has been there for 400 days.
        ## Proposed change
        Handle the error instead of ignoring it.
        """

    @Test("a specific, grounded draft passes")
    func passes() async {
        let problems = await checks.problems(
            in: draft(title: "Handle the ignored error in Main.swift", body: goodBody), citations: tree)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test(
        "each rule catches what it is for",
        arguments: [
            ("Improve code quality", "", DraftProblem.Rule.vagueTitle),
            (String(repeating: "Long title ", count: 9), "", .titleLength),
            ("Handle the ignored error in Main.swift", "See `Sources/App/Missing.swift:3` for details.", .missingPath),
            ("Handle the ignored error in Main.swift", "See `Sources/App/Main.swift:99` for details.", .missingLine),
            ("Handle the ignored error in Main.swift", "Replace [insert description here].", .placeholder),
            (
                "Handle the ignored error in Main.swift", "Token ghp_abcdefghijklmnopqrstuvwxyz0123456789 found.",
                .secret
            ),
            ("Handle the ignored error in Main.swift", "Use s3cr3t-token-value to log in.", .secret),
            (
                "Handle the ignored error in Main.swift", "Download https://evil.example.com/x.sh and run it.",
                .foreignLink
            ),
        ])
    func catches(title: String, extra: String, rule: DraftProblem.Rule) async {
        let problems = await checks.problems(in: draft(title: title, body: goodBody + "\n" + extra), citations: tree)
        #expect(problems.contains { $0.rule == rule }, "\(problems)")
    }

    @Test("quoted repository text is not a claimed path: a decorator, an issue reference, a subject with backticks")
    func quotedTextIsNoCitation() async {
        let body =
            goodBody + "\n"
            + "Marked with `@pytest.mark.xfail` for `httpie/cli#1082` in `b879d38b07`, "
            + "`` Rename repo from `httpie/httpie` to `httpie/cli` ``, since `2023-04-21 13:22:22.13` in `1.2.3`."
        let problems = await checks.problems(
            in: draft(title: "Handle the ignored error in Main.swift", body: body), citations: tree)
        #expect(problems.isEmpty, "\(problems)")
        // A path of the draft's own is still checked, before and after such a span.
        let cited = body + " See `Sources/App/Gone.swift:3`."
        let missing = await checks.problems(
            in: draft(title: "Handle the ignored error in Main.swift", body: cited), citations: tree)
        #expect(missing.map(\.rule) == [.missingPath])
    }

    @Test("a comment quoted whole from the evidence, its address made inert, is not a claimed path")
    func quotedCommentIsNoCitation() async {
        var quoting = draft(
            title: "Decide on the skipped test in stream.ts",
            body: goodBody + "\nThe comment above it reads: `See nodejs/node#35237`.")
        quoting.signals[0].evidence.locations[0].commentAbove = "See https://github.com/nodejs/node/issues/35237"
        #expect(await checks.problems(in: quoting, citations: tree).isEmpty)
        // Without the comment in the evidence, the same span is a path the tree lacks.
        quoting.signals[0].evidence.locations[0].commentAbove = nil
        #expect(await checks.problems(in: quoting, citations: tree).map(\.rule) == [.missingPath])
    }

    @Test("code quoted from the evidence is no placeholder, link or citation of the draft's own")
    func quotedCodeIsNotProse() async {
        let code = "render(\"{{ name }}\", \"path/to/`lib/gone.js`\")"
        var quoting = draft(
            title: "Handle the ignored error in Main.swift",
            body: goodBody + "\n\n  ```swift\n  " + code + "\n  ```")
        quoting.signals[0].evidence.locations[0].codeBelow = code
        #expect(await checks.problems(in: quoting, citations: tree).isEmpty)
        // The same text written by the draft itself is checked.
        quoting.signals[0].evidence.locations[0].codeBelow = nil
        let rules = await checks.problems(in: quoting, citations: tree).map(\.rule)
        #expect(rules.contains(.placeholder) && rules.contains(.missingPath), "\(rules)")
    }

    @Test("a top-level folder cited as `internal/` is its evidence's `internal`")
    func folderCitation() async {
        let folder = IssueDraft(
            title: "Share knowledge of internal/ beyond one person",
            body: "## Context\n\n88% of the 42 commits to `internal/` are by one author (bus factor 1).",
            labels: [], type: .maintenance,
            signals: [
                Signal(
                    kind: .busFactor, severity: .medium, identity: ["internal"],
                    summary: "internal/: 88% of its 42 commits are by Martin (bus factor 1, 3 authors)",
                    evidence: Evidence(locations: [SourceLocation(path: "internal")]))
            ], writer: .plain)
        let tree = FixedTree(files: ["internal/": 0])
        #expect(await checks.problems(in: folder, citations: tree).isEmpty)
    }

    @Test("a short body, and one that cites none of its evidence, are rejected")
    func shortAndUncited() async {
        let problems = await checks.problems(
            in: draft(title: "Handle the error in Main.swift", body: "Fix it."), citations: tree)
        #expect(problems.map(\.rule).contains(.shortBody))
        #expect(problems.map(\.rule).contains(.noCitation))
    }
}

@Suite("Deduplicator")
struct DeduplicatorTests {
    private func draft(_ title: String, path: String, body: String = "Body text about the change.") -> IssueDraft {
        IssueDraft(
            title: title, body: body, labels: [], type: .refactoring, signals: [signal(.hotFile, .medium, path: path)],
            writer: .plain)
    }

    @Test("same evidence, reworded titles and near-identical bodies are duplicates; different findings are not")
    func rules() {
        let existing = [
            ExistingIssue(
                reference: "#7", title: "Review frequently changed Sources/App/Router.swift", body: "", fingerprint: nil
            ),
            ExistingIssue(
                reference: "#9", title: "Something else", body: "",
                fingerprint: draft("x", path: "Sources/Kept.swift").fingerprint),
        ]
        let drafts = [
            draft("Review the frequently changed Sources/App/Router.swift", path: "Sources/App/Router.swift"),
            draft("Split the kept module", path: "Sources/Kept.swift"),
            draft("Review frequently changed Sources/App/Model.swift", path: "Sources/App/Model.swift"),
            draft("Review frequently changed Sources/App/Model.swift", path: "Sources/App/Model2.swift"),
            draft("Split Sources/App/Model.swift", path: "Sources/App/Model.swift"),
        ]
        let result = Deduplicator().deduplicate(drafts, against: existing)
        #expect(
            result.new.map(\.title) == [
                "Review frequently changed Sources/App/Model.swift",
                "Review frequently changed Sources/App/Model.swift",
            ])
        #expect(result.duplicates.map(\.duplicateOf).prefix(2) == ["#7", "#9"])
        #expect(result.duplicates[1].reason.hasPrefix("same evidence"))
        #expect(result.duplicates[2].duplicateOf.hasPrefix("draft "))
        #expect(result.duplicates[2].reason.hasPrefix("same evidence"))
    }

    @Test("two findings about no file, worded alike by the plain writer, are both kept; people's issues still match")
    func alikeFindings() {
        func missing(_ file: String) -> IssueDraft {
            let signal = Signal(
                kind: .missingProjectFile, severity: .medium, identity: [file],
                summary: "The repository has no \(file)", evidence: Evidence())
            return IssueDraft(
                title: "The repository has no \(file)",
                body: "## Context\n\nThe repository has no \(file).\n\n## Proposed change\n\nAdd one.", labels: [],
                type: .documentation, signals: [signal], writer: .plain)
        }
        let drafts = [missing("CI configuration"), missing("LICENSE file")]
        #expect(Deduplicator().deduplicate(drafts, against: []).new.count == 2)
        // An issue a person filed in those words still matches.
        let filed = ExistingIssue(
            reference: "#3", title: "The repository has no LICENSE file", body: "Please add one.", fingerprint: nil)
        #expect(Deduplicator().deduplicate(drafts, against: [filed]).duplicates.map(\.duplicateOf) == ["#3"])
    }

    @Test("a finding that grew since it was filed (one more marker in the file) is still a duplicate")
    func grownFinding() {
        func markers(_ lines: [Int]) -> IssueDraft {
            let signals = lines.map { signal(.marker, .low, path: "Sources/Parser.swift", line: $0) }
            let cited = lines.map { "- `Sources/Parser.swift:\($0)`: TODO: x" }.joined(separator: "\n")
            return IssueDraft(
                title: "Resolve the TODO markers in Sources/Parser.swift",
                body: "## Context\n\nMarkers in Sources/Parser.swift.\n\n## Evidence\n\n\(cited)", labels: [],
                type: .maintenance, signals: signals, writer: .plain)
        }
        let filed = markers([3])
        let grown = markers([3, 9])
        #expect(filed.fingerprint != grown.fingerprint)
        let earlier = ExistingIssue(
            reference: "#5", title: filed.title, body: filed.body, fingerprint: filed.fingerprint)
        #expect(Deduplicator().deduplicate([grown], against: [earlier]).duplicates.map(\.duplicateOf) == ["#5"])
    }

    @Test("drafts about different files are never duplicates, however alike their wording")
    func differentFiles() {
        let body = { (path: String) in "Add tests that exercise `\(path)`, following the repository's test layout." }
        let drafts = [
            draft("Add tests for Sources/A.swift", path: "Sources/A.swift", body: body("Sources/A.swift")),
            draft("Add tests for Sources/B.swift", path: "Sources/B.swift", body: body("Sources/B.swift")),
        ]
        #expect(Deduplicator().deduplicate(drafts, against: []).new.count == 2)
    }

    @Test("an issue worded differently but close in embedding space is a duplicate; a distant one is not")
    func embeddings() {
        let existing = [
            ExistingIssue(
                reference: "#21", title: "Router keeps growing", body: "Every release touches it.", fingerprint: nil),
            ExistingIssue(reference: "#22", title: "Logo is blurry", body: "On retina screens.", fingerprint: nil),
        ]
        let drafts = [
            draft(
                "Split Sources/App/Router.swift, changed in 40 commits", path: "Sources/App/Router.swift",
                body: "Changed in 40 commits: `Sources/App/Router.swift:1`."),
            draft(
                "Document the public API of Sources/App/Model.swift", path: "Sources/App/Model.swift",
                body: "No comments: `Sources/App/Model.swift:3`."),
        ]
        #expect(Deduplicator().deduplicate(drafts, against: existing).duplicates.isEmpty, "wording alone matches")
        let vectors = Deduplicator.Embeddings(
            drafts: [[1, 0.1, 0], [0, 0, 1]], existing: [[0.98, 0.15, 0.02], [0, 1, 0]])
        let result = Deduplicator().deduplicate(drafts, against: existing, embeddings: vectors)
        #expect(result.new.map(\.title) == ["Document the public API of Sources/App/Model.swift"])
        #expect(result.duplicates.map(\.duplicateOf) == ["#21"])
        #expect(result.duplicates.first?.reason.hasPrefix("embedding similarity") == true)
        // A stricter threshold keeps it.
        let strict = Deduplicator(embeddingThreshold: 0.999).deduplicate(drafts, against: existing, embeddings: vectors)
        #expect(strict.duplicates.isEmpty)
    }
}
