import Foundation
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("ticket-master history")
struct HistoryCommandTests {
    let runner: CommandRunner
    let database: String

    init() throws {
        runner = try CommandRunner()
        database = runner.home.appendingPathComponent("history.sqlite").path
    }

    /// A history with an old run and a recent one.
    private func populate() async throws {
        let store = try SQLiteHistoryStore(path: database)
        try await HistorySample.recordRun(into: store, startedAt: Date().addingTimeInterval(-120 * 86_400), seed: 1)
        try await HistorySample.recordRun(into: store, startedAt: Date(), seed: 2)
    }

    private func history(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRunner.Result {
        try runner.run(["history"] + arguments + ["--database", database], environment: environment)
    }

    @Test("list, show, search and stats print text and JSON")
    func reading() async throws {
        try await populate()
        let list = try history(["list"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("RUN  STARTED"))
        #expect(list.stdout.split(separator: "\n").count == 3)
        let runs = try JSONDecoder.history.decode(
            [RunRecord].self, from: Data(try history(["list", "--format", "json"]).stdout.utf8))
        #expect(runs.map(\.id) == [2, 1])

        let show = try history(["show", "1"])
        #expect(show.status == 0, "\(show.stderr)")
        for expected in [
            "run 1 · partial", "signals (2)", "[filed] Split Sources/Parser.swift", "filed (1)", "acme/api#101",
        ] {
            #expect(show.stdout.contains(expected), "\(expected)\n\(show.stdout)")
        }
        let detail = try JSONDecoder.history.decode(
            RunDetail.self, from: Data(try history(["show", "2", "--format", "json"]).stdout.utf8))
        #expect(detail.publications.map(\.number) == [102])

        let search = try history(["search", "unicode", "lexer", "--format", "json"])
        let hits = try JSONDecoder().decode([SearchHit].self, from: Data(search.stdout.utf8))
        #expect(hits.count == 2 && hits.allSatisfy { $0.kind == .draft })

        let stats = try history(["stats"])
        #expect(
            stats.stdout.contains("runs: 2 (2 partial)") && stats.stdout.contains("issues filed: 2"), "\(stats.stdout)")
        #expect(stats.stdout.contains("openai"))
    }

    @Test("an unknown run and a damaged file give one line and a documented exit code")
    func errors() async throws {
        try await populate()
        let unknown = try history(["show", "99"])
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr
                == "error: no run 99 in the history at \(database); `ticket-master history list` shows the runs\n")

        let broken = runner.home.appendingPathComponent("broken.sqlite").path
        try Data(repeating: 7, count: 4_096).write(to: URL(fileURLWithPath: broken))
        let damaged = try runner.run(["history", "list", "--database", broken])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.split(separator: "\n").count == 1)
        #expect(damaged.stderr.contains("\(broken) is damaged") && damaged.stderr.contains("mv \(broken)"))

        let csvToStdout = try history(["export", "--format", "csv"])
        #expect(csvToStdout.status == 2 && csvToStdout.stderr.contains("--output"))
        let badAge = try history(["prune", "--older-than", "soon"])
        #expect(badAge.status == 2 && badAge.stderr.contains("90d"))
    }

    @Test("export to JSON and CSV, import into an empty file, export again: the same bytes")
    func exportImport() async throws {
        try await populate()
        let first = try history(["export", "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let file = runner.home.appendingPathComponent("export.json").path
        #expect(try history(["export", "--output", file]).status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) + "\n" == first.stdout)

        let copy = runner.home.appendingPathComponent("copy.sqlite").path
        let imported = try runner.run(["history", "import", file, "--database", copy])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("2 run"), "\(imported.stdout)")
        #expect(try runner.run(["history", "export", "--database", copy]).stdout == first.stdout)

        let folder = runner.home.appendingPathComponent("csv").path
        #expect(try history(["export", "--format", "csv", "--output", folder]).status == 0)
        let header = try String(contentsOfFile: folder + "/run.csv", encoding: .utf8).prefix { $0 != "\r" }
        #expect(header.hasPrefix("id,repositoryPath,repositoryRemote,commitHash"))
        let fromCSV = runner.home.appendingPathComponent("from-csv.sqlite").path
        #expect(try runner.run(["history", "import", folder, "--database", fromCSV]).status == 0)
        #expect(try runner.run(["history", "export", "--database", fromCSV]).stdout == first.stdout)
    }

    @Test("prune reports what it removed; size lists every table and checks integrity")
    func pruneAndSize() async throws {
        try await populate()
        let prune = try history(["prune", "--older-than", "90d"])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("removed 1 run(s)") && prune.stdout.contains("2 signal"), "\(prune.stdout)")
        let size = try history(["size", "--check"])
        #expect(size.status == 0, "\(size.stderr)")
        #expect(size.stdout.contains("runEvent") && size.stdout.contains("integrity: ok"), "\(size.stdout)")
        let json = try history(["size", "--format", "json"])
        #expect(json.stdout.contains("\"walBytes\""))
    }

    @Test("without --database the history lives under $XDG_DATA_HOME")
    func defaultLocation() throws {
        let result = try runner.run(["history", "list"])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = runner.home.appendingPathComponent(".local/share/ticket-master/history.sqlite").path
        #expect(result.stdout == "no runs yet in \(expected)\n")
        #expect(FileManager.default.fileExists(atPath: expected))
    }

    @Test("an imported export cannot bring this run's token into the file")
    func importRedacts() async throws {
        let token = "ghp_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let source = try SQLiteHistoryStore(path: runner.home.appendingPathComponent("source.sqlite").path)
        try await HistorySample.recordRun(into: source, text: token)
        let file = runner.home.appendingPathComponent("leaky.json")
        try (try await source.export()).json().write(to: file)
        let result = try history(["import", file.path], environment: ["GITHUB_TOKEN": token])
        #expect(result.status == 0, "\(result.stderr)")
        for path in [database, database + "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
            #expect(!bytes.contains(token), "\(path)")
        }
    }
}

extension JSONDecoder {
    /// Decodes what `printJSON` writes.
    static var history: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
