"""The push planner on its own: desired and observed state in, actions out, no I/O."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tracker.gitlab.model import Issue, LabelNames
from tracker.plan.load import load_plans
from tracker.plan.model import PlanSet
from tracker.sync import block
from tracker.sync.actions import (
    Action,
    CloseDuplicate,
    Conflict,
    CreateIssue,
    CreateLabel,
    CreateMilestone,
    LinkIssues,
    MarkLeftPlan,
    Notice,
    Observed,
    TellOwner,
    UpdateIssue,
)
from tracker.sync.desired import desired_state
from tracker.sync.planner import plan_push

from demo_plan import PLAN  # isort: skip

from sync_simulator import PROJECT, apply, converge, edit, issue_of, writes  # isort: skip


COMMITMENT = """\
id: demo-1
title: {fr: Ouvrir les données, en: Open the data}
lead_institutions:
  - {fr: Ministère, en: Ministry}
stakes: {fr: Des enjeux., en: Stakes.}
milestones:
  - id: demo-1.1
    title: {fr: Publier, en: Publish}
    due: 2022-06
    milestones:
      - id: demo-1.1.1
        title: {fr: Préparer, en: Prepare}
        due: 2022-03
  - id: demo-1.2
    title: {fr: Évaluer, en: Evaluate}
    follow_up: https://gitlab.example/ogp/suivi/-/issues/7
"""

NAMES = LabelNames()


def load(tmp_path: Path, commitment: str = COMMITMENT) -> PlanSet:
    """A one-plan PlanSet from YAML text."""
    folder = tmp_path / "commitments" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yml").write_text(PLAN, encoding="utf-8")
    (folder / "1.yml").write_text(commitment, encoding="utf-8")
    return load_plans(tmp_path / "commitments")


def plan(plans: PlanSet, observed: Observed) -> list[Action]:
    """Plan a push of ``plans`` against ``observed``."""
    return plan_push(desired_state(plans, NAMES, "https://ogp.example"), observed)


def settle(plans: PlanSet, observed: Observed) -> Observed:
    """Push ``plans`` until GitLab matches them."""
    return converge(lambda now: plan(plans, now), observed)


def test_empty_project_gets_labels_milestone_and_one_issue_per_item(tmp_path: Path) -> None:
    """An empty project: labels, the plan's milestone, one create per item, commitment first:
    each milestone's issue is created naming it."""
    actions = plan(load(tmp_path), Observed(PROJECT))
    creates = [a for a in actions if isinstance(a, CreateIssue)]
    assert [a.key for a in creates] == ["demo-1", "demo-1.1", "demo-1.1.1", "demo-1.2"]
    assert [a.parent_key for a in creates] == [None, "demo-1", "demo-1", "demo-1"]
    assert [a.title for a in actions if isinstance(a, CreateMilestone)] == ["Plan d'essai"]
    label_names = {a.name for a in actions if isinstance(a, CreateLabel)}
    assert {"ogp-tracker", "plan::demo", "commitment::demo-1", "status::in-progress",
            "completion::substantial", "left-plan", "kind::milestone"} <= label_names
    first = creates[1]
    assert "ogp-tracker" in first.labels
    assert block.parse(first.description) is not None
    assert first.due_date == "2022-06-30"


def test_created_issue_carries_marker_and_labels_from_the_start(tmp_path: Path) -> None:
    """The create request itself holds the id marker and the sync label."""
    (create,) = [a for a in plan(load(tmp_path), Observed(PROJECT))
                 if isinstance(a, CreateIssue) and a.key == "demo-1"]
    parsed = block.parse(create.description)
    assert parsed is not None
    assert parsed.key == "demo-1"
    assert set(create.labels) == {"ogp-tracker", "plan::demo", "commitment::demo-1",
                                  "kind::commitment", "lead::Ministère"}
    assert "**Engagement demo-1**" in parsed.body
    assert "**Commitment demo-1**" in parsed.body
    assert "[Suivi public](https://ogp.example/fr/demo/commitments/demo-1.html)" in parsed.body


