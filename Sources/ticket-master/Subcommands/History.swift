import ArgumentParser
import Foundation
import TicketMaster

/// `ticket-master history list | show | search | stats | export | import | prune | size`.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look through, search, export and tidy the history of runs.",
        discussion: """
            Every run records what it found, drafted, spent and filed in one SQLite file: \
            $XDG_DATA_HOME/ticket-master/history.sqlite (~/.local/share/... without XDG_DATA_HOME), or history.path, \
            or --database; or, with database.url, in a PostgreSQL database that list, show, search and stats read \
            (export, import, prune and size work on the file). Prompt texts are kept only with \
            history.keep_prompts: true; tokens and API keys never.
            """,
        subcommands: [List.self, Show.self, Search.self, Stats.self, Export.self, Import.self, Prune.self, Size.self]
    )

    /// Options every history subcommand accepts.
    struct Options: ParsableArguments {
        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Use this history database instead of history.path.", valueName: "file"))
        var database: String?

        /// Loads the configuration and opens the history it names: `database.url`'s PostgreSQL database, else the
        /// SQLite file (`--database`, `history.path`).
        func open() async throws -> (Session, any HistoryStore) {
            let session = try start()
            return (session, try await session.openHistory())
        }

        /// Loads the configuration and opens the SQLite history file, for `purpose` (`history export`), which only
        /// a file supports.
        func openFile(for purpose: String) throws -> (Session, SQLiteHistoryStore) {
            let session = try start()
            return (session, try session.openSQLiteHistory(for: purpose))
        }

        private func start() throws -> Session {
            try Session.start(global, flags: database.map { [("history.path", "--database", $0)] } ?? [])
        }
    }

    /// `history list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the most recent runs, newest first.")

        @OptionGroup var options: Options

        @Option(help: "How many runs to list.")
        var limit = 20

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let (session, store) = try await options.open()
            let runs = try await store.runs(limit: limit)
            switch format {
            case .json:
                try printJSON(runs)
            case .text:
                guard !runs.isEmpty else {
                    print("no runs yet in \(store.locationDescription)")
                    return
                }
                let header = ["RUN", "STARTED", "OUTCOME", "SIGNALS", "DRAFTS", "FILED", "REPOSITORY"]
                let rows = runs.map { run in
                    [
                        String(run.id ?? 0), HistoryText.date(run.startedAt), run.outcome.rawValue,
                        String(run.signalCount), String(run.draftCount), String(run.filedCount),
                        run.repositoryPath + (run.commitHash.map { " @ \($0.prefix(10))" } ?? ""),
                    ]
                }
                HistoryText.printTable(header: header, rows: rows, terminal: session.terminal)
            }
        }
    }

    /// `history show RUN`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: its signals, drafts, model calls and filed issues.")

        @OptionGroup var options: Options

        @Argument(help: ArgumentHelp("The run's number, from `history list`.", valueName: "run"))
        var run: Int64

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let (session, store) = try await options.open()
            let detail = try await store.run(run)
            switch format {
            case .json: try printJSON(detail)
            case .text: HistoryText.printDetail(detail, terminal: session.terminal)
            }
        }
    }

    /// `history search TEXT`.
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search drafts and filed issues; every word must match, as a word or the start of one.")

        @OptionGroup var options: Options

        @Argument(help: ArgumentHelp("The words to look for.", valueName: "text"))
        var text: [String]

        @Option(help: "How many results to show.")
        var limit = 20

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let (session, store) = try await options.open()
            let hits = try await store.search(text.joined(separator: " "), limit: limit)
            switch format {
            case .json:
                try printJSON(hits)
            case .text:
                if hits.isEmpty { print("nothing matches \"\(text.joined(separator: " "))\"") }
                for hit in hits {
                    let location = hit.url ?? hit.status.map { "[\($0.rawValue)]" } ?? ""
                    let kind = session.terminal.paint("\(hit.kind.rawValue) \(hit.id), run \(hit.runId)", .dim)
                    print("\(session.terminal.paint(hit.title, .bold))  \(location)  \(kind)")
                    print("    " + hit.snippet.replacingOccurrences(of: "\n", with: " "))
                }
            }
        }
    }

    /// `history stats`.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count runs and filed issues, and add up tokens and cost per provider per month.")

        @OptionGroup var options: Options

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let (session, store) = try await options.open()
            let stats = try await store.stats()
            switch format {
            case .json:
                try printJSON(stats)
            case .text:
                let outcomes = stats.outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
                print("runs: \(stats.runs)" + (outcomes.isEmpty ? "" : " (\(outcomes.joined(separator: ", ")))"))
                print("drafts: \(stats.drafts)")
                print("issues filed: \(stats.issuesFiled)")
                if !stats.months.isEmpty {
                    print("")
                    HistoryText.printTable(
                        header: ["MONTH", "RUNS", "FILED"],
                        rows: stats.months.map { [$0.month, String($0.runs), String($0.issuesFiled)] },
                        terminal: session.terminal)
                }
                if !stats.usage.isEmpty {
                    print("")
                    HistoryText.printTable(
                        header: ["MONTH", "PROVIDER", "CALLS", "PROMPT TOKENS", "COMPLETION TOKENS", "COST (USD)"],
                        rows: stats.usage.map {
                            [
                                $0.month, $0.provider, String($0.calls), String($0.promptTokens),
                                String($0.completionTokens), String(format: "%.4f", $0.cost),
                            ]
                        },
                        terminal: session.terminal)
                }
            }
        }
    }

    /// The formats of `history export`.
    enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
        case json, csv
    }

    /// `history export`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every table: JSON to standard output or a file, or one CSV file per table.",
            discussion: """
                `history import` reads either form back; into an empty history it reproduces the same rows. \
                CSV quotes every text and blob (base64) and leaves NULL empty and unquoted.
                """)

        @OptionGroup var options: Options

        @Option(help: "json (one document) or csv (one file per table, in the --output folder).")
        var format: ExportFormat = .json

        @Option(help: ArgumentHelp("The JSON file, or the folder for CSV files.", valueName: "path"))
        var output: String?

        func validate() throws {
            if format == .csv && output == nil {
                throw ValidationError("CSV export writes one file per table; pass --output FOLDER")
            }
        }

        func run() async throws {
            let (_, store) = try options.openFile(for: "history export")
            let archive = try await store.export()
            do {
                switch (format, output) {
                case (.json, nil):
                    FileHandle.standardOutput.write(try archive.json())
                    FileHandle.standardOutput.write(Data("\n".utf8))
                case (.json, let file?):
                    try archive.json().write(to: URL(fileURLWithPath: file), options: .atomic)
                case (.csv, let folder?):
                    try archive.writeCSV(to: URL(fileURLWithPath: folder))
                case (.csv, nil):
                    return
                }
            } catch let error as EncodingError {
                throw TicketMasterError(.failure, "cannot encode the history: \(error)", cause: error)
            } catch let error as TicketMasterError {
                throw error
            } catch {
                throw TicketMasterError(
                    .failure, "cannot write \(output ?? "the export"): \(error.localizedDescription)", cause: error)
            }
            if let output {
                let rows = archive.tables.values.map(\.count).reduce(0, +)
                StandardError.write("exported \(rows) rows from \(store.path) to \(output)\n")
            }
        }
    }

    /// `history import FILE`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a JSON export, or a folder of CSV files, in one transaction.",
            discussion: """
                Into an empty history the rows keep their ids; into one that has runs, the imported runs get new \
                numbers. Either all of the file is imported or, on any error or interruption, none of it.
                """)

        @OptionGroup var options: Options

        @Argument(help: ArgumentHelp("The export: a JSON file, or a folder of CSV files.", valueName: "file"))
        var file: String

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let (_, store) = try options.openFile(for: "history import")
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
                throw TicketMasterError(.usage, "\(file) does not exist")
            }
            let archive: HistoryArchive
            if isFolder.boolValue {
                archive = try HistoryArchive(csvDirectory: URL(fileURLWithPath: file))
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw TicketMasterError(.usage, "cannot read \(file)")
                }
                archive = try HistoryArchive(json: data, source: file)
            }
            let report = try await store.importArchive(archive, source: file)
            switch format {
            case .json:
                try printJSON(report)
            case .text:
                let counts = report.rows.filter { $0.value > 0 }.sorted { $0.key < $1.key }
                    .map { "\($0.value) \($0.key)" }
                let renumbered = report.renumbered ? " (runs renumbered after the existing ones)" : ""
                print(
                    "imported \(counts.isEmpty ? "nothing" : counts.joined(separator: ", ")) into \(store.path)"
                        + renumbered)
            }
        }
    }

    /// `history prune --older-than AGE`.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove runs older than an age, with all they recorded, and compact the file.",
            discussion: "Cached analysis facts are kept: they never go stale and make the next analysis fast.")

        @OptionGroup var options: Options

        @Option(help: ArgumentHelp("An age (90d, 12w, 6m, 1y) or a date (2024-01-31).", valueName: "age"))
        var olderThan: String

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func validate() throws {
            if RelativeDate.parse(olderThan, relativeTo: Date()) == nil {
                throw ValidationError("--older-than takes an age such as 90d, 12w, 6m or 1y, or a date (2024-01-31)")
            }
        }

        func run() async throws {
            guard let cutoff = RelativeDate.parse(olderThan, relativeTo: Date()) else { return }
            let (_, store) = try options.openFile(for: "history prune")
            let report = try await store.prune(olderThan: cutoff)
            switch format {
            case .json:
                try printJSON(report)
            case .text:
                let children = ["signal", "draft", "modelCall", "publication"].map {
                    "\(report.removed[$0] ?? 0) \($0)"
                }
                print(
                    "removed \(report.removed["run"] ?? 0) run(s) started before \(HistoryText.date(cutoff)) "
                        + "(\(children.joined(separator: ", "))); \(HistoryText.bytes(report.bytesBefore)) → "
                        + "\(HistoryText.bytes(report.bytesAfter))")
            }
        }
    }

    /// `history size`.
    struct Size: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how much room the history takes, table by table.")

        @OptionGroup var options: Options

        @Flag(help: "Also check the file's integrity (reads all of it).")
        var check = false

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        /// The size report, with the integrity check's findings when asked for.
        struct Report: Encodable {
            var size: HistorySize
            var integrity: [String]?
        }

        func run() async throws {
            let (session, store) = try options.openFile(for: "history size")
            let size = try await store.size()
            let integrity = check ? try await store.integrityProblems() : nil
            switch format {
            case .json:
                try printJSON(Report(size: size, integrity: integrity))
            case .text:
                print(size.path)
                print(
                    "file \(HistoryText.bytes(size.databaseBytes)), write-ahead log \(HistoryText.bytes(size.walBytes)), "
                        + "free inside the file \(HistoryText.bytes(size.freeBytes))")
                HistoryText.printTable(
                    header: ["TABLE", "ROWS", "SIZE"],
                    rows: size.tables.map { [$0.name, String($0.rows), $0.bytes.map(HistoryText.bytes) ?? "?"] }
                        + (size.searchIndexBytes.map { [["search index", "", HistoryText.bytes($0)]] } ?? []),
                    terminal: session.terminal)
                if let integrity {
                    print(
                        integrity.isEmpty
                            ? "integrity: ok" : "integrity problems:\n  " + integrity.joined(separator: "\n  "))
                }
            }
            if let integrity, !integrity.isEmpty {
                throw TicketMasterError(
                    .failure,
                    "the history database \(store.path) is damaged; export what can be read, move the file aside and "
                        + "import the export")
            }
        }
    }
}

