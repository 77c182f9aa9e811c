"""The two status scales people use on GitLab, shared by push (labels), pull and report.

Milestones carry a *status*; commitments carry an OGP *completion level*, derived from their
milestones unless a person sets it with a label. Both are scoped labels that people apply;
the tracker creates the labels but never applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    description_fr: str
    description_en: str


STATUS_SCOPE = "status"
COMPLETION_SCOPE = "completion"

# Colours are chosen to stay distinguishable for colour-blind readers; the name always says it too.
STATUS_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(MilestoneStatus.NOT_STARTED, "#9e9e9e", "Jalon non commencé",
              "Milestone not started"),
    LabelSpec(MilestoneStatus.IN_PROGRESS, "#1f78b4", "Jalon en cours", "Milestone in progress"),
    LabelSpec(MilestoneStatus.COMPLETE, "#33a02c", "Jalon réalisé", "Milestone complete"),
    LabelSpec(MilestoneStatus.DELAYED, "#e66101", "Jalon en retard", "Milestone delayed"),
    LabelSpec(MilestoneStatus.WITHDRAWN, "#5e3c99", "Jalon abandonné", "Milestone withdrawn"),
)

COMPLETION_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(Completion.NOT_STARTED, "#9e9e9e", "Engagement non commencé (niveau OGP)",
              "Commitment not started (OGP level)"),
    LabelSpec(Completion.LIMITED, "#a6cee3", "Réalisation limitée (niveau OGP)",
              "Limited completion (OGP level)"),
    LabelSpec(Completion.SUBSTANTIAL, "#1f78b4", "Réalisation substantielle (niveau OGP)",
              "Substantial completion (OGP level)"),
    LabelSpec(Completion.COMPLETE, "#33a02c", "Engagement réalisé (niveau OGP)",
              "Commitment complete (OGP level)"),
    LabelSpec(Completion.WITHDRAWN, "#5e3c99", "Engagement abandonné (niveau OGP)",
              "Commitment withdrawn (OGP level)"),
)
