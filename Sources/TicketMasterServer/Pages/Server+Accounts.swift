import Foundation
import Hummingbird

extension Server {
    func addAccountRoutes(to router: Router<ServerContext>) {
        router.get("login") { request, context -> Response in
            if context.identity != nil { return .redirect(to: "/runs") }
            if setupToken != nil, try await team.accountCount() == 0 {
                return pages.render(
                    "login", title: "Sign in",
                    ["problem": "No account exists yet: use the setup link the server printed when it started."],
                    context: context)
            }
            return pages.render(
                "login", title: "Sign in",
                ["next": Self.safeNext(request.uri.queryParameters["next"].map(String.init))],
                context: context)
        }
        router.post("login") { request, context -> Response in
            let form = try await Form.read(request, context: context)
            let name = try form.require("name", label: "Name", maxLength: 64)
            let password = try form.require("password", label: "Password", maxLength: 200)
            let next = Self.safeNext(form["next"])
            let keys = ["account:" + name.lowercased(), "address:" + (context.address ?? "-")]
            if let wait = await throttle.retryAfter(keys) {
                var response = pages.render(
                    "login", title: "Sign in",
                    ["problem": "Too many failed sign-ins: try again in \(wait / 60 + 1) minute(s).", "name": name],
                    context: context, status: .tooManyRequests)
                response.headers[.retryAfter] = String(wait)
                return response
            }
            guard let account = try await team.account(named: name), !account.disabled,
                try await Passwords.verify(password, hash: account.passwordHash)
            else {
                await throttle.failed(keys)
                try await team.audit("login.fail", target: "account \(name)", actor: "-", address: context.address)
                return pages.render(
                    "login", title: "Sign in", ["problem": "Wrong name or password.", "name": name, "next": next],
                    context: context, status: .unauthorized)
            }
            await throttle.succeeded(keys)
            return try await signIn(account, context: context, to: next)
        }
        router.post("logout") { _, context -> Response in
            if let digest = context.sessionDigest {
                try await team.closeSession(digest: digest)
                try await audit("logout", "account \(context.actor)", context)
            }
            var response = Response.redirect(to: "/login")
            response.setCookie(sessionCookie(value: "", maxAge: 0))
            return response
        }
        router.get("setup") { request, context -> Response in
            guard let setupToken, try await team.accountCount() == 0 else { throw HTTPError(.notFound) }
            guard let token = request.uri.queryParameters["token"].map(String.init),
                CSRFMiddleware.constantTimeEqual(token, setupToken)
            else {
                throw HTTPError(.forbidden, message: "open the setup link exactly as the server printed it")
            }
            return pages.render("setup", title: "Create the first admin", ["token": token], context: context)
        }
        router.post("setup") { request, context -> Response in
            guard let setupToken, try await team.accountCount() == 0 else { throw HTTPError(.notFound) }
            let form = try await Form.read(request, context: context)
            guard let token = form["token"], CSRFMiddleware.constantTimeEqual(token, setupToken) else {
                throw HTTPError(.forbidden, message: "open the setup link exactly as the server printed it")
            }
            let name = try Self.checkedName(try form.require("name", label: "Name", maxLength: 64))
            let password = try form.require("password", label: "Password", maxLength: 200)
            if let problem = Passwords.problem(with: password) {
                return pages.render(
                    "setup", title: "Create the first admin", ["token": token, "name": name, "problem": problem],
                    context: context, status: .badRequest)
            }
            let hash = try await Passwords.hash(password, cost: settings.passwordCost)
            guard
                let account = try await team.createAccount(
                    name: name, role: .admin, passwordHash: hash, onlyIfFirst: true)
            else { throw HTTPError(.conflict, message: "the first admin already exists: sign in") }
            try await team.audit(
                "account.create", target: "account \(name) (role admin)", actor: name, address: context.address)
            return try await signIn(account, context: context, to: "/repositories")
        }

        let admin = router.group("accounts").add(middleware: RequireRole(.admin))
        admin.get { _, context -> Response in
            try await accountsPage(context: context)
        }
        admin.post { request, context -> Response in
            let form = try await Form.read(request, context: context)
            let name = try form.require("name", label: "Name", maxLength: 64)
            let password = try form.require("password", label: "Password", maxLength: 200)
            _ = try await createAccount(name: name, password: password, role: form["role"] ?? "", context: context)
            return .redirect(to: "/accounts")
        }
        admin.post(":id") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            let form = try await Form.read(request, context: context)
            _ = try await updateAccount(
                id, role: form["role"] ?? "", disabled: form["disabled"] == "1", context: context)
            return .redirect(to: "/accounts")
        }

