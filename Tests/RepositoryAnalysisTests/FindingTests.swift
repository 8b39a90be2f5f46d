import Foundation
import RepositoryAnalysis
import Testing
import TicketMasterTesting

/// The signals maintainers asked for, each on a real repository: a case that must fire and a near miss that must
/// not.
@Suite("Findings")
struct FindingTests {
    private func metrics(_ signal: Signal) -> [String: Double] {
        Dictionary(signal.evidence.metrics.map { ($0.name, $0.value) }) { first, _ in first }
    }

    @Test("a file bug fixes keep touching is a defect hotspot; prefix, debug and typo commits are not fixes")
    func defectHotspot() async throws {
        try await withRepository { repository in
            try repository.write("let start = 0\n", to: "Sources/App/Start.swift")
            try await repository.commit("Start", date: Day.at(-600))
            let subjects = [
                "Fix crash on empty input", "fix: handle escaped quotes", "Parser drops the last line (closes #12)",
                "Fix the regression in quoting", "Handle tabs", "Fix overflow in column numbers",
            ]
            // Each change adds a line and keeps the earlier ones, as fixes do.
            let parses = subjects.indices.map { "let parse\($0) = \($0)\n" }
            for (index, subject) in subjects.enumerated() {
                try repository.append(parses[index], to: "Sources/App/Parser.swift")
                try await repository.commit(subject, date: Day.at(Double(index * 10)))
            }
            try repository.write(parses.dropLast().joined(), to: "Sources/App/Parser.swift")
            try await repository.commit("Revert \"Fix overflow in column numbers\"", date: Day.at(60))
            // A "fix" of the comments changes no behaviour, and reverting a build change (the pull request's number
            // after the quotes) fixed no bug.
            try repository.write("// Parses lines.\n" + parses.dropLast().joined(), to: "Sources/App/Parser.swift")
            try await repository.commit("Fix layout of the parser's comment", date: Day.at(62))
            try repository.write(
                "// Parses lines.\n" + parses.dropLast().joined() + " \n", to: "Sources/App/Parser.swift")
            try repository.write("build:\n\tswift build\n", to: "Makefile")
            try await repository.commit("Revert \"Move to the standard build idiom (#31)\" (#35)", date: Day.at(64))
            for (index, subject) in [
                "Add a prefix option", "More debug logging", "Fix typo", "Suffix support", "Prefixes",
            ]
            .enumerated() {
                try repository.write("let format = \(index)\n", to: "Sources/App/Format.swift")
                try await repository.commit(subject, date: Day.at(Double(70 + index)))
            }
            // A test harness named as a test (`calc_test.c`) is a test in any language: never a hotspot itself.
            for index in 0..<5 {
                try repository.write("int check_\(index)(void);\n", to: "src/calc_test.c")
                try await repository.commit("Fix overflow in check \(index)", date: Day.at(Double(80 + index)))
            }
            // A wide fix that touches a file in passing (one line of six files' change) is not that file's bug.
            for index in 0..<5 {
                for name in ["A", "B", "C", "D"] {
                    try repository.write(
                        (0..<20).map { "let \(name.lowercased())\($0) = \(index)" }.joined(separator: "\n"),
                        to: "Sources/App/\(name).swift")
                }
                try repository.write("let shared = \(index)\n", to: "Sources/App/Shared.swift")
                try await repository.commit("Fix leaks in the loaders \(index)", date: Day.at(Double(90 + index)))
            }
            let report = try await analyze(repository.url)
            let hotspots = report.signals.filter { $0.kind == .defectHotspot }
            #expect(!hotspots.contains { $0.evidence.locations.first?.path == "Sources/App/Shared.swift" })
            #expect(hotspots.map(\.evidence.locations.first?.path).contains("Sources/App/Parser.swift"))
            let parser = hotspots.first { $0.evidence.locations.first?.path == "Sources/App/Parser.swift" }
            let facts = metrics(try #require(parser))
            // Five fixes, none of which changed a test. The revert undoes one: it is no fix of its own, and the fix
            // it reverted left no change behind to test.
            #expect(facts["fix-commits"] == 5)
            #expect(facts["untested-fixes"] == 4)
            #expect(facts["reverted-fixes"] == 1)
            #expect(parser?.severity == .high)
        }
    }

    @Test("a fix tested in its pull request's other commits, or one its message calls unreachable, is not untested")
    func testedFixes() async throws {
        try await withRepository { repository in
            let ada = TemporaryGitRepository.Author(name: "Ada", email: "ada@example.com")
            let bob = TemporaryGitRepository.Author(name: "Bob", email: "bob@example.com")
            try repository.write("let start = 0\n", to: "Sources/App/Start.swift")
            try await repository.commit("Start", date: Day.at(-600))
            let fixes = [
                "Fix crash on empty input", "Fix escaped quotes", "Fix the regression in quoting",
                "Fix overflow in column numbers", "Fix a read past the table\n\nUnreachable from the parser's inputs.",
            ]
            for (index, subject) in fixes.enumerated() {
                try repository.append("let parse\(index) = \(index)\n", to: "Sources/App/Parser.swift")
                try await repository.commit(subject, date: Day.at(Double(index * 10)), author: bob)
            }
            // Ada's first fix came with a test four days later, in the same pull request, merged weeks after
            // both were written: git's committer dates say day 95, the author dates 60 and 64.
            try repository.append("let tested = 1\n", to: "Sources/App/Parser.swift")
            try await repository.commit(
                "Fix parsing of nested lists", date: Day.at(60), author: ada, committed: Day.at(95))
            try repository.write("func testTabs() {}\n", to: "Tests/AppTests/ParserTests.swift")
            try await repository.commit(
                "Test nested lists", date: Day.at(64), author: ada, committed: Day.at(95))
            // A fix that makes a new toolchain release build is tested by building with it.
            try repository.append("let parse9 = 9\n", to: "Sources/App/Parser.swift")
            try await repository.commit("Fix for Go 1.24", date: Day.at(96), author: bob)
            // A fix whose author added its test months later, in a commit that says so and names the fix, was
            // tested (pflag's "fix: add test for argument length check").
            try repository.append("let parse10 = 10\n", to: "Sources/App/Parser.swift")
            try await repository.commit("fix: correct argument length check in Parse", date: Day.at(98), author: bob)
            try repository.write("func testArguments() {}\n", to: "Tests/AppTests/ArgumentTests.swift")
            try await repository.commit("fix: add test for argument length check", date: Day.at(230), author: bob)
            let report = try await analyze(repository.url)
            let parser = try #require(
                report.signals.first {
                    $0.kind == .defectHotspot && $0.evidence.locations.first?.path == "Sources/App/Parser.swift"
                })
            #expect(metrics(parser)["untested-fixes"] == 4, "\(parser.evidence.commits.map(\.subject))")
            #expect(
                parser.evidence.commits.map(\.subject).contains("Fix parsing of nested lists") == false,
                "\(parser.evidence.commits.map(\.subject))")
            #expect(parser.evidence.commits.map(\.subject).contains("Fix a read past the table") == false)
            #expect(!parser.evidence.commits.map(\.subject).contains("fix: correct argument length check in Parse"))
        }
    }

    @Test("a fix whose pull request brought a test, by anyone and months later, is tested; a branch of many is not")
    func fixTestedInItsMerge() async throws {
        try await withRepository { repository in
            let ada = TemporaryGitRepository.Author(name: "Ada", email: "ada@example.com")
            let bob = TemporaryGitRepository.Author(name: "Bob", email: "bob@example.com")
            try repository.write("let start = 0\n", to: "Sources/App/Start.swift")
            try await repository.commit("Start", date: Day.at(-600))
            for (index, subject) in ["Fix crash on empty input", "Fix escaped quotes", "Fix overflow in columns"]
                .enumerated()
            {
                try repository.append("let parse\(index) = \(index)\n", to: "Sources/App/Parser.swift")
                try await repository.commit(subject, date: Day.at(Double(index * 10)), author: bob)
            }
            // Bob's fix in a pull request; Ada adds its test two months later in the same one, and it is merged.
            try await repository.run(["checkout", "-q", "-b", "fix-nil-output"])
            try repository.append("let parse7 = 7\n", to: "Sources/App/Parser.swift")
            try await repository.commit("Fix the panic on a nil output", date: Day.at(40), author: bob)
            try repository.write("func testNilOutput() {}\n", to: "Tests/AppTests/OutputTests.swift")
            try await repository.commit("Cover nil outputs", date: Day.at(100), author: ada)
            try await repository.run(["checkout", "-q", "main"])
            try await repository.merge("fix-nil-output", date: Day.at(101))
            // A long-lived branch of 31 commits, one of them a test: that test says nothing of its fix.
            try await repository.run(["checkout", "-q", "-b", "maint"])
            try repository.append("let parse8 = 8\n", to: "Sources/App/Parser.swift")
            try await repository.commit("Fix the width of wide characters", date: Day.at(110), author: bob)
            for index in 0..<29 {
                try repository.write("let other = \(index)\n", to: "Sources/App/Other.swift")
                try await repository.commit("Tune the other part \(index)", date: Day.at(Double(111 + index)))
            }
            try repository.write("func testOther() {}\n", to: "Tests/AppTests/OtherTests.swift")
            try await repository.commit("Cover the other part", date: Day.at(150), author: ada)
            try await repository.run(["checkout", "-q", "main"])
            try await repository.merge("maint", date: Day.at(151))
            let report = try await analyze(repository.url)
            let parser = try #require(
                report.signals.first {
                    $0.kind == .defectHotspot && $0.evidence.locations.first?.path == "Sources/App/Parser.swift"
                })
            let subjects = parser.evidence.commits.map(\.subject)
            #expect(!subjects.contains("Fix the panic on a nil output"), "\(subjects)")
            #expect(subjects.contains("Fix the width of wide characters"), "\(subjects)")
            #expect(metrics(parser)["untested-fixes"] == 4, "\(subjects)")
        }
    }

    @Test("one full name from several addresses is one author; a one-word name is not matched by name")
    func authorsAcrossAddresses() async throws {
        try await withRepository { repository in
            let addresses = ["victor@home.example", "viz@work.example", "viz@next.example"]
            for (index, email) in addresses.enumerated() {
                try repository.write("let a = \(index)\n", to: "src/a.swift")
                try await repository.commit(
                    "Change \(index)", date: Day.at(Double(index)),
                    author: .init(name: "Victor Zverovich", email: email))
            }
            for (index, email) in ["one@example.com", "two@example.com"].enumerated() {
                try repository.write("let b = \(index)\n", to: "src/b.swift")
                try await repository.commit(
                    "Tune \(index)", date: Day.at(Double(10 + index)), author: .init(name: "root", email: email))
            }
            let report = try await analyze(repository.url)
            let victor = report.authors.filter { $0.name == "Victor Zverovich" }
            #expect(victor.count == 1)
            #expect(victor.first?.commits == 3)
            #expect(report.authors.filter { $0.name == "root" }.count == 2)
        }
    }

    @Test("a build script's fixes are checked by building: CMakeLists.txt is no hotspot, its C file is")
    func buildScriptsAreNoHotspots() async throws {
        try await withRepository { repository in
            try repository.write("int main(void) { return 0; }\n", to: "src/main.c")
            try await repository.commit("Start", date: Day.at(-600))
            for (index, subject) in [
                "Fix crash on empty input", "Fix escaped quotes", "Fix overflow in column numbers",
                "Fix the lookup of nested keys", "Fix the order of merged lists",
            ].enumerated() {
                try repository.write("project(a VERSION 1.\(index))\n", to: "CMakeLists.txt")
                try repository.append("int f\(index)(void) { return \(index); }\n", to: "src/main.c")
                try await repository.commit(subject, date: Day.at(Double(index * 10)))
            }
            let report = try await analyze(repository.url)
            let hotspots = report.signals.filter { $0.kind == .defectHotspot }.compactMap(
                \.evidence.locations.first?.path)
            #expect(hotspots == ["src/main.c"])
        }
    }

    @Test("only files whose fixes were read back can be hotspots of untested fixes, however long they are")
    func uncheckedFixesAreNotReported() async throws {
        try await withRepository { repository in
            try repository.write("int main(void) { return 0; }\n", to: "src/main.c")
            try await repository.commit("Start", date: Day.at(-700))
            // Seven small files with recent fixes fill the files whose fixes are read back; a long file with older
            // fixes ranks first by size, but its fixes were never read.
            for round in 0..<4 {
                for index in 0..<7 {
                    try repository.append(
                        "int f\(index)_\(round)(void) { return \(round); }\n", to: "src/small\(index).c")
                    try await repository.commit(
                        "Fix the \(index)th small case, round \(round)", date: Day.at(Double(-100 + round)))
                }
                try repository.write(
                    (0..<1000).map { "int g\($0)(void) { return \(round); }" }.joined(separator: "\n") + "\n",
                    to: "src/big.c")
                try await repository.commit("Fix the big table, round \(round)", date: Day.at(Double(-150 + round)))
            }
            let report = try await analyze(repository.url)
            let hotspots = report.signals.filter { $0.kind == .defectHotspot }.compactMap(
                \.evidence.locations.first?.path)
            #expect(!hotspots.isEmpty)
            #expect(!hotspots.contains("src/big.c"), "\(hotspots)")
        }
    }

    @Test("a Rust fix that adds a #[test] beside the code it fixes is tested")
    func inlineRustTests() async throws {
        try await withRepository { repository in
            try repository.write("pub fn start() {}\n", to: "src/main.rs")
            try repository.write(
                "pub fn key() -> u32 { 9 }\n\n\n\n\n#[cfg(test)]\nmod tests {\n}\n", to: "src/kv/key.rs")
            try await repository.commit("Start", date: Day.at(-600))
            var tests = ""
            for (index, subject) in [
                "Fix key ordering", "Fix borrowed keys", "Fix the hash of static keys", "Fix empty keys",
                "Fix key display",
            ].enumerated() {
                // The second and fourth fixes add a test to the module's own `mod tests`.
                if index % 2 == 1 { tests += "    #[test]\n    fn case_\(index)() {}\n" }
                try repository.write(
                    (0...index).map { "pub fn key\($0)() -> u32 { \($0) }\n" }.joined()
                        + "\n\n\n\n#[cfg(test)]\nmod tests {\n\(tests)}\n",
                    to: "src/kv/key.rs")
                try await repository.commit(subject, date: Day.at(Double(index * 10)))
            }
            let report = try await analyze(repository.url)
            let key = try #require(report.signals.first { $0.kind == .defectHotspot })
            #expect(metrics(key)["untested-fixes"] == 3)
            #expect(!key.evidence.commits.map(\.subject).contains("Fix borrowed keys"))
        }
    }

    @Test("tests marked to fail or skipped without a condition are broken; conditional skips and helpers are not")
    func brokenTests() async throws {
        try await withRepository { repository in
            try repository.write(
                """
                import pytest

                @pytest.mark.xfail(reason="unicode names break the parser")
                def test_unicode_names():
                    assert parse("é")

                @pytest.mark.skip
                def test_streaming():
                    pass

                @pytest.mark.skipif(sys.version_info < (3, 10), reason="needs match")
                def test_match():
                    pass

                @pytest.mark.xfail(sys.platform == "win32", reason="paths")
                def test_paths():
                    pass

                @pytest.mark.xfail(
                    PY_3_14_PLUS, reason="3.14 does not infer the type anymore."
                )
                def test_infers_type():
                    pass
                """, to: "tests/test_parser.py")
            try repository.write(
                "import pytest\nxfail_on_windows = pytest.mark.xfail(sys.platform == 'win32', reason='x')\n",
                to: "tests/conftest.py")
            try repository.write(
                "test.failing('custom method remains identical', async t => {});\ntest('works', t => {});\n"
                    + "// Fails on Node 20 because Node does not run .ts files by default.\n"
                    + "test.skip('finds a .ts subcommand', async t => {});\n"
                    + "// eslint-disable-next-line ava/no-skip-test -- Unreliable: calls the live API\n"
                    + "test.skip('revalidates from github', async t => {});\n",
                to: "test/methods.test.ts")
            // A placeholder ignored on stable toolchains, beside the test that runs on nightly, is a condition.
            try repository.write(
                "#[rustversion::not(nightly)]\n#[ignore = \"requires nightly\"]\n#[test]\nfn test_backtrace() {}\n\n"
                    + "#[test]\n#[ignore]\nfn test_flaky_retry() {}\n",
                to: "tests/test_backtrace.rs")
            try await repository.commit("Tests", date: Day.at(1))
            // A shell suite's real known breakage, and the harness's own demonstration of one.
            try repository.write(
                "test_expect_failure 'rename/add conflict resolvable' '\n\tgit merge side\n'\n"
                    + "test_expect_failure \"pretend we have a known breakage\" \"false\"\n",
                to: "t/t6422-merge.sh")
            try await repository.commit(
                "t6422: demonstrate bug in rename/add resolution\n\nA fix will have to resolve the rename first.\n\n"
                    + "Signed-off-by: A U Thor <author@example.com>\n", date: Day.at(1))
            // A breakage its commit accepts as a limitation by design: recorded, not reported.
            try repository.write(
                "test_expect_failure 'overlay with conflicting files' '\n\tgit p4 sync\n'\n", to: "t/t9809-p4.sh")
            try await repository.commit(
                "git-p4: add tests demonstrating spec overlay ambiguities\n\nThis is a fundamental problem with how\n"
                    + "git-p4 only borrows a client spec.\n", date: Day.at(1))
            // Known limitations a commit only gathered into one script: recorded, not reported.
            try repository.write(
                "test_expect_failure 'a rename of 64 KiB paths' '\n\tgit merge long\n'\n", to: "t/t6400-limits.sh")
            try await repository.commit("Collect the merge corner cases in t6400", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(
                report.brokenTests.map(\.test) == [
                    "a rename of 64 KiB paths", "rename/add conflict resolvable", "overlay with conflicting files",
                    "custom method remains identical",
                    "test_flaky_retry", "test_unicode_names", "test_streaming",
                ])
            let signals = report.signals.filter { $0.kind == .brokenTest }
            #expect(
                Set(signals.map { $0.evidence.locations.first?.path ?? "" }) == [
                    "tests/test_parser.py", "test/methods.test.ts", "tests/test_backtrace.rs", "t/t6422-merge.sh",
                ])
            #expect(report.brokenTests.allSatisfy { $0.ageDays == 99 })
            // The marking commit's message comes with the breakage, without its trailers.
            let marked = signals.first { $0.evidence.locations.first?.path == "t/t6422-merge.sh" }
            #expect(marked?.evidence.commits.last?.body == "A fix will have to resolve the rename first.")
        }
    }

    @Test("the comment right above a broken test's marker comes with it, over attributes and lint directives")
    func brokenTestComments() async throws {
        try await withRepository { repository in
            try repository.write(
                "// See https://github.com/nodejs/node/issues/35237\n"
                    + "// eslint-disable-next-line ava/no-skip-test\n"
                    + "test.skip('no unhandled body stream errors', async t => {});\n\n"
                    + "test.skip('streams twice', async t => {});\n",
                to: "test/stream.ts")
            try repository.write(
                "#[test]\n// Panics since the poll rewrite: events arrive twice.\n// Nobody has looked into it yet.\n"
                    + "#[ignore]\n#[test]\nfn reregister_twice() {}\n",
                to: "tests/poll.rs")
            try await repository.commit("Tests", date: Day.at(1))
            let report = try await analyze(repository.url)
            let comments = Dictionary(uniqueKeysWithValues: report.brokenTests.map { ($0.test, $0.commentAbove) })
            #expect(
                comments["no unhandled body stream errors"] == .some("See https://github.com/nodejs/node/issues/35237"))
            #expect(comments["streams twice"] == .some(nil))
            #expect(
                comments["reregister_twice"]
                    == .some("Panics since the poll rewrite: events arrive twice. Nobody has looked into it yet."))
            let signal = report.signals.first {
                $0.kind == .brokenTest && $0.evidence.locations.first?.path == "test/stream.ts"
            }
            #expect(
                signal?.evidence.locations.compactMap(\.commentAbove) == [
                    "See https://github.com/nodejs/node/issues/35237"
                ])
        }
    }

    @Test(
        "test code is no crash stub: a crate of test doubles, Rust items under cfg(all(test, …))",
        arguments: [
            (
                "tracing-mock/Cargo.toml", "tracing-mock/src/event.rs",
                "pub fn expect_event() {\n    unimplemented!(\"not implemented yet: feel free to implement it\")\n}\n"
            ),
            (
                "Cargo.toml", "src/field.rs",
                "pub fn field() {}\n\n#[cfg(all(test, feature = \"alloc\"))]\nmod test_util {\n"
                    + "    pub fn record() {\n        unimplemented!(\"not implemented yet\")\n    }\n}\n"
            ),
        ])
    func testCodeStubs(manifest: String, path: String, code: String) async throws {
        try await withRepository { repository in
            try repository.write("[package]\nname = \"core\"\n", to: manifest)
            try repository.write(code, to: path)
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.crashStubs.isEmpty, "\(report.crashStubs)")
        }
    }

    @Test("a skip its comment calls deprecated retires the test on purpose")
    func deprecatedSkips() async throws {
        try await withRepository { repository in
            try repository.write("module example.com/finder\n\ngo 1.22\n", to: "go.mod")
            try repository.write(
                "package finder\n\nimport \"testing\"\n\nfunc TestWindowsCommands(t *testing.T) {\n"
                    + "\t// XXX Deprecated\n\tt.SkipNow()\n}\n\nfunc TestRewrite(t *testing.T) {\n"
                    + "\tt.Skip(\"broken since the rewrite\")\n}\n",
                to: "finder_test.go")
            try await repository.commit("Tests", date: Day.at(1))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(800)))
            let signal = try #require(report.signals.first { $0.kind == .brokenTest })
            #expect(signal.evidence.locations.map(\.startLine) == [11])
            // A Go skip is named by its test function; its reason stays in the excerpt.
            #expect(report.brokenTests.map(\.test) == ["TestWindowsCommands", "TestRewrite"])
        }
    }

    @Test("a broken test that a note in the code names records a limitation decided there")
    func brokenTestNamedByANote() async throws {
        try await withRepository { repository in
            try repository.write(
                "import pytest\n\n@pytest.mark.xfail\ndef test_slotted_confused():\n    pass\n\n"
                    + "@pytest.mark.xfail\ndef test_frozen_slots():\n    pass\n",
                to: "tests/test_setattr.py")
            try repository.write(
                "# XXX: This can be confused by subclassing a slotted class.  See `test_slotted_confused` for\n"
                    + "# XXX: details.  For now that's OK with us.\nx = 1\n",
                to: "src/attr/_make.py")
            try await repository.commit("Tests", date: Day.at(1))
            let report = try await analyze(repository.url)
            let signal = try #require(report.signals.first { $0.kind == .brokenTest })
            #expect(signal.evidence.locations.compactMap(\.symbol) == ["test_frozen_slots"])
        }
    }

    @Test(
        "known breakages broken for ten years are a known limitation (low); the signal counts every breakage the file records"
    )
    func ancientBreakages() async throws {
        try await withRepository { repository in
            try repository.write(
                "test_expect_failure 'rename/add conflict resolvable' '\n\tgit merge side\n'\n", to: "t/t6422-merge.sh")
            try await repository.commit("t6422: demonstrate bug in rename/add resolution", date: Day.at(-3_700))
            try repository.write(
                "test_expect_failure 'rename/add conflict resolvable' '\n\tgit merge side\n'\n"
                    + "test_expect_failure 'a rename of 64 KiB paths' '\n\tgit merge long\n'\n",
                to: "t/t6422-merge.sh")
            try await repository.commit("Collect the merge corner cases in t6422", date: Day.at(-3_690))
            try repository.write(
                "test_expect_failure 'grep --textconv in a submodule' '\n\tgit grep x\n'\n", to: "t/t7814-grep.sh")
            try await repository.commit("grep: demonstrate bug with textconv and submodules", date: Day.at(-500))
            let report = try await analyze(repository.url)
            let signals = Dictionary(
                report.signals.filter { $0.kind == .brokenTest }.map { ($0.evidence.locations.first?.path ?? "", $0) }
            ) { first, _ in first }
            let old = try #require(signals["t/t6422-merge.sh"])
            #expect(old.severity == .low)
            #expect(old.evidence.locations.count == 1)
            #expect(old.evidence.metrics.first { $0.name == "recorded-breakages" }?.value == 2)
            #expect(signals["t/t7814-grep.sh"]?.severity == .medium)
        }
    }

    @Test(
        "a test skipped as unimplemented is flagged when a later change to its file and the code names what it tests"
    )
    func staleSkips() async throws {
        try await withRepository { repository in
            let skipped = """
                import pytest


                @pytest.mark.skip('unimplemented')
                def test_unset_host_header(client):
                    assert 'Host' not in client.get('/headers', {'Host': None})


                @pytest.mark.skip('not implemented yet')
                def test_retry_on_timeout(client):
                    assert client.get('/slow', retries=1)


                @pytest.mark.skip('not implemented yet')
                def test_unset_host_header_through_proxy_auth(client):
                    assert client.get('/proxied', {'Host': None})

                """
            try repository.write(skipped, to: "tests/test_client.py")
            try repository.write("def get(url, headers):\n    return send(url, headers)\n", to: "client/http.py")
            try await repository.commit(
                "Test case for Host header removal (unimplemented feature)", date: Day.at(-3_700))
            // Touches the test file only: not an implementation.
            try repository.write(skipped + "# unset host headers are sent as empty\n", to: "tests/test_client.py")
            try await repository.commit("Document unset host headers in the tests", date: Day.at(-3_000))
            // Touches both, but about something else.
            try repository.write(skipped + "\n", to: "tests/test_client.py")
            try repository.write(
                "def get(url, headers):\n    return send(url, headers, timeout=5)\n", to: "client/http.py")
            try await repository.commit("Use a five-second connect timeout", date: Day.at(-2_000))
            try repository.write(skipped + "\n\n", to: "tests/test_client.py")
            try repository.write(
                "def get(url, headers):\n    return send(url, skip_unset(headers), timeout=5)\n", to: "client/http.py")
            let fix = try await repository.commit("Avoid override of headers by urllib3 when unset", date: Day.at(-900))
            let report = try await analyze(repository.url)
            let tests = Dictionary(report.brokenTests.map { ($0.test, $0) }) { first, _ in first }
            #expect(tests["test_unset_host_header"]?.laterChange?.hash == fix)
            #expect(
                tests["test_retry_on_timeout"]?.laterChange == nil, "timeout names no word of retry_on_timeout twice")
            #expect(
                tests["test_unset_host_header_through_proxy_auth"]?.laterChange == nil,
                "two of its five words are not half of them")
            let signal = try #require(report.signals.first { $0.kind == .brokenTest })
            // Ten years old would make it a known limitation; a later change makes it worth a look.
            #expect(signal.severity == .medium)
            #expect(signal.evidence.commits.last?.hash == fix)
            #expect(signal.evidence.metrics.first { $0.name == "later-changes" }?.value == 1)
        }
    }

    @Test("calls that stop shipped code as unimplemented are crash stubs, grouped by message; abstract methods are not")
    func crashStubs() async throws {
        try await withRepository { repository in
            try repository.write(
                "func listen() {\n    fatalError(\"unimplemented: IPv6 sockets\")\n}\nfunc bind() {\n    fatalError(\"unimplemented: IPv6 sockets\")\n}\n",
                to: "Sources/Net/Socket.swift")
            try repository.write(
                "func accept() {\n    fatalError(\"unimplemented: IPv6 sockets\")\n}\nfunc x() { fatalError(\"index out of range\") }\n",
                to: "Sources/Net/Server.swift")
            // An "unsupported" stop in a switch's `default:`, through `#if` and `else`, guards the cases the code
            // handles: unreachable by design. One that says it is not implemented is still a stub.
            try repository.write(
                """
                func perform(_ request: Request) {
                    switch request {
                    case let r as DataRequest: performData(r)
                    default:
                        #if canImport(Darwin)
                        if let socket = request as? SocketRequest {
                            performSocket(socket)
                        } else {
                            fatalError("Attempted to perform unsupported Request subclass: \\(type(of: request))")
                        }
                        #else
                        fatalError("Attempted to perform unsupported Request subclass: \\(type(of: request))")
                        #endif
                    }
                }
                func resume(_ task: Task) {
                    switch task {
                    case .data: resumeData()
                    default: fatalError("not implemented: upload tasks")
                    }
                }
                """, to: "Sources/Net/Session.swift")
            try repository.write(
                """
                import abc

                class BaseStore(abc.ABC):
                    @abc.abstractmethod
                    def load(self):
                        raise NotImplementedError

                class Exporter:
                    \"\"\"Base class: subclasses write one format.\"\"\"
                    def write(self):
                        raise NotImplementedError

                def compress(data):
                    raise NotImplementedError("zstd is not implemented yet")
                """, to: "store/base.py")
            try repository.write(
                "export function stream() {\n  throw new Error('Streams are not supported in your environment');\n}\n",
                to: "src/stream.ts")
            try repository.write("func test() { fatalError(\"not implemented\") }\n", to: "Tests/NetTests/Fake.swift")
            // Go rejects input it does not take with a panic; a compile-time probe never runs.
            try repository.write(
                "package cobra\n\nfunc Eq(a, b any) bool {\n\tswitch a.(type) {\n\tcase []any:\n"
                    + "\t\tpanic(\"Eq called on unsupported type\")\n\t}\n\treturn a == b\n}\n",
                to: "cobra.go")
            try repository.write(
                "const _: () = {\n    impl Debug for Probe {\n        fn fmt(&self) {\n            unimplemented!()\n"
                    + "        }\n    }\n};\n",
                to: "src/nightly.rs")
            // Test code in a source file ships to nobody: a `#[cfg(test)]` helper and a `#[test]` body.
            try repository.write(
                "pub fn value() {}\n\n#[cfg(test)]\nmod tests {\n    fn to_token() {\n        match x {\n"
                    + "            _ => unimplemented!(),\n        }\n    }\n\n    #[test]\n    fn visit() {\n"
                    + "        todo!()\n    }\n}\n\n#[cfg(test)]\nfn helper() {\n    unimplemented!()\n}\n",
                to: "src/value.rs")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            let stubs = report.signals.filter { $0.kind == .crashStub }
            #expect(stubs.count == 3, "\(stubs.map(\.summary))")
            #expect(!stubs.contains { $0.summary.contains("unsupported Request subclass") })
            #expect(stubs.contains { $0.summary.contains("not implemented: upload tasks") })
            let sockets = try #require(stubs.first { $0.summary.contains("IPv6") })
            #expect(sockets.evidence.locations.count == 3)
            #expect(sockets.severity == .high)
            #expect(stubs.contains { $0.summary.contains("zstd is not implemented yet") })
        }
    }

    @Test("a suppression whose count falls is an unfinished clean-up; a few one-off suppressions are not")
    func unfinishedCleanup() async throws {
        try await withRepository { repository in
            for index in 0..<15 {
                try repository.write("import legacy  # type: ignore[import]\nx = \(index)\n", to: "pkg/m\(index).py")
            }
            for index in 0..<3 { try repository.write("y = 1  # noqa: E501\n", to: "pkg/n\(index).py") }
            // Steady in shipped code and in tests alike: a year ago `git grep` found 18 files, the scan finds 12
            // now, and neither count moved.
            for index in 0..<12 { try repository.write("import extra  # noqa: F401\n", to: "pkg/e\(index).py") }
            for index in 0..<6 {
                try repository.write("import extra  # noqa: F401\n", to: "tests/test_e\(index).py")
            }
            for index in 0..<16 {
                try repository.write(
                    "if TYPE_CHECKING:  # pragma: no cover\n    z = \(index)\n", to: "pkg/t\(index).py")
            }
            try await repository.commit("Start", date: Day.at(-500))
            for index in 0..<4 {
                try repository.write("import legacy\nx = \(index)\n", to: "pkg/m\(index).py")
                try await repository.commit("Type the legacy import in m\(index)", date: Day.at(Double(index * 20)))
            }
            // One file rewritten for another reason (16 files a year ago, 15 now) is no clean-up under way.
            try repository.write("z = 0\n", to: "pkg/t0.py")
            try await repository.commit("Merge the contexts", date: Day.at(90))
            let report = try await analyze(repository.url)
            let cleanups = report.signals.filter { $0.kind == .unfinishedCleanup }
            #expect(cleanups.count == 1, "\(cleanups.map(\.summary))")
            let facts = metrics(try #require(cleanups.first))
            #expect(facts["files"] == 11 && facts["files-a-year-ago"] == 15)
            #expect(cleanups.first?.summary.hasSuffix("# type: ignore[import]") == true)
        }
    }

    @Test("an import of a module the project deleted is a broken reference, with the deleting commit")
    func brokenReference() async throws {
        try await withRepository { repository in
            try repository.write("", to: "mypkg/__init__.py")
            try repository.write("def convert():\n    pass\n", to: "mypkg/legacy.py")
            try repository.write(
                "import requests\nfrom . import helpers\nfrom mypkg.legacy import convert\n", to: "mypkg/cli.py")
            try repository.write("import { a } from './util';\nimport b from 'lodash';\n", to: "web/src/app.ts")
            try repository.write("export const a = 1;\n", to: "web/src/util.ts")
            try repository.write(
                "#include \"config.h\"\n#include \"stdio.h\"\n#include \"legacy.h\"\n", to: "native/main.c")
            try repository.write("int legacy(void);\n", to: "include/legacy.h")
            // A copy of main.c kept as test input is data: its includes are not checked.
            try repository.write("#include \"legacy.h\"\n", to: "t/t4256/1/main.c")
            try await repository.commit("Start", date: Day.at(1))
            try await repository.run(["rm", "-q", "mypkg/legacy.py", "include/legacy.h"])
            let removal = try await repository.commit("Move the converters into a plugin", date: Day.at(2))
            let report = try await analyze(repository.url)
            // The header was deleted from another folder: found by its name anywhere.
            #expect(report.brokenReferences.map(\.reference) == ["mypkg.legacy", "legacy.h"])
            #expect(report.brokenReferences.map(\.removedIn?.hash) == [removal, removal])
            let signal = try #require(report.signals.first { $0.kind == .brokenReference })
            #expect(signal.evidence.commits.first?.hash == removal)
            #expect(signal.evidence.locations.first?.startLine == 3)
            // The deletion comes from the history read; with a window that does not reach it, from `git log`.
            try repository.write("x\n", to: "other.txt")
            try await repository.commit("Unrelated", date: Day.at(3))
            let windowed = try await analyze(repository.url, AnalysisOptions(maxCommits: 1, now: Day.at(100)))
            #expect(windowed.brokenReferences.map(\.removedIn?.hash) == [removal, removal])
            #expect(try await analyze(repository.url).brokenReferences.map(\.removedIn?.hash) == [removal, removal])

            // A module that fills `sys.modules` makes the names under it real at run time, as requests' `packages`
            // does for the urllib3 it once vendored.
            try repository.write("x = 1\n", to: "mypkg/packages/urllib3/poolmanager.py")
            try repository.write("", to: "mypkg/packages/__init__.py")
            try await repository.commit("Vendor urllib3", date: Day.at(4))
            try await repository.run(["rm", "-q", "-r", "mypkg/packages"])
            try repository.write(
                "import sys\nimport urllib3\nsys.modules['mypkg.packages.urllib3'] = urllib3\n",
                to: "mypkg/packages.py")
            try repository.write("from mypkg.packages.urllib3.poolmanager import x\n", to: "mypkg/compat.py")
            try await repository.commit("Unvendor urllib3", date: Day.at(5))
            let aliased = try await analyze(repository.url)
            #expect(aliased.brokenReferences.map(\.reference) == ["mypkg.legacy", "legacy.h"])

            // A header the build now writes beside the code, which the ignore rules cover, is build output.
            try repository.write("native/legacy.h\n", to: ".gitignore")
            try await repository.commit("Generate legacy.h", date: Day.at(6))
            let generated = try await analyze(repository.url)
            #expect(generated.brokenReferences.map(\.reference) == ["mypkg.legacy"])
        }
    }

    @Test("a folder with its own licence and authors is another project copied in, and is not analysed")
    func copiedProject() async throws {
        try await withRepository { repository in
            try repository.write("/* TODO: make the block size a flag */\nint main(void) { return 0; }\n", to: "pigz.c")
            try repository.write("Copyright 2011 Google Inc.\n", to: "zopfli/COPYING")
            try repository.write("Mark Adler\nJyrki Alakuijala\n", to: "zopfli/CONTRIBUTORS")
            try repository.write(
                "/* TODO: make more efficient (add more bits at once). */\nvoid add_bits(void) {}\n",
                to: "zopfli/src/zopfli/deflate.c")
            // A package of the project's own, with a licence but no list of authors, is analysed.
            try repository.write("MIT\n", to: "packages/cli/LICENSE")
            try repository.write("/* TODO: print the version with -V */\nvoid cli(void) {}\n", to: "packages/cli/cli.c")
            try await repository.commit("Add zopfli deflate code", date: Day.at(1))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            #expect(report.markers.map(\.path).sorted() == ["packages/cli/cli.c", "pigz.c"])
        }
    }

    @Test("files under the tests in a language the project has no code in are inputs: no broken imports or tests")
    func testInputs() async throws {
        try await withRepository { repository in
            try repository.write("fn main() {}\n", to: "src/main.rs")
            try repository.write("#[test]\n#[ignore]\nfn slow_case() {}\n", to: "tests/cli.rs")
            try repository.write(
                "import Hello from './hello';\nexport const App = () => <Hello />;\n",
                to: "tests/syntax-tests/source/TypeScriptReact/app.tsx")
            try repository.write(
                "import pytest\n\n@pytest.mark.xfail(reason='numpy/numpy#1')\ndef test_cast():\n    pass\n",
                to: "tests/benchmarks/highlighting-speed-src/numpy_test_multiarray.py")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            #expect(report.brokenReferences.isEmpty, "\(report.brokenReferences.map(\.reference))")
            #expect(report.brokenTests.map(\.path) == ["tests/cli.rs"])
            // A CI job that runs the ignored tests runs them on purpose, apart.
            try repository.write(
                "jobs:\n  test:\n    steps:\n      - run: cargo test --test cli -- --ignored\n",
                to: ".github/workflows/ci.yml")
            try await repository.commit("Run the slow tests in CI", date: Day.at(2))
            #expect(try await analyze(repository.url, AnalysisOptions(now: Day.at(400))).brokenTests.isEmpty)
        }
    }

    @Test("a Swift import of a target the package deleted is broken; of a dependency's product of that name, not")
    func brokenSwiftImport() async throws {
        try await withRepository { repository in
            func manifest(_ targets: String, dependencies: String = "") -> String {
                "// swift-tools-version:5.9\nimport PackageDescription\nlet package = Package(name: \"kit\", "
                    + "dependencies: [\(dependencies)], targets: [\(targets)])\n"
            }
            try repository.write(
                manifest(#".target(name: "App"), .target(name: "Logging"), .target(name: "Legacy")"#),
                to: "Package.swift")
            try repository.write("public let level = 1\n", to: "Sources/Logging/Level.swift")
            try repository.write("public let old = 1\n", to: "Sources/Legacy/Old.swift")
            try repository.write("import Foundation\nimport Logging\n", to: "Sources/App/Main.swift")
            try await repository.commit("Start", date: Day.at(1))
            // Both targets go; Logging now comes from swift-log, Legacy from nowhere.
            try await repository.run(["rm", "-q", "-r", "Sources/Logging", "Sources/Legacy"])
            try repository.write(
                manifest(
                    #".target(name: "App", dependencies: [.product(name: "Logging", package: "swift-log")])"#,
                    dependencies: #".package(url: "https://github.com/apple/swift-log.git", from: "1.0.0")"#),
                to: "Package.swift")
            try repository.write("import Foundation\nimport Logging\nimport Legacy\n", to: "Sources/App/Main.swift")
            let removal = try await repository.commit("Use swift-log", date: Day.at(2))
            let report = try await analyze(repository.url)
            #expect(report.brokenReferences.map(\.reference) == ["Legacy"])
            #expect(report.brokenReferences.map(\.removedIn?.hash) == [removal])
        }
    }

    @Test("a credential in a tracked file is found, and shown only masked; placeholders and test keys are not")
    func leakedSecret() async throws {
        try await withRepository { repository in
            let key = "AKIA" + "Q7ZK2M4XW9PLT3RB"
            try repository.write("AWS_KEY = \"\(key)\"\n", to: "config/settings.py")
            try repository.write("Use a key like AKIAIOSFODNN7EXAMPLE.\n", to: "docs/aws.md")
            try repository.write(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n",
                to: "tests/fixtures/server.key")
            // A header alone is a pattern; a typed run of the alphabet is a placeholder.
            try repository.write("HEADER = \"-----BEGIN RSA PRIVATE KEY-----\"\n", to: "tools/pem.py")
            try repository.write("TOKEN = \"ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789\"\n", to: "tools/demo.py")
            let body = (0..<4).map { _ in "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun" }
            try repository.write(
                (["-----BEGIN RSA PRIVATE KEY-----"] + body + ["-----END RSA PRIVATE KEY-----"]).joined(
                    separator: "\n"),
                to: "deploy/id_rsa")
            // A service account file holds its key's body on the header's line; one named fake is a placeholder.
            let account =
                "{\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n" + body.joined(separator: "\\n")
                + "\\n-----END PRIVATE KEY-----\\n\"\n}\n"
            try repository.write(account, to: "deploy/service-account.json")
            try repository.write(account, to: "gcsfs/gcs-fake-service-account.json")
            // A key in a benchmark's code is its fixture (swift-nio-ssl's self-signed `localhost` key).
            let embedded =
                "let key = \"\"\"\n-----BEGIN RSA PRIVATE KEY-----\n" + body.joined(separator: "\n")
                + "\n-----END RSA PRIVATE KEY-----\n\"\"\"\n"
            try repository.write(embedded, to: "Benchmarks/NIOSSLBenchmarks/Shared.swift")
            try repository.write(embedded, to: "Sources/NIOSSLPerformanceTester/shared.swift")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            let secrets = report.signals.filter { $0.kind == .leakedSecret }
            #expect(
                Set(secrets.map(\.evidence.locations.first?.path)) == [
                    "config/settings.py", "deploy/id_rsa", "deploy/service-account.json",
                ])
            #expect(
                report.secrets.first { $0.path.hasSuffix(".json") }?.masked
                    == "\"private_key\": \"-----BEGIN PRIVATE KEY…")
            #expect(secrets.allSatisfy { $0.severity == .critical })
            let json = String(decoding: try RepositoryReport.jsonEncoder().encode(report), as: UTF8.self)
            #expect(!json.contains(key), "the credential must never appear unmasked")
            #expect(!json.contains("MIIEowIBAAKCAQEAu1SU1"), "no part of a key's body is kept")
            #expect(json.contains("AKIA…(20 characters)"))
        }
    }

    @Test("a file with Windows line ends is read line by line: its skipped test and its credential are at their lines")
    func windowsLineEnds() async throws {
        try await withRepository { repository in
            try repository.write(
                "import pytest\r\n\r\n@pytest.mark.skip\r\ndef test_upload(client):\r\n    assert client\r\n",
                to: "tests/test_upload.py")
            let key = "AKIA" + "Q7ZK2M4XW9PLT3RB"
            try repository.write("# Deployment\r\n\r\nAWS_KEY = \"\(key)\"\r\n", to: "deploy/settings.py")
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url)
            #expect(report.brokenTests.map(\.line) == [3])
            #expect(report.brokenTests.map(\.test) == ["test_upload"])
            #expect(report.secrets.map(\.line) == [3])
        }
    }

    @Test("copied folders where recent commits changed only one side are drifting; copies kept in step are not")
    func driftingCopies() async throws {
        try await withRepository { repository in
            func body(_ name: String, _ variant: Int) -> String {
                (0..<30).map { "int \(name)_\($0)(void) { return \($0 * variant); }" }.joined(separator: "\n") + "\n"
            }
            func project(_ name: String, _ tools: String) -> String {
                (0..<30).map { "<Item Include=\"\(name)_\($0).c\" />" }.joined(separator: "\n")
                    + "\n<ToolsVersion>\(tools)</ToolsVersion>\n"
            }
            for name in ["parse", "print", "table", "list"] {
                try repository.write(body(name, 1), to: "engine/v1/\(name).c")
                try repository.write(body(name, 1), to: "engine/v2/\(name).c")
                try repository.write(body(name, 7), to: "mirror/a/\(name).c")
                try repository.write(body(name, 7), to: "mirror/b/\(name).c")
                // Two example apps, one ported from the other, and project files for two toolchain versions.
                try repository.write(body(name, 3), to: "examples/shorty/\(name).c")
                try repository.write(body(name, 3), to: "examples/couchy/\(name).c")
                try repository.write(project(name, "11"), to: "vstudio/vc11/\(name).vcxproj")
                try repository.write(project(name, "14"), to: "vstudio/vc14/\(name).vcxproj")
            }
            try await repository.commit("Start", date: Day.at(1))
            for round in 0..<3 {
                // v1 gets fixes that v2 never sees; the mirrors always change together.
                try repository.write(body("parse", 1) + "int fix\(round);\n", to: "engine/v1/parse.c")
                try await repository.commit("Fix parse \(round) in v1", date: Day.at(Double(2 + round)))
                try repository.write(body("parse", 3) + "int port\(round);\n", to: "examples/couchy/parse.c")
                try await repository.commit("couchy: use views \(round)", date: Day.at(Double(2 + round)))
                try repository.write(project("parse", "14") + "<Opt>\(round)</Opt>\n", to: "vstudio/vc14/parse.vcxproj")
                try await repository.commit("vc14: optimise \(round)", date: Day.at(Double(2 + round)))
                try repository.write(body("list", 7) + "int both\(round);\n", to: "mirror/a/list.c")
                try repository.write(body("list", 7) + "int both\(round);\n", to: "mirror/b/list.c")
                try await repository.commit("Change both mirrors \(round)", date: Day.at(Double(5 + round)))
            }
            let report = try await analyze(repository.url)
            let copies = report.signals.filter { $0.kind == .driftingCopy }
            #expect(copies.count == 1, "\(copies.map(\.summary))")
            #expect(copies.first?.summary.hasPrefix("engine/v1/ and engine/v2/ share 4 near-identical files") == true)
            #expect(metrics(try #require(copies.first))["one-sided-commits"] == 3)
        }
    }

    @Test("an untested file that changes in most commits, in a module without tests, is untested churn")
    func untestedChurn() async throws {
        try await withRepository { repository in
            try repository.write("x = 0\n", to: "app/core.py")
            try await repository.commit("Start", date: Day.at(-400))
            for index in 1..<6 {
                try repository.write("x = \(index)\n", to: "app/core.py")
                try await repository.commit("Change \(index)", date: Day.at(Double(index)))
            }
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            let churn = report.signals.filter { $0.kind == .untestedCode }
            #expect(churn.map(\.evidence.locations.first?.path) == ["app/core.py"])
            #expect(metrics(try #require(churn.first))["commits"] == 6)

            // Once the project has tests, a file named differently from them may well be tested by feature.
            try repository.write("def test_x():\n    pass\n", to: "tests/test_behaviour.py")
            try await repository.commit("Tests", date: Day.at(7))
            let tested = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            #expect(!tested.signals.contains { $0.kind == .untestedCode })
        }
    }

    @Test("a defect hotspot counts the untested fixes it lists, not more")
    func listedFixes() async throws {
        try await withRepository { repository in
            for index in 0..<10 {
                try repository.write(
                    (0...index).map { "func parse\($0)() -> Int { \($0) }" }.joined(separator: "\n") + "\n",
                    to: "Sources/App/Parser.swift")
                try await repository.commit("Fix parsing of case \(index)", date: Day.at(Double(10 + index)))
            }
            let hotspot = try #require(try await analyze(repository.url).signals.first { $0.kind == .defectHotspot })
            #expect(metrics(hotspot)["untested-fixes"] == Double(hotspot.evidence.commits.count))
            #expect(hotspot.evidence.commits.count == 8)
        }
    }

    @Test("two files the same fixes changed are one defect hotspot")
    func sharedHotspot() async throws {
        try await withRepository { repository in
            for index in 0..<5 {
                for file in ["index.d.ts", "index.d.cts"] {
                    try repository.write(
                        (0...index).map { "export type Header\($0) = string;" }.joined(separator: "\n") + "\n",
                        to: file)
                }
                try await repository.commit("Fix the header \(index) type", date: Day.at(Double(10 + index)))
            }
            let hotspots = try await analyze(repository.url).signals.filter { $0.kind == .defectHotspot }
            #expect(hotspots.count == 1, "\(hotspots.map(\.summary))")
        }
    }

    @Test("a fix whose code a later commit took out is not listed; the others show where their change reads today")
    func undoneFixes() async throws {
        try await withRepository { repository in
            var functions = (0..<4).map { "func parse\($0)(_ line: String) -> Int {\n    return line.count\n}\n" }
            try repository.write(functions.joined(), to: "Sources/App/Parser.swift")
            try await repository.commit("Start", date: Day.at(-600))
            let fixes = [
                (0, "    guard !line.isEmpty else { return 0 }", "Fix the crash on an empty line"),
                (1, "    if line.hasPrefix(\"#\") { return 0 }", "Fix comments counted as lines"),
                (2, "    let trimmed = line.trimmingCharacters(in: .whitespaces)", "Fix lines of blanks"),
                (3, "    if line.count > 80 { return 80 }", "Fix the count of long lines"),
            ]
            for (index, (function, line, subject)) in fixes.enumerated() {
                functions[function] = functions[function].replacingOccurrences(of: "{\n", with: "{\n\(line)\n")
                try repository.write(functions.joined(), to: "Sources/App/Parser.swift")
                try await repository.commit(subject, date: Day.at(Double(10 + index * 10)))
            }
            // Taken out by a commit that says so without quoting the fix, as conventional commits do.
            functions[3] = functions[3].replacingOccurrences(of: "    if line.count > 80 { return 80 }\n", with: "")
            try repository.write(functions.joined(), to: "Sources/App/Parser.swift")
            try await repository.commit("revert(parser): stop capping long lines", date: Day.at(60))
            let hotspot = try #require(try await analyze(repository.url).signals.first { $0.kind == .defectHotspot })
            #expect(hotspot.evidence.commits.map(\.subject) == Array(fixes.prefix(3).reversed().map(\.2)))
            #expect(metrics(hotspot)["untested-fixes"] == 3)
            #expect(metrics(hotspot)["fix-commits"] == 4)
            let changes = hotspot.evidence.locations.filter { $0.commit != nil }
            #expect(changes.map(\.commit) == hotspot.evidence.commits.map(\.hash))
            #expect(changes.map(\.symbol) == ["parse2", "parse1", "parse0"])
            #expect(changes.first?.excerpt == "let trimmed = line.trimmingCharacters(in: .whitespaces)")
            #expect(changes.first?.startLine == 10)
        }
    }

    @Test("two untested fixes in two years make no defect hotspot; three do")
    func hotspotNeedsThreeFixes() async throws {
        try await withRepository { repository in
            // Two fixes more than two years old, then the recent ones.
            for (index, day) in [-1_000.0, -900, 10, 20].enumerated() {
                try repository.append("func parse\(index)() -> Int { \(index) }\n", to: "Sources/App/Parser.swift")
                try await repository.commit("Fix parsing of case \(index)", date: Day.at(day))
            }
            #expect(!(try await analyze(repository.url).signals.contains { $0.kind == .defectHotspot }))
            try repository.append("func parse4() -> Int { 4 }\n", to: "Sources/App/Parser.swift")
            try await repository.commit("Fix parsing of case 4", date: Day.at(30))
            let hotspot = try #require(try await analyze(repository.url).signals.first { $0.kind == .defectHotspot })
            #expect(metrics(hotspot)["untested-fixes"] == 3)
        }
    }

    @Test("a fix a hotter file lists is not listed again by another file")
    func fixListedOnce() async throws {
        try await withRepository { repository in
            // The lexer's own fixes came first; then the parser's, two of which changed the lexer too.
            for index in 0..<3 {
                try repository.append("func lexOwn\(index)() -> Int { \(index) }\n", to: "Sources/App/Lexer.swift")
                try await repository.commit("Fix lexing of case \(index)", date: Day.at(Double(1 + index)))
            }
            for index in 0..<6 {
                try repository.append("func parse\(index)() -> Int { \(index) }\n", to: "Sources/App/Parser.swift")
                if index == 2 || index == 4 {
                    try repository.append("func lex\(index)() -> Int { \(index) }\n", to: "Sources/App/Lexer.swift")
                }
                try await repository.commit("Fix parsing of case \(index)", date: Day.at(Double(10 + index)))
            }
            let hotspots = try await analyze(repository.url).signals.filter { $0.kind == .defectHotspot }
            let cited = hotspots.flatMap { $0.evidence.commits.map(\.hash) }
            #expect(cited.count == Set(cited).count, "\(hotspots.map(\.summary))")
            let lexer = try #require(hotspots.first { $0.evidence.locations.first?.path == "Sources/App/Lexer.swift" })
            #expect(
                lexer.evidence.commits.map(\.subject) == [
                    "Fix lexing of case 2", "Fix lexing of case 1", "Fix lexing of case 0",
                ])
            #expect(metrics(lexer)["untested-fixes"] == 3)
        }
    }

    @Test("a note that waits on something is paired with the later commit that names it")
    func metCondition() async throws {
        try await withRepository { repository in
            try repository.write(
                "// TODO: Re-enable this test once inner literal extraction works.\nfn candidate_lines() {}\n"
                    + "// TODO: look up metadata when the worktree is known to be broken, e.g. on repair\nfn b() {}\n"
                    + "// TODO: remove this when `cacheable-request` supports async request functions\nfn c() {}\n",
                to: "src/matcher.rs")
            try await repository.commit("Migrate to regex 1.9", date: Day.at(1))
            // A test of the dependency's behaviour names it, but is not the dependency supporting anything.
            try repository.write("#[test]\nfn cache() {}\n", to: "tests/cache.rs")
            try await repository.commit("Test internal modifications by cacheable-request", date: Day.at(3))
            // Nor is a commit that shares the rest of the words but not the package's name.
            try repository.write("pub fn body() {}\n", to: "src/body.rs")
            try await repository.commit("Support AsyncIterable as request body", date: Day.at(4))
            try repository.write("pub fn other() {}\n", to: "src/literal.rs")
            try await repository.commit("Fix the worktree lookup for broken repositories", date: Day.at(5))
            try repository.write("pub fn extract() {}\n", to: "src/literal.rs")
            try await repository.commit("regex: add new inner literal extractor", date: Day.at(10))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            let met = report.markers.filter { $0.conditionMet != nil }
            #expect(met.map(\.line) == [1], "\(report.markers.map(\.text))")
            #expect(met.first?.conditionMet?.subject == "regex: add new inner literal extractor")
            let signal = try #require(report.signals.first { $0.summary.contains("inner literal") })
            #expect(signal.severity >= .medium)
            #expect(metrics(signal)["condition-met"] == 1)
            #expect(signal.evidence.commits.last?.subject == "regex: add new inner literal extractor")
        }
    }

    @Test("a note waiting for an old runtime to be dropped is due once the manifest requires a newer one, else none")
    func runtimeWait() async throws {
        try await withRepository { repository in
            try repository.write("module example.com/cast\n\ngo 1.22.0\n", to: "go.mod")
            let notes = [
                "// TODO: remove after minimum Go version is >=1.22", "// TODO: use b.Loop() once updated to Go 1.24",
                "// TODO: remove this shim when we drop Go 1.22 support",
                "// TODO: sort keys before iterating (once Go version is updated)",
            ]
            for file in ["cast_test.go", "map_test.go"] {
                try repository.write(
                    "package cast\n\n" + notes.map { $0 + "\nfunc f() {}\n" }.joined(), to: file)
            }
            try await repository.commit("Start", date: Day.at(1))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(600)))
            #expect(
                report.toolchain.runtimeRequirements == [
                    .init(runtime: "go", version: "1.22.0", path: "go.mod", line: 3, excerpt: "go 1.22.0")
                ])
            let markers = report.signals.filter { $0.kind == .marker }
            // Go 1.22 is the oldest supported: the first note is due; the second waits for 1.24 and the third for
            // 1.22 itself to go.
            #expect(markers.count == 2 && markers.allSatisfy { $0.summary.hasSuffix("minimum Go version is >=1.22") })
            #expect(markers.allSatisfy { metrics($0)["runtime-requirement-met"] == 1 && $0.severity >= .medium })
        }
    }

    @Test("a file in a language the project never tests, beside one it does, is packaging, not untested code")
    func sideLanguage() async throws {
        try await withRepository { repository in
            try repository.write("pub fn run() {}\n", to: "src/lib.rs")
            try repository.write("#[test]\nfn runs() {}\n", to: "tests/cli.rs")
            try await repository.commit("Start", date: Day.at(-400))
            for index in 1..<12 {
                try repository.write(
                    "class Tool < Formula\n  version \"\(index)\"\n  if OS.mac?\n    url \"https://example.com/mac\"\n"
                        + "  elsif OS.linux?\n    url \"https://example.com/linux\"\n  end\n  def install\n"
                        + "    bin.install \"tool\"\n  end\nend\n", to: "pkg/brew/tool.rb")
                try await repository.commit("pkg/brew: update tap to \(index)", date: Day.at(Double(index)))
            }
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            #expect(!report.untestedFiles.contains { $0.path == "pkg/brew/tool.rb" })
            #expect(!report.signals.contains { $0.kind == .untestedCode })
        }
    }

    @Test("scripts in an untested language are tooling beside ten times as many files of the tested one")
    func sideLanguageShare() async throws {
        for generators in [6] {
            try await withRepository { repository in
                for index in 0..<70 {
                    try repository.write("int f\(index)(void) { return \(index); }\n", to: "src/f\(index).c")
                }
                try repository.write("#include \"f0.c\"\nint main(void) { return f0(); }\n", to: "test/test_f.c")
                // Generators of the C tables: six, under a tenth of the C files (and over the five a project of a
                // few files may have).
                for index in 0..<generators {
                    try repository.write(
                        "import sys\n\ndef main():\n    print('int table\(index)[] = {0};')\n",
                        to: "src/make_table\(index).py")
                }
                try await repository.commit("Start", date: Day.at(-400))
                // One of them changes often, as generators do with each Unicode release.
                for release in 1..<15 {
                    try repository.write(
                        "import sys\n\ndef main():\n    print('int table[\(release)] = {0};')\n",
                        to: "src/make_table0.py")
                    try await repository.commit(
                        "Fix the table for Unicode \(release)", date: Day.at(Double(release * 20)))
                }
                let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
                #expect(
                    !report.signals.contains { [.untestedCode, .hotFile, .defectHotspot].contains($0.kind) },
                    "\(report.signals.map(\.summary))")
                let scripts = report.untestedFiles.filter { $0.path.hasSuffix(".py") }
                #expect(scripts.isEmpty, "\(scripts.map(\.path))")
            }
        }
    }

    @Test("a Swift file with nothing public is tested through its module when a test imports the module")
    func swiftModuleImportedByTests() async throws {
        try await withRepository { repository in
            try repository.write(
                "// swift-tools-version:5.9\nimport PackageDescription\nlet package = Package(name: \"c\", targets: "
                    + "[.target(name: \"DequeModule\"), .testTarget(name: \"DequeTests\", dependencies: "
                    + "[\"DequeModule\"])])\n", to: "Package.swift")
            try repository.write(
                "public struct Deque {\n    public init() {}\n}\n", to: "Sources/DequeModule/Deque.swift")
            try repository.write(
                "package struct _UnsafeDequeHandle {\n    package var count = 0\n}\n",
                to: "Sources/DequeModule/_UnsafeDequeHandle.swift")
            try repository.write(
                "import XCTest\nimport DequeModule\n\nfinal class DequeTests: XCTestCase {\n    func testInit() {\n"
                    + "        _ = Deque()\n    }\n}\n", to: "Tests/DequeTests/DequeTests.swift")
            try await repository.commit("Start", date: Day.at(-400))
            let report = try await analyze(repository.url, AnalysisOptions(now: Day.at(400)))
            #expect(!report.untestedFiles.contains { $0.path.hasSuffix("_UnsafeDequeHandle.swift") })
        }
    }
}
