"""Property tests of the push planner: random plans, random human edits on GitLab."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.gitlab.model import Issue, LabelNames
from tracker.plan.model import Commitment, Milestone, PartialDate, Plan, PlanSet, Text
from tracker.sync import block
from tracker.sync.actions import Observed, UpdateIssue
from tracker.sync.desired import desired_state
from tracker.sync.planner import plan_push

from sync_simulator import PROJECT, converge, writes  # isort: skip

NAMES = LabelNames()
words = st.text(alphabet="abcdéèxyz ,'«»-", min_size=1, max_size=12).filter(str.strip)
texts = st.builds(lambda fr, en: Text({"fr": fr, "en": en}), words, words)
dates = st.builds(PartialDate, st.integers(2021, 2023), st.integers(1, 12), st.none())


@st.composite
def plan_sets(draw: st.DrawFn) -> PlanSet:
    """A plan with 1-3 commitments, each with a small random tree of milestones."""
    commitments = []
    for number in range(draw(st.integers(1, 3))):
        cid = f"p-{number}"

        def tree(prefix: str, depth: int) -> tuple[Milestone, ...]:
            count = draw(st.integers(0, 2 if depth < 2 else 0))
            return tuple(
                Milestone(id=f"{prefix}.{i}", title=draw(texts), due=draw(st.none() | dates),
                          children=tree(f"{prefix}.{i}", depth + 1))
                for i in range(count))

        commitments.append(Commitment(
            id=cid, plan_id="p", title=draw(texts), lead_institutions=(draw(texts),),
            milestones=tree(cid, 0), themes=tuple(draw(st.lists(texts, max_size=2))),
            stakes=draw(texts)))
    return PlanSet((Plan("p", "FR", Text({"fr": "Plan", "en": "Plan"}), PartialDate(2021, 1),
                         PartialDate(2023, 12), ("fr", "en"), "fr", tuple(commitments)),))


def planner(plans: PlanSet):  # type: ignore[no-untyped-def]
    """The push planner for ``plans``, as a function of the observed state."""
    desired = desired_state(plans, NAMES, None)
    return lambda observed: plan_push(desired, observed)


@st.composite
def human_edits(draw: st.DrawFn, observed: Observed) -> Observed:
    """People work on GitLab: text below the block, their own labels, closing issues."""
    issues = []
    for issue in observed.issues:
        if draw(st.booleans()):
            issue = dataclasses.replace(
                issue,
                description=issue.description + "\n\n" + draw(words),
                labels=(*issue.labels, *draw(st.lists(st.sampled_from(
                    ["priorité", "status::in-progress", "completion::limited", "help wanted"]),
                    max_size=2, unique=True))),
                state=draw(st.sampled_from(["opened", "closed"])),
            )
        issues.append(issue)
    return dataclasses.replace(observed, issues=tuple(issues))


def people_fields(issue: Issue) -> tuple[str, frozenset[str], str]:
    """What people own on an issue: text outside the block, their labels, the state."""
    parsed = block.parse(issue.description)
    assert parsed is not None
    own_labels = frozenset(label for label in issue.labels if not NAMES.is_reserved(label))
    return parsed.before + parsed.after, own_labels, issue.state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_apply_then_plan_again_is_empty_and_people_fields_never_change(
    data: st.DataObject,
) -> None:
    """Push, people edit, YAML changes, push again: converges and keeps people's fields."""
    first, second = data.draw(plan_sets()), data.draw(plan_sets())
    observed = converge(planner(first), Observed(PROJECT))
    assert writes(planner(first)(observed)) == []
    observed = data.draw(human_edits(observed))
    before = {issue.iid: people_fields(issue) for issue in observed.issues}
    for action in planner(second)(observed):
        if isinstance(action, UpdateIssue):
            assert all(NAMES.is_reserved(label) for label in action.remove_labels)
            assert "state_event" not in action.changes
    observed = converge(planner(second), observed)
    assert writes(planner(second)(observed)) == []
    for issue in observed.issues:
        if issue.iid in before:
            assert people_fields(issue) == before[issue.iid]
