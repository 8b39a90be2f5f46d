import Foundation
import RepositoryAnalysis
import Testing
import TicketMaster

@Suite("The repository's issue templates and forms")
struct IssueTemplatesTests {
    /// A checkout with GitHub's Markdown templates (front matter, bold and `##` headings), an issue form with required
    /// fields, the chooser's `config.yml`, and a GitLab template folder.
    private func checkout() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        let files = [
            ".github/ISSUE_TEMPLATE/bug_report.yml": """
            name: Bug report
            description: Something does not work
            title: "[Bug]: "
            labels: [bug, triage]
            body:
              - type: markdown
                attributes:
                  value: Thanks for taking the time!
              - type: textarea
                id: what-happened
                attributes:
                  label: What happened?
                validations:
                  required: true
              - type: textarea
                attributes:
                  label: Steps to reproduce
              - type: input
                attributes:
                  label: Version
                validations:
                  required: true
              - type: dropdown
                attributes:
                  label: Platform
                  options: [Linux, macOS]
              - type: checkboxes
                attributes:
                  label: Code of conduct
                  options:
                    - label: I agree to follow the code of conduct
                      required: true
            """,
            ".github/ISSUE_TEMPLATE/feature_request.md": """
            ---
            name: Feature request
            about: Suggest an idea
            title: "[Feature]"
            labels: "enhancement, needs-triage"
            ---

            **Is your feature request related to a problem? Please describe.**
            A clear description of the problem.

            **Describe the solution you'd like**
            What you want to happen.

            ## Checklist
            - [ ] I searched the existing issues
            """,
            ".github/ISSUE_TEMPLATE/question.md": "---\nname: Question\nabout: Ask us\n---\n## Question\n",
            ".github/ISSUE_TEMPLATE/config.yml": "blank_issues_enabled: false\n",
            ".gitlab/issue_templates/Default.md": "## Summary\n\n## Steps to reproduce\n\n## Possible fixes\n",
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    private func draft(labels: [String], type: IssueType) -> IssueDraft {
        let body = """
            ## Context

            `src/parse.c` line 12 says FIXME: the parser drops the last line.

            ## Evidence

            - `src/parse.c:12`: `/* FIXME: the parser drops the last line */`

            ## Proposed change

            Keep the last line and add a test.

            ## Acceptance criteria

            - [ ] The last line is parsed

            <sub>Found by Ticket-Master in commit `abc1234def`.</sub>
            """
        return IssueDraft(
            title: "Fix the parser dropping the last line in parse.c", body: body, labels: labels, type: type,
            signals: [], writer: .plain)
    }

    @Test("templates are read from GitHub's and GitLab's folders; the chooser's config.yml is no template")
    func loads() throws {
        let root = try checkout()
        defer { try? FileManager.default.removeItem(at: root) }
        let templates = IssueTemplate.load(from: root)
        #expect(
            templates.map(\.path).sorted() == [
                ".github/ISSUE_TEMPLATE/bug_report.yml", ".github/ISSUE_TEMPLATE/feature_request.md",
                ".github/ISSUE_TEMPLATE/question.md", ".gitlab/issue_templates/Default.md",
            ])
        let feature = try #require(templates.first { $0.name == "Feature request" })
        #expect(feature.labels == ["enhancement", "needs-triage"])
        #expect(feature.title == "[Feature]")
        let form = try #require(templates.first { $0.name == "Bug report" })
        guard case .form(let fields) = form.body else {
            Issue.record("the issue form was read as Markdown")
            return
        }
        #expect(
            fields.map(\.label) == ["What happened?", "Steps to reproduce", "Version", "Platform", "Code of conduct"])
        #expect(fields.filter(\.required).map(\.label) == ["What happened?", "Version", "Code of conduct"])
    }

    @Test("a bug goes into the bug form; a required field the analysis cannot fill is reported, not invented")
    func fillsForm() throws {
        let root = try checkout()
        defer { try? FileManager.default.removeItem(at: root) }
        let bug = draft(labels: ["bug"], type: .maintenance)
        // Chosen automatically, the form is passed over for its required checkbox; named, it is used as it is.
        let (chosen, passedOver) = IssueTemplates(IssueTemplate.load(from: root)).choose(for: bug)
        #expect(chosen?.path != ".github/ISSUE_TEMPLATE/bug_report.yml")
        #expect(
            passedOver == [
                "issue template .github/ISSUE_TEMPLATE/bug_report.yml not used: required checkboxes 'Code of conduct' "
                    + "cannot be ticked"
            ])
        let templates = IssueTemplates(IssueTemplate.load(from: root), choice: "bug_report.yml")
        let template = try #require(templates.template(for: bug))
        #expect(template.path == ".github/ISSUE_TEMPLATE/bug_report.yml")
        let (formed, problems) = IssueTemplates.apply(template, to: bug)
        #expect(formed.title == "[Bug]: Fix the parser dropping the last line in parse.c")
        #expect(formed.labels == ["bug", "triage"])
        #expect(formed.fingerprint == bug.fingerprint)
        #expect(formed.body.contains("### What happened?\n\n`src/parse.c` line 12 says FIXME"))
        #expect(formed.body.contains("### Steps to reproduce\n\n- `src/parse.c:12`"))
        #expect(formed.body.contains("### Version\n\nCommit `abc1234def`, read by Ticket-Master (not run)."))
        #expect(formed.body.contains("- [ ] I agree to follow the code of conduct"))
        // What no field took follows under its own heading, and the provenance line stays last.
        #expect(formed.body.contains("## Proposed change\n\nKeep the last line"))
        #expect(formed.body.hasSuffix("<sub>Found by Ticket-Master in commit `abc1234def`.</sub>\n"))
        #expect(problems == ["required checkboxes 'Code of conduct' cannot be ticked"])
    }

    @Test("other issues go into the feature template; a question template never fits; none and a name choose")
    func choosesMarkdown() throws {
        let root = try checkout()
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = IssueTemplate.load(from: root)
        let testing = draft(labels: ["testing"], type: .testing)
        let template = try #require(IssueTemplates(loaded).template(for: testing))
        #expect(template.name == "Feature request")
        let (formed, problems) = IssueTemplates.apply(template, to: testing)
        #expect(problems.isEmpty)
        #expect(formed.title == "[Feature] Fix the parser dropping the last line in parse.c")
        #expect(formed.labels == ["testing", "enhancement", "needs-triage"])
        #expect(
            formed.body.contains(
                "**Is your feature request related to a problem? Please describe.**\n\n`src/parse.c` line 12"))
        #expect(formed.body.contains("**Describe the solution you'd like**\n\nKeep the last line and add a test."))
        #expect(formed.body.contains("## Checklist\n\n- [ ] I searched the existing issues"))
        #expect(!formed.body.contains("A clear description of the problem"), "the template's guidance is replaced")
        #expect(IssueTemplates(loaded, choice: "none").template(for: testing) == nil)
        #expect(IssueTemplates(loaded, choice: "Default.md").template(for: testing)?.path.hasPrefix(".gitlab") == true)
        let questions = loaded.filter { $0.name == "Question" }
        #expect(IssueTemplates(questions).template(for: testing) == nil)
        // The feature request fits other work only because `config.yml` turns blank issues off: a generated issue is
        // never a new feature, so where blank issues are allowed the draft keeps its own sections.
        #expect(loaded.filter { $0.path.hasPrefix(".github/") }.allSatisfy { !$0.blankIssuesAllowed })
        #expect(loaded.filter { $0.path.hasPrefix(".gitlab/") }.allSatisfy { $0.blankIssuesAllowed })
        let open = loaded.filter { $0.path.hasPrefix(".github/") }.map { template in
            var template = template
            template.blankIssuesAllowed = true
            return template
        }
        #expect(IssueTemplates(open).template(for: testing) == nil)
        #expect(IssueTemplates(open).template(for: draft(labels: ["bug"], type: .bug)) == nil, "its form asks too much")
    }

    @Test("a GitLab template's headings take the draft's sections by their meaning")
    func gitLab() throws {
        let root = try checkout()
        defer { try? FileManager.default.removeItem(at: root) }
        let template = try #require(IssueTemplate.load(from: root).first { $0.path.hasPrefix(".gitlab") })
        let (formed, _) = IssueTemplates.apply(template, to: draft(labels: [], type: .maintenance))
        #expect(formed.body.hasPrefix("## Summary\n\n`src/parse.c` line 12"))
        #expect(formed.body.contains("## Steps to reproduce\n\n- `src/parse.c:12`"))
        #expect(formed.body.contains("## Possible fixes\n\nKeep the last line and add a test."))
        #expect(formed.body.contains("## Acceptance criteria\n\n- [ ] The last line is parsed"))
    }
}
