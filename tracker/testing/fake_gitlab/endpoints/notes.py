"""Notes on an issue: list, get, create."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.testing.fake_gitlab.routing import ApiResponse, Call, ok, route, to_int

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api


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
    note_id = to_int("note_id", call.path_params["note_id"])
    return ok(call.shapes.note(api.state.find_note(issue, note_id, call.user)))


@route("POST", "/projects/:id/issues/:issue_iid/notes")
def create_note(api: Api, call: Call) -> ApiResponse:
    user = api.need_user(call)
    _, issue = api.issue_of(call)
    body = call.params.required_string("body")
    internal = call.params.boolean("internal")
    if internal is None:
        internal = call.params.boolean("confidential", False)
    outcome = api.state.post_note(issue, user, body, internal=bool(internal),
                                  created_at=call.params.moment("created_at"))
    if outcome.note is None:
        # Only commands: Entities::NoteCommands, 202 Accepted (lib/api/notes.rb).
        return ok({"commands_changes": outcome.commands_changes, "summary": outcome.summary},
                  202)
    body_json = call.shapes.note(outcome.note)
    body_json["commands_changes"] = outcome.commands_changes
    return ok(body_json, 201)

