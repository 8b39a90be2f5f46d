#!/usr/bin/env python3
"""A GitHub-conformant loopback server for Ticket-Master's tests.

Every request is validated against GitHub's own OpenAPI description (the fixture in ../shared, transcribed from GitHub's
description: issues, their comments, labels, search, the rate limit) and rejected with a GitHub-style 422 when it
does not conform; responses are validated too, so the server cannot drift from GitHub's shapes. Repositories, issues
and labels live in memory. Paths outside GitHub's API, under /_control, let tests script failures (401, secondary and
primary rate limits, 429, 5xx, slow replies), set up repositories and read back what the server received and stored.

Prints GITHUB_TEST_URL=http://127.0.0.1:PORT once it is ready. Also serves the API under /api/v3, as GitHub
Enterprise Server does.
"""

import argparse
import base64
import copy
import json
import math
import os
import re
import signal
import sys
import threading
import time
import zlib
from datetime import datetime, timezone
from urllib.parse import urlencode

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

DOCS = "https://docs.github.com/rest"
API_VERSIONS = {"2022-11-28", "2026-03-10"}
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to "
    "GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
)
WRITERS = {"write", "maintain", "admin"}


def now_iso(timestamp=None):
    moment = datetime.fromtimestamp(timestamp if timestamp is not None else time.time(), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z").timestamp()


def node_id(kind, number):
    return kind + "_" + base64.b64encode(f"{kind}{number}".encode()).decode().rstrip("=")


class GitHubRequest(WerkzeugOpenAPIRequest):
    """Matches paths against the description's server, https://api.github.com, not the loopback address."""

    def __init__(self, request, path):
        super().__init__(request)
        self._path = path

    @property
    def host_url(self):
        return "https://api.github.com"

    @property
    def path(self):
        return self._path


def load_spec(fixture):
    with open(fixture) as handle:
        return OpenAPI.from_dict(json.load(handle))


class Rule:
    """One scripted failure: applies to the next `count` requests matching `method` and `path`."""

    def __init__(self, spec):
        self.mode = spec["mode"]
        self.count = int(spec.get("count", 1))
        self.after = int(spec.get("after", 0))  # matching requests let through before the failure starts
        self.method = (spec.get("method") or "").upper() or None
        self.path = re.compile(spec["path"]) if spec.get("path") else None
        self.retry_after = spec.get("retry_after")
        self.delay = float(spec.get("delay", 0))
        self.status = int(spec.get("status", 500))
        self.reset_in = int(spec.get("reset_in", 2))

    def matches(self, method, path):
        return (
            self.count > 0
            and (self.method is None or self.method == method)
            and (self.path is None or self.path.search(path) is not None)
        )


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        self.repos = {}
        self.users = {}
        self.bad_tokens = set()
        self.rules = []
        self.requests = []
        self.problems = []
        self.search_lag = 0.0
        self.next_id = 1000
        self.buckets = {
            "core": {"limit": 5000, "remaining": 5000, "reset": time.time() + 3600},
            "search": {"limit": 30, "remaining": 30, "reset": time.time() + 60},
        }

    def new_id(self):
        self.next_id += 1
        return self.next_id


class Server:
    def __init__(self, openapi, validate_responses):
        self.openapi = openapi
        self.validate_responses = validate_responses
        self.state = State()

    # ----- WSGI ---------------------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            if request.path == "/_control" or request.path.startswith("/_control/"):
                response = self.control(request)
            else:
                response = self.api(request)
        except Exception as error:  # a bug in this server: say so loudly rather than hang the client
            print(f"github_server: internal error: {error!r}", file=sys.stderr, flush=True)
            response = self.json(500, {"message": f"test server bug: {error!r}"})
        return response(environ, start_response)

    # ----- GitHub's API -------------------------------------------------------------------------------------------

    def api(self, request):
        prefix = "/api/v3" if request.path.startswith("/api/v3/") else ""
        path = request.path[len(prefix) :] or "/"
        base = request.host_url.rstrip("/") + prefix
        state = self.state
        with state.lock:
            entry = {
                "method": request.method,
                "path": path,
                "query": request.query_string.decode(),
                "headers": {key.lower(): value for key, value in request.headers.items()},
                "body": request.get_data(as_text=True),
            }
            state.requests.append(entry)
            rule = next((rule for rule in state.rules if rule.matches(request.method, path)), None)
            if rule is not None and rule.after > 0:
                rule.after -= 1
                rule = None
            elif rule is not None:
                rule.count -= 1
        response = self.answer(request, path, base, entry, rule)
        entry["status"] = response.status_code
        return response

    def answer(self, request, path, base, entry, rule):
        state = self.state
        resource = "search" if path.startswith("/search/") else "core"
        if rule is not None and rule.mode == "slow":
            time.sleep(rule.delay)
        if "user-agent" not in entry["headers"]:
            return self.json(
                403,
                {
                    "message": "Request forbidden by administrative rules. Please make sure your request has a "
                    "User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api"
                    "#user-agent-required). Check https://developer.github.com for other possible causes."
                },
            )
        version = entry["headers"].get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            return self.json(400, {"message": f"API version {version} is not supported.", "documentation_url": DOCS})
        authorization = entry["headers"].get("authorization", "")
        match = re.fullmatch(r"(?:[Bb]earer|token) (\S+)", authorization)
        if match is None:
            return self.json(401, {"message": "Requires authentication", "documentation_url": DOCS, "status": "401"})
        token = match.group(1)
        if rule is not None and rule.mode == "unauthorized" or token in state.bad_tokens:
            return self.json(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"})
        with state.lock:
            bucket = state.buckets[resource]
            if rule is not None and rule.mode == "primary":
                bucket["remaining"] = 0
                bucket["reset"] = math.ceil(time.time() + rule.reset_in)  # GitHub's resets are whole seconds
            if bucket["remaining"] <= 0 and time.time() >= bucket["reset"]:
                bucket["remaining"] = bucket["limit"]
                bucket["reset"] = math.ceil(time.time() + (3600 if resource == "core" else 60))
            if bucket["remaining"] <= 0:
                return self.json(
                    403,
                    {
                        "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for "
                        "help, please include the request ID 0000:0000:0000000:0000000:00000000.",
                        "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api",
                    },
                    resource=resource,
                )
        if rule is not None and rule.mode in ("secondary", "too_many"):
            headers = {"retry-after": str(rule.retry_after)} if rule.retry_after is not None else {}
            status = 403 if rule.mode == "secondary" else 429
            return self.json(
                status,
                {"message": SECONDARY_MESSAGE, "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api"},
                headers=headers,
                resource=resource,
            )
        if rule is not None and rule.mode == "server_error":
            return self.json(rule.status, {"message": "Server Error"}, resource=resource)

        result = self.openapi.unmarshal_request(GitHubRequest(request, path))
        if result.errors:
            details = "; ".join(self.describe(error) for error in result.errors)
            entry["invalid"] = details
            return self.json(
                422,
                {
                    "message": f"Invalid request.\n\n{details}",
                    "documentation_url": DOCS,
                    "status": "422",
                },
                resource=resource,
            )
        with state.lock:
            bucket["remaining"] -= 1
            response = self.route(request, path, base, token, result)
        if rule is not None and rule.mode == "server_error_after":
            return self.json(rule.status, {"message": "Server Error"}, resource=resource)
        self.add_rate_headers(response, resource)
        if self.validate_responses:
            problems = self.openapi.unmarshal_response(
                GitHubRequest(request, path), WerkzeugOpenAPIResponse(response)
            ).errors
            if problems:
                message = f"{request.method} {path} -> {response.status_code}: " + "; ".join(
                    self.describe(problem) for problem in problems
                )
                print(f"github_server: invalid response: {message}", file=sys.stderr, flush=True)
                state.problems.append(message)
        return response

    @staticmethod
    def describe(error):
        causes = getattr(error, "schema_errors", None) or getattr(error.__cause__, "schema_errors", None)
        if causes:
            return f"{type(error).__name__}: " + ", ".join(f"{'/'.join(map(str, e.path)) or 'body'}: {e.message}" for e in causes)
        cause = error.__cause__
        return f"{error}" + (f": {cause}" if cause is not None and str(cause) not in str(error) else "")

    def route(self, request, path, base, token, result):
        method = request.method
        body = result.body if isinstance(result.body, dict) else {}
        query = result.parameters.query
        user = self.user_for(token)
        if path == "/user" and method == "GET":
            return self.json(200, self.user_json(user, base, full=True))
        if path == "/rate_limit" and method == "GET":
            return self.json(200, self.rate_limit_json())
        if path == "/search/issues" and method == "GET":
            return self.search(request, base, query)
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if match is None:
            return self.not_found()
        repo = self.state.repos.get((match.group(1).lower(), match.group(2).lower()))
        if repo is None:
            return self.not_found()
        rest = match.group(3) or ""
        if rest == "" and method == "GET":
            return self.json(200, self.repo_json(repo, base))
        if rest == "/issues" and method == "GET":
            return self.list_issues(request, repo, base, query)
        if rest == "/issues" and method == "POST":
            return self.create_issue(repo, base, user, body)
        if rest == "/labels" and method == "GET":
            return self.paginate(request, [self.label_json(repo, l, base) for l in repo["labels"]], query)
        if rest == "/labels" and method == "POST":
            return self.create_label(repo, base, body)
        number_match = re.fullmatch(r"/issues/(\d+)(/comments)?", rest)
        if number_match:
            issue = next((i for i in repo["issues"] if i["number"] == int(number_match.group(1))), None)
            if issue is None:
                return self.not_found()
            if number_match.group(2) and method == "POST":
                return self.create_comment(repo, issue, base, user, body)
            if method == "GET":
                return self.json(200, self.issue_json(repo, issue, base))
            if method == "PATCH":
                return self.update_issue(repo, issue, base, body)
        return self.not_found()

    # ----- operations ---------------------------------------------------------------------------------------------

    def can_write(self, repo):
        return repo["permission"] in WRITERS

    def create_issue(self, repo, base, user, body):
        if not repo["has_issues"]:
            return self.json(410, {"message": "Issues are disabled for this repo", "documentation_url": DOCS})
        title = body.get("title")
        if title is None or str(title).strip() == "":
            return self.validation("Issue", "title", "missing_field")
        labels = []
        if self.can_write(repo):  # GitHub: "Labels are silently dropped otherwise."
            for item in body.get("labels") or []:
                name = item if isinstance(item, str) else item.get("name")
                labels.append(self.label_named(repo, name, create=True))
        now = time.time()
        issue = {
            "id": self.state.new_id(),
            "number": repo["next_number"],
            "title": str(title),
            "body": body.get("body"),
            "state": "open",
            "state_reason": None,
            "labels": [label["name"] for label in labels],
            "assignees": list(body.get("assignees") or []) if self.can_write(repo) else [],
            "user": user,
            "comments": [],
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
        }
        repo["next_number"] += 1
        repo["issues"].append(issue)
        response = self.json(201, self.issue_json(repo, issue, base))
        response.headers["Location"] = f"{base}/repos/{repo['owner']}/{repo['name']}/issues/{issue['number']}"
        return response

    def update_issue(self, repo, issue, base, body):
        if not self.can_write(repo) and repo["permission"] != "triage":
            return self.json(403, {"message": "Must have admin rights to Repository.", "documentation_url": DOCS})
        if "title" in body and body["title"] is not None:
            issue["title"] = str(body["title"])
        if "body" in body:
            issue["body"] = body["body"]
        if "labels" in body and body["labels"] is not None and self.can_write(repo):
            issue["labels"] = [
                self.label_named(repo, item if isinstance(item, str) else item.get("name"), create=True)["name"]
                for item in body["labels"]
            ]
        if "assignees" in body and body["assignees"] is not None:
            issue["assignees"] = list(body["assignees"])
        if body.get("state") in ("open", "closed") and body["state"] != issue["state"]:
            issue["state"] = body["state"]
            issue["closed_at"] = time.time() if body["state"] == "closed" else None
            issue["state_reason"] = body.get("state_reason") or (
                "completed" if body["state"] == "closed" else "reopened"
            )
        issue["updated_at"] = time.time()
        return self.json(200, self.issue_json(repo, issue, base))

    def create_comment(self, repo, issue, base, user, body):
        comment = {"id": self.state.new_id(), "body": body["body"], "user": user, "created_at": time.time()}
        issue["comments"].append(comment)
        issue["updated_at"] = time.time()
        owner, name, number = repo["owner"], repo["name"], issue["number"]
        return self.json(
            201,
            {
                "id": comment["id"],
                "node_id": node_id("IC", comment["id"]),
                "url": f"{base}/repos/{owner}/{name}/issues/comments/{comment['id']}",
                "html_url": f"https://github.com/{owner}/{name}/issues/{number}#issuecomment-{comment['id']}",
                "body": comment["body"],
                "user": self.user_json(user, base),
                "created_at": now_iso(comment["created_at"]),
                "updated_at": now_iso(comment["created_at"]),
                "issue_url": f"{base}/repos/{owner}/{name}/issues/{number}",
                "author_association": "OWNER",
            },
        )

    def create_label(self, repo, base, body):
        if not self.can_write(repo):
            return self.json(
                403, {"message": "Resource not accessible by personal access token", "documentation_url": DOCS}
            )
        if self.label_named(repo, body["name"]) is not None:
            return self.validation("Label", "name", "already_exists")
        color = body.get("color", "ededed").lstrip("#")
        if not re.fullmatch(r"[0-9A-Fa-f]{6}", color):
            return self.validation("Label", "color", "invalid")
        label = {"id": self.state.new_id(), "name": body["name"], "color": color, "description": body.get("description")}
        repo["labels"].append(label)
        return self.json(201, self.label_json(repo, label, base))

    def label_named(self, repo, name, create=False):
        label = next((l for l in repo["labels"] if l["name"].lower() == str(name).lower()), None)
        if label is None and create:
            label = {"id": self.state.new_id(), "name": str(name), "color": "ededed", "description": None}
            repo["labels"].append(label)
        return label

    def list_issues(self, request, repo, base, query):
        state = query.get("state", "open")
        issues = [i for i in repo["issues"] if state == "all" or i["state"] == state]
        if query.get("since"):
            since = query["since"]
            since = since.timestamp() if isinstance(since, datetime) else parse_iso(str(since))
            issues = [i for i in issues if i["updated_at"] >= since]
        if query.get("labels"):
            wanted = {name.strip().lower() for name in query["labels"].split(",")}
            issues = [i for i in issues if wanted <= {name.lower() for name in i["labels"]}]
        key = {"created": "created_at", "updated": "updated_at", "comments": "comments"}[query.get("sort", "created")]
        issues.sort(
            key=lambda i: (len(i["comments"]) if key == "comments" else i[key], i["number"]),
            reverse=query.get("direction", "desc") == "desc",
        )
        return self.paginate(request, [self.issue_json(repo, i, base) for i in issues], query)

    def search(self, request, base, query):
        text = query["q"]
        terms, qualifiers = [], {}
        for match in re.finditer(r'(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)', text):
            if match.group(1):
                qualifiers.setdefault(match.group(1).lower(), []).append(match.group(2).strip('"'))
            else:
                terms.append((match.group(3) if match.group(3) is not None else match.group(4)).lower())
        fields = qualifiers.get("in", ["title,body"])[0].split(",")
        lag_cutoff = time.time() - self.state.search_lag
        items = []
        for (owner, name), repo in self.state.repos.items():
            if "repo" in qualifiers and f"{owner}/{name}" not in [r.lower() for r in qualifiers["repo"]]:
                continue
            if "is" in qualifiers and "pr" in qualifiers["is"]:
                continue
            for issue in repo["issues"]:
                if issue["created_at"] > lag_cutoff:
                    continue  # not indexed yet, as on GitHub
                states = [s for s in qualifiers.get("is", []) + qualifiers.get("state", []) if s in ("open", "closed")]
                if states and issue["state"] not in states:
                    continue
                haystack = " ".join(
                    [issue["title"] if "title" in fields else "", (issue["body"] or "") if "body" in fields else ""]
                ).lower()
                if all(term in haystack for term in terms):
                    item = self.issue_json(repo, issue, base)
                    item["score"] = 1.0
                    items.append(item)
        items.sort(key=lambda item: -item["number"])
        page, per_page = int(query.get("page", 1)), min(int(query.get("per_page", 30)), 100)
        chunk = items[(page - 1) * per_page : page * per_page]
        response = self.json(
            200, {"total_count": len(items), "incomplete_results": False, "items": chunk, "search_type": "lexical"}
        )
        self.add_links(response, request, page, per_page, len(items))
        return response

    def paginate(self, request, items, query):
        page, per_page = int(query.get("page", 1)), min(int(query.get("per_page", 30)), 100)
        response = self.json(200, items[(page - 1) * per_page : page * per_page])
        self.add_links(response, request, page, per_page, len(items))
        return response

    def add_links(self, response, request, page, per_page, total):
        last = max(1, -(-total // per_page))
        if last == 1:
            return
        def link(number):
            args = request.args.to_dict(flat=False)
            args["page"] = [str(number)]
            return f"<{request.base_url}?{urlencode(args, doseq=True)}>"
        links = []
        if page < last:
            links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
        response.headers["Link"] = ", ".join(links)

    # ----- GitHub-shaped bodies -----------------------------------------------------------------------------------

    def user_for(self, token):
        login = self.state.users.get(token, "ticket-master-bot")
        return {"login": login, "id": zlib.crc32(login.encode()) % 100000 + 1}

    def user_json(self, user, base, full=False):
        login, number = user["login"], user["id"]
        data = {
            "login": login,
            "id": number,
            "node_id": node_id("U", number),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
            "gravatar_id": "",
            "url": f"{base}/users/{login}",
            "html_url": f"https://github.com/{login}",
            "followers_url": f"{base}/users/{login}/followers",
            "following_url": f"{base}/users/{login}/following{{/other_user}}",
            "gists_url": f"{base}/users/{login}/gists{{/gist_id}}",
            "starred_url": f"{base}/users/{login}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{base}/users/{login}/subscriptions",
            "organizations_url": f"{base}/users/{login}/orgs",
            "repos_url": f"{base}/users/{login}/repos",
            "events_url": f"{base}/users/{login}/events{{/privacy}}",
            "received_events_url": f"{base}/users/{login}/received_events",
            "type": "User",
            "site_admin": False,
        }
        if full:
            data.update(
                {
                    "user_view_type": "public",
                    "name": "Ticket-Master Bot",
                    "company": None,
                    "blog": "",
                    "location": None,
                    "email": None,
                    "hireable": None,
                    "bio": None,
                    "public_repos": len(self.state.repos),
                    "public_gists": 0,
                    "followers": 0,
                    "following": 0,
                    "created_at": "2020-01-01T00:00:00Z",
                    "updated_at": "2020-01-01T00:00:00Z",
                }
            )
        return data

    def repo_json(self, repo, base):
        owner, name, permission = repo["owner"], repo["name"], repo["permission"]
        order = ["read", "triage", "write", "maintain", "admin"]
        level = order.index(permission)
        return {
            "id": repo["id"],
            "node_id": node_id("R", repo["id"]),
            "name": name,
            "full_name": f"{owner}/{name}",
            "owner": self.user_json({"login": owner, "id": repo["id"] + 1}, base),
            "private": repo["private"],
            "html_url": f"https://github.com/{owner}/{name}",
            "url": f"{base}/repos/{owner}/{name}",
            "has_issues": repo["has_issues"],
            "open_issues_count": sum(1 for i in repo["issues"] if i["state"] == "open"),
            "default_branch": "main",
            "permissions": {
                "admin": level >= 4,
                "maintain": level >= 3,
                "push": level >= 2,
                "triage": level >= 1,
                "pull": True,
            },
        }

    def label_json(self, repo, label, base):
        return {
            "id": label["id"],
            "node_id": node_id("LA", label["id"]),
            "url": f"{base}/repos/{repo['owner']}/{repo['name']}/labels/{label['name'].replace(' ', '%20')}",
            "name": label["name"],
            "description": label["description"],
            "color": label["color"],
            "default": False,
        }

    def issue_json(self, repo, issue, base):
        owner, name, number = repo["owner"], repo["name"], issue["number"]
        api = f"{base}/repos/{owner}/{name}"
        return {
            "id": issue["id"],
            "node_id": node_id("I", issue["id"]),
            "url": f"{api}/issues/{number}",
            "repository_url": api,
            "labels_url": f"{api}/issues/{number}/labels{{/name}}",
            "comments_url": f"{api}/issues/{number}/comments",
            "events_url": f"{api}/issues/{number}/events",
            "timeline_url": f"{api}/issues/{number}/timeline",
            "html_url": f"https://github.com/{owner}/{name}/issues/{number}",
            "number": number,
            "state": issue["state"],
            "title": issue["title"],
            "body": issue["body"],
            "user": self.user_json(issue["user"], base),
            "labels": [self.label_json(repo, self.label_named(repo, n), base) for n in issue["labels"]],
            "assignee": self.user_json({"login": issue["assignees"][0], "id": 7}, base) if issue["assignees"] else None,
            "assignees": [self.user_json({"login": login, "id": 7}, base) for login in issue["assignees"]],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": len(issue["comments"]),
            "closed_at": now_iso(issue["closed_at"]) if issue["closed_at"] else None,
            "created_at": now_iso(issue["created_at"]),
            "updated_at": now_iso(issue["updated_at"]),
            "author_association": "OWNER",
            # Sent only when set: GitHub sends null, which the description's nullable enum does not admit.
            **({"state_reason": issue["state_reason"]} if issue["state_reason"] else {}),
        }

    def rate_limit_json(self):
        resources = {
            name: {
                "limit": b["limit"],
                "remaining": b["remaining"],
                "reset": int(b["reset"]),
                "used": b["limit"] - b["remaining"],
            }
            for name, b in self.state.buckets.items()
        }
        return {"resources": resources, "rate": resources["core"]}

    # ----- responses ----------------------------------------------------------------------------------------------

    def json(self, status, body, headers=None, resource=None):
        response = Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")
        response.headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        for key, value in (headers or {}).items():
            response.headers[key] = value
        if resource is not None:
            self.add_rate_headers(response, resource)
        return response

    def add_rate_headers(self, response, resource):
        with self.state.lock:
            bucket = self.state.buckets[resource]
            remaining = max(bucket["remaining"], 0)
            response.headers["x-ratelimit-limit"] = str(bucket["limit"])
            response.headers["x-ratelimit-remaining"] = str(remaining)
            response.headers["x-ratelimit-used"] = str(bucket["limit"] - remaining)
            response.headers["x-ratelimit-reset"] = str(int(bucket["reset"]))
            response.headers["x-ratelimit-resource"] = resource

    def not_found(self):
        return self.json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, resource="core")

    def validation(self, resource, field, code):
        return self.json(
            422,
            {
                "message": "Validation Failed",
                "errors": [{"resource": resource, "code": code, "field": field}],
                "documentation_url": DOCS,
                "status": "422",
            },
            resource="core",
        )

    # ----- control ------------------------------------------------------------------------------------------------

    def control(self, request):
        state = self.state
        with state.lock:
            if request.method == "GET" and request.path == "/_control/requests":
                return self.json(200, state.requests)
            if request.method == "GET" and request.path == "/_control/problems":
                return self.json(200, state.problems)
            if request.method == "GET" and request.path == "/_control/issues":
                owner, _, name = request.args.get("repo", "").partition("/")
                repo = state.repos.get((owner.lower(), name.lower()))
                if repo is None:
                    return self.json(404, {"message": "no such repository"})
                base = request.host_url.rstrip("/")
                return self.json(200, [self.issue_json(repo, issue, base) for issue in repo["issues"]])
            if request.method == "GET" and request.path == "/_control/labels":
                owner, _, name = request.args.get("repo", "").partition("/")
                repo = state.repos.get((owner.lower(), name.lower()))
                if repo is None:
                    return self.json(404, {"message": "no such repository"})
                return self.json(200, repo["labels"])
            if request.method != "POST" or request.path != "/_control":
                return self.json(404, {"message": "unknown control request"})
            command = request.get_json(force=True)
            action = command.get("action")
            if action == "reset":
                state.reset()
            elif action == "create_repository":
                key = (command["owner"].lower(), command["name"].lower())
                repo = {
                    "id": state.new_id(),
                    "owner": command["owner"],
                    "name": command["name"],
                    "private": bool(command.get("private", False)),
                    "has_issues": bool(command.get("has_issues", True)),
                    "permission": command.get("permission", "admin"),
                    "labels": [],
                    "issues": [],
                    "next_number": 1,
                }
                for label in command.get("labels", []):
                    repo["labels"].append(
                        {"id": state.new_id(), "name": label, "color": "ededed", "description": None}
                    )
                now = time.time()
                for index, issue in enumerate(command.get("issues", [])):
                    created = now - float(issue.get("age", 0))
                    repo["issues"].append(
                        {
                            "id": state.new_id(),
                            "number": repo["next_number"],
                            "title": issue["title"],
                            "body": issue.get("body"),
                            "state": issue.get("state", "open"),
                            "state_reason": "completed" if issue.get("state") == "closed" else None,
                            "labels": [self.label_named(repo, n, create=True)["name"] for n in issue.get("labels", [])],
                            "assignees": [],
                            "user": {"login": command["owner"], "id": 2},
                            "comments": [],
                            "created_at": created,
                            "updated_at": created,
                            "closed_at": created if issue.get("state") == "closed" else None,
                        }
                    )
                    repo["next_number"] += 1
                state.repos[key] = repo
            elif action == "fail":
                state.rules.append(Rule(command))
            elif action == "bad_tokens":
                state.bad_tokens = set(command["tokens"])
            elif action == "search_lag":
                state.search_lag = float(command["seconds"])
            elif action == "rate_limit":
                bucket = state.buckets[command.get("resource", "core")]
                bucket["remaining"] = int(command["remaining"])
                bucket["reset"] = math.ceil(time.time() + float(command.get("reset_in", 3600)))
            else:
                return self.json(400, {"message": f"unknown action {action!r}"})
            return self.json(200, {"ok": True})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="GitHub's OpenAPI description (the fixture)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pid-file")
    parser.add_argument("--no-response-validation", action="store_true")
    arguments = parser.parse_args()

    # Whoever started us may ignore or block SIGTERM, and children inherit both: stopping by PID must work regardless.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    app = Server(load_spec(arguments.spec), not arguments.no_response_validation)
    server = make_server("127.0.0.1", arguments.port, app, threaded=True)
    if arguments.pid_file:
        with open(arguments.pid_file, "w") as handle:
            handle.write(f"{os.getpid()}\n")
    print(f"GITHUB_TEST_URL=http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
