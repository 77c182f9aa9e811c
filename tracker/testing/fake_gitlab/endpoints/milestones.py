"""Project milestones: list, get, create, edit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.testing.fake_gitlab.routing import MISSING, ApiResponse, Call, ok, route, to_int

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


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
    milestone_id = to_int("milestone_id", call.path_params["milestone_id"])
    return ok(call.shapes.milestone(api.state.find_milestone(project, milestone_id)))


@route("POST", "/projects/:id/milestones")
def create_milestone(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    p = call.params
    title = p.required_string("title")
    due, start = p.day("due_date"), p.day("start_date")
    milestone = api.state.create_milestone(
        project, user, title=title, description=p.string("description"),
        due_date=None if due is MISSING else due,
        start_date=None if start is MISSING else start)
    return ok(call.shapes.milestone(milestone), 201)


@route("PUT", "/projects/:id/milestones/:milestone_id")
def update_milestone(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    milestone_id = to_int("milestone_id", call.path_params["milestone_id"])
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
    return ok(call.shapes.milestone(milestone))

