import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Web service: accounts, roles and request checks")
struct AccessTests {
    /// Every page route, with the least role that may use it.
    static let routes: [(HTTPRequest.Method, String, Role)] = [
        (.get, "/runs", .viewer), (.post, "/runs", .user), (.get, "/runs/1", .viewer),
        (.get, "/runs/1/events", .viewer), (.post, "/runs/1/drafts/1", .user), (.post, "/runs/1/drafts", .user),
        (.post, "/runs/1/file", .user), (.get, "/repositories", .viewer), (.post, "/repositories", .admin),
        (.get, "/accounts", .admin), (.post, "/accounts", .admin), (.post, "/accounts/1", .admin),
        (.get, "/audit", .admin), (.get, "/audit.csv", .admin), (.get, "/history", .viewer),
        (.get, "/history/export.json", .admin), (.get, "/metrics", .viewer), (.get, "/settings", .admin),
        (.post, "/settings", .admin),
        (.get, "/tokens", .viewer), (.post, "/tokens", .viewer), (.post, "/tokens/1/revoke", .viewer),
    ]

    @Test("a server whose PostgreSQL database cannot be reached says so in one line, without the password")
    func unreachablePostgresHistory() async throws {
        let port = try LoopbackPort.unused()
        let server = try TestServer(
            configuration: "database:\n  url: postgres://tm:secret@127.0.0.1:\(port)/history\n")
        defer { server.remove() }
        let error = await #expect(throws: TicketMasterError.self) { _ = try await buildApplication(server.settings) }
        #expect(error?.message.contains("cannot reach the history database") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(error?.message.contains("secret") == false)
        #expect(error?.message.contains("\n") == false)
    }

