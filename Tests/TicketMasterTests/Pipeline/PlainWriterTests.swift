import Foundation
import RepositoryAnalysis
import Testing

@testable import TicketMaster

@Suite("PlainWriter")
struct PlainWriterTests {
    let commit = "0123456789abcdef0123456789abcdef01234567"

    private func draft(_ signals: [Signal], remote: RemoteRepository?) -> IssueDraft {
        let planned = PlannedIssue(type: IssueType(signals[0].kind), signals: signals, score: 1)
        return PlainWriter(defaultLabels: ["automated"], links: LinkContext(remote: remote, commit: commit))
            .draft(planned)
    }

    @Test(
        "every kind of finding gives a titled, sectioned body under 80-character titles", arguments: SignalKind.allCases
    )
    func everyKind(kind: SignalKind) throws {
        let path = "Sources/Some/Deeply/Nested/Folder/With/A/Very/Long/Path/Component/File.swift"
        let issue = draft(
            [signal(kind, .medium, path: path, line: 4)], remote: try RemoteRepository(parsing: "acme/api"))
        #expect(issue.title.count < 80)
        #expect(!issue.title.isEmpty)
        for section in ["## Context", "## Evidence", "## Proposed change", "## Acceptance criteria"] {
            #expect(issue.body.contains(section), "\(section)")
        }
        #expect(issue.body.contains("- [ ] "))
        #expect(issue.labels.prefix(2) == ["automated", IssueType(kind).rawValue])
        #expect(issue.writer == .plain)
    }

    @Test("links point at the analysed commit on GitHub and GitLab, plain paths without a remote")
    func links() throws {
        let marker = signal(.marker, .low, path: "src/my file.py", line: 12)
        let github = draft([marker], remote: try RemoteRepository(parsing: "acme/api"))
        #expect(github.body.contains("(https://github.com/acme/api/blob/\(commit)/src/my%20file.py#L12)"))
        let gitlab = draft([marker], remote: try RemoteRepository(parsing: "https://gitlab.com/g/p"))
        #expect(gitlab.body.contains("(https://gitlab.com/g/p/-/blob/\(commit)/src/my%20file.py#L12)"))
        let local = draft([marker], remote: nil)
        #expect(local.body.contains("`src/my file.py:12`"))
        #expect(!local.body.contains("https://"))
    }

    private func draft(_ signals: [Signal], toolchain: Toolchain, remote: RemoteRepository? = nil) -> IssueDraft {
        let planned = PlannedIssue(type: IssueType(signals[0]), signals: signals, score: 1)
        return PlainWriter(defaultLabels: [], links: LinkContext(remote: remote, commit: commit), toolchain: toolchain)
            .draft(planned)
    }

    private let swiftPackage = Toolchain(
        ecosystem: "swiftpm", buildCommand: "swift build", testCommand: "swift test", testFolder: "Tests")

    @Test("a missing CI configuration proposes the forge's CI file running the project's own commands")
    func continuousIntegration() throws {
        let missing = Signal(
            kind: .missingProjectFile, severity: .medium, identity: ["continuous-integration"],
            summary: "The repository has no CI configuration", evidence: Evidence())
        let github = draft([missing], toolchain: swiftPackage, remote: try RemoteRepository(parsing: "acme/api"))
        #expect(github.title == "Run `swift build` and `swift test` in CI on every push")
        #expect(github.body.contains("Add `.github/workflows/ci.yml` that runs `swift build` and `swift test`"))
        #expect(github.body.contains("No CI configuration: looked for"), "the evidence says what was looked for")
        #expect(github.labels == ["maintenance", "ci"])
        let gitlab = draft(
            [missing], toolchain: swiftPackage, remote: try RemoteRepository(parsing: "https://gitlab.com/g/p"))
        #expect(gitlab.body.contains("`.gitlab-ci.yml`"))
        #expect(!github.body.lowercased().contains("review"))
    }

