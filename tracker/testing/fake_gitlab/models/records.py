"""The fake GitLab's records: plain dataclasses, GitLab's access levels and limits.

No behaviour here beyond derived properties; the rules live in the sibling modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

ROLES: dict[str, int] = {
    "none": 0,
    "guest": 10,
    "planner": 15,
    "reporter": 20,
    "developer": 30,
    "maintainer": 40,
    "owner": 50,
}
GUEST, PLANNER, OWNER = ROLES["guest"], ROLES["planner"], ROLES["owner"]
TIERS = ("free", "premium")
USER_STATES = ("active", "blocked", "banned", "deactivated")

# GitLab's ThrottledTouch: a note touches its issue only if it was last updated more than
# this long ago.
TOUCH_INTERVAL = timedelta(seconds=60)
DEFAULT_LABEL_COLOR = "#6699cc"
TITLE_MAX = 255
DESCRIPTION_MAX = 1_048_576
LINK_TYPES = ("relates_to", "blocks", "is_blocked_by")

# First global ids. They are far apart on purpose so that a client mixing an issue's ``id``
# and ``iid``, or a milestone's ``id`` and ``iid``, fails its tests instead of passing by luck.
ID_STARTS = {
    "user": 100,
    "project": 41,
    "issue": 5000,
    "note": 90000,
    "label": 700,
    "milestone": 300,
    "link": 60,
    "label_event": 1200,
    "state_event": 2400,
}


@dataclass
class User:
    id: int
    username: str
    name: str
    token: str
    created_at: datetime
    admin: bool = False
    state: str = "active"  # active | blocked | banned | deactivated (USER_STATES)


@dataclass
class Label:
    id: int
    project_id: int
    name: str
    color: str
    description: str | None
    created_at: datetime

    @property
    def scope(self) -> str | None:
        """The scope of a scoped label ``key::value``: everything before the last ``::``."""
        if "::" not in self.name:
            return None
        return self.name.rsplit("::", 1)[0]


@dataclass
class Milestone:
    id: int
    iid: int
    project_id: int
    title: str
    description: str | None
    state: str  # "active" | "closed"
    due_date: date | None
    start_date: date | None
    created_at: datetime
    updated_at: datetime


@dataclass
class Note:
    id: int
    issue_id: int
    author_id: int
    body: str
    system: bool
    internal: bool
    created_at: datetime
    updated_at: datetime


@dataclass
class Issue:
    id: int
    iid: int
    project_id: int
    title: str
    description: str | None
    author_id: int
    created_at: datetime
    updated_at: datetime
    state: str = "opened"  # "opened" | "closed"
    closed_at: datetime | None = None
    closed_by_id: int | None = None
    label_ids: list[int] = field(default_factory=list)
    milestone_id: int | None = None
    assignee_ids: list[int] = field(default_factory=list)
    due_date: date | None = None
    confidential: bool = False
    discussion_locked: bool | None = None
    issue_type: str = "issue"
    note_ids: list[int] = field(default_factory=list)


@dataclass
class IssueLink:
    id: int
    source_id: int
    target_id: int
    link_type: str
    created_at: datetime
    updated_at: datetime


@dataclass
class LabelEvent:
    id: int
    issue_id: int
    user_id: int
    label_id: int
    action: str  # "add" | "remove"
    created_at: datetime


@dataclass
class StateEvent:
    id: int
    issue_id: int
    user_id: int
    state: str  # "closed" | "reopened"
    created_at: datetime


@dataclass
class Project:
    id: int
    path: str  # full path, e.g. "ogp/suivi"
    name: str
    visibility: str  # "public" | "internal" | "private"
    created_at: datetime
    description: str = ""
    members: dict[int, int] = field(default_factory=dict)  # user id -> access level
    label_ids: list[int] = field(default_factory=list)
    milestone_ids: list[int] = field(default_factory=list)
    issues_by_iid: dict[int, int] = field(default_factory=dict)  # iid -> global issue id
    next_issue_iid: int = 1
    next_milestone_iid: int = 1

    @property
    def namespace(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else self.path


@dataclass
class IssueFilter:
    """The documented filters of *List project issues*."""

    state: str | None = None  # opened | closed | None (all)
    labels: list[str] | str | None = None  # names (ANDed), or "None" / "Any"
    iids: list[int] | None = None
    milestone: str | None = None  # title, or "None" / "Any"
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    confidential: bool | None = None
    author_id: int | None = None
    author_username: str | None = None
    assignee_id: int | str | None = None  # id, or "None" / "Any"
    search: str | None = None
    search_in: tuple[str, ...] = ("title", "description")
    order_by: str = "created_at"
    sort: str = "desc"


_T = TypeVar("_T")


def dedupe(values: Iterable[_T]) -> list[_T]:
    """``values`` without repeats, each where it first appears."""
    return list(dict.fromkeys(values))


def inline_diff_markers(old: str, new: str) -> tuple[str, str]:
    """Mark the changed middle of two one-line strings as GitLab's title notes do.

    GitLab wraps the deleted part of the old title in ``{-...-}`` and the added part of the
    new one in ``{+...+}``. This uses the common prefix and suffix, which matches GitLab
    whenever the change is one contiguous span (the usual case for a title).
    """
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(old), len(new)) - prefix
           and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]):
        suffix += 1

    def mark(text: str, opening: str, closing: str) -> str:
        middle = text[prefix:len(text) - suffix]
        if not middle:
            return text
        return f"{text[:prefix]}{opening}{middle}{closing}{text[len(text) - suffix:]}"

    return mark(old, "{-", "-}"), mark(new, "{+", "+}")