    @Test("an error page shown to someone signed in keeps the navigation and the sign-out button")
    func errorPagesKeepNavigation() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            for path in ["/runs/999", "/no-such-page"] {
                let page = try await admin.get(path)
                #expect(page.status == .notFound)
                #expect(page.text.contains("Sign out admin"), "\(path)")
            }
            let bad = try await admin.post("/repositories/1/schedule", ["schedule": "61 * * * *"])
            #expect(bad.status == .notFound || bad.status == .badRequest)
            #expect(bad.text.contains("Sign out admin"))
        }
    }

    @Test("each role reaches what it may and gets 403 elsewhere; nobody signed in is sent to sign in")
    func roleMatrix() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            for role in [Role.viewer, .user] {
                let response = try await admin.post(
                    "/accounts", ["name": role.rawValue + "1", "password": "a-long-password-1", "role": role.rawValue])
                #expect(response.status == .seeOther)
            }
            let browsers: [Role: Browser] = [
                .viewer: try await Browser.signedIn(client, name: "viewer1", password: "a-long-password-1"),
                .user: try await Browser.signedIn(client, name: "user1", password: "a-long-password-1"),
                .admin: admin,
            ]
            for (method, path, least) in Self.routes {
                for (role, browser) in browsers {
                    let response =
                        method == .get ? try await browser.get(path) : try await browser.post(path)
                    if role >= least {
                        #expect(
                            ![.unauthorized, .forbidden].contains(response.status),
                            "\(role) \(method) \(path): \(response.status)")
                    } else {
                        #expect(response.status == .forbidden, "\(role) \(method) \(path): \(response.status)")
                        #expect(response.text.contains("your role") || response.text.contains("needs the"))
                    }
                }
                let anonymous = Browser(client)
                let response = method == .get ? try await anonymous.get(path) : try await anonymous.post(path)
                if method == .get {
                    #expect(response.status == .seeOther, "\(method) \(path)")
                    #expect(response.location?.hasPrefix("/login?next=") == true)
                } else {
                    #expect(response.status == .unauthorized, "\(method) \(path)")
                }
            }
        }
    }

    @Test("a state-changing request without the form token, or from another origin, is refused and changes nothing")
    func csrf() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let fields = ["name": "mallory", "password": "a-long-password-1", "role": "admin"]
            let missing = try await admin.post("/accounts", fields, csrf: false)
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("the form has expired"))
            let wrong = try await admin.post("/accounts", fields, csrf: false, extra: "csrf=forged")
            #expect(wrong.status == .forbidden)
            let crossSite = try await admin.post(
                "/accounts", fields, headers: [.origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            #expect(try await admin.get("/accounts").text.contains("mallory") == false)
            // The same form with its token works.
            #expect(try await admin.post("/accounts", fields).status == .seeOther)
        }
    }

    @Test("sign-in: wrong passwords are refused, then throttled; cookies are HttpOnly and SameSite=Strict")
    func signIn() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let browser = Browser(client)
            for _ in 0..<LoginThrottle.limit {
                let response = try await browser.post(
                    "/login", ["name": "admin", "password": "wrong-password"], csrf: false)
                #expect(response.status == .unauthorized)
                #expect(response.text.contains("Wrong name or password."))
                #expect(response.text.contains("wrong-password") == false)
            }
            let throttled = try await browser.post(
                "/login", ["name": "admin", "password": TestServer.adminPassword], csrf: false)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)

            let other = try TestServer()
            defer { other.remove() }
            let app = try await buildApplication(other.settings)
            try await app.test(.router) { client in
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: .init(string: "name=ADMIN&password=\(TestServer.adminPassword)&next=//evil.example"))
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/runs")
                let cookie = try #require(response.headers[.setCookie])
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
                #expect(!cookie.contains("Secure"))
            }
        }
    }

    @Test("a malformed or unknown cookie and a revoked token open nothing, without a stack trace")
    func badCredentials() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let browser = Browser(client)
            browser.cookie = "not-a-session"
            let page = try await browser.get("/runs")
            #expect(page.status == .seeOther)
            browser.cookie = String(repeating: "x", count: 5_000)
            #expect(try await browser.get("/runs").status == .seeOther)

            let admin = try await Browser.signedIn(client)
            let created = try await admin.post("/tokens", ["name": "ci"])
            let secret = try #require(
                created.text.range(of: #"tm_[A-Za-z0-9_-]+"#, options: .regularExpression).map {
                    String(created.text[$0])
                })
            let bearer: HTTPFields = [.authorization: "Bearer \(secret)"]
            #expect(try await client.execute(uri: "/runs", method: .get, headers: bearer).status == .ok)
            #expect(try await admin.get("/tokens").text.contains(secret) == false, "shown once only")
            #expect(try await admin.post("/tokens/1/revoke").status == .seeOther)
            let revoked = try await client.execute(uri: "/runs", method: .get, headers: bearer)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.text.contains("the API token is wrong, revoked"))
            #expect(!revoked.text.contains("Error("))
        }
    }

    @Test("an expired session signs nobody in: pages go to sign-in, the API answers 401 with a problem")
    func expiredSession() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let server = try TestServer(now: { clock.withLock { $0 } })
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            #expect(try await admin.get("/runs").status == .ok)
            clock.withLock { $0 += TeamSecrets.sessionLifetime + 1 }
            let page = try await admin.get("/runs")
            #expect(page.status == .seeOther)
            #expect(page.location?.hasPrefix("/login") == true)
            let api = try await admin.get("/api/v1/runs")
            #expect(api.status == .unauthorized)
            #expect(api.headers[.contentType] == "application/problem+json")
            #expect(try await admin.post("/tokens", ["name": "late"]).status == .unauthorized)
        }
    }

    @Test("the run form lists the model services the server reaches, probed in the background")
    func modelServices() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            var page = try await admin.get("/runs").text
            #expect(page.contains("Checking which model services"))
            for _ in 0..<100 where !page.contains("<td>ollama</td>") {
                try await Task.sleep(for: .milliseconds(200))
                page = try await admin.get("/runs").text
            }
            #expect(page.contains("<td>ollama</td><td>no</td>"))
            #expect(page.contains("not configured: set OPENAI_API_KEY"))
        }
    }

    @Test("settings: run defaults apply to the form; model keys are stored sealed, never shown, and can be removed")
    func settings() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let key = "sk-" + String(repeating: "k", count: 40)
            let refused = try await admin.post(
                "/settings", ["default_provider": "skynet", "openai_api_key": key])
            #expect(refused.status == .badRequest)
            #expect(try await admin.get("/settings").text.contains("OpenAI-compatible API key (not set)"))
            let saved = try await admin.post(
                "/settings", ["default_provider": "local", "default_max_issues": "7", "openai_api_key": key])
            #expect(saved.status == .seeOther)
            let page = try await admin.get("/settings").text
            #expect(page.contains("OpenAI-compatible API key (stored)"))
            #expect(!page.contains(key))
            let added = try await admin.post(
                "/repositories", ["name": "remote", "location": "https://example.com/acme/api.git"])
            #expect(added.status == .seeOther)
            let form = try await admin.get("/runs").text
            #expect(form.contains(#"<option value="local" selected>"#))
            #expect(form.contains(#"value="7""#))
            let store = try SQLiteHistoryStore(path: server.settings.historyPath)
            let sealed = try await store.database.read { db in
                try Data.fetchOne(db, sql: "SELECT sealedValue FROM setting WHERE key = 'llm.openai.api_key'")
            }
            #expect(try server.settings.secrets.unseal(try #require(sealed)) == key)
            #expect(!(try await admin.get("/audit").text.contains(key)))
            #expect(try await admin.post("/settings", ["clear_openai_api_key": "1"]).status == .seeOther)
            #expect(try await admin.get("/settings").text.contains("OpenAI-compatible API key (not set)"))
        }
    }

    @Test("bad input gets a 4xx that names the field; an oversize body is refused")
    func badInput() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let short = try await admin.post("/accounts", ["name": "bob", "password": "short", "role": "user"])
            #expect(short.status == .badRequest)
            #expect(short.text.contains("at least 12 characters"))
            let role = try await admin.post(
                "/accounts", ["name": "bob", "password": "a-long-password-1", "role": "root"])
            #expect(role.status == .badRequest)
            #expect(role.text.contains("Role must be viewer, user or admin"))
            let name = try await admin.post("/accounts", ["name": "../bob", "password": "a-long-password-1"])
            #expect(name.text.contains("Name may hold letters"))
            let run = try await admin.post("/runs", ["repository": "7", "max_issues": "500"])
            #expect(run.status == .badRequest)
            let huge = try await admin.post("/tokens", ["name": String(repeating: "a", count: 300_000)])
            #expect(huge.status == .contentTooLarge)
            #expect(try await admin.get("/accounts").text.contains("bob") == false)
        }
    }

    @Test("without an admin password, the first admin is created once through the printed setup link")
    func setupLink() async throws {
        let server = try TestServer(adminPassword: nil)
        defer { server.remove() }
        let app = try await Server(settings: server.settings)
        let token = try #require(app.setupToken)
        let application = Application(router: app.router())
        try await application.test(.router) { client in
            let browser = Browser(client)
            #expect(try await browser.get("/setup?token=wrong").status == .forbidden)
            #expect(try await browser.get("/setup?token=\(token)").status == .ok)
            let weak = try await browser.post(
                "/setup", ["token": token, "name": "root", "password": "short"], csrf: false)
            #expect(weak.status == .badRequest)
            let created = try await browser.post(
                "/setup", ["token": token, "name": "root", "password": "a-long-password-1"], csrf: false)
            #expect(created.status == .seeOther)
            #expect(browser.cookie != nil)
            #expect(try await browser.get("/setup?token=\(token)").status == .notFound)
            let audit = try await browser.get("/audit")
            #expect(audit.text.contains("account.create"))
        }
    }

    @Test("repositories by local path stay inside the allowed folders; tokens are stored sealed")
    func repositories() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("api"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("escape").path, withDestinationPath: "/etc")
        let server = try TestServer(roots: [root.path])
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            for location in [
                "/etc", root.path + "/../", root.path + "/escape", "file:///etc", "--upload-pack=x", "api",
            ] {
                let response = try await admin.post("/repositories", ["name": "x", "location": location])
                #expect(response.status == .badRequest, "\(location)")
            }
            let token = "ghp_" + String(repeating: "s", count: 36)
            let added = try await admin.post(
                "/repositories",
                ["name": "api", "location": root.path + "/api", "tracker": "acme/api", "token": token])
            #expect(added.status == .seeOther)
            let page = try await admin.get("/repositories")
            #expect(page.text.contains("stored (encrypted)"))
            #expect(!page.text.contains(token))
            let store = try SQLiteHistoryStore(path: server.settings.historyPath)
            let row = try await store.database.read { db in
                try Data.fetchOne(db, sql: "SELECT sealedToken FROM repository")
            }
            let sealed = try #require(row)
            #expect(!String(decoding: sealed, as: UTF8.self).contains(token))
            #expect(try server.settings.secrets.unseal(sealed) == token)
            #expect(
                try await admin.post("/repositories", ["name": "API", "location": root.path + "/api"]).status
                    == .conflict)
        }
    }
}
