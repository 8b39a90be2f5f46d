/// The REST API's OpenAPI description, served at `/api/openapi.yaml`; `docs/openapi.yaml` is the same text
/// (a test holds them equal, and holds the paths, methods and roles against the registered routes).
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: Ticket-Master web service
          version: 1.0.0
          description: >-
            Start runs on a team's repositories, review and approve their drafts, and file them. JSON in and out;
            errors are RFC 9457 problem documents. Authenticate with a bearer token (`Authorization: Bearer tm_…`) or
            the session cookie plus the `X-CSRF-Token` header on state-changing requests.
        security:
          - bearer: []
          - session: []
        paths:
          /api/v1/repositories:
            get:
              operationId: listRepositories
              summary: List the repositories
              x-minimum-role: viewer
              responses:
                '200':
                  description: The repositories, by name.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: '#/components/schemas/Repository'}
                default: {$ref: '#/components/responses/Problem'}
            post:
              operationId: addRepository
              summary: Add a repository (a clone URL or a local path inside an allowed folder)
              x-minimum-role: admin
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/NewRepository'}
              responses:
                '201':
                  description: Added.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Repository'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/runs:
            get:
              operationId: listRuns
              summary: List runs, newest first
              x-minimum-role: viewer
              parameters:
                - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000000, default: 1}}
                - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
              responses:
                '200':
                  description: One page of runs.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/RunPage'}
                default: {$ref: '#/components/responses/Problem'}
            post:
              operationId: startRun
              summary: Start a run on a repository
              x-minimum-role: user
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/NewRun'}
              responses:
                '201':
                  description: Queued.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Run'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/runs/{id}:
            get:
              operationId: getRun
              summary: A run and its drafts
              x-minimum-role: viewer
              parameters:
                - {$ref: '#/components/parameters/id'}
              responses:
                '200':
                  description: The run.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/RunDetail'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/runs/{id}/events:
            get:
              operationId: streamRunEvents
              summary: The run's events as Server-Sent Events, live while it works; resumes after Last-Event-ID
              x-minimum-role: viewer
              parameters:
                - {$ref: '#/components/parameters/id'}
                - {name: Last-Event-ID, in: header, schema: {type: integer, minimum: 0}}
                - {name: after, in: query, schema: {type: integer, minimum: 0}}
              responses:
                '200':
                  description: >-
                    A stream of `id: N` / `data: {"summary": …, "progress": …, "event": …}` messages, then `event: end`.
                  content:
                    text/event-stream:
                      schema:
                        description: "The data of one event; the last one (`event: end`) is an empty object."
                        type: object
                        properties:
                          summary: {type: string}
                          progress: {type: boolean}
                          event: {type: object}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/runs/{id}/drafts/{draft}:
            patch:
              operationId: changeDraft
              summary: Edit a draft, approve it, or reject it with a reason
              x-minimum-role: user
              parameters:
                - {$ref: '#/components/parameters/id'}
                - {name: draft, in: path, required: true, schema: {type: integer, minimum: 1}}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/DraftChange'}
              responses:
                '200':
                  description: The draft as it now stands.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Draft'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/runs/{id}/file:
            post:
              operationId: fileApproved
              summary: File the run's approved drafts
              x-minimum-role: user
              parameters:
                - {$ref: '#/components/parameters/id'}
              responses:
                '202':
                  description: Filing is queued; follow the events.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Run'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/history:
            get:
              operationId: searchHistory
              summary: Search drafts and filed issues of every run
              x-minimum-role: viewer
              parameters:
                - {name: q, in: query, required: true, schema: {type: string, minLength: 1, maxLength: 200}}
              responses:
                '200':
                  description: Matches, best first.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: '#/components/schemas/SearchResult'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/accounts:
            get:
              operationId: listAccounts
              summary: List the accounts
              x-minimum-role: admin
              responses:
                '200':
                  description: The accounts.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: '#/components/schemas/Account'}
                default: {$ref: '#/components/responses/Problem'}
            post:
              operationId: createAccount
              summary: Create an account
              x-minimum-role: admin
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/NewAccount'}
              responses:
                '201':
                  description: Created.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Account'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/accounts/{id}:
            patch:
              operationId: changeAccount
              summary: Change an account's role or disable it (never your own)
              x-minimum-role: admin
              parameters:
                - {$ref: '#/components/parameters/id'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        role: {type: string, enum: [viewer, user, admin]}
                        disabled: {type: boolean}
              responses:
                '200':
                  description: The account as it now stands.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Account'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/tokens:
            get:
              operationId: listTokens
              summary: List your API tokens (never their secrets)
              x-minimum-role: viewer
              responses:
                '200':
                  description: Your tokens.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: '#/components/schemas/Token'}
                default: {$ref: '#/components/responses/Problem'}
            post:
              operationId: createToken
              summary: Create an API token; its secret is in this response only
              x-minimum-role: viewer
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/NewToken'}
              responses:
                '201':
                  description: Created.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Token'}
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/tokens/{id}:
            delete:
              operationId: revokeToken
              summary: Revoke one of your API tokens
              x-minimum-role: viewer
              parameters:
                - {$ref: '#/components/parameters/id'}
              responses:
                '204':
                  description: Revoked.
                default: {$ref: '#/components/responses/Problem'}
          /api/v1/audit:
            get:
              operationId: listAuditEvents
              summary: The audit log, newest first
              x-minimum-role: admin
              parameters:
                - {name: actor, in: query, schema: {type: string}}
                - {name: action, in: query, schema: {type: string}}
              responses:
                '200':
                  description: State-changing actions.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: '#/components/schemas/AuditEvent'}
                default: {$ref: '#/components/responses/Problem'}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
            session: {type: apiKey, in: cookie, name: tm_session}
          parameters:
            id: {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
          responses:
            Problem:
              description: An RFC 9457 problem document.
              content:
                application/problem+json:
                  schema: {$ref: '#/components/schemas/Problem'}
          schemas:
            Problem:
              type: object
              required: [type, title, status, detail]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                instance: {type: string}
            Repository:
              type: object
              required: [id, name, location, has_token]
              properties:
                id: {type: integer}
                name: {type: string}
                location: {type: string}
                tracker: {type: string}
                has_token: {type: boolean}
            NewRepository:
              type: object
              required: [name, location]
              properties:
                name: {type: string, pattern: '^[A-Za-z0-9._-]{1,64}$'}
                location: {type: string, minLength: 1, maxLength: 1000}
                tracker: {type: string, maxLength: 300}
                token: {type: string, maxLength: 500, writeOnly: true}
            Run:
              type: object
              required: [id, repository_id, requested_by, max_issues, provider, state, created_at]
              properties:
                id: {type: integer}
                repository_id: {type: integer}
                requested_by: {type: string}
                max_issues: {type: integer}
                provider: {type: string}
                issue_types:
                  type: array
                  items: {type: string}
                state: {type: string, enum: [queued, running, drafted, filing, filed, failed, interrupted]}
                history_run_id: {type: integer}
                message: {type: string}
                created_at: {type: string, format: date-time}
                finished_at: {type: string, format: date-time}
            RunPage:
              type: object
              required: [items, page, per_page, total]
              properties:
                items:
                  type: array
                  items: {$ref: '#/components/schemas/Run'}
                page: {type: integer}
                per_page: {type: integer}
                total: {type: integer}
            NewRun:
              type: object
              required: [repository_id]
              properties:
                repository_id: {type: integer}
                provider: {type: string, enum: [none, auto, local, ollama, openai, anthropic, gemini]}
                max_issues: {type: integer, minimum: 1, maximum: 50}
                issue_types:
                  type: array
                  minItems: 1
                  items: {type: string, enum: [documentation, testing, refactoring, maintenance, bug, security]}
            RunDetail:
              type: object
              required: [run, drafts]
              properties:
                run: {$ref: '#/components/schemas/Run'}
                drafts:
                  type: array
                  items: {$ref: '#/components/schemas/Draft'}
            Draft:
              type: object
              required: [id, title, body, labels, type, writer, review_reasons, status]
              properties:
                id: {type: integer}
                title: {type: string}
                body: {type: string}
                labels:
                  type: array
                  items: {type: string}
                type: {type: string}
                writer: {type: string}
                score: {type: number}
                review_reasons:
                  type: array
                  items: {type: string}
                status: {type: string, enum: [draft, approved, skipped, filed, duplicate]}
                duplicate_of: {type: string}
                decided_by: {type: string}
                decision_reason: {type: string}
                assignees:
                  type: array
                  items: {type: string}
                milestone: {type: integer}
                issue_url: {type: string}
            DraftChange:
              type: object
              properties:
                title: {type: string, minLength: 1, maxLength: 256}
                body: {type: string, maxLength: 65536}
                labels:
                  type: array
                  maxItems: 20
                  items: {type: string, maxLength: 50}
                assignees:
                  type: array
                  maxItems: 10
                  items: {type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,38}$'}
                milestone: {type: integer, minimum: 1, maximum: 1000000}
                decision: {type: string, enum: [approve, reject, save]}
                reason: {type: string}
            SearchResult:
              type: object
              required: [kind, history_run_id, title]
              properties:
                kind: {type: string, enum: [draft, issue]}
                history_run_id: {type: integer}
                title: {type: string}
                url: {type: string}
            Account:
              type: object
              required: [id, name, role, disabled]
              properties:
                id: {type: integer}
                name: {type: string}
                role: {type: string, enum: [viewer, user, admin]}
                disabled: {type: boolean}
            NewAccount:
              type: object
              required: [name, password, role]
              properties:
                name: {type: string, pattern: '^[A-Za-z0-9._-]{1,64}$'}
                password: {type: string, minLength: 12, maxLength: 72, writeOnly: true}
                role: {type: string, enum: [viewer, user, admin]}
            Token:
              type: object
              required: [id, name, created_at]
              properties:
                id: {type: integer}
                name: {type: string}
                created_at: {type: string, format: date-time}
                last_used_at: {type: string, format: date-time}
                revoked_at: {type: string, format: date-time}
                secret: {type: string, description: Only in the response that created the token.}
            NewToken:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1, maxLength: 100}
            AuditEvent:
              type: object
              required: [at, actor, action, target]
              properties:
                at: {type: string, format: date-time}
                actor: {type: string}
                action: {type: string}
                target: {type: string}
                address: {type: string}

        """#

    /// One operation of the document, for the docs page and the tests.
    struct Operation: Hashable, Sendable {
        var method: String
        var path: String
        var summary: String
        var role: String
    }

    /// The operations, in document order.
    static let operations: [Operation] = {
        var operations: [Operation] = []
        var path = ""
        var method = ""
        var summary = ""
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                ["get", "post", "patch", "put", "delete"].contains(line.trimmingCharacters(in: .whitespaces).dropLast())
            {
                method = String(line.trimmingCharacters(in: .whitespaces).dropLast())
            } else if line.hasPrefix("      summary: ") {
                summary = String(line.dropFirst("      summary: ".count))
            } else if line.hasPrefix("      x-minimum-role: ") {
                operations.append(
                    Operation(
                        method: method.uppercased(), path: path, summary: summary,
                        role: String(line.dropFirst("      x-minimum-role: ".count))))
            }
        }
        return operations
    }()

    /// The operations as the docs page lists them.
    static var summary: [[String: String]] {
        operations.map { ["method": $0.method, "path": $0.path, "summary": $0.summary, "role": $0.role] }
    }
}
