import Foundation
import TicketMaster

/// Shows progress of long work on standard error: a live status line on a terminal, plain lines otherwise, nothing
/// when quiet. Standard output stays clean for data.
final class ProgressDisplay: @unchecked Sendable {
    private let live: Bool
    private let enabled: Bool
    private let lock = NSLock()
    private var lastPhase = ""
    private var printedPhases = Set<String>()
    private var lastDraw = Date.distantPast
    private var spinnerIndex = 0
    private static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    init(terminal: Terminal, quiet: Bool) {
        enabled = !quiet
        live = terminal.stderrIsTerminal
    }

    /// Reports progress in `phase`; `total` nil means unknown.
    func update(_ phase: String, completed: Int = 0, total: Int? = nil) {
        guard enabled else { return }
        lock.withLock {
            if live {
                // Redrawing more than ten times a second costs more than it tells.
                let now = Date()
                guard phase != lastPhase || now.timeIntervalSince(lastDraw) > 0.1 else { return }
                lastDraw = now
                lastPhase = phase
                spinnerIndex = (spinnerIndex + 1) % Self.spinner.count
                var line = "\(Self.spinner[spinnerIndex]) \(phase)"
                if let total, total > 0 {
                    let fraction = min(1, Double(completed) / Double(total))
                    let filled = Int(fraction * 24)
                    line += " [" + String(repeating: "█", count: filled) + String(repeating: "░", count: 24 - filled)
                    line += "] \(completed)/\(total)"
                } else if completed > 0 {
                    line += " \(completed)"
                }
                StandardError.write("\r\u{1B}[2K" + line)
            } else if printedPhases.insert(phase).inserted {
                // Phases of parallel work interleave; a log reader wants each one once.
                StandardError.write("\(phase)…\n")
            }
        }
    }

    /// Shows a run's progress events; the rest of what a run reports reaches the terminal as log lines.
    func show(_ event: RunEvent) {
        switch event {
        case .analyzing(let phase, let completed, let total):
            update(phase, completed: completed, total: total)
        case .pullingModel(let model, let status, let completed, let total):
            update("pulling \(model): \(status)", completed: completed, total: total)
        case .discovering(let completed, let total):
            update("reading the code for defects", completed: completed, total: total)
        case .writing(let completed, let total):
            update("writing issues", completed: completed, total: total)
        case .analyzed, .draftsSaved, .finished:
            finish()
        default:
            break
        }
    }

    /// The events of a run, shown here.
    var events: RunEvents { RunEvents { [self] in self.show($0) } }

    /// Clears the live line, so the next output starts on a clean line.
    func finish() {
        guard enabled, live else { return }
        lock.withLock { StandardError.write("\r\u{1B}[2K") }
    }
}
