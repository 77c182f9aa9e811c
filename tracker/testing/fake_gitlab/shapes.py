"""GitLab's documented JSON shapes for the fake's objects.

Each function mirrors one of GitLab's API entities (``lib/api/entities/*.rb``) and the example
responses of the API documentation: field names, ``null`` where GitLab sends ``null``,
timestamps as ``2026-11-21T10:00:00.000Z``, dates as ``2026-11-21``, labels as a sorted list of
names. Call them with the state lock held.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.testing.fake_gitlab.clock import iso
from tracker.testing.fake_gitlab.state import (
    Issue,
    IssueLink,
    Label,
    LabelEvent,
    Milestone,
    Note,
    Project,
    State,
    StateEvent,
    User,
    text_color_for,
)

JSON = dict[str, Any]


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class Shapes:
    """Serialiser bound to one state, base URL and viewer."""

    def __init__(self, state: State, base_url: str, viewer: User | None) -> None:
        self.state = state
        self.base = base_url.rstrip("/")
        self.api = f"{self.base}/api/v4"
        self.viewer = viewer

    # ------------------------------------------------------------------ users

    def user_basic(self, user: User | None) -> JSON | None:
        """``Entities::UserBasic``."""
        if user is None:
            return None
        return {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": user.state,
            "locked": False,
            "avatar_url": None,
            "web_url": f"{self.base}/{user.username}",
        }

    def current_user(self, user: User) -> JSON:
        """``Entities::UserPublic`` (``GET /user``)."""
        return {
            **(self.user_basic(user) or {}),
            "created_at": iso(user.created_at),
            "bio": "",
            "location": "",
            "public_email": None,
            "linkedin": "",
            "twitter": "",
            "discord": "",
            "website_url": "",
            "organization": "",
            "job_title": "",
            "pronouns": None,
            "bot": False,
            "work_information": None,
            "local_time": None,
            "last_sign_in_at": iso(user.created_at),
            "confirmed_at": iso(user.created_at),
            "last_activity_on": _day(self.state.now().date()),
            "email": f"{user.username}@example.org",
            "theme_id": 1,
            "color_scheme_id": 1,
            "projects_limit": 100000,
            "current_sign_in_at": iso(user.created_at),
            "identities": [],
            "can_create_group": True,
            "can_create_project": True,
            "two_factor_enabled": False,
            "external": False,
            "private_profile": False,
            "commit_email": f"{user.username}@example.org",
            "is_admin": user.admin,
        }

    def member(self, user: User, level: int) -> JSON:
        """``Entities::Member``."""
        return {
            **(self.user_basic(user) or {}),
            "access_level": level,
            "created_at": iso(user.created_at),
            "created_by": None,
            "expires_at": None,
            "membership_state": "active",
        }

    # ------------------------------------------------------------------ projects

    def project(self, project: Project) -> JSON:
        """``Entities::Project`` (the fields a client of the issues API meets)."""
        web_url = f"{self.base}/{project.path}"
        namespace_path = project.namespace
        level = self.state.access_level(self.viewer, project)
        body: JSON = {
            "id": project.id,
            "description": project.description,
            "name": project.name,
            "name_with_namespace": " / ".join(project.path.split("/")),
            "path": project.path.rsplit("/", 1)[-1],
            "path_with_namespace": project.path,
            "created_at": iso(project.created_at),
            "default_branch": "main",
            "tag_list": [],
            "topics": [],
            "ssh_url_to_repo": f"git@127.0.0.1:{project.path}.git",
            "http_url_to_repo": f"{web_url}.git",
            "web_url": web_url,
            "readme_url": None,
            "avatar_url": None,
            "forks_count": 0,
            "star_count": 0,
            "last_activity_at": iso(self.state.now()),
            "namespace": {
                "id": project.id + 10000,
                "name": namespace_path.rsplit("/", 1)[-1],
                "path": namespace_path.rsplit("/", 1)[-1],
                "kind": "group",
                "full_path": namespace_path,
                "parent_id": None,
                "avatar_url": None,
                "web_url": f"{self.base}/groups/{namespace_path}",
            },
            "_links": {
                "self": f"{self.api}/projects/{project.id}",
                "issues": f"{self.api}/projects/{project.id}/issues",
                "merge_requests": f"{self.api}/projects/{project.id}/merge_requests",
                "repo_branches": f"{self.api}/projects/{project.id}/repository/branches",
                "labels": f"{self.api}/projects/{project.id}/labels",
                "events": f"{self.api}/projects/{project.id}/events",
                "members": f"{self.api}/projects/{project.id}/members",
                "cluster_agents": f"{self.api}/projects/{project.id}/cluster_agents",
            },
            "visibility": project.visibility,
            "archived": False,
            "issues_enabled": True,
            "merge_requests_enabled": True,
            "wiki_enabled": True,
            "issues_access_level": "enabled",
            "open_issues_count": sum(
                1 for iid in project.issues_by_iid.values()
                if self.state.issues[iid].state == "opened"),
            "creator_id": next(iter(project.members), None),
            "empty_repo": True,
        }
        if self.viewer is not None:
            body["permissions"] = {
                "project_access": ({"access_level": level, "notification_level": 3}
                                   if level else None),
                "group_access": None,
            }
        return body

    # ------------------------------------------------------------------ labels, milestones

    def label_basic(self, label: Label) -> JSON:
        """``Entities::LabelBasic``."""
        return {
            "id": label.id,
            "name": label.name,
            "description": label.description,
            "description_html": label.description or "",
            "text_color": text_color_for(label.color),
            "color": label.color,
            "remove_on_close": False,
        }

    def label(self, label: Label, *, with_counts: bool = False) -> JSON:
        """``Entities::ProjectLabel``; issue counts only with ``with_counts=true``."""
        body = {
            **self.label_basic(label),
            "subscribed": False,
            "priority": None,
            "is_project_label": True,
        }
        if with_counts:
            opened, closed = self.state.label_issue_counts(label)
            body.update({"open_issues_count": opened, "closed_issues_count": closed,
                         "open_merge_requests_count": 0})
        return body

    def milestone(self, milestone: Milestone | None) -> JSON | None:
        """``Entities::Milestone``."""
        if milestone is None:
            return None
        project = self.state.projects[milestone.project_id]
        today = self.state.now().date()
        return {
            "id": milestone.id,
            "iid": milestone.iid,
            "project_id": milestone.project_id,
            "title": milestone.title,
            "description": milestone.description,
            "state": milestone.state,
            "created_at": iso(milestone.created_at),
            "updated_at": iso(milestone.updated_at),
            "due_date": _day(milestone.due_date),
            "start_date": _day(milestone.start_date),
            "expired": milestone.due_date is not None and milestone.due_date < today,
            "web_url": f"{self.base}/{project.path}/-/milestones/{milestone.iid}",
        }

    # ------------------------------------------------------------------ issues

    def issue(self, issue: Issue, *, with_labels_details: bool = False,
              subscribed: bool | None = None) -> JSON:
        """``Entities::Issue`` (``IssueBasic`` plus ``_links``, ``references``...)."""
        state = self.state
        project = state.projects[issue.project_id]
        labels = state.issue_labels(issue)
        assignees = [self.user_basic(state.users[u]) for u in issue.assignee_ids]
        api_issue = f"{self.api}/projects/{project.id}/issues/{issue.iid}"
        description = issue.description or ""
        tasks = description.count("- [ ]") + description.count("- [x]") \
            + description.count("- [X]")
        done = description.count("- [x]") + description.count("- [X]")
        body: JSON = {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "closed_by": self.user_basic(state.users.get(issue.closed_by_id or -1)),
            "labels": ([self.label_basic(lab) for lab in labels] if with_labels_details
                       else [lab.name for lab in labels]),
            "milestone": self.milestone(state.milestones.get(issue.milestone_id or -1)),
            "assignees": assignees,
            "author": self.user_basic(state.users[issue.author_id]),
            "type": issue.issue_type.upper(),
            "assignee": assignees[0] if assignees else None,
            "user_notes_count": state.user_notes_count(issue),
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": _day(issue.due_date),
            "confidential": issue.confidential,
            "discussion_locked": issue.discussion_locked,
            "issue_type": issue.issue_type,
            "web_url": f"{self.base}/{project.path}/-/issues/{issue.iid}",
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "task_completion_status": {"count": tasks, "completed_count": done},
            "has_tasks": tasks > 0,
            "_links": {
                "self": api_issue,
                "notes": f"{api_issue}/notes",
                "award_emoji": f"{api_issue}/award_emoji",
                "project": f"{self.api}/projects/{project.id}",
                "closed_as_duplicate_of": None,
            },
            "references": {
                "short": f"#{issue.iid}",
                "relative": f"#{issue.iid}",
                "full": f"{project.path}#{issue.iid}",
            },
            "severity": "UNKNOWN",
            "moved_to_id": None,
            "imported": False,
            "imported_from": "none",
            "service_desk_reply_to": None,
        }
        if tasks:
            body["task_status"] = f"{done} of {tasks} checklist items completed"
        if subscribed is not None:
            body["subscribed"] = subscribed
        if state.tier == "premium":
            body.update({"weight": None, "epic_iid": None, "epic": None, "iteration": None,
                         "health_status": None})
        return body

    def related_issue(self, link: IssueLink, other: Issue) -> JSON:
        """``Entities::RelatedIssue``: the linked issue plus the link's fields."""
        return {
            **self.issue(other),
            "issue_link_id": link.id,
            "link_type": link.link_type,
            "link_created_at": iso(link.created_at),
            "link_updated_at": iso(link.updated_at),
        }

    def issue_link(self, link: IssueLink) -> JSON:
        """``Entities::IssueLink``."""
        return {
            "source_issue": self.issue(self.state.issues[link.source_id]),
            "target_issue": self.issue(self.state.issues[link.target_id]),
            "link_type": link.link_type,
        }

    # ------------------------------------------------------------------ notes, events

    def note(self, note: Note) -> JSON:
        """``Entities::Note``."""
        issue = self.state.issues[note.issue_id]
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "attachment": None,
            "author": self.user_basic(self.state.users[note.author_id]),
            "created_at": iso(note.created_at),
            "updated_at": iso(note.updated_at),
            "system": note.system,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": issue.project_id,
            "resolvable": False,
            "confidential": note.internal,
            "internal": note.internal,
            "imported": False,
            "imported_from": "none",
            "noteable_iid": issue.iid,
            "commands_changes": {},
        }

    def label_event(self, event: LabelEvent) -> JSON:
        """``Entities::ResourceLabelEvent``."""
        label = self.state.labels.get(event.label_id)
        return {
            "id": event.id,
            "user": self.user_basic(self.state.users[event.user_id]),
            "created_at": iso(event.created_at),
            "resource_type": "Issue",
            "resource_id": event.issue_id,
            "label": None if label is None else {
                "id": label.id, "name": label.name, "color": label.color,
                "description": label.description, "description_html": label.description or "",
                "text_color": text_color_for(label.color),
            },
            "action": event.action,
        }

    def state_event(self, event: StateEvent) -> JSON:
        """``Entities::ResourceStateEvent``."""
        return {
            "id": event.id,
            "user": self.user_basic(self.state.users[event.user_id]),
            "created_at": iso(event.created_at),
            "resource_type": "Issue",
            "resource_id": event.issue_id,
            "source_commit": None,
            "source_merge_request": None,
            "state": event.state,
        }