    @Test("an untested file gets the test file its ecosystem expects and the command that runs it")
    func untested() {
        let untested = signal(.untestedCode, .medium, path: "Sources/Lib/Parser.swift")
        let issue = draft([untested], toolchain: swiftPackage)
        #expect(issue.title == "Add tests for Sources/Lib/Parser.swift")
        #expect(issue.body.contains("Add `Tests/LibTests/ParserTests.swift`"))
        #expect(issue.body.contains("`swift test` passes"))
        let python = Toolchain(ecosystem: "python", testCommand: "pytest", testFramework: "pytest", testFolder: "tests")
        #expect(
            draft([signal(.untestedCode, .medium, path: "pkg/throttle.py")], toolchain: python).body.contains(
                "`tests/test_throttle.py`"))
    }

    @Test("untested fixes ask for regression tests; in a type declaration file, for type tests")
    func defectHotspot() {
        let npm = Toolchain(ecosystem: "npm", testCommand: "npm test", testFolder: "test")
        func hotspot(_ path: String) -> Signal {
            var hotspot = signal(.defectHotspot, .medium, path: path)
            hotspot.evidence.metrics = [
                Metric("untested-fixes", 4), Metric("fix-commits", 35), Metric("commits", 145), Metric("lines", 569),
            ]
            return hotspot
        }
        let code = draft([hotspot("lib/adapters/xhr.js")], toolchain: npm)
        #expect(code.title == "Add regression tests for 4 untested bug fixes in lib/adapters/xhr.js")
        #expect(code.body.contains("add a test of the behaviour it fixed (run with `npm test`)"))
        let types = draft([hotspot("index.d.ts")], toolchain: npm)
        #expect(types.title == "Add type tests for 4 untested fixes to index.d.ts")
        #expect(types.body.contains("fails to type-check without the fix (checked by `npm test`)"))
        #expect(!types.body.contains("behaviour it fixed"))
    }

    @Test("a stub that stops the program is a crash; one that raises an exception is missing behaviour")
    func crashStubs() {
        func stub(_ excerpt: String) -> Signal {
            Signal(
                kind: .crashStub, severity: .medium, identity: ["digest auth-int support is not yet implemented"],
                summary: "1 place stops the program: Digest auth-int support is not yet implemented",
                evidence: Evidence(
                    locations: [SourceLocation(path: "httpx/_auth.py", startLine: 337, excerpt: excerpt)],
                    metrics: [Metric("call-sites", 1)]))
        }
        let python = Toolchain(ecosystem: "python", testCommand: "pytest", testFramework: "pytest", testFolder: "tests")
        let raised = draft(
            [stub("            raise NotImplementedError(\"Digest auth-int support is not yet implemented\")")],
            toolchain: python)
        #expect(raised.title == "Implement what raises Digest auth-int support is not yet implemented (1 place)")
        #expect(!raised.body.contains("crash"))
        let stopped = draft(
            [stub("        fatalError(\"Digest auth-int support is not yet implemented\")")], toolchain: python)
        #expect(stopped.title.hasPrefix("Implement or reject what crashes with"))
    }

    @Test("a known breakage quotes the comment above it, and not the marking message's count of tests fixed since")
    func knownBreakageDiagnosis() {
        let commit = CommitReference(
            hash: "452efd11fb", subject: "t3011: demonstrate directory traversal failures", date: Date(),
            body: "Add several tests demonstrating directory traversal failures.\n\nOf the 7 failing tests, 2 are "
                + "new to git-2.24.0; the other 5 also failed under git-2.23.0 and earlier.")
        let comment =
            "It turns out fill_directory returns the right paths, but ls-files' post-call filtering in "
            + "show_dir_entry() assumes the pathspec must match the full path."
        let breakage = Signal(
            kind: .brokenTest, severity: .medium, identity: ["t/t3011-common-prefixes.sh"],
            summary: "t/t3011-common-prefixes.sh: 1 test marked expected to fail",
            evidence: Evidence(
                locations: [
                    SourceLocation(
                        path: "t/t3011-common-prefixes.sh", startLine: 160,
                        excerpt:
                            "test_expect_failure FUNNYNAMES 'git ls-files -o untracked_*/ recurses appropriately' '",
                        commentAbove: comment)
                ], commits: [commit], metrics: [Metric("tests", 1), Metric("recorded-breakages", 1)]))
        let body = draft([breakage], remote: nil).body
        #expect(body.contains("Its message says:\n\n> Add several tests demonstrating directory traversal failures."))
        #expect(!body.contains("7 failing tests"), "\(body)")
        #expect(body.contains("The comment above the test says:\n\n> It turns out fill\\_directory returns"), "\(body)")
        #expect(body.contains("Fix the code the comment above the test points at"))
        // A count that is still true stays.
        #expect(
            Wording.withoutStaleCounts("Two.\n\nThe 1 failing test shows it.", tests: 1)
                == "Two.\n\nThe 1 failing test shows it.")
        #expect(Wording.withoutStaleCounts("Two.\n\n3 tests fail here.", tests: 1) == "Two.")
    }

    @Test("known breakages a shell suite records are a bug to fix, never tests to decide on")
    func knownBreakages() {
        let commit = CommitReference(
            hash: "45bde58ef8a1", subject: "grep: demonstrate bug with textconv attributes and submodules",
            date: Date(timeIntervalSince1970: 1_632_900_000),
            body: "A fix will probably require three changes, see https://example.com/plan.\n\n- grep.c must pass "
                + "the repo field (@alice knows)")
        let breakages = Signal(
            kind: .brokenTest, severity: .medium, identity: ["t/t7814-grep-recurse-submodules.sh"],
            summary: "t/t7814-grep-recurse-submodules.sh: 2 tests marked expected to fail",
            evidence: Evidence(
                locations: [10, 30].map {
                    SourceLocation(
                        path: "t/t7814-grep-recurse-submodules.sh", startLine: $0,
                        excerpt: "test_expect_failure 'grep --textconv: superproject .gitattributes' '")
                }, commits: [commit], metrics: [Metric("tests", 2)]))
        let make = Toolchain(ecosystem: "make", buildCommand: "make", testCommand: "make test", testFolder: "t")
        let issue = draft([breakages], toolchain: make)
        #expect(issue.title == "Fix the 2 known breakages recorded in t/t7814-grep-recurse-submodules.sh")
        #expect(issue.body.contains("`test_expect_success`"))
        #expect(issue.body.contains("grep: demonstrate bug with textconv attributes and submodules"))
        // The commit's own words about the bug are quoted, inert: no link, no mention that notifies anyone.
        #expect(
            issue.body.contains("Its message says:\n\n> A fix will probably require three changes, see (link removed)"))
        #expect(issue.body.contains(">\n> - grep.c must pass the repo field (@\u{2060}alice knows)"))
        #expect(!issue.body.contains("skipped") && !issue.title.contains("Decide"))
        #expect(issue.labels.contains("bug"))

        // When the file records more known breakages than those whose commits said they show a bug, the title
        // counts both.
        var some = breakages
        some.evidence.metrics.append(Metric("recorded-breakages", 7))
        let partial = draft([some], toolchain: make)
        #expect(partial.title == "Fix 2 of the 7 known breakages recorded in t/t7814-grep-recurse-submodules.sh")
        #expect(partial.body.contains("records 7 known breakages in all"))

        // A test marked to fail is not called skipped.
        let expected = Signal(
            kind: .brokenTest, severity: .medium, identity: ["tests/test_chain.py"],
            summary: "tests/test_chain.py: 1 test marked expected to fail",
            evidence: Evidence(
                locations: [
                    SourceLocation(
                        path: "tests/test_chain.py", startLine: 41, excerpt: "@pytest.mark.xfail",
                        symbol: "test_group_chaining")
                ], metrics: [Metric("tests", 1)]))
        let python = Toolchain(ecosystem: "python", testCommand: "pytest", testFramework: "pytest", testFolder: "tests")
        let chained = draft([expected], toolchain: python)
        #expect(chained.title == "Decide on test_group_chaining, marked to fail in test_chain.py")
        #expect(chained.body.contains("has a test marked to fail") && !chained.body.contains("fail or skipped"))
    }

    @Test("a skipped test's stated reason says what is left: behaviour to implement, or a CI run to mend")
    func skipReasons() {
        func skipped(_ excerpt: String, _ name: String) -> Signal {
            Signal(
                kind: .brokenTest, severity: .medium, identity: ["tests/test_cli.py"],
                summary: "tests/test_cli.py: 1 test skipped",
                evidence: Evidence(
                    locations: [
                        SourceLocation(path: "tests/test_cli.py", startLine: 9, excerpt: excerpt, symbol: name)
                    ],
                    commits: [
                        CommitReference(
                            hash: "b879d38b072c", subject: "Test case for Host header removal",
                            date: Date(timeIntervalSince1970: 1_479_900_000))
                    ], metrics: [Metric("tests", 1)]))
        }
        let python = Toolchain(ecosystem: "python", testCommand: "pytest", testFramework: "pytest", testFolder: "tests")
        let missing = draft(
            [skipped("@pytest.mark.skip('unimplemented')", "test_unset_host_header")], toolchain: python)
        #expect(missing.title == "Implement what test_unset_host_header expects (skipped as unimplemented)")
        #expect(missing.labels.contains("enhancement"))
        #expect(missing.body.contains("with the reason `unimplemented`"))
        #expect(missing.body.contains("`b879d38b07`, `Test case for Host header removal`"))
        let ci = draft([skipped("@pytest.mark.skip(reason='Doesn’t work in CI')", "test_upgrade")], toolchain: python)
        #expect(ci.title == "Make test_upgrade run on CI again (skipped: Doesn’t work in CI)")
        #expect(ci.body.contains("fix the test or the CI environment"))
        let flaky = draft(
            [skipped("@pytest.mark.skip(reason='flaky: the event does not always arrive')", "test_wait")],
            toolchain: python)
        #expect(flaky.title == "Make test_wait reliable and run it again (skipped as flaky)")
        #expect(flaky.body.contains("Run the test repeatedly with the marker removed (`pytest`)"))
        #expect(!flaky.body.contains("on CI"))
        // A skip that asks a question is no plan to implement: the answer may be to delete the test.
        let asked = draft(
            [skipped("@pytest.mark.skip(reason='TODO: is --legacy still supported?')", "test_legacy")],
            toolchain: python)
        #expect(asked.title == "Answer the skipped test's question in test_cli.py: is --legacy still supported?")
        #expect(asked.body.contains("delete the test and say so in the commit message"))
        #expect(!asked.labels.contains("enhancement"))
        // A later change named like the test may be the answer: the issue sends the reader to it first.
        var answered = skipped("@pytest.mark.skip(reason='TODO: is --legacy still supported?')", "test_legacy")
        answered.evidence.commits.append(
            CommitReference(
                hash: "6dc4371c0123", subject: "Run the legacy hooks again",
                date: Date(timeIntervalSince1970: 1_780_000_000)))
        answered.evidence.metrics.append(Metric("later-changes", 1))
        let pointed = draft([answered], toolchain: python).body
        #expect(
            pointed.contains("Later, `6dc4371c01` (2026-05-28), `Run the legacy hooks again`, changed this file"),
            "\(pointed)")
        #expect(pointed.contains("Read `6dc4371c01` first. If it settled the question, update the test"))
        #expect(pointed.contains("`test_legacy` in `tests/test_cli.py` line 9 is skipped"), "\(pointed)")
        let other = draft([skipped("@unittest.skip(\"slow on Windows\")", "test_big")], toolchain: python)
        #expect(other.title == "Decide on test_big, skipped in test_cli.py")
        #expect(other.body.contains("with the reason `slow on Windows`"))
        // A test's name is not its reason, and metrics are not listed: the context states the numbers.
        #expect(Wording.skipReason("it.skip('removes undefined headers', async () => {") == nil)
        #expect(!other.body.contains("tests: 1"))
        #expect(Wording.skipReason(#"#[ignore = "This test is flaky on macOS"]"#) == "This test is flaky on macOS")
        #expect(Wording.skipReason(#"@Test(.disabled("needs a network"))"#) == "needs a network")

        // Several tests whose markers give reasons: the reasons are quoted, never "the marker says neither".
        var two = skipped(#"#[ignore = "This test is flaky"]"#, "shutdown_write")
        two.evidence.locations.append(
            SourceLocation(path: "tests/test_cli.py", startLine: 30, excerpt: "@unittest.skip(\"slow on Windows\")"))
        two.evidence.metrics = [Metric("tests", 2)]
        let both = draft([two], toolchain: python)
        #expect(both.body.contains("the markers give `This test is flaky`, `slow on Windows` as the reason"))
        #expect(!both.body.contains("says neither"))

        // A comment right above the marker is its author's explanation: quoted, never "the marker says neither".
        var explained = skipped("it.failing('`context` option is enumerable', async t => {", "context")
        explained.evidence.locations[0].commentAbove =
            "The feature was never fully implemented because it breaks other tests."
        let commented = draft([explained], toolchain: python)
        #expect(
            commented.body.contains(
                "The comment above it reads: `The feature was never fully implemented because it breaks other tests.`"))
        #expect(!commented.body.contains("says neither"))
        #expect(commented.body.contains("if the restriction is intended"))
        // One that points at another project's issue asks whether that is fixed, by the issue's inert name.
        explained.evidence.locations[0].commentAbove = "See https://github.com/nodejs/node/issues/35237"
        let upstream = draft([explained], toolchain: python)
        #expect(upstream.body.contains("The comment points at `nodejs/node#35237`. Check whether that is fixed"))
        #expect(!upstream.body.contains("https://"))
        #expect(PlainWriter.upstreamIssue("needs a fix of encode/httpx#12 first") == "encode/httpx#12")
        #expect(PlainWriter.upstreamIssue("see #12") == nil)

        // A later change to the file and the code, naming what the test is about: the skip may be stale.
        var stale = skipped("@pytest.mark.skip('unimplemented')", "test_unset_host_header")
        stale.evidence.commits.append(
            CommitReference(
                hash: "cbe53ed79a62a02c", subject: "Avoid override of headers by urllib3 when unset (#1502)",
                date: Date(timeIntervalSince1970: 1_684_533_206)))
        stale.evidence.metrics.append(Metric("later-changes", 1))
        let recheck = draft([stale], toolchain: python)
        #expect(recheck.title == "Remove the skip from test_unset_host_header if cbe53ed7 made it pass")
        #expect(
            recheck.body.contains("Later, `cbe53ed79a` (2023-05-19), `Avoid override of headers"), "\(recheck.body)")
        #expect(recheck.body.contains("Remove the marker and run the test (`pytest`)"))
        #expect(recheck.body.contains("- [ ] It passes, or its marker names what is still missing"))
    }

    @Test("a note whose wait for an old runtime is over says what the manifest requires, in title and body")
    func runtimeWaitOver() {
        let note = "use b.Loop() once updated to Go 1.24"
        let sites = [("number_test.go", 276), ("cast_test.go", 39)].map { path, line in
            Signal(
                kind: .marker, severity: .medium, identity: [path, "TODO", note],
                summary: "TODO in \(path):\(line), unchanged for 553 days: \(note)",
                evidence: Evidence(
                    locations: [SourceLocation(path: path, startLine: line, excerpt: "// TODO: \(note)")],
                    metrics: [Metric("occurrences", 1), Metric("age-days", 553), Metric("runtime-requirement-met", 1)]))
        }
        var go = Toolchain(ecosystem: "go", testCommand: "go test ./...")
        go.runtimeRequirements = [
            .init(runtime: "go", version: "1.24.0", path: "go.mod", line: 3, excerpt: "go 1.24.0")
        ]
        let issue = draft(sites, toolchain: go)
        #expect(issue.title == "Use b.Loop(): go.mod requires Go 1.24.0")
        #expect(
            issue.body.contains(
                "It waits until the project no longer supports Go before 1.24. That time has come: `go.mod` requires "
                    + "Go 1.24.0 (line 3: `go 1.24.0`)."), "\(issue.body)")
        #expect(issue.body.contains("`number_test.go` line 276, `cast_test.go` line 39"))
        #expect(issue.body.contains("- [ ] `go test ./...` passes"))
        // Without the manifest's word the issue is the plain note's.
        #expect(draft(sites, toolchain: Toolchain(ecosystem: "go")).title.hasPrefix("Resolve the TODO copied into 2"))
    }

    @Test("a note that opens with a drawing is titled from its first word")
    func drawnNote() {
        let title = Wording.markerTitle(
            "~~~~~~~~       ~~~~~~~~~~~~~~~ should not be emitted twice", kind: .defect, word: "FIXME",
            file: "tests/integration_tests.rs")
        #expect(title == "tests/integration_tests.rs: should not be emitted twice")
        #expect(
            Wording.markerTitle("(a) no drawing", kind: .defect, word: "FIXME", file: "a.rs")
                == "a.rs: (a) no drawing")
    }

    @Test("each untested fix shows where its change reads today, and a function two fixes changed is named")
    func hotspotChanges() {
        var hotspot = signal(.defectHotspot, .medium, path: "include/fmt/format.h")
        hotspot.evidence.metrics = [Metric("untested-fixes", 3), Metric("fix-commits", 160), Metric("commits", 1822)]
        let fixes = ["Fix exponent size computation", "Fix the exponent's sign", "Fix module fmt::join"].enumerated()
            .map {
                CommitReference(
                    hash: String(repeating: "\($0.offset + 1)", count: 40), subject: $0.element, date: Date())
            }
        hotspot.evidence.commits = fixes
        hotspot.evidence.locations += [
            SourceLocation(
                path: "include/fmt/format.h", startLine: 1582, excerpt: "if (abs_exp < 100) return prefix_size + 2;",
                symbol: "compute_exp_size", commit: fixes[0].hash),
            SourceLocation(
                path: "include/fmt/format.h", startLine: 1580, excerpt: "auto abs_exp = exp >= 0 ? exp : -exp;",
                symbol: "compute_exp_size", commit: fixes[1].hash),
        ]
        let body = draft([hotspot], remote: nil).body
        #expect(
            body.contains(
                "- Commit `1111111111` (\(PlainWriter.day(Date()))): Fix exponent size computation\n"
                    + "  - `include/fmt/format.h:1582`, in `compute_exp_size`: `if (abs_exp < 100) return prefix_size + 2;`\n"
                    + "- Commit `2222222222`"), "\(body)")
        // The third fix has no line today that tells: it is listed alone.
        #expect(body.contains("Fix module fmt::join\n\n## Proposed change"), "\(body)")
        #expect(body.contains("one that runs the line listed under the commit and fails without the fix"))
        #expect(body.contains("2 of the fixes changed `compute_exp_size`: consider whether it needs simplifying."))
        // Without lines, no function is named and nothing is said of simplifying.
        hotspot.evidence.locations.removeLast(2)
        let plain = draft([hotspot], remote: nil).body
        #expect(!plain.contains("simplifying") && !plain.contains("listed under the commit"), "\(plain)")
    }

    @Test("a note over a skipped test asks for the skip to go, so deleting the note alone does not close the issue")
    func noteOverSkippedTest() {
        let note = Signal(
            kind: .marker, severity: .medium,
            identity: ["test/transport/module-link.test.js", "TODO", "make this test pass on windows"],
            summary: "TODO in test/transport/module-link.test.js:43,71: make this test pass on Windows",
            evidence: Evidence(
                locations: [43, 71].map {
                    SourceLocation(
                        path: "test/transport/module-link.test.js", startLine: $0,
                        excerpt: "// TODO make this test pass on Windows",
                        codeBelow:
                            "test('pino.transport with package', { skip: isWin }, async (t) => {\n  const destination = file()"
                    )
                }))
        let npm = Toolchain(ecosystem: "npm", testCommand: "npm test", testFolder: "test")
        let body = draft([note], toolchain: npm).body
        #expect(
            body.contains(
                "The note sits over a skipped test (`test('pino.transport with package', { skip: isWin }, async (t) => {`)"
            ),
            "\(body)")
        #expect(
            body.contains("runs without its skip and passes with `npm test`, in every environment the skip left out"))
        #expect(!body.contains("delete the note and say why"))
    }

    @Test("a defect hotspot whose path would cut the title is named by its file")
    func hotspotTitle() {
        var hotspot = signal(.defectHotspot, .medium, path: "src/make_unicode_property_data.py")
        hotspot.evidence.metrics = [Metric("untested-fixes", 2), Metric("fix-commits", 6), Metric("commits", 34)]
        #expect(
            draft([hotspot], remote: nil).title
                == "Add regression tests for 2 untested bug fixes in make_unicode_property_data.py")
    }

    @Test("a file in a language the ecosystem's test command does not run is not sent to that command")
    func testCommandOfTheFilesLanguage() {
        var hotspot = signal(.defectHotspot, .high, path: "shell/key-bindings.zsh")
        hotspot.evidence.metrics = [Metric("untested-fixes", 4), Metric("fix-commits", 25), Metric("commits", 116)]
        let go = Toolchain(ecosystem: "go", testCommand: "go test ./...")
        let shell = draft([hotspot], toolchain: go)
        #expect(!shell.body.contains("go test"), "\(shell.body)")
        #expect(shell.body.contains("- [ ] The tests pass"))
        hotspot.evidence.locations = [SourceLocation(path: "src/terminal.go")]
        #expect(draft([hotspot], toolchain: go).body.contains("- [ ] `go test ./...` passes"))
    }

    @Test("a Go package in a folder like src is named by its import path")
    func goPackageName() {
        let signal = Signal(
            kind: .undocumentedCode, severity: .medium, identity: ["module", "Go", "src"],
            summary: "Go module src: 14 public declarations in 8 files have no documentation comment",
            evidence: Evidence(
                locations: (1...14).map { SourceLocation(path: "src/f\($0).go", startLine: 3, excerpt: "func F() {}") },
                metrics: [Metric("undocumented", 14), Metric("files", 8)]))
        let go = Toolchain(ecosystem: "go", testCommand: "go test ./...", packageName: "github.com/junegunn/fzf")
        #expect(
            draft([signal], toolchain: go).title
                == "Document the 14 undocumented public declarations of github.com/junegunn/fzf/src")
    }

    @Test("a marker issue is titled by its note and asks for a test when it marks a defect")
    func markerWording() {
        let fixme = Signal(
            kind: .marker, severity: .high, identity: ["src/table.c", "FIXME", "the table never shrinks"],
            summary: "FIXME in src/table.c:42, unchanged for 2000 days: the table never shrinks",
            evidence: Evidence(
                locations: [
                    SourceLocation(path: "src/table.c", startLine: 42, excerpt: "/* FIXME: the table never shrinks */")
                ],
                commits: [
                    CommitReference(
                        hash: String(repeating: "a", count: 40), subject: "Add table",
                        date: Date(timeIntervalSince1970: 0))
                ],
                metrics: [Metric("occurrences", 1), Metric("age-days", 2000)]))
        let make = Toolchain(ecosystem: "make", buildCommand: "make", testCommand: "make check")
        let issue = draft([fixme], toolchain: make)
        #expect(issue.title == "src/table.c: the table never shrinks")
        #expect(issue.body.contains("unchanged since 1970-01-01 (2000 days)"))
        #expect(issue.body.contains("Add a test that shows the problem (run with `make check`)"))
        // The code under the note is shown once, fenced in the file's language, inert, and never ended early by
        // its own backticks.
        var shown = fixme
        shown.evidence.locations[0].codeBelow = "grow(table);\nlog(\"see https://evil.example.com ```\");"
        shown.evidence.locations.append(
            SourceLocation(
                path: "src/table.c", startLine: 90, excerpt: "/* FIXME: the table never shrinks */",
                codeBelow: "grow(other);"))
        let quoting = draft([shown], toolchain: make)
        #expect(
            quoting.body.contains(
                "- `src/table.c:42`: `/* FIXME: the table never shrinks */`\n\n  ````c\n  grow(table);\n"
                    + "  log(\"see (link removed) ```\");\n  ````\n"), "\(quoting.body)")
        #expect(!quoting.body.contains("grow(other)"))
        // Code that reads like a credential is not quoted.
        shown.evidence.locations[0].codeBelow = "let key = \"ghp_" + "R7tK2mQ9xLp4Vw8NzB3cYh6JdF1sGa5Ue0Tq\""
        #expect(!draft([shown], toolchain: make).body.contains("ghp_"))
        // A note in a test that doubts the test's own expectation asks which behaviour is intended, not for a fix.
        let doubt = Signal(
            kind: .marker, severity: .medium, identity: ["src/tests/recursive.rs", "FIXME", "this test seems wrong"],
            summary: "FIXME in src/tests/recursive.rs:850: This test seems wrong. It should return nothing!",
            evidence: Evidence(
                locations: [
                    SourceLocation(
                        path: "src/tests/recursive.rs", startLine: 850,
                        excerpt: "// FIXME: This test seems wrong. It should return nothing!",
                        symbol: "min_max_depth_diff_nada")
                ]))
        let decide = draft([doubt], toolchain: make)
        #expect(decide.title == "Decide what min_max_depth_diff_nada should expect in recursive.rs")
        #expect(decide.body.contains("The note doubts what the test expects"))
        #expect(!decide.labels.contains("bug"))
        #expect(Wording.doubtsTheTest("This test seems wrong. It should return nothing!"))
        #expect(!Wording.doubtsTheTest("This test case fails because the parser drops the flag"))
        // A note that says the test asserts the wrong behaviour on purpose leaves nothing to decide: fix the code.
        var pinned = doubt
        let documentation =
            "'git checkout' behaves incorrectly in the case of directory/file conflicts, even without sparse-checkout. "
            + "Use this test only as a documentation of the incorrect behavior, not a measure of how it _should_ behave."
        pinned.summary = "NEEDSWORK in t/t1092-sparse-checkout-compatibility.sh:2002: " + documentation
        pinned.evidence.locations = [
            SourceLocation(
                path: "t/t1092-sparse-checkout-compatibility.sh", startLine: 2002,
                excerpt: "# NEEDSWORK: 'git checkout' behaves incorrectly in the case of")
        ]
        let fix = draft([pinned], toolchain: make)
        #expect(fix.body.contains("the test pins behaviour that is wrong, on purpose"), "\(fix.body)")
        #expect(!fix.body.contains("Decide"))
        // A question is answered, a workaround retired: neither asks for a test of a problem.
        let question = Signal(
            kind: .marker, severity: .high, identity: ["a.swift", "FIXME", "why is this safe?"],
            summary: "FIXME in a.swift:3: why is this safe?",
            evidence: Evidence(locations: [SourceLocation(path: "a.swift", startLine: 3)]))
        let asked = draft([question], toolchain: make)
        #expect(asked.title == "Answer the FIXME in a.swift: why is this safe?")
        // A statement that opens with an auxiliary is no question.
        let statement = Signal(
            kind: .marker, severity: .high, identity: ["src/util.c", "XXX", "can be removed, handled by tzload()"],
            summary: "XXX in src/util.c:1027: Can be removed, handled by tzload()",
            evidence: Evidence(locations: [SourceLocation(path: "src/util.c", startLine: 1027)]))
        #expect(draft([statement], toolchain: make).title == "src/util.c: Can be removed, handled by tzload()")
        #expect(asked.body.contains("The note asks a question the code never answered"))
        #expect(!asked.body.contains("Add a test"))
        let workaround = Signal(
            kind: .marker, severity: .high, identity: ["a.swift", "FIXME", "works around a crash"],
            summary:
                "FIXME in a.swift:3: works around a crash in https://github.com/acme/api/issues/338, see https://evil.example.com/x",
            evidence: Evidence(locations: [SourceLocation(path: "a.swift", startLine: 3)]))
        let retired = draft([workaround], toolchain: make)
        #expect(retired.body.contains("works around a problem elsewhere"))
        #expect(
            retired.body.contains("`works around a crash in acme/api#338, see (link removed)`"),
            "an issue address stays as a reference; others go")
        #expect(!retired.body.contains("example.com"))
    }

    @Test("one note copied into many files is one task listing every place")
    func copiedNote() {
        let copies = (1...20).map { index in
            Signal(
                kind: .marker, severity: .low, identity: ["tests/t\(index).py", "TODO", "remove the sys.path hack"],
                summary: "TODO in tests/t\(index).py:1: remove the sys.path hack",
                evidence: Evidence(locations: [
                    SourceLocation(
                        path: "tests/t\(index).py", startLine: 1, excerpt: "# TODO: remove the sys.path hack")
                ]))
        }
        let issue = draft(copies, toolchain: Toolchain())
        #expect(issue.title == "Resolve the TODO copied into 20 files: remove the sys.path hack")
        #expect((1...20).allSatisfy { issue.body.contains("tests/t\($0).py:1") })
        #expect(issue.body.contains("No tracked file contains the note"))
        #expect(issue.body.contains("Fix the cause once"))

        // The same note over different code asks for the change at each place, not for a shared helper.
        let sites = [("builtin/clone.c", "cmd_clone"), ("builtin/submodule--helper.c", "init_submodule")].map {
            path, symbol in
            Signal(
                kind: .marker, severity: .high, identity: [path, "NEEDSWORK", "per-worktree config"],
                summary: "NEEDSWORK in \(path):10: In a multi-working-tree world, this needs to be set in the "
                    + "per-worktree config",
                evidence: Evidence(locations: [SourceLocation(path: path, startLine: 10, symbol: symbol)]))
        }
        let separate = draft(sites, toolchain: Toolchain())
        // No clause of the note fits beside the count without leaving only its condition: the files are named.
        #expect(separate.title == "Resolve the NEEDSWORK copied into clone.c and submodule--helper.c")
        #expect(separate.body.contains("different code at each place"))
        #expect(separate.body.contains("`cmd_clone`") && separate.body.contains("`init_submodule`"))
        #expect(!separate.body.contains("common helper"))

        // A note that says what to do, too long beside the prefix and with file names too long to list, is the
        // title itself.
        let moves = ["UniqueArray+Insertions.swift", "UniqueArray+Replacements.swift"].map { name in
            Signal(
                kind: .marker, severity: .high,
                identity: ["Sources/BasicContainers/\(name)", "FIXME", "avoid moving the subsequent elements twice."],
                summary: "FIXME in Sources/BasicContainers/\(name):44: Avoid moving the subsequent elements twice.",
                evidence: Evidence(locations: [SourceLocation(path: "Sources/BasicContainers/\(name)", startLine: 44)]))
        }
        #expect(draft(moves, toolchain: Toolchain()).title == "Avoid moving the subsequent elements twice (2 files)")
    }

    @Test("a missing licence names the one the manifest declares")
    func licence() {
        let missing = Signal(
            kind: .missingProjectFile, severity: .medium, identity: ["license"],
            summary: "The repository has no LICENSE file", evidence: Evidence())
        let issue = draft([missing], toolchain: Toolchain(ecosystem: "npm", declaredLicense: "MIT"))
        #expect(issue.title == "Add a LICENSE file (the manifest declares MIT)")
        #expect(issue.body.contains("Add the full text of the MIT licence as `LICENSE` at the root."))
    }

    @Test("the fingerprint depends on the evidence, not on the order of signals")
    func fingerprint() {
        let first = signal(.marker, .low, path: "a.swift", line: 1)
        let second = signal(.marker, .low, path: "a.swift", line: 2)
        #expect(draft([first, second], remote: nil).fingerprint == draft([second, first], remote: nil).fingerprint)
        #expect(draft([first], remote: nil).fingerprint != draft([second], remote: nil).fingerprint)
    }
}

