import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into task cancellation, so work in progress stops at a safe point, keeps what
/// it finished and the process exits with 130.
enum Interruption {
    static func run(_ work: @escaping @Sendable () async throws -> Void) async throws {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let task = Task { try await work() }
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if task.isCancelled {
                    // A second Ctrl-C means "now".
                    exit(130)
                }
                task.cancel()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        try await task.value
        try Task.checkCancellation()
        if task.isCancelled { throw CancellationError() }
    }
}
