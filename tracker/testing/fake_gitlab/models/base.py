"""The core of the fake GitLab's state: ids, the clock, users, projects, permissions,
look-ups.
"""

from __future__ import annotations

import threading
from datetime import datetime

from tracker.testing.fake_gitlab.clock import Clock
from tracker.testing.fake_gitlab.errors import NotFound
from tracker.testing.fake_gitlab.models.records import (
    GUEST,
    ID_STARTS,
    OWNER,
    PLANNER,
    ROLES,
    TIERS,
    Issue,
    IssueLink,
    Label,
    LabelEvent,
    Milestone,
    Note,
    Project,
    StateEvent,
    User,
)


class StateBase:
    """Storage, users, projects and GitLab's permission rules; every other model builds on
    it. Call its methods with :attr:`lock` held (or not: every public method takes the
    re-entrant lock itself)."""

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
        self._counters = dict(ID_STARTS)

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


    def reference(self, issue: Issue, from_issue: Issue | None = None) -> str:
        """``#3`` within the same project, ``group/project#3`` across projects."""
        if from_issue is not None and from_issue.project_id == issue.project_id:
            return f"#{issue.iid}"
        return f"{self.projects[issue.project_id].path}#{issue.iid}"
