"""The one root of every error the tracker reports to a person.

The CLI turns any :class:`TrackerError` into a clean message and a non-zero exit; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class TrackerError(Exception):
    """An error with a message meant for the person running the tracker."""

    exit_code = 1


class InputError(TrackerError):
    """The plan files, configuration or options are not valid."""


class GitLabError(TrackerError):
    """GitLab refused or failed a request; the message says what to do."""
