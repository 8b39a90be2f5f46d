import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Password hashing with bcrypt, on NIO's thread pool: a hash takes a quarter of a second by design, which must
/// not stall the event loop serving everyone else.
enum Passwords {
    static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Why `password` is not acceptable, or nil.
    static func problem(with password: String) -> String? {
        if password.count < 12 { return "the password needs at least 12 characters" }
        if password.count > 72 { return "the password may have at most 72 characters (bcrypt reads no more)" }
        return nil
    }
}

/// Slows password guessing: after 5 failures for one account or one address within 15 minutes, sign-ins for it
/// are refused until the window has passed.
actor LoginThrottle {
    private var failures: [String: [Date]] = [:]
    static let limit = 5
    static let window: TimeInterval = 15 * 60

    /// Seconds to wait before `keys` may try again, or nil.
    func retryAfter(_ keys: [String], now: Date = Date()) -> Int? {
        var wait: TimeInterval = 0
        for key in keys {
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < Self.window }
            failures[key] = recent
            if recent.count >= Self.limit, let oldest = recent.first {
                wait = max(wait, Self.window - now.timeIntervalSince(oldest))
            }
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }

    func failed(_ keys: [String], now: Date = Date()) {
        for key in keys { failures[key, default: []].append(now) }
    }

    func succeeded(_ keys: [String]) {
        for key in keys { failures[key] = nil }
    }
}
