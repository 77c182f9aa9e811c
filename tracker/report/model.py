"""What each page of the public report shows, computed without any I/O.

:func:`build_report` turns the plans, the snapshot (or None before the first pull) and the day
the report is about into plain data: counts, overdue flags, sorted rows and timelines. The
templates only lay it out. Every lookup is by dict, so the work grows with the data, never
with its square.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from tracker.plan.model import Commitment, Milestone, Plan, PlanSet, Text
from tracker.snapshot import Comment, Issue, ItemState, Project, Snapshot
from tracker.status import Completion, MilestoneStatus

SITE_LANGUAGES: tuple[str, ...] = ("fr", "en")
RECENT_EVENTS = 100  # entries in the site-wide feed and "latest updates"

_EMPTY = ItemState()
_FINISHED = frozenset({MilestoneStatus.COMPLETE, MilestoneStatus.WITHDRAWN})


@dataclass(frozen=True)
class Event:
    """One entry of a timeline: an item took a status, or someone commented on it."""

    at: dt.datetime
    kind: Literal["status", "comment"]
    plan_id: str
    commitment_id: str
    item_id: str
    item_title: Text
    is_commitment: bool
    status: str | None = None  # a MilestoneStatus or, for a commitment, a Completion value
    comment: Comment | None = None

    @property
    def key(self) -> str:
        """A stable id for feeds: the same event keeps it from one build to the next."""
        if self.comment is not None:
            return f"comment-{self.comment.id}"
        return f"status-{self.item_id}-{self.at.isoformat()}"

    def sort_key(self) -> tuple[dt.datetime, str]:
        """Newest first when sorted in reverse; ties broken by key so order is stable."""
        return (self.at, self.key)


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone as the tables show it."""

    milestone: Milestone
    commitment_id: str
    parent_id: str | None
    depth: int
    lead: Text
    status: MilestoneStatus | None
    status_since: dt.datetime | None
    overdue: bool
    issue: Issue | None
    notices: tuple[str, ...]


@dataclass(frozen=True)
class CommitmentView:
    """A commitment with everything its page and its table row show."""

    commitment: Commitment
    plan_id: str
    completion: Completion | None
    completion_source: str | None
    completion_since: dt.datetime | None
    issue: Issue | None
    milestones: tuple[MilestoneRow, ...]
    done: int
    overdue: int
    last_update: dt.datetime | None
    timeline: tuple[Event, ...]  # newest first
    comment_count: int
    notices: tuple[tuple[str, str], ...]  # (item id, notice)
    institution_slugs: tuple[str, ...]

    @property
    def id(self) -> str:
        """The commitment's YAML id."""
        return self.commitment.id

    @property
    def total(self) -> int:
        """How many milestones the roadmap has, at every depth."""
        return len(self.milestones)


@dataclass(frozen=True)
class Institution:
    """A lead institution: the commitments it leads and the milestones it is in charge of."""

    slug: str
    name: Text
    commitments: tuple[CommitmentView, ...]
    milestones: tuple[MilestoneRow, ...]


@dataclass(frozen=True)
class PlanView:
    """A plan's overview page."""

    plan: Plan
    commitments: tuple[CommitmentView, ...]
    status_counts: tuple[tuple[MilestoneStatus | None, int], ...]  # None: no update yet
    completion_counts: tuple[tuple[Completion | None, int], ...]
    milestone_total: int
    overdue: tuple[MilestoneRow, ...]
    institutions: tuple[Institution, ...]
    last_update: dt.datetime | None

    @property
    def id(self) -> str:
        """The plan's id (its folder name)."""
        return self.plan.id

    @property
    def done(self) -> int:
        """How many milestones of the plan are complete."""
        return sum(view.done for view in self.commitments)


@dataclass(frozen=True)
class Report:
    """Everything the public report shows."""

    today: dt.date
    generated_at: dt.datetime | None  # when the snapshot was taken; None before any pull
    project: Project | None
    plans: tuple[PlanView, ...]
    recent: tuple[Event, ...]  # newest first, across every plan
    notices: tuple[str, ...]

    def commitments(self) -> Iterator[CommitmentView]:
        """Every commitment of every plan."""
        for plan in self.plans:
            yield from plan.commitments


def is_overdue(milestone: Milestone, status: MilestoneStatus | None, today: dt.date) -> bool:
    """Due before ``today`` and not reported complete or withdrawn (no update counts as not)."""
    if milestone.due is None or status in _FINISHED:
        return False
    return milestone.due.last_day < today


def build_report(plans: PlanSet, snapshot: Snapshot | None, today: dt.date) -> Report:
    """The whole report model; pure, so tests can check it without writing a page."""
    views = tuple(_plan_view(plan, snapshot, today) for plan in plans.plans)
    every_timeline = (event for view in views for c in view.commitments for event in c.timeline)
    recent = heapq.nlargest(RECENT_EVENTS, every_timeline, key=Event.sort_key)
    return Report(
        today=today,
        generated_at=snapshot.generated_at if snapshot else None,
        project=snapshot.project if snapshot else None,
        plans=views,
        recent=tuple(recent),
        notices=snapshot.notices if snapshot else (),
    )


def _state(snapshot: Snapshot | None, item_id: str) -> ItemState:
    if snapshot is None:
        return _EMPTY
    return snapshot.items.get(item_id) or _EMPTY


