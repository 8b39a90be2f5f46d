import Foundation
import RepositoryAnalysis
import Testing
import TicketMaster

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
        #expect(issue.labels == ["automated", IssueType(kind).rawValue])
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

    @Test("the fingerprint depends on the evidence, not on the order of signals")
    func fingerprint() {
        let first = signal(.marker, .low, path: "a.swift", line: 1)
        let second = signal(.marker, .low, path: "a.swift", line: 2)
        #expect(draft([first, second], remote: nil).fingerprint == draft([second, first], remote: nil).fingerprint)
        #expect(draft([first], remote: nil).fingerprint != draft([second], remote: nil).fingerprint)
    }
}
