"""Project milestones: ``Milestones::CreateService``, ``UpdateService`` and the finder.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.testing.fake_gitlab.errors import Forbidden, NotFound, ValidationFailed
from tracker.testing.fake_gitlab.models.base import StateBase
from tracker.testing.fake_gitlab.models.records import Milestone, Project, User


class MilestonesModel(StateBase):
    """Project milestones."""

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

