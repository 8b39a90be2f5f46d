/// The version of Ticket-Master, printed by `ticket-master --version` and recorded with every run.
public let ticketMasterVersion = "0.1.0"
