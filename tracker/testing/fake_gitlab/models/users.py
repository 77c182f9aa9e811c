"""User states (blocked, banned, deactivated) and user deletion, as GitLab's admin actions.

* A user who is not ``active`` keeps their token, but every API call with it answers 403
  with GitLab's reason (``API::APIGuard`` and ``Gitlab::Auth::UserAccessDeniedReason``):
  ``403 Forbidden - Your account has been blocked.`` (blocked and banned alike) or, for a
  deactivated user, the message asking them to log back in.
* Their issues and notes stay, and ``author.state`` shows the state
  (``Entities::UserBasic``).
* Deleting a user without "hard delete" moves what they wrote (issues, notes, resource
  events, closing) to the Ghost User, ``ghost`` / ``Ghost User``, created on first use
  (``Users::MigrateRecordsToGhostUserService``); their token then answers 401, their
  memberships and assignments go.
"""

from __future__ import annotations

from tracker.testing.fake_gitlab.errors import FakeGitLabError
from tracker.testing.fake_gitlab.models.base import StateBase
from tracker.testing.fake_gitlab.models.records import USER_STATES, User

GHOST_USERNAME, GHOST_NAME = "ghost", "Ghost User"
_DENIED = {
    "blocked": "Your account has been blocked.",
    "banned": "Your account has been blocked.",
    "deactivated": ("Your account has been deactivated by your administrator. Please log "
                    "back in to reactivate your account."),
}


class UsersModel(StateBase):
    """User states and deletion."""

    def find_user(self, username: str) -> User:
        with self.lock:
            for user in self.users.values():
                if user.username == username:
                    return user
            raise ValueError(f"no user is named {username!r}")

    def set_user_state(self, user: User, state: str) -> None:
        if state not in USER_STATES:
            raise ValueError(f"state must be one of {', '.join(USER_STATES)}, not {state!r}")
        with self.lock:
            user.state = state

    def check_api_access(self, user: User) -> None:
        """403 with GitLab's reason for a user who may not use the API."""
        reason = _DENIED.get(user.state)
        if reason is not None:
            raise FakeGitLabError({"message": f"403 Forbidden - {reason}"}, 403)

    def ghost_user(self) -> User:
        """GitLab's internal Ghost User (no token: nobody signs in as it)."""
        with self.lock:
            for user in self.users.values():
                if user.username == GHOST_USERNAME:
                    return user
            ghost = User(self._next_id("user"), GHOST_USERNAME, GHOST_NAME, "", self.now())
            self.users[ghost.id] = ghost
            return ghost

    def delete_user(self, user: User) -> User:
        """Delete ``user``, keeping their contributions under the Ghost User (returned)."""
        with self.lock:
            ghost = self.ghost_user()
            for issue in self.issues.values():
                if issue.author_id == user.id:
                    issue.author_id = ghost.id
                if issue.closed_by_id == user.id:
                    issue.closed_by_id = ghost.id
                if user.id in issue.assignee_ids:
                    issue.assignee_ids.remove(user.id)
            for note in self.notes.values():
                if note.author_id == user.id:
                    note.author_id = ghost.id
            for events in (self.label_events, self.state_events):
                for event in events.values():
                    if event.user_id == user.id:
                        event.user_id = ghost.id
            for project in self.projects.values():
                project.members.pop(user.id, None)
            self.tokens.pop(user.token, None)
            del self.users[user.id]
            return ghost
