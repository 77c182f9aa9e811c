"""GitLab REST v4 routing for the fake: parameters in, status + headers + JSON out.

No sockets here: :meth:`Api.handle` takes a method, a raw path, the query string, the headers
and the body, and returns an :class:`ApiResponse`. The HTTP server (``server.py``) wraps it with
rate limiting and fault injection.

Parameters are read as GitLab's Grape layer reads them: from the query string, a JSON body or
a form body, merged; arrays as JSON lists, ``key[]=a&key[]=b`` or ``a,b``; booleans as
``true``/``false``/``1``/``0``. A missing required parameter answers 400
``{"error": "title is missing"}``, a malformed one ``{"error": "iids is invalid"}``, a value
outside a documented set ``{"error": "state_event does not have a valid value"}``.

Deliberate differences from GitLab, all stricter: dates must be ``YYYY-MM-DD`` and times ISO
8601 (Ruby's ``Date.parse`` takes almost anything); documented values the fake does not model
(for example ``order_by=priority``) answer 501 rather than being silently ignored.
"""

from __future__ import annotations

import json
import math
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from tracker.testing.fake_gitlab.errors import (
    BadRequest,
    FakeGitLabError,
    NotFound,
    NotImplementedByFake,
    Unauthorized,
)
from tracker.testing.fake_gitlab.shapes import Shapes
from tracker.testing.fake_gitlab.state import (
    LINK_TYPES,
    IssueFilter,
    Project,
    State,
    User,
)

GITLAB_VERSION = "17.11.0"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
COUNT_LIMIT = 10_000
_MISSING: Any = object()
_TRUE = {"true", "1", "t", "yes", "y", "on"}
_FALSE = {"false", "0", "f", "no", "n", "off"}


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (a proxy's HTML page, Rack::Attack's text)

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.status == 204 or self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class Params:
    """Request parameters, typed on demand the way Grape coerces them."""

    values: dict[str, Any]

    @classmethod
    def parse(cls, query: str, content_type: str, body: bytes) -> Params:
        values: dict[str, Any] = {}

        def put(key: str, value: Any) -> None:
            if key.endswith("[]"):
                values.setdefault(key[:-2], [])
                if isinstance(values[key[:-2]], list):
                    values[key[:-2]].append(value)
            else:
                values[key] = value

        for key, value in parse_qsl(query, keep_blank_values=True):
            put(key, value)
        if body:
            kind = content_type.split(";")[0].strip().lower()
            if kind == "application/x-www-form-urlencoded":
                for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                    put(key, value)
            else:
                try:
                    data = json.loads(body)
                except ValueError as error:
                    raise FakeGitLabError(
                        {"message": "400 Bad request - the request body is not valid JSON"},
                        400) from error
                if isinstance(data, dict):
                    for key, value in data.items():
                        put(key, value)
        return cls(values)

    def has(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        return self.values.get(name, _MISSING)

    def required(self, name: str) -> Any:
        if name not in self.values:
            raise BadRequest(f"{name} is missing")
        return self.values[name]

    def required_string(self, name: str) -> str:
        """:meth:`string` of ``name``; absent or null is Grape's ``<name> is missing``."""
        value = self.string(name)
        if value is None:
            raise BadRequest(f"{name} is missing")
        return str(value)

    def need_one_of(self, names: tuple[str, ...]) -> None:
        """Grape's ``at_least_one_of``: 400 naming every key when none of ``names`` is given."""
        if not any(self.has(name) for name in names):
            raise BadRequest(f"{', '.join(names)} are missing, at least one parameter must be "
                             "provided")

    def string(self, name: str, default: Any = None) -> Any:
        value = self.raw(name)
        if value is _MISSING:
            return default
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise BadRequest(f"{name} is invalid")
        return str(value)

    def integer(self, name: str, default: Any = None) -> Any:
        value = self.raw(name)
        if value is _MISSING:
            return default
        if value is None or value == "":
            return None
        return _to_int(name, value)

    def boolean(self, name: str, default: Any = None) -> Any:
        value = self.raw(name)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or value is None:
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise BadRequest(f"{name} is invalid")

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = None) -> Any:
        value = self.string(name)
        if value is None:
            return default
        if value not in allowed:
            raise BadRequest(f"{name} does not have a valid value")
        return value

    def int_list(self, name: str) -> list[int] | None:
        value = self.raw(name)
        if value is _MISSING or value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return [_to_int(name, item) for item in items if str(item).strip() != ""]

    def name_list(self, name: str) -> list[str] | None:
        """Comma-separated names or a JSON array (``labels``, ``add_labels``...)."""
        value = self.raw(name)
        if value is _MISSING:
            return None
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def day(self, name: str) -> Any:
        """A ``YYYY-MM-DD`` date; empty or null clears. ``_MISSING`` when absent."""
        value = self.raw(name)
        if value is _MISSING:
            return _MISSING
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError as error:
            raise BadRequest(f"{name} is invalid") from error

    def moment(self, name: str) -> datetime | None:
        value = self.raw(name)
        if value is _MISSING or value in (None, ""):
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace(" ", "+"))
        except ValueError as error:
            raise BadRequest(f"{name} is invalid") from error
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise BadRequest(f"{name} is invalid")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise BadRequest(f"{name} is invalid")


