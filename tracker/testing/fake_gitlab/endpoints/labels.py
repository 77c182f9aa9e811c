"""Project labels: list, get, create, edit, delete (by id or by title)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.testing.fake_gitlab.errors import BadRequest, NotImplementedByFake
from tracker.testing.fake_gitlab.models.issues import fuzzy_match
from tracker.testing.fake_gitlab.models.labels import UNCHANGED
from tracker.testing.fake_gitlab.routing import ApiResponse, Call, ok, route

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api

# BaseLabel.min_chars_for_partial_matching: label searches never use a trigram index.
LABEL_MIN_CHARS = 1


@route("GET", "/projects/:id/labels", listing=True)
def list_labels(api: Api, call: Call) -> ApiResponse:
    """``search`` is ``BaseLabel.search``: GitLab's fuzzy search over the title or the
    description, where a term of one character is already a partial match."""
    project = api.project(call)
    search = " ".join((call.params.string("search") or "").split())
    labels = [lab for lab in api.state.project_labels(project)
              if not search or any(fuzzy_match(text, search, min_chars=LABEL_MIN_CHARS)
                                   for text in (lab.name, lab.description or ""))]
    counts = bool(call.params.boolean("with_counts", False))
    return api.paginate(call, labels, lambda lab: call.shapes.label(lab, with_counts=counts))


@route("GET", "/projects/:id/labels/:label_id")
def get_label(api: Api, call: Call) -> ApiResponse:
    project = api.project(call)
    return ok(call.shapes.label(api.state.label_by_ref(project, call.path_params["label_id"])))


def _label_ref(call: Call) -> str:
    """The label a write names: in the path, or (the deprecated collection form, which
    python-gitlab's ``labels.update`` and ``save`` use) as ``label_id`` or ``name``."""
    if "label_id" in call.path_params:
        return call.path_params["label_id"]
    p = call.params
    if p.has("label_id") == p.has("name"):
        raise BadRequest("label_id, name are missing, exactly one parameter must be provided"
                         if not p.has("name") else
                         "label_id, name are mutually exclusive")
    return str(p.string("label_id") if p.has("label_id") else p.string("name"))


def update_label(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    ref = _label_ref(call)
    p = call.params
    p.need_one_of(("new_name", "color", "description", "priority"))
    if p.has("priority"):
        raise NotImplementedByFake("label priorities")
    label = api.state.update_label(
        project, user, ref, new_name=p.string("new_name"), color=p.string("color"),
        description=p.string("description") if p.has("description") else UNCHANGED)
    return ok(call.shapes.label(label))


def delete_label(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    api.state.delete_label(project, user, _label_ref(call))
    return ApiResponse(204)


route("PUT", "/projects/:id/labels/:label_id")(update_label)
route("PUT", "/projects/:id/labels")(update_label)
route("DELETE", "/projects/:id/labels/:label_id")(delete_label)
route("DELETE", "/projects/:id/labels")(delete_label)


@route("POST", "/projects/:id/labels")
def create_label(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    project = api.project(call)
    name = call.params.required_string("name")
    color = call.params.required_string("color")
    label = api.state.create_label(project, user, name=name, color=color,
                                   description=call.params.string("description"))
    return ok(call.shapes.label(label), 201)

