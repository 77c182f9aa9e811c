"""What each page of the public report shows, computed without any I/O.

:func:`build_report` turns the plans, the snapshot (or None before the first pull) and the day
the report is about into plain data: counts, overdue flags, sorted rows and timelines. The
templates only lay it out. Every lookup is by dict, so the work grows with the data, never
with its square.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from tracker.plan.model import (
    Commitment,
    Milestone,
    PartialDate,
    Plan,
    PlanSet,
    Reported,
    Text,
)
from tracker.report.language import guess_language
from tracker.snapshot import (
    NOTICE_CLAIMED_BY_SEVERAL,
    NOTICE_ISSUE_CONFIDENTIAL,
    NOTICE_ISSUE_DELETED,
    NOTICE_ISSUE_MOVED,
    Comment,
    Issue,
    ItemState,
    Project,
    Snapshot,
    StatusChange,
)
from tracker.status import Completion, MilestoneStatus

RECENT_EVENTS = 100  # entries in the site-wide feed and "latest updates"
STALE_AFTER_DAYS = 90  # an unfinished item without any change for this long needs someone
# Status changes of one item closer than this are one decision: owners fix a wrong label in
# a minute or two, and the public should see what they settled on, not the flapping.
COLLAPSE_WINDOW = dt.timedelta(minutes=10)
FOLD_AFTER = 12  # a timeline longer than this is folded per month on the page

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
    # Ties at the same second: GitLab's note id for a comment, else the change's place in
    # the item's history (the pull writes it in GitLab's event order).
    sequence: int = 0
    lang: str | None = None  # the comment's language, when it can be told

    @functools.cached_property  # sorting, the feeds in each language and their ids use it
    def key(self) -> str:
        """A stable id for feeds: the same event keeps it from one build to the next."""
        if self.comment is not None:
            return f"comment-{self.comment.id}"
        return f"status-{self.item_id}-{self.at.isoformat()}"

    def sort_key(self) -> tuple[dt.datetime, int, int, str]:
        """Newest first when sorted in reverse: by time, then GitLab's order, then id.

        Status changes sort before comments of the same instant, so a comment that explains
        a change reads after it.
        """
        return (self.at, self.kind == "comment", self.sequence, self.key)


@dataclass(frozen=True)
class ReportedEvent:
    """Progress the government published about an item before (or outside) the tracker.

    It comes from the plan (``reported:``), not from GitLab, so it is kept apart from the
    tracker's own events: the timeline shows it after them, as what the government said.
    """

    item_id: str
    item_title: Text
    reported: Reported
    place: int = 0  # its place in the plan: reports of one date read in the plan's order

    def sort_key(self) -> tuple[dt.date, int]:
        """Newest first when sorted in reverse; an undated report sorts as the oldest."""
        date = self.reported.date
        return (date.last_day if date else dt.date.min, -self.place)


@dataclass(frozen=True)
class Month:
    """The events of one month of a timeline, newest first; ``first_day`` names the month."""

    first_day: dt.date
    events: tuple[Event, ...]


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
    completed_at: dt.datetime | None = None  # when it was reported complete, if it is
    # Days between the due date and completion (negative: early), or until today while it
    # is overdue; None when there is no due date or it is neither complete nor overdue.
    days_late: int | None = None


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
    # Comments left out because their author is blocked, banned or deleted on GitLab: the
    # page says how many, so a reader who counts on GitLab is not left wondering.
    hidden_comments: int = 0
    reported: tuple[ReportedEvent, ...] = ()  # from the plan, newest first

    @property
    def id(self) -> str:
        """The commitment's YAML id."""
        return self.commitment.id

    @property
    def folded(self) -> bool:
        """Whether the page folds the timeline per month (it is too long to scroll through)."""
        return len(self.timeline) > FOLD_AFTER

    @functools.cached_property  # its page asks in each language
    def months(self) -> tuple[Month, ...]:
        """The timeline grouped by month (UTC), newest month first."""
        months: dict[dt.date, list[Event]] = {}
        for event in self.timeline:
            day = event.at.astimezone(dt.UTC).date()
            months.setdefault(day.replace(day=1), []).append(event)
        return tuple(Month(first, tuple(events)) for first, events in months.items())

    @property
    def total(self) -> int:
        """How many milestones the roadmap has, at every depth."""
        return len(self.milestones)


