"""Errors raised by the fake's state model, each carrying the status and body GitLab answers.

GitLab's API (Grape) answers in two shapes: ``{"message": ...}`` for errors the application
raises (404, 403, 409, validation failures) and ``{"error": ...}`` for parameter validation
(a missing or malformed parameter). The classes below produce exactly those bodies.
"""

from __future__ import annotations

from typing import Any


class FakeGitLabError(Exception):
    """An API error: ``status`` and the JSON ``body`` to send."""

    status = 500

    def __init__(self, body: dict[str, Any], status: int | None = None) -> None:
        super().__init__(str(body))
        self.body = body
        if status is not None:
            self.status = status


class BadRequest(FakeGitLabError):
    """400 for a missing or invalid parameter: ``{"error": "title is missing"}``."""

    status = 400

    def __init__(self, error: str) -> None:
        super().__init__({"error": error})


class ValidationFailed(FakeGitLabError):
    """400 for a model validation failure: ``{"message": {"title": ["can't be blank"]}}``."""

    status = 400

    def __init__(self, messages: dict[str, list[str]] | str) -> None:
        super().__init__({"message": messages})


class Unauthorized(FakeGitLabError):
    status = 401

    def __init__(self) -> None:
        super().__init__({"message": "401 Unauthorized"})


class Forbidden(FakeGitLabError):
    status = 403

    def __init__(self, message: str = "403 Forbidden") -> None:
        super().__init__({"message": message})


class NotFound(FakeGitLabError):
    """404 ``{"message": "404 Issue Not Found"}``; ``what=None`` gives GitLab's bare 404."""

    status = 404

    def __init__(self, what: str | None = None, *, message: str | None = None) -> None:
        if message is not None:
            super().__init__({"message": message})
        elif what is None:
            super().__init__({"message": "404 Not found"})
        else:
            super().__init__({"message": f"404 {what} Not Found"})


class Conflict(FakeGitLabError):
    status = 409

    def __init__(self, message: str) -> None:
        super().__init__({"message": message})


class Unprocessable(FakeGitLabError):
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__({"message": message})


class NotImplementedByFake(FakeGitLabError):
    """501: GitLab accepts this, the fake does not model it. Never silently wrong."""

    status = 501

    def __init__(self, what: str) -> None:
        super().__init__({"message": f"501 Not Implemented by the fake GitLab: {what}"})
