"""The fake's fault injection: every kind, targeted and seeded, in-process and over HTTP."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]


def _titles(fake_gitlab: FakeGitLab) -> list[str]:
    with fake_gitlab.state.lock:
        return sorted(fake_gitlab.state.issues[i].title
                      for i in fake_gitlab.project.issues_by_iid.values())


def test_error_before_commits_nothing(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fake contract: error_before answers a 5xx and nothing is written."""
    fake_gitlab.add_fault("error_before", methods=["POST"], route="/issues$", nth=1)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.issues.create({"title": "lost"})
    assert caught.value.response_code == 500
    assert _titles(fake_gitlab) == []
    project.issues.create({"title": "kept"})  # only the first one was hit
    assert _titles(fake_gitlab) == ["kept"]


def test_error_after_commits_then_fails_the_third_post(fake_gitlab: FakeGitLab,
                                                       project: Any) -> None:
    """Fake contract: "the 3rd POST to .../issues fails with 502 after committing"."""
    fake_gitlab.add_fault("error_after", methods=["POST"], route="/issues$", nth=3,
                          status=502)
    project.issues.create({"title": "1"})
    project.issues.create({"title": "2"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.issues.create({"title": "3"})
    assert caught.value.response_code == 502
    assert _titles(fake_gitlab) == ["1", "2", "3"]  # committed all the same
    assert fake_gitlab.stats()["faults"]["fired"] == {"error_after": 1}


def test_error_after_with_client_retries_duplicates_the_write(fake_gitlab: FakeGitLab,
                                                              client_for: ClientFor) -> None:
    """Fake contract: a client that retries a non-idempotent POST after a 502 creates it
    twice — the hazard the sync must survive."""
    fake_gitlab.add_fault("error_after", methods=["POST"], nth=1, status=502)
    retrying = client_for("owner-token", retry_transient_errors=True)
    retrying.projects.get("ogp/suivi", lazy=True).issues.create({"title": "once?"})
    assert _titles(fake_gitlab) == ["once?", "once?"]


def test_rate_limit_fault_is_obeyed_by_python_gitlab(fake_gitlab: FakeGitLab,
                                                     project: Any) -> None:
    """GitLab docs: Rate limits: a throttled request answers 429 with Retry-After; python-gitlab
    waits and retries."""
    fake_gitlab.add_fault("rate_limit", methods=["GET"], route="/issues$", nth=1,
                          retry_after=0)
    assert project.issues.list() == []
    assert fake_gitlab.stats()["by_status"]["429"] == 1
    fake_gitlab.add_fault("rate_limit", methods=["GET"], route="/issues$", retry_after=None)
    with pytest.raises(gitlab.GitlabListError) as caught:
        project.issues.list(obey_rate_limit=False)
    assert caught.value.response_code == 429


def test_rate_limit_fault_without_retry_after(fake_gitlab: FakeGitLab,
                                              http: requests.Session) -> None:
    """Fake contract: rate_limit with retry_after None sends no Retry-After header."""
    fake_gitlab.add_fault("rate_limit", nth=1, retry_after=None)
    answer = http.get(f"{fake_gitlab.url}/api/v4/user", headers={"PRIVATE-TOKEN":
                                                                  "owner-token"})
    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers
    assert "RateLimit-Reset" in answer.headers
    assert answer.text == "Retry later\n"


def test_slow_responses(fake_gitlab: FakeGitLab, client_for: ClientFor) -> None:
    """Fake contract: slow delays the answer; a client with a shorter timeout gives up."""
    fake_gitlab.add_fault("slow", route="/user$", delay_ms=300, times=2)
    began = time.perf_counter()
    client_for("owner-token").auth()
    assert time.perf_counter() - began >= 0.3
    impatient = client_for("owner-token", timeout=0.1)
    with pytest.raises(requests.exceptions.Timeout):
        impatient.auth()


def test_drop_before_and_after(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fake contract: drop closes the connection with no answer — before handling (nothing
    written) or, with after=True, once the write is committed."""
    fake_gitlab.add_fault("drop", methods=["POST"], nth=1)
    fake_gitlab.add_fault("drop", methods=["POST"], nth=2, after=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        project.issues.create({"title": "never"})
    with pytest.raises(requests.exceptions.ConnectionError):
        project.issues.create({"title": "written, unanswered"})
    assert _titles(fake_gitlab) == ["written, unanswered"]
    assert fake_gitlab.stats()["by_status"]["dropped"] == 2


def test_page_fail_in_the_middle_of_a_listing(fake_gitlab: FakeGitLab, project: Any,
                                              client_for: ClientFor) -> None:
    """Fake contract: page_fail makes one page of a listing answer 500."""
    for n in range(12):
        project.issues.create({"title": f"{n}"})
    fake_gitlab.add_fault("page_fail", route="/issues$", page=2, times=1)
    with pytest.raises(gitlab.GitlabListError) as caught:
        project.issues.list(get_all=True, per_page=5)
    assert caught.value.response_code == 500
    # The rule fired once; a client that retries transient errors gets everything.
    fake_gitlab.add_fault("page_fail", route="/issues$", page=3, times=1)
    retrying = client_for("owner-token", retry_transient_errors=True)
    listed = retrying.projects.get("ogp/suivi", lazy=True).issues.list(get_all=True,
                                                                      per_page=5)
    assert len(listed) == 12


def test_seeded_random_faults_are_reproducible() -> None:
    """Fake contract: a rule with rate and seed hits the same requests on every run."""
    def pattern() -> list[int]:
        with FakeGitLab() as server, requests.Session() as session:
            server.add_fault("error_before", rate=0.3, seed=7, methods=["GET"])
            return [session.get(f"{server.url}/api/v4/user",
                                headers={"PRIVATE-TOKEN": "owner-token"}).status_code
                    for _ in range(40)]

    first, second = pattern(), pattern()
    assert first == second
    assert 3 <= first.count(500) <= 25


def test_faults_over_http(fake_gitlab: FakeGitLab, http: requests.Session) -> None:
    """Fake contract: POST/GET/DELETE /-/fake/faults configure the same rules."""
    answer = http.post(f"{fake_gitlab.url}/-/fake/faults", json={
        "kind": "error_after", "methods": ["POST"], "route": "/issues$", "nth": 1})
    assert answer.status_code == 201
    assert answer.json()["rules"][0]["kind"] == "error_after"
    created = http.post(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                        headers={"PRIVATE-TOKEN": "owner-token"}, json={"title": "x"})
    assert created.status_code == 502
    assert http.get(f"{fake_gitlab.url}/-/fake/faults").json()["rules"][0]["fired"] == 1
    assert http.delete(f"{fake_gitlab.url}/-/fake/faults").status_code == 204
    assert http.get(f"{fake_gitlab.url}/-/fake/faults").json() == {"rules": []}
    bad = http.post(f"{fake_gitlab.url}/-/fake/faults", json={"kind": "meteor"})
    assert bad.status_code == 400


def test_hold_lets_a_test_kill_the_client_after_the_commit(fake_gitlab: FakeGitLab,
                                                           http: requests.Session) -> None:
    """Fake contract: hold commits the N-th matching write, then holds its answer; the stats
    show it held; the client can be killed at that exact point."""
    fake_gitlab.add_fault("hold", methods=["POST"], route="/issues$", nth=2, timeout_s=20)
    script = textwrap.dedent(f"""
        import gitlab
        gl = gitlab.Gitlab("{fake_gitlab.url}", private_token="owner-token")
        project = gl.projects.get("ogp/suivi", lazy=True)
        for n in range(5):
            project.issues.create({{"title": f"issue {{n}}"}})
    """)
    client = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        held = fake_gitlab.wait_for_hold(timeout=20)
        assert held["method"] == "POST"
        assert held["route"] == "/api/v4/projects/:id/issues"
        stats = http.get(f"{fake_gitlab.url}/-/fake/stats").json()
        assert len(stats["held"]) == 1
        assert stats["in_flight"] == 1
        client.kill()  # SIGKILL while the second issue is committed but unanswered
        client.wait(timeout=10)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    assert _titles(fake_gitlab) == ["issue 0", "issue 1"]
    assert http.post(f"{fake_gitlab.url}/-/fake/holds/release", json={}).json() == \
        {"released": 1}
    deadline = time.monotonic() + 5
    while fake_gitlab.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake_gitlab.stats()["held"] == []


def test_held_request_answers_once_released(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fake contract: a released hold answers normally."""
    fake_gitlab.add_fault("hold", methods=["POST"], nth=1, timeout_s=10)
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(
        project.issues.create({"title": "held"})))
    worker.start()
    fake_gitlab.wait_for_hold(timeout=5)
    assert results == []
    assert fake_gitlab.release_holds() == 1
    worker.join(timeout=5)
    assert results[0].title == "held"


def test_reset_clears_faults(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fake contract: POST /-/fake/reset clears the fault rules."""
    fake_gitlab.add_fault("error_before")
    fake_gitlab.reset()
    assert project.issues.list() == []