def test_milestones_are_created_naming_their_parent_then_the_checklist_lists_them(
        tmp_path: Path) -> None:
    """The creates name the commitment's issue; a second round only fills the checklist."""
    plans = load(tmp_path)
    observed = apply(Observed(PROJECT), writes(plan(plans, Observed(PROJECT))))
    parent = issue_of(observed, "demo-1").iid
    assert [block.parse(issue_of(observed, key).description).link  # type: ignore[union-attr]
            for key in ("demo-1.1", "demo-1.1.1", "demo-1.2")] == [parent] * 3
    second = writes(plan(plans, observed))
    assert [(type(a).__name__, a.key) for a in second] == [  # type: ignore[attr-defined]
        ("UpdateIssue", "demo-1")]
    observed = apply(observed, second)
    body = issue_of(observed, "demo-1").description
    assert "- [ ] #2 demo-1.1 · Publier\n  - [ ] #3 demo-1.1.1 · Préparer" in body
    assert writes(plan(plans, observed)) == []


def test_a_run_stopped_before_the_checklist_relates_the_milestones_again_first(
        tmp_path: Path) -> None:
    """Created naming their parent, but the checklist does not list them: a later run (which
    cannot know whether the relations were made) makes them again, before the checklist."""
    plans = load(tmp_path)
    observed = apply(Observed(PROJECT), writes(plan(plans, Observed(PROJECT))))
    again = writes(plan(plans, dataclasses.replace(observed, linked=frozenset())))
    assert [(type(a).__name__, a.key) for a in again] == [  # type: ignore[attr-defined]
        ("LinkIssues", "demo-1.1"), ("LinkIssues", "demo-1.1.1"), ("LinkIssues", "demo-1.2"),
        ("UpdateIssue", "demo-1")]
    assert all(a.recorded for a in again if isinstance(a, LinkIssues))
    observed = apply(observed, again)
    assert writes(plan(plans, dataclasses.replace(observed, linked=frozenset()))) == []


def test_yaml_change_updates_only_that_field(tmp_path: Path) -> None:
    """A new title in the YAML becomes one update of the title (and the marker)."""
    observed = settle(load(tmp_path), Observed(PROJECT))
    changed = load(tmp_path, COMMITMENT.replace("{fr: Publier,", "{fr: Publier tout,"))
    actions = writes(plan(changed, observed))
    updates = {a.key: a for a in actions if isinstance(a, UpdateIssue)}
    assert updates["demo-1.1"].fields == ("title",)
    assert updates["demo-1.1"].changes["title"] == "demo-1.1 · Publier tout"
    assert writes(plan(changed, settle(changed, observed))) == []


def test_people_text_and_labels_survive_a_yaml_change(tmp_path: Path) -> None:
    """Text outside the block and people's own labels are kept by an update."""
    observed = settle(load(tmp_path), Observed(PROJECT))
    mine = issue_of(observed, "demo-1.1")
    observed = edit(observed, "demo-1.1", description=mine.description + "\n\nNotes de Camille.",
                    labels=(*mine.labels, "priorité", "status::in-progress"), state="closed")
    changed = load(tmp_path, COMMITMENT.replace("Des enjeux.", "Nouveaux enjeux.")
                   .replace("due: 2022-06", "due: 2022-09"))
    observed = settle(changed, observed)
    after = issue_of(observed, "demo-1.1")
    assert after.description.endswith("\n\nNotes de Camille.")
    assert {"priorité", "status::in-progress"} <= set(after.labels)
    assert (after.state, after.due_date) == ("closed", "2022-09-30")


def test_person_edit_of_a_yaml_field_is_kept_and_reported(tmp_path: Path) -> None:
    """A title edited on GitLab while the YAML is unchanged is kept, with a notice and one
    note to the owners, in the plan's languages, never a second one."""
    plans = load(tmp_path)
    observed = edit(settle(plans, Observed(PROJECT)), "demo-1.2", title="Mon titre")
    actions = plan(plans, observed)
    (tell,) = writes(actions)
    assert isinstance(tell, TellOwner)
    assert (tell.iid, tell.kind, tell.field_name) == (issue_of(observed, "demo-1.2").iid,
                                                      "kept-edit", "title")
    assert "**Sur GitLab, quelqu'un a modifié le titre de ce ticket" in tell.body  # fr first
    assert "**On GitLab, someone changed the title of this issue" in tell.body
    (notice,) = [a for a in actions if isinstance(a, Notice)]
    assert "the title was edited on GitLab; kept" in notice.message
    observed = apply(observed, writes(actions))
    assert writes(plan(plans, observed)) == []


