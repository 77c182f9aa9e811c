"""Notes as the API creates them: quick actions first (``Notes::CreateService`` with
``Notes::QuickActionsService``).

The commands are removed from the body and run as the note's author, through the same update
as an API edit (same system notes and resource events). A note that held only commands is not
stored: when at least one command ran, the API answers 202 with ``commands_changes`` and a
``summary`` (``Entities::NoteCommands``); when none could, 400 (``lib/api/notes.rb``,
``process_note_creation_result``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.testing.fake_gitlab.errors import FakeGitLabError
from tracker.testing.fake_gitlab.models.issues import IssuesModel
from tracker.testing.fake_gitlab.models.quick_actions import extract
from tracker.testing.fake_gitlab.models.records import Issue, Note, User

# Ruby's Hash#inspect of the note's errors, as GitLab 17 (Ruby 3.2/3.3) prints it.
COMMANDS_FAILED = ('400 Bad request - Note {:commands_only=>["Failed to apply commands."], '
                   ':commands=>["Failed to apply commands."]}')


@dataclass
class NoteOutcome:
    """A stored note (``note``), or none when the body held only commands; what they did."""

    note: Note | None
    commands_changes: dict[str, Any]
    summary: list[str]


class CommentsModel(IssuesModel):
    """Notes created through the API: quick actions run, then the note is kept or not."""

    def post_note(self, issue: Issue, author: User, body: str, *, internal: bool = False,
                  created_at: datetime | None = None) -> NoteOutcome:
        """``POST .../notes``: the note without its quick actions, then their effect."""
        with self.lock:
            self.check_can_comment(issue, author, body)
            project = self.projects[issue.project_id]
            content, commands = extract(body)
            actions = self.interpret(project, issue, author, commands)
            note = None
            if content:
                note = self.create_note(issue, author, content, internal=internal,
                                        created_at=created_at)
            elif not actions.messages:
                raise FakeGitLabError({"message": COMMANDS_FAILED}, 400)
            if actions.changes:
                self.apply_update(project, issue, author, actions.changes)
            return NoteOutcome(note, actions.commands_changes, actions.messages)
