import ArgumentParser
import Foundation

/// When to colour output.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// What the process is attached to, and how to style text for it.
struct Terminal: Sendable {
    /// Whether standard error is an interactive terminal (decides live progress versus plain lines).
    let stderrIsTerminal: Bool
    /// Whether standard output is an interactive terminal.
    let stdoutIsTerminal: Bool
    /// Whether to emit ANSI colour codes.
    let colored: Bool

    init(color: ColorChoice, environment: [String: String] = ProcessInfo.processInfo.environment) {
        stderrIsTerminal = isatty(STDERR_FILENO) == 1
        stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
        switch color {
        case .always: colored = true
        case .never: colored = false
        case .auto:
            // https://no-color.org: any non-empty NO_COLOR disables colour; a dumb terminal cannot show it.
            let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            colored = !noColor && stdoutIsTerminal && environment["TERM"] != "dumb"
        }
    }

    /// Text styles used by the renderers.
    enum Style: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case cyan = "36"
    }

    /// `text` in `style`, or plain when colour is off.
    func paint(_ text: String, _ style: Style) -> String {
        colored ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}

/// Writes text to standard error without buffering surprises.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
