"""Issue links (``IssueLinks::CreateService`` and ``DestroyService``) and their system
notes.
"""

from __future__ import annotations

from tracker.testing.fake_gitlab.errors import Conflict, Forbidden, NotFound, Unprocessable
from tracker.testing.fake_gitlab.models.notes import NotesModel
from tracker.testing.fake_gitlab.models.records import GUEST, Issue, IssueLink, User


class LinksModel(NotesModel):
    """Issue links, with the system notes on both issues."""

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

