import Foundation
import Testing
import TicketMasterTesting

/// The README is the contract: every command and flag its usage block shows must exist.
@Suite("The README's usage block")
struct ReadmeTests {
    let runner: CommandRunner
    let readme: String

    init() throws {
        runner = try CommandRunner()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// The subcommands that take a subcommand of their own.
    static let groups = ["config", "models", "history", "pipeline"]
    static let commands = ["generate", "publish", "analyze", "serve", "worker"] + groups

    /// Each documented invocation: the command path (`history export`) and the flags shown with it.
    private func invocations() throws -> [(path: [String], flags: [String])] {
        let usage = try #require(readme.components(separatedBy: "## Usage").dropFirst().first)
        let block = try #require(usage.components(separatedBy: "```").dropFirst().first)
        var found: [(path: [String], flags: [String])] = []
        for line in block.split(separator: "\n") {
            let command = line.components(separatedBy: " #").first ?? ""
            var words = command.split(separator: " ").map(String.init)
            guard words.first == "ticket-master" else { continue }
            words.removeFirst()
            let command0 = words.first.flatMap { Self.commands.contains($0) ? $0 : nil }
            if command0 != nil { words.removeFirst() }
            let name = command0 ?? "generate"
            if words.isEmpty {
                // A command shown bare (`ticket-master worker`).
                found.append(([name], []))
                continue
            }
            // `config init | show | validate`: each alternative names a subcommand of the group.
            for (index, segment) in words.split(separator: "|", omittingEmptySubsequences: true).enumerated() {
                var path = [name]
                if Self.groups.contains(name), let sub = segment.first, !sub.hasPrefix("-") {
                    path.append(sub)
                } else if index > 0 {
                    continue
                }
                let flags = segment.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) }
                found.append((path, flags))
            }
        }
        return found
    }

    @Test("every command and flag in the usage block is in that command's --help")
    func usageMatchesHelp() throws {
        let documented = try invocations()
        #expect(documented.count >= 20, "\(documented.map(\.path))")
        #expect(Set(documented.map { $0.path[0] }) == Set(Self.commands))
        for (path, flags) in documented {
            let help = try runner.run(path + ["--help"])
            #expect(help.status == 0, "ticket-master \(path.joined(separator: " ")) --help: \(help.stderr)")
            for flag in flags where flag != "--help" && flag != "--version" {
                #expect(help.stdout.contains(flag), "ticket-master \(path.joined(separator: " ")) has no \(flag)")
            }
        }
    }
}
