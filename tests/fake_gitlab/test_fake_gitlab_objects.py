"""Fidelity: labels, milestones, issue links and resource events."""

from __future__ import annotations

from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab


def test_create_and_list_labels(project: Any) -> None:
    """GitLab docs: Labels API > Create a new label / List labels: id, name, color,
    description, text_color; counts only with with_counts."""
    label = project.labels.create({"name": "priorité", "color": "#FF0000",
                                   "description": "À traiter"})
    assert label.name == "priorité"
    assert label.color == "#FF0000"
    assert label.text_color == "#FFFFFF"
    project.issues.create({"title": "x", "labels": "priorité"})
    listed = project.labels.list(with_counts=True)[0]
    assert listed.open_issues_count == 1
    assert listed.closed_issues_count == 0
    assert "open_issues_count" not in project.labels.list()[0].attributes


def test_duplicate_label_is_409(project: Any) -> None:
    """GitLab docs: Labels API > Create a new label: 409 if the label already exists."""
    project.labels.create({"name": "bug", "color": "#FF0000"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.labels.create({"name": "bug", "color": "#00FF00"})
    assert caught.value.response_code == 409
    assert caught.value.error_message == "Label already exists"


def test_auto_created_label_uses_the_default_color(project: Any) -> None:
    """GitLab docs: Issues API > New issue: labels that do not exist are created."""
    project.issues.create({"title": "x", "labels": "new-one"})
    assert project.labels.get("new-one").color == "#6699cc"


def test_milestones_create_list_by_title_and_close(project: Any) -> None:
    """GitLab docs: Milestones API: create, list with `title` and `state`, edit with
    state_event close|activate."""
    milestone = project.milestones.create({"title": "Jalon 1", "due_date": "2026-12-31"})
    project.milestones.create({"title": "Jalon 2"})
    assert milestone.state == "active"
    assert milestone.iid == 1
    assert milestone.due_date == "2026-12-31"
    assert {"id", "iid", "project_id", "title", "description", "state", "created_at",
            "updated_at", "due_date", "start_date", "expired", "web_url"} <= \
        set(milestone.attributes)
    found = project.milestones.list(title="Jalon 1")
    assert [m.id for m in found] == [milestone.id]
    milestone.state_event = "close"
    milestone.save()
    assert [m.title for m in project.milestones.list(state="closed")] == ["Jalon 1"]
    assert [m.title for m in project.milestones.list(state="active")] == ["Jalon 2"]
    milestone.state_event = "activate"
    milestone.save()
    assert project.milestones.get(milestone.id).state == "active"


def test_duplicate_milestone_title_is_400(project: Any) -> None:
    """GitLab docs: Milestones API > Create new milestone: titles are unique in a project."""
    project.milestones.create({"title": "Jalon"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.milestones.create({"title": "Jalon"})
    assert caught.value.response_code == 400
    assert "Failed to create milestone" in caught.value.error_message


def test_link_issues_and_list_them(project: Any) -> None:
    """GitLab docs: Issue links API > Create an issue link / List issue relations: the list
    gives each linked issue with issue_link_id, link_type, link_created_at."""
    source = project.issues.create({"title": "a"})
    target = project.issues.create({"title": "b"})
    made_source, made_target = source.links.create(
        {"target_project_id": project.id, "target_issue_iid": target.iid})
    assert made_source.iid == source.iid
    assert made_target.iid == target.iid
    linked = source.links.list()
    assert [i.iid for i in linked] == [target.iid]
    assert linked[0].link_type == "relates_to"
    assert {"issue_link_id", "link_created_at", "link_updated_at"} <= set(linked[0].attributes)
    assert [i.iid for i in target.links.list()] == [source.iid]  # links are two-way


def test_duplicate_link_is_409(project: Any, fake_gitlab: FakeGitLab,
                               http: requests.Session) -> None:
    """GitLab docs: Issue links API > Create an issue link: linking again answers 409
    {"message": "Issue(s) already assigned"}, also from the other side."""
    source = project.issues.create({"title": "a"})
    target = project.issues.create({"title": "b"})
    source.links.create({"target_project_id": project.id, "target_issue_iid": target.iid})
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        source.links.create({"target_project_id": project.id, "target_issue_iid": target.iid})
    assert caught.value.response_code == 409
    assert caught.value.error_message == "Issue(s) already assigned"
    answer = http.post(
        f"{fake_gitlab.url}/api/v4/projects/{project.id}/issues/{target.iid}/links",
        headers={"PRIVATE-TOKEN": "owner-token"},
        json={"target_project_id": "ogp/suivi", "target_issue_iid": source.iid})
    assert answer.status_code == 409


def test_link_across_projects(gl: gitlab.Gitlab, fake_gitlab: FakeGitLab,
                              project: Any) -> None:
    """GitLab docs: Issue links API: `target_project_id` is an ID or URL-encoded path, and
    the user needs a role in both projects."""
    fake_gitlab.add_project("ogp/autre")
    other = gl.projects.get("ogp/autre")
    target = other.issues.create({"title": "elsewhere"})
    source = project.issues.create({"title": "here"})
    with pytest.raises(gitlab.GitlabCreateError) as caught:  # not a member of ogp/autre yet
        source.links.create({"target_project_id": "ogp/autre", "target_issue_iid": target.iid})
    assert caught.value.response_code == 403
    fake_gitlab.set_role("owner-token", "reporter", project="ogp/autre")
    source.links.create({"target_project_id": "ogp/autre", "target_issue_iid": target.iid})
    assert [n.body for n in source.notes.list() if n.system] == \
        [f"marked this issue as related to ogp/autre#{target.iid}"]


def test_resource_label_events(project: Any) -> None:
    """GitLab docs: Resource label events API > List project issue label events:
    id, user, created_at, resource_type, resource_id, label, action add|remove."""
    issue = project.issues.create({"title": "x", "labels": "a"})
    issue.labels = ["b"]
    issue.save()
    events = issue.resourcelabelevents.list()
    assert [(e.label["name"], e.action) for e in events] == \
        [("a", "add"), ("b", "add"), ("a", "remove")]
    event = events[0]
    assert event.resource_type == "Issue"
    assert event.resource_id == issue.id
    assert event.user["username"] == "owner"
    assert issue.resourcelabelevents.get(event.id).action == "add"


def test_resource_state_events(project: Any) -> None:
    """GitLab docs: Resource state events API > List project issue state events:
    state closed|reopened, resource_type, resource_id, user."""
    issue = project.issues.create({"title": "x"})
    issue.state_event = "close"
    issue.save()
    issue.state_event = "reopen"
    issue.save()
    events = issue.resourcestateevents.list()
    assert [e.state for e in events] == ["closed", "reopened"]
    assert events[0].resource_type == "Issue"
    assert events[0].resource_id == issue.id


def test_blocking_links_are_premium(project: Any, fake_gitlab: FakeGitLab,
                                    http: requests.Session) -> None:
    """GitLab docs: Issue links API: `link_type` relates_to (all tiers); blocks and
    is_blocked_by need Premium."""
    source = project.issues.create({"title": "a"})
    target = project.issues.create({"title": "b"})
    url = f"{fake_gitlab.url}/api/v4/projects/{project.id}/issues/{source.iid}/links"
    body = {"target_project_id": project.id, "target_issue_iid": target.iid,
            "link_type": "blocks"}
    headers = {"PRIVATE-TOKEN": "owner-token"}
    refused = http.post(url, headers=headers, json=body)
    assert refused.status_code == 400
    assert refused.json() == {"error": "link_type does not have a valid value"}
    fake_gitlab.set_tier("premium")
    made = http.post(url, headers=headers, json=body)
    assert made.status_code == 201
    assert made.json()["link_type"] == "blocks"


def test_milestone_id_null_unassigns(project: Any, fake_gitlab: FakeGitLab,
                                     http: requests.Session) -> None:
    """GitLab docs: Issues API > Edit an issue: `milestone_id` 0 or null unassigns it."""
    milestone = project.milestones.create({"title": "M"})
    issue = project.issues.create({"title": "x", "milestone_id": milestone.id})
    assert issue.milestone["id"] == milestone.id
    answer = http.put(f"{fake_gitlab.url}/api/v4/projects/{project.id}/issues/{issue.iid}",
                      headers={"PRIVATE-TOKEN": "owner-token"}, json={"milestone_id": None})
    assert answer.json()["milestone"] is None
