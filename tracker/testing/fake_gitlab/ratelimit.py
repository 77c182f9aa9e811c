"""GitLab's user and IP rate limit (Rack::Attack), as the fake models it.

Every API answer carries GitLab's headers: ``RateLimit-Name``, ``RateLimit-Limit``,
``RateLimit-Observed``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (Unix time) and
``RateLimit-ResetTime`` (HTTP date). Each client (its token, or its address when anonymous)
has a fixed window of ``period`` seconds opened by its first request; every request counts,
refused ones too, as with Rack::Attack. When ``limit`` is set, a request past it answers
429 ``Retry later`` with ``Retry-After`` (seconds to the end of the window). With no limit
(the default, like a self-managed GitLab whose limits are off) nothing is refused and the
headers show a nominal 2,000 requests a minute.

Windows are measured on :meth:`Clock.monotonic`: advancing the test clock ends a window as
waiting does. ``RateLimit-Reset`` is real Unix time, because clients compare it with their
own clock (python-gitlab sleeps ``RateLimit-Reset - time.time()``).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate

from tracker.testing.fake_gitlab.clock import Clock

NOMINAL_LIMIT = 2000
DEFAULT_PERIOD = 60.0


@dataclass
class Decision:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    def __init__(self, clock: Clock, limit: int | None = None,
                 period: float = DEFAULT_PERIOD) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.limit = limit
        self.period = period
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, count)
        self.refused = 0

    def configure(self, limit: int | None, period: float = DEFAULT_PERIOD) -> None:
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1 (or None for no limit)")
        if period <= 0:
            raise ValueError("period must be positive")
        with self._lock:
            self.limit, self.period = limit, period
            self._windows.clear()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self.refused = 0

    def check(self, key: str, *, authenticated: bool) -> Decision:
        now = self.clock.monotonic()
        with self._lock:
            end, count = self._windows.get(key, (0.0, 0))
            if now >= end:
                end, count = now + self.period, 0
            count += 1
            self._windows[key] = (end, count)
            limit = self.limit if self.limit is not None else NOMINAL_LIMIT
            allowed = self.limit is None or count <= self.limit
            if not allowed:
                self.refused += 1
        seconds_left = max(end - now, 0.0)
        headers = self.headers(authenticated, limit, count, seconds_left)
        if not allowed:
            headers["Retry-After"] = str(max(math.ceil(seconds_left), 1))
        return Decision(allowed, headers)

    @staticmethod
    def headers(authenticated: bool, limit: int, observed: int,
                seconds_left: float) -> dict[str, str]:
        reset = math.ceil(time.time() + seconds_left)
        return {
            "RateLimit-Name": ("throttle_authenticated_api" if authenticated
                               else "throttle_unauthenticated_api"),
            "RateLimit-Limit": str(limit),
            "RateLimit-Observed": str(observed),
            "RateLimit-Remaining": str(max(limit - observed, 0)),
            "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": formatdate(reset, usegmt=True),
        }
