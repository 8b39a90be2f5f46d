import Foundation
import Logging
import Synchronization
import TicketMaster

/// Writes log lines to standard error (and optionally a file), with every known secret replaced by `********`.
struct RedactingLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let label: String
    let secrets: [String]
    let redactions: Redactions
    let colored: Bool
    let file: FileHandle?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var text = event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "********")
        }
        text = redactions.apply(to: text)
        let name = Self.name(of: event.level)
        let tag = colored ? "\u{1B}[\(Self.color(of: event.level))m\(name)\u{1B}[0m" : name
        StandardError.write("\(tag): \(text)\n")
        if let file {
            let stamp = ISO8601DateFormatter().string(from: Date())
            file.write(Data("\(stamp) \(name) \(label): \(text)\n".utf8))
        }
    }

    static func name(of level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    private static func color(of level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "2"
        case .info, .notice: "36"
        case .warning: "33"
        case .error, .critical: "31"
        }
    }
}

extension Logger.Level {
    /// The swift-log level for a configured level name.
    init(_ name: LogLevelName) {
        switch name {
        case .debug: self = .debug
        case .info: self = .info
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}

/// Secrets found after logging started, such as a token from `gh auth token`: every log line is passed through
/// them too.
final class Redactions: Sendable {
    private let redactors = Mutex<[@Sendable (String) -> String]>([])

    /// Adds a function that masks one secret in a text.
    func add(_ redactor: @escaping @Sendable (String) -> String) {
        redactors.withLock { $0.append(redactor) }
    }

    /// `text` with every added secret masked.
    func apply(to text: String) -> String {
        redactors.withLock { $0 }.reduce(text) { $1($0) }
    }
}
