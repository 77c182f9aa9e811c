"""Fidelity: users, projects, members, authentication, errors, starting and stopping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]


def test_current_user_is_the_tokens_user(gl: gitlab.Gitlab) -> None:
    """GitLab docs: Users API > Get the current user: id, username, name, state, web_url."""
    gl.auth()
    user = gl.user
    assert user is not None
    assert user.username == "owner"
    assert user.state == "active"
    assert user.web_url == f"{gl.url}/owner"
    assert isinstance(user.id, int)


def test_project_by_numeric_id_and_by_url_encoded_path(gl: gitlab.Gitlab,
                                                       http: requests.Session,
                                                       fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Projects API > Get a single project: `id` is the ID or URL-encoded path."""
    by_path = gl.projects.get("ogp/suivi")
    by_id = gl.projects.get(by_path.id)
    assert by_id.path_with_namespace == "ogp/suivi"
    assert by_path.web_url == f"{fake_gitlab.url}/ogp/suivi"
    assert by_path.namespace["full_path"] == "ogp"
    assert by_path.permissions["project_access"]["access_level"] == 50
    raw = http.get(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi",
                   headers={"PRIVATE-TOKEN": "owner-token"})
    assert raw.json()["id"] == by_path.id


def test_unknown_project_is_404_project_not_found(gl: gitlab.Gitlab) -> None:
    """GitLab docs: REST API > Status codes: 404 with {"message": "404 Project Not Found"}."""
    with pytest.raises(gitlab.GitlabGetError) as caught:
        gl.projects.get("ogp/nope")
    assert caught.value.response_code == 404
    assert caught.value.error_message == "404 Project Not Found"


def test_members_all_lists_each_user_with_access_level(fake_gitlab: FakeGitLab,
                                                       project: Any) -> None:
    """GitLab docs: Group and project members API > List all members including inherited."""
    fake_gitlab.add_user("reporter-token", "reporter", username="rita", name="Rita Reporter")
    fake_gitlab.add_user("citizen-token", "none", username="camille")
    members = {m.username: m.access_level for m in project.members_all.list(get_all=True)}
    assert members == {"owner": 50, "rita": 20}  # a non-member is not a member


def test_bad_token_is_401_even_for_public_reads(fake_gitlab: FakeGitLab,
                                                http: requests.Session) -> None:
    """GitLab docs: REST API authentication: an invalid token answers 401 Unauthorized."""
    answer = http.get(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                      headers={"PRIVATE-TOKEN": "wrong"})
    assert answer.status_code == 401
    assert answer.json() == {"message": "401 Unauthorized"}
    with gitlab.Gitlab(fake_gitlab.url, private_token="wrong") as bad, \
            pytest.raises(gitlab.GitlabAuthenticationError):
        bad.auth()


def test_anonymous_reads_public_project_but_cannot_write(fake_gitlab: FakeGitLab,
                                                         http: requests.Session) -> None:
    """GitLab docs: REST API authentication: public data without a token; writes need one."""
    base = f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues"
    assert http.get(base).status_code == 200
    answer = http.post(base, json={"title": "x"})
    assert answer.status_code == 401


def test_bearer_token_is_accepted(fake_gitlab: FakeGitLab, http: requests.Session) -> None:
    """GitLab docs: REST API authentication: a personal access token in `Authorization: Bearer`."""
    answer = http.get(f"{fake_gitlab.url}/api/v4/user",
                      headers={"Authorization": "Bearer owner-token"})
    assert answer.json()["username"] == "owner"


def test_private_project_is_404_to_non_members(client_for: ClientFor) -> None:
    """GitLab docs: Issues API: a private project answers 404 to a non-member."""
    server = FakeGitLab(visibility="private",
                        tokens={"owner-token": "owner", "citizen-token": "none"}).start()
    try:
        with gitlab.Gitlab(server.url, private_token="citizen-token") as citizen, \
                pytest.raises(gitlab.GitlabGetError) as caught:
            citizen.projects.get("ogp/suivi")
        assert caught.value.response_code == 404
    finally:
        server.stop()


def test_unknown_route_is_404_not_found(fake_gitlab: FakeGitLab,
                                        http: requests.Session) -> None:
    """GitLab docs: REST API > Status codes: an unknown endpoint is {"error": "404 Not Found"}."""
    answer = http.get(f"{fake_gitlab.url}/api/v4/nowhere", headers={"PRIVATE-TOKEN":
                                                                     "owner-token"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "404 Not Found"}


def test_wrong_method_on_a_known_route_is_405(fake_gitlab: FakeGitLab,
                                              http: requests.Session) -> None:
    """GitLab docs: REST API > Status codes: 405 Method Not Allowed for an unsupported verb."""
    answer = http.patch(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues/1",
                        headers={"PRIVATE-TOKEN": "owner-token"}, json={})
    assert answer.status_code == 405


def test_starting_a_server_is_cheap() -> None:
    """Fake contract: a per-test server starts in well under 50 ms."""
    times = []
    for _ in range(5):
        began = time.perf_counter()
        server = FakeGitLab().start()
        times.append(time.perf_counter() - began)
        server.stop()
    assert min(times) < 0.05, times


def test_users_are_distinct_identities(fake_gitlab: FakeGitLab, client_for: ClientFor) -> None:
    """GitLab docs: Issues API > New issue: `author` is the user whose token made the request."""
    fake_gitlab.add_user("citizen-token", "none", username="camille", name="Camille Martin")
    citizen = client_for("citizen-token")
    issue = citizen.projects.get("ogp/suivi", lazy=True).issues.create({"title": "Question"})
    assert issue.author["username"] == "camille"
    assert issue.author["name"] == "Camille Martin"
