import Foundation
import Hummingbird

extension Server {
    /// The model credentials an admin may store, by form field and configuration key.
    static let credentials: [(field: String, key: String, label: String)] = [
        ("openai_api_key", "llm.openai.api_key", "OpenAI-compatible API key"),
        ("anthropic_api_key", "llm.anthropic.api_key", "Anthropic API key"),
        ("gemini_api_key", "llm.gemini.api_key", "Gemini API key"),
    ]

    /// The run form's defaults.
    func runDefaults() async throws -> (provider: String, maxIssues: Int) {
        let values = try await team.settings().values
        return (values["default_provider"] ?? "none", values["default_max_issues"].flatMap { Int($0) } ?? 5)
    }

    func addSettingsRoutes(to router: Router<ServerContext>) {
        let admin = router.group("settings").add(middleware: RequireRole(.admin))
        admin.get { _, context -> Response in
            let stored = try await team.settings()
            let defaults = try await runDefaults()
            return pages.render(
                "settings", title: "Settings",
                [
                    "providers": Self.providers.map { ["value": $0, "selected": $0 == defaults.provider] },
                    "maxIssues": defaults.maxIssues,
                    "credentials": Self.credentials.map { credential -> [String: Any] in
                        [
                            "field": credential.field, "label": credential.label,
                            "stored": stored.sealed[credential.key] != nil,
                        ]
                    },
                ], context: context)
        }
        admin.post { request, context -> Response in
            let form = try await Form.read(request, context: context)
            let provider = form["default_provider"] ?? "none"
            guard Self.providers.contains(provider) else {
                throw HTTPError(
                    .badRequest, message: "Default model must be one of \(Self.providers.joined(separator: ", "))")
            }
            let maxIssues = try form.integer("default_max_issues", label: "Default maximum", in: 1...50, fallback: 5)
            // Validate everything before writing anything: a refused form changes nothing.
            var sealed: [(String, Data?)] = []
            for credential in Self.credentials {
                if form["clear_" + credential.field] == "1" {
                    sealed.append((credential.key, nil))
                } else if let value = form[credential.field] {
                    guard value.count <= 500, !value.contains(where: \.isWhitespace) else {
                        throw HTTPError(.badRequest, message: "\(credential.label) is not a valid key")
                    }
                    sealed.append((credential.key, try settings.secrets.seal(value)))
                }
            }
            try await team.set("default_provider", value: provider)
            try await team.set("default_max_issues", value: String(maxIssues))
            for (key, data) in sealed {
                try await team.set(key, value: nil, sealed: data)
            }
            let changed = sealed.map { $0.1 == nil ? "cleared \($0.0)" : "stored \($0.0)" }
            try await audit(
                "settings.update",
                (["default model \(provider)", "default maximum \(maxIssues)"] + changed).joined(separator: ", "),
                context)
            return .redirect(to: "/settings")
        }
    }
}
