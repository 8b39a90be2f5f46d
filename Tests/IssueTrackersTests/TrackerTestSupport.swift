import Foundation
import IssueTrackers
import Logging
import Synchronization

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
