import Crypto
import Foundation
import TicketMaster

/// Seals secrets kept in the database (tracker tokens) with AES-GCM under the server's key, so a copy of the
/// database alone reveals none of them.
///
/// The key comes from `TICKET_MASTER_SECRET_KEY` (32 bytes, base64), else from `secret.key` in the data folder,
/// created with mode 0600 on first start.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// A box with `key`.
    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The server's key: from `variables["TICKET_MASTER_SECRET_KEY"]`, else the key file in `dataDirectory`,
    /// creating it when missing.
    public static func load(variables: [String: String], dataDirectory: URL) throws -> SecretBox {
        if let encoded = variables["TICKET_MASTER_SECRET_KEY"] {
            guard let data = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)),
                data.count == 32
            else {
                throw TicketMasterError(
                    .configuration,
                    "TICKET_MASTER_SECRET_KEY must be 32 bytes in base64; make one with `openssl rand -base64 32`")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let file = dataDirectory.appendingPathComponent("secret.key")
        if let data = FileManager.default.contents(atPath: file.path) {
            guard let decoded = Data(base64Encoded: String(decoding: data, as: UTF8.self)), decoded.count == 32 else {
                throw TicketMasterError(
                    .configuration,
                    "the key file \(file.path) is damaged; restore it from a backup (the stored tracker tokens need it)"
                )
            }
            return SecretBox(key: SymmetricKey(data: decoded))
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        // O_EXCL: two servers starting at once never replace each other's key.
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return try load(variables: variables, dataDirectory: dataDirectory) }
            throw TicketMasterError(
                .configuration, "cannot create the key file \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(encoded.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else {
            throw TicketMasterError(.configuration, "cannot write the key file \(file.path)")
        }
        return SecretBox(key: key)
    }

    /// `secret`, sealed.
    public func seal(_ secret: String) throws -> Data {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else {
            throw TicketMasterError(.failure, "cannot seal a secret")
        }
        return combined
    }

    /// The secret sealed in `data`; throws when it was sealed with another key or damaged.
    public func unseal(_ data: Data) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
        } catch {
            throw TicketMasterError(
                .configuration,
                "a stored token cannot be opened with this server's key; set TICKET_MASTER_SECRET_KEY to the key it "
                    + "was stored with, or enter the token again")
        }
    }
}
