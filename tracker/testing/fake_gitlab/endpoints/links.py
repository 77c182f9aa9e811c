"""Issue links: list, get, create, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.testing.fake_gitlab.routing import ApiResponse, Call, ok, route, to_int
from tracker.testing.fake_gitlab.state import LINK_TYPES

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


@route("GET", "/projects/:id/issues/:issue_iid/links")
def list_links(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    return ok([call.shapes.related_issue(link, other)
                for link, other in api.state.links_of(issue, call.user)])


@route("POST", "/projects/:id/issues/:issue_iid/links")
def create_link(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    _, source = api.issue_of(call)
    target_project_ref = call.params.required("target_project_id")
    target_iid = to_int("target_issue_iid", call.params.required("target_issue_iid"))
    # "blocks" and "is_blocked_by" are Premium: on Free they are not valid values at all.
    allowed = LINK_TYPES if api.state.tier == "premium" else ("relates_to",)
    link_type = call.params.choice("link_type", allowed, "relates_to")
    target_project = api.state.find_project(str(target_project_ref), user)
    target = api.state.find_issue(target_project, target_iid, user)
    link = api.state.create_link(source, target, user, link_type)
    return ok(call.shapes.issue_link(link), 201)


@route("GET", "/projects/:id/issues/:issue_iid/links/:issue_link_id")
def get_link(api: Api, call: Call) -> ApiResponse:
    _, issue = api.issue_of(call)
    link_id = to_int("issue_link_id", call.path_params["issue_link_id"])
    return ok(call.shapes.issue_link(api.state.find_link(issue, link_id)))


@route("DELETE", "/projects/:id/issues/:issue_iid/links/:issue_link_id")
def delete_link(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    _, issue = api.issue_of(call)
    link_id = to_int("issue_link_id", call.path_params["issue_link_id"])
    link = api.state.find_link(issue, link_id)
    body = call.shapes.issue_link(link)
    api.state.delete_link(issue, link_id, user)
    return ok(body)

