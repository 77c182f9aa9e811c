"""The one root of every error the tracker reports to a person.

The CLI turns any :class:`TrackerError` into a clean message and exit code, in one place;
anything else is a bug and keeps its (redacted) traceback.
"""

from __future__ import annotations


class TrackerError(Exception):
    """An error with a message meant for the person running the tracker."""

    exit_code = 1


class InputError(TrackerError):
    """The plan files, configuration or options are not valid."""


class GitLabError(TrackerError):
    """GitLab refused or failed a request; the message says what to do.

    ``operation`` says what the tracker was doing ("reading issue #12"), ``status`` is the
    HTTP status GitLab answered, when it answered at all.
    """

    def __init__(self, message: str, *, operation: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.status = status


class Busy(TrackerError):
    """Another run holds the lock or the push lease: nothing was written; try again later."""

    exit_code = 3


class ConflictsLeft(TrackerError):
    """The run finished, but left conflicts for a person to resolve (reported above)."""

    exit_code = 2
