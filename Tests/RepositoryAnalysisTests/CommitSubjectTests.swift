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
        #expect(!HistoryAggregate.isFix("Add a parser"))
    }

    @Test("a revert names the subject it reverts, without the pull request a forge appends")
    func reverts() {
        #expect(HistoryAggregate.revertedSubject(#"Revert "Move closer (#31)" (#35)"#) == "Move closer (#31)")
        #expect(HistoryAggregate.revertedSubject(#"Revert "Fix overflow""#) == "Fix overflow")
        #expect(HistoryAggregate.revertedSubject(#"Revert "Fix overflow" (#)"#) == nil)
        #expect(HistoryAggregate.revertedSubject("Revert the change") == nil)
        #expect(HistoryAggregate.isFix(#"Revert "Fix overflow in column numbers""#))
        #expect(!HistoryAggregate.isFix(#"Revert "Move to the standard build idiom (#31)" (#35)"#))
    }
}
