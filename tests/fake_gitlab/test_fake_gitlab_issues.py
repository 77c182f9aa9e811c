"""Fidelity: the Issues API (list, get, create, edit), driven through python-gitlab."""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab
from tracker.testing.fake_gitlab.clock import iso

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _make(project: Any, count: int, **extra: Any) -> list[Any]:
    return [project.issues.create({"title": f"Issue {n}", **extra}) for n in range(count)]


def test_created_issue_has_the_documented_shape(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > New issue: the response is the full issue entity."""
    issue = project.issues.create({"title": "Open data portal", "description": "Details"})
    data = issue.attributes
    expected = {"id", "iid", "project_id", "title", "description", "state", "created_at",
                "updated_at", "closed_at", "closed_by", "labels", "milestone", "assignees",
                "assignee", "author", "user_notes_count", "due_date", "confidential",
                "web_url", "references", "moved_to_id", "type", "task_completion_status",
                "_links", "time_stats", "upvotes", "downvotes", "merge_requests_count",
                "discussion_locked", "issue_type", "has_tasks", "subscribed"}
    assert expected <= set(data)
    assert data["state"] == "opened"
    assert data["type"] == "ISSUE"
    assert data["labels"] == []
    assert data["milestone"] is None
    assert data["closed_at"] is None
    assert data["closed_by"] is None
    assert data["user_notes_count"] == 0
    assert data["project_id"] == project.id
    assert ISO_MS.match(data["created_at"])
    assert data["created_at"] == data["updated_at"]
    assert data["web_url"] == f"{fake_gitlab.url}/ogp/suivi/-/issues/{issue.iid}"
    assert data["references"] == {"short": f"#{issue.iid}", "relative": f"#{issue.iid}",
                                  "full": f"ogp/suivi#{issue.iid}"}
    assert data["_links"]["self"] == \
        f"{fake_gitlab.url}/api/v4/projects/{project.id}/issues/{issue.iid}"
    assert data["task_completion_status"] == {"count": 0, "completed_count": 0}


def test_id_is_global_and_iid_per_project(gl: gitlab.Gitlab, fake_gitlab: FakeGitLab,
                                          project: Any) -> None:
    """GitLab docs: REST API > id vs iid: `id` is unique across projects, `iid` per project."""
    fake_gitlab.add_project("ogp/autre")
    other = gl.projects.get("ogp/autre")
    first = project.issues.create({"title": "A"})
    second = other.issues.create({"title": "B"})
    assert first.iid == second.iid == 1
    assert first.id != second.id
    assert first.id != first.iid
    assert project.issues.get(1).id == first.id


def test_missing_title_is_400_title_is_missing(fake_gitlab: FakeGitLab,
                                               http: requests.Session) -> None:
    """GitLab docs: REST API > Data validation: a missing required attribute is 400
    {"error": "title is missing"}."""
    answer = http.post(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                       headers={"PRIVATE-TOKEN": "owner-token"}, json={"description": "x"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "title is missing"}


def test_blank_title_is_a_validation_error(project: Any) -> None:
    """GitLab docs: REST API > Data validation: 400 {"message": {"title": ["can't be blank"]}}."""
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.issues.create({"title": "  "})
    assert caught.value.response_code == 400
    assert caught.value.error_message == {"title": ["can't be blank"]}


def test_unknown_issue_is_404_issue_not_found(project: Any) -> None:
    """GitLab docs: REST API > Status codes: {"message": "404 Issue Not Found"}."""
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.issues.get(99)
    assert caught.value.error_message == "404 Issue Not Found"


def test_list_defaults_to_created_at_desc_20_per_page(project: Any, fake_gitlab: FakeGitLab,
                                                     http: requests.Session) -> None:
    """GitLab docs: Issues API > List project issues: order_by created_at, sort desc, 20 a page."""
    created = []
    for n in range(25):
        created.append(project.issues.create({"title": f"Issue {n}"}).iid)
        fake_gitlab.clock.advance(1)
    answer = http.get(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                      headers={"PRIVATE-TOKEN": "owner-token"})
    page = answer.json()
    assert [i["iid"] for i in page] == created[::-1][:20]
    assert answer.headers["x-per-page"] == "20"
    assert answer.headers["x-total"] == "25"
    assert answer.headers["x-total-pages"] == "2"
    assert answer.headers["x-page"] == "1"
    assert answer.headers["x-next-page"] == "2"
    assert answer.headers["x-prev-page"] == ""


def test_pagination_headers_and_link(project: Any, fake_gitlab: FakeGitLab,
                                     http: requests.Session) -> None:
    """GitLab docs: REST API > Pagination > Pagination Link header: prev, next, first, last."""
    _make(project, 7)
    answer = http.get(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                      params={"per_page": 3, "page": 2, "state": "opened"},
                      headers={"PRIVATE-TOKEN": "owner-token"})
    assert answer.headers["x-page"] == "2"
    assert answer.headers["x-next-page"] == "3"
    assert answer.headers["x-prev-page"] == "1"
    assert answer.headers["x-total-pages"] == "3"
    links = answer.links
    assert set(links) == {"prev", "next", "first", "last"}
    assert links["next"]["url"].startswith(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/")
    assert "state=opened" in links["next"]["url"]
    assert "page=3" in links["next"]["url"]
    assert "page=3" in links["last"]["url"]
    last = http.get(links["last"]["url"], headers={"PRIVATE-TOKEN": "owner-token"})
    assert len(last.json()) == 1
    assert last.headers["x-next-page"] == ""
    assert "next" not in last.links


def test_per_page_is_capped_at_100(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: REST API > Pagination: per_page defaults to 20, maximum 100."""
    for n in range(105):
        fake_gitlab.state.create_issue(fake_gitlab.project,
                                       fake_gitlab.state.user_for_token("owner-token"),
                                       title=f"Seeded {n}")
    page = project.issues.list(per_page=500, get_all=False)
    assert len(page) == 100


def test_python_gitlab_walks_every_page(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: REST API > Pagination: clients follow `Link` / `x-next-page` to the end."""
    made = {i.iid for i in _make(project, 45)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # python-gitlab warns if a next link points elsewhere
        assert {i.iid for i in project.issues.list(get_all=True, per_page=10)} == made
        lazy = project.issues.list(iterator=True, per_page=20)
        assert {i.iid for i in lazy} == made
        assert lazy.total == 45
        assert lazy.total_pages == 3
    assert fake_gitlab.stats()["by_route"]["GET /api/v4/projects/:id/issues"] == 5 + 3


def test_labels_filter_is_anded(project: Any) -> None:
    """GitLab docs: Issues API > List project issues: `labels` — issues must have all labels."""
    project.issues.create({"title": "both", "labels": "a,b"})
    project.issues.create({"title": "only a", "labels": "a"})
    project.issues.create({"title": "none"})
    assert [i.title for i in project.issues.list(labels=["a", "b"])] == ["both"]
    assert {i.title for i in project.issues.list(labels="a")} == {"both", "only a"}
    assert [i.title for i in project.issues.list(labels="None")] == ["none"]
    assert {i.title for i in project.issues.list(labels="Any")} == {"both", "only a"}


def test_iids_state_confidential_and_milestone_filters(project: Any) -> None:
    """GitLab docs: Issues API > List project issues: `iids[]`, `state`, `confidential`,
    `milestone` (a title, or None / Any)."""
    milestone = project.milestones.create({"title": "T1 2026"})
    one, two, three = _make(project, 3)
    two.state_event = "close"
    two.save()
    three.confidential = True
    three.milestone_id = milestone.id
    three.save()
    assert sorted(i.iid for i in project.issues.list(iids=[one.iid, three.iid])) == \
        [one.iid, three.iid]
    assert [i.iid for i in project.issues.list(state="closed")] == [two.iid]
    assert sorted(i.iid for i in project.issues.list(state="opened")) == [one.iid, three.iid]
    assert [i.iid for i in project.issues.list(confidential=True)] == [three.iid]
    assert [i.iid for i in project.issues.list(milestone="T1 2026")] == [three.iid]
    assert sorted(i.iid for i in project.issues.list(milestone="None")) == [one.iid, two.iid]
    assert [i.iid for i in project.issues.list(milestone="Any")] == [three.iid]


def test_date_filters_are_inclusive(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > List project issues: created_after/before and
    updated_after/before return issues created or updated on or after/before the time."""
    early = project.issues.create({"title": "early"})
    fake_gitlab.clock.advance(hours=1)
    late = project.issues.create({"title": "late"})
    between = iso(fake_gitlab.clock.now() - timedelta(minutes=30))
    assert [i.title for i in project.issues.list(created_after=late.created_at)] == ["late"]
    assert [i.title for i in project.issues.list(created_after=between)] == ["late"]
    assert [i.title for i in project.issues.list(created_before=between)] == ["early"]
    fake_gitlab.clock.advance(hours=1)
    early.title = "early, edited"
    early.save()
    later = iso(fake_gitlab.clock.now() - timedelta(minutes=30))
    assert [i.iid for i in project.issues.list(updated_after=early.updated_at)] == [early.iid]
    assert [i.iid for i in project.issues.list(updated_after=later)] == [early.iid]
    assert [i.iid for i in project.issues.list(updated_before=later)] == [late.iid]


def test_updated_after_with_a_returned_timestamp_sees_the_issue_again(
        project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > List project issues: updated_after is "on or after" and
    GitLab stores microseconds while the JSON shows milliseconds: re-using a returned
    `updated_at` as the cursor returns that issue again."""
    issue = project.issues.create({"title": "Cursor"})
    again = project.issues.list(updated_after=issue.updated_at)
    assert [i.iid for i in again] == [issue.iid]


def test_order_by_and_sort(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > List project issues: order_by created_at|updated_at, sort."""
    first = project.issues.create({"title": "first"})
    fake_gitlab.clock.advance(10)
    second = project.issues.create({"title": "second"})
    fake_gitlab.clock.advance(10)
    first.description = "touched"
    first.save()
    assert [i.iid for i in project.issues.list(sort="asc")] == [first.iid, second.iid]
    assert [i.iid for i in project.issues.list(order_by="updated_at")] == \
        [first.iid, second.iid]
    assert [i.iid for i in project.issues.list(order_by="updated_at", sort="asc")] == \
        [second.iid, first.iid]


def test_invalid_list_parameters_are_400(fake_gitlab: FakeGitLab,
                                         http: requests.Session) -> None:
    """GitLab docs: REST API > Data validation: a value outside the documented set is 400
    {"error": "... does not have a valid value"}."""
    url = f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues"
    headers = {"PRIVATE-TOKEN": "owner-token"}
    answer = http.get(url, params={"order_by": "colour"}, headers=headers)
    assert answer.status_code == 400
    assert answer.json() == {"error": "order_by does not have a valid value"}
    answer = http.get(url, params={"state": "pending"}, headers=headers)
    assert answer.json() == {"error": "state does not have a valid value"}
    answer = http.get(url, params={"created_after": "yesterday"}, headers=headers)
    assert answer.json() == {"error": "created_after is invalid"}


def test_labels_come_back_sorted_and_unknown_ones_are_created(project: Any) -> None:
    """GitLab docs: Issues API > New issue: `labels` — new labels are created; the response
    lists label names sorted."""
    issue = project.issues.create({"title": "x", "labels": "zeta,Alpha,mid"})
    assert issue.labels == ["Alpha", "mid", "zeta"]
    assert {label.name for label in project.labels.list(get_all=True)} == \
        {"Alpha", "mid", "zeta"}


def test_labels_as_string_or_array(project: Any, fake_gitlab: FakeGitLab,
                                   http: requests.Session) -> None:
    """GitLab docs: Issues API > Edit an issue: `labels` is a comma-separated list of names;
    the API also takes a JSON array."""
    issue = project.issues.create({"title": "x"})
    url = f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues/{issue.iid}"
    headers = {"PRIVATE-TOKEN": "owner-token"}
    assert http.put(url, headers=headers, json={"labels": ["b", "a"]}).json()["labels"] == \
        ["a", "b"]
    assert http.put(url, headers=headers, data={"labels": "c, d"}).json()["labels"] == \
        ["c", "d"]
    assert http.put(url, headers=headers, json={"labels": ""}).json()["labels"] == []


def test_add_labels_and_remove_labels(project: Any) -> None:
    """GitLab docs: Issues API > Edit an issue: `add_labels` and `remove_labels`."""
    issue = project.issues.create({"title": "x", "labels": "a,b"})
    issue.add_labels = "c"
    issue.remove_labels = "a"
    issue.save()
    assert project.issues.get(issue.iid).labels == ["b", "c"]


def test_state_event_close_and_reopen(project: Any, gl: gitlab.Gitlab,
                                      fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > Edit an issue: state_event close|reopen sets state,
    closed_at and closed_by."""
    issue = project.issues.create({"title": "x"})
    fake_gitlab.clock.advance(30)
    issue.state_event = "close"
    issue.save()
    closed = project.issues.get(issue.iid)
    assert closed.state == "closed"
    assert closed.closed_at == iso(fake_gitlab.clock.now())
    assert closed.attributes["closed_by"]["username"] == "owner"
    closed.state_event = "reopen"
    closed.save()
    reopened = project.issues.get(issue.iid)
    assert reopened.state == "opened"
    assert reopened.closed_at is None
    assert reopened.attributes["closed_by"] is None


def test_invalid_state_event_is_400(project: Any) -> None:
    """GitLab docs: Issues API > Edit an issue: state_event is one of close, reopen."""
    issue = project.issues.create({"title": "x"})
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        project.issues.update(issue.iid, {"state_event": "archive"})
    assert caught.value.error_message == "state_event does not have a valid value"


def test_edit_without_any_attribute_is_400(project: Any, fake_gitlab: FakeGitLab,
                                           http: requests.Session) -> None:
    """GitLab docs: Issues API > Edit an issue: at least one attribute must be given."""
    issue = project.issues.create({"title": "x"})
    answer = http.put(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues/{issue.iid}",
                      headers={"PRIVATE-TOKEN": "owner-token"}, json={})
    assert answer.status_code == 400
    assert "at least one parameter must be provided" in answer.json()["error"]


def test_due_date_and_milestone_by_global_id(project: Any) -> None:
    """GitLab docs: Issues API > Edit an issue: `milestone_id` is the milestone's global ID;
    0 or null unassigns it. `due_date` is YYYY-MM-DD."""
    project.milestones.create({"title": "decoy"})  # iid 1: an iid would pick this one
    milestone = project.milestones.create({"title": "T2 2026"})
    assert milestone.id != milestone.iid
    issue = project.issues.create({"title": "x"})
    issue.milestone_id = milestone.id
    issue.due_date = "2026-06-30"
    issue.save()
    fetched = project.issues.get(issue.iid)
    assert fetched.milestone["id"] == milestone.id
    assert fetched.milestone["title"] == "T2 2026"
    assert fetched.due_date == "2026-06-30"
    fetched.milestone_id = 0
    fetched.due_date = None
    fetched.save()
    cleared = project.issues.get(issue.iid)
    assert cleared.milestone is None
    assert cleared.due_date is None


def test_updated_at_bumps_on_every_edit(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > Edit an issue: any change updates `updated_at`."""
    issue = project.issues.create({"title": "x"})
    stamps = [issue.updated_at]
    for change in ({"title": "y"}, {"labels": "a"}, {"due_date": "2026-01-01"},
                   {"state_event": "close"}):
        fake_gitlab.clock.advance(5)
        project.issues.update(issue.iid, change)
        stamps.append(project.issues.get(issue.iid).updated_at)
    assert len(set(stamps)) == len(stamps)
    assert stamps == sorted(stamps)


def test_scoped_labels_are_not_exclusive_on_free(project: Any) -> None:
    """GitLab docs: Labels > Scoped labels: a Premium feature; on Free, `status::a` and
    `status::b` are ordinary labels and an issue can carry both."""
    issue = project.issues.create({"title": "x", "labels": "status::a"})
    issue.add_labels = "status::b"
    issue.save()
    assert project.issues.get(issue.iid).labels == ["status::a", "status::b"]


def test_scoped_labels_are_exclusive_on_premium(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Labels > Scoped labels: an issue cannot have two labels of one scope;
    adding one removes the other."""
    fake_gitlab.set_tier("premium")
    issue = project.issues.create({"title": "x", "labels": "status::a,topic"})
    issue.add_labels = "status::b"
    issue.save()
    assert project.issues.get(issue.iid).labels == ["status::b", "topic"]
    nested = project.issues.create({"title": "y", "labels": "a::b::c,a::b::d,a::e"})
    assert nested.labels == ["a::b::d", "a::e"]  # the scope is what precedes the last ::
    events = [(e.label["name"], e.action) for e in issue.resourcelabelevents.list()]
    assert ("status::a", "remove") in events


def test_with_labels_details(project: Any) -> None:
    """GitLab docs: Issues API > List project issues: with_labels_details returns label objects."""
    project.issues.create({"title": "x", "labels": "bug"})
    issue = project.issues.list(with_labels_details=True)[0]
    assert issue.labels[0]["name"] == "bug"
    assert {"id", "name", "color", "description", "text_color"} <= set(issue.labels[0])


def test_no_totals_past_ten_thousand_items(fake_gitlab: FakeGitLab,
                                           http: requests.Session) -> None:
    """GitLab docs: REST API > Pagination > Other pagination headers: for more than 10,000
    items, x-total and x-total-pages are not returned (nor the rel="last" link)."""
    owner = fake_gitlab.state.user_for_token("owner-token")
    assert owner is not None
    for n in range(10_001):
        fake_gitlab.state.create_issue(fake_gitlab.project, owner, title=f"{n}")
    answer = http.get(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                      params={"per_page": 1}, headers={"PRIVATE-TOKEN": "owner-token"})
    assert "x-total" not in answer.headers
    assert "x-total-pages" not in answer.headers
    assert answer.headers["x-next-page"] == "2"
    assert "last" not in answer.links


def test_head_answers_like_get_without_a_body(fake_gitlab: FakeGitLab,
                                              http: requests.Session) -> None:
    """GitLab docs: REST API > Request methods: HEAD is answered on GET endpoints."""
    answer = http.head(f"{fake_gitlab.url}/api/v4/projects/ogp%2Fsuivi/issues",
                       headers={"PRIVATE-TOKEN": "owner-token"})
    assert answer.status_code == 200
    assert answer.headers["x-total"] == "0"
    assert answer.content == b""