        let tokens = router.group("tokens").add(middleware: RequireRole(.viewer))
        tokens.get { _, context -> Response in
            try await tokensPage(secret: nil, context: context)
        }
        tokens.post { request, context -> Response in
            guard let account = context.identity else { throw HTTPError(.unauthorized) }
            let form = try await Form.read(request, context: context)
            let name = try form.require("name", label: "The token's name", maxLength: 100)
            let (_, secret) = try await team.createToken(named: name, for: account)
            try await audit("token.create", "token \(name) of \(account.name)", context)
            // Shown once, on this response only: never stored, never in a redirect's URL.
            return try await tokensPage(secret: secret, context: context)
        }
        tokens.post(":id/revoke") { _, context -> Response in
            guard let account = context.identity else { throw HTTPError(.unauthorized) }
            let id = try context.parameters.require("id", as: Int64.self)
            guard try await team.revokeToken(id, of: account) else { throw HTTPError(.notFound) }
            try await audit("token.revoke", "token \(id) of \(account.name)", context)
            return .redirect(to: "/tokens")
        }
    }

    /// Creates an account for the page and the API alike: the password checked and hashed, the role one of the
    /// three, the name free; audited.
    func createAccount(
        name: String, password: String, role text: String, context: ServerContext
    ) async throws
        -> Account
    {
        let name = try Self.checkedName(name)
        if let problem = Passwords.problem(with: password) { throw HTTPError(.badRequest, message: problem) }
        guard let role = Role(rawValue: text) else {
            throw HTTPError(.badRequest, message: "Role must be viewer, user or admin")
        }
        let hash = try await Passwords.hash(password, cost: settings.passwordCost)
        guard let account = try await team.createAccount(name: name, role: role, passwordHash: hash) else {
            throw HTTPError(.conflict, message: "an account named \(name) exists already")
        }
        try await audit("account.create", "account \(name) (role \(role.rawValue))", context)
        return account
    }

    /// Changes an account's role and whether it is disabled, for the page and the API alike; nobody lowers or
    /// disables their own account. Audited.
    func updateAccount(_ id: Int64, role text: String, disabled: Bool, context: ServerContext) async throws -> Account {
        guard let account = try await team.account(id: id) else { throw HTTPError(.notFound) }
        guard let role = Role(rawValue: text) else {
            throw HTTPError(.badRequest, message: "Role must be viewer, user or admin")
        }
        if account.id == context.identity?.id, disabled || role != .admin {
            throw HTTPError(.badRequest, message: "you cannot lower or disable your own account; ask another admin")
        }
        try await team.update(account: id, role: role, disabled: disabled)
        try await audit(
            "account.update", "account \(account.name) (role \(role.rawValue)\(disabled ? ", disabled" : ""))", context)
        var updated = account
        updated.role = role
        updated.disabled = disabled
        return updated
    }

    private func signIn(_ account: Account, context: ServerContext, to next: String) async throws -> Response {
        let session = try await team.openSession(for: account)
        try await team.audit("login", target: "account \(account.name)", actor: account.name, address: context.address)
        var response = Response.redirect(to: next)
        response.setCookie(sessionCookie(value: session.cookie, maxAge: Int(TeamSecrets.sessionLifetime)))
        return response
    }

    func sessionCookie(value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: IdentityMiddleware.cookieName, value: value, maxAge: maxAge, path: "/",
            secure: settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    private func accountsPage(context: ServerContext) async throws -> Response {
        let accounts = try await team.accounts().map { account -> [String: Any] in
            [
                "id": account.id ?? 0, "name": account.name, "role": account.role.rawValue,
                "disabled": account.disabled,
                "roles": Role.allCases.map { ["value": $0.rawValue, "selected": $0 == account.role] },
            ]
        }
        return pages.render("accounts", title: "Accounts", ["accounts": accounts], context: context)
    }

    private func tokensPage(secret: String?, context: ServerContext) async throws -> Response {
        guard let account = context.identity else { throw HTTPError(.unauthorized) }
        let tokens = try await team.tokens(of: account).map { token -> [String: Any] in
            [
                "id": token.id ?? 0, "name": token.name, "createdAt": token.createdAt.shown,
                "lastUsedAt": token.lastUsedAt?.shown ?? "never", "revokedAt": token.revokedAt?.shown as Any,
            ]
        }
        var values: [String: Any] = ["tokens": tokens]
        if let secret { values["secret"] = secret }
        return pages.render("tokens", title: "API tokens", values, context: context)
    }

    /// Where to go after signing in: a path on this site only, never another host.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/runs" }
        return next
    }

    /// `name`, when it is a valid account or repository name: the one rule for the pages and the API.
    static func checkedName(_ name: String) throws -> String {
        guard name.range(of: #"^[A-Za-z0-9._-]{1,64}$"#, options: .regularExpression) != nil else {
            throw HTTPError(.badRequest, message: "Name may hold letters, digits, '-', '_' and '.' only")
        }
        return name
    }
}
