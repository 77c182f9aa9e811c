"""Issues: list (with GitLab's filters), get, create, edit, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.testing.fake_gitlab.errors import BadRequest, NotImplementedByFake
from tracker.testing.fake_gitlab.routing import MISSING, ApiResponse, Call, ok, route, to_int
from tracker.testing.fake_gitlab.state import IssueFilter

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


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
                    else to_int("assignee_id", assignee_text))
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
    return ok(call.shapes.issue(issue, subscribed=False))


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
        due_date=None if due is MISSING else due, assignee_ids=assignees or [],
        confidential=bool(p.boolean("confidential", False)),
        discussion_locked=p.boolean("discussion_locked"), issue_type=issue_type,
        created_at=p.moment("created_at"),
    )
    return ok(call.shapes.issue(issue, subscribed=True), 201)


_UPDATE_KEYS = ("title", "description", "assignee_ids", "assignee_id", "milestone_id",
                "discussion_locked", "labels", "add_labels", "remove_labels", "created_at",
                "due_date", "confidential", "state_event", "updated_at", "issue_type")


@route("PUT", "/projects/:id/issues/:issue_iid")
def update_issue(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    iid = to_int("issue_iid", call.path_params["issue_iid"])
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
    return ok(call.shapes.issue(issue, subscribed=True))


@route("DELETE", "/projects/:id/issues/:issue_iid")
def delete_issue(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    api.state.delete_issue(project, to_int("issue_iid", call.path_params["issue_iid"]), user)
    return ApiResponse(204)