@dataclass
class Call:
    """One API call being handled."""

    method: str
    path: str
    path_params: dict[str, str]
    query: str
    params: Params
    user: User | None
    shapes: Shapes


Handler = Callable[["Api", Call], ApiResponse]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    listing: bool = False
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r":([a-z_]+)", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile(f"^{regex}/?$")


@dataclass
class Resolved:
    route: Route | None
    path_params: dict[str, str]
    other_methods: bool  # the path exists with another method (405)

    @property
    def template(self) -> str:
        return self.route.template if self.route else "(unmatched)"

    @property
    def listing(self) -> bool:
        return bool(self.route and self.route.listing)


ROUTES: list[Route] = []


def route(method: str, template: str, *, listing: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, "/api/v4" + template, handler, listing))
        return handler
    return register


class Api:
    """The REST v4 surface over one :class:`State`."""

    def __init__(self, state: State, base_url: str = "http://127.0.0.1") -> None:
        self.state = state
        self.base_url = base_url

    # ------------------------------------------------------------------ dispatch

    @staticmethod
    def resolve(method: str, path: str) -> Resolved:
        method = "GET" if method == "HEAD" else method  # Grape answers HEAD on GET routes
        other = False
        for candidate in ROUTES:
            match = candidate.pattern.match(path)
            if match is None:
                continue
            if candidate.method == method:
                return Resolved(candidate, {k: unquote(v) for k, v in match.groupdict().items()},
                                False)
            other = True
        return Resolved(None, {}, other)

    def authenticate(self, headers: dict[str, str], query: str) -> tuple[User | None, bool]:
        """The user a request acts as, and whether it presented a token at all.

        GitLab reads ``PRIVATE-TOKEN``, ``Authorization: Bearer`` or ``private_token=``.
        """
        token = headers.get("private-token")
        if token is None:
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
        if token is None:
            token = dict(parse_qsl(query)).get("private_token")
        if token is None:
            return None, False
        user = self.state.user_for_token(token)
        if user is None:
            raise Unauthorized()
        return user, True

    def handle(self, method: str, path: str, query: str, headers: dict[str, str],
               body: bytes, resolved: Resolved | None = None) -> ApiResponse:
        """Answer one request. ``headers`` keys are lower-case."""
        resolved = resolved or self.resolve(method, path)
        try:
            if resolved.route is None:
                if resolved.other_methods:
                    return ApiResponse(405, {"error": "405 Not Allowed"})
                return ApiResponse(404, {"error": "404 Not Found"})
            user, _ = self.authenticate(headers, query)
            if user is None and method != "GET":
                raise Unauthorized()
            params = Params.parse(query, headers.get("content-type", ""), body)
            with self.state.lock:
                call = Call(method, path, resolved.path_params, query, params, user,
                            Shapes(self.state, self.base_url, user))
                return resolved.route.handler(self, call)
        except FakeGitLabError as error:
            return ApiResponse(error.status, error.body)
        except Exception:  # a bug in the fake: answer as GitLab would, and say where
            traceback.print_exc(file=sys.stderr)
            return ApiResponse(500, {"message": "500 Internal Server Error"})

    # ------------------------------------------------------------------ helpers

    def project(self, call: Call) -> Project:
        return self.state.find_project(call.path_params["id"], call.user)

    def issue_of(self, call: Call) -> tuple[Project, Any]:
        project = self.project(call)
        iid = _to_int("issue_iid", call.path_params["issue_iid"])
        return project, self.state.find_issue(project, iid, call.user)

    def need_user(self, call: Call) -> User:
        if call.user is None:
            raise Unauthorized()
        return call.user

    def paginate(self, call: Call, items: list[Any],
                 render: Callable[[Any], Any]) -> ApiResponse:
        """GitLab's offset pagination: ``page``/``per_page`` and the ``x-*`` and ``Link``
        headers. Links use the server's own URL, as GitLab uses its external URL."""
        page = call.params.integer("page", 1) or 1
        per_page = call.params.integer("per_page", DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE
        page = max(page, 1)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        total = len(items)
        total_pages = max(math.ceil(total / per_page), 1)
        chunk = items[(page - 1) * per_page: page * per_page]

        def link(number: int) -> str:
            pairs = [(k, v) for k, v in parse_qsl(call.query, keep_blank_values=True)
                     if k not in ("page", "per_page", "private_token")]
            pairs += [("page", str(number)), ("per_page", str(per_page))]
            return f"{self.base_url}{call.path}?{urlencode(pairs)}"

        # Past 10,000 items GitLab stops counting: no x-total, x-total-pages nor rel="last".
        counted = total <= COUNT_LIMIT
        links = []
        if page > 1:
            links.append(f'<{link(page - 1)}>; rel="prev"')
        if page < total_pages:
            links.append(f'<{link(page + 1)}>; rel="next"')
        links.append(f'<{link(1)}>; rel="first"')
        if counted:
            links.append(f'<{link(total_pages)}>; rel="last"')
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < total_pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "Link": ", ".join(links),
        }
        if counted:
            headers["X-Total"] = str(total)
            headers["X-Total-Pages"] = str(total_pages)
        return ApiResponse(200, [render(item) for item in chunk], headers)


