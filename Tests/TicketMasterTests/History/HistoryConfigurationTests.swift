import Foundation
import Testing
import TicketMaster

@Suite("history.path and history.keep_prompts")
struct HistoryConfigurationTests {
    private func history(_ environment: [String: String]) throws -> Configuration.History {
        let folder = try TemporaryFolder()
        return try ConfigurationLoader(environment: environment.merging(["HOME": folder.url.path]) { $1 })
            .load(searchDirectory: folder.url.path).configuration().history
    }

    @Test("the database defaults to $XDG_DATA_HOME, then ~/.local/share")
    func defaultPath() throws {
        let defaults = try history(["HOME": "/home/ada"])
        #expect(defaults.path == nil && !defaults.keepPrompts)
        #expect(
            defaults.databasePath(environment: ["HOME": "/home/ada"])
                == "/home/ada/.local/share/ticket-master/history.sqlite")
        #expect(
            defaults.databasePath(environment: ["HOME": "/home/ada", "XDG_DATA_HOME": "/data"])
                == "/data/ticket-master/history.sqlite")
        #expect(
            defaults.databasePath(environment: ["HOME": "/home/ada", "XDG_DATA_HOME": ""])
                == "/home/ada/.local/share/ticket-master/history.sqlite")
    }

    @Test("the keys are read from the environment like every other key")
    func setByEnvironment() throws {
        let set = try history([
            "HOME": "/home/ada", "TICKET_MASTER_HISTORY_PATH": "/tmp/h.sqlite",
            "TICKET_MASTER_HISTORY_KEEP_PROMPTS": "true",
        ])
        #expect(set.path == "/tmp/h.sqlite" && set.keepPrompts)
        #expect(set.databasePath(environment: [:]) == "/tmp/h.sqlite")
        let tilde = try history(["HOME": "/home/ada", "TICKET_MASTER_HISTORY_PATH": "~/notes/h.sqlite"])
        #expect(tilde.databasePath(environment: ["HOME": "/home/ada"]) == "/home/ada/notes/h.sqlite")
    }
}
