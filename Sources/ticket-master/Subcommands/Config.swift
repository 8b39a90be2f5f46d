import ArgumentParser
import Foundation
import TicketMaster

/// `ticket-master config init | show | validate`.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write, show and check the configuration.",
        discussion: """
            Layers, weakest first: defaults < $XDG_CONFIG_HOME/ticket-master/config.yaml < .ticket-master.yaml \
            (found walking up from the repository) or --config < environment < flags.
            """,
        subcommands: [Init.self, Show.self, Validate.self]
    )

    /// `config init`: writes a commented configuration file.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented configuration file with every key at its default.")

        @Argument(help: ArgumentHelp("Where to write it; `-` prints it.", valueName: "file"))
        var path: String = ConfigurationLoader.projectFileName

        @Flag(name: .long, help: "Replace the file if it exists.")
        var force = false

        @Flag(name: .long, help: "Write the user file ($XDG_CONFIG_HOME/ticket-master/config.yaml) instead.")
        var user = false

        func run() async throws {
            let text = ConfigurationDocument.commentedFile()
            let target = user ? ConfigurationLoader().userFile : path
            if target == "-" {
                print(text, terminator: "")
                return
            }
            if FileManager.default.fileExists(atPath: target) && !force {
                throw TicketMasterError(.usage, "\(target) already exists; pass --force to replace it")
            }
            let directory = URL(fileURLWithPath: target).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            } catch {
                throw TicketMasterError(.failure, "cannot write \(target): \(error.localizedDescription)", cause: error)
            }
            StandardError.write("wrote \(target)\n")
        }
    }

    /// `config show`: prints the effective configuration with sources.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration, each value with its source; secrets are masked.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        @Option(help: ArgumentHelp("Look for .ticket-master.yaml from this directory up.", valueName: "path"))
        var repository: String?

        func run() async throws {
            let session = try Session.start(global, searchDirectory: repository)
            let rows = ConfigurationDocument.rows(of: session.resolved)
            switch format {
            case .json:
                try printJSON(rows)
            case .text:
                let width = rows.map(\.key.count).max() ?? 0
                let valueWidth = min(48, rows.map(\.value.count).max() ?? 0)
                for row in rows {
                    let key = row.key.padding(toLength: width, withPad: " ", startingAt: 0)
                    let value =
                        row.value.count > valueWidth
                        ? row.value : row.value.padding(toLength: valueWidth, withPad: " ", startingAt: 0)
                    let source = session.terminal.paint("(\(row.source))", .dim)
                    print("\(key)  \(value)  \(source)")
                }
            }
        }
    }

    /// `config validate`: lists every problem.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the configuration and list every problem with its line and a fix.",
            discussion: "Exits with 3 when there are errors; warnings alone exit with 0.")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Look for .ticket-master.yaml from this directory up.", valueName: "path"))
        var repository: String?

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let terminal = Terminal(color: global.color)
            let resolved = ConfigurationLoader().load(
                explicitFile: global.config, searchDirectory: repository, flags: global.configurationFlags)
            let problems = resolved.problems
            switch format {
            case .json:
                try printJSON(problems.map(ProblemRow.init))
            case .text:
                let files = resolved.layers.compactMap { layer -> String? in
                    switch layer.source {
                    case .userFile(let path), .projectFile(let path), .explicitFile(let path): path
                    default: nil
                    }
                }
                for problem in problems {
                    let style: Terminal.Style = problem.severity == .error ? .red : .yellow
                    print(terminal.paint(problem.description, style))
                }
                let errors = problems.filter { $0.severity == .error }.count
                let read =
                    files.isEmpty
                    ? "no configuration file found, defaults in use" : "read \(files.joined(separator: ", "))"
                print("\(read): \(errors) error(s), \(problems.count - errors) warning(s)")
            }
            if resolved.hasErrors { throw ExitCode(ExitStatus.configuration.rawValue) }
        }
    }
}

/// A problem as JSON.
private struct ProblemRow: Encodable {
    var severity: String
    var origin: String
    var line: Int?
    var key: String?
    var message: String
    var fix: String?

    init(_ problem: ConfigurationProblem) {
        severity = problem.severity.rawValue
        origin = problem.origin
        line = problem.line
        key = problem.key
        message = problem.message
        fix = problem.fix
    }
}