def test_edit_on_both_sides_is_a_conflict_left_alone(tmp_path: Path) -> None:
    """Title edited on GitLab and changed in the YAML: a conflict, nothing written to it."""
    observed = edit(settle(load(tmp_path), Observed(PROJECT)), "demo-1.2", title="Mon titre")
    changed = load(tmp_path, COMMITMENT.replace("{fr: Évaluer,", "{fr: Évaluer enfin,"))
    actions = plan(changed, observed)
    (conflict,) = [a for a in actions if isinstance(a, Conflict)]
    assert (conflict.key, conflict.field_name) == ("demo-1.2", "title")
    assert [type(a) for a in writes(actions) if getattr(a, "key", None) == "demo-1.2"] == [
        TellOwner]


def test_ticking_a_checkbox_in_the_block_is_not_a_conflict(tmp_path: Path) -> None:
    """People may tick the checklist in place; the push only refreshes the ticks."""
    plans = load(tmp_path)
    observed = settle(plans, Observed(PROJECT))
    commitment = issue_of(observed, "demo-1")
    observed = edit(observed, "demo-1",
                    description=commitment.description.replace("- [ ] #2", "- [x] #2"))
    actions = plan(plans, observed)
    assert [a for a in actions if isinstance(a, Conflict | Notice)] == []
    (update,) = writes(actions)
    assert isinstance(update, UpdateIssue)
    assert "- [ ] #2" in str(update.changes["description"])


def test_removed_item_is_labelled_and_noted_never_deleted(tmp_path: Path) -> None:
    """An item gone from the YAML gets the left-plan label and a note, once."""
    observed = settle(load(tmp_path), Observed(PROJECT))
    shorter = load(tmp_path, COMMITMENT.split("  - id: demo-1.2")[0])
    actions = writes(plan(shorter, observed))
    left = [a for a in actions if isinstance(a, MarkLeftPlan)]
    assert [(a.key, a.label) for a in left] == [("demo-1.2", "left-plan")]
    assert "no longer in the action plan" in left[0].note
    observed = settle(shorter, observed)
    assert "left-plan" in issue_of(observed, "demo-1.2").labels
    assert writes(plan(shorter, observed)) == []


def test_the_newer_of_two_issues_claiming_one_id_is_closed(tmp_path: Path) -> None:
    """A duplicated marker: the oldest issue goes on; the newer is closed, its marker disarmed,
    with a note naming the one kept; the next plan writes nothing."""
    plans = load(tmp_path)
    observed = settle(plans, Observed(PROJECT))
    twin = dataclasses.replace(issue_of(observed, "demo-1.1"), iid=99, title="copie")
    observed = dataclasses.replace(observed, issues=(*observed.issues, twin))
    actions = plan(plans, observed)
    (close,) = [a for a in writes(actions) if isinstance(a, CloseDuplicate)]
    assert (close.key, close.iid, close.kept_iid) == ("demo-1.1", 99, 2)
    assert "#2" in close.note
    assert block.parse(close.description) is None
    assert not [a for a in writes(actions) if getattr(a, "iid", None) == 2]


def test_follow_up_issue_is_adopted_not_duplicated(tmp_path: Path) -> None:
    """A follow-up link to an existing issue adopts it and keeps its text below the block."""
    existing = Issue(7, "Évaluation (ancien titre)", "Suivi écrit en 2016.", "opened",
                             ("etalab",), None, None, None, f"{PROJECT}/-/issues/7", "")
    observed = Observed(PROJECT, issues=(), adoptable=(existing,))
    actions = plan(load(tmp_path), observed)
    assert "demo-1.2" not in [a.key for a in actions if isinstance(a, CreateIssue)]
    (adopt,) = [a for a in actions if isinstance(a, UpdateIssue) and a.adopt]
    assert adopt.iid == 7
    assert str(adopt.changes["description"]).endswith("\n\nSuivi écrit en 2016.")
    assert "etalab" not in adopt.remove_labels
    assert "ogp-tracker" in adopt.add_labels


