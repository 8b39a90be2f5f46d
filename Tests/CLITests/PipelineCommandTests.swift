import Foundation
import Testing
import TicketMasterTesting

@Suite("ticket-master pipeline show")
struct PipelineCommandTests {
    let runner: CommandRunner
    let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    init() throws {
        runner = try CommandRunner()
    }

    @Test("the default pipeline matches its text and Mermaid snapshots")
    func defaults() throws {
        let text = try runner.run(["pipeline", "show"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(try Snapshot.mismatch(text.stdout, named: "pipeline-show", in: snapshots) == nil)
        let mermaid = try runner.run(["pipeline", "show", "--format", "mermaid"])
        #expect(mermaid.status == 0, "\(mermaid.stderr)")
        #expect(try Snapshot.mismatch(mermaid.stdout, named: "pipeline-show-mermaid", in: snapshots) == nil)
    }

    @Test("a stage added in configuration appears with its model and template, in every format")
    func addedStage() throws {
        let prompts = runner.home.appendingPathComponent("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        for part in ["system", "user"] {
            try Data("Critique {{title}}".utf8).write(to: prompts.appendingPathComponent("critique.\(part).mustache"))
        }
        let config = runner.home.appendingPathComponent("pipeline.yaml")
        try Data(
            """
            prompts:
              directory: \(prompts.path)
            llm:
              provider: ollama
              model: llama3.2
            pipeline:
              stages:
                - draft
                - review
                - {name: second-opinion, kind: review, model: openai/gpt-4o-mini, template: critique, threshold: 75}
            """.utf8
        ).write(to: config)

        let text = try runner.run(["pipeline", "show", "--config", config.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("6. second-opinion"), "\(text.stdout)")
        #expect(text.stdout.contains("model: openai/gpt-4o-mini"))
        #expect(text.stdout.contains("template: critique (\(prompts.path))"))
        #expect(text.stdout.contains("model: ollama/llama3.2"))
        #expect(text.stdout.contains("below 75 it is rewritten once"))

        let json = try runner.run(["pipeline", "show", "--config", config.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(
            steps.compactMap { $0["name"] as? String } == [
                "analysis", "planning", "draft", "checks", "review", "second-opinion", "plain-writer",
                "deduplication", "history",
            ])

        let mermaid = try runner.run(["pipeline", "show", "--config", config.path, "--format", "mermaid"])
        #expect(mermaid.stdout.hasPrefix("flowchart TD\n"))
        #expect(mermaid.stdout.contains("stage_review -- pass --> stage_second_opinion"), "\(mermaid.stdout)")
        #expect(mermaid.stdout.contains("stage_second_opinion -- pass --> deduplication"))
    }

    @Test("a stage list that cannot run is a configuration error with its line, exit code 3")
    func badStages() throws {
        let config = runner.home.appendingPathComponent("bad.yaml")
        try Data("pipeline:\n  stages: [review, draft]\n".utf8).write(to: config)
        let result = try runner.run(["pipeline", "show", "--config", config.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("bad.yaml:2"), "\(result.stderr)")
        #expect(result.stderr.contains("start with one draft stage"), "\(result.stderr)")
    }
}
