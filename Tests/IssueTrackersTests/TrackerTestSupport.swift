import Foundation
import IssueTrackers
import Logging
import Synchronization

/// Log lines captured in memory, so tests can check that no token reaches a log.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger at `trace` level that writes here.
    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append("\(event.level) \(event.message) \(all)")
        }
    }
}

/// Every way an error can be turned into text.
func renderings(of error: any Error) -> [String] {
    var dumped = ""
    dump(error, to: &dumped)
    var texts = ["\(error)", String(reflecting: error), error.localizedDescription, dumped]
    if let error = error as? TrackerError {
        texts.append(error.message)
        if let cause = error.cause {
            texts += ["\(cause)", String(reflecting: cause)]
        }
    }
    return texts
}

/// A pacer whose waits are short enough for tests that really sleep.
func quickPacer(logger: Logger = Logger(label: "test")) -> RequestPacer {
    RequestPacer(
        configuration: RequestPacer.Configuration(
            contentCreationInterval: .milliseconds(10), secondaryLimitWait: .seconds(1),
            serverErrorBackoff: .milliseconds(50), resetMargin: .milliseconds(200)),
        logger: logger)
}
