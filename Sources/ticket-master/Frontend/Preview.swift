import ArgumentParser
import Foundation
import TicketMaster

/// Formats for `generate`'s preview.
enum PreviewFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

/// Prints suggestions: a readable list on a terminal, every field as JSON, or the full Markdown bodies.
struct Preview {
    let suggestions: Suggestions
    let remote: RemoteRepository?
    let terminal: Terminal

    func print(_ format: PreviewFormat) throws {
        switch format {
        case .json: try printJSON(suggestions)
        case .markdown: Swift.print(markdown, terminator: "")
        case .text: Swift.print(text, terminator: "")
        }
    }

    private var text: String {
        var out = ""
        let target = remote.map { " for \($0)" } ?? ""
        out += terminal.paint("\(suggestions.drafts.count) suggested issue(s)\(target) (dry run: nothing filed)", .bold)
        out += "\n"
        for (index, reviewed) in suggestions.drafts.enumerated() {
            let draft = reviewed.draft
            out += "\n" + terminal.paint("\(index + 1). \(draft.title)", .bold) + "\n"
            var facts = ["type: \(draft.type.rawValue)", "labels: \(draft.labels.joined(separator: ", "))"]
            facts.append(reviewed.score.map { "score: \($0)/100" } ?? "score: not reviewed")
            if let reading = draft.signals.first?.evidence.reading {
                facts.append("found by reading the code: \(reading.model), every citation verified")
            } else {
                facts.append("writer: \(draft.writer.name)")
                // Whose words are whose: the evidence is always the analysis's.
                if draft.writer != .plain { facts.append("evidence: analysis") }
            }
            if let template = reviewed.template { facts.append("template: \(template)") }
            out += "   " + terminal.paint(facts.joined(separator: " · "), .dim) + "\n"
            if !reviewed.reason.isEmpty { out += "   " + terminal.paint("why: \(reviewed.reason)", .dim) + "\n" }
            if draft.type == .security {
                out +=
                    "   "
                    + terminal.paint(
                        "not filed publicly: revoke the credential first (publishing.file_security_findings)", .yellow)
                    + "\n"
            }
            for signal in draft.signals.prefix(5) {
                out += "   - \(signal.summary)\n"
            }
            if draft.signals.count > 5 { out += "   - … \(draft.signals.count - 5) more\n" }
            // Why the draft is what it is: the review's reasons, a rewrite, or why the plain writer took over. The
            // reasons a reviewer gave against a model draft that was set aside do not describe the plain one shown,
            // so then only the reason for the fallback is shown (all are in --format json and history).
            let notes = draft.writer == .plain ? Array(reviewed.notes.prefix(1)) : Array(reviewed.notes.prefix(3))
            for note in notes where note != "written by the plain writer" {
                out += "   " + terminal.paint("note: \(note)", .dim) + "\n"
            }
            out += "   " + terminal.paint("fingerprint \(draft.fingerprint)", .dim) + "\n"
        }
        for duplicate in suggestions.duplicates {
            out += "\n" + terminal.paint("skipped duplicate: \(duplicate.draft.title)", .yellow)
            out += " (duplicates \(duplicate.duplicateOf): \(duplicate.reason))\n"
        }
        if !suggestions.upkeep.isEmpty {
            // What a filing run would do to the issues filed earlier: the dry run stops here.
            out += "\n" + terminal.paint("issues filed earlier, kept current when the run files:", .bold) + "\n"
            for item in suggestions.upkeep {
                let verb = item.action == .close ? "would close" : "would comment on"
                out += "   \(verb) #\(item.number) \(item.title): \(item.summary)\n"
            }
        }
        if !suggestions.leftOut.isEmpty {
            // What was left out, by reason and kind: the backlog behind the list.
            var counts: [String: Int] = [:]
            var order: [String] = []
            for item in suggestions.leftOut {
                let key = "\(item.kind.rawValue) — \(item.reason)"
                if counts[key] == nil { order.append(key) }
                counts[key, default: 0] += 1
            }
            out += "\n" + terminal.paint("left out:", .bold) + "\n"
            for key in order { out += "   \(counts[key] ?? 0) × \(key)\n" }
        }
        if suggestions.drafts.isEmpty {
            out += "\nNo findings strong enough to suggest an issue (\(suggestions.signalCount) findings analysed).\n"
        }
        out += "\n"
        for note in suggestions.notes { out += terminal.paint(note, .dim) + "\n" }
        if suggestions.modelCalls > 0 {
            let usage =
                "\(suggestions.modelCalls) model call(s), \(suggestions.promptTokens) prompt and "
                + "\(suggestions.completionTokens) completion tokens"
            out += terminal.paint(usage, .dim) + "\n"
        }
        return out
    }

    private var markdown: String {
        suggestions.drafts.map { reviewed in
            let draft = reviewed.draft
            return "# \(draft.title)\n\nLabels: \(draft.labels.joined(separator: ", "))\n\n\(draft.body)\n"
        }.joined(separator: "\n---\n\n")
    }
}
