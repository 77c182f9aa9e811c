"""Fidelity: blocked, banned, deactivated and deleted users, driven through python-gitlab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gitlab
import pytest

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]


def _citizen_comment(fake_gitlab: FakeGitLab, project: Any,
                     client_for: ClientFor) -> tuple[Any, Any]:
    """An issue by camille (a signed-in non-member) and a comment of hers on it."""
    fake_gitlab.add_user("citizen-token", "none", username="camille")
    theirs = client_for("citizen-token").projects.get("ogp/suivi", lazy=True)
    issue = theirs.issues.create({"title": "Question"})
    issue.notes.create({"body": "When?"})
    return project.issues.get(issue.iid), project.issues.get(issue.iid).notes.list()[0]


@pytest.mark.parametrize("state", ["blocked", "banned", "deactivated"])
def test_author_state_shows_on_issues_and_notes(fake_gitlab: FakeGitLab, project: Any,
                                                client_for: ClientFor, state: str) -> None:
    """GitLab docs: Users API / Entities::UserBasic: author.state is the user's state; their
    issues and comments stay."""
    _citizen_comment(fake_gitlab, project, client_for)
    fake_gitlab.set_user_state("camille", state)
    issue = project.issues.list(get_all=True)[0]
    assert issue.author["state"] == state
    assert [n.author["state"] for n in issue.notes.list(get_all=True)] == [state]


@pytest.mark.parametrize(("state", "reason"), [
    ("blocked", "Your account has been blocked."),
    ("banned", "Your account has been blocked."),
    ("deactivated", "Your account has been deactivated by your administrator. Please log "
                    "back in to reactivate your account."),
])
def test_a_user_not_active_gets_403_with_the_reason(fake_gitlab: FakeGitLab,
                                                    client_for: ClientFor, state: str,
                                                    reason: str) -> None:
    """GitLab source: API::APIGuard forbids a user who may not use the API, naming why
    (Gitlab::Auth::UserAccessDeniedReason)."""
    fake_gitlab.add_user("citizen-token", "none", username="camille")
    fake_gitlab.set_user_state("camille", state)
    client = client_for("citizen-token")
    with pytest.raises(gitlab.GitlabGetError) as caught:  # python-gitlab: 401 only is "auth"
        client.auth()
    assert caught.value.response_code == 403
    assert caught.value.error_message == f"403 Forbidden - {reason}"


def test_reactivated_user_works_again(fake_gitlab: FakeGitLab, client_for: ClientFor) -> None:
    """GitLab docs: unblocking a user restores their access with the same token."""
    fake_gitlab.add_user("citizen-token", "none", username="camille")
    fake_gitlab.set_user_state("camille", "blocked")
    fake_gitlab.set_user_state("camille", "active")
    client = client_for("citizen-token")
    client.auth()
    assert client.user is not None
    assert client.user.username == "camille"


def test_deleted_user_contributions_move_to_the_ghost_user(
        fake_gitlab: FakeGitLab, project: Any, client_for: ClientFor) -> None:
    """GitLab docs: Deleting users: their issues and comments are kept and attributed to the
    Ghost User (username ghost, name Ghost User); their token no longer works (401)."""
    issue, note = _citizen_comment(fake_gitlab, project, client_for)
    fake_gitlab.delete_user("camille")
    fetched = project.issues.get(issue.iid)
    assert (fetched.author["username"], fetched.author["name"]) == ("ghost", "Ghost User")
    authors = [n.author["username"] for n in fetched.notes.list(get_all=True)]
    assert authors == ["ghost"]
    assert fetched.notes.get(note.id).body == "When?"
    with pytest.raises(gitlab.GitlabAuthenticationError) as caught:
        client_for("citizen-token").auth()
    assert caught.value.response_code == 401


def test_user_states_survive_reset(fake_gitlab: FakeGitLab, client_for: ClientFor) -> None:
    """Fake contract: user states are configuration, replayed by reset like roles."""
    fake_gitlab.add_user("citizen-token", "none", username="camille")
    fake_gitlab.set_user_state("camille", "banned")
    fake_gitlab.reset()
    with pytest.raises(gitlab.GitlabGetError) as caught:
        client_for("citizen-token").auth()
    assert caught.value.response_code == 403


def test_unknown_state_is_refused(fake_gitlab: FakeGitLab) -> None:
    """Fake contract: only GitLab's states are accepted."""
    with pytest.raises(ValueError, match="state must be one of"):
        fake_gitlab.set_user_state("owner", "sleepy")
