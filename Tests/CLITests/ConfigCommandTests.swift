import Foundation
import Testing
import TicketMasterTesting

@Suite("ticket-master config")
struct ConfigCommandTests {
    let runner: CommandRunner
    let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    init() throws {
        runner = try CommandRunner()
    }

    private func write(_ text: String, to name: String) throws -> String {
        let path = runner.home.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("config show prints every key with its source, defaults only")
    func showDefaults() throws {
        let result = try runner.run(["config", "show"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Snapshot.mismatch(result.stdout, named: "config-show", in: snapshots) == nil)
    }

    @Test("the README's configuration table documents every key config show knows")
    func readmeDocumentsEveryKey() throws {
        let result = try runner.run(["config", "show", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let readme = try String(
            contentsOf: snapshots.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("README.md"), encoding: .utf8)
        let keys = rows.compactMap { $0["key"] as? String }
        #expect(keys.count > 30)
        let undocumented = keys.filter { !readme.contains("| `\($0)` |") }
        #expect(undocumented.isEmpty, "add these keys to the README's configuration table: \(undocumented)")
    }

    @Test("config show masks secrets and names the environment variable they came from")
    func showMasksSecrets() throws {
        let token = "ghp_\(UUID().uuidString)"
        let result = try runner.run(
            ["config", "show"], environment: ["GITHUB_TOKEN": token, "OLLAMA_HOST": "0.0.0.0"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains(token) && !result.stderr.contains(token))
        #expect(result.stdout.contains(#"github.token"#) && result.stdout.contains("(environment GITHUB_TOKEN)"))
        #expect(result.stdout.contains(#""http://127.0.0.1:11434""#))
    }

    @Test("layers: flags beat environment beat --config beat defaults")
    func layering() throws {
        let file = try write("issue_generation:\n  max_issues: 7\nllm:\n  model: from-file\n", to: "layers.yaml")
        let result = try runner.run(
            ["config", "show", "--config", file, "--format", "json", "--log-level", "warning"],
            environment: ["TICKET_MASTER_LLM_MODEL": "from-env"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONDecoder().decode([[String: String]].self, from: Data(result.stdout.utf8))
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] ?? "", $0) })
        #expect(byKey["issue_generation.max_issues"]?["value"] == "7")
        #expect(byKey["issue_generation.max_issues"]?["source"] == "--config \(file)")
        #expect(byKey["llm.model"]?["value"] == #""from-env""#)
        #expect(byKey["logging.level"]?["value"] == #""WARNING""#)
        #expect(byKey["logging.level"]?["source"] == "flag --log-level")
    }

    @Test("the project file is found walking up from the repository")
    func projectFileDiscovery() throws {
        let nested = runner.home.appendingPathComponent("project/a/b")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        _ = try write("issue_generation:\n  max_issues: 9\n", to: "project/.ticket-master.yaml")
        let result = try runner.run(["config", "show", "--repository", nested.path, "--format", "json"])
        #expect(result.stdout.contains(#""value" : "9""#))
        #expect(result.stdout.contains("project file"))
    }

    @Test("the original project's example configuration loads, reporting what it does not support")
    func pythonExampleLoads() throws {
        let example = CommandRunner.packageRoot.appendingPathComponent("../shared/reference/python-config.yaml.example")
            .standardizedFileURL.path
        try #require(FileManager.default.fileExists(atPath: example), "shared/ must sit beside the repository")
        let result = try runner.run(["config", "validate", "--config", example])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("0 error(s)"))
        for key in ["llm.huggingface", "logging.format", "advanced.cache_dir", "advanced.cache_max_age"] {
            #expect(result.stdout.contains("warning: \(key) is not supported"), "\(key)")
        }
        #expect(result.stdout.contains("advanced.parallel.max_workers is read as repository.jobs"))
        let shown = try runner.run(["config", "show", "--config", example, "--format", "json"])
        #expect(shown.stdout.contains(#""value" : "[\"enhancement\", \"automated\", \"ai-generated\"]""#))
    }

    @Test(
        "bad configuration gives one line naming file and line, and exit code 3",
        arguments: [
            ("github:\n  default_labels: [a, b\nrepository:\n  max_commits: 5\n", ":3: malformed YAML"),
            ("repository:\n  max_commits: many\n", ":2: repository.max_commits must be an integer"),
            (
                "issue_generation:\n  max_isues: 3\n",
                ":2: unknown key issue_generation.max_isues; did you mean issue_generation.max_issues?"
            ),
            ("llm:\n  provider: olama\n", "did you mean ollama?"),
        ])
    func badConfiguration(text: String, expected: String) throws {
        let file = try write(text, to: "bad-\(UUID().uuidString).yaml")
        let result = try runner.run(["config", "show", "--config", file])
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(file + ":"))
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("config init writes a file that validates and documents every key")
    func initRoundTrip() throws {
        let target = runner.home.appendingPathComponent("init/.ticket-master.yaml").path
        #expect(try runner.run(["config", "init", target]).status == 0)
        let again = try runner.run(["config", "init", target])
        #expect(again.status == 2 && again.stderr.contains("--force"))
        let validated = try runner.run(["config", "validate", "--config", target])
        #expect(validated.status == 0 && validated.stdout.contains("0 error(s), 0 warning(s)"), "\(validated.stdout)")
        let text = try String(contentsOfFile: target, encoding: .utf8)
        #expect(text.contains("# Token for filing issues"))
        #expect(text.contains("  ollama:\n"))
    }

    @Test("a wrong value in the environment is a configuration error naming the variable, not its value")
    func badEnvironment() throws {
        let result = try runner.run(
            ["config", "show"], environment: ["TICKET_MASTER_ISSUE_GENERATION_MAX_ISSUES": "lots"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("TICKET_MASTER_ISSUE_GENERATION_MAX_ISSUES must be an integer"))
    }
}