/// Plain-text rendering shared by the history subcommands.
private enum HistoryText {
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm'Z'"
        return formatter.string(from: date)
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func printTable(header: [String], rows: [[String]], terminal: Terminal) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(terminal.paint(line(header), .bold))
        for row in rows { print(line(row)) }
    }

    static func printDetail(_ detail: RunDetail, terminal: Terminal) {
        let run = detail.run
        let commit = run.commitHash.map { " @ \($0)" } ?? ""
        print(terminal.paint("run \(run.id ?? 0) · \(run.outcome.rawValue) · \(run.repositoryPath)\(commit)", .bold))
        if let remote = run.repositoryRemote { print("remote: \(remote)") }
        var timing = "started \(date(run.startedAt))"
        if let finished = run.finishedAt {
            timing +=
                ", finished \(date(finished)) (\(String(format: "%.1f", finished.timeIntervalSince(run.startedAt))) s)"
        }
        print(timing)
        print("configuration digest: \(run.configurationDigest)")
        if let message = run.message { print("message: \(message)") }

        print(terminal.paint("\nsignals (\(detail.signals.count))", .bold))
        for signal in detail.signals {
            print(
                "  \(signal.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(signal.kind.rawValue): \(signal.summary)")
        }
        print(terminal.paint("\ndrafts (\(detail.drafts.count))", .bold))
        for draft in detail.drafts {
            let score = draft.score.map { String(format: ", score %.2f", $0) } ?? ""
            let duplicate = draft.duplicateOf.map { ", duplicate of \($0)" } ?? ""
            print("  \(draft.id ?? 0) [\(draft.status.rawValue)] \(draft.title)")
            print(terminal.paint("      \(draft.type.rawValue), by \(draft.writer)\(score)\(duplicate)", .dim))
            for reason in draft.reviewReasons { print(terminal.paint("      - \(reason)", .dim)) }
        }
        print(terminal.paint("\nmodel calls (\(detail.modelCalls.count))", .bold))
        for call in detail.modelCalls {
            let cost = call.cost.map { String(format: ", $%.4f", $0) } ?? ""
            print(
                "  \(call.provider)/\(call.model) \(call.promptTemplate): \(call.promptTokens) in, "
                    + "\(call.completionTokens) out, \(call.latencyMilliseconds) ms\(cost)")
        }
        print(terminal.paint("\nfiled (\(detail.publications.count))", .bold))
        for publication in detail.publications {
            print("  \(publication.repository)#\(publication.number) \(publication.title)  \(publication.url)")
        }
        guard !detail.events.isEmpty else { return }
        print(terminal.paint("\nevents (\(detail.events.count))", .bold))
        for record in detail.events {
            let offset = String(format: "%+.1f s", record.at.timeIntervalSince(run.startedAt))
            print("  " + terminal.paint(offset, .dim) + " " + ((try? record.event().summary) ?? record.kind))
        }
    }
}
