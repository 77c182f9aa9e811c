"""The misbehaving-GitLab faults: each one reaches python-gitlab as a hardening test needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[..., gitlab.Gitlab]
ISSUES = "/api/v4/projects/ogp%2Fsuivi/issues"


def test_echo_headers_puts_the_token_in_the_error_message(fake_gitlab: FakeGitLab,
                                                          project: Any) -> None:
    """Fault echo_headers: the error body repeats PRIVATE-TOKEN, and python-gitlab hands it
    to the caller in error_message; nothing is written."""
    fake_gitlab.add_fault("echo_headers", methods=["POST"], status=502)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.issues.create({"title": "lost"})
    assert caught.value.response_code == 502
    assert "private-token: owner-token" in str(caught.value.error_message)
    assert project.issues.list(get_all=True) == []


@pytest.mark.parametrize("values", [["Tue, 01 Dec 2026 10:00:00 -0000"],
                                    ["2026-12-01 10:00:00"], ["garbage"], []])
def test_date_header_replaces_the_servers_date(fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
                                               values: list[str]) -> None:
    """Fault date_header: one odd Date value, or none, is what the client's response holds."""
    fake_gitlab.add_fault("date_header", route="/version$", date_values=values)
    answer = gl.http_request("get", "/version")
    assert answer.raw.headers.getlist("Date") == values
    assert answer.json()["version"]


def test_date_header_can_be_repeated(fake_gitlab: FakeGitLab, gl: gitlab.Gitlab) -> None:
    """Fault date_header: two Date headers reach the client as two headers (requests joins
    them into one value with a comma)."""
    values = ["Tue, 01 Dec 2026 10:00:00 GMT", "Wed, 02 Dec 2026 10:00:00 GMT"]
    fake_gitlab.add_fault("date_header", route="/version$", date_values=values)
    answer = gl.http_request("get", "/version")
    assert answer.raw.headers.getlist("Date") == values
    assert answer.headers["Date"] == ", ".join(values)


def test_huge_retry_after_is_obeyed_by_python_gitlab(fake_gitlab: FakeGitLab,
                                                     client_for: ClientFor,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault rate_limit with retry_after=100000: python-gitlab sleeps exactly what
    Retry-After says (here intercepted), then retries."""
    slept: list[float] = []
    monkeypatch.setattr("gitlab.utils.time.sleep", slept.append)
    fake_gitlab.add_fault("rate_limit", route="/version$", retry_after=100000, nth=1)
    client = client_for("owner-token")
    assert client.version()[0] != "unknown"
    assert slept == [100000]


def test_drop_fields_removes_iid_from_issues(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fault drop_fields: python-gitlab returns objects without iid, from a get and a list."""
    project.issues.create({"title": "A"})
    fake_gitlab.add_fault("drop_fields", methods=["GET"], route="/issues", fields=["iid"])
    listed = project.issues.list(get_all=True)
    assert "iid" not in listed[0].attributes
    assert listed[0].title == "A"
    assert "iid" not in project.issues.get(1).attributes


def test_malformed_json_is_a_parsing_error(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fault malformed_json: python-gitlab raises GitlabParsingError."""
    project.issues.create({"title": "A"})
    fake_gitlab.add_fault("malformed_json", methods=["GET"], route="/issues/1$")
    with pytest.raises(gitlab.GitlabParsingError):
        project.issues.get(1)


def test_maintenance_page_with_503(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fault maintenance_page: an HTML page with 503 is a GitlabGetError whose body is HTML."""
    fake_gitlab.add_fault("maintenance_page", methods=["GET"], route="/issues")
    with pytest.raises(gitlab.GitlabListError) as caught:
        project.issues.list(get_all=True)
    assert caught.value.response_code == 503
    assert b"Deploy in progress" in (caught.value.response_body or b"")


def test_maintenance_page_with_200(fake_gitlab: FakeGitLab, project: Any) -> None:
    """Fault maintenance_page status=200: python-gitlab cannot parse the page as JSON."""
    fake_gitlab.add_fault("maintenance_page", methods=["GET"], route="/issues", status=200)
    with pytest.raises(gitlab.GitlabParsingError):
        project.issues.list(get_all=True)


def test_foreign_links_move_pagination_to_another_host(fake_gitlab: FakeGitLab,
                                                       project: Any,
                                                       http: requests.Session) -> None:
    """Fault foreign_links: the Link header points at GitLab's external_url, not the URL the
    client used; python-gitlab warns that the base URL differs before following it."""
    for n in range(3):
        project.issues.create({"title": f"{n}"})
    fake_gitlab.add_fault("foreign_links", route="/issues$", host="http://127.0.0.1:9")
    answer = http.get(f"{fake_gitlab.url}{ISSUES}", params={"per_page": 2},
                      headers={"PRIVATE-TOKEN": "owner-token"})
    assert answer.links["next"]["url"].startswith("http://127.0.0.1:9/api/v4/projects/")
    assert answer.headers["X-Next-Page"] == "2"
    with pytest.warns(UserWarning, match="base URL in the server response differs"):
        project.issues.list(per_page=2, iterator=True)  # reads page 1 and its next link


def test_reversed_listing_answers_a_listing_backwards(fake_gitlab: FakeGitLab,
                                                     project: Any) -> None:
    """Fault reversed_listing: the same objects, newest id first; a single object unchanged."""
    issue = project.issues.create({"title": "x"})
    for label in ("a", "b", "c"):
        issue.labels = [label]
        issue.save()
    forwards = [e.id for e in issue.resourcelabelevents.list(get_all=True)]
    fake_gitlab.add_fault("reversed_listing", route="/resource_label_events$")
    backwards = [e.id for e in issue.resourcelabelevents.list(get_all=True)]
    assert forwards == sorted(forwards)
    assert len(forwards) == 5  # a added; a removed, b added; b removed, c added
    assert backwards == forwards[::-1]
    assert project.issues.get(issue.iid).title == "x"


def test_hardening_faults_round_trip_through_the_control_api(fake_gitlab: FakeGitLab,
                                                             http: requests.Session) -> None:
    """Fake contract: the new kinds and options can be set over HTTP, for a fake run as a
    process."""
    answer = http.post(f"{fake_gitlab.url}/-/fake/faults",
                       json={"kind": "date_header", "date_values": ["garbage"]})
    assert answer.status_code == 201
    assert answer.json()["rules"][0]["date_values"] == ["garbage"]
    refused = http.post(f"{fake_gitlab.url}/-/fake/faults",
                        json={"kind": "echo_headers", "status": 200})
    assert refused.status_code == 400
