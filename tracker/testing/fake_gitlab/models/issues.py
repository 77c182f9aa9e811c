"""Issues: the finder's filters and order, ``Issues::CreateService``, ``UpdateService``,
deletion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from tracker.testing.fake_gitlab.errors import Forbidden, NotFound, ValidationFailed
from tracker.testing.fake_gitlab.models.notes import NotesModel
from tracker.testing.fake_gitlab.models.quick_actions import QuickActionsModel, extract
from tracker.testing.fake_gitlab.models.records import (
    DESCRIPTION_MAX,
    OWNER,
    TITLE_MAX,
    Issue,
    IssueFilter,
    Project,
    StateEvent,
    User,
    dedupe,
    inline_diff_markers,
)


class IssuesModel(NotesModel, QuickActionsModel):
    """Issues; their system notes come from ``NotesModel``, quick actions from
    ``QuickActionsModel``."""

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
            columns = [text for name, text in (("title", issue.title),
                                               ("description", issue.description or ""))
                       if name in flt.search_in]
            if not any(fuzzy_match(text, flt.search) for text in columns):
                return False
        return True

    def create_issue(self, project: Project, author: User, *, title: str,
                     description: str | None = None, labels: Sequence[str] = (),
                     milestone_id: int | None = None, due_date: date | None = None,
                     assignee_ids: Sequence[int] = (), confidential: bool = False,
                     discussion_locked: bool | None = None, issue_type: str = "issue",
                     created_at: datetime | None = None) -> Issue:
        """``Issues::CreateService``: metadata is dropped for users who may not set it.
        Quick actions in the description run first, as parameters of the same creation."""
        with self.lock:
            if not self.can_read_project(author, project):
                raise NotFound("Project")
            if description is not None:
                description, commands = extract(description)
                actions = self.interpret(project, None, author, commands).changes
                labels = [*labels, *actions.get("add_labels", ())]
                due_date = actions.get("due_date", due_date)
                confidential = actions.get("confidential", confidential)
                assignee_ids = actions.get("assignee_ids", assignee_ids)
                milestone_id = actions.get("milestone_id", milestone_id)
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
                self._set_labels(project, issue, author, dedupe(labels), at=now)
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
        return [u for u in dedupe(user_ids)
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
            if changes.get("description") is not None:
                # IssuableBaseService#merge_quick_actions_into_params!: the commands'
                # parameters win over the ones sent beside them.
                changes["description"], commands = extract(changes["description"])
                changes.update(self.interpret(project, issue, user, commands).changes)
            self._validate_text(changes.get("title"), changes.get("description"))
            return self.apply_update(project, issue, user, changes)

    def apply_update(self, project: Project, issue: Issue, user: User,
                     changes: dict[str, Any]) -> Issue:
        """The update itself, once permissions are checked: every change, its system notes
        and resource events (shared by API edits and quick actions in notes)."""
        with self.lock:
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
                    names = dedupe(changes["labels"])
                names = dedupe([*names, *(changes.get("add_labels") or ())])
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


# Gitlab::SQL::Pattern::MIN_CHARS_FOR_PARTIAL_MATCHING
MIN_CHARS_FOR_PARTIAL_MATCHING = 3


def fuzzy_match(text: str, query: str, *,
                min_chars: int = MIN_CHARS_FOR_PARTIAL_MATCHING) -> bool:
    """``Gitlab::SQL::Pattern#fuzzy_arel_match`` on one column, as the issue search uses it.

    The query is split into terms (a ``"quoted phrase"`` is one term) and terms shorter
    than 3 characters are dropped; every remaining term must appear in the column, case
    insensitively (``ILIKE '%term%'``, ANDed). With no term left, the whole query must equal
    the column, case insensitively (``ILIKE`` without wildcards). ``search`` ORs the columns
    named by ``in``, so all the terms must sit in the same column. Labels override the
    minimum (``min_chars_for_partial_matching`` is 1 in ``BaseLabel``).
    """
    query = " ".join(query.split())
    terms = [quoted or word for quoted, word in re.findall(r'"([^"]+)"|(\S+)', query)]
    terms = [term for term in terms if len(term) >= min_chars]
    if not terms:
        return text.lower() == query.lower()
    return all(term.lower() in text.lower() for term in terms)


def _long_date(value: date) -> str:
    """Ruby's ``Date#to_fs(:long)``: ``November 21, 2026``."""
    return f"{value.strftime('%B')} {value.day}, {value.year}"

