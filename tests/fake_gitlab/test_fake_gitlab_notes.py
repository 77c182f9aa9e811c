"""Fidelity: notes (comments), system notes, internal notes and GitLab's throttled touch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab
from tracker.testing.fake_gitlab.clock import iso

ClientFor = Callable[[str], gitlab.Gitlab]


def _user_bodies(issue: Any, **options: Any) -> list[str]:
    return [n.body for n in issue.notes.list(get_all=True, **options) if not n.system]


def test_note_has_the_documented_shape(project: Any) -> None:
    """GitLab docs: Notes API > Create new issue note: the note entity."""
    issue = project.issues.create({"title": "x"})
    note = issue.notes.create({"body": "Merci pour ce suivi."})
    data = note.attributes
    assert {"id", "body", "author", "created_at", "updated_at", "system", "noteable_id",
            "noteable_type", "noteable_iid", "internal", "confidential", "type",
            "attachment", "resolvable", "project_id"} <= set(data)
    assert data["noteable_type"] == "Issue"
    assert data["noteable_id"] == issue.id
    assert data["noteable_iid"] == issue.iid
    assert data["system"] is False
    assert data["internal"] is False
    assert data["author"]["username"] == "owner"


def test_notes_list_sort_and_order_by(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Notes API > List project issue notes: sort asc|desc (default desc),
    order_by created_at|updated_at (default created_at)."""
    issue = project.issues.create({"title": "x"})
    for body in ("one", "two", "three"):
        issue.notes.create({"body": body})
        fake_gitlab.clock.advance(1)
    assert _user_bodies(issue) == ["three", "two", "one"]
    assert _user_bodies(issue, sort="asc") == ["one", "two", "three"]
    assert _user_bodies(issue, sort="asc", order_by="updated_at") == ["one", "two", "three"]


def test_missing_body_is_400(project: Any, fake_gitlab: FakeGitLab,
                             http: requests.Session) -> None:
    """GitLab docs: Notes API > Create new issue note: `body` is required."""
    issue = project.issues.create({"title": "x"})
    answer = http.post(f"{fake_gitlab.url}/api/v4/projects/{project.id}/issues/{issue.iid}/notes",
                       headers={"PRIVATE-TOKEN": "owner-token"}, json={"internal": True})
    assert answer.status_code == 400
    assert answer.json() == {"error": "body is missing"}


def test_user_notes_count_counts_comments_not_system_notes(project: Any) -> None:
    """GitLab docs: Issues API: `user_notes_count` is the number of user (non-system) notes."""
    issue = project.issues.create({"title": "x"})
    issue.notes.create({"body": "a"})
    issue.notes.create({"body": "b", "internal": True})
    issue.title = "y"
    issue.save()  # adds a system note
    assert project.issues.get(issue.iid).user_notes_count == 2


def test_system_notes_for_title_description_state(project: Any) -> None:
    """GitLab docs: Notes API > Notes (system notes): GitLab adds system notes when an issue's
    title, description or state changes."""
    issue = project.issues.create({"title": "Open data portal", "description": "a"})
    issue.title = "Open data portal v2"
    issue.description = "b"
    issue.state_event = "close"
    issue.save()
    issue.state_event = "reopen"
    issue.save()
    system = [n for n in issue.notes.list(get_all=True, sort="asc") if n.system]
    bodies = [n.body for n in system]
    assert bodies == [
        "changed title from **Open data portal** to **Open data portal{+ v2+}**",
        "changed the description",
        "closed",
        "reopened",
    ]
    assert all(n.author["username"] == "owner" for n in system)


def test_title_note_marks_the_changed_part(project: Any) -> None:
    """GitLab docs: Notes API (system notes): the title note marks removed text {-..-} and
    added text {+..+}."""
    issue = project.issues.create({"title": "Publish the budget"})
    issue.title = "Publish the accounts"
    issue.save()
    note = next(n for n in issue.notes.list() if n.system)
    assert note.body == ("changed title from **Publish the {-budget-}** "
                         "to **Publish the {+accounts+}**")


