"""The fake GitLab's test clock.

Every timestamp the fake writes (``created_at``, ``updated_at``, ``closed_at``, events, notes)
comes from one :class:`Clock`. It is **frozen** by default: it starts at the real time when the
server starts (or at ``start``) and moves only when a test calls :meth:`Clock.advance` (or
``POST /-/fake/clock``), so a test that does the same requests gets the same timestamps, and the
60-second throttle on ``updated_at`` is driven by the test, not by how fast the machine is.
``ticking=True`` (``--clock real``) adds real elapsed time on top, for a long-running server
that a person drives by hand.

The clock keeps microseconds, as GitLab's PostgreSQL does, while the JSON shows milliseconds:
a client that feeds a returned ``updated_at`` back as ``updated_after`` sees the same issue
again, exactly as against GitLab.

Rate limiting measures its windows on :meth:`Clock.monotonic`: real monotonic time plus
everything the test advanced, so a window expires either by waiting or by advancing.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    """The real current time, UTC, to the microsecond."""
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """GitLab's timestamp format: ISO 8601, UTC, milliseconds and ``Z``."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Clock:
    """A thread-safe clock that tests move forward by hand."""

    def __init__(self, start: datetime | None = None, *, ticking: bool = False) -> None:
        self._lock = threading.Lock()
        self._configured_start = start
        self.ticking = ticking
        self._reset_locked()

    def _reset_locked(self) -> None:
        start = self._configured_start or utc_now()
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start.astimezone(UTC)
        self._advanced = 0.0
        self._real_origin = time.monotonic()

    def reset(self) -> None:
        """Go back to the start time (``POST /-/fake/reset``)."""
        with self._lock:
            self._reset_locked()

    def now(self) -> datetime:
        """The fake's current time (UTC, aware)."""
        with self._lock:
            elapsed = self._advanced
            if self.ticking:
                elapsed += time.monotonic() - self._real_origin
            return self._start + timedelta(seconds=elapsed)

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0,
                days: float = 0.0) -> datetime:
        """Move the clock forward and return the new time. Moving backwards is refused."""
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        if total < 0:
            raise ValueError("the test clock only moves forward")
        with self._lock:
            self._advanced += total
        return self.now()

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (not before the current time)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = (moment - self.now()).total_seconds()
        return self.advance(delta)

    def monotonic(self) -> float:
        """Seconds for measuring windows: real monotonic time plus every advance."""
        with self._lock:
            return time.monotonic() + self._advanced

    def as_json(self) -> dict[str, object]:
        return {"now": iso(self.now()), "ticking": self.ticking,
                "advanced_seconds": self._advanced}
