"""`tracker push` and the project's labels and milestones, through the CLI and the fake GitLab.

The push reads which labels and milestones exist partly from the issues themselves (an issue
shows only labels that exist, and its milestone whole); these tests change labels and
milestones on GitLab behind its back, as an owner would, and check that the push still
notices what is gone, puts it back, and leaves alone what people chose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab
import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.plan.load import load_plans
from tracker.status import STATUS_LABELS
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

PLAN = "fr-2015-2017"
COMMITMENT = "fr-2015-2017-22"
LABELS = "GET /api/v4/projects/:id/labels"
MILESTONES = "GET /api/v4/projects/:id/milestones"


@pytest.fixture
def workspace(tracker_repo: Callable[..., Path]) -> Path:
    """A tracker repository holding one shipped plan, configured for the fake GitLab."""
    return tracker_repo(PLAN)


@pytest.fixture
def project(gl: gitlab.Gitlab) -> Any:
    """The project, as its owner sees it through python-gitlab."""
    return gl.projects.get("ogp/suivi")


def push() -> Result:
    """Run `tracker push` in-process; it must succeed."""
    result = CliRunner().invoke(cli, ["push"])
    assert result.exit_code == 0, result.output
    return result


def labels(project: Any) -> dict[str, tuple[str, str | None]]:
    """The project's labels: name → (colour, description)."""
    found = [(lab.name, lab.color, lab.description)
             for lab in project.labels.list(get_all=True)]
    assert len({name for name, _, _ in found}) == len(found)  # never two of one name
    return {name: (color, description) for name, color, description in found}


def managed(project: Any) -> dict[str, Any]:
    """The issues that carry a managed block, by item; each item has one."""
    found: dict[str, list[Any]] = {}
    for issue in project.issues.list(state="all", iterator=True, per_page=100):
        parsed = block.parse(issue.description)
        if parsed:
            found.setdefault(parsed.key, []).append(issue)
    assert all(len(issues) == 1 for issues in found.values()), found
    return {key: issues[0] for key, issues in found.items()}


def writes_of_a_push(fake: FakeGitLab) -> int:
    """Push again; how many writes it sent."""
    fake.reset(counters_only=True)
    push()
    return int(fake.stats()["writes"])


@pytest.mark.parametrize("prefix", ["", "ogp-"])
def test_labels_an_owner_deleted_are_created_again(
        tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, project: Any,
        prefix: str) -> None:
    """Deleting a label takes it off every issue: whether the issues carried it (a
    commitment's label) or not (a status label, left-plan), the next push creates it again,
    as the plan has it; the push after that writes nothing."""
    tracker_repo(PLAN, settings=f"label_prefix: '{prefix}'\n")
    push()
    before = labels(project)
    # the plan's colours, not GitLab's default
    assert before[f"{prefix}status::delayed"][0] == "#e66101"
    assert before[f"{prefix}left-plan"][0] == "#6c757d"
    items = set(managed(project))
    commitment_label = f"{prefix}commitment::{COMMITMENT}"
    gone = (commitment_label, f"{prefix}status::delayed", f"{prefix}left-plan")
    for name in gone:
        project.labels.delete(name)
    assert not any(commitment_label in issue.labels for issue in managed(project).values())

    push()
    assert labels(project) == before
    assert set(managed(project)) == items
    assert writes_of_a_push(fake_gitlab) == 0


def test_a_deleted_sync_label_is_created_again_and_each_issue_gets_it_back(
        workspace: Path, fake_gitlab: FakeGitLab, project: Any) -> None:
    """The sync label is on every issue, so deleting it leaves no issue to prove it exists
    and none listed by it: the push finds the issues by number, creates the label and puts
    it back on each, without a duplicate; then a push writes nothing."""
    push()
    before = labels(project)
    assert before["ogp-tracker"][0] == "#6c757d"  # the plan's colour, not GitLab's default
    items = set(managed(project))
    project.labels.delete("ogp-tracker")

    push()
    assert labels(project) == before
    issues = managed(project)
    assert set(issues) == items
    assert all("ogp-tracker" in issue.labels for issue in issues.values())
    assert writes_of_a_push(fake_gitlab) == 0


