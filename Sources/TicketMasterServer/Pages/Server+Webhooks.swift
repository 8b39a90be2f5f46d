import Crypto
import Foundation
import Hummingbird
import TicketMaster

/// Runs started by a forge when someone pushes: GitHub signs each delivery with HMAC-SHA256 of its body
/// (`X-Hub-Signature-256`), GitLab sends the secret itself (`X-Gitlab-Token`). Either way the secret is the one an
/// admin made for the repository on the Repositories page, kept sealed and shown once. A push to a branch queues a
/// suggestion run with the server's defaults; its drafts wait for approval like any other run's. Every answer to a
/// delivery is a status the forge's delivery log shows, with an RFC 9457 problem when something is wrong.
extension Server {
    /// The forges whose deliveries are understood.
    enum Forge: String {
        case github, gitlab
    }

    func addWebhookRoutes(to router: Router<ServerContext>) {
        router.group("repositories").add(middleware: RequireRole(.admin)).post(":id/webhook") {
            request, context -> Response in
            guard let id = context.parameters.get("id", as: Int64.self),
                let repository = try await team.repository(id: id)
            else { throw HTTPError(.notFound, message: "no such repository") }
            let form = try await Form.read(request, context: context)
            // Replacing stops the old secret working at once: the forge must be given the new one.
            if repository.hasWebhook, form["confirm"] != "1" {
                throw HTTPError(
                    .badRequest,
                    message: "tick \"the old secret stops working\" to replace the webhook secret of \(repository.name)"
                )
            }
            let secret = TeamSecrets.randomToken()
            guard try await team.setWebhookSecret(try settings.secrets.seal(secret), repository: id) else {
                throw HTTPError(.notFound, message: "no such repository")
            }
            try await audit("repository.webhook", "webhook secret of repository \(repository.name) made", context)
            let notice = [
                "name": repository.name, "secret": secret, "github": "/hooks/github/\(id)",
                "gitlab": "/hooks/gitlab/\(id)",
            ]
            // Shown once on the page the redirect leads to: a reload of that page posts nothing.
            guard let digest = context.sessionDigest else {
                return try await repositoriesPage(webhook: notice, context: context)
            }
            await notices.put(notice, for: digest)
            return .redirect(to: "/repositories")
        }
        router.post("hooks/:forge/:id") { request, context -> Response in
            guard let forge = context.parameters.get("forge").flatMap(Forge.init(rawValue:)) else {
                throw HTTPError(.notFound, message: "webhooks are received at /hooks/github/ID and /hooks/gitlab/ID")
            }
            return try await receiveWebhook(request, forge: forge, context: context)
        }
    }

    private func receiveWebhook(_ request: Request, forge: Forge, context: ServerContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let repository = try await team.repository(id: id),
            let sealed = repository.sealedWebhookSecret
        else {
            throw HTTPError(
                .notFound,
                message: "no webhook is set up for this repository; an admin makes its secret on the Repositories page")
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let secret = try settings.secrets.unseal(sealed)
        let event: String?
        switch forge {
        case .github:
            guard let signature = request.headers[.xHubSignature256],
                Self.verifies(signature: signature, body: body, secret: secret)
            else {
                throw HTTPError(
                    .unauthorized,
                    message: "X-Hub-Signature-256 does not match the body signed with this repository's webhook "
                        + "secret; set the same secret in the forge's webhook settings")
            }
            event = request.headers[.xGitHubEvent]
            if event == "ping" { return try API.json(["ok": "pong"]) }
        case .gitlab:
            guard let token = request.headers[.xGitlabToken],
                Self.constantTimeEquals(Array(token.utf8), Array(secret.utf8))
            else {
                throw HTTPError(
                    .unauthorized,
                    message: "X-Gitlab-Token is not this repository's webhook secret; set the same secret in the "
                        + "project's webhook settings")
            }
            event = request.headers[.xGitlabEvent]
        }
        guard event == (forge == .github ? "push" : "Push Hook") else {
            return try API.json(
                ["ignored": "only pushes start runs; this was \(event ?? "no event")"], status: .accepted)
        }
        let push: Push
        do {
            push = try JSONDecoder().decode(Push.self, from: Data(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: "the push payload is not the forge's JSON: \(error)")
        }
        guard push.ref.hasPrefix("refs/heads/"), !push.removesBranch else {
            return try API.json(["ignored": "a push that adds no commits to a branch starts no run"], status: .accepted)
        }
        let defaults = try await runDefaults()
        let run = try await team.createRunRequest(
            repositoryId: id, requestedBy: "webhook (\(forge.rawValue))", maxIssues: defaults.maxIssues,
            provider: defaults.provider)
        try await team.audit(
            "run.webhook", target: "run \(run.id ?? 0) of repository \(repository.name) on a push to \(push.ref)",
            actor: "webhook (\(forge.rawValue))", address: context.address)
        await coordinator.queued(run)
        return try API.json(["run": "\(run.id ?? 0)", "page": "/runs/\(run.id ?? 0)"], status: .accepted)
    }

    /// What a push delivery says, on both forges.
    private struct Push: Decodable {
        /// `refs/heads/main`.
        var ref: String
        /// GitHub: whether the push deleted the branch.
        var deleted: Bool?
        /// The commit the branch points to now; all zeros when the branch was deleted (GitLab).
        var after: String?

        var removesBranch: Bool { deleted == true || after.map { !$0.isEmpty && $0.allSatisfy { $0 == "0" } } == true }
    }

    /// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with `secret`, compared in constant time.
    static func verifies(signature: String, body: ByteBuffer, secret: String) -> Bool {
        guard signature.hasPrefix("sha256="), let expected = Self.bytes(hex: String(signature.dropFirst(7))) else {
            return false
        }
        return HMAC<SHA256>.isValidAuthenticationCode(
            expected, authenticating: Data(buffer: body), using: SymmetricKey(data: Data(secret.utf8)))
    }

    static func constantTimeEquals(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func bytes(hex: String) -> [UInt8]? {
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
