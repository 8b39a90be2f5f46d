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
