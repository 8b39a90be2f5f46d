import Foundation
import LanguageModels
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

/// A whole run through the library's run service, without the executable: a real repository, a scripted model,
/// the GitHub-conformant loopback server and a test clock for its rate limits.
@Suite("The run service", .serialized)
struct RunServiceTests {
    /// Collects a run's events in order.
    final class Recorder: Sendable {
        private let recorded = Mutex<[RunEvent]>([])
        var events: [RunEvent] { recorded.withLock { $0 } }
        var sink: RunEvents { RunEvents { event in self.recorded.withLock { $0.append(event) } } }
    }

    @Test("suggest then file: plain-writer fallback, a duplicate set aside, a rate-limit wait, one outcome")
    func wholeRun() async throws {
        let server = try await GitHubTestServer()
        defer { server.stop() }
        try await server.createRepository(
            owner: "acme", name: "api",
            issues: [.init(title: "Add a README", body: "Say what the parser is for and how to build it.")])
        try await server.fail(with: .tooManyRequests(retryAfter: 7), method: "POST", path: "/issues$")
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        try repository.write("func parse() {\n    // FIXME: handle malformed input\n}\n", to: "Sources/Parser.swift")
        try repository.write("func lex() {\n    // TODO: support tabs in indentation\n}\n", to: "Sources/Lexer.swift")
        // With CI in place, the three suggestions are the two notes and the README.
        try repository.write("on: push\njobs: {}\n", to: ".github/workflows/ci.yml")
        try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))

        let home = FileManager.default.temporaryDirectory.appendingPathComponent("run-service-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let token = "ghp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let variables = ["HOME": home.path, "GITHUB_TOKEN": token]
        let resolved = ConfigurationLoader(environment: variables).load(
            searchDirectory: repository.url.path,
            flags: [
                ("llm.provider", "--provider", "openai"), ("llm.model", "--model", "scripted"),
                ("llm.embedding_model", "--embedding-model", "none"),
                ("github.api_url", "--api-url", server.url.absoluteString),
                ("history.path", "--history", home.appendingPathComponent("history.sqlite").path),
                ("publishing.pause_seconds", "--pause", "0"), ("issue_generation.max_issues", "--max-issues", "3"),
                // The notes are tasks with no evidence beyond their words, which rank low.
                ("issue_generation.min_severity", "--min-severity", "low"),
            ])
        // The model breaks the schema twice (the draft and its repair), then is down: the plain writer takes over.
        let model = InMemoryLanguageModel([
            .text("not an issue"), .text("still not an issue"),
            .failure(LanguageModelError(.unavailable, "the model server is down")),
        ])
        let clock = TrackerTestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let environment = try RunEnvironment(
            resolved: resolved, cacheDirectory: home.appendingPathComponent("cache"), trackerClock: clock,
            now: { clock.date }, variables: variables, makeModel: { _, _ in model })
        let service = RunService(environment: environment)
        let recorder = Recorder()

        let result = try await service.suggest(
            .init(location: repository.url.path, remote: try RemoteRepository(parsing: "acme/api"), files: true),
            events: recorder.sink)
        let report = try await service.file(result, approval: ApproveAll(), events: recorder.sink)

        // Analysis phases depend on timing; everything after them is exact.
        let events = recorder.events.filter {
            if case .analyzing = $0 { return false }
            return true
        }
        let parser = "Handle malformed input in Sources/Parser.swift"
        let lexer = "Support tabs in indentation in Sources/Lexer.swift"
        let readme = "Add a README"
        let call = RunEvent.modelCall(
            stage: "draft", model: "memory/scripted", promptTokens: 10, completionTokens: 5, cost: nil)
        let expected: [RunEvent] = [
            .analyzed(findings: 3, commit: result.suggestions.commit),
            .runStarted(runId: result.runId),
            .writing(completed: 0, total: 3),
            call, call,
            .plainWriterUsed(
                title: readme,
                reason: "the model failed (memory: scripted at memory:// did not return valid Content JSON after one "
                    + "repair attempt (the reply is not valid JSON); raise max_tokens or choose a stronger model); "
                    + "plain writer used"),
            .draftWritten(title: readme, writer: "plain writer", score: nil),
            .writing(completed: 1, total: 3),
            .plainWriterUsed(title: lexer, reason: "the model failed (the model server is down); plain writer used"),
            .draftWritten(title: lexer, writer: "plain writer", score: nil),
            .writing(completed: 2, total: 3),
            .draftWritten(title: parser, writer: "plain writer", score: nil),
            .writing(completed: 3, total: 3),
            .duplicateSetAside(
                title: readme, duplicateOf: "#1 (https://github.com/acme/api/issues/1)",
                reason: try #require(result.suggestions.duplicates.first?.reason)),
            .draftsSaved(drafts: 2, duplicates: 1),
            .rateLimitWait(
                until: Date(timeIntervalSince1970: 1_800_000_007),
                reason: "secondary rate limit (retry-after) (HTTP 429)"),
            .issueFiled(title: lexer, number: 2, url: "https://github.com/acme/api/issues/2"),
            .issueFiled(title: parser, number: 3, url: "https://github.com/acme/api/issues/3"),
            .finished(outcome: .succeeded, message: nil),
        ]
        #expect(events == expected, "\(events.map { "\($0)" }.joined(separator: "\n"))")
        #expect(clock.sleeps == [.seconds(7)])
        #expect(report.filed.map(\.title) == [lexer, parser])
        // The run is finished once, with the outcome of filing, and the events are plain JSON for the web service.
        let detail = try await environment.openHistory().run(result.runId)
        #expect(detail.run.outcome == .succeeded)
        // History keeps every event but the progress ticks, in order.
        let kept = expected.filter {
            if case .writing = $0 { return false }
            return true
        }
        #expect(try detail.events.map { try $0.event() } == kept)
        #expect(detail.events.map(\.sequence) == Array(0..<kept.count))
        let json = try JSONEncoder().encode(events)
        #expect(try JSONDecoder().decode([RunEvent].self, from: json) == events)
        #expect(String(decoding: json, as: UTF8.self).contains(token) == false)
    }
}
