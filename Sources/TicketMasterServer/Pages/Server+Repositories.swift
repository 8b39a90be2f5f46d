import Foundation
import Hummingbird
import TicketMaster

extension Server {
    func addRepositoryRoutes(to router: Router<ServerContext>) {
        let group = router.group("repositories")
        group.add(middleware: RequireRole(.viewer)).get { _, context -> Response in
            try await repositoriesPage(webhook: await notices.take(for: context.sessionDigest), context: context)
        }
        group.add(middleware: RequireRole(.admin)).post { request, context -> Response in
            let form = try await Form.read(request, context: context)
            let name = try form.require("name", label: "Name", maxLength: 64)
            _ = try await addRepository(
                name: name, location: try form.require("location", label: "Location", maxLength: 1000),
                tracker: form["tracker"], token: form["token"], context: context)
            return .redirect(to: "/repositories")
        }
    }

    /// The repositories page; `webhook` is a repository whose webhook secret was just made, shown this once with
    /// the addresses to enter in the forge.
    func repositoriesPage(webhook: [String: String]?, context: ServerContext) async throws -> Response {
        let repositories = try await team.repositories().map { repository -> [String: Any] in
            [
                "id": repository.id ?? 0, "name": repository.name, "location": repository.location,
                "tracker": repository.tracker ?? "the origin remote", "hasToken": repository.hasToken,
                "hasWebhook": repository.hasWebhook, "schedule": repository.schedule ?? "",
                "timeZone": repository.scheduleTimeZone ?? "UTC", "autoFile": repository.autoFile,
            ]
        }
        let roots =
            settings.allowedRoots.isEmpty
            ? "no folder: start the server with --allow-root" : settings.allowedRoots.joined(separator: ", ")
        var values: [String: Any] = ["repositories": repositories, "roots": roots]
        if let webhook { values["webhook"] = webhook }
        return pages.render("repositories", title: "Repositories", values, context: context)
    }

    /// Adds a repository for the page and the API alike: the location confined, the tracker parsed, the token
    /// sealed, the name free; audited.
    func addRepository(
        name: String, location text: String, tracker: String?, token: String?, context: ServerContext
    ) async throws -> RepositoryRecord {
        let name = try Self.checkedName(name)
        let location = try validatedLocation(text)
        let tracker = try tracker.map { text -> String in
            guard text.count <= 300 else { throw HTTPError(.badRequest, message: "File issues on is too long") }
            do {
                return try RemoteRepository(parsing: text).description
            } catch let error as TicketMasterError {
                throw HTTPError(.badRequest, message: "File issues on: \(error.message)")
            }
        }
        if let token, token.count > 500 { throw HTTPError(.badRequest, message: "the token is too long") }
        let sealed = try token.map { try settings.secrets.seal($0) }
        guard
            let record = try await team.addRepository(
                name: name, location: location, tracker: tracker, sealedToken: sealed)
        else { throw HTTPError(.conflict, message: "a repository named \(name) exists already") }
        try await audit("repository.add", "repository \(name) (\(location))", context)
        return record
    }

    /// A clone URL (https, http or ssh; never `file:`, which would read outside the allowed folders), or a local
    /// repository inside one of the allowed folders, with symbolic links resolved first so none leads out.
    func validatedLocation(_ text: String) throws -> String {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("ssh://") {
            guard URL(string: text)?.host != nil, !text.contains(" ") else {
                throw HTTPError(.badRequest, message: "Location is not a valid clone URL")
            }
            return text
        }
        if lower.contains("://") || text.hasPrefix("-") {
            throw HTTPError(.badRequest, message: "Location must be an https, http or ssh clone URL, or a local path")
        }
        if text.range(of: #"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$"#, options: .regularExpression) != nil {
            return text
        }
        guard text.hasPrefix("/") else {
            throw HTTPError(.badRequest, message: "Location: give an absolute local path or a clone URL")
        }
        guard !settings.allowedRoots.isEmpty else {
            throw HTTPError(
                .badRequest,
                message: "local paths are off: start the server with --allow-root FOLDER to allow repositories in it")
        }
        let resolved = URL(fileURLWithPath: text).standardizedFileURL.resolvingSymlinksInPath().path
        guard settings.allowedRoots.contains(where: { resolved == $0 || resolved.hasPrefix($0 + "/") }) else {
            throw HTTPError(
                .badRequest,
                message: "Location must be inside an allowed folder (\(settings.allowedRoots.joined(separator: ", ")))")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HTTPError(.badRequest, message: "Location: there is no folder at \(text)")
        }
        return resolved
    }
}
