"""The fake's introspection endpoints under ``/-/fake/`` and its request counters.

See ``server.py``'s docstring for the table of endpoints. Never counted, never faulted, never
rate limited.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker.testing.fake_gitlab.faults import FaultRule
from tracker.testing.fake_gitlab.ratelimit import DEFAULT_PERIOD

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.server import FakeGitLab

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Stats:
    """Request counters (API traffic only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.writes = 0
        self.in_flight = 0
        self.by_method: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()

    def start(self, method: str, template: str) -> None:
        with self._lock:
            self.total += 1
            self.writes += method in WRITE_METHODS
            self.by_method[method] += 1
            self.by_route[f"{method} {template}"] += 1
            self.in_flight += 1

    def finish(self, status: int | str) -> None:
        with self._lock:
            self.in_flight -= 1
            self.by_status[str(status)] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self.total,
                "writes": self.writes,
                "in_flight": self.in_flight,
                "by_method": dict(self.by_method),
                "by_route": dict(sorted(self.by_route.items())),
                "by_status": dict(self.by_status),
            }


def handle_control(fake: FakeGitLab, method: str, path: str, body: bytes) -> tuple[int, Any]:
    """Answer one ``/-/fake/`` request: (status, JSON body)."""
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        return 400, {"error": "the body is not valid JSON"}
    key = (method, path.rstrip("/"))
    try:
        if key == ("GET", "/-/fake/stats"):
            return 200, fake.stats()
        if key == ("POST", "/-/fake/reset"):
            fake.reset(counters_only=bool(data.get("counters_only")))
            return 200, {"reset": "counters" if data.get("counters_only") else "all"}
        if key == ("GET", "/-/fake/clock"):
            return 200, fake.clock.as_json()
        if key == ("POST", "/-/fake/clock"):
            if "set" in data:
                fake.clock.set(datetime.fromisoformat(str(data["set"])))
            fake.clock.advance(float(data.get("advance_seconds", 0)))
            return 200, fake.clock.as_json()
        if key == ("GET", "/-/fake/faults"):
            return 200, {"rules": fake.faults.rules()}
        if key == ("POST", "/-/fake/faults"):
            specs = data["rules"] if isinstance(data, dict) and "rules" in data else data
            specs = specs if isinstance(specs, list) else [specs]
            rules = [FaultRule.from_json(spec) for spec in specs]
            return 201, {"rules": [fake.faults.add_rule(r).as_json() for r in rules]}
        if key == ("DELETE", "/-/fake/faults"):
            fake.faults.clear()
            return 204, None
        if key == ("GET", "/-/fake/holds"):
            return 200, {"held": fake.faults.held()}
        if key == ("POST", "/-/fake/holds/release"):
            return 200, {"released": fake.faults.release(data.get("id"))}
        if key == ("POST", "/-/fake/users"):
            user = fake.add_user(str(data["token"]), str(data.get("role", "none")),
                                 username=data.get("username"), name=data.get("name"))
            return 201, fake.shapes_for(user).current_user(user)
        if key == ("GET", "/-/fake/tier"):
            return 200, {"tier": fake.tier}
        if key == ("POST", "/-/fake/tier"):
            fake.set_tier(str(data["tier"]))
            return 200, {"tier": fake.tier}
        if key == ("POST", "/-/fake/rate_limit"):
            fake.set_rate_limit(data.get("limit"),
                                float(data.get("period_seconds", DEFAULT_PERIOD)))
            return 200, {"limit": fake.rate_limiter.limit,
                         "period_seconds": fake.rate_limiter.period}
        if key == ("GET", "/-/fake"):
            return 200, {"endpoints": [
                "GET /-/fake/stats", "POST /-/fake/reset", "GET|POST /-/fake/clock",
                "GET|POST|DELETE /-/fake/faults", "GET /-/fake/holds",
                "POST /-/fake/holds/release", "POST /-/fake/users",
                "GET|POST /-/fake/tier", "POST /-/fake/rate_limit"]}
    except (KeyError, TypeError, ValueError) as error:
        return 400, {"error": f"{type(error).__name__}: {error}"}
    return 404, {"error": f"no fake endpoint {method} {path}"}
