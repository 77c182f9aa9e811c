"""Project labels: list, get, create."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.testing.fake_gitlab.errors import NotFound
from tracker.testing.fake_gitlab.routing import ApiResponse, Call, ok, route

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


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
            return ok(call.shapes.label(label))
    raise NotFound("Label")


@route("POST", "/projects/:id/labels")
def create_label(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    name = call.params.required_string("name")
    color = call.params.required_string("color")
    label = api.state.create_label(project, user, name=name, color=color,
                                   description=call.params.string("description"))
    return ok(call.shapes.label(label), 201)

