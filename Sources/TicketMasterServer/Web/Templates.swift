/// The pages' Mustache templates. They live in the binary, so an installed `ticket-master` needs no resource
/// folder. Every value is inserted with `{{…}}`, which escapes HTML: repository text (titles, bodies, markers)
/// always shows as text.
enum Templates {
    static let all: [String: String] = [
        "head": head, "foot": foot, "error": error, "login": login, "setup": setup, "runs": runs, "run": run,
        "repositories": repositories, "accounts": accounts, "tokens": tokens, "audit": audit, "history": history,
        "apidocs": apidocs, "settings": settings,
    ]

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Ticket-Master</title>
        <link rel="stylesheet" href="/static/app.css">
        {{#refresh}}<noscript><meta http-equiv="refresh" content="{{refresh}}"></noscript>{{/refresh}}
        <script src="/static/app.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
        <nav aria-label="Main">
        <a class="brand" href="/runs">Ticket-Master</a>
        {{#user}}
        <a href="/runs">Runs</a>
        <a href="/repositories">Repositories</a>
        <a href="/history">History</a>
        <a href="/tokens">API tokens</a>
        {{#isAdmin}}<a href="/accounts">Accounts</a> <a href="/settings">Settings</a> <a href="/audit">Audit log</a>{{/isAdmin}}
        <form class="inline" method="post" action="/logout">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sign out {{name}} ({{role}})</button>
        </form>
        {{/user}}
        </nav>
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        """

    static let foot = """
        </main>
        <footer><a href="/api/docs">API</a> · <a href="/healthz">health</a></footer>
        </body>
        </html>
        """

    static let error = """
        {{> head}}
        <p class="error" role="alert">{{message}}</p>
        <p><a href="/runs">Back to the runs</a></p>
        {{> foot}}
        """

    static let login = """
        {{> head}}
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="/login" class="stacked">
        <input type="hidden" name="next" value="{{next}}">
        <label for="name">Name</label>
        <input id="name" name="name" autocomplete="username" required value="{{name}}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
        </form>
        {{> foot}}
        """

    static let setup = """
        {{> head}}
        <p>No account exists yet. Create the first admin; this page then closes for good.</p>
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="/setup" class="stacked">
        <input type="hidden" name="token" value="{{token}}">
        <label for="name">Name</label>
        <input id="name" name="name" autocomplete="username" required value="{{name}}">
        <label for="password">Password (at least 12 characters)</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12">
        <button type="submit">Create the admin account</button>
        </form>
        {{> foot}}
        """

    static let runs = """
        {{> head}}
        {{#canRun}}
        <section aria-labelledby="new-run">
        <h2 id="new-run">New run</h2>
        {{#hasRepositories}}
        <form method="post" action="/runs" class="stacked">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="repository">Repository</label>
        <select id="repository" name="repository">{{#repositories}}<option value="{{id}}">{{name}}</option>{{/repositories}}</select>
        <label for="provider">Model</label>
        <select id="provider" name="provider">{{#providers}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/providers}}</select>
        <label for="max_issues">Suggest at most</label>
        <input id="max_issues" name="max_issues" type="number" min="1" max="50" value="{{defaultMaxIssues}}">
        <fieldset><legend>Kinds of issue</legend><input type="hidden" name="types_shown" value="1">
        {{#issueTypes}}<label><input type="checkbox" name="issue_type" value="{{.}}" checked> {{.}}</label> {{/issueTypes}}
        </fieldset>
        <button type="submit">Start the run</button>
        </form>
        {{/hasRepositories}}
        {{^hasRepositories}}<p>No repository yet: an admin adds them under <a href="/repositories">Repositories</a>.</p>{{/hasRepositories}}
        <h3>Model services this server reaches</h3>
        {{#probing}}<p class="note">Checking which model services this server can reach; reload in a moment. <code>none</code> always works: the plain writer drafts every issue.</p>{{/probing}}
        {{#hasServices}}
        <table>
        <thead><tr><th scope="col">Model</th><th scope="col">Reachable</th><th scope="col">Detail</th></tr></thead>
        <tbody>{{#services}}<tr><td>{{provider}}{{#isDefault}} (what <code>auto</code> picks){{/isDefault}}</td><td>{{#reachable}}yes{{/reachable}}{{^reachable}}no{{/reachable}}</td><td>{{detail}}</td></tr>{{/services}}</tbody>
        </table>
        {{/hasServices}}
        </section>
        {{/canRun}}
        <section aria-labelledby="recent">
        <h2 id="recent">Runs</h2>
        {{#hasRuns}}
        <table>
        <thead><tr><th scope="col">Run</th><th scope="col">Repository</th><th scope="col">State</th><th scope="col">Started by</th><th scope="col">Started</th><th scope="col">Note</th></tr></thead>
        <tbody>
        {{#runs}}<tr><td><a href="/runs/{{id}}">#{{id}}</a></td><td>{{repository}}</td><td><span class="state {{state}}">{{state}}</span></td><td>{{requestedBy}}</td><td><time datetime="{{createdAt}}">{{createdAt}}</time></td><td>{{message}}</td></tr>{{/runs}}
        </tbody>
        </table>
        {{/hasRuns}}
        {{^runs}}<p>No run yet.</p>{{/runs}}
        <nav aria-label="Pages">{{#previous}}<a href="/runs?page={{previous}}">Newer</a>{{/previous}} {{#next}}<a href="/runs?page={{next}}">Older</a>{{/next}}</nav>
        </section>
        {{> foot}}
        """

    static let run = """
        {{> head}}
        <p>Repository <strong>{{repository}}</strong> · model <strong>{{provider}}</strong> · at most {{maxIssues}} issues ({{issueTypes}}) · started by {{requestedBy}} · state <span class="state {{state}}" id="state">{{state}}</span>{{#historyRun}} · history run {{historyRun}}{{/historyRun}}</p>
        {{#message}}<p class="note">{{message}}</p>{{/message}}
        <section aria-labelledby="progress">
        <h2 id="progress">Progress</h2>
        <ol id="events" class="events" aria-live="polite" {{#live}}data-source="/runs/{{id}}/events" data-last="{{lastEvent}}"{{/live}}>
        {{#events}}<li>{{.}}</li>{{/events}}
        </ol>
        {{#live}}<p class="note" id="live-note">The run is in progress; this list grows as it works.</p>
        <p id="progress-line" class="note" role="status"></p>{{/live}}
        </section>
        {{#hasDrafts}}
        <section aria-labelledby="drafts" id="drafts-section">
        <h2 id="drafts">Drafts</h2>
        <p id="draft-status" class="note" role="status"></p>
        {{#canEdit}}
        <form id="bulk" method="post" action="/runs/{{id}}/drafts" class="toolbar">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span>With the selected drafts:</span>
        <button type="submit" name="decision" value="approve">Approve</button>
        <button type="submit" name="decision" value="reject">Reject</button>
        <label for="bulk-reason">Reason</label> <input id="bulk-reason" name="reason">
        </form>
        {{/canEdit}}
        {{#drafts}}
        <article class="draft {{status}}" id="draft-{{id}}" aria-labelledby="draft-title-{{id}}">
        <h3 id="draft-title-{{id}}">{{#editable}}<input type="checkbox" name="draft" value="{{id}}" form="bulk" aria-label="Select {{title}}"> {{/editable}}{{title}}</h3>
        <p class="meta">status <strong>{{status}}</strong> · {{type}} · labels {{labels}} · writer {{writer}} · review score {{score}}{{#decidedBy}} · decided by {{decidedBy}}{{/decidedBy}}</p>
        {{#decisionReason}}<p class="meta">Reason: {{decisionReason}}</p>{{/decisionReason}}
        {{#reasons}}<p class="meta">Review: {{reasons}}</p>{{/reasons}}
        {{#publication}}<p class="filed">Filed as <a href="{{url}}">#{{number}}</a></p>{{/publication}}
        {{#duplicateOf}}<p class="meta">Duplicate of {{duplicateOf}}</p>{{/duplicateOf}}
        <details {{^editable}}open{{/editable}}><summary>Body</summary><pre class="body">{{body}}</pre></details>
        {{#editable}}
        <form method="post" action="/runs/{{runRequest}}/drafts/{{id}}" class="stacked edit">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="title-{{id}}">Title</label>
        <input id="title-{{id}}" name="title" value="{{title}}" maxlength="256" required>
        <label for="labels-{{id}}">Labels (comma-separated)</label>
        <input id="labels-{{id}}" name="labels" value="{{labels}}">
        <label for="assignees-{{id}}">Assignees (comma-separated; the configured ones when empty)</label>
        <input id="assignees-{{id}}" name="assignees" value="{{assignees}}">
        <label for="milestone-{{id}}">Milestone number (the configured one when empty)</label>
        <input id="milestone-{{id}}" name="milestone" type="number" min="1" value="{{milestone}}">
        <label for="body-{{id}}">Body</label>
        <textarea id="body-{{id}}" name="body" rows="10">{{body}}</textarea>
        <label for="reason-{{id}}">Reason (when rejecting)</label>
        <input id="reason-{{id}}" name="reason" value="{{decisionReason}}">
        <div class="buttons">
        <button type="submit" name="decision" value="approve">Approve</button>
        <button type="submit" name="decision" value="reject">Reject</button>
        <button type="submit" name="decision" value="save">Save edits</button>
        </div>
        </form>
        {{/editable}}
        </article>
        {{/drafts}}
        {{#canFile}}
        <form method="post" action="/runs/{{id}}/file" class="toolbar">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">File the {{approvedCount}} approved draft(s)</button>
        </form>
        {{/canFile}}
        </section>
        {{/hasDrafts}}
        {{> foot}}
        """

    static let repositories = """
        {{> head}}
        {{#webhook}}<div class="notice" role="status"><p>Webhook secret of {{name}}, shown this once: <code id="webhook-secret">{{secret}}</code></p>
        <p>GitHub: payload URL <code>{{github}}</code> on this server's address, content type <code>application/json</code>, this secret, the push event. GitLab: URL <code>{{gitlab}}</code>, this secret as the token, push events. A push to a branch queues a run; its drafts wait for approval.</p></div>{{/webhook}}
        {{#hasRepositories}}
        <div class="scroll" role="region" aria-label="Repositories" tabindex="0">
        <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Location</th><th scope="col">Files on</th><th scope="col">Token</th><th scope="col">Webhook</th><th scope="col">Schedule</th></tr></thead>
        <tbody>{{#repositories}}<tr><td>{{name}}</td><td><code>{{location}}</code></td><td>{{tracker}}</td><td>{{#hasToken}}stored (encrypted){{/hasToken}}{{^hasToken}}none{{/hasToken}}</td>
        <td>{{#hasWebhook}}set up{{/hasWebhook}}{{^hasWebhook}}none{{/hasWebhook}}{{#isAdmin}} <form class="inline" method="post" action="/repositories/{{id}}/webhook"><input type="hidden" name="csrf" value="{{csrf}}">{{#hasWebhook}}<label class="pair"><input type="checkbox" name="confirm" value="1" required> the old secret stops working</label> <button type="submit" aria-label="Replace the webhook secret of {{name}}">Replace the secret</button>{{/hasWebhook}}{{^hasWebhook}}<button type="submit" aria-label="Make a webhook secret for {{name}}">Make a secret</button>{{/hasWebhook}}</form>{{/isAdmin}}</td>
        <td>{{^isAdmin}}{{#schedule}}<code>{{schedule}}</code> ({{timeZone}}){{/schedule}}{{^schedule}}none{{/schedule}}{{/isAdmin}}{{#isAdmin}}<form class="inline" method="post" action="/repositories/{{id}}/schedule"><input type="hidden" name="csrf" value="{{csrf}}"><span class="pair"><label for="schedule-{{id}}">Cron<span class="visually-hidden"> schedule of {{name}}</span></label> <input id="schedule-{{id}}" name="schedule" value="{{schedule}}" size="12" maxlength="100" aria-describedby="cron-hint"></span> <span class="pair"><label for="zone-{{id}}">Time zone<span class="visually-hidden"> of {{name}}</span></label> <input id="zone-{{id}}" name="time_zone" value="{{timeZone}}" size="12" maxlength="64"></span> <label class="pair"><input type="checkbox" name="auto_file" value="1" {{#autoFile}}checked{{/autoFile}}> file webhook and scheduled runs without review<span class="visually-hidden"> for {{name}}</span></label> <button type="submit" aria-label="Save the schedule of {{name}}">Save</button></form>{{/isAdmin}}{{^isAdmin}}{{#autoFile}}; files without review{{/autoFile}}{{/isAdmin}}</td></tr>{{/repositories}}</tbody>
        </table>
        </div>
        {{#isAdmin}}<p id="cron-hint" class="hint">Cron: minute hour day month weekday, such as <code>0 6 * * mon</code> or <code>@daily</code>; empty to stop. The time zone is an IANA name such as <code>Europe/Berlin</code>.</p>{{/isAdmin}}
        {{/hasRepositories}}
        {{^repositories}}<p>No repository yet.</p>{{/repositories}}
        {{#isAdmin}}
        <section aria-labelledby="add">
        <h2 id="add">Add a repository</h2>
        <form method="post" action="/repositories" class="stacked">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="name">Name</label>
        <input id="name" name="name" required maxlength="100">
        <label for="location">Local path (inside {{roots}}) or clone URL</label>
        <input id="location" name="location" required maxlength="1000">
        <label for="tracker">File issues on (owner/repo or its URL; the origin remote when empty)</label>
        <input id="tracker" name="tracker" maxlength="300">
        <label for="token">Tracker token (stored encrypted, never shown again)</label>
        <input id="token" name="token" type="password" autocomplete="off" maxlength="500">
        <button type="submit">Add</button>
        </form>
        </section>
        {{/isAdmin}}
        {{> foot}}
        """

    static let accounts = """
        {{> head}}
        <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Change</th></tr></thead>
        <tbody>
        {{#accounts}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{#disabled}}disabled{{/disabled}}{{^disabled}}active{{/disabled}}</td>
        <td><form class="inline" method="post" action="/accounts/{{id}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="role-{{id}}">Role</label>
        <select id="role-{{id}}" name="role">{{#roles}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/roles}}</select>
        <label><input type="checkbox" name="disabled" value="1" {{#disabled}}checked{{/disabled}}> disabled</label>
        <button type="submit">Save</button>
        </form></td></tr>{{/accounts}}
        </tbody>
        </table>
        <section aria-labelledby="add">
        <h2 id="add">Add an account</h2>
        <form method="post" action="/accounts" class="stacked">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="name">Name</label>
        <input id="name" name="name" required maxlength="64">
        <label for="password">Password (at least 12 characters)</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12">
        <label for="role">Role</label>
        <select id="role" name="role"><option value="viewer">viewer</option><option value="user">user</option><option value="admin">admin</option></select>
        <button type="submit">Add</button>
        </form>
        </section>
        {{> foot}}
        """

    static let tokens = """
        {{> head}}
        {{#secret}}<p class="notice" role="status">Your new token, shown this once: <code id="new-token">{{secret}}</code></p>{{/secret}}
        {{#hasTokens}}
        <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
        <tbody>{{#tokens}}<tr><td>{{name}}</td><td>{{createdAt}}</td><td>{{lastUsedAt}}</td><td>{{#revokedAt}}revoked {{revokedAt}}{{/revokedAt}}{{^revokedAt}}<form class="inline" method="post" action="/tokens/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Revoke</button></form>{{/revokedAt}}</td></tr>{{/tokens}}</tbody>
        </table>
        {{/hasTokens}}
        <form method="post" action="/tokens" class="stacked">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="name">New token's name</label>
        <input id="name" name="name" required maxlength="100">
        <button type="submit">Create a token</button>
        </form>
        {{> foot}}
        """

    static let audit = """
        {{> head}}
        <form method="get" action="/audit" class="toolbar">
        <label for="actor">Actor</label> <input id="actor" name="actor" value="{{actor}}">
        <label for="action">Action</label> <input id="action" name="action" value="{{action}}">
        <button type="submit">Filter</button>
        <a href="/audit.csv?actor={{actor}}&amp;action={{action}}">Download CSV</a>
        </form>
        <table>
        <thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Address</th></tr></thead>
        <tbody>{{#events}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{target}}</td><td>{{address}}</td></tr>{{/events}}</tbody>
        </table>
        {{> foot}}
        """

    static let apidocs = """
        {{> head}}
        <p>JSON over HTTPS with a bearer token (create one under API tokens) or the session cookie plus an
        <code>X-CSRF-Token</code> header. Errors are RFC 9457 problem documents. The full description:
        <a href="/api/openapi.yaml">openapi.yaml</a>.</p>
        <table>
        <thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">What it does</th><th scope="col">Least role</th></tr></thead>
        <tbody>{{#routes}}<tr><td>{{method}}</td><td><code>{{path}}</code></td><td>{{summary}}</td><td>{{role}}</td></tr>{{/routes}}</tbody>
        </table>
        {{> foot}}
        """

    static let settings = """
        {{> head}}
        <form method="post" action="/settings" class="stacked">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <h2>Defaults for new runs</h2>
        <label for="default_provider">Model</label>
        <select id="default_provider" name="default_provider">{{#providers}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/providers}}</select>
        <label for="default_max_issues">Suggest at most</label>
        <input id="default_max_issues" name="default_max_issues" type="number" min="1" max="50" value="{{maxIssues}}">
        <h2>Model credentials</h2>
        <p class="note">Stored encrypted and never shown again; leave a field empty to keep what is stored.</p>
        {{#credentials}}
        <label for="{{field}}">{{label}} ({{#stored}}stored{{/stored}}{{^stored}}not set{{/stored}})</label>
        <input id="{{field}}" name="{{field}}" type="password" autocomplete="off" maxlength="500">
        {{#stored}}<label><input type="checkbox" name="clear_{{field}}" value="1"> remove the stored key</label>{{/stored}}
        {{/credentials}}
        <button type="submit">Save</button>
        </form>
        {{> foot}}
        """

    static let history = """
        {{> head}}
        <form method="get" action="/history" class="toolbar" role="search">
        <label for="q">Search drafts and filed issues</label> <input id="q" name="q" value="{{query}}">
        <button type="submit">Search</button>
        {{#isAdmin}}{{#exportable}}<a href="/history/export.json">Export the history (JSON, for <code>ticket-master history import</code>)</a>{{/exportable}}{{/isAdmin}}
        </form>
        {{#searched}}
        <h2>Results</h2>
        {{#hasHits}}<ul>{{#hits}}<li>{{kind}} of history run {{runId}}: {{title}}{{#url}} (<a href="{{url}}">{{url}}</a>){{/url}}</li>{{/hits}}</ul>{{/hasHits}}
        {{^hits}}<p>Nothing matches.</p>{{/hits}}
        {{/searched}}
        <h2>Recent history runs</h2>
        <table>
        <thead><tr><th scope="col">Run</th><th scope="col">Repository</th><th scope="col">Outcome</th><th scope="col">Drafts</th><th scope="col">Filed</th><th scope="col">Started</th></tr></thead>
        <tbody>{{#history}}<tr><td>{{id}}</td><td>{{repository}}</td><td>{{outcome}}</td><td>{{drafts}}</td><td>{{filed}}</td><td>{{startedAt}}</td></tr>{{/history}}</tbody>
        </table>
        {{> foot}}
        """
}