@pytest.mark.parametrize("prefix", ["", "ogp-"])
def test_label_prefix_applies_to_every_managed_label(tmp_path: Path, prefix: str) -> None:
    """With a prefix, every label the tracker creates or applies carries it."""
    names = LabelNames(prefix)
    actions = plan_push(desired_state(load(tmp_path), names, None), Observed(PROJECT))
    applied = {label for a in actions if isinstance(a, CreateIssue) for label in a.labels}
    created = {a.name for a in actions if isinstance(a, CreateLabel)}
    assert all(name.startswith(prefix) for name in applied | created)
    assert f"{prefix}plan::demo" in applied


def _delete_label(observed: Observed, name: str) -> Observed:
    """An administrator deletes project label ``name``: it leaves every issue."""
    issues = tuple(dataclasses.replace(i, labels=tuple(x for x in i.labels if x != name))
                   for i in observed.issues)
    return dataclasses.replace(observed, issues=issues, labels=observed.labels - {name})


def test_a_label_deleted_from_the_project_is_put_back_even_beside_a_yaml_change(
        tmp_path: Path) -> None:
    """The commitment's label deleted while the YAML changed the lead: no one edited the
    labels on GitLab, so the YAML's labels go on every issue, the deleted one included, as
    an update: no conflict, no note."""
    observed = _delete_label(settle(load(tmp_path), Observed(PROJECT)), "commitment::demo-1")
    changed = load(tmp_path, COMMITMENT.replace("{fr: Ministère,", "{fr: Agence,"))
    actions = plan(changed, observed)
    assert not [a for a in actions if isinstance(a, Conflict | TellOwner | Notice)]
    updates = [a for a in actions if isinstance(a, UpdateIssue)]
    assert len(updates) == 4
    assert all("commitment::demo-1" in a.add_labels and "lead::Agence" in a.add_labels
               and a.remove_labels == ("lead::Ministère",) for a in updates)
    assert writes(plan(changed, settle(changed, observed))) == []


def test_a_lost_label_goes_back_beside_a_kept_edit_and_waits_in_a_conflict(
        tmp_path: Path) -> None:
    """An owner took the lead's label off demo-1.1 (kept, told once); the plan's label,
    deleted and made again since, is lost from it without anyone's hand: it goes back, the
    owner's choice stays, and the note's marker is the one the owner's edit alone gives.
    Were the YAML's labels changed too (a conflict), the issue is left as it is."""
    plans = load(tmp_path)
    observed = settle(plans, Observed(PROJECT))
    mine = issue_of(observed, "demo-1.1")
    observed = edit(observed, "demo-1.1",
                    labels=tuple(x for x in mine.labels if x != "lead::Ministère"))
    (told,) = [a for a in writes(plan(plans, observed)) if isinstance(a, TellOwner)]
    observed = edit(observed, "demo-1.1", labels=tuple(
        x for x in mine.labels if x not in ("lead::Ministère", "plan::demo")))
    lost = dataclasses.replace(observed, lost_labels={mine.iid: frozenset({"plan::demo"})})

    actions = writes(plan(plans, lost))
    tell, update = actions
    assert tell == told
    assert isinstance(update, UpdateIssue)
    assert (update.add_labels, update.remove_labels) == (("plan::demo",), ())
    assert update.fields == ("labels put back",)
    back = dataclasses.replace(apply(lost, [update]), told=frozenset({told.marker}))
    assert writes(plan(plans, back)) == []
    assert "lead::Ministère" not in issue_of(back, "demo-1.1").labels

    changed = load(tmp_path, COMMITMENT.replace("{fr: Ministère,", "{fr: Agence,"))
    actions = plan(changed, lost)
    assert [a.key for a in actions if isinstance(a, Conflict)] == ["demo-1.1"]
    assert [(a.add_labels, a.remove_labels) for a in actions
            if isinstance(a, UpdateIssue) and a.key == "demo-1.1"] in ([], [((), ())])
