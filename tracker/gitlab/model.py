"""What the tracker reads from GitLab, as typed, frozen records. No I/O, no python-gitlab.

The client (:mod:`tracker.gitlab.client`) turns GitLab's JSON into these records at the
boundary, so the sync engine never handles a raw dictionary. A field GitLab must send and did
not (an issue without ``iid``), or a time it wrote oddly, raises :class:`BadAnswer` naming the
operation, never a ``KeyError`` deep inside the pull.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Literal

from tracker.errors import GitLabError
from tracker.status import COMPLETION_SCOPE, STATUS_SCOPE

TITLE_MAX = 255  # GitLab refuses longer issue titles
LABEL_MAX = 200  # and longer label names (Label::NAME_MAX_LENGTH... kept below it)

UserState = Literal["active", "blocked", "banned", "deactivated", "deleted"]


class BadAnswer(GitLabError):
    """GitLab answered, but not with what its API documents (a field missing, a bad time)."""


class AccessLevel(IntEnum):
    """A member's role in a project, as GitLab numbers it (``access_level``)."""

    NONE = 0
    MINIMAL = 5
    GUEST = 10
    PLANNER = 15
    REPORTER = 20
    DEVELOPER = 30
    MAINTAINER = 40
    OWNER = 50

    @property
    def role(self) -> str:
        """The role's name as GitLab's interface shows it."""
        return _ROLE_NAMES[self]

    @classmethod
    def of(cls, value: int) -> AccessLevel:
        """The level for ``value``; an unknown number counts as the highest level below it."""
        try:
            return cls(value)
        except ValueError:
            return max((level for level in cls if level <= value), default=cls.NONE)


_ROLE_NAMES = {
    AccessLevel.NONE: "not a member", AccessLevel.MINIMAL: "Minimal access",
    AccessLevel.GUEST: "Guest", AccessLevel.PLANNER: "Planner",
    AccessLevel.REPORTER: "Reporter", AccessLevel.DEVELOPER: "Developer",
    AccessLevel.MAINTAINER: "Maintainer", AccessLevel.OWNER: "Owner",
}

# The role the tracker's token needs: it labels and edits issues, creates labels and
# milestones. Members at this level or above count as "the administration" in the report.
NEEDED_ROLE = AccessLevel.REPORTER


# --- parsing helpers ------------------------------------------------------------------------


def parse_time(value: Any, what: str) -> dt.datetime:
    """A GitLab time (ISO 8601, ``Z`` or an offset) as an aware datetime."""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            # A time without a zone is GitLab's UTC written carelessly; assume UTC.
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    raise BadAnswer(f"{what}: GitLab sent {_shown(value)} where a date and time belongs; "
                    "is the address that of a GitLab (API v4)?", operation=what)


def _optional_time(value: Any, what: str) -> dt.datetime | None:
    return None if value in (None, "") else parse_time(value, what)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _need(data: Mapping[str, Any], key: str, what: str) -> Any:
    if not isinstance(data, Mapping):
        raise BadAnswer(f"{what}: GitLab sent {_shown(data)} where an object belongs",
                        operation=what)
    value = data.get(key)
    if value is None:
        raise BadAnswer(f"{what}: GitLab's answer has no {key!r}; is the address that of a "
                        "GitLab (API v4), and is it up to date?", operation=what)
    return value


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value = _need(data, key, what)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadAnswer(f"{what}: GitLab's {key!r} is {_shown(value)}, not a number",
                        operation=what)
    try:
        return int(value)
    except ValueError:
        raise BadAnswer(f"{what}: GitLab's {key!r} is {_shown(value)}, not a number",
                        operation=what) from None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A GitLab user, as issues and notes name their author."""

    id: int
    username: str
    name: str = ""
    state: UserState | str = "active"

    @property
    def is_active(self) -> bool:
        """False for a blocked, banned, deactivated or deleted (Ghost) account."""
        return self.state == "active" and self.username != "ghost"

    @classmethod
    def from_json(cls, data: Any, what: str) -> User:
        """A user from GitLab's ``UserBasic`` entity."""
        return cls(id=_int(data, "id", what), username=_text(data, "username"),
                   name=_text(data, "name"), state=_text(data, "state") or "active")


