"""The fake GitLab's state: users, projects, issues, notes, labels, milestones, links, events.

The rules are split by resource under ``models/`` (as moto splits a service into models):
``records`` (the dataclasses), ``base`` (ids, users, projects, permissions), ``issues``,
``notes``, ``labels``, ``milestones``, ``links`` and ``events``. :class:`State` puts them
together; import from here, not from the parts.

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

from tracker.testing.fake_gitlab.models.comments import CommentsModel
from tracker.testing.fake_gitlab.models.events import EventsModel
from tracker.testing.fake_gitlab.models.labels import text_color_for
from tracker.testing.fake_gitlab.models.links import LinksModel
from tracker.testing.fake_gitlab.models.milestones import MilestonesModel
from tracker.testing.fake_gitlab.models.records import (
    DEFAULT_LABEL_COLOR,
    DESCRIPTION_MAX,
    GUEST,
    LINK_TYPES,
    OWNER,
    PLANNER,
    ROLES,
    TIERS,
    TITLE_MAX,
    TOUCH_INTERVAL,
    Issue,
    IssueFilter,
    IssueLink,
    Label,
    LabelEvent,
    Milestone,
    Note,
    Project,
    StateEvent,
    User,
    inline_diff_markers,
)
from tracker.testing.fake_gitlab.models.users import UsersModel

__all__ = [
    "DEFAULT_LABEL_COLOR", "DESCRIPTION_MAX", "GUEST", "LINK_TYPES", "OWNER", "PLANNER",
    "ROLES", "TIERS", "TITLE_MAX", "TOUCH_INTERVAL", "Issue", "IssueFilter", "IssueLink",
    "Label", "LabelEvent", "Milestone", "Note", "Project", "State", "StateEvent", "User",
    "inline_diff_markers", "text_color_for",
]


class State(CommentsModel, LinksModel, MilestonesModel, EventsModel, UsersModel):
    """Everything the fake GitLab knows. Call its methods with :attr:`lock` held (or not:
    every public method takes the re-entrant lock itself)."""
