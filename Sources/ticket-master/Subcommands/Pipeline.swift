import ArgumentParser
import Foundation
import TicketMaster

/// `ticket-master pipeline show`.
struct Pipeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the suggestion pipeline the configuration runs.",
        subcommands: [Show.self])

    /// How `pipeline show` prints.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, mermaid
    }

    /// `pipeline show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each step: the model and template of each stage, and what the fixed steps check.",
            discussion: """
                The model stages come from pipeline.stages (one draft stage, then review stages); everything \
                else always runs. --format mermaid prints a flowchart for Markdown that renders Mermaid.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Output format: text, json or mermaid.")
        var format: Format = .text

        @Option(help: ArgumentHelp("Look for .ticket-master.yaml from this directory up.", valueName: "path"))
        var repository: String?

        func run() async throws {
            let session = try Session.start(global, searchDirectory: repository)
            let description = PipelineDescription(configuration: session.configuration)
            switch format {
            case .text: print(description.text, terminator: "")
            case .json: try printJSON(description)
            case .mermaid: print(description.mermaid, terminator: "")
            }
        }
    }
}
