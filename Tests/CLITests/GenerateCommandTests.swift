import Foundation
import Testing
import TicketMasterTesting

@Suite("ticket-master generate and analyze")
struct GenerateCommandTests {
    let runner: CommandRunner
    let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    init() throws {
        runner = try CommandRunner()
    }

    /// A repository with planted facts: an old FIXME, a hot untested file, a large new module without docs.
    private func plantedRepository() async throws -> TemporaryGitRepository {
        try await TemporaryGitRepository.planted(readme: true)
    }

    @Test("--help and generate --help match their snapshots", arguments: [["--help"], ["generate", "--help"]])
    func helpSnapshots(arguments: [String]) throws {
        let result = try runner.run(arguments)
        #expect(result.status == 0)
        let name = arguments.count == 1 ? "help" : "generate-help"
        #expect(try Snapshot.mismatch(result.stdout, named: name, in: snapshots) == nil)
    }

    @Test("the original form previews drafts grounded in real files, within --max-issues")
    func originalForm() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let result = try runner.run(
            [
                repository.url.path, "acme/api", "--dry-run", "--max-issues", "3", "--format", "json", "--log-level",
                "ERROR",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let drafts = try #require(json["drafts"] as? [[String: Any]])
        #expect((1...3).contains(drafts.count))
        var fingerprints = Set<String>()
        for entry in drafts {
            let draft = try #require(entry["draft"] as? [String: Any])
            let body = try #require(draft["body"] as? String)
            let title = try #require(draft["title"] as? String)
            #expect(title.count < 80)
            #expect(fingerprints.insert(try #require(draft["fingerprint"] as? String)).inserted)
            // Every link points at a file that exists in the repository, at the analysed commit on acme/api.
            for match in body.matches(of: /\(https:\/\/github\.com\/acme\/api\/blob\/[0-9a-f]{40}\/([^#)]+)/) {
                let path = String(match.1).removingPercentEncoding ?? String(match.1)
                #expect(
                    FileManager.default.fileExists(atPath: repository.url.appendingPathComponent(path).path), "\(path)")
            }
        }

        // The text preview says who wrote the drafts: here no model is installed or configured.
        let text = try runner.run([repository.url.path, "acme/api", "--dry-run", "--max-issues", "3", "-q"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("suggested issue(s) for acme/api (dry run: nothing filed)"), "\(text.stdout)")
        #expect(text.stdout.contains("every draft was written by the plain writer"), "\(text.stdout)")
    }

    @Test("--provider none writes every draft plainly, says why each was chosen and what was left out")
    func providerNone() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let result = try runner.run([
            "generate", repository.url.path, "--dry-run", "--provider", "none", "--max-issues", "2", "--color", "never",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("model: none (llm.provider)"), "\(result.stderr)")
        #expect(result.stdout.contains("why: ranked 1 of"), "\(result.stdout)")
        #expect(result.stdout.contains("left out:"), "\(result.stdout)")
        let check = try runner.run(["models", "check"], environment: ["TICKET_MASTER_LLM_PROVIDER": "none"])
        #expect(check.status == 1)
        #expect(check.stderr.contains("llm.provider is none"), "\(check.stderr)")
    }

    @Test("a draft follows the repository's issue form only when it can fill every required field")
    func issueForm() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        try repository.write(
            """
            name: Bug report
            title: "[Bug]: "
            labels: [bug]
            body:
              - type: textarea
                attributes:
                  label: What happened?
                validations:
                  required: true
              - type: input
                attributes:
                  label: Operating system
                validations:
                  required: true
            """, to: ".github/ISSUE_TEMPLATE/bug_report.yml")
        try await repository.commit("Add an issue form", date: Date().addingTimeInterval(-60))
        let arguments = [
            "generate", repository.url.path, "--dry-run", "--provider", "none", "--max-issues", "3", "--format", "json",
        ]
        let result = try runner.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let drafts = try #require(json["drafts"] as? [[String: Any]])
        let bug = try #require(
            drafts.first { (($0["draft"] as? [String: Any])?["title"] as? String)?.contains("malformed") == true })
        // Chosen automatically, a form asking what the analysis cannot know is passed over, and the note says why.
        #expect(bug["template"] == nil)
        let unformed = try #require((bug["draft"] as? [String: Any])?["body"] as? String)
        #expect(unformed.hasPrefix("## Context") && !unformed.contains("_No response_"), "\(unformed)")
        let notes = bug["notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("required field 'Operating system' cannot be filled") }, "\(notes)")
        // Named in the configuration, it is used as it is, and the blank is reported, not invented.
        let named = try runner.run(
            arguments, environment: ["TICKET_MASTER_ISSUE_GENERATION_ISSUE_TEMPLATE": "bug_report.yml"])
        let namedJSON = try #require(try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any])
        let formed = try #require(
            (namedJSON["drafts"] as? [[String: Any]])?.first {
                (($0["draft"] as? [String: Any])?["title"] as? String)?.contains("malformed") == true
            })
        #expect(formed["template"] as? String == ".github/ISSUE_TEMPLATE/bug_report.yml")
        let draft = try #require(formed["draft"] as? [String: Any])
        #expect((draft["title"] as? String)?.hasPrefix("[Bug]: ") == true)
        let body = try #require(draft["body"] as? String)
        #expect(body.hasPrefix("### What happened?\n\n`Sources/Parser.swift` line 2"), "\(body)")
        #expect(body.contains("### Operating system\n\n_No response_"))
        let formedNotes = formed["notes"] as? [String] ?? []
        #expect(formedNotes.contains { $0.contains("'Operating system' cannot be filled") }, "\(formedNotes)")
        let text = try runner.run(
            Array(arguments.dropLast(2)) + ["--color", "never"],
            environment: ["TICKET_MASTER_ISSUE_GENERATION_ISSUE_TEMPLATE": "bug_report.yml"])
        #expect(text.stdout.contains("template: .github/ISSUE_TEMPLATE/bug_report.yml"), "\(text.stdout)")
        // `issue_generation.issue_template: none` keeps the drafts' own sections.
        let plain = try runner.run(arguments, environment: ["TICKET_MASTER_ISSUE_GENERATION_ISSUE_TEMPLATE": "none"])
        #expect(plain.status == 0 && !plain.stdout.contains("bug_report.yml") && plain.stdout.contains("## Context"))
    }

    @Test("the repository to file on is inferred from the origin remote")
    func infersOrigin() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        try await repository.run(["remote", "add", "origin", "git@github.com:acme/widgets.git"])
        let result = try runner.run(["generate", repository.url.path, "--dry-run", "--color", "never"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("for acme/widgets"))
        #expect(!result.stdout.contains("\u{1B}["))

        // An origin that is a folder on this machine names no forge: nothing to file on, nothing to compare with.
        try await repository.run(["remote", "set-url", "origin", "/srv/git/acme/widgets"])
        let local = try runner.run(["generate", repository.url.path, "--dry-run", "--color", "never"])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stdout.contains("suggested issue(s) (dry run: nothing filed)"), "\(local.stdout)")
        #expect(!local.stderr.contains("not compared"), "\(local.stderr)")
    }

    @Test("a clone URL is cloned into a temporary folder that is removed afterwards")
    func cloneURL() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        // A temporary folder of its own, so that folders other tests make at the same time are not mistaken for
        // a clone left behind.
        let temporary = runner.home.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let result = try runner.run(
            ["analyze", "file://" + repository.url.path, "--format", "json", "-q"],
            environment: ["TMPDIR": temporary.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"signals\""))
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary.path)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("--verbose logs how long each phase of the analysis took, on standard error")
    func phaseTimes() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let result = try runner.run(["analyze", repository.url.path, "--format", "json", "--verbose"])
        #expect(result.status == 0, "\(result.stderr)")
        for phase in ["scanning files", "reading history", "dating markers"] {
            #expect(result.stderr.contains("debug: \(phase) took "), "\(result.stderr)")
        }
        #expect(!result.stdout.contains(" took "))
        let quiet = try runner.run(["analyze", repository.url.path, "--format", "json"])
        #expect(!quiet.stderr.contains(" took "), "\(quiet.stderr)")
    }

    @Test("--color always colours the preview; NO_COLOR is honoured")
    func color() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        let colored = try runner.run(["generate", repository.url.path, "--dry-run", "--color", "always", "-q"])
        #expect(colored.stdout.contains("\u{1B}[1m"))
        let plain = try runner.run(
            ["generate", repository.url.path, "--dry-run", "-q"], environment: ["NO_COLOR": "1"])
        #expect(!plain.stdout.contains("\u{1B}["))
    }

    @Test(
        "bad input gives one clear line and the documented exit code",
        arguments: [
            (["generate", "/nonexistent/repo", "--dry-run"], Int32(2), "does not exist"),
            (["generate", "{notrepo}", "--dry-run"], 2, "is not inside a Git repository"),
            (["{repo}", "not-a-repo", "--dry-run"], 2, "expected owner/repo"),
            (["{repo}", "acme/api", "--dry-run", "--max-issues", "0"], 2, "--max-issues must be at least 1"),
            (["{repo}", "acme/api", "--dry-run", "--max-issues", "-3"], 2, "--max-issues must be at least 1"),
            (["analyze", "{repo}", "--since", "last tuesday"], 2, "--since must be a date"),
            (["generate", "{repo}", "--dry-run", "--log-level", "LOUD"], 3, "--log-level must be one of"),
        ] as [([String], Int32, String)])
    func badInput(arguments: [String], status: Int32, message: String) async throws {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        let notRepository = runner.home.appendingPathComponent("plain-folder")
        try FileManager.default.createDirectory(at: notRepository, withIntermediateDirectories: true)
        let resolved = arguments.map {
            $0.replacingOccurrences(of: "{repo}", with: repository.url.path)
                .replacingOccurrences(of: "{notrepo}", with: notRepository.path)
        }
        let result = try runner.run(resolved)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("every generate run, and its drafts, are saved to history before the preview")
    func recordsHistory() async throws {
        let repository = try await plantedRepository()
        defer { repository.remove() }
        for _ in 1...2 {
            #expect(try runner.run(["generate", repository.url.path, "--dry-run", "-q"]).status == 0)
        }
        let list = try runner.run(["history", "list", "--format", "json"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(runs.count == 2)
        #expect(
            runs.allSatisfy {
                $0["outcome"] as? String == "succeeded" && $0["repositoryPath"] as? String == repository.url.path
            })
        let show = try runner.run(["history", "show", "1", "--format", "json"])
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((detail["drafts"] as? [Any])?.isEmpty == false)
        #expect((detail["signals"] as? [Any])?.isEmpty == false)
    }

    @Test("an empty repository is analysed without error and suggests nothing from history")
    func emptyRepository() async throws {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        let result = try runner.run(["generate", repository.url.path, "--dry-run", "--format", "json", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"drafts\""))
    }
}
