import Foundation
import Testing

@testable import RepositoryAnalysis

/// How commit subjects are read: every commit's subject is, so the rules are byte searches, not regular expressions.
@Suite("Commit subjects")
struct CommitSubjectTests {
    @Test("a subject that closes or resolves an issue is a fix; a word that only ends in closes is not")
    func closingSubjects() {
        #expect(HistoryAggregate.isFix("Parser drops the last line (closes #12)"))
        #expect(HistoryAggregate.isFix("Resolves #7: empty input"))
        #expect(!HistoryAggregate.isFix("Discloses #7 in the report"))
        #expect(!HistoryAggregate.isFix("closes #x"))
        #expect(!HistoryAggregate.isFix("Fix issues previously type: ignore'd"))
        // A conventional-commit type says what the change is, whatever words follow it.
        #expect(!HistoryAggregate.isFix("chore(action): fix sponsors action; (#6557)"))
        #expect(!HistoryAggregate.isFix("feat!: add retries and fix the timeout"))
        #expect(HistoryAggregate.isFix("fix(types): add missing mergeConfig overload"))
        #expect(HistoryAggregate.isFix("parser: fix a crash on empty input"), "a scope is not a type")
        #expect(!HistoryAggregate.isFix("Add a parser"))
    }

    @Test("a subject's words are its runs of letters, split by bytes when ASCII as by characters otherwise")
    func subjectWords() {
        let subjects = [
            "fix(parser): drop the last line [#12]", "Re-indent @main and `Router`{}", "Ünïcödé straße—fix crash",
            "emoji 🐛 bugfix", "", "---", "a-b-c", "CRLF\r\nline",
        ]
        for subject in subjects {
            #expect(HistoryAggregate.letterWords(subject) == subject.split(whereSeparator: { !$0.isLetter }))
            #expect(
                HistoryAggregate.letterWords(subject, keepingHyphens: true)
                    == subject.split(whereSeparator: { !$0.isLetter && $0 != "-" }))
        }
        #expect(HistoryAggregate.letterWords("Re-indent the parser") == ["Re", "indent", "the", "parser"])
    }

    @Test("the output of one git show of several commits is split by commit, whatever their diffs hold")
    func showSections() {
        let first = String(repeating: "a", count: 40)
        let second = String(repeating: "b", count: 40)
        let output = Data(
            "\u{1e}\(first)\n\ndiff --git a/x b/x\n@@ -1 +1 @@\n-old\n+\u{1e}new\n\u{1e}\(second)\n".utf8)
        let sections = RepositoryAnalyzer.commitSections(output)
        #expect(sections.keys.sorted() == [first, second])
        #expect(String(decoding: sections[first] ?? Data(), as: UTF8.self).hasSuffix("+\u{1e}new\n"))
        #expect(sections[second]?.isEmpty == true)
    }

    @Test("a diff's added lines carry their numbers in the new file, across hunks; its removed lines come too")
    func diffChanges() {
        let diff = Data(
            ("diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n int a;\n-int b;\n+int c;\n int d;\n"
                + "@@ -20,2 +20,3 @@ static int f(void)\n int e;\n+int g;\n+\n\\ No newline at end of file\n").utf8)
        let (added, removed) = DiffSides.changes(diff)
        #expect(
            added.map { "\($0.line) \(String(decoding: $0.text, as: UTF8.self))" } == ["2 int c;", "21 int g;", "22 "])
        #expect(removed.map { String(decoding: $0, as: UTF8.self) } == ["int b;"])
    }

    @Test("a past change is found where it reads today, or is gone when half the code lines it wrote are")
    func linesToday() {
        let today = LinesToday(
            Array(
                """
                static int size(int exp) {
                  int abs_exp = exp >= 0 ? exp : -exp;
                    if (abs_exp < 100) return 4;
                  return 5;
                }
                // if (abs_exp < 100) return 4;
                "git config set remote.%s.followRemoteHEAD warn-if-not-%s\\n\\n"
                fi
                """.utf8))
        func lines(_ lines: [String]) -> [(line: Int, text: ArraySlice<UInt8>)] {
            lines.enumerated().map { ($0.offset + 10, Array($0.element.utf8)[...]) }
        }
        func place(_ added: [String], removed: [String] = []) -> LinesToday.Place {
            today.place(of: lines(added), removed: lines(removed).map(\.text))
        }
        // Re-indented since; the comment that repeats it is no copy.
        #expect(place(["if (abs_exp < 100) return 4;"]) == .line(3, "if (abs_exp < 100) return 4;"))
        // Re-quoted and re-wrapped since: the same names (git's set_head advice, reworded around the fix).
        #expect(
            place(["   \"'git config set remote.%s.followRemoteHEAD warn-if-not-%s'\\n\""])
                == .line(7, #""git config set remote.%s.followRemoteHEAD warn-if-not-%s\n\n""#))
        // A call that gained a word since (`printf` became `builtin printf`) is the same line; one that lost a word
        // is not.
        #expect(place(["size(int exp) {", "  return 5;"]) == .line(1, "static int size(int exp) {"))
        #expect(place(["static int size(int exp, int base) {", "  return 5;"]) == .undone)
        // The line found at the fewest places names the change, the longest of those.
        #expect(
            place(["fi", "int abs_exp = exp >= 0 ? exp : -exp;", "  return 5;"])
                == .line(2, "int abs_exp = exp >= 0 ? exp : -exp;"))
        // Half of the code lines it wrote gone: undone or rewritten, whatever short or comment lines stay.
        #expect(place(["if (exp < 100) return 4;", "  return 5;", "fi", "// a note"]) == .undone)
        // A line it moved is not one it wrote: the one it wrote is gone.
        #expect(
            place(
                ["  int abs_exp = exp >= 0 ? exp : -exp;", "return exp;"],
                removed: ["int abs_exp = exp >= 0 ? exp : -exp;"]) == .undone)
        // Nothing that tells.
        #expect(place(["fi", "}", "# if (exp < 100) return 4;", "selected=\"$("]) == .unknown)
    }

    @Test("a later test commit names the fix it tests by two words and half of the fix's")
    func testNamingItsFix() {
        let fix = RepositoryAnalyzer.subjectWords("fix: correct argument length check in FlagSet.Parse")
        #expect(RepositoryAnalyzer.namesFixTest("fix: add test for argument length check", fixWords: fix))
        #expect(!RepositoryAnalyzer.namesFixTest("Add tests for the parser", fixWords: fix))
        #expect(!RepositoryAnalyzer.namesFixTest("Check the argument length again", fixWords: fix), "no test word")
        #expect(!RepositoryAnalyzer.namesFixTest("Test the length of names", fixWords: fix), "one word")
    }

    @Test("a revert names the subject it reverts, without the pull request a forge appends")
    func reverts() {
        #expect(HistoryAggregate.revertedSubject(#"Revert "Move closer (#31)" (#35)"#) == "Move closer (#31)")
        #expect(HistoryAggregate.revertedSubject(#"Revert "Fix overflow""#) == "Fix overflow")
        #expect(HistoryAggregate.revertedSubject(#"Revert "Fix overflow" (#)"#) == nil)
        #expect(HistoryAggregate.revertedSubject("Revert the change") == nil)
        #expect(HistoryAggregate.isFix(#"Revert "Fix overflow in column numbers""#))
        #expect(!HistoryAggregate.isFix(#"Revert "Move to the standard build idiom (#31)" (#35)"#))
        // A revert that does not quote what it undoes puts back older code: it fixes nothing of its own (fzf).
        #expect(!HistoryAggregate.isFix("revert(zsh): remove 'fc -RI' call in the history widget (#4093)"))
        #expect(!HistoryAggregate.isFix("Reverted the cache change"))
    }
}

