import Foundation
import Testing
import TicketMaster

@testable import TicketMasterServer

@Suite("SecretBox")
struct SecretBoxTests {
    @Test("the key file is created once with mode 0600 and reused; a secret opens only with its key")
    func keyFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let box = try SecretBox.load(variables: [:], dataDirectory: folder)
        let file = folder.appendingPathComponent("secret.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let sealed = try box.seal("ghp_secret")
        #expect(try SecretBox.load(variables: [:], dataDirectory: folder).unseal(sealed) == "ghp_secret")

        let other = try SecretBox.load(
            variables: ["TICKET_MASTER_SECRET_KEY": Data(repeating: 7, count: 32).base64EncodedString()],
            dataDirectory: folder)
        let error = #expect(throws: TicketMasterError.self) { try other.unseal(sealed) }
        #expect(error?.message.contains("set TICKET_MASTER_SECRET_KEY to the key it was stored with") == true)
        #expect(error?.message.contains("ghp_secret") == false)
    }

    @Test("a key from the environment must be 32 bytes of base64; a damaged key file is named")
    func badKeys() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let short = #expect(throws: TicketMasterError.self) {
            try SecretBox.load(variables: ["TICKET_MASTER_SECRET_KEY": "c2hvcnQ="], dataDirectory: folder)
        }
        #expect(short?.message.contains("openssl rand -base64 32") == true)
        try "not base64".write(
            toFile: folder.appendingPathComponent("secret.key").path, atomically: true, encoding: .utf8)
        let damaged = #expect(throws: TicketMasterError.self) {
            try SecretBox.load(variables: [:], dataDirectory: folder)
        }
        #expect(damaged?.message.contains("is damaged") == true)
    }
}
