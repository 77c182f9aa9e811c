"""Rate limiting, the test clock, introspection, reset and concurrent clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]
RATE_HEADERS = ("RateLimit-Name", "RateLimit-Limit", "RateLimit-Observed",
                "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-ResetTime")


OWNER = "owner-token"


def _user(http: requests.Session, server: FakeGitLab, token: str = OWNER) -> Any:
    return http.get(f"{server.url}/api/v4/user", headers={"PRIVATE-TOKEN": token})


def test_ratelimit_headers_on_every_response(fake_gitlab: FakeGitLab,
                                             http: requests.Session) -> None:
    """GitLab docs: User and IP rate limits > Response headers: RateLimit-Limit, -Observed,
    -Remaining, -Reset (Unix time), -ResetTime, -Name."""
    first, second = _user(http, fake_gitlab), _user(http, fake_gitlab)
    missing = http.get(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues/9",
                       headers={"PRIVATE-TOKEN": "owner-token"})
    for answer in (first, second, missing):
        assert all(h in answer.headers for h in RATE_HEADERS)
    assert first.headers["RateLimit-Name"] == "throttle_authenticated_api"
    assert int(second.headers["RateLimit-Observed"]) == 2
    assert int(second.headers["RateLimit-Remaining"]) == \
        int(second.headers["RateLimit-Limit"]) - 2
    assert int(first.headers["RateLimit-Reset"]) > time.time()


def test_configured_limit_answers_429_with_retry_after(fake_gitlab: FakeGitLab,
                                                       http: requests.Session) -> None:
    """GitLab docs: User and IP rate limits: past the limit, 429 "Retry later" with
    Retry-After; the window is per user; it reopens when the period has passed."""
    fake_gitlab.set_rate_limit(3, period=60)
    assert [_user(http, fake_gitlab).status_code for _ in range(3)] == [200, 200, 200]
    refused = _user(http, fake_gitlab)
    assert refused.status_code == 429
    assert refused.text == "Retry later\n"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"
    fake_gitlab.add_user("other-token", "reporter")
    assert _user(http, fake_gitlab, "other-token").status_code == 200  # per-user window
    fake_gitlab.clock.advance(60)
    assert _user(http, fake_gitlab).status_code == 200
    assert fake_gitlab.stats()["rate_limited"] == 1


def test_python_gitlab_waits_out_a_short_window(fake_gitlab: FakeGitLab, gl: gitlab.Gitlab) -> None:
    """GitLab docs: Rate limits: clients wait Retry-After seconds and retry (python-gitlab
    does by default)."""
    fake_gitlab.set_rate_limit(2, period=1)
    began = time.perf_counter()
    for _ in range(3):
        gl.auth()
    assert time.perf_counter() - began >= 0.9
    assert fake_gitlab.stats()["by_status"]["429"] >= 1


def test_clock_drives_timestamps(fake_gitlab: FakeGitLab, project: Any,
                                 http: requests.Session) -> None:
    """Fake contract: timestamps come from the test clock, which moves only when told."""
    start = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    with FakeGitLab(start_time=start) as server, \
            gitlab.Gitlab(server.url, private_token="owner-token") as client:
        issues = client.projects.get("ogp/suivi", lazy=True).issues
        assert issues.create({"title": "a"}).created_at == "2026-11-21T10:00:00.000Z"
        time.sleep(0.01)
        assert issues.create({"title": "b"}).created_at == "2026-11-21T10:00:00.000Z"
        server.clock.advance(90.5)
        assert issues.create({"title": "c"}).created_at == "2026-11-21T10:01:30.500Z"
        answer = requests.post(f"{server.url}/-/fake/clock", json={"advance_seconds": 3600},
                               timeout=5)
        assert answer.json()["now"] == "2026-11-21T11:01:30.500Z"
        assert requests.get(f"{server.url}/-/fake/clock", timeout=5).json()["now"] == \
            "2026-11-21T11:01:30.500Z"
    with pytest.raises(ValueError, match="forward"):
        fake_gitlab.clock.advance(-1)


def test_stats_count_requests_by_method_and_route(fake_gitlab: FakeGitLab, project: Any,
                                                  http: requests.Session) -> None:
    """Fake contract: /-/fake/stats counts API requests (not its own), writes, by method and
    by templated route."""
    fake_gitlab.reset(counters_only=True)
    issue = project.issues.create({"title": "x"})
    issue.notes.create({"body": "y"})
    issue.title = "z"
    issue.save()
    project.issues.list()
    stats = http.get(f"{fake_gitlab.url}/-/fake/stats").json()
    assert stats["total"] == 4
    assert stats["writes"] == 3
    assert stats["by_method"] == {"POST": 2, "PUT": 1, "GET": 1}
    assert stats["by_route"] == {
        "GET /api/v4/projects/:id/issues": 1,
        "POST /api/v4/projects/:id/issues": 1,
        "POST /api/v4/projects/:id/issues/:issue_iid/notes": 1,
        "PUT /api/v4/projects/:id/issues/:issue_iid": 1,
    }
    assert stats["by_status"] == {"201": 2, "200": 2}


def test_reset_wipes_data_but_keeps_configuration(fake_gitlab: FakeGitLab, project: Any,
                                                  http: requests.Session) -> None:
    """Fake contract: POST /-/fake/reset goes back to the start configuration (project and
    users, including ones added since); counters_only keeps the data."""
    fake_gitlab.add_user("citizen-token", "none")
    project.issues.create({"title": "x"})
    http.post(f"{fake_gitlab.url}/-/fake/reset", json={"counters_only": True})
    assert fake_gitlab.stats()["total"] == 0
    assert len(project.issues.list()) == 1
    assert http.post(f"{fake_gitlab.url}/-/fake/reset").json() == {"reset": "all"}
    assert project.issues.list() == []
    assert _user(http, fake_gitlab, "citizen-token").status_code == 200
    again = project.issues.create({"title": "after reset"})
    assert again.iid == 1


def test_users_and_tier_over_http(fake_gitlab: FakeGitLab, http: requests.Session) -> None:
    """Fake contract: POST /-/fake/users adds a user; /-/fake/tier switches the tier."""
    answer = http.post(f"{fake_gitlab.url}/-/fake/users",
                       json={"token": "rep", "role": "reporter", "username": "rita"})
    assert answer.status_code == 201
    assert answer.json()["username"] == "rita"
    assert _user(http, fake_gitlab, "rep").json()["username"] == "rita"
    assert http.post(f"{fake_gitlab.url}/-/fake/tier", json={"tier": "premium"}).json() == \
        {"tier": "premium"}
    assert fake_gitlab.tier == "premium"


def test_two_clients_at_once_see_consistent_state(fake_gitlab: FakeGitLab,
                                                  client_for: ClientFor) -> None:
    """Fake contract: concurrent clients are serialised: unique iids, no lost label update."""
    fake_gitlab.add_user("second-token", "maintainer")
    issue = client_for("owner-token").projects.get("ogp/suivi", lazy=True).issues.create(
        {"title": "shared"})
    errors: list[BaseException] = []

    def work(token: str, tag: str) -> None:
        try:
            issues = client_for(token).projects.get("ogp/suivi", lazy=True).issues
            for n in range(15):
                issues.create({"title": f"{tag}{n}"})
                issues.update(issue.iid, {"add_labels": f"{tag}{n}"})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t, tag))
               for t, tag in (("owner-token", "a"), ("second-token", "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    issues = client_for("owner-token").projects.get("ogp/suivi", lazy=True).issues
    listed = issues.list(get_all=True)
    assert sorted(i.iid for i in listed) == list(range(1, 32))
    assert len(issues.get(issue.iid).labels) == 30
    assert fake_gitlab.stats()["writes"] == 61