@Suite("Marker titles")
struct MarkerTitleTests {
    @Test("a note whose wait a later commit may have ended is titled by what it asks and that commit")
    func waitTitles() {
        #expect(
            Wording.waitTitle(
                "Re-enable this test once inner literal extraction works.", symbol: "candidate_lines",
                file: "crates/regex/src/matcher.rs", commit: "ca740d9a", word: "FIXME")
                == "Re-enable candidate_lines test: ca740d9a may have done what it waits for")
        #expect(
            Wording.waitTitle(
                "Use the typed API when it is fixed", symbol: nil, file: "src/a.c", commit: "0123abcd", word: "TODO")
                == "Use the typed API: 0123abcd may have done what it waits for")
        #expect(
            Wording.waitTitle("Remove", symbol: nil, file: "src/a.c", commit: "0123abcd", word: "TODO")
                == "src/a.c: 0123abcd may have done what the TODO waits for")
    }

    @Test(
        "a note's title is what it asks, named by file, cut at a clause, and never cut mid-clause",
        arguments: [
            (
                "Make this strongly-typed (no any)", MarkerNote.task, "source/utils/merge.ts",
                "Make this strongly-typed (no any) in source/utils/merge.ts"
            ),
            (
                "Adding this property works around the crasher described in "
                    + "https://github.com/apple/swift-argument-parser/issues/338",
                .workaround, "OptionGroup.swift",
                "Revisit the workaround in OptionGroup.swift"
            ),
            (
                "This test case fails, returning the error unknown command foo for root instead of unknown flag",
                .defect, "command_test.go", "command_test.go: This test case fails"
            ),
            (
                "the table never shrinks after deletions, so long-running servers grow without bound",
                .defect, "src/table.c", "src/table.c: the table never shrinks after deletions"
            ),
            (
                "more tests needed for weird unicode stuff (e.g. utf16 pairs). Also surrogates.", .task,
                "tests/jq.test", "tests/jq.test: more tests needed for weird unicode stuff (e.g. utf16 pairs)"
            ),
            (
                "handle timeouts, e.g. slow servers. Then retry", .task, "src/net.c",
                "Handle timeouts, e.g. slow servers in src/net.c"
            ),
            // A note that opens with a condition says its task after it: cut at the comma, only the condition is
            // left ("builtin/clone.c: In a multi-working-tree world"), so the title names the note instead.
            (
                "In a multi-working-tree world, this needs to be set in the per-worktree config.", .task,
                "builtin/clone.c", "Resolve the FIXME in clone.c"
            ),
            (
                "If we are trying to use protocol v2 and we are planning to push, then fallback to v0", .task,
                "connect.c", "Resolve the FIXME in connect.c"
            ),
            // A clause never ends on the word that opens the next one.
            (
                "Don't automatically sever the connection, rather, allow to ignore <x> responses before the queue "
                    + "is clear, then do the magic", .task, "async.c",
                "async.c: Don't automatically sever the connection"
            ),
            // An instruction or a defect that fits alone, without the file beside it, is the title.
            (
                "return [UnsupportedConfigError] if the registry does not contain the format", .task, "viper.go",
                "Return [UnsupportedConfigError] if the registry does not contain the format"
            ),
            (
                "'git checkout' behaves incorrectly in the case of directory/file conflicts, even without "
                    + "sparse-checkout.", .defect, "t/t1092-sparse-checkout-compatibility.sh",
                "'git checkout' behaves incorrectly in the case of directory/file conflicts"
            ),
            // 80 characters is one too many: the title check allows 79.
            (
                "Re-enable this test once inner literal extraction works in all modes", .task,
                "crates/regex/src/matcher.rs", "Re-enable this test once inner literal extraction works in all modes"
            ),
        ])
    func titles(note: String, kind: MarkerNote, file: String, title: String) {
        #expect(Wording.markerTitle(note, kind: kind, word: "FIXME", file: file) == title)
        #expect(Wording.markerTitle(note, kind: kind, word: "FIXME", file: file).count <= 79)
        #expect(!Wording.markerTitle(note, kind: kind, word: "FIXME", file: file).hasSuffix("…"))
    }

    @Test(
        "a test's name reads as the behaviour it checks; short or odd names describe none",
        arguments: [
            (
                "TestUnknownFlagShouldReturnSameErrorRegardlessOfArgPosition",
                "Unknown flag should return same error regardless of arg position"
            ),
            ("test_empty_input_is_rejected", "Empty input is rejected"),
            ("testHTTPRedirectKeepsTheMethod", "HTTP redirect keeps the method"),
            ("testParse", nil), ("TestRun", nil), ("test_a$b_c_d", nil), ("min_max_depth_diff_nada", nil),
        ] as [(String, String?)])
    func testBehaviour(name: String, behaviour: String?) {
        #expect(Wording.testBehaviour(name) == behaviour)
    }

    @Test("with the code it is about, a note's title names it instead of \"this\"")
    func symbols() {
        #expect(
            Wording.markerTitle(
                "Make this strongly-typed (no `any`)", kind: .task, word: "TODO", file: "source/utils/merge.ts",
                symbol: "deepMergeInternal")
                == "Make deepMergeInternal strongly-typed (no any) in source/utils/merge.ts")
        #expect(
            Wording.markerTitle(
                "Adding this property works around the crasher in #338", kind: .workaround, word: "FIXME",
                file: "Parsable Properties/OptionGroup.swift", symbol: "_dummy")
                == "Check whether the _dummy workaround in OptionGroup.swift is still needed")
        #expect(
            Wording.markerTitle(
                "This test can be moved to tests/jq.test _now_", kind: .task, word: "TODO", file: "t.sh")
                == "t.sh: This test can be moved to tests/jq.test now")
    }
}

@Suite("Review reasons")
struct ReviewReasonTests {
    @Test("a small model's loop is not a reason a person reads; a sentence is")
    func degenerate() {
        #expect(ModelWriter.isDegenerate("1. Testing: Testing: Testing: Testing: Testing: Testing: Testing: Testing:"))
        #expect(
            !ModelWriter.isDegenerate("The evidence cites Sources/App/Main.swift:12, which holds the ignored error."))
        #expect(!ModelWriter.isDegenerate("too short"))
    }
}
