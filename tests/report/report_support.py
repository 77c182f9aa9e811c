"""The shipped example plans and a snapshot made for them, for the report tests.

A module of its own, not conftest.py: test modules import these names, and another folder's
conftest.py would shadow them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from tracker.plan.load import load_plans
from tracker.plan.model import PlanSet
from tracker.snapshot import (
    Comment,
    Issue,
    ItemState,
    Project,
    Snapshot,
    StatusChange,
)
from tracker.status import Completion, MilestoneStatus

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "commitments"
TODAY = dt.date(2026, 11, 21)
TAKEN = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
GITLAB = "https://gitlab.example.org/ogp/suivi"

# Comment bodies an attacker could write on GitLab; none may survive as active content.
HOSTILE_BODIES = (
    "<script>alert('script')</script>Hello",
    '<img src=x onerror="alert(\'img\')"> and <b onclick="alert(1)">bold</b>',
    "[click me](javascript:alert('link')) and <a href=\"javascript:alert(2)\">raw</a>",
    "<div><p>unclosed <em>broken <table><tr><td>cell",
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>',
)


def example_plans() -> PlanSet:
    """The plans shipped in commitments/."""
    return load_plans(EXAMPLES)


def make_snapshot(plans: PlanSet) -> Snapshot:
    """A deterministic snapshot covering every status, both roles and hostile comments."""
    statuses = itertools.cycle(list(MilestoneStatus))
    levels = itertools.cycle(list(Completion))
    note_ids = itertools.count(1000)
    iids = itertools.count(1)
    items: dict[str, ItemState] = {}

    def issue(day: int) -> Issue:
        iid = next(iids)
        created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        updated = created + dt.timedelta(days=day % 300)
        return Issue(iid, f"{GITLAB}/-/issues/{iid}", "opened", created, updated)

    def comment(body: str, role: str, when: dt.datetime, iid: int) -> Comment:
        note = next(note_ids)
        return Comment(note, f"Person {note}", f"person{note}", when, body,
                       role,  # type: ignore[arg-type]
                       f"{GITLAB}/-/issues/{iid}#note_{note}")

    for n, commitment in enumerate(plans.commitments()):
        own = issue(n)
        since = dt.datetime(2026, 2, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
        level = next(levels)
        bodies = HOSTILE_BODIES if n == 0 else (f"Update **{n}** on [the plan](/ogp/suivi/x).",)
        items[commitment.id] = ItemState(
            issue=own,
            status_since=since,
            history=(StatusChange(str(level), since),),
            completion=level,
            completion_source="label" if n % 2 else "derived",
            comments=tuple(
                comment(body, "civil_society" if k % 2 == 0 else "administration",
                        since + dt.timedelta(hours=k + 1), own.iid)
                for k, body in enumerate(bodies)
            ),
        )
        for m, (milestone, _parent) in enumerate(commitment.walk()):
            status = next(statuses)
            started = since + dt.timedelta(days=m + 1)
            items[milestone.id] = ItemState(
                issue=issue(n + m),
                status=status,
                status_since=started + dt.timedelta(days=1),
                history=(StatusChange("not-started", started),
                         StatusChange(str(status), started + dt.timedelta(days=1))),
            )
    return Snapshot(TAKEN, Project(GITLAB, "ogp/suivi"), items, notices=())
