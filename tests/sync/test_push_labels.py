"""`tracker push` and the project's labels and milestones, through the CLI and the fake GitLab.

The push reads which labels and milestones exist partly from the issues themselves (an issue
shows only labels that exist, and its milestone whole); these tests change labels and
milestones on GitLab behind its back, as an owner would, and check that the push still
notices what is gone, puts it back, and leaves alone what people chose.
"""

from __future__ import annotations

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
