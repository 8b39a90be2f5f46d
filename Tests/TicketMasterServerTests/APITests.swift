import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TicketMaster
import TicketMasterTesting

@testable import TicketMasterServer

@Suite("Web service: the REST API and its OpenAPI description")
struct APITests {
    @Test("every registered API route is in openapi.yaml with its role, and every documented one is registered")
    func documentMatchesRoutes() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let app = try await Server(settings: server.settings)
        let registered = Set(
            app.addAPIRoutes(to: Router(context: ServerContext.self)).map {
                OpenAPIDocument.Operation(
                    method: $0.method.rawValue, path: $0.path, summary: "", role: $0.role.rawValue)
            })
        let documented = Set(
            OpenAPIDocument.operations.map { operation in
                var copy = operation
                copy.summary = ""
                return copy
            })
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered")
        #expect(documented.count == OpenAPIDocument.operations.count)
        let file = CommandRunner.packageRoot.appendingPathComponent("docs/openapi.yaml")
        #expect(try String(contentsOf: file, encoding: .utf8) == OpenAPIDocument.yaml, "docs/openapi.yaml differs")
    }

    @Test("openapi-spec-validator accepts the document")
    func validDocument() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "openapi_spec_validator", "docs/openapi.yaml"]
        process.currentDirectoryURL = CommandRunner.packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            !text.contains("No module named openapi_spec_validator"),
            "openapi-spec-validator is not installed: run scripts/test, which installs it")
        #expect(process.terminationStatus == 0, "\(text)")
    }

    @Test("a viewer's token reads but gets a 403 problem from every state-changing call; nobody gets 401")
    func rolesOverTheAPI() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            #expect(
                try await admin.post("/accounts", ["name": "v", "password": "a-long-password-1", "role": "viewer"])
                    .status == .seeOther)
            // Token 1 is the admin's, so the viewer's own DELETE /tokens/1 revokes nothing of its own.
            #expect(try await admin.post("/tokens", ["name": "admin's"]).status == .ok)
            let viewer = try await Browser.signedIn(client, name: "v", password: "a-long-password-1")
            let created = try await viewer.post("/tokens", ["name": "script"]).text
            let secret = try #require(
                created.range(of: #"tm_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(created[$0]) })
            let operations = OpenAPIDocument.operations
            for operation in operations {
                let path = operation.path.replacingOccurrences(of: "{id}", with: "1")
                    .replacingOccurrences(of: "{draft}", with: "1")
                let method = HTTPRequest.Method(operation.method) ?? .get
                let body = method == .get || method == .delete ? nil : ByteBuffer(string: "{}")
                let headers: HTTPFields = [.authorization: "Bearer \(secret)", .contentType: "application/json"]
                let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
                if operation.role == "viewer" {
                    #expect(
                        ![.unauthorized, .forbidden].contains(response.status), "\(operation.method) \(path)")
                } else {
                    #expect(response.status == .forbidden, "\(operation.method) \(path)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                let anonymous = try await client.execute(
                    uri: path, method: method, headers: [.contentType: "application/json"], body: body)
                #expect(anonymous.status == .unauthorized, "\(operation.method) \(path)")
                #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test("runs through the API: JSON in, problems for bad input, the session cookie needs the CSRF header")
    func runOverTheAPI() async throws {
        let repository = try await TemporaryGitRepository.make()
        defer { repository.remove() }
        try repository.write(
            "// TODO: handle empty input files in the reader\nint main(void) { return 0; }\n", to: "src/main.c")
        try await repository.commit("Start", date: Date(timeIntervalSince1970: 1_600_000_000))
        // The note is a task with no evidence beyond its words, which ranks low.
        let server = try TestServer(
            roots: [repository.container.path], configuration: "issue_generation:\n  min_severity: low\n")
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            let created = try await admin.post("/tokens", ["name": "ci"]).text
            let secret = try #require(
                created.range(of: #"tm_[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(created[$0]) })
            func call(_ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil) async throws -> TestResponse {
                try await client.execute(
                    uri: uri, method: method,
                    headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"],
                    body: json.map { ByteBuffer(string: $0) })
            }
            let repositoryJSON = #"{"name": "app", "location": "\#(repository.url.path)"}"#
            let added = try await call(.post, "/api/v1/repositories", repositoryJSON)
            #expect(added.status == .created)
            #expect(added.text.contains(#""has_token":false"#))

            let malformed = try await call(.post, "/api/v1/runs", "{not json")
            #expect(malformed.status == .badRequest)
            #expect(malformed.headers[.contentType] == "application/problem+json")
            let problem = try JSONSerialization.jsonObject(with: Data(malformed.text.utf8)) as? [String: Any]
            #expect(problem?["status"] as? Int == 400)
            #expect(problem?["title"] as? String == "Bad Request")
            let tooMany = try await call(.post, "/api/v1/runs", #"{"repository_id": 1, "max_issues": 0}"#)
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.text.contains("max_issues must be from 1 to 50"))
            let unknown = try await call(.get, "/api/v1/nothing")
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")

            let kinds = try await call(.post, "/api/v1/runs", #"{"repository_id": 1, "issue_types": ["chores"]}"#)
            #expect(kinds.status == .badRequest)
            #expect(kinds.text.contains("issue types must be among documentation, testing"))
            #expect(
                try await call(.post, "/api/v1/runs", #"{"repository_id": 1, "issue_types": []}"#).status == .badRequest
            )
            let started = try await call(
                .post, "/api/v1/runs",
                #"{"repository_id": 1, "provider": "none", "issue_types": ["maintenance", "testing"]}"#)
            #expect(started.status == .created)
            #expect(started.text.contains(#""issue_types":["maintenance","testing"]"#))
            let events = try await call(.get, "/api/v1/runs/1/events")
            #expect(events.headers[.contentType] == "text/event-stream")
            #expect(events.text.contains("event: end"))
            var detail = ""
            for _ in 0..<300 {
                detail = try await call(.get, "/api/v1/runs/1").text
                if detail.contains(#""state":"drafted""#) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(detail.contains("handle empty input"), "\(detail)")
            let approved = try await call(
                .patch, "/api/v1/runs/1/drafts/1", #"{"decision": "approve", "labels": ["bug"]}"#)
            #expect(approved.status == .ok)
            #expect(approved.text.contains(#""status":"approved""#))
            let page = try await call(.get, "/api/v1/runs?per_page=1")
            #expect(page.text.contains(#""per_page":1"#) && page.text.contains(#""total":1"#))
            #expect(try await call(.get, "/api/v1/runs?per_page=0").status == .badRequest)

            // With the session cookie instead of a token, a change needs the page's CSRF token in a header.
            var cookieHeaders: HTTPFields = [
                .cookie: "tm_session=\(admin.cookie ?? "")", .contentType: "application/json",
            ]
            let withoutHeader = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: cookieHeaders,
                body: ByteBuffer(string: #"{"name": "x"}"#))
            #expect(withoutHeader.status == .forbidden)
            cookieHeaders[.xCSRFToken] = admin.csrf ?? ""
            let withHeader = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: cookieHeaders,
                body: ByteBuffer(string: #"{"name": "x"}"#))
            #expect(withHeader.status == .created)
            let robot = try await call(
                .post, "/api/v1/accounts", #"{"name": "robot", "password": "a-long-password-1", "role": "user"}"#)
            #expect(robot.status == .created)
            let disabled = try await call(.patch, "/api/v1/accounts/2", #"{"disabled": true}"#)
            #expect(disabled.text.contains(#""disabled":true"#) && disabled.text.contains(#""role":"user""#))
            let own = try await call(.patch, "/api/v1/accounts/1", #"{"role": "viewer"}"#)
            #expect(own.status == .badRequest)
            #expect(try await call(.delete, "/api/v1/tokens/1").status == .noContent)
            #expect(try await call(.get, "/api/v1/runs").status == .unauthorized)
        }
    }
}

@Suite("Web service: paging")
struct PagingTests {
    @Test("a page number past any history is a 400, never an overflow")
    func hugePage() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.test { client in
            let admin = try await Browser.signedIn(client)
            #expect(try await admin.get("/runs?page=9223372036854775807").status == .badRequest)
            #expect(try await admin.get("/api/v1/runs?page=9223372036854775807").status == .badRequest)
            #expect(try await admin.get("/api/v1/runs?page=1000000").status == .ok)
        }
    }
}
