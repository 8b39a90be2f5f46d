import Foundation
import TicketMaster

/// Asks on the terminal, draft by draft, which drafts to file: yes, no, edit in `$EDITOR`, all the rest, or quit.
/// Without a terminal to ask on, filing stops with a usage error that names `--yes`; the drafts stay saved.
///
/// Prompts go to standard error, so standard output keeps only the report.
struct Approval: ApprovalPolicy {
    let terminal: Terminal
    var environment: [String: String] = ProcessInfo.processInfo.environment
    var readAnswer: @Sendable () -> String? = { readLine() }

    func review(_ drafts: [DraftRecord], target: TrackerTarget, runId: Int64) async throws -> ApprovalOutcome {
        guard isatty(STDIN_FILENO) == 1 else {
            throw TicketMasterError(
                .usage,
                "standard input is not a terminal, so nobody can approve the drafts: pass --yes to file "
                    + "without asking; drafts were saved as run \(runId)")
        }
        say(terminal.paint("\(drafts.count) draft(s) to file on \(target):", .bold))
        for (index, draft) in drafts.enumerated() {
            say("  \(index + 1). \(draft.title)" + labelText(draft.labels))
        }
        var outcome = ApprovalOutcome()
        var approveRest = false
        for (index, record) in drafts.enumerated() {
            var draft = PendingIssue(record)
            if approveRest {
                outcome.approved.append(draft)
                continue
            }
            show(draft, number: index + 1, of: drafts.count)
            asking: while true {
                StandardError.write("File it? [y]es / [n]o / [e]dit in $EDITOR / [a]ll / [q]uit: ")
                // End of input means nobody is there to answer: stop asking, file what was approved.
                guard let answer = readAnswer()?.trimmingCharacters(in: .whitespaces).lowercased() else {
                    say("")
                    return outcome
                }
                switch answer {
                case "y", "yes":
                    outcome.approved.append(draft)
                    break asking
                case "n", "no":
                    if let id = draft.draftId { outcome.skipped.append(id) }
                    break asking
                case "e", "edit":
                    draft = try edit(draft)
                    show(draft, number: index + 1, of: drafts.count)
                case "a", "all":
                    outcome.approved.append(draft)
                    approveRest = true
                    break asking
                case "q", "quit":
                    // The rest stay drafts, for `publish --resume` later.
                    return outcome
                default:
                    say("answer y, n, e, a or q")
                }
            }
        }
        return outcome
    }

    /// The policy for a run: everything with `--yes`, else a person at this terminal.
    static func policy(assumeYes: Bool, terminal: Terminal) -> any ApprovalPolicy {
        assumeYes ? ApproveAll() : Approval(terminal: terminal)
    }

    /// Asks on the terminal whether to pull a model into Ollama; false when standard input is not a terminal or
    /// the answer is anything but yes. `--yes` answers yes without asking.
    static func modelPull(assumeYes: Bool) -> ModelPullApproval {
        { model, url in
            if assumeYes { return true }
            guard isatty(STDIN_FILENO) == 1 else { return false }
            StandardError.write("pull \(model) into Ollama at \(url) now? [y/N] ")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            return answer == "y" || answer == "yes"
        }
    }

    private func show(_ draft: PendingIssue, number: Int, of total: Int) {
        say("")
        say(terminal.paint("[\(number)/\(total)] \(draft.title)", .bold) + labelText(draft.labels))
        let lines = draft.body.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines.prefix(15) { say("    " + line) }
        if lines.count > 15 { say(terminal.paint("    … \(lines.count - 15) more lines", .dim)) }
    }

    /// Opens the draft in `$VISUAL` or `$EDITOR` (else `vi`) as a title line, a blank line and the body, and reads
    /// it back; an empty title or a failing editor leaves the draft as it was.
    private func edit(_ draft: PendingIssue) throws -> PendingIssue {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ticket-master-draft-\(UUID().uuidString).md")
        try Data((draft.title + "\n\n" + draft.body + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The editor setting may carry arguments (`code --wait`), so the shell splits it; the path is passed apart.
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            say("the editor exited with status \(process.terminationStatus); the draft is unchanged")
            return draft
        }
        let text = try String(contentsOf: file, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        guard let titleLine = lines.first else {
            say("the edited draft has no title; the draft is unchanged")
            return draft
        }
        var edited = draft
        edited.title = titleLine.trimmingCharacters(in: .whitespaces)
        edited.body = lines.dropFirst().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return edited
    }

    private func labelText(_ labels: [String]) -> String {
        labels.isEmpty ? "" : terminal.paint("  [\(labels.joined(separator: ", "))]", .dim)
    }

    private func say(_ line: String) {
        StandardError.write(line + "\n")
    }
}
