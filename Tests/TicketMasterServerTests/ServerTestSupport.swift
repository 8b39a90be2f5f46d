import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

/// A server in a temporary folder, with the first admin created from its password variable.
struct TestServer {
    static let adminPassword = "correct-horse-battery"
    let folder: URL
    let settings: ServerSettings

    /// `roots` are the folders repositories may be added from; `configuration` is the runs' YAML file.
    /// `role` and `variables` (added to the test's own) make one node of several that share a database.
    init(
        roots: [String] = [], configuration: String? = nil, adminPassword: String? = adminPassword,
        role: ServerRole = .all, variables extra: [String: String] = [:],
        now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var variables = ["HOME": folder.path, "XDG_CACHE_HOME": folder.appendingPathComponent("cache").path]
        if let adminPassword { variables["TICKET_MASTER_ADMIN_PASSWORD"] = adminPassword }
        variables.merge(extra) { _, new in new }
        var file: String?
        if let configuration {
            file = folder.appendingPathComponent("server.yaml").path
            try configuration.write(
                toFile: folder.appendingPathComponent("server.yaml").path, atomically: true, encoding: .utf8)
        }
        settings = try ServerSettings(
            role: role, dataDirectory: folder.appendingPathComponent("data"), configurationFile: file,
            allowedRoots: roots,
            passwordCost: 4, variables: variables, now: now)
    }

    /// A server whose runs file on `github` without pauses and without an embedding model.
    init(filingOn github: GitHubTestServer, roots: [String]) throws {
        try self.init(roots: roots, configuration: Self.configuration(filingOn: github))
    }

    /// The configuration of runs that file on `github` without pauses and without an embedding model, suggesting the
    /// low findings too (the tests' notes are tasks with no evidence beyond their words), with their history (and the team's records) in the PostgreSQL database `databaseURL` when given.
    static func configuration(filingOn github: GitHubTestServer, databaseURL: String? = nil) -> String {
        let database = databaseURL.map { "database:\n  url: \($0)\n" } ?? ""
        return database + """
            github:
              api_url: \(github.url.absoluteString)
            publishing:
              pause_seconds: 0
            llm:
              embedding_model: none
            issue_generation:
              min_severity: low
            """
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` against the router.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildApplication(settings)
        try await app.test(.router, body)
    }
}

/// A browser's state: its session cookie and the form token of the last page it read.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookie: String?
    var csrf: String?

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    /// Signs in as `name`; expects success.
    static func signedIn(
        _ client: any TestClientProtocol, name: String = "admin", password: String = TestServer.adminPassword
    ) async throws -> Browser {
        let browser = Browser(client)
        let response = try await browser.post("/login", ["name": name, "password": password], csrf: false)
        #expect(response.status == .seeOther, "sign-in as \(name)")
        #expect(browser.cookie != nil)
        _ = try await browser.get("/tokens")
        return browser
    }

    @discardableResult
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        if let cookie { fields[.cookie] = "tm_session=\(cookie)" }
        let response = try await client.execute(uri: uri, method: .get, headers: fields, body: nil)
        remember(response)
        return response
    }

    /// Posts a form, with the session's form token unless `csrf` is false.
    @discardableResult
    func post(
        _ uri: String, _ fields: [String: String] = [:], csrf: Bool = true, extra: String = "",
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var all = fields
        if csrf, let token = self.csrf { all["csrf"] = token }
        var body = all.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        if !extra.isEmpty { body += "&" + extra }
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = "tm_session=\(cookie)" }
        let response = try await client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    private func remember(_ response: TestResponse) {
        for field in response.headers[values: .setCookie] where field.hasPrefix("tm_session=") {
            let value = field.dropFirst("tm_session=".count).prefix { $0 != ";" }
            cookie = value.isEmpty ? nil : String(value)
        }
        let text = String(buffer: response.body)
        if let range = text.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression) {
            csrf = String(text[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var location: String? { headers[.location] }
}

/// A repository with one old note, for runs that must find something: a server test adds it by path.
extension Browser {
    /// Adds `repository` as `api`, filing on `acme/api` with a token.
    @discardableResult
    func addRepository(_ repository: TemporaryGitRepository) async throws -> TestResponse {
        try await post(
            "/repositories",
            [
                "name": "api", "location": repository.url.path, "tracker": "acme/api",
                "token": "ghp_" + String(repeating: "t", count: 36),
            ])
    }
}

func repositoryWithANote(_ note: String = "handle malformed input") async throws -> TemporaryGitRepository {
    let repository = try await TemporaryGitRepository.make()
    try repository.write("func parse() {\n    // FIXME: \(note)\n}\n", to: "Sources/Parser.swift")
    try await repository.commit("Add the parser", date: Date(timeIntervalSince1970: 1_600_000_000))
    return repository
}
