import Foundation
import Logging

/// A log handler that masks every secret: the configuration's, and those added to ``Redactions`` during the run
/// (a token from `gh auth token`), each replaced by `********`. Lines go to `write` (standard error, for a command
/// line) and, when given, to a log file with a timestamp and the logger's label. Every executable logs through it.
public struct RedactingLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let secrets: [String]
    private let redactions: Redactions
    private let colored: Bool
    private let file: FileHandle?
    private let write: @Sendable (String) -> Void

    /// A handler for `label` at `logLevel`; `colored` paints the level name for a terminal.
    public init(
        logLevel: Logger.Level, label: String, secrets: [String], redactions: Redactions, colored: Bool,
        file: FileHandle?, write: @escaping @Sendable (String) -> Void
    ) {
        self.logLevel = logLevel
        self.label = label
        self.secrets = secrets
        self.redactions = redactions
        self.colored = colored
        self.file = file
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
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
        write("\(tag): \(text)\n")
        if let file {
            let stamp = ISO8601DateFormatter().string(from: Date())
            file.write(Data("\(stamp) \(name) \(label): \(text)\n".utf8))
        }
    }

    /// How a line names `level`.
    public static func name(of level: Logger.Level) -> String {
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
    public init(_ name: LogLevelName) {
        switch name {
        case .debug: self = .debug
        case .info: self = .info
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}