AttentionKind = Literal[
    "overdue", "stale", "label", "conflict", "kept-edit", "claimed-twice", "not-on-gitlab",
    "confidential", "issue-gone",
]
# The order the attention list shows them in: what blocks the data first, then what is late.
ATTENTION_KINDS: tuple[AttentionKind, ...] = (
    "label", "conflict", "claimed-twice", "issue-gone", "not-on-gitlab", "confidential",
    "kept-edit", "overdue", "stale",
)


@dataclass(frozen=True)
class Attention:
    """One thing about one item that needs a person: what, where, and the detail to act on."""

    kind: AttentionKind
    plan_id: str
    commitment_id: str
    item_id: str
    item_title: Text
    is_commitment: bool
    institution_slugs: tuple[str, ...]  # who is accountable: the milestone's lead, else the
    issue: Issue | None                 # commitment's lead institutions
    days: int | None = None  # days late (overdue) or days without any change (stale)
    due: PartialDate | None = None
    since: dt.datetime | None = None  # the last change of a stale item
    label: str | None = None  # a mistyped label, as it is on GitLab
    suggestion: str | None = None  # the label that was meant, when one is close
    field: str | None = None  # the issue field a conflict or kept edit is about
    code: str | None = None  # the snapshot's notice code, for issue-gone
    other_issues: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """A stable id: the same entry keeps it from one build to the next (feeds use it)."""
        detail = self.label or self.field or self.code or ""
        return f"{self.kind}-{self.item_id}-{detail}"


@dataclass(frozen=True)
class AttentionGroup:
    """An institution's share of a plan's attention list."""

    slug: str
    name: Text
    entries: tuple[Attention, ...]


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
    attention: tuple[Attention, ...] = ()  # in ATTENTION_KINDS order, then by item id

    @property
    def attention_by_institution(self) -> tuple[AttentionGroup, ...]:
        """The attention list split by accountable institution (an entry may be in several)."""
        groups: dict[str, list[Attention]] = {}
        for entry in self.attention:
            for slug in dict.fromkeys(entry.institution_slugs) or ("",):
                groups.setdefault(slug, []).append(entry)
        names = {institution.slug: institution.name for institution in self.institutions}
        return tuple(AttentionGroup(slug, names.get(slug, Text()), tuple(groups[slug]))
                     for slug in sorted(groups))

    @property
    def id(self) -> str:
        """The plan's id (its folder name)."""
        return self.plan.id

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the plan's pages exist in, its primary language first."""
        return self.plan.ordered_languages

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
    stale_after_days: int = STALE_AFTER_DAYS
    # The languages of the site-wide pages: every language of some plan (see site_languages).
    languages: tuple[str, ...] = ("en",)

    def attention(self) -> Iterator[Attention]:
        """Every entry of every plan's attention list."""
        for plan in self.plans:
            yield from plan.attention

    def commitments(self) -> Iterator[CommitmentView]:
        """Every commitment of every plan."""
        for plan in self.plans:
            yield from plan.commitments


def is_overdue(milestone: Milestone, status: MilestoneStatus | None, today: dt.date) -> bool:
    """Due before ``today`` and not reported complete or withdrawn (no update counts as not)."""
    return milestone.due is not None and is_overdue_day(milestone.due, status, today)


