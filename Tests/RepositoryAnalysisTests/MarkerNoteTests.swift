import Testing

@testable import RepositoryAnalysis

@Suite("What a marker's note asks for")
struct MarkerNoteTests {
    @Test(
        "notes that name no behaviour, data or place are vague",
        arguments: [
            "Come up with a cleaner solution.", "this isn't quite right", "do this better",
            "refactor & simplify this method",
            "optimize",
        ])
    func vague(_ note: String) {
        #expect(MarkerNote.isVague(note))
    }

    @Test(
        "notes that name something are not vague",
        arguments: [
            "better parser", "allow --compress with --chunked / --multipart",
            "httpie-unixsocket's URLs have no hostname",
            "Refactor and drastically simplify, especially so that the separator logic is elsewhere",
        ])
    func specific(_ note: String) {
        #expect(!MarkerNote.isVague(note))
    }

    @Test("what a note asks for: a defect, a clean-up wish, a trade-off on record, an explanation")
    func kinds() {
        #expect(MarkerNote.kind(of: "the cache is never evicted", word: "FIXME") == .defect)
        #expect(MarkerNote.kind(of: "Make this work on CI (stopped working at some point)", word: "TODO") == .defect)
        #expect(MarkerNote.kind(of: "add a --json flag", word: "TODO") == .task)
        #expect(MarkerNote.kind(of: "It'd be nice to have an option to search the path", word: "FIXME") == .idea)
        // A hedged change is an idea, not a question the code must answer.
        #expect(MarkerNote.kind(of: "maybe drop `where character.isASCII` clause", word: "TODO") == .idea)
        #expect(MarkerNote.kind(of: "consider making this a public API?", word: "TODO") == .idea)
        // A question put to the team proposes a change nobody decided on; one about the code asks for an answer.
        #expect(
            MarkerNote.kind(of: "subdirectory must be relative, can we, should we validate that here?", word: "XXX")
                == .idea)
        #expect(MarkerNote.kind(of: "should getEnv logic be moved into find()", word: "TODO") == .question)
        #expect(MarkerNote.kind(of: "why is this lock held across the callback?", word: "FIXME") == .question)
        // A skip under a note is a word of the code, not part of another one.
        #expect(MarkerNote.marksSkippedTest("test('with package', { skip: isWin }, async (t) => {"))
        #expect(MarkerNote.marksSkippedTest("t.SkipNow()"))
        #expect(!MarkerNote.marksSkippedTest("self.current.exit();"))
        #expect(!MarkerNote.marksSkippedTest("parser.skipWhitespace()"))
        // A failure in a condition is what to handle, not a defect; a condition opening the note without a comma
        // leaves the whole note standing.
        #expect(MarkerNote.kind(of: "emit a diagnostic if this fails.", word: "FIXME") == .task)
        #expect(MarkerNote.kind(of: "if the list is empty, this crashes", word: "FIXME") == .defect)
        #expect(MarkerNote.kind(of: "crash if the list is empty", word: "FIXME") == .defect)
        #expect(MarkerNote.isCleanupWish("Refactor into a utility function that returns a jv"))
        #expect(!MarkerNote.isCleanupWish("Reject a negative --timeout"))
        #expect(MarkerNote.recordsTradeOff("We should try every prefix of input0.json, but that makes this test slow"))
        #expect(!MarkerNote.recordsTradeOff("the loader retries, but never gives up"))
        // A flaw conceded, and why the code keeps it: removing it is what would break.
        #expect(
            MarkerNote.keepsFlawOnPurpose(
                "This is wrong, but not doing this leads to incorrect results because of how anchored searches work"))
        #expect(!MarkerNote.keepsFlawOnPurpose("the loader retries, but never gives up"))
        #expect(MarkerNote.keepsFlawOnPurpose("Can overflow here. Cannot be fixed without breaking the API"))
        #expect(
            MarkerNote.keepsFlawOnPurpose(
                "in reality they must be in a list or tuple, but those are invariant and so would prevent subtypes "
                    + "from working"))
        // A fact stated asks for nothing; a verb or a need does.
        #expect(!MarkerNote.asksExplicitly("We abuse uv_write2() to send over UDP handles to child processes"))
        #expect(!MarkerNote.asksExplicitly("in current Hurd, strings are char arrays of 1024 elements"))
        #expect(MarkerNote.asksExplicitly("this should use the pool"))
        #expect(MarkerNote.asksExplicitly("document the flags"))
        // Code only the authors' employer has: nobody else can do what the note asks.
        #expect(MarkerNote.needsPrivateCode("port the Google-internal full integration test into here"))
        #expect(MarkerNote.needsPrivateCode("keep in sync with our internal fork of the parser"))
        #expect(!MarkerNote.needsPrivateCode("move the non-internal helpers to util.go"))
        #expect(!MarkerNote.needsPrivateCode("make the cache package-internal"))
        #expect(MarkerNote.speculates("The first four tests should correspond to a full set of bytes I think."))
        #expect(!MarkerNote.asksForChange("response is the only one"), "a statement about its subject")
        #expect(MarkerNote.asksForChange("response should be the only one"))
        // A question mark in code ("line anchors like `(?m:^)`") asks nothing; one that ends a sentence does.
        #expect(
            MarkerNote.kind(of: "This works around a bug where line anchors like `(?m:^)` fail", word: "FIXME")
                == .workaround)
        #expect(MarkerNote.kind(of: "should getEnv logic be moved into find()", word: "TODO") == .question)
        #expect(MarkerNote.kind(of: "why is this needed? it was added for IE", word: "TODO") == .question)
        #expect(MarkerNote.onlyExplains("This is a backward jv_array_foreach because bindings go in reverse"))
        #expect(MarkerNote.onlyExplains("This should be dead code because callers shouldn't call this function"))
        #expect(!MarkerNote.onlyExplains("This is wrong for negative numbers"))
        #expect(MarkerNote.isMinorConcern("more tests needed for weird unicode stuff (e.g. utf16 pairs)"))
        #expect(MarkerNote.isMinorConcern("msgcat doesn't support plural forms"))
        #expect(!MarkerNote.isMinorConcern("slow path corrupts the cache when it races"))
    }

    @Test("a note that names a flag, a value or a failure is more specific than one that names little")
    func specificity() {
        let little = MarkerNote.specificity("Come up with a cleaner solution", word: "FIXME")
        let flags = MarkerNote.specificity("allow --compress with --chunked / --multipart", word: "TODO")
        let failure = MarkerNote.specificity(
            "False positive, e.g., \"localhost\" matches but is a valid URL.", word: "FIXME")
        #expect(little < flags)
        #expect(flags < failure)
        let crash = MarkerNote.specificity("handle malformed input instead of crashing", word: "FIXME")
        let speed = MarkerNote.specificity("handle malformed input faster than it does", word: "FIXME")
        #expect(speed < crash, "harm a user meets comes first")
    }

    @Test("the oldest supported runtime is read from each ecosystem's manifest")
    func runtimeRequirements() throws {
        let manifests = [
            "pyproject.toml":
                "[project]\nname = \"x\"\nclassifiers = [\"Python :: 3.8\"]\nrequires-python = \">=3.9, <4\"\n",
            "package.json": #"{"devDependencies": {"@types/node": "^16"}, "engines": {"node": "^18 || >=20"}}"#,
            "Cargo.toml": "[package]\nrust-version = \"1.70\"\n",
            "Package.swift": "// swift-tools-version:5.9\nimport PackageDescription\n",
        ]
        let found = Toolchain.runtimeRequirements(in: manifests)
        #expect(
            Dictionary(uniqueKeysWithValues: found.map { ($0.runtime, $0.version) }) == [
                "python": "3.9", "node": "18", "rust": "1.70", "swift": "5.9",
            ])
        #expect(found.first { $0.runtime == "python" }?.line == 4)
        let python = try #require(found.first { $0.runtime == "python" })
        #expect(python.isAtLeast("3.9") && !python.isAtLeast("3.9", strictly: true))
        #expect(!python.isAtLeast("3.10") && python.isAtLeast("3.8", strictly: true))
        let node = try #require(RuntimeWait("When targeting Node.js 16, use replaceAll"))
        #expect(node.runtime == "node" && node.version == "16" && !node.strictly)
        #expect(RuntimeWait("remove this shim when we drop Python 3.8")?.strictly == true)
        #expect(RuntimeWait("work around a bug in Go 1.20's net/http")?.runtime == nil)
    }
}
