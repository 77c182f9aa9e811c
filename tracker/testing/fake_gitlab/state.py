"""The fake GitLab's state: users, projects, issues, notes, labels, milestones, links, events.

Pure Python, no HTTP. One re-entrant lock (:attr:`State.lock`) guards everything; the HTTP
layer holds it for the whole of one API request, so two clients syncing at once each see a
consistent state and writes are serialised as in a database transaction.

Behaviour follows GitLab's documentation and, where the documentation is silent, GitLab's
source (the services named in each docstring). Permission rules (GitLab's permissions table):

* reading a project: anyone (also anonymous) if it is ``public``, any signed-in user if
  ``internal``, members (Guest and up) if ``private``;
* reading a confidential issue: Planner/Reporter and up, its author, its assignees;
* creating an issue or a note: any signed-in user who can read the project (on a public
  project that includes non-members, as on GitLab);
* editing an issue (title, description, state): Planner/Reporter and up, or its author or
  assignee; labels, milestone, due date, assignees and confidentiality ("issue metadata") need
  Planner/Reporter and up and are silently dropped for others, as GitLab's
  ``IssuableBaseService#filter_params`` does;
* internal notes: written and read by Planner/Reporter and up; a lower user who asks for
  ``internal`` gets a public note (GitLab's ``Notes::BuildService`` drops the flag);
* labels and milestones: created and edited by Planner/Reporter and up;
* issue links: Guest and up in both projects; deleting an issue: Owner.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from tracker.testing.fake_gitlab.clock import Clock
from tracker.testing.fake_gitlab.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unprocessable,
    ValidationFailed,
)

# GitLab's access levels (``Gitlab::Access``).
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

# GitLab's ThrottledTouch: a note touches its issue only if it was last updated more than
# this long ago.
TOUCH_INTERVAL = timedelta(seconds=60)
DEFAULT_LABEL_COLOR = "#6699cc"
TITLE_MAX = 255
DESCRIPTION_MAX = 1_048_576
LINK_TYPES = ("relates_to", "blocks", "is_blocked_by")

# First global ids. They are far apart on purpose so that a client mixing an issue's ``id``
# and ``iid``, or a milestone's ``id`` and ``iid``, fails its tests instead of passing by luck.
_ID_STARTS = {
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


# A resource event; both kinds are listed per issue the same way.
_Event = TypeVar("_Event", LabelEvent, StateEvent)


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


def _dedupe(values: Iterable[_T]) -> list[_T]:
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


class State:
    """Everything the fake GitLab knows. Call its methods with :attr:`lock` held (or not:
    every public method takes the re-entrant lock itself)."""

    def __init__(self, clock: Clock, *, tier: str = "free") -> None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}, not {tier!r}")
        self.lock = threading.RLock()
        self.clock = clock
        self.tier = tier
        self.users: dict[int, User] = {}
        self.tokens: dict[str, int] = {}
        self.projects: dict[int, Project] = {}
        self.project_paths: dict[str, int] = {}
        self.issues: dict[int, Issue] = {}
        self.notes: dict[int, Note] = {}
        self.labels: dict[int, Label] = {}
        self.milestones: dict[int, Milestone] = {}
        self.links: dict[int, IssueLink] = {}
        self.label_events: dict[int, LabelEvent] = {}
        self.state_events: dict[int, StateEvent] = {}
        self._counters = dict(_ID_STARTS)

    def _next_id(self, kind: str) -> int:
        self._counters[kind] += 1
        return self._counters[kind]

    def now(self) -> datetime:
        return self.clock.now()

    # ---------------------------------------------------------------- users and projects

    def add_user(self, token: str, *, username: str, name: str | None = None,
                 admin: bool = False) -> User:
        with self.lock:
            if token in self.tokens:
                raise ValueError(f"token {token!r} is already in use")
            if any(u.username == username for u in self.users.values()):
                raise ValueError(f"username {username!r} is already in use")
            user = User(self._next_id("user"), username, name or username, token, self.now(),
                        admin)
            self.users[user.id] = user
            self.tokens[token] = user.id
            return user

    def user_for_token(self, token: str) -> User | None:
        with self.lock:
            user_id = self.tokens.get(token)
            return None if user_id is None else self.users[user_id]

    def add_project(self, path: str, *, visibility: str = "public", name: str | None = None,
                    description: str = "") -> Project:
        if visibility not in ("public", "internal", "private"):
            raise ValueError(f"unknown visibility {visibility!r}")
        with self.lock:
            if path in self.project_paths:
                raise ValueError(f"project {path!r} already exists")
            project = Project(self._next_id("project"), path, name or path.rsplit("/", 1)[-1],
                              visibility, self.now(), description)
            self.projects[project.id] = project
            self.project_paths[path] = project.id
            return project

    def set_member(self, project: Project, user: User, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        with self.lock:
            if ROLES[role] == 0:
                project.members.pop(user.id, None)
            else:
                project.members[user.id] = ROLES[role]

    # ---------------------------------------------------------------- permissions

    def access_level(self, user: User | None, project: Project) -> int:
        if user is None:
            return 0
        if user.admin:
            return OWNER
        return project.members.get(user.id, 0)

    def can_read_project(self, user: User | None, project: Project) -> bool:
        if project.visibility == "public":
            return True
        if project.visibility == "internal":
            return user is not None
        return self.access_level(user, project) >= GUEST

    def can_read_issue(self, user: User | None, issue: Issue) -> bool:
        project = self.projects[issue.project_id]
        if not self.can_read_project(user, project):
            return False
        if not issue.confidential:
            return True
        if user is None:
            return False
        return (self.access_level(user, project) >= PLANNER or issue.author_id == user.id
                or user.id in issue.assignee_ids)

    def can_set_metadata(self, user: User | None, project: Project) -> bool:
        return self.access_level(user, project) >= PLANNER

    def can_update_issue(self, user: User | None, issue: Issue) -> bool:
        if user is None or not self.can_read_issue(user, issue):
            return False
        project = self.projects[issue.project_id]
        return (self.can_set_metadata(user, project) or issue.author_id == user.id
                or user.id in issue.assignee_ids)

    def can_read_internal_notes(self, user: User | None, project: Project) -> bool:
        return self.access_level(user, project) >= PLANNER

    # ---------------------------------------------------------------- look-ups

    def find_project(self, ref: str, viewer: User | None) -> Project:
        """A project by numeric id or full path; 404 also when the viewer may not see it."""
        with self.lock:
            project_id = int(ref) if ref.isdigit() else self.project_paths.get(ref)
            project = self.projects.get(project_id) if project_id is not None else None
            if project is None or not self.can_read_project(viewer, project):
                raise NotFound("Project")
            return project

    def find_issue(self, project: Project, iid: int, viewer: User | None) -> Issue:
        with self.lock:
            issue_id = project.issues_by_iid.get(iid)
            issue = self.issues.get(issue_id) if issue_id is not None else None
            if issue is None or not self.can_read_issue(viewer, issue):
                raise NotFound("Issue")
            return issue

    def issue_labels(self, issue: Issue) -> list[Label]:
        return sorted((self.labels[i] for i in issue.label_ids), key=lambda lab: lab.name)

    def find_label(self, project: Project, name: str) -> Label | None:
        for label_id in project.label_ids:
            if self.labels[label_id].name == name:
                return self.labels[label_id]
        return None

    # ---------------------------------------------------------------- issues

    def list_issues(self, project: Project, viewer: User | None,
                    flt: IssueFilter) -> list[Issue]:
        """Issues of ``project`` the viewer may read, filtered and sorted as GitLab does."""
        with self.lock:
            issues = [self.issues[i] for i in project.issues_by_iid.values()]
            result = [i for i in issues if self.can_read_issue(viewer, i)
                      and self._matches(i, flt)]
            key_name = flt.order_by

            def sort_key(issue: Issue) -> tuple[Any, ...]:
                if key_name == "title":
                    return (issue.title.lower(), issue.id)
                value = getattr(issue, key_name)
                return (value, issue.id)

            if key_name == "due_date":
                # GitLab sorts issues without a due date last, whatever the direction.
                with_date = sorted((i for i in result if i.due_date is not None),
                                   key=sort_key, reverse=flt.sort == "desc")
                return with_date + sorted((i for i in result if i.due_date is None),
                                          key=lambda i: i.id, reverse=flt.sort == "desc")
            return sorted(result, key=sort_key, reverse=flt.sort == "desc")

    def _matches(self, issue: Issue, flt: IssueFilter) -> bool:
        if flt.state is not None and issue.state != flt.state:
            return False
        if flt.iids is not None and issue.iid not in flt.iids:
            return False
        if flt.confidential is not None and issue.confidential != flt.confidential:
            return False
        names = {self.labels[i].name for i in issue.label_ids}
        if flt.labels == "None" and names:
            return False
        if flt.labels == "Any" and not names:
            return False
        if isinstance(flt.labels, list) and not set(flt.labels) <= names:
            return False
        if flt.milestone is not None:
            if flt.milestone == "None":
                if issue.milestone_id is not None:
                    return False
            elif flt.milestone == "Any":
                if issue.milestone_id is None:
                    return False
            elif (issue.milestone_id is None
                  or self.milestones[issue.milestone_id].title != flt.milestone):
                return False
        for moment, bound, after in (
            (issue.created_at, flt.created_after, True),
            (issue.created_at, flt.created_before, False),
            (issue.updated_at, flt.updated_after, True),
            (issue.updated_at, flt.updated_before, False),
        ):
            if bound is not None and (moment < bound if after else moment > bound):
                return False
        if flt.author_id is not None and issue.author_id != flt.author_id:
            return False
        if (flt.author_username is not None
                and self.users[issue.author_id].username != flt.author_username):
            return False
        if flt.assignee_id == "None" and issue.assignee_ids:
            return False
        if flt.assignee_id == "Any" and not issue.assignee_ids:
            return False
        if isinstance(flt.assignee_id, int) and flt.assignee_id not in issue.assignee_ids:
            return False
        if flt.search:
            needle = flt.search.lower()
            haystacks = []
            if "title" in flt.search_in:
                haystacks.append(issue.title)
            if "description" in flt.search_in:
                haystacks.append(issue.description or "")
            if not any(needle in h.lower() for h in haystacks):
                return False
        return True

    def create_issue(self, project: Project, author: User, *, title: str,
                     description: str | None = None, labels: Sequence[str] = (),
                     milestone_id: int | None = None, due_date: date | None = None,
                     assignee_ids: Sequence[int] = (), confidential: bool = False,
                     discussion_locked: bool | None = None, issue_type: str = "issue",
                     created_at: datetime | None = None) -> Issue:
        """``Issues::CreateService``: metadata is dropped for users who may not set it."""
        with self.lock:
            if not self.can_read_project(author, project):
                raise NotFound("Project")
            self._validate_text(title, description)
            if created_at is not None and self.access_level(author, project) < OWNER:
                created_at = None  # "Requires administrator or project/group owner rights"
            now = created_at or self.now()
            issue = Issue(self._next_id("issue"), project.next_issue_iid, project.id, title,
                          description, author.id, now, now, confidential=confidential,
                          issue_type=issue_type)
            if self.can_set_metadata(author, project):
                issue.milestone_id = self._milestone_or_none(project, milestone_id)
                issue.due_date = due_date
                issue.assignee_ids = self._members_only(project, assignee_ids)
                issue.discussion_locked = discussion_locked
            project.next_issue_iid += 1
            self.issues[issue.id] = issue
            project.issues_by_iid[issue.iid] = issue.id
            if labels and self.can_set_metadata(author, project):
                self._set_labels(project, issue, author, _dedupe(labels), at=now)
            return issue

    def _validate_text(self, title: str | None, description: str | None) -> None:
        errors: dict[str, list[str]] = {}
        if title is not None:
            if not title.strip():
                errors["title"] = ["can't be blank"]
            elif len(title) > TITLE_MAX:
                errors["title"] = [f"is too long (maximum is {TITLE_MAX} characters)"]
        if description is not None and len(description) > DESCRIPTION_MAX:
            errors["description"] = [
                f"is too long (maximum is {DESCRIPTION_MAX} characters)"]
        if errors:
            raise ValidationFailed(errors)

    def _milestone_or_none(self, project: Project, milestone_id: int | None) -> int | None:
        # IssuableBaseService#filter_milestone: an id that is not one of the project's
        # milestones (or 0) unsets the milestone rather than failing.
        if milestone_id in (None, 0):
            return None
        return milestone_id if milestone_id in project.milestone_ids else None

    def _members_only(self, project: Project, user_ids: Sequence[int]) -> list[int]:
        return [u for u in _dedupe(user_ids)
                if u in self.users and self.can_read_project(self.users[u], project)]

    def update_issue(self, project: Project, iid: int, user: User,
                     changes: dict[str, Any]) -> Issue:
        """``Issues::UpdateService``. ``changes`` holds only the parameters sent:
        title, description, state_event, labels, add_labels, remove_labels, milestone_id,
        due_date, assignee_ids, confidential, discussion_locked, updated_at.
        """
        with self.lock:
            issue = self.find_issue(project, iid, user)
            if not self.can_update_issue(user, issue):
                raise Forbidden()
            metadata_keys = ("labels", "add_labels", "remove_labels", "milestone_id",
                             "due_date", "assignee_ids", "confidential", "discussion_locked")
            if not self.can_set_metadata(user, project):
                changes = {k: v for k, v in changes.items() if k not in metadata_keys}
            self._validate_text(changes.get("title"), changes.get("description"))
            now = self.now()
            changed = False
            notes: list[str] = []

            if "title" in changes and changes["title"] != issue.title:
                old, new = inline_diff_markers(issue.title, changes["title"])
                notes.append(f"changed title from **{old}** to **{new}**")
                issue.title = changes["title"]
                changed = True
            if "description" in changes and changes["description"] != issue.description:
                if (changes["description"] or "") != (issue.description or ""):
                    notes.append("changed the description")
                issue.description = changes["description"]
                changed = True
            if "confidential" in changes and changes["confidential"] != issue.confidential:
                issue.confidential = changes["confidential"]
                notes.append("made the issue confidential" if issue.confidential
                             else "made the issue visible to everyone")
                changed = True
            if ("discussion_locked" in changes
                    and changes["discussion_locked"] != issue.discussion_locked):
                issue.discussion_locked = changes["discussion_locked"]
                notes.append("locked this issue" if issue.discussion_locked
                             else "unlocked this issue")
                changed = True
            if "milestone_id" in changes:
                milestone_id = self._milestone_or_none(project, changes["milestone_id"])
                if milestone_id != issue.milestone_id:
                    issue.milestone_id = milestone_id
                    changed = True
            if "due_date" in changes and changes["due_date"] != issue.due_date:
                issue.due_date = changes["due_date"]
                notes.append(
                    f"changed due date to {_long_date(issue.due_date)}" if issue.due_date
                    else "removed due date")
                changed = True
            if "assignee_ids" in changes:
                assignees = self._members_only(project, changes["assignee_ids"])
                if assignees != issue.assignee_ids:
                    issue.assignee_ids = assignees
                    changed = True
            if any(k in changes for k in ("labels", "add_labels", "remove_labels")):
                names = [self.labels[i].name for i in issue.label_ids]
                if changes.get("labels") is not None:
                    names = _dedupe(changes["labels"])
                names = _dedupe([*names, *(changes.get("add_labels") or ())])
                removed = set(changes.get("remove_labels") or ())
                names = [n for n in names if n not in removed]
                if self._set_labels(project, issue, user, names, at=now):
                    changed = True

            state_event = changes.get("state_event")
            new_state = None
            if state_event == "close" and issue.state == "opened":
                issue.state, issue.closed_at, issue.closed_by_id = "closed", now, user.id
                new_state = "closed"
            elif state_event == "reopen" and issue.state == "closed":
                issue.state, issue.closed_at, issue.closed_by_id = "opened", None, None
                new_state = "reopened"
            if new_state is not None:
                event = StateEvent(self._next_id("state_event"), issue.id, user.id, new_state,
                                   now)
                self.state_events[event.id] = event
                notes.append(new_state)
                changed = True

            if changed:
                issue.updated_at = now
                if "updated_at" in changes and self.access_level(user, project) >= OWNER:
                    issue.updated_at = changes["updated_at"]
            for body in notes:
                self._add_note(issue, user, body, system=True, internal=False, at=now)
            return issue

    def _set_labels(self, project: Project, issue: Issue, user: User, names: list[str], *,
                    at: datetime) -> bool:
        """Give ``issue`` exactly ``names`` (order = order added), creating unknown labels.

        On the premium tier, scoped labels ``key::value`` are exclusive: of several labels
        with one scope, the last added stays (GitLab EE). On free, all stay, as on GitLab CE.
        Records resource label events; returns whether anything changed.
        """
        wanted: list[Label] = []
        for name in names:
            label = self.find_label(project, name)
            if label is None:
                label = self._create_label(project, name, DEFAULT_LABEL_COLOR, None)
            wanted.append(label)
        if self.tier == "premium":
            last_of_scope = {lab.scope: lab.id for lab in wanted if lab.scope is not None}
            wanted = [lab for lab in wanted
                      if lab.scope is None or last_of_scope[lab.scope] == lab.id]
        new_ids = [lab.id for lab in wanted]
        added = [i for i in new_ids if i not in issue.label_ids]
        removed = [i for i in issue.label_ids if i not in new_ids]
        for label_id, action in [*((i, "add") for i in added),
                                 *((i, "remove") for i in removed)]:
            event = LabelEvent(self._next_id("label_event"), issue.id, user.id, label_id,
                               action, at)
            self.label_events[event.id] = event
        issue.label_ids = new_ids
        return bool(added or removed)

    def delete_issue(self, project: Project, iid: int, user: User) -> None:
        with self.lock:
            issue = self.find_issue(project, iid, user)
            if self.access_level(user, project) < OWNER:
                raise Forbidden()
            del project.issues_by_iid[issue.iid]
            del self.issues[issue.id]
            for note_id in issue.note_ids:
                del self.notes[note_id]
            for link_id in [k for k, v in self.links.items() if issue.id in (v.source_id,
                                                                               v.target_id)]:
                del self.links[link_id]

    # ---------------------------------------------------------------- notes

    def visible_notes(self, issue: Issue, viewer: User | None) -> list[Note]:
        with self.lock:
            project = self.projects[issue.project_id]
            see_internal = self.can_read_internal_notes(viewer, project)
            return [self.notes[i] for i in issue.note_ids
                    if see_internal or not self.notes[i].internal]

    def user_notes_count(self, issue: Issue) -> int:
        # Note.count_for_collection counts every non-system note, internal ones included,
        # whoever asks.
        return sum(1 for i in issue.note_ids if not self.notes[i].system)

    def create_note(self, issue: Issue, author: User, body: str, *, internal: bool = False,
                    created_at: datetime | None = None) -> Note:
        with self.lock:
            project = self.projects[issue.project_id]
            if not self.can_read_issue(author, issue):
                raise NotFound("Issue")
            if issue.discussion_locked and not self.can_set_metadata(author, project):
                raise Forbidden()
            if not body.strip():
                raise ValidationFailed({"note": ["can't be blank"]})
            if internal and not self.can_read_internal_notes(author, project):
                internal = False
            if created_at is not None and self.access_level(author, project) < OWNER:
                created_at = None
            return self._add_note(issue, author, body, system=False, internal=internal,
                                  at=created_at or self.now())

    def _add_note(self, issue: Issue, author: User, body: str, *, system: bool,
                  internal: bool, at: datetime) -> Note:
        note = Note(self._next_id("note"), issue.id, author.id, body, system, internal, at, at)
        self.notes[note.id] = note
        issue.note_ids.append(note.id)
        # Note#touch_noteable through ThrottledTouch.
        now = self.now()
        if now - issue.updated_at > TOUCH_INTERVAL:
            issue.updated_at = now
        return note

    def find_note(self, issue: Issue, note_id: int, viewer: User | None) -> Note:
        with self.lock:
            for note in self.visible_notes(issue, viewer):
                if note.id == note_id:
                    return note
            raise NotFound("Note")

    # ---------------------------------------------------------------- labels

    def _create_label(self, project: Project, name: str, color: str,
                      description: str | None) -> Label:
        label = Label(self._next_id("label"), project.id, name, color, description, self.now())
        self.labels[label.id] = label
        project.label_ids.append(label.id)
        return label

    def create_label(self, project: Project, user: User, *, name: str, color: str,
                     description: str | None = None) -> Label:
        with self.lock:
            if not self.can_set_metadata(user, project):
                raise Forbidden()
            if self.find_label(project, name) is not None:
                raise Conflict("Label already exists")
            errors: dict[str, list[str]] = {}
            if not name.strip():
                errors["title"] = ["can't be blank"]
            elif "," in name:
                errors["title"] = ["is invalid"]
            if not _valid_color(color):
                errors["color"] = ["must be a valid color code"]
            if errors:
                raise ValidationFailed(errors)
            return self._create_label(project, name, _normalise_color(color), description)

    def project_labels(self, project: Project) -> list[Label]:
        with self.lock:
            return sorted((self.labels[i] for i in project.label_ids),
                          key=lambda lab: lab.name.lower())

    def label_issue_counts(self, label: Label) -> tuple[int, int]:
        opened = closed = 0
        project = self.projects[label.project_id]
        for issue_id in project.issues_by_iid.values():
            issue = self.issues[issue_id]
            if label.id in issue.label_ids:
                if issue.state == "opened":
                    opened += 1
                else:
                    closed += 1
        return opened, closed

    # ---------------------------------------------------------------- milestones

    def create_milestone(self, project: Project, user: User, *, title: str,
                         description: str | None = None, due_date: date | None = None,
                         start_date: date | None = None) -> Milestone:
        with self.lock:
            if not self.can_set_metadata(user, project):
                raise Forbidden()
            self._validate_milestone(project, title, None, "create")
            now = self.now()
            milestone = Milestone(self._next_id("milestone"), project.next_milestone_iid,
                                  project.id, title, description, "active", due_date,
                                  start_date, now, now)
            project.next_milestone_iid += 1
            self.milestones[milestone.id] = milestone
            project.milestone_ids.append(milestone.id)
            return milestone

    def _validate_milestone(self, project: Project, title: str, own_id: int | None,
                            verb: str) -> None:
        problem = None
        if not title.strip():
            problem = "{:title=>[\"can't be blank\"]}"
        elif any(self.milestones[i].title == title and i != own_id
                 for i in project.milestone_ids):
            problem = ("{:title=>[\"already being used for another group or project "
                       "milestone.\"]}")
        if problem is not None:
            raise ValidationFailed(f"Failed to {verb} milestone {problem}")

    def find_milestone(self, project: Project, milestone_id: int) -> Milestone:
        with self.lock:
            if milestone_id not in project.milestone_ids:
                raise NotFound("Milestone")
            return self.milestones[milestone_id]

    def list_milestones(self, project: Project, *, state: str = "all",
                        title: str | None = None, search: str | None = None,
                        iids: list[int] | None = None) -> list[Milestone]:
        with self.lock:
            result = []
            for milestone in (self.milestones[i] for i in project.milestone_ids):
                if state != "all" and milestone.state != state:
                    continue
                if title is not None and milestone.title != title:
                    continue
                if search and search.lower() not in (
                        milestone.title + " " + (milestone.description or "")).lower():
                    continue
                if iids is not None and milestone.iid not in iids:
                    continue
                result.append(milestone)
            # MilestonesFinder: due date ascending (none last), then title, then id.
            return sorted(result, key=lambda m: (m.due_date is None, m.due_date or date.min,
                                                 m.title, m.id))

    def update_milestone(self, project: Project, milestone_id: int, user: User,
                         changes: dict[str, Any]) -> Milestone:
        with self.lock:
            milestone = self.find_milestone(project, milestone_id)
            if not self.can_set_metadata(user, project):
                raise Forbidden()
            if "title" in changes:
                self._validate_milestone(project, changes["title"], milestone.id, "update")
            changed = False
            for key in ("title", "description", "due_date", "start_date"):
                if key in changes and getattr(milestone, key) != changes[key]:
                    setattr(milestone, key, changes[key])
                    changed = True
            event = changes.get("state_event")
            if event == "close" and milestone.state != "closed":
                milestone.state, changed = "closed", True
            elif event == "activate" and milestone.state != "active":
                milestone.state, changed = "active", True
            if changed:
                milestone.updated_at = self.now()
            return milestone

    # ---------------------------------------------------------------- issue links

    def links_of(self, issue: Issue, viewer: User | None) -> list[tuple[IssueLink, Issue]]:
        """Linked issues the viewer may read, by link creation time (ascending)."""
        with self.lock:
            result = []
            for link in sorted(self.links.values(), key=lambda k: (k.created_at, k.id)):
                if link.source_id == issue.id:
                    other = self.issues[link.target_id]
                elif link.target_id == issue.id:
                    other = self.issues[link.source_id]
                else:
                    continue
                if self.can_read_issue(viewer, other):
                    result.append((link, other))
            return result

    def create_link(self, source: Issue, target: Issue, user: User,
                    link_type: str = "relates_to") -> IssueLink:
        """``IssueLinks::CreateService``: a second link between the same two issues is a
        409 ``Issue(s) already assigned``; linking an issue to itself is a 422."""
        with self.lock:
            for issue in (source, target):
                project = self.projects[issue.project_id]
                if self.access_level(user, project) < GUEST and not user.admin:
                    raise Forbidden("Couldn't link issue. You must have at least the Guest "
                                    "role in both projects.")
            if any({link.source_id, link.target_id} == {source.id, target.id}
                   for link in self.links.values()):
                raise Conflict("Issue(s) already assigned")
            if source.id == target.id:
                raise Unprocessable(f"{self.reference(target, source)} cannot be added: "
                                    "cannot be related to itself")
            now = self.now()
            link = IssueLink(self._next_id("link"), source.id, target.id, link_type, now, now)
            self.links[link.id] = link
            self._add_note(source, user, "marked this issue as related to "
                           f"{self.reference(target, source)}", system=True, internal=False,
                           at=now)
            self._add_note(target, user, "marked this issue as related to "
                           f"{self.reference(source, target)}", system=True, internal=False,
                           at=now)
            return link

    def find_link(self, issue: Issue, link_id: int) -> IssueLink:
        with self.lock:
            link = self.links.get(link_id)
            if link is None or issue.id not in (link.source_id, link.target_id):
                raise NotFound(message="404 Not found")
            return link

    def delete_link(self, issue: Issue, link_id: int, user: User) -> IssueLink:
        with self.lock:
            link = self.find_link(issue, link_id)
            source, target = self.issues[link.source_id], self.issues[link.target_id]
            for other in (source, target):
                if self.access_level(user, self.projects[other.project_id]) < GUEST:
                    raise Forbidden()
            del self.links[link.id]
            now = self.now()
            self._add_note(source, user, "removed the relation with "
                           f"{self.reference(target, source)}", system=True, internal=False,
                           at=now)
            self._add_note(target, user, "removed the relation with "
                           f"{self.reference(source, target)}", system=True, internal=False,
                           at=now)
            return link

    def reference(self, issue: Issue, from_issue: Issue | None = None) -> str:
        """``#3`` within the same project, ``group/project#3`` across projects."""
        if from_issue is not None and from_issue.project_id == issue.project_id:
            return f"#{issue.iid}"
        return f"{self.projects[issue.project_id].path}#{issue.iid}"

    # ---------------------------------------------------------------- resource events

    def issue_label_events(self, issue: Issue) -> list[LabelEvent]:
        return self._issue_events(self.label_events, issue)

    def issue_state_events(self, issue: Issue) -> list[StateEvent]:
        return self._issue_events(self.state_events, issue)

    def _issue_events(self, events: dict[int, _Event], issue: Issue) -> list[_Event]:
        """The events of ``issue``, oldest first."""
        with self.lock:
            # Events are only ever added, each with a larger id than the last, and never
            # removed: the dict is already in id order.
            return [e for e in events.values() if e.issue_id == issue.id]


def _long_date(value: date) -> str:
    """Ruby's ``Date#to_fs(:long)``: ``November 21, 2026``."""
    return f"{value.strftime('%B')} {value.day}, {value.year}"


_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_CSS_COLORS = {
    "red": "#ff0000", "green": "#008000", "blue": "#0000ff", "yellow": "#ffff00",
    "orange": "#ffa500", "purple": "#800080", "black": "#000000", "white": "#ffffff",
    "gray": "#808080", "grey": "#808080",
}


def _valid_color(color: str) -> bool:
    return bool(_HEX_COLOR.fullmatch(color)) or color.lower() in _CSS_COLORS


def _normalise_color(color: str) -> str:
    return _CSS_COLORS.get(color.lower(), color)


def text_color_for(color: str) -> str:
    """GitLab's ``LabelsHelper#text_color_for_bg``: dark text on light labels."""
    hex_part = color.lstrip("#")
    if len(hex_part) == 3:
        hex_part = "".join(c * 2 for c in hex_part)
    try:
        red, green, blue = (int(hex_part[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#FFFFFF"
    return "#333333" if (red * 299 + green * 587 + blue * 114) / 1000 > 186 else "#FFFFFF"