def build_report(
    plans: PlanSet, snapshot: Snapshot | None, today: dt.date,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> Report:
    """The whole report model; pure, so tests can check it without writing a page."""
    views = tuple(_plan_view(plan, snapshot, today, stale_after_days) for plan in plans.plans)
    every_timeline = (event for view in views for c in view.commitments for event in c.timeline)
    recent = heapq.nlargest(RECENT_EVENTS, every_timeline, key=Event.sort_key)
    return Report(
        today=today,
        generated_at=snapshot.generated_at if snapshot else None,
        project=snapshot.project if snapshot else None,
        plans=views,
        recent=tuple(recent),
        notices=snapshot.notices if snapshot else (),
        stale_after_days=stale_after_days,
        languages=site_languages(plans),
    )


def site_languages(plans: PlanSet) -> tuple[str, ...]:
    """Every language some plan is written in: the site-wide pages exist in each of them.

    The language most plans have as their primary one comes first (then by first sight), so
    adding a plan in another language does not reorder a site that readers already know.
    A repository without plans still gets an English site.
    """
    primary: defaultdict[str, int] = defaultdict(int)
    seen: dict[str, None] = {}
    for plan in plans.plans:
        primary[plan.primary_language] += 1
        seen.update(dict.fromkeys(plan.ordered_languages))
    order = {lang: n for n, lang in enumerate(seen)}
    return tuple(sorted(seen, key=lambda lang: (-primary[lang], order[lang]))) or ("en",)


def _state(snapshot: Snapshot | None, item_id: str) -> ItemState:
    if snapshot is None:
        return _EMPTY
    return snapshot.items.get(item_id) or _EMPTY


def _plan_view(
    plan: Plan, snapshot: Snapshot | None, today: dt.date, stale_after_days: int
) -> PlanView:
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
        attention=_attention(plan, commitments, snapshot, today, stale_after_days, slugs),
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
    hidden = own.hidden_comments
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
                completed_at=_completed_at(state),
                days_late=_days_late(milestone.due, state, today),
            )
        )
        events.extend(_events(plan.id, commitment.id, milestone.id, milestone.title, False, state))
        notices.extend((milestone.id, notice) for notice in state.notices)
        hidden += state.hidden_comments
        if state.issue:
            updates.append(state.issue.updated_at)
    events.sort(key=Event.sort_key, reverse=True)
    said = [(commitment.id, commitment.title, r) for r in commitment.reported]
    said.extend((milestone.id, milestone.title, r)
                for milestone, _parent in commitment.walk() for r in milestone.reported)
    reported = [ReportedEvent(*where, place=n) for n, where in enumerate(said)]
    reported.sort(key=ReportedEvent.sort_key, reverse=True)
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
        hidden_comments=hidden,
        reported=tuple(reported),
    )


def _completed_at(state: ItemState) -> dt.datetime | None:
    """When the milestone was reported complete: its status change, else the issue's close."""
    if state.status is not MilestoneStatus.COMPLETE:
        return None
    return state.status_since or (state.issue.closed_at if state.issue else None)


def _days_late(due: PartialDate | None, state: ItemState, today: dt.date) -> int | None:
    if due is None:
        return None
    completed = _completed_at(state)
    if completed is not None:
        return (completed.astimezone(dt.UTC).date() - due.last_day).days
    if is_overdue_day(due, state.status, today):
        return (today - due.last_day).days
    return None


def is_overdue_day(due: PartialDate, status: MilestoneStatus | None, today: dt.date) -> bool:
    """:func:`is_overdue` for a due date alone."""
    return status not in _FINISHED and due.last_day < today


def _events(
    plan_id: str, commitment_id: str, item_id: str, title: Text, is_commitment: bool,
    state: ItemState,
) -> Iterator[Event]:
    where = (plan_id, commitment_id, item_id, title, is_commitment)
    for index, change in _settled(state.history):
        yield Event(change.since, "status", *where, status=change.status, sequence=index)
    for comment in state.comments:
        yield Event(comment.created_at, "comment", *where, comment=comment,
                    sequence=comment.id, lang=guess_language(comment.body))