def test_the_push_uses_a_label_someone_made_and_never_edits_one_that_exists(
        workspace: Path, fake_gitlab: FakeGitLab, project: Any) -> None:
    """A label of the plan's name that someone made first is used as it is; an owner's new
    colour or description for a label the push made stays: the push only creates labels."""
    project.labels.create({"name": "kind::milestone", "color": "#123456",
                           "description": "Nos jalons"})
    push()
    assert labels(project)["kind::milestone"] == ("#123456", "Nos jalons")
    kinds = Counter(label for issue in managed(project).values() for label in issue.labels
                    if label.startswith("kind::"))
    assert kinds["kind::milestone"] > 0

    project.labels.update("status::complete", {"color": "#000000"})
    project.labels.update(f"plan::{PLAN}", {"description": "Notre plan"})
    chosen = labels(project)
    assert writes_of_a_push(fake_gitlab) == 0
    assert labels(project) == chosen
    assert chosen["status::complete"][0] == "#000000"
    assert chosen[f"plan::{PLAN}"][1] == "Notre plan"


def test_the_plans_milestone_as_the_issues_show_it(
        workspace: Path, fake_gitlab: FakeGitLab, project: Any) -> None:
    """The issues show their milestone with its dates: a due date changed on GitLab goes
    back to the plan's; a milestone renamed on GitLab no longer stands for the plan, so the
    push makes the plan's again (one, not one per run)."""
    push()
    (plan,) = load_plans(workspace / "commitments").plans
    (milestone,) = project.milestones.list(get_all=True)
    assert milestone.title == plan.milestone_title
    due = milestone.due_date
    project.milestones.update(milestone.id, {"due_date": "2030-01-31"})

    push()
    assert project.milestones.get(milestone.id).due_date == due

    project.milestones.update(milestone.id, {"title": "Plan 2015-2017 (renommé)"})
    push()
    titles = Counter(m.title for m in project.milestones.list(get_all=True))
    assert titles == Counter({plan.milestone_title: 1, "Plan 2015-2017 (renommé)": 1})
    assert writes_of_a_push(fake_gitlab) == 0


def test_a_no_op_push_asks_only_for_the_labels_no_issue_shows(
        workspace: Path, fake_gitlab: FakeGitLab, project: Any) -> None:
    """With 300 labels of people's own (four pages of the listing) and each status and
    completion label on some issue, the only label of the plan no issue carries is
    left-plan: a no-op push searches for it alone, and reads the plan's milestone from the
    issues."""
    push()
    for n in range(300):
        project.labels.create({"name": f"équipe-{n:03d}", "color": "#cccccc"})
    issues = list(managed(project).values())
    people = [spec.value for spec in STATUS_LABELS]
    completion = ["not-started", "limited", "substantial", "complete", "withdrawn"]
    for n, value in enumerate(people):
        project.issues.update(issues[n].iid, {"add_labels": f"status::{value}"})
    for n, value in enumerate(completion):
        project.issues.update(issues[n].iid, {"add_labels": f"completion::{value}"})

    fake_gitlab.reset(counters_only=True)
    push()
    stats = fake_gitlab.stats()
    assert stats["writes"] == 0
    assert stats["by_route"].get(LABELS) == 1
    assert MILESTONES not in stats["by_route"]

    project.labels.delete("left-plan")
    push()
    assert "left-plan" in labels(project)


NOTES = "POST /api/v4/projects/:id/issues/:issue_iid/notes"
KEPT = "<!-- ogp-tracker:told kept-edit l "


def carrying(project: Any, name: str) -> set[str]:
    """The items whose issue carries label ``name``."""
    return {key for key, issue in managed(project).items() if name in issue.labels}


def kept_notes(project: Any) -> dict[str, int]:
    """Item → how many notes about a kept edit of its labels its issue has (when any)."""
    found = {key: sum(KEPT in (note.body or "") for note in issue.notes.list(iterator=True))
             for key, issue in managed(project).items()}
    return {key: count for key, count in found.items() if count}


def push_counting_notes(fake: FakeGitLab) -> tuple[Result, int]:
    """Push; its output and how many notes it posted."""
    fake.reset(counters_only=True)
    result = push()
    return result, int(fake.stats()["by_route"].get(NOTES, 0))


