"""Fidelity: editing and deleting project labels, driven through python-gitlab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]
LABELS = "/api/v4/projects/ogp%2Fsuivi/labels"


def test_delete_label_by_id_removes_it_from_every_issue(project: Any) -> None:
    """GitLab docs: Labels API > Delete a label (204); its label links go with it, so no
    issue keeps it and no remove event is written; the earlier add event shows label null."""
    label = project.labels.create({"name": "status::late", "color": "#ff0000"})
    first = project.issues.create({"title": "A", "labels": "status::late,other"})
    second = project.issues.create({"title": "B", "labels": "status::late"})
    updated_before = project.issues.get(first.iid).updated_at
    project.labels.delete(label.id)
    assert [lab.name for lab in project.labels.list(get_all=True)] == ["other"]
    assert project.issues.get(first.iid).labels == ["other"]
    assert project.issues.get(second.iid).labels == []
    assert project.issues.get(first.iid).updated_at == updated_before
    events = project.issues.get(second.iid).resourcelabelevents.list(get_all=True)
    assert [(e.action, e.label) for e in events] == [("add", None)]


def test_delete_label_by_name(project: Any) -> None:
    """GitLab docs: Labels API: :label_id is the ID or the title of the label."""
    project.labels.create({"name": "needs review", "color": "#00ff00"})
    project.labels.delete("needs review")
    assert project.labels.list(get_all=True) == []


def test_delete_unknown_label_is_404(project: Any) -> None:
    """GitLab docs: REST API > Status codes: {"message": "404 Label Not Found"}."""
    with pytest.raises(gitlab.GitlabDeleteError) as caught:
        project.labels.delete("nope")
    assert caught.value.response_code == 404
    assert caught.value.error_message == "404 Label Not Found"


def test_update_label_renames_everywhere(project: Any) -> None:
    """GitLab docs: Labels API > Edit an existing label: new_name, color, description; issues
    carrying it show the new name."""
    label = project.labels.create({"name": "old", "color": "#ff0000"})
    issue = project.issues.create({"title": "A", "labels": "old"})
    label.new_name = "new"
    label.color = "#00ff00"
    label.description = "Renamed"
    label.save()
    fetched = project.labels.get(label.id)
    assert (fetched.name, fetched.color, fetched.description) == ("new", "#00ff00", "Renamed")
    assert project.issues.get(issue.iid).labels == ["new"]


def test_update_label_needs_one_parameter(fake_gitlab: FakeGitLab, project: Any,
                                          http: requests.Session) -> None:
    """GitLab source: lib/api/labels helpers: at_least_one_of new_name, color, description,
    priority (Grape's 400)."""
    project.labels.create({"name": "x", "color": "#ff0000"})
    answer = http.put(f"{fake_gitlab.url}{LABELS}/x", headers={"PRIVATE-TOKEN": "owner-token"},
                      json={})
    assert answer.status_code == 400
    assert answer.json() == {"error": "new_name, color, description, priority are missing, "
                                      "at least one parameter must be provided"}


def test_rename_to_a_taken_name_is_a_validation_error(project: Any) -> None:
    """GitLab source: Labels::UpdateService then render_validation_error!: 400 with
    {"title": ["has already been taken"]}."""
    project.labels.create({"name": "a", "color": "#ff0000"})
    b = project.labels.create({"name": "b", "color": "#ff0000"})
    b.new_name = "a"
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        b.save()
    assert caught.value.response_code == 400
    assert caught.value.error_message == {"title": ["has already been taken"]}


@pytest.mark.parametrize(("role", "allowed"), [("guest", False), ("planner", True),
                                               ("reporter", True)])
def test_managing_labels_needs_planner_or_reporter(fake_gitlab: FakeGitLab, project: Any,
                                                   client_for: ClientFor, role: str,
                                                   allowed: bool) -> None:
    """GitLab docs: Permissions > Project members: "Manage labels" is Planner, Reporter and
    up; below, the Labels API answers 403."""
    project.labels.create({"name": "a", "color": "#ff0000"})
    fake_gitlab.add_user(f"{role}-token", role)
    theirs = client_for(f"{role}-token").projects.get("ogp/suivi", lazy=True)
    if allowed:
        theirs.labels.update("a", {"new_name": "b"})
        theirs.labels.delete("b")
        assert project.labels.list(get_all=True) == []
        return
    with pytest.raises(gitlab.GitlabUpdateError) as update:
        theirs.labels.update("a", {"new_name": "b"})
    with pytest.raises(gitlab.GitlabDeleteError) as delete:
        theirs.labels.delete("a")
    assert update.value.response_code == delete.value.response_code == 403
    assert [lab.name for lab in project.labels.list(get_all=True)] == ["a"]


def _names(project: Any, search: str) -> list[str]:
    return sorted(lab.name for lab in project.labels.list(get_all=True, search=search))


def test_search_labels_by_name_or_description(project: Any) -> None:
    """GitLab docs: Labels API > List labels: `search`, a keyword to filter labels by; GitLab
    source: BaseLabel.search is Gitlab::SQL::Pattern#fuzzy_search over title and description
    (ORed), case insensitively."""
    project.labels.create({"name": "status::late", "color": "#ff0000"})
    project.labels.create({"name": "Status::Done", "color": "#ff0000"})
    project.labels.create({"name": "review", "color": "#00ff00",
                           "description": "Waiting for the status:: board"})
    project.labels.create({"name": "other", "color": "#0000ff"})
    assert _names(project, "status::") == ["Status::Done", "review", "status::late"]
    assert _names(project, "late") == ["status::late"]
    assert _names(project, "") == ["Status::Done", "other", "review", "status::late"]


def test_search_labels_terms_all_in_one_column_even_one_character(project: Any) -> None:
    """GitLab source: every term must be in the same column (ANDed); BaseLabel overrides
    min_chars_for_partial_matching to 1, so a one-character term is a partial match (the
    issue search would drop it)."""
    project.labels.create({"name": "theme: Open data", "color": "#ff0000"})
    project.labels.create({"name": "open", "color": "#ff0000", "description": "data"})
    project.labels.create({"name": "x-ray", "color": "#ff0000"})
    assert _names(project, "theme: Open data") == ["theme: Open data"]
    assert _names(project, "data open") == ["theme: Open data"]
    assert _names(project, '"open data"') == ["theme: Open data"]
    assert _names(project, "x") == ["x-ray"]