def _settled(history: tuple[StatusChange, ...]) -> Iterator[tuple[int, StatusChange]]:
    """The changes a person settled on: each burst within COLLAPSE_WINDOW keeps its last one.

    History is oldest first. A settled change equal to the one before it is no change at
    all (Complete, Not started, Complete in a minute), so it is left out too.
    """
    shown: str | None = None
    for index, change in enumerate(history):
        following = history[index + 1] if index + 1 < len(history) else None
        if following is not None and following.since - change.since <= COLLAPSE_WINDOW:
            continue
        if change.status == shown:
            continue
        shown = change.status
        yield index, change


_GONE = frozenset({NOTICE_ISSUE_DELETED, NOTICE_ISSUE_MOVED})
_FINISHED_LEVELS = frozenset({Completion.COMPLETE, Completion.WITHDRAWN})


def _attention(
    plan: Plan, commitments: tuple[CommitmentView, ...], snapshot: Snapshot | None,
    today: dt.date, stale_after_days: int, institutions: _InstitutionIndex,
) -> tuple[Attention, ...]:
    """What needs a person in this plan, most blocking first, then by place in the plan."""
    found: list[tuple[int, Attention]] = []
    for view in commitments:
        items: list[tuple[str, Text, bool, tuple[str, ...], MilestoneRow | None]] = [
            (view.id, view.commitment.title, True, view.institution_slugs, None)]
        for milestone in view.milestones:
            owners = ((institutions.slug(milestone.lead),) if milestone.lead
                      else view.institution_slugs)
            items.append((milestone.milestone.id, milestone.milestone.title, False, owners,
                          milestone))
        for item_id, title, is_commitment, owners, row in items:
            state = _state(snapshot, item_id)
            where = Attention("overdue", plan.id, view.id, item_id, title, is_commitment,
                              owners, state.issue)
            entries = list(_item_attention(where, state, row, snapshot is not None, today,
                                           stale_after_days))
            found.extend((len(found) + n, entry) for n, entry in enumerate(entries))
    rank = {kind: n for n, kind in enumerate(ATTENTION_KINDS)}
    found.sort(key=lambda pair: (rank[pair[1].kind], -(pair[1].days or 0), pair[0]))
    return tuple(entry for _order, entry in found)


def _item_attention(
    where: Attention, state: ItemState, row: MilestoneRow | None, pulled: bool,
    today: dt.date, stale_after_days: int,
) -> Iterator[Attention]:
    """The attention entries of one item; ``where`` carries its place, any kind."""
    def entry(kind: AttentionKind, **detail: object) -> Attention:
        return replace(where, kind=kind, **detail)  # type: ignore[arg-type]

    for problem in state.label_problems:
        yield entry("label", label=problem.label, suggestion=problem.suggestion)
    for finding in state.push_findings:
        yield entry(finding.kind, field=finding.field)
    if state.other_issues or NOTICE_CLAIMED_BY_SEVERAL in state.notices:
        yield entry("claimed-twice", other_issues=state.other_issues)
    gone = [code for code in state.notices if code in _GONE]
    for code in gone:
        yield entry("issue-gone", code=code)
    confidential = NOTICE_ISSUE_CONFIDENTIAL in state.notices
    if confidential:
        yield entry("confidential")
    if pulled and state.issue is None and not gone and not confidential:
        yield entry("not-on-gitlab")
    if row is not None and row.overdue and row.milestone.due is not None:
        yield entry("overdue", days=(today - row.milestone.due.last_day).days,
                    due=row.milestone.due)
    finished = state.status in _FINISHED or state.completion in _FINISHED_LEVELS
    if state.issue is not None and not finished:
        last = max((state.issue.updated_at, *(c.since for c in state.history),
                    *(c.created_at for c in state.comments)))
        idle = (today - last.astimezone(dt.UTC).date()).days
        if idle >= stale_after_days:
            yield entry("stale", days=idle, since=last)


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
        self._order = plan.ordered_languages
        self._slugs: dict[str, str] = {}
        self._names: dict[str, Text] = {}

    def _identity(self, name: Text) -> str:
        picked = name.pick(self._order[0], (*self._order[1:], *sorted(name.values)))
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