def _ok(body: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status, body)


# ---------------------------------------------------------------------- instance, user


@route("GET", "/version")
def get_version(api: Api, call: Call) -> ApiResponse:
    api.need_user(call)
    return _ok({"version": f"{GITLAB_VERSION}-{'ee' if api.state.tier == 'premium' else 'ce'}",
                "revision": "fake0000", "kas": {"enabled": False}, "enterprise":
                api.state.tier == "premium"})


@route("GET", "/user")
def get_current_user(api: Api, call: Call) -> ApiResponse:
    return _ok(call.shapes.current_user(api.need_user(call)))


# ---------------------------------------------------------------------- projects, members


@route("GET", "/projects/:id")
def get_project(api: Api, call: Call) -> ApiResponse:
    return _ok(call.shapes.project(api.project(call)))


def _members(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    query = (call.params.string("query") or "").lower()
    user_ids = call.params.int_list("user_ids")
    members = []
    for user_id, level in sorted(project.members.items()):
        user = api.state.users[user_id]
        if query and query not in user.username.lower() and query not in user.name.lower():
            continue
        if user_ids is not None and user_id not in user_ids:
            continue
        members.append((user, level))
    return api.paginate(call, members, lambda m: call.shapes.member(*m))


route("GET", "/projects/:id/members/all", listing=True)(_members)
route("GET", "/projects/:id/members", listing=True)(_members)


@route("GET", "/projects/:id/members/all/:user_id")
def get_member(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    user_id = _to_int("user_id", call.path_params["user_id"])
    if user_id not in project.members:
        raise NotFound("Member")
    return _ok(call.shapes.member(api.state.users[user_id], project.members[user_id]))


# ---------------------------------------------------------------------- issues

_ORDER_BY_MODELLED = ("created_at", "updated_at", "due_date", "title")
_ORDER_BY_DOCUMENTED = ("priority", "relative_position", "label_priority", "milestone_due",
                        "popularity", "weight")


@route("GET", "/projects/:id/issues", listing=True)
def list_issues(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    p = call.params
    order_by = p.string("order_by") or "created_at"
    if order_by in _ORDER_BY_DOCUMENTED:
        raise NotImplementedByFake(f"order_by={order_by}")
    if order_by not in _ORDER_BY_MODELLED:
        raise BadRequest("order_by does not have a valid value")
    labels: list[str] | str | None = p.name_list("labels")
    if labels is not None and len(labels) == 1 and labels[0].lower() in ("none", "any"):
        labels = labels[0].capitalize()
    elif labels == []:
        labels = None
    milestone = p.string("milestone")
    if milestone is not None and milestone.lower() in ("none", "any"):
        milestone = milestone.capitalize()
    assignee_text = p.string("assignee_id")
    assignee: int | str | None = None
    if assignee_text is not None:
        assignee = (assignee_text.capitalize() if assignee_text.lower() in ("none", "any")
                    else _to_int("assignee_id", assignee_text))
    search_in = tuple(s.strip() for s in (p.string("in") or "title,description").split(","))
    flt = IssueFilter(
        state={"opened": "opened", "closed": "closed", "all": None}[
            p.choice("state", ("opened", "closed", "all"), "all")],
        labels=labels,
        iids=p.int_list("iids"),
        milestone=milestone,
        created_after=p.moment("created_after"),
        created_before=p.moment("created_before"),
        updated_after=p.moment("updated_after"),
        updated_before=p.moment("updated_before"),
        confidential=p.boolean("confidential"),
        author_id=p.integer("author_id"),
        author_username=p.string("author_username"),
        assignee_id=assignee,
        search=p.string("search"),
        search_in=search_in,
        order_by=order_by,
        sort=p.choice("sort", ("asc", "desc"), "desc"),
    )
    issues = api.state.list_issues(project, call.user, flt)
    details = bool(p.boolean("with_labels_details", False))
    return api.paginate(call, issues,
                        lambda i: call.shapes.issue(i, with_labels_details=details))


@route("GET", "/projects/:id/issues/:issue_iid")
def get_issue(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    return _ok(call.shapes.issue(issue, subscribed=False))


@route("POST", "/projects/:id/issues")
def create_issue(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    p = call.params
    title = p.required_string("title")
    due = p.day("due_date")
    assignees = p.int_list("assignee_ids")
    if assignees is None and p.has("assignee_id"):
        assignee_id = p.integer("assignee_id")
        assignees = [assignee_id] if assignee_id else []
    issue_type = p.choice("issue_type", ("issue", "incident", "test_case", "task"), "issue")
    issue = api.state.create_issue(
        project, user, title=title, description=p.string("description"),
        labels=p.name_list("labels") or [], milestone_id=p.integer("milestone_id"),
        due_date=None if due is _MISSING else due, assignee_ids=assignees or [],
        confidential=bool(p.boolean("confidential", False)),
        discussion_locked=p.boolean("discussion_locked"), issue_type=issue_type,
        created_at=p.moment("created_at"),
    )
    return _ok(call.shapes.issue(issue, subscribed=True), 201)


_UPDATE_KEYS = ("title", "description", "assignee_ids", "assignee_id", "milestone_id",
                "discussion_locked", "labels", "add_labels", "remove_labels", "created_at",
                "due_date", "confidential", "state_event", "updated_at", "issue_type")


@route("PUT", "/projects/:id/issues/:issue_iid")
def update_issue(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    iid = _to_int("issue_iid", call.path_params["issue_iid"])
    p = call.params
    p.need_one_of(_UPDATE_KEYS)
    changes: dict[str, Any] = {}
    for key in ("title", "description"):
        if p.has(key):
            changes[key] = p.string(key)
    if changes.get("title", "") is None:
        changes["title"] = ""
    for key in ("labels", "add_labels", "remove_labels"):
        if p.has(key):
            changes[key] = p.name_list(key)
    if p.has("state_event"):
        changes["state_event"] = p.choice("state_event", ("close", "reopen"))
    if p.has("milestone_id"):
        changes["milestone_id"] = p.integer("milestone_id")
    if p.has("due_date"):
        changes["due_date"] = p.day("due_date")
    if p.has("assignee_ids"):
        changes["assignee_ids"] = p.int_list("assignee_ids") or []
    elif p.has("assignee_id"):
        assignee_id = p.integer("assignee_id")
        changes["assignee_ids"] = [assignee_id] if assignee_id else []
    for key in ("confidential", "discussion_locked"):
        if p.has(key):
            changes[key] = p.boolean(key)
    if p.has("updated_at"):
        changes["updated_at"] = p.moment("updated_at")
    issue = api.state.update_issue(project, iid, user, changes)
    return _ok(call.shapes.issue(issue, subscribed=True))


@route("DELETE", "/projects/:id/issues/:issue_iid")
def delete_issue(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    api.state.delete_issue(project, _to_int("issue_iid", call.path_params["issue_iid"]), user)
    return ApiResponse(204)


# ---------------------------------------------------------------------- notes


@route("GET", "/projects/:id/issues/:issue_iid/notes", listing=True)
def list_notes(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    order_by = call.params.choice("order_by", ("created_at", "updated_at"), "created_at")
    sort = call.params.choice("sort", ("asc", "desc"), "desc")
    activity = call.params.choice("activity_filter", ("all_notes", "only_comments",
                                                      "only_activity"), "all_notes")
    notes = api.state.visible_notes(issue, call.user)
    if activity == "only_comments":
        notes = [n for n in notes if not n.system]
    elif activity == "only_activity":
        notes = [n for n in notes if n.system]
    notes.sort(key=lambda n: (getattr(n, order_by), n.id), reverse=sort == "desc")
    return api.paginate(call, notes, call.shapes.note)


@route("GET", "/projects/:id/issues/:issue_iid/notes/:note_id")
def get_note(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    note_id = _to_int("note_id", call.path_params["note_id"])
    return _ok(call.shapes.note(api.state.find_note(issue, note_id, call.user)))


@route("POST", "/projects/:id/issues/:issue_iid/notes")
def create_note(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    _, issue = api.issue_of(call)
    body = call.params.required_string("body")
    internal = call.params.boolean("internal")
    if internal is None:
        internal = call.params.boolean("confidential", False)
    note = api.state.create_note(issue, user, body, internal=bool(internal),
                                 created_at=call.params.moment("created_at"))
    return _ok(call.shapes.note(note), 201)


# ---------------------------------------------------------------------- labels


@route("GET", "/projects/:id/labels", listing=True)
def list_labels(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    search = (call.params.string("search") or "").lower()
    labels = [lab for lab in api.state.project_labels(project)
              if not search or search in lab.name.lower()]
    counts = bool(call.params.boolean("with_counts", False))
    return api.paginate(call, labels, lambda lab: call.shapes.label(lab, with_counts=counts))


@route("GET", "/projects/:id/labels/:label_id")
def get_label(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    ref = call.path_params["label_id"]
    for label in api.state.project_labels(project):
        if str(label.id) == ref or label.name == ref:
            return _ok(call.shapes.label(label))
    raise NotFound("Label")


@route("POST", "/projects/:id/labels")
def create_label(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    name = call.params.required_string("name")
    color = call.params.required_string("color")
    label = api.state.create_label(project, user, name=name, color=color,
                                   description=call.params.string("description"))
    return _ok(call.shapes.label(label), 201)


# ---------------------------------------------------------------------- milestones


@route("GET", "/projects/:id/milestones", listing=True)
def list_milestones(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    p = call.params
    milestones = api.state.list_milestones(
        project, state=p.choice("state", ("active", "closed", "all"), "all"),
        title=p.string("title"), search=p.string("search"), iids=p.int_list("iids"))
    return api.paginate(call, milestones, call.shapes.milestone)


@route("GET", "/projects/:id/milestones/:milestone_id")
def get_milestone(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    milestone_id = _to_int("milestone_id", call.path_params["milestone_id"])
    return _ok(call.shapes.milestone(api.state.find_milestone(project, milestone_id)))


@route("POST", "/projects/:id/milestones")
def create_milestone(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    p = call.params
    title = p.required_string("title")
    due, start = p.day("due_date"), p.day("start_date")
    milestone = api.state.create_milestone(
        project, user, title=title, description=p.string("description"),
        due_date=None if due is _MISSING else due,
        start_date=None if start is _MISSING else start)
    return _ok(call.shapes.milestone(milestone), 201)


@route("PUT", "/projects/:id/milestones/:milestone_id")
def update_milestone(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    milestone_id = _to_int("milestone_id", call.path_params["milestone_id"])
    p = call.params
    p.need_one_of(("title", "description", "start_date", "due_date", "state_event"))
    changes: dict[str, Any] = {}
    for key in ("title", "description"):
        if p.has(key):
            changes[key] = p.string(key)
    for key in ("due_date", "start_date"):
        if p.has(key):
            changes[key] = p.day(key)
    if p.has("state_event"):
        changes["state_event"] = p.choice("state_event", ("close", "activate"))
    milestone = api.state.update_milestone(project, milestone_id, user, changes)
    return _ok(call.shapes.milestone(milestone))


# ---------------------------------------------------------------------- issue links


@route("GET", "/projects/:id/issues/:issue_iid/links")
def list_links(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    return _ok([call.shapes.related_issue(link, other)
                for link, other in api.state.links_of(issue, call.user)])


@route("POST", "/projects/:id/issues/:issue_iid/links")
def create_link(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    _, source = api.issue_of(call)
    target_project_ref = call.params.required("target_project_id")
    target_iid = _to_int("target_issue_iid", call.params.required("target_issue_iid"))
    # "blocks" and "is_blocked_by" are Premium: on Free they are not valid values at all.
    allowed = LINK_TYPES if api.state.tier == "premium" else ("relates_to",)
    link_type = call.params.choice("link_type", allowed, "relates_to")
    target_project = api.state.find_project(str(target_project_ref), user)
    target = api.state.find_issue(target_project, target_iid, user)
    link = api.state.create_link(source, target, user, link_type)
    return _ok(call.shapes.issue_link(link), 201)


@route("GET", "/projects/:id/issues/:issue_iid/links/:issue_link_id")
def get_link(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    link_id = _to_int("issue_link_id", call.path_params["issue_link_id"])
    return _ok(call.shapes.issue_link(api.state.find_link(issue, link_id)))


@route("DELETE", "/projects/:id/issues/:issue_iid/links/:issue_link_id")
def delete_link(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    _, issue = api.issue_of(call)
    link_id = _to_int("issue_link_id", call.path_params["issue_link_id"])
    link = api.state.find_link(issue, link_id)
    body = call.shapes.issue_link(link)
    api.state.delete_link(issue, link_id, user)
    return _ok(body)


# ---------------------------------------------------------------------- resource events


@route("GET", "/projects/:id/issues/:issue_iid/resource_label_events", listing=True)
def list_label_events(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    return api.paginate(call, api.state.issue_label_events(issue), call.shapes.label_event)


@route("GET", "/projects/:id/issues/:issue_iid/resource_label_events/:event_id")
def get_label_event(api: Api, call: Call) -> ApiResponse:
    return _get_event(api, call, api.state.issue_label_events, call.shapes.label_event,
                      "Resource Label Event")


@route("GET", "/projects/:id/issues/:issue_iid/resource_state_events", listing=True)
def list_state_events(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    return api.paginate(call, api.state.issue_state_events(issue), call.shapes.state_event)


@route("GET", "/projects/:id/issues/:issue_iid/resource_state_events/:event_id")
def get_state_event(api: Api, call: Call) -> ApiResponse:
    return _get_event(api, call, api.state.issue_state_events, call.shapes.state_event,
                      "Resource State Event")


def _get_event(api: Api, call: Call, events_of: Callable[[Any], list[Any]],
               render: Callable[[Any], Any], what: str) -> ApiResponse:
    """The event ``:event_id`` of the issue, from ``events_of(issue)``; 404 ``what`` if none."""
    _, issue = api.issue_of(call)
    event_id = _to_int("event_id", call.path_params["event_id"])
    for event in events_of(issue):
        if event.id == event_id:
            return _ok(render(event))
    raise NotFound(what)


def encode_project_path(path: str) -> str:
    """``ogp/suivi`` as GitLab wants it in a URL: ``ogp%2Fsuivi``."""
    return quote(path, safe="")