@dataclass(frozen=True)
class Project:
    """The project the tracker works in."""

    id: int
    path: str
    web_url: str
    archived: bool = False
    issues_enabled: bool = True

    @classmethod
    def from_json(cls, data: Any, what: str) -> Project:
        """A project from GitLab's ``Project`` entity."""
        return cls(id=_int(data, "id", what), path=_text(data, "path_with_namespace"),
                   web_url=_text(data, "web_url").rstrip("/"),
                   archived=bool(data.get("archived")),
                   issues_enabled=data.get("issues_enabled") is not False)


@dataclass(frozen=True)
class Issue:
    """An issue, reduced to what the sync reads."""

    iid: int
    title: str
    description: str
    state: str
    labels: tuple[str, ...]
    due_date: str | None
    milestone_id: int | None
    milestone_title: str | None
    web_url: str
    updated_at: dt.datetime | None = None
    user_notes_count: int = 0
    confidential: bool = False
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    moved_to_id: int | None = None
    id: int = 0
    milestone: Milestone | None = None  # as the issue shows it, with its dates

    @classmethod
    def from_json(cls, data: Any, what: str) -> Issue:
        """An issue from GitLab's ``Issue`` entity."""
        iid = _int(data, "iid", what)
        milestone = data.get("milestone") or None
        labels = data.get("labels") or ()
        if not isinstance(labels, list | tuple) or not all(isinstance(x, str) for x in labels):
            raise BadAnswer(f"{what}: issue #{iid}'s labels are {_shown(labels)}, not names",
                            operation=what)
        return cls(
            iid=iid,
            title=_text(data, "title"),
            description=_text(data, "description"),
            state="closed" if data.get("state") == "closed" else "opened",
            labels=tuple(labels),
            due_date=data.get("due_date") or None,
            milestone_id=_int(milestone, "id", what) if milestone else None,
            milestone_title=_text(milestone, "title") if milestone else None,
            web_url=_text(data, "web_url"),
            updated_at=_optional_time(data.get("updated_at"), what),
            user_notes_count=int(data.get("user_notes_count") or 0),
            confidential=bool(data.get("confidential")),
            created_at=_optional_time(data.get("created_at"), what),
            closed_at=_optional_time(data.get("closed_at"), what),
            moved_to_id=data.get("moved_to_id") or None,
            id=int(data.get("id") or 0),
            milestone=Milestone.from_json(milestone, what) if milestone else None,
        )


@dataclass(frozen=True)
class Milestone:
    """A project milestone (the tracker makes one per plan)."""

    id: int
    title: str
    description: str
    start_date: str | None
    due_date: str | None
    state: str
    project_id: int | None = None  # None for a group's milestone

    @classmethod
    def from_json(cls, data: Any, what: str) -> Milestone:
        """A milestone from GitLab's ``Milestone`` entity."""
        project_id = data.get("project_id")
        return cls(id=_int(data, "id", what), title=_text(data, "title"),
                   description=_text(data, "description"),
                   start_date=data.get("start_date") or None,
                   due_date=data.get("due_date") or None,
                   state=_text(data, "state") or "active",
                   project_id=_int(data, "project_id", what) if project_id is not None
                   else None)


@dataclass(frozen=True)
class Note:
    """A comment (or a system note) on an issue."""

    id: int
    body: str
    author: User
    created_at: dt.datetime
    system: bool = False
    internal: bool = False

    @classmethod
    def from_json(cls, data: Any, what: str) -> Note:
        """A note from GitLab's ``Note`` entity (``confidential`` is the old ``internal``)."""
        return cls(id=_int(data, "id", what), body=_text(data, "body"),
                   author=User.from_json(_need(data, "author", what), what),
                   created_at=parse_time(data.get("created_at"), what),
                   system=bool(data.get("system")),
                   internal=bool(data.get("internal") or data.get("confidential")))