def _plan_view(plan: Plan, snapshot: Snapshot | None, today: dt.date) -> PlanView:
    slugs = _InstitutionIndex(plan)
    commitments = tuple(_commitment_view(c, plan, snapshot, today, slugs) for c in plan.commitments)
    statuses: Counter[MilestoneStatus | None] = Counter()
    completions: Counter[Completion | None] = Counter()
    overdue: list[MilestoneRow] = []
    for view in commitments:
        completions[view.completion] += 1
        for row in view.milestones:
            statuses[row.status] += 1
            if row.overdue:
                overdue.append(row)
    overdue.sort(key=_due_then_id)
    updates = [view.last_update for view in commitments if view.last_update]
    return PlanView(
        plan=plan,
        commitments=commitments,
        status_counts=tuple((s, statuses[s]) for s in (*MilestoneStatus, None)),
        completion_counts=tuple((c, completions[c]) for c in (*Completion, None)),
        milestone_total=sum(statuses.values()),
        overdue=tuple(overdue),
        institutions=slugs.institutions(commitments),
        last_update=max(updates, default=None),
    )


def _due_then_id(row: MilestoneRow) -> tuple[dt.date, str]:
    """Sort key of an overdue row; only rows with a due date are overdue (see is_overdue)."""
    due = row.milestone.due
    assert due is not None
    return due.last_day, row.milestone.id


def _commitment_view(
    commitment: Commitment,
    plan: Plan,
    snapshot: Snapshot | None,
    today: dt.date,
    institutions: _InstitutionIndex,
) -> CommitmentView:
    own = _state(snapshot, commitment.id)
    events = list(_events(plan.id, commitment.id, commitment.id, commitment.title, True, own))
    notices = [(commitment.id, notice) for notice in own.notices]
    updates = [own.issue.updated_at] if own.issue else []
    rows: list[MilestoneRow] = []
    depth_of: dict[str, int] = {}
    for milestone, parent in commitment.walk():
        state = _state(snapshot, milestone.id)
        depth = depth_of[parent.id] + 1 if parent else 0
        depth_of[milestone.id] = depth
        rows.append(
            MilestoneRow(
                milestone=milestone,
                commitment_id=commitment.id,
                parent_id=parent.id if parent else None,
                depth=depth,
                lead=milestone.lead,
                status=state.status,
                status_since=state.status_since,
                overdue=is_overdue(milestone, state.status, today),
                issue=state.issue,
                notices=state.notices,
            )
        )
        events.extend(_events(plan.id, commitment.id, milestone.id, milestone.title, False, state))
        notices.extend((milestone.id, notice) for notice in state.notices)
        if state.issue:
            updates.append(state.issue.updated_at)
    events.sort(key=Event.sort_key, reverse=True)
    if events:
        updates.append(events[0].at)
    return CommitmentView(
        commitment=commitment,
        plan_id=plan.id,
        completion=own.completion,
        completion_source=own.completion_source,
        completion_since=own.status_since,
        issue=own.issue,
        milestones=tuple(rows),
        done=sum(1 for row in rows if row.status is MilestoneStatus.COMPLETE),
        overdue=sum(1 for row in rows if row.overdue),
        last_update=max(updates, default=None),
        timeline=tuple(events),
        comment_count=sum(1 for event in events if event.kind == "comment"),
        notices=tuple(notices),
        institution_slugs=tuple(institutions.slug(name) for name in commitment.lead_institutions),
    )


def _events(
    plan_id: str, commitment_id: str, item_id: str, title: Text, is_commitment: bool,
    state: ItemState,
) -> Iterator[Event]:
    where = (plan_id, commitment_id, item_id, title, is_commitment)
    for change in state.history:
        yield Event(change.since, "status", *where, status=change.status)
    for comment in state.comments:
        yield Event(comment.created_at, "comment", *where, comment=comment)


def slugify(text: str) -> str:
    """An ASCII file name for ``text``: "Ministère de l'Économie" -> "ministere-de-l-economie"."""
    # Accents fall away; any other non-ASCII sign (’, «) separates words like a space.
    ascii_text = "".join(
        char if char.isascii() else ("" if unicodedata.combining(char) else " ")
        for char in unicodedata.normalize("NFKD", text)
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "institution"


class _InstitutionIndex:
    """Gives each institution of a plan one slug, the same in every language.

    Institutions are told apart by their name in the plan's primary language (or the first
    language that has it), so "Etalab" in fr and en is one institution.
    """

    def __init__(self, plan: Plan) -> None:
        self._order = (plan.primary_language, *plan.languages, *SITE_LANGUAGES)
        self._slugs: dict[str, str] = {}
        self._names: dict[str, Text] = {}

    def _identity(self, name: Text) -> str:
        picked = name.pick(self._order[0], self._order[1:])
        return " ".join((picked[0] if picked else "").split()).casefold()

    def slug(self, name: Text) -> str:
        """The slug of this institution, made unique within the plan on first sight."""
        identity = self._identity(name)
        if identity not in self._slugs:
            base = slugify(identity)
            slug, n = base, 2
            while slug in self._names:  # its keys are the slugs given so far
                slug, n = f"{base}-{n}", n + 1
            self._slugs[identity] = slug
            self._names[slug] = name
        return self._slugs[identity]

    def institutions(self, commitments: Iterable[CommitmentView]) -> tuple[Institution, ...]:
        """Each lead institution with what it leads, sorted by slug."""
        led: dict[str, list[CommitmentView]] = {}
        milestones: dict[str, list[MilestoneRow]] = {}
        for view in commitments:
            for slug in dict.fromkeys(view.institution_slugs):
                led.setdefault(slug, []).append(view)
            for row in view.milestones:
                # A milestone belongs to its own lead, else to every lead of its commitment.
                owners = (self.slug(row.lead),) if row.lead else view.institution_slugs
                for slug in dict.fromkeys(owners):
                    milestones.setdefault(slug, []).append(row)
        return tuple(
            Institution(slug, self._names[slug], tuple(led.get(slug, ())),
                        tuple(milestones.get(slug, ())))
            for slug in sorted(set(led) | set(milestones))
        )
