"""Fidelity: GitLab quick actions in issue descriptions and notes, driven through python-gitlab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]


def _system_notes(issue: Any) -> list[str]:
    return [n.body for n in issue.notes.list(sort="asc", get_all=True) if n.system]


def _post_note(fake_gitlab: FakeGitLab, http: requests.Session, iid: int,
               body: str) -> requests.Response:
    """Post a note as the owner, raw (python-gitlab hides a 202's body)."""
    return http.post(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues/{iid}/notes",
                     headers={"PRIVATE-TOKEN": "owner-token"}, json={"body": body})


def test_close_in_an_edited_description_closes_and_is_removed(project: Any) -> None:
    """GitLab docs: Quick actions: on an issue description edit, /close closes the issue and
    the command line is removed from the saved description."""
    issue = project.issues.create({"title": "Engagement", "description": "Context"})
    issue.description = "Context\n/close\nMore"
    issue.save()
    fetched = project.issues.get(issue.iid)
    assert fetched.state == "closed"
    assert fetched.description == "Context\nMore"
    assert "closed" in _system_notes(fetched)
    events = fetched.resourcestateevents.list(get_all=True)
    assert [e.state for e in events] == ["closed"]


def test_close_in_a_new_description_is_removed_but_does_nothing(project: Any) -> None:
    """GitLab source: /close's condition needs a persisted issue; the extractor removes every
    known command all the same."""
    issue = project.issues.create({"title": "Engagement", "description": "Text\n/close"})
    assert issue.state == "opened"
    assert issue.description == "Text"


def test_label_and_due_on_create_set_metadata(project: Any) -> None:
    """GitLab docs: Quick actions: /label ~a ~"b c" and /due <date> on a new issue."""
    project.labels.create({"name": "a", "color": "#ff0000"})
    project.labels.create({"name": "b c", "color": "#00ff00"})
    issue = project.issues.create({"title": "T",
                                   "description": 'Intro\n/label ~a ~"b c"\n/due 2027-03-01'})
    assert sorted(issue.labels) == ["a", "b c"]
    assert issue.due_date == "2027-03-01"
    assert issue.description == "Intro"


def test_label_never_creates_a_label(project: Any) -> None:
    """GitLab source: /label's condition is find_labels.any?: only existing labels apply."""
    issue = project.issues.create({"title": "T", "description": "/label ~ghost"})
    assert issue.labels == []
    assert [lab.name for lab in project.labels.list(get_all=True)] == []
    assert issue.description == ""


def test_unlabel_relabel_and_their_label_events(project: Any) -> None:
    """GitLab docs: /unlabel ~x removes one, /unlabel alone removes all, /relabel replaces;
    each change is a resource label event as for an API edit."""
    for name in ("a", "b", "c"):
        project.labels.create({"name": name, "color": "#123456"})
    issue = project.issues.create({"title": "T", "labels": "a,b"})
    issue.description = "/unlabel ~a"
    issue.save()
    assert project.issues.get(issue.iid).labels == ["b"]
    issue.description = "/relabel ~c"
    issue.save()
    assert project.issues.get(issue.iid).labels == ["c"]
    issue.description = "/unlabel"
    issue.save()
    assert project.issues.get(issue.iid).labels == []
    actions = [(e.action, e.label["name"])
               for e in issue.resourcelabelevents.list(get_all=True)]
    assert actions == [("add", "a"), ("add", "b"), ("remove", "a"), ("add", "c"),
                       ("remove", "b"), ("remove", "c")]


def test_title_confidential_and_remove_due_date(project: Any) -> None:
    """GitLab docs: /title <text>, /confidential and /remove_due_date, with the system notes
    GitLab writes for the same edits through the API."""
    issue = project.issues.create({"title": "Old", "due_date": "2027-01-01"})
    issue.description = "/title New\n/confidential\n/remove_due_date"
    issue.save()
    fetched = project.issues.get(issue.iid)
    assert (fetched.title, fetched.confidential, fetched.due_date) == ("New", True, None)
    assert _system_notes(fetched) == ["changed title from **{-Old-}** to **{+New+}**",
                                      "made the issue confidential", "removed due date"]


def test_commands_in_code_blocks_quotes_and_html_are_text(project: Any) -> None:
    """GitLab source: Extractor ignores commands in ``` fences, >>> quotes and HTML blocks,
    and lines that do not start with the slash."""
    text = ("```\n/close\n```\n>>>\n/close\n>>>\n<div>\n/close\n</div>\n  /close\n"
            "/closed\ntext /close")
    issue = project.issues.create({"title": "T"})
    issue.description = text
    issue.save()
    fetched = project.issues.get(issue.iid)
    assert fetched.state == "opened"
    assert fetched.description == text


def test_crlf_and_trailing_space_are_normalised(project: Any) -> None:
    """GitLab source: the extractor deletes every carriage return and right-strips the text,
    whether or not it holds a command."""
    issue = project.issues.create({"title": "T", "description": "a\r\nb  \r\n\r\n"})
    assert issue.description == "a\nb"


def test_guest_metadata_commands_are_ignored(fake_gitlab: FakeGitLab, project: Any,
                                             client_for: ClientFor) -> None:
    """GitLab source: /label, /due and /confidential need set_issue_metadata (Planner or
    more); a Guest's are removed and ignored, as GitLab drops their metadata params."""
    fake_gitlab.add_user("guest-token", "guest", username="gwen")
    project.labels.create({"name": "a", "color": "#123456"})
    as_guest = client_for("guest-token").projects.get("ogp/suivi", lazy=True)
    issue = as_guest.issues.create({"title": "T",
                                    "description": "Hi\n/label ~a\n/due 2027-01-01\n"
                                                   "/confidential"})
    fetched = project.issues.get(issue.iid)
    assert (fetched.labels, fetched.due_date, fetched.confidential) == ([], None, False)
    assert fetched.description == "Hi"


def test_guest_author_may_close_own_issue(fake_gitlab: FakeGitLab, project: Any,
                                          client_for: ClientFor) -> None:
    """GitLab source: /close needs update_issue, which an issue's author has."""
    fake_gitlab.add_user("guest-token", "guest", username="gwen")
    as_guest = client_for("guest-token").projects.get("ogp/suivi", lazy=True)
    issue = as_guest.issues.create({"title": "Mine"})
    issue.description = "/close"
    issue.save()
    assert project.issues.get(issue.iid).state == "closed"


def test_note_with_only_commands_answers_202_and_stores_nothing(
        fake_gitlab: FakeGitLab, project: Any, http: requests.Session) -> None:
    """GitLab source: lib/api/notes.rb: a command-only note answers 202 with
    Entities::NoteCommands ({commands_changes, summary}) and no note is kept."""
    project.labels.create({"name": "a", "color": "#123456"})
    issue = project.issues.create({"title": "T"})
    answer = _post_note(fake_gitlab, http, issue.iid, "/close\n/label ~a")
    assert answer.status_code == 202
    label_id = project.labels.get("a").id
    assert answer.json() == {"commands_changes": {"state_event": "close",
                                                  "add_label_ids": [label_id]},
                             "summary": ["Closed this issue.", 'Added ~"a" label.']}
    fetched = project.issues.get(issue.iid)
    assert (fetched.state, fetched.labels, fetched.user_notes_count) == ("closed", ["a"], 0)
    assert _system_notes(fetched) == ["closed"]


def test_note_with_text_and_command_keeps_the_text(fake_gitlab: FakeGitLab, project: Any,
                                                   http: requests.Session) -> None:
    """GitLab docs: a comment with text and a quick action is saved without the command and
    the command runs; the response's commands_changes shows it."""
    issue = project.issues.create({"title": "T"})
    answer = _post_note(fake_gitlab, http, issue.iid, "Done here.\n/due 2027-05-04")
    assert answer.status_code == 201
    assert answer.json()["body"] == "Done here."
    assert answer.json()["commands_changes"] == {"due_date": "2027-05-04"}
    assert project.issues.get(issue.iid).due_date == "2027-05-04"
    assert "changed due date to May 4, 2027" in _system_notes(issue)


def test_note_whose_commands_cannot_apply_is_a_400(fake_gitlab: FakeGitLab, project: Any,
                                                   http: requests.Session) -> None:
    """GitLab source: process_note_creation_result: commands only, none applied, is a 400
    with the note's errors."""
    issue = project.issues.create({"title": "T"})
    answer = _post_note(fake_gitlab, http, issue.iid, "/reopen")  # it is open already
    assert answer.status_code == 400
    assert "Failed to apply commands." in answer.json()["message"]
    assert project.issues.get(issue.iid).user_notes_count == 0


def test_relative_due_date_follows_the_test_clock(fake_gitlab: FakeGitLab,
                                                  project: Any) -> None:
    """GitLab docs: /due takes natural dates (Chronic); the fake reads today, tomorrow and
    "in N days" against its clock."""
    issue = project.issues.create({"title": "T", "description": "/due tomorrow"})
    assert issue.due_date == (fake_gitlab.clock.now() + timedelta(days=1)).date().isoformat()


def test_assign_and_milestone(fake_gitlab: FakeGitLab, project: Any) -> None:
    """GitLab docs: /assign @user and /milestone %"title" set the assignee and milestone."""
    fake_gitlab.add_user("dev-token", "developer", username="dana")
    milestone = project.milestones.create({"title": "Plan 2027"})
    issue = project.issues.create({"title": "T",
                                   "description": '/assign @dana\n/milestone %"Plan 2027"'})
    assert [a["username"] for a in issue.assignees] == ["dana"]
    assert issue.milestone["id"] == milestone.id


def test_unmodelled_command_is_a_501_not_a_silent_success(project: Any) -> None:
    """Fake contract: a quick action GitLab runs on issues but the fake does not model answers
    501 rather than a wrong result."""
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.issues.create({"title": "T", "description": "/estimate 1d"})
    assert caught.value.response_code == 501
