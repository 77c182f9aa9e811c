"""The two status scales people use on GitLab, shared by push (labels), pull and report.

Milestones carry a *status*; commitments carry an OGP *completion level*, derived from their
milestones unless a person sets it with a label. Both are scoped labels that people apply;
the tracker creates the labels but never applies them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tracker.i18n import N_


class MilestoneStatus(StrEnum):
    """Where a milestone stands."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETE = "complete"
    DELAYED = "delayed"
    WITHDRAWN = "withdrawn"


class Completion(StrEnum):
    """The OGP completion level of a commitment (as in IRM reports)."""

    NOT_STARTED = "not-started"
    LIMITED = "limited"
    SUBSTANTIAL = "substantial"
    COMPLETE = "complete"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class LabelSpec:
    """A label the tracker creates for people to use."""

    value: str
    color: str
    description: str  # an English id in the gettext catalogs (context "issue")


STATUS_SCOPE = "status"
COMPLETION_SCOPE = "completion"

# Colours are chosen to stay distinguishable for colour-blind readers; the name always says it too.
STATUS_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(MilestoneStatus.NOT_STARTED, "#9e9e9e", N_("Milestone not started")),
    LabelSpec(MilestoneStatus.IN_PROGRESS, "#1f78b4", N_("Milestone in progress")),
    LabelSpec(MilestoneStatus.COMPLETE, "#33a02c", N_("Milestone complete")),
    LabelSpec(MilestoneStatus.DELAYED, "#e66101", N_("Milestone delayed")),
    LabelSpec(MilestoneStatus.WITHDRAWN, "#5e3c99", N_("Milestone withdrawn")),
)

COMPLETION_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(Completion.NOT_STARTED, "#9e9e9e", N_("Commitment not started (OGP level)")),
    LabelSpec(Completion.LIMITED, "#a6cee3", N_("Limited completion (OGP level)")),
    LabelSpec(Completion.SUBSTANTIAL, "#1f78b4", N_("Substantial completion (OGP level)")),
    LabelSpec(Completion.COMPLETE, "#33a02c", N_("Commitment complete (OGP level)")),
    LabelSpec(Completion.WITHDRAWN, "#5e3c99", N_("Commitment withdrawn (OGP level)")),
)


# --- deriving status from what GitLab says --------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something that happened to an issue: a label added or removed, or a state change."""

    at: dt.datetime
    kind: str  # "add" | "remove" | "closed" | "reopened"
    value: str = ""  # the label's value within its scope, for add and remove
    # GitLab's id of the event: at the same instant, events apply in the order GitLab
    # recorded them, whatever order the listing gave.
    event_id: int = 0


def status_of(closed: bool, labels: list[str]) -> MilestoneStatus:
    """A milestone's status from its state and its status labels (last added wins).

    A closed issue is complete unless labelled withdrawn; an open one takes its label, or is
    not started.
    """
    last = labels[-1] if labels else None
    if last == MilestoneStatus.WITHDRAWN:
        return MilestoneStatus.WITHDRAWN
    if closed:
        return MilestoneStatus.COMPLETE
    try:
        return MilestoneStatus(last) if last else MilestoneStatus.NOT_STARTED
    except ValueError:
        return MilestoneStatus.NOT_STARTED


def replay(created_at: dt.datetime,
           events: list[Event]) -> list[tuple[MilestoneStatus, dt.datetime]]:
    """The status history of a milestone issue: (status, since) each time it changed."""
    closed = False
    labels: list[str] = []
    history = [(MilestoneStatus.NOT_STARTED, created_at)]
    # Label events before state events of the same instant (one update that adds a label and
    # closes records both), each kind in GitLab's id order: the same history on every pull.
    in_order = sorted(events, key=lambda e: (e.at, e.kind in ("closed", "reopened"), e.event_id))
    for event in in_order:
        if event.kind == "add":
            labels = [v for v in labels if v != event.value] + [event.value]
        elif event.kind == "remove":
            labels = [v for v in labels if v != event.value]
        elif event.kind in ("closed", "reopened"):
            closed = event.kind == "closed"
        status = status_of(closed, labels)
        if status != history[-1][0]:
            history.append((status, event.at))
    return history


def completion_of(statuses: list[MilestoneStatus]) -> Completion:
    """The OGP completion level a commitment's milestones add up to.

    Withdrawn milestones do not count. All complete: complete; at least half: substantial;
    any progress: limited; else not started. Only withdrawn milestones: withdrawn.
    """
    counted = [s for s in statuses if s != MilestoneStatus.WITHDRAWN]
    if not counted:
        return Completion.WITHDRAWN if statuses else Completion.NOT_STARTED
    done = sum(s == MilestoneStatus.COMPLETE for s in counted)
    if done == len(counted):
        return Completion.COMPLETE
    if done * 2 >= len(counted):
        return Completion.SUBSTANTIAL
    if any(s != MilestoneStatus.NOT_STARTED for s in counted):
        return Completion.LIMITED
    return Completion.NOT_STARTED
