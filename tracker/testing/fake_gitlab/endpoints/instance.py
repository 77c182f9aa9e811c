"""``/version``, ``/user``, ``/projects/:id`` and project members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.testing.fake_gitlab.errors import NotFound
from tracker.testing.fake_gitlab.routing import GITLAB_VERSION, ApiResponse, Call, ok, route, to_int

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


@route("GET", "/version")
def get_version(api: Api, call: Call) -> ApiResponse:
    api.need_user(call)
    return ok({"version": f"{GITLAB_VERSION}-{'ee' if api.state.tier == 'premium' else 'ce'}",
                "revision": "fake0000", "kas": {"enabled": False}, "enterprise":
                api.state.tier == "premium"})


@route("GET", "/user")
def get_current_user(api: Api, call: Call) -> ApiResponse:
    return ok(call.shapes.current_user(api.need_user(call)))


# ---------------------------------------------------------------------- projects, members


@route("GET", "/projects/:id")
def get_project(api: Api, call: Call) -> ApiResponse:
    return ok(call.shapes.project(api.project(call)))


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
    user_id = to_int("user_id", call.path_params["user_id"])
    if user_id not in project.members:
        raise NotFound("Member")
    return ok(call.shapes.member(api.state.users[user_id], project.members[user_id]))