@Suite("Commit subjects that say what a change was")
struct CommitIntentTests {
    @Test("a leak fix or a static checker's complaint is not a bug fix a test could guard")
    func notBehaviour() {
        #expect(!HistoryAggregate.isFix("object-file: fix memory leak in `force_object_loose()`"))
        #expect(!HistoryAggregate.isFix("submodule: fix cwd leak in `get_superproject_working_tree()`"))
        #expect(!HistoryAggregate.isFix("object-file: fix sparse 'plain integer as NULL pointer' error"))
        #expect(!HistoryAggregate.isFix("diff: fix -Wsign-compare warnings"))
        #expect(HistoryAggregate.isFix("object-file: fix closing object stream twice"))
        #expect(HistoryAggregate.isFix("sparse-checkout: fix a crash on empty patterns"))
    }

    @Test("a subject that moves code out of a file says the file is being split")
    func restructuring() {
        #expect(SignalRules.isRestructuring("object-file: move loose object cache into loose source"))
        #expect(SignalRules.isRestructuring("Split the parser into lexer and grammar"))
        #expect(SignalRules.isRestructuring("cache: factor out the eviction policy"))
        #expect(!SignalRules.isRestructuring("object-file: fix closing object stream twice"))
        #expect(!SignalRules.isRestructuring("Remove the movement check"))
    }

    @Test("a subject that adds tests showing a bug demonstrates it; one that gathers tests does not")
    func demonstrations() {
        #expect(SignalRules.demonstratesBug("grep: demonstrate bug with textconv attributes and submodules"))
        #expect(SignalRules.demonstratesBug("t0021: add failing test for the clean filter"))
        #expect(!SignalRules.demonstratesBug("Collect merge-related tests to t64xx"))
        #expect(!SignalRules.demonstratesBug("t/: new helper for tests that pass with ort but fail with recursive"))
    }
}
