"""Fault injection for the fake GitLab: seeded random rules and exact, targeted ones.

A rule says *what* goes wrong (``kind``) and *when*: which requests it watches (``methods``,
``route`` — a regular expression searched in the URL path, e.g. ``"/issues$"``) and which of
those it hits:

* ``nth`` (1-based): the n-th watched request, then ``times - 1`` more (``times`` defaults
  to 1). "The 3rd POST to .../issues fails with 502 after committing" is
  ``{"kind": "error_after", "methods": ["POST"], "route": "/issues$", "nth": 3,
  "status": 502}``;
* ``rate`` with ``seed``: each watched request is hit with that probability, drawn from the
  rule's own ``random.Random(seed)``, so one sequence of requests always meets the same
  faults (``times`` caps the number of hits);
* neither: every watched request, up to ``times``.

Kinds:

``error_before``  answer ``status`` (default 500) and commit nothing;
``error_after``   commit the write, then answer ``status`` (default 502) instead of its result;
``rate_limit``    answer 429 with ``Retry-After: retry_after`` (default 1; ``null`` sends no
                  ``Retry-After``, so clients fall back on ``RateLimit-Reset`` or backoff);
``slow``          sleep ``delay_ms`` (default 1000) before handling;
``drop``          close the connection without an answer, before handling (nothing committed)
                  or, with ``"after": true``, after committing;
``page_fail``     a listing (``GET`` of a paginated route) answers ``status`` (default 500) for
                  page ``page`` (default 2: the middle of a walk);
``hold``          commit, then hold the answer until released (``POST /-/fake/holds/release``
                  or :meth:`Faults.release`) or until ``timeout_s`` (default 30) passes; the
                  stats list held requests, so a test can kill a client at that exact point.

A misbehaving GitLab (or proxy), for hardening tests (see ``misbehaviour.py``):

``echo_headers``      answer ``status`` (default 500) whose body echoes the request's headers,
                      ``PRIVATE-TOKEN`` included, in its ``message``, as some proxies and old
                      GitLab versions do; nothing committed;
``date_header``       send ``date_values`` as the ``Date`` headers instead of the server's:
                      one odd value (default ``["Tue, 01 Dec 2026 10:00:00 -0000"]``), several
                      (a repeated header) or none (``[]``: no ``Date`` at all);
``drop_fields``       remove ``fields`` (default ``["iid"]``) from the JSON object answered, or
                      from each object of a listing;
``malformed_json``    commit, then answer the first half of the JSON body, still as
                      ``application/json``;
``maintenance_page``  answer GitLab's HTML maintenance page with ``status`` (default 503;
                      200 is allowed, as a misconfigured proxy sends it); nothing committed;
``foreign_links``     rewrite the ``Link`` header's URLs onto ``host`` (default
                      ``http://gitlab.internal.example:8080``), as GitLab builds them from its
                      ``external_url`` when that differs from the URL the client used;
``reversed_listing``  answer a listing's objects in the opposite order: GitLab's API
                      documents no order for some listings (resource events among them), so
                      a client must not depend on the one it usually sees.

A ``Retry-After`` far in the future is the ``rate_limit`` kind with ``retry_after`` set (for
example 100000).

Rules are checked in the order they were added; several may hit one request (a ``slow`` and an
``error_after``, say).
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

KINDS = ("error_before", "error_after", "rate_limit", "slow", "drop", "page_fail", "hold",
         "echo_headers", "date_header", "drop_fields", "malformed_json", "maintenance_page",
         "foreign_links", "reversed_listing")
BEFORE_KINDS = ("slow", "drop", "rate_limit", "error_before", "page_fail", "echo_headers",
                "maintenance_page")
_DEFAULT_STATUS = {"error_before": 500, "error_after": 502, "page_fail": 500, "rate_limit": 429,
                   "echo_headers": 500, "maintenance_page": 503}
_KEYS = {"kind", "methods", "route", "nth", "times", "rate", "seed", "status", "retry_after",
         "delay_ms", "page", "after", "timeout_s", "id", "seen", "fired", "date_values",
         "fields", "host"}
DEFAULT_ODD_DATE = "Tue, 01 Dec 2026 10:00:00 -0000"
DEFAULT_FOREIGN_HOST = "http://gitlab.internal.example:8080"


@dataclass
class FaultRule:
    kind: str
    methods: tuple[str, ...] | None = None
    route: str | None = None
    nth: int | None = None
    times: int | None = None
    rate: float | None = None
    seed: int = 0
    status: int | None = None
    retry_after: int | None = 1
    delay_ms: int = 1000
    page: int = 2
    after: bool = False
    timeout_s: float = 30.0
    date_values: tuple[str, ...] = (DEFAULT_ODD_DATE,)
    fields: tuple[str, ...] = ("iid",)
    host: str = DEFAULT_FOREIGN_HOST
    id: int = 0
    seen: int = 0
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        if isinstance(self.methods, str):
            self.methods = (self.methods,)
        if self.methods is not None:
            self.methods = tuple(m.upper() for m in self.methods)
        try:
            self._pattern = re.compile(self.route) if self.route else None
        except re.error as error:
            raise ValueError(f"route is not a valid regular expression: {error}") from error
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        if self.nth is not None and self.nth < 1:
            raise ValueError("nth counts from 1")
        if self.status is None:
            self.status = _DEFAULT_STATUS.get(self.kind)
        # A maintenance page may come with 200: a proxy that does not know it is an error.
        lowest = 200 if self.kind == "maintenance_page" else 400
        if self.status is not None and not lowest <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status from {lowest} to 599")
        self.date_values, self.fields = tuple(self.date_values), tuple(self.fields)
        self._rng = random.Random(self.seed)

    @property
    def phase(self) -> str:
        if self.kind == "drop":
            return "after" if self.after else "before"
        return "before" if self.kind in BEFORE_KINDS else "after"

    def watches(self, method: str, path: str, *, listing: bool, page: int) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self._pattern is not None and not self._pattern.search(path):
            return False
        if self.kind == "page_fail":
            return method == "GET" and listing and page == self.page
        return True

    def decide(self) -> bool:
        """Count one watched request and say whether the rule hits it."""
        self.seen += 1
        if self.nth is not None:
            hit = self.nth <= self.seen < self.nth + (self.times or 1)
        elif self.rate is not None:
            hit = self._rng.random() < self.rate and (self.times is None
                                                     or self.fired < self.times)
        else:
            hit = self.times is None or self.fired < self.times
        if hit:
            self.fired += 1
        return hit

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "methods": list(self.methods or []) or None,
            "route": self.route, "nth": self.nth, "times": self.times, "rate": self.rate,
            "seed": self.seed, "status": self.status, "retry_after": self.retry_after,
            "delay_ms": self.delay_ms, "page": self.page, "after": self.after,
            "timeout_s": self.timeout_s, "date_values": list(self.date_values),
            "fields": list(self.fields), "host": self.host, "seen": self.seen,
            "fired": self.fired,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        if not isinstance(data, dict) or "kind" not in data:
            raise ValueError("a fault rule is a JSON object with at least a 'kind'")
        unknown = set(data) - _KEYS
        if unknown:
            raise ValueError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
        options = {k: v for k, v in data.items() if k not in ("id", "seen", "fired")}
        methods = options.get("methods")
        if methods is not None:
            options["methods"] = (methods,) if isinstance(methods, str) else tuple(methods)
        return cls(**options)


@dataclass
class Hold:
    """A request whose answer is held after its write was committed."""

    id: int
    rule_id: int
    method: str
    path: str
    route: str
    since: float
    released: threading.Event = field(default_factory=threading.Event)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "rule_id": self.rule_id, "method": self.method,
                "path": self.path, "route": self.route,
                "held_seconds": round(time.monotonic() - self.since, 3)}


@dataclass
class Plan:
    """The rules that hit one request, split by when they act."""

    before: list[FaultRule] = field(default_factory=list)
    after: list[FaultRule] = field(default_factory=list)


class Faults:
    """The set of active fault rules and held requests. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._rules: list[FaultRule] = []
        self._next_rule = 0
        self._holds: dict[int, Hold] = {}
        self._next_hold = 0
        self.fired: dict[str, int] = {}

    def add(self, kind: str, **options: Any) -> FaultRule:
        """Add a rule (``server.faults.add("error_after", methods=["POST"], nth=3)``)."""
        return self.add_rule(FaultRule.from_json({"kind": kind, **options}))

    def add_rule(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._next_rule += 1
            rule.id = self._next_rule
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        """Remove every rule and let every held request go."""
        with self._lock:
            self._rules.clear()
            self.fired.clear()
        self.release()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def plan(self, method: str, path: str, *, listing: bool, page: int) -> Plan:
        plan = Plan()
        with self._lock:
            for rule in self._rules:
                if rule.watches(method, path, listing=listing, page=page) and rule.decide():
                    self.fired[rule.kind] = self.fired.get(rule.kind, 0) + 1
                    (plan.before if rule.phase == "before" else plan.after).append(rule)
        return plan

    # ------------------------------------------------------------------ holds

    def hold(self, rule: FaultRule, method: str, path: str, route: str) -> Hold:
        """Register a held request; the caller then waits with :meth:`wait_released`."""
        with self._lock:
            self._next_hold += 1
            held = Hold(self._next_hold, rule.id, method, path, route, time.monotonic())
            self._holds[held.id] = held
            self._changed.notify_all()
            return held

    def wait_released(self, held: Hold, timeout: float) -> bool:
        released = held.released.wait(timeout)
        with self._lock:
            self._holds.pop(held.id, None)
        return released

    def release(self, hold_id: int | None = None) -> int:
        """Let one held request (or all) answer. Returns how many were released."""
        with self._lock:
            targets = [h for h in self._holds.values() if hold_id in (None, h.id)]
            for held in targets:
                held.released.set()
            return len(targets)

    def held(self) -> list[dict[str, Any]]:
        with self._lock:
            return [h.as_json() for h in self._holds.values() if not h.released.is_set()]

    def wait_for_hold(self, timeout: float = 10.0) -> dict[str, Any]:
        """Block until a request is held; return it. ``TimeoutError`` if none comes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                pending = [h for h in self._holds.values() if not h.released.is_set()]
                if pending:
                    return pending[0].as_json()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no request was held in time")
                self._changed.wait(remaining)
