import Foundation

/// What a page shows once, after the post that made it redirected: a new webhook secret is kept here for the
/// session that made it and handed to that session's next page, so reloading the page neither posts again (which
/// would replace the secret) nor shows it twice. Kept in memory only, for at most ten minutes.
actor OneTimeNotices {
    private var notices: [String: (value: [String: String], expires: Date)] = [:]

    /// Keeps `value` for the session with `digest`.
    func put(_ value: [String: String], for digest: String) {
        let now = Date()
        notices = notices.filter { $0.value.expires > now }
        notices[digest] = (value, now.addingTimeInterval(600))
    }

    /// The session's notice, once.
    func take(for digest: String?) -> [String: String]? {
        guard let digest, let notice = notices.removeValue(forKey: digest), notice.expires > Date() else { return nil }
        return notice.value
    }
}
