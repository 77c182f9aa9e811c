"""Fidelity: roles and visibility (GitLab's permissions table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gitlab
import pytest

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]


@pytest.fixture
def people(fake_gitlab: FakeGitLab) -> FakeGitLab:
    fake_gitlab.add_user("reporter-token", "reporter", username="rita")
    fake_gitlab.add_user("guest-token", "guest", username="gaston")
    fake_gitlab.add_user("citizen-token", "none", username="camille")
    return fake_gitlab


def _project_as(client_for: ClientFor, token: str) -> Any:
    return client_for(token).projects.get("ogp/suivi", lazy=True)


def test_confidential_issue_is_invisible_to_those_who_may_not_read_it(
        people: FakeGitLab, project: Any, client_for: ClientFor) -> None:
    """GitLab docs: Confidential issues: visible to Planner/Reporter and up, the author and
    assignees; for others a 404 and absent from lists."""
    public = project.issues.create({"title": "public"})
    secret = project.issues.create({"title": "secret", "confidential": True})
    for token in ("guest-token", "citizen-token"):
        seen = _project_as(client_for, token)
        assert [i.iid for i in seen.issues.list()] == [public.iid], token
        with pytest.raises(gitlab.GitlabGetError) as caught:
            seen.issues.get(secret.iid)
        assert caught.value.response_code == 404
        assert caught.value.error_message == "404 Issue Not Found"
    reporter = _project_as(client_for, "reporter-token")
    assert sorted(i.iid for i in reporter.issues.list()) == [public.iid, secret.iid]


def test_the_author_of_a_confidential_issue_sees_it(people: FakeGitLab,
                                                    client_for: ClientFor) -> None:
    """GitLab docs: Confidential issues: the author can always see their issue."""
    citizen = _project_as(client_for, "citizen-token")
    mine = citizen.issues.create({"title": "mine", "confidential": True})
    assert citizen.issues.get(mine.iid).title == "mine"


def test_non_members_create_issues_and_comment_on_public_projects(
        people: FakeGitLab, project: Any, client_for: ClientFor) -> None:
    """GitLab docs: Permissions: anyone signed in can create issues and comment in a public
    project; labels and milestones they send are ignored (set issue metadata needs Reporter)."""
    project.milestones.create({"title": "M"})
    citizen = _project_as(client_for, "citizen-token")
    issue = citizen.issues.create({"title": "Une question", "labels": "triage"})
    assert issue.labels == []
    issue.notes.create({"body": "Précision"})
    assert project.issues.get(issue.iid).user_notes_count == 1


def test_guest_metadata_edits_are_dropped(people: FakeGitLab, project: Any,
                                          client_for: ClientFor) -> None:
    """GitLab docs: Permissions: a Guest cannot set issue metadata; GitLab ignores those
    attributes on their own issue rather than failing."""
    guest = _project_as(client_for, "guest-token")
    issue = guest.issues.create({"title": "mine"})
    issue.labels = ["status::done"]
    issue.title = "mine, edited"
    issue.save()
    fetched = project.issues.get(issue.iid)
    assert fetched.title == "mine, edited"
    assert fetched.labels == []


def test_editing_someone_elses_issue_needs_reporter(people: FakeGitLab, project: Any,
                                                    client_for: ClientFor) -> None:
    """GitLab docs: Permissions: updating an issue needs Planner/Reporter (or authorship)."""
    issue = project.issues.create({"title": "owner's"})
    for token in ("guest-token", "citizen-token"):
        with pytest.raises(gitlab.GitlabUpdateError) as caught:
            _project_as(client_for, token).issues.update(issue.iid, {"title": "hijack"})
        assert caught.value.response_code == 403
    updated = _project_as(client_for, "reporter-token").issues.update(
        issue.iid, {"labels": "status::in-progress", "state_event": "close"})
    assert updated["labels"] == ["status::in-progress"]
    assert updated["state"] == "closed"


def test_labels_and_milestones_need_reporter(people: FakeGitLab,
                                             client_for: ClientFor) -> None:
    """GitLab docs: Permissions: managing labels and milestones needs Planner/Reporter."""
    guest = _project_as(client_for, "guest-token")
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        guest.labels.create({"name": "x", "color": "#000000"})
    assert caught.value.response_code == 403
    with pytest.raises(gitlab.GitlabCreateError):
        guest.milestones.create({"title": "x"})
    reporter = _project_as(client_for, "reporter-token")
    assert reporter.milestones.create({"title": "x"}).title == "x"


def test_deleting_an_issue_needs_owner(people: FakeGitLab, project: Any,
                                       client_for: ClientFor) -> None:
    """GitLab docs: Issues API > Delete an issue: only administrators and project owners."""
    issue = project.issues.create({"title": "x"})
    with pytest.raises(gitlab.GitlabDeleteError) as caught:
        _project_as(client_for, "reporter-token").issues.delete(issue.iid)
    assert caught.value.response_code == 403
    project.issues.delete(issue.iid)
    with pytest.raises(gitlab.GitlabGetError):
        project.issues.get(issue.iid)
