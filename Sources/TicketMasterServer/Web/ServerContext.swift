import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore

/// What a request carries through the middleware to its route: who is calling and how.
public struct ServerContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in account, when any.
    public var identity: Account?
    /// The form token of the caller's session; nil for bearer tokens, which need none.
    var csrfToken: String?
    /// The digest of the caller's session cookie, to end it on sign-out.
    var sessionDigest: String?
    /// The client's address, for the audit log and login throttling.
    let address: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress
    }

    /// Requests larger than this are refused with 413.
    public var maxUploadSize: Int { 256 * 1024 }

    /// The name an action is recorded under in the audit log.
    var actor: String { identity?.name ?? "-" }
}
