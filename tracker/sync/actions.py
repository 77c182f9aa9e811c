"""What GitLab holds (observed) and what the push will do about it (actions).

The observed records are :mod:`tracker.gitlab.model`'s.

These are plain values: the planner turns desired + observed into actions without I/O, the
applier performs them, and ``tracker push --dry-run`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tracker.gitlab.model import Issue, Milestone
from tracker.sync.identity import Identity


@dataclass(frozen=True)
class Observed:
    """Everything the planner needs to know about the GitLab project."""

    project_url: str
    issues: tuple[Issue, ...] = ()
    labels: frozenset[str] = frozenset()  # names known to exist: each the plan needs, if it does
    milestones: tuple[Milestone, ...] = ()  # the project's, at least those of the plans
    adoptable: tuple[Issue, ...] = ()  # follow-up issues not yet managed
    identity: Identity | None = None  # which issue follows which item (None: from ``issues``)
    told: frozenset[str] = frozenset()  # markers of the notes to owners already on the issues
    linked: frozenset[int] = frozenset()  # issues a push has related to their parent already
    # per issue, labels of the plan it lacks that nobody took off it (see push.lost_labels)
    lost_labels: Mapping[int, frozenset[str]] = field(default_factory=dict)


# --- actions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """Something the push will do (or, for reports, has to tell)."""

    def describe(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form, with the action's type."""
        return {"action": type(self).__name__, **asdict(self)}

    @property
    def writes(self) -> bool:
        """Whether this action sends a write request (reports do not)."""
        return True


@dataclass(frozen=True)
class CreateLabel(Action):
    """Create a project label."""

    name: str
    color: str
    description: str

    def describe(self) -> str:
        return f"create label {self.name!r}"


@dataclass(frozen=True)
class CreateMilestone(Action):
    """Create the GitLab milestone of a plan."""

    plan_id: str
    title: str
    description: str
    start_date: str
    due_date: str

    def describe(self) -> str:
        return f"create milestone {self.title!r} ({self.start_date} to {self.due_date})"


@dataclass(frozen=True)
class UpdateMilestone(Action):
    """Change the dates or description of a plan's milestone."""

    milestone_id: int
    title: str
    changes: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"update milestone {self.title!r}: {', '.join(sorted(self.changes))}"


@dataclass(frozen=True)
class CreateIssue(Action):
    """Create the issue of a commitment or milestone, marker and sync label included.

    A milestone's issue is created already naming its commitment's issue (``link=`` in its
    block), then related to it: ``parent_iid`` when that issue exists, else ``parent_key``,
    the commitment created earlier in the same run.
    """

    key: str
    title: str
    description: str
    labels: tuple[str, ...]
    due_date: str | None
    milestone_title: str
    parent_key: str | None = None
    parent_iid: int | None = None

    def describe(self) -> str:
        return f"create issue for {self.key}: {self.title!r}"


@dataclass(frozen=True)
class UpdateIssue(Action):
    """Change YAML-owned fields of an issue (labels only through add/remove)."""

    key: str
    iid: int
    changes: dict[str, str | None] = field(default_factory=dict)
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # the YAML-owned fields that change, for people to read
    adopt: bool = False
    repair: bool = False  # the issue lost its sync label or managed block: put them back

    def describe(self) -> str:
        verb = "repair" if self.repair else "adopt" if self.adopt else "update"
        shown = {"title": "title", "due date": "due_date", "milestone": "milestone_title"}
        parts = [f"{name} → {self.changes.get(shown[name])!r}"
                 if shown.get(name) in self.changes else name for name in self.fields]
        return f"{verb} issue #{self.iid} ({self.key}): {', '.join(parts) or 'tracking data'}"


@dataclass(frozen=True)
class LinkIssues(Action):
    """Relate a milestone's issue to its commitment's issue."""

    key: str
    iid: int
    target_key: str
    target_iid: int
    recorded: bool = False  # the issue's block names the parent already: only relate them

    def describe(self) -> str:
        return f"link issue #{self.iid} ({self.key}) to #{self.target_iid} ({self.target_key})"


@dataclass(frozen=True)
class MarkLeftPlan(Action):
    """Label an issue whose item left the YAML and say so in a note; never delete it."""

    key: str
    iid: int
    label: str
    note: str
    description: str

    def describe(self) -> str:
        return f"mark issue #{self.iid} ({self.key}) as removed from the plan"


@dataclass(frozen=True)
class Conflict(Action):
    """A YAML-owned field was edited on GitLab and in the YAML: left as it is, reported."""

    key: str
    iid: int
    field_name: str
    message: str

    @property
    def writes(self) -> bool:
        return False

    def describe(self) -> str:
        return f"CONFLICT on issue #{self.iid} ({self.key}), {self.field_name}: {self.message}"


@dataclass(frozen=True)
class Notice(Action):
    """Something people should know; nothing is written because of it."""

    key: str
    message: str

    @property
    def writes(self) -> bool:
        return False

    def describe(self) -> str:
        return f"notice ({self.key}): {self.message}"


@dataclass(frozen=True)
class CloseDuplicate(Action):
    """Close a newer issue that claims an item already followed by an older one."""

    key: str
    iid: int
    kept_iid: int
    note: str
    description: str  # its managed block disarmed, so that it claims nothing any more

    def describe(self) -> str:
        return (f"close issue #{self.iid}: it duplicates #{self.kept_iid}, which follows "
                f"{self.key}")


@dataclass(frozen=True)
class TellOwner(Action):
    """Post one note on an issue about a kept edit or a conflict (never twice: ``marker``)."""

    key: str
    iid: int
    kind: str  # "kept-edit" | "conflict"
    field_name: str
    marker: str
    body: str

    def describe(self) -> str:
        return f"tell the owners on issue #{self.iid} ({self.key}): {self.kind} of the " \
               f"{self.field_name}"
