import ArgumentParser
import TicketMaster

@main
struct TicketMasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket-master",
        abstract: "Suggest evidence-backed issues for a Git repository.",
        version: ticketMasterVersion
    )
}