def test_link_changes_add_system_notes_on_both_issues(project: Any) -> None:
    """GitLab docs: Issue links API: linking adds a "marked this issue as related to" note on
    both issues; unlinking a "removed the relation with" note."""
    source = project.issues.create({"title": "a"})
    target = project.issues.create({"title": "b"})
    source.links.create({"target_project_id": project.id, "target_issue_iid": target.iid})
    assert [n.body for n in source.notes.list() if n.system] == \
        [f"marked this issue as related to #{target.iid}"]
    assert [n.body for n in target.notes.list() if n.system] == \
        [f"marked this issue as related to #{source.iid}"]
    link_id = source.links.list()[0].issue_link_id
    source.links.delete(link_id)
    assert f"removed the relation with #{target.iid}" in [n.body for n in source.notes.list()]


def test_internal_notes_are_hidden_below_reporter(fake_gitlab: FakeGitLab, project: Any,
                                                  client_for: ClientFor) -> None:
    """GitLab docs: Discussions > Internal notes: visible only to members with at least the
    Reporter role (and the Planner role)."""
    fake_gitlab.add_user("reporter-token", "reporter")
    fake_gitlab.add_user("guest-token", "guest")
    fake_gitlab.add_user("citizen-token", "none")
    issue = project.issues.create({"title": "x"})
    issue.notes.create({"body": "public"})
    internal = issue.notes.create({"body": "internal only", "internal": True})
    assert internal.internal is True
    assert internal.confidential is True
    for token, expected in (("reporter-token", ["internal only", "public"]),
                            ("guest-token", ["public"]), ("citizen-token", ["public"])):
        seen = client_for(token).projects.get("ogp/suivi", lazy=True).issues.get(issue.iid)
        assert _user_bodies(seen) == expected, token
        # the count is the same for everyone, as GitLab counts every user note
        assert seen.user_notes_count == 2
    guest_issue = client_for("guest-token").projects.get("ogp/suivi", lazy=True).issues.get(
        issue.iid, lazy=True)
    with pytest.raises(gitlab.GitlabGetError):
        guest_issue.notes.get(internal.id)


def test_a_guest_asking_for_an_internal_note_gets_a_public_one(
        fake_gitlab: FakeGitLab, project: Any, client_for: ClientFor) -> None:
    """GitLab docs: Notes API > Create new issue note: `internal` needs Reporter; GitLab's
    Notes::BuildService drops the flag for others and saves the note public."""
    fake_gitlab.add_user("guest-token", "guest")
    issue = project.issues.create({"title": "x"})
    guest = client_for("guest-token").projects.get("ogp/suivi", lazy=True)
    note = guest.issues.get(issue.iid, lazy=True).notes.create({"body": "hi", "internal": True})
    assert note.internal is False


def test_updated_at_follows_notes_at_most_once_a_minute(project: Any,
                                                        fake_gitlab: FakeGitLab) -> None:
    """GitLab source: ThrottledTouch (TOUCH_INTERVAL = 1 minute): a new note touches its issue's
    `updated_at` only if it was last updated more than 60 seconds before."""
    issue = project.issues.create({"title": "x"})
    created = issue.updated_at
    fake_gitlab.clock.advance(30)
    issue.notes.create({"body": "within the minute"})
    assert project.issues.get(issue.iid).updated_at == created
    fake_gitlab.clock.advance(31)  # 61 s after the last update
    issue.notes.create({"body": "after the minute"})
    touched = project.issues.get(issue.iid).updated_at
    assert touched == iso(fake_gitlab.clock.now())
    fake_gitlab.clock.advance(60)  # exactly 60 s: not more than the interval
    issue.notes.create({"body": "at the minute"})
    assert project.issues.get(issue.iid).updated_at == touched


def test_updated_after_finds_a_commented_issue_looking_back_a_minute(
        project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > List project issues: `updated_after` (ISO 8601) filters on
    `updated_at`, which a new note moves (ThrottledTouch, at most once a minute): a listing
    from the note's own time may miss the issue, one from a minute earlier never does, and
    `user_notes_count` counts the note either way."""
    issue = project.issues.create({"title": "x"})
    fake_gitlab.clock.advance(120)
    issue.notes.create({"body": "touches"})  # more than a minute after the last update
    since = iso(fake_gitlab.clock.now())
    assert [i.iid for i in project.issues.list(updated_after=since)] == [issue.iid]
    fake_gitlab.clock.advance(30)
    pulled_at = fake_gitlab.clock.now()
    fake_gitlab.clock.advance(10)
    issue.notes.create({"body": "within the minute: no touch"})
    assert project.issues.list(updated_after=iso(pulled_at)) == []
    (found,) = project.issues.list(updated_after=iso(pulled_at - timedelta(minutes=1)))
    assert (found.iid, found.user_notes_count) == (issue.iid, 2)