@dataclass(frozen=True)
class LabelEvent:
    """A label added to or removed from an issue (a resource label event)."""

    id: int
    label: str
    action: str
    created_at: dt.datetime

    @classmethod
    def from_json(cls, data: Any, what: str) -> LabelEvent:
        """An event from GitLab's ``ResourceLabelEvent`` entity."""
        label = data.get("label") if isinstance(data, Mapping) else None
        return cls(id=_int(data, "id", what),
                   label=_text(label, "name") if isinstance(label, Mapping) else "",
                   action=_text(data, "action"),
                   created_at=parse_time(data.get("created_at"), what))


@dataclass(frozen=True)
class StateEvent:
    """An issue closed or reopened (a resource state event)."""

    id: int
    state: str
    created_at: dt.datetime

    @classmethod
    def from_json(cls, data: Any, what: str) -> StateEvent:
        """An event from GitLab's ``ResourceStateEvent`` entity."""
        return cls(id=_int(data, "id", what), state=_text(data, "state"),
                   created_at=parse_time(data.get("created_at"), what))


@dataclass(frozen=True)
class Member:
    """A member of the project, inherited membership included."""

    user_id: int
    username: str
    access_level: AccessLevel

    @classmethod
    def from_json(cls, data: Any, what: str) -> Member:
        """A member from GitLab's ``Member`` entity."""
        return cls(user_id=_int(data, "id", what), username=_text(data, "username"),
                   access_level=AccessLevel.of(_int(data, "access_level", what)))


@dataclass(frozen=True)
class Label:
    """A project label."""

    id: int
    name: str
    description: str = ""
    color: str = ""

    @classmethod
    def from_json(cls, data: Any, what: str) -> Label:
        """A label from GitLab's ``Label`` entity."""
        return cls(id=_int(data, "id", what), name=_text(data, "name"),
                   description=_text(data, "description"), color=_text(data, "color"))


# --- the tracker's label names --------------------------------------------------------------

RESERVED_SCOPES = ("plan", "commitment", "kind", "lead")


@dataclass(frozen=True)
class LabelNames:
    """The names of the tracker's labels, with the configured prefix."""

    prefix: str = ""

    @property
    def sync(self) -> str:
        """Carried by every issue the tracker manages, from the request that creates it."""
        return f"{self.prefix}ogp-tracker"

    @property
    def left_plan(self) -> str:
        """Added to the issue of an item removed from the YAML (nothing is ever deleted)."""
        return f"{self.prefix}left-plan"

    @property
    def lease(self) -> str:
        """The label whose existence says a push is writing (see :mod:`tracker.sync.lease`)."""
        return f"{self.prefix}ogp-tracker-push-lease"

    def scoped(self, scope: str, value: str) -> str:
        """``scope::value`` with the prefix, made safe for GitLab (no commas, bounded length)."""
        clean = re.sub(r"\s+", " ", value.replace(",", " ")).strip()
        return f"{self.prefix}{scope}::{clean}"[:LABEL_MAX]

    def theme(self, value: str) -> str:
        """Themes are several per issue, so they are plain labels, not exclusive scoped ones."""
        clean = re.sub(r"\s+", " ", value.replace(",", " ")).strip()
        return f"{self.prefix}theme: {clean}"[:LABEL_MAX]

    def is_reserved(self, name: str) -> bool:
        """Whether the YAML owns this label: people's other labels are never touched."""
        return name in (self.sync, self.left_plan) or any(
            name.startswith(f"{self.prefix}{scope}::") for scope in RESERVED_SCOPES
        ) or name.startswith(f"{self.prefix}theme: ")

    def status(self, value: str) -> str:
        """A milestone status label, which people apply."""
        return f"{self.prefix}{STATUS_SCOPE}::{value}"

    def completion(self, value: str) -> str:
        """A commitment completion label, which people apply to override the derived level."""
        return f"{self.prefix}{COMPLETION_SCOPE}::{value}"