@pytest.mark.parametrize(("plans", "name"), [
    ((PLAN,), f"commitment::{COMMITMENT}"),
    ((), "plan::ca-2022-2024"),  # the whole shipped example: a plan's every issue
    ((), "ogp-tracker"),
])
def test_a_plan_label_deleted_in_the_project_goes_back_on_its_issues_without_a_note(
        tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, project: Any,
        plans: tuple[str, ...], name: str) -> None:
    """An administrator deletes a label the plan owns: GitLab takes it off every issue at
    once, which is no owner's edit. The dry run shows each issue's labels as an update, no
    conflict and no note; the push creates the label, puts it back on every issue that
    carried it and posts no note; the push after that writes nothing."""
    tracker_repo(*plans)
    push()
    carriers = carrying(project, name)
    assert len(carriers) > 1
    project.labels.delete(name)
    assert carrying(project, name) == set()

    dry = CliRunner().invoke(cli, ["push", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "CONFLICT" not in dry.output
    assert "tell the owners" not in dry.output
    assert "kept" not in dry.output
    updates = [line for line in dry.output.splitlines() if line.startswith("  update issue #")]
    assert len(updates) == len(carriers)
    assert all(line.endswith(": labels") for line in updates)

    result, notes = push_counting_notes(fake_gitlab)
    assert notes == 0
    assert "kept" not in result.output
    assert carrying(project, name) == carriers
    assert kept_notes(project) == {}
    assert writes_of_a_push(fake_gitlab) == 0


def test_a_label_an_owner_took_off_one_issue_stays_off_even_when_another_is_deleted(
        workspace: Path, fake_gitlab: FakeGitLab, project: Any, gl: gitlab.Gitlab) -> None:
    """An owner takes the commitment's label off one milestone's issue, the label still in
    the project: a kept edit, one note, as before, and it stays off. Then an administrator
    deletes the plan's label: the push puts it back on every issue, that one included,
    without a note; the owner's choice still stands and is not told twice."""
    push()
    commitment, plan = f"commitment::{COMMITMENT}", f"plan::{PLAN}"
    carriers = carrying(project, commitment)
    everyone = set(managed(project))
    key = sorted(carriers - {COMMITMENT})[0]  # a milestone of the commitment
    fake_gitlab.add_user("owner-camille", "reporter", username="camille")
    with gitlab.Gitlab(fake_gitlab.url, private_token="owner-camille") as people:
        issue = people.projects.get("ogp/suivi").issues.get(managed(project)[key].iid)
        issue.labels = [label for label in issue.labels if label != commitment]
        issue.save()

    result, notes = push_counting_notes(fake_gitlab)
    assert notes == 1
    assert "the labels was edited on GitLab; kept" in result.output
    assert carrying(project, commitment) == carriers - {key}
    assert kept_notes(project) == {key: 1}
    assert writes_of_a_push(fake_gitlab) == 0

    project.labels.delete(plan)
    result, notes = push_counting_notes(fake_gitlab)
    assert notes == 0
    assert carrying(project, plan) == everyone
    assert carrying(project, commitment) == carriers - {key}
    assert kept_notes(project) == {key: 1}
    assert writes_of_a_push(fake_gitlab) == 0


@pytest.mark.parametrize("rerun_from", ["same checkout", "another checkout"])
def test_a_push_killed_between_making_the_label_again_and_putting_it_back(
        tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, project: Any,
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        rerun_from: str) -> None:
    """The push that makes a deleted label again is killed after putting it back on one
    issue; then an owner takes it off that issue. The label now exists and most issues lack
    it: the re-run, from the same checkout or from another one without its `.tracker/`
    (a second runner), still tells a deleted label from a person's removal by the issues'
    label events. It puts the label back on the others without a note, and keeps the
    owner's removal with one note."""
    repo = tracker_repo()
    push()
    name = "plan::ca-2022-2024"
    carriers = carrying(project, name)
    project.labels.delete(name)
    # the first write to an issue: before this fix, a note; now, the label put back
    fake_gitlab.add_fault("hold", methods=["POST", "PUT"], route=r"/issues/\d+(/notes)?$",
                          nth=1)
    env = {**os.environ, "GITLAB_TOKEN": "owner-token"}
    process = subprocess.Popen([sys.executable, "-m", "tracker", "push"], cwd=repo, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fake_gitlab.kill_when_held(process)
    assert name in labels(project)
    (restored,) = carrying(project, name)
    assert carrying(project, name) == {restored}
    fake_gitlab.add_user("owner-camille", "reporter", username="camille")
    with gitlab.Gitlab(fake_gitlab.url, private_token="owner-camille") as people:
        issue = people.projects.get("ogp/suivi").issues.get(managed(project)[restored].iid)
        issue.labels = [label for label in issue.labels if label != name]
        issue.save()

    if rerun_from == "another checkout":
        other = tmp_path_factory.mktemp("runner")
        shutil.copytree(repo / "commitments", other / "commitments")
        shutil.copy(repo / "tracker.yml", other / "tracker.yml")
        monkeypatch.chdir(other)
    _, notes = push_counting_notes(fake_gitlab)
    assert notes == 1
    assert carrying(project, name) == carriers - {restored}
    assert kept_notes(project) == {restored: 1}
    assert writes_of_a_push(fake_gitlab) == 0
