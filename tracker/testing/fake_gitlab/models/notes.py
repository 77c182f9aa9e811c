"""Notes (comments and system notes) on issues: ``Notes::CreateService`` and reading.
"""

from __future__ import annotations

from datetime import datetime

from tracker.testing.fake_gitlab.errors import Forbidden, NotFound, ValidationFailed
from tracker.testing.fake_gitlab.models.base import StateBase
from tracker.testing.fake_gitlab.models.records import OWNER, TOUCH_INTERVAL, Issue, Note, User


class NotesModel(StateBase):
    """Notes as stored: user comments and system notes."""

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
        """A note with ``body`` as it is (no quick actions: see ``comments.py``)."""
        with self.lock:
            project = self.projects[issue.project_id]
            self.check_can_comment(issue, author, body)
            if internal and not self.can_read_internal_notes(author, project):
                internal = False
            if created_at is not None and self.access_level(author, project) < OWNER:
                created_at = None
            return self._add_note(issue, author, body, system=False, internal=internal,
                                  at=created_at or self.now())

    def check_can_comment(self, issue: Issue, author: User, body: str) -> None:
        """404 unless the author may read the issue, 403 on a locked discussion for those who
        may not lock it, 400 for a blank body."""
        project = self.projects[issue.project_id]
        if not self.can_read_issue(author, issue):
            raise NotFound("Issue")
        if issue.discussion_locked and not self.can_set_metadata(author, project):
            raise Forbidden()
        if not body.strip():
            raise ValidationFailed({"note": ["can't be blank"]})

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

