import Foundation
import Logging
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

@Suite("Redacting log handler")
struct RedactingLogHandlerTests {
    @Test("configured secrets and those found during the run are masked in messages, metadata and the log file")
    func masksEverywhere() throws {
        let configured = "sk-test-" + UUID().uuidString
        let found = "gho_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let folder = try TemporaryFolder()
        let path = folder.path("run.log")
        FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let lines = Mutex<[String]>([])
        let redactions = Redactions()
        var handler = RedactingLogHandler(
            logLevel: .info, label: "ticket-master.test", secrets: [configured, ""], redactions: redactions,
            colored: false, file: file, write: { line in lines.withLock { $0.append(line) } })
        handler.metadata["run"] = "7"
        let logger = Logger(label: "ticket-master.test") { _ in handler }
        redactions.add { $0.replacingOccurrences(of: found, with: "********") }

        logger.info("calling with \(configured)", metadata: ["token": "\(found)"])
        logger.debug("below the level: \(configured)")
        logger.warning("gh auth token gave \(found)")
        try file.close()

        let written = lines.withLock { $0 }
        #expect(
            written == [
                "info: calling with ******** run=7 token=********\n", "warning: gh auth token gave ******** run=7\n",
            ])
        let logged = try String(contentsOfFile: path, encoding: .utf8)
        #expect(logged.contains("info ticket-master.test: calling with ********"))
        #expect(!logged.contains(configured) && !logged.contains(found))
    }

    @Test("on a terminal the level is coloured; without colour it is plain")
    func colours() {
        let lines = Mutex<[String]>([])
        let handler = RedactingLogHandler(
            logLevel: .debug, label: "t", secrets: [], redactions: Redactions(), colored: true, file: nil,
            write: { line in lines.withLock { $0.append(line) } })
        Logger(label: "t") { _ in handler }.error("failed")
        #expect(lines.withLock { $0 } == ["\u{1B}[31merror\u{1B}[0m: failed\n"])
    }
}
