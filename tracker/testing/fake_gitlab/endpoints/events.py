"""Resource label and state events of an issue."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tracker.testing.fake_gitlab.errors import NotFound
from tracker.testing.fake_gitlab.routing import ApiResponse, Call, ok, route, to_int

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


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
    event_id = to_int("event_id", call.path_params["event_id"])
    for event in events_of(issue):
        if event.id == event_id:
            return ok(render(event))
    raise NotFound(what)

