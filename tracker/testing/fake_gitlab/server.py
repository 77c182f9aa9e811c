"""The fake GitLab's HTTP server and the Python handle tests drive it through.

:class:`FakeGitLab` serves GitLab's REST v4 API (``api.py``) over a standard-library
``ThreadingHTTPServer`` on a loopback port, wrapped in the same layers as a real instance:
rate limiting first (``ratelimit.py``), then fault injection (``faults.py``), then the
application. It also answers the introspection endpoints under ``/-/fake/`` (``control.py``; never
counted, never faulted, never rate limited):

====================================  =========================================================
``GET /-/fake/stats``                 ``total``, ``writes``, ``by_method``, ``by_route``
                                      (``"POST /api/v4/projects/:id/issues"``), ``by_status``,
                                      ``in_flight``, ``held``, ``faults``, ``rate_limited``
``POST /-/fake/reset``                wipe everything back to the start configuration (project,
                                      users, tier, clock; faults and holds cleared); with
                                      ``{"counters_only": true}`` only zero the counters
``GET|POST /-/fake/clock``            read it; ``{"advance_seconds": N}`` moves it forward
``GET|POST|DELETE /-/fake/faults``    list rules; add one rule or ``{"rules": [...]}``; clear
``GET /-/fake/holds``                 requests held by a ``hold`` rule
``POST /-/fake/holds/release``        release ``{"id": N}``, or all held requests
``POST /-/fake/users``                add ``{"token", "role", "username"?, "name"?}``
``GET|POST /-/fake/tier``             read or set ``{"tier": "free" | "premium"}``
``POST /-/fake/rate_limit``           ``{"limit": N | null, "period_seconds": S}``
====================================  =========================================================
"""

from __future__ import annotations

import contextlib
import email.utils
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tracker.testing.fake_gitlab import misbehaviour
from tracker.testing.fake_gitlab.api import Api, ApiResponse, Resolved
from tracker.testing.fake_gitlab.clock import Clock
from tracker.testing.fake_gitlab.control import Stats, handle_control
from tracker.testing.fake_gitlab.faults import FaultRule, Faults
from tracker.testing.fake_gitlab.ratelimit import DEFAULT_PERIOD, RateLimiter
from tracker.testing.fake_gitlab.shapes import Shapes
from tracker.testing.fake_gitlab.state import ROLES, TIERS, Project, State, User

DEFAULT_PROJECT = "ogp/suivi"
DEFAULT_TOKENS = {"owner-token": "owner"}

_GATEWAY_PAGE = (
    "<!DOCTYPE html><html><head><title>GitLab is not responding ({status})</title></head>"
    "<body><h1>{status}</h1><h3>Whoops, GitLab is taking too much time to respond.</h3>"
    "</body></html>"
)


# Rack::Attack's answer to a throttled request.
_RETRY_LATER = ApiResponse(429, None, {"Content-Type": "text/plain"}, b"Retry later\n")


def _error_response(status: int) -> ApiResponse:
    """What GitLab (or the proxy in front of it) answers with a server error.

    Injected server errors carry no RateLimit headers: they stand for a failure in front of
    or inside Rails, not for an answer Rack::Attack saw. (python-gitlab, retrying a 5xx,
    would otherwise sleep until ``RateLimit-Reset``: up to a whole window.)
    """
    if status in (502, 503, 504):
        return ApiResponse(status, None, {"Content-Type": "text/html; charset=utf-8"},
                           _GATEWAY_PAGE.format(status=status).encode())
    reasons = {500: "Internal Server Error", 429: "Too Many Requests"}
    return ApiResponse(status, {"message": f"{status} {reasons.get(status, 'Error')}"})


def _username_for(token: str) -> str:
    base = token.removesuffix("-token").removesuffix("_token") or token
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in base)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeGitLab

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which can take
        # seconds on a machine without DNS; a loopback test server needs none of it.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as GitLab behind nginx
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus the client's
    # delayed ACK add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _HTTPServer
    server_version = "nginx"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._connections.discard(self.connection)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # GitLab's Date header and its timestamps come from one clock; here, the test clock,
        # so clients that compare the two (the incremental pull) see a consistent server.
        moment = self.server.fake.clock.now().timestamp() if timestamp is None else timestamp
        return email.utils.formatdate(moment, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake = self.server.fake
        if split.path.startswith("/-/fake"):
            status, payload = fake._control(self.command, split.path, body)
            self.send(ApiResponse(status, payload))
            return
        fake._serve_api(self, self.command, split.path, split.query, headers, body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def send(self, response: ApiResponse, extra: dict[str, str] | None = None) -> None:
        payload = response.encoded()
        try:
            if response.date_values is None:
                self.send_response(response.status)
            else:  # a fault's Date headers replace the server's own
                self.log_request(response.status)
                self.send_response_only(response.status)
                self.send_header("Server", self.version_string())
                for value in response.date_values:
                    self.send_header("Date", value)
            headers = {"Content-Type": "application/json", "Cache-Control": "no-cache",
                       "X-Content-Type-Options": "nosniff", **(extra or {}),
                       **response.headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client went away (killed, timed out)

    def drop(self) -> None:
        """Close the connection without a word."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class FakeGitLab:
    """An in-memory GitLab speaking REST v4 over HTTP on a loopback port.

    >>> with FakeGitLab() as server:                      # doctest: +SKIP
    ...     gl = gitlab.Gitlab(server.url, private_token="owner-token")
    ...     gl.projects.get("ogp/suivi").issues.create({"title": "Engagement 1"})

    ``tokens`` maps each token to a role in ``project`` (``owner``, ``maintainer``,
    ``developer``, ``reporter``, ``planner``, ``guest``, or ``none`` for a signed-in
    non-member). The clock is frozen unless ``ticking_clock`` (see ``clock.py``).
    """

    def __init__(self, *, project: str = DEFAULT_PROJECT,
                 tokens: dict[str, str] | None = None, tier: str = "free",
                 visibility: str = "public", latency_ms: float = 0,
                 host: str = "127.0.0.1", port: int = 0,
                 start_time: datetime | None = None, ticking_clock: bool = False,
                 rate_limit: int | None = None, rate_period: float = DEFAULT_PERIOD,
                 verbose: bool = False) -> None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}")
        self.clock = Clock(start_time, ticking=ticking_clock)
        self.faults = Faults()
        self.rate_limiter = RateLimiter(self.clock, rate_limit, rate_period)
        self.latency_ms = latency_ms
        self.verbose = verbose
        self._host, self._port = host, port
        self._tier = tier
        self._stats = Stats()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._setup: list[Callable[[State], None]] = []
        self.state = State(self.clock, tier=tier)
        self.api = Api(self.state)
        self.project_path = project
        self.add_project(project, visibility=visibility)
        for token, role in (DEFAULT_TOKENS if tokens is None else tokens).items():
            self.add_user(token, role)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeGitLab:
        """Bind the port and serve in a background thread; returns ``self``."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self.api.base_url = self.url
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={
            "poll_interval": 0.02}, name=f"fake-gitlab:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, let held requests go and close every open connection."""
        if self._httpd is None:
            return
        self.faults.release()
        self._httpd.shutdown()
        self._httpd.server_close()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def serve_forever(self) -> None:
        """Serve in the calling thread (the ``python -m`` entry point)."""
        self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> FakeGitLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake GitLab is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL clients use, e.g. ``http://127.0.0.1:8929``."""
        return f"http://{self._host}:{self.port}"

    # ------------------------------------------------------------------ configuration

    @property
    def project(self) -> Project:
        """The project created at start (``ogp/suivi`` by default)."""
        return self.state.projects[self.state.project_paths[self.project_path]]

    def _configure(self, step: Callable[[State], Any]) -> Any:
        self._setup.append(step)
        return step(self.state)

    def add_project(self, path: str, *, visibility: str = "public") -> Project:
        """Add a project; kept across :meth:`reset`."""
        return self._configure(  # type: ignore[no-any-return]
            lambda state: state.add_project(path, visibility=visibility))

    def add_user(self, token: str, role: str = "none", *, username: str | None = None,
                 name: str | None = None, project: str | None = None,
                 admin: bool = False) -> User:
        """Add a user who authenticates with ``token`` and has ``role`` in ``project``
        (the default project unless named). Kept across :meth:`reset`.

        >>> server.add_user("citizen-token", "none", username="camille")  # doctest: +SKIP
        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        wanted = username or _username_for(token)
        taken = {u.username for u in self.state.users.values()}
        unique, n = wanted, 1
        while username is None and unique in taken:
            n += 1
            unique = f"{wanted}{n}"
        target = project or self.project_path

        def step(state: State) -> User:
            user = state.add_user(token, username=unique,
                                  name=name or unique.replace("-", " ").title(), admin=admin)
            state.set_member(state.projects[state.project_paths[target]], user, role)
            return user

        return self._configure(step)  # type: ignore[no-any-return]

    def set_role(self, token: str, role: str, *, project: str | None = None) -> None:
        """Change a user's role (kept across :meth:`reset`)."""
        target = project or self.project_path

        def step(state: State) -> None:
            user = state.user_for_token(token)
            if user is None:
                raise ValueError(f"no user has the token {token!r}")
            state.set_member(state.projects[state.project_paths[target]], user, role)

        self._configure(step)

    def set_user_state(self, username: str, state: str) -> None:
        """``active``, ``blocked``, ``banned`` or ``deactivated`` (kept across :meth:`reset`):
        shown as ``author.state``; a user not active gets 403 on every API call."""

        def step(state_model: State) -> None:
            state_model.set_user_state(state_model.find_user(username), state)

        self._configure(step)

    def delete_user(self, username: str) -> None:
        """Delete a user as an administrator does (not "hard delete"): what they wrote moves
        to the Ghost User, their token answers 401. Kept across :meth:`reset`."""
        self._configure(lambda state_model: state_model.delete_user(
            state_model.find_user(username)))

    @property
    def tier(self) -> str:
        return self._tier

    def set_tier(self, tier: str) -> None:
        """``free`` (GitLab CE/Free: scoped labels are plain labels) or ``premium``."""
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}")
        with self.state.lock:
            self._tier = self.state.tier = tier

    def set_rate_limit(self, limit: int | None, period: float = DEFAULT_PERIOD) -> None:
        """Refuse requests past ``limit`` per ``period`` seconds per client (None: never)."""
        self.rate_limiter.configure(limit, period)

    def add_fault(self, kind: str, **options: Any) -> FaultRule:
        """Shortcut for ``faults.add``; see ``faults.py`` for kinds and options."""
        return self.faults.add(kind, **options)

    def wait_for_hold(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.faults.wait_for_hold(timeout)

    def release_holds(self, hold_id: int | None = None) -> int:
        return self.faults.release(hold_id)

    def kill_when_held(self, process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
        """A crash at one request: wait until a "hold" fault holds ``process``'s request, kill
        it (SIGKILL: no clean-up runs), then release the hold and clear every fault."""
        try:
            self.wait_for_hold(timeout=timeout)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=timeout)
            self.release_holds()
            self.faults.clear()

    # ------------------------------------------------------------------ introspection

    def stats(self) -> dict[str, Any]:
        snapshot = self._stats.snapshot()
        snapshot["held"] = self.faults.held()
        snapshot["faults"] = {"fired": dict(self.faults.fired), "rules": self.faults.rules()}
        snapshot["rate_limited"] = self.rate_limiter.refused
        return snapshot

    def reset(self, *, counters_only: bool = False) -> None:
        """Back to the start configuration, or (``counters_only``) just zero the stats."""
        self._stats.reset()
        self.rate_limiter.reset()
        if counters_only:
            return
        self.faults.clear()
        self.clock.reset()
        state = State(self.clock, tier=self._tier)
        for step in self._setup:
            step(state)
        self.state = state
        self.api.state = state

    def shapes_for(self, user: User | None = None) -> Shapes:
        """Serialise objects as GitLab would for ``user`` (handy in assertions)."""
        return Shapes(self.state, self.url, user)

    # ------------------------------------------------------------------ serving

    def _serve_api(self, handler: _Handler, method: str, path: str, query: str,
                   headers: dict[str, str], body: bytes) -> None:
        resolved = self.api.resolve(method, path)
        self._stats.start(method, resolved.template)
        outcome: tuple[int, ApiResponse, dict[str, str]] | None = None
        try:
            outcome = self._outcome(handler, method, path, query, headers, body, resolved)
        finally:
            # Counted before a byte goes out, so a client that reads the stats right after
            # its answer (or its dropped connection) finds its request there.
            self._stats.finish("dropped" if outcome is None else outcome[0])
        if outcome is None:
            handler.drop()
        else:
            handler.send(outcome[1], outcome[2])

    def _outcome(self, handler: _Handler, method: str, path: str, query: str,
                 headers: dict[str, str], body: bytes,
                 resolved: Resolved) -> tuple[int, ApiResponse, dict[str, str]] | None:
        """Run one API request through the layers: latency, rate limit, faults, GitLab.
        Returns (status, answer, extra headers), or None to drop the connection."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        query_params = dict(parse_qsl(query))
        token = headers.get("private-token") or headers.get("authorization") \
            or query_params.get("private_token")
        decision = self.rate_limiter.check(
            token or f"ip:{handler.client_address[0]}", authenticated=token is not None)
        if not decision.allowed:
            return 429, _RETRY_LATER, decision.headers
        page_text = query_params.get("page", "1")
        page = int(page_text) if page_text.isdigit() else 1
        plan = self.faults.plan(method, path, listing=resolved.listing, page=page)
        for rule in plan.before:
            if rule.kind == "slow":
                time.sleep(rule.delay_ms / 1000)
            elif rule.kind == "drop":
                return None
            elif rule.kind == "rate_limit":
                extra = dict(decision.headers)
                extra["RateLimit-Reset"] = str(int(time.time()) + (rule.retry_after or 0))
                if rule.retry_after is not None:
                    extra["Retry-After"] = str(rule.retry_after)
                return 429, _RETRY_LATER, extra
            elif rule.kind == "echo_headers":
                status = int(rule.status or 500)
                return status, misbehaviour.echo_headers(status, headers), {}
            elif rule.kind == "maintenance_page":
                status = int(rule.status or 503)
                return status, misbehaviour.maintenance_page(status), {}
            else:  # error_before, page_fail
                status = int(rule.status or 500)
                return status, _error_response(status), {}
        response = self.api.handle(method, path, query, headers, body, resolved)
        outcome = response.status, response, decision.headers
        for rule in plan.after:
            if rule.kind == "hold":
                held = self.faults.hold(rule, method, path, resolved.template)
                self.faults.wait_released(held, rule.timeout_s)
            elif rule.kind == "drop":
                return None
            elif rule.kind == "error_after":
                status = int(rule.status or 502)
                outcome = status, _error_response(status), {}
            else:
                outcome = (outcome[0], self._misbehave(rule, outcome[1]), outcome[2])
        return outcome

    @staticmethod
    def _misbehave(rule: FaultRule, response: ApiResponse) -> ApiResponse:
        """The answer as an after-phase hardening rule spoils it (``misbehaviour.py``)."""
        if rule.kind == "drop_fields":
            return misbehaviour.drop_fields(response, rule.fields)
        if rule.kind == "malformed_json":
            return misbehaviour.malformed_json(response)
        if rule.kind == "foreign_links":
            return misbehaviour.foreign_links(response, rule.host)
        if rule.kind == "reversed_listing":
            return misbehaviour.reversed_listing(response)
        if rule.kind == "date_header":
            return misbehaviour.with_dates(response, rule.date_values)
        raise ValueError(f"fault kind {rule.kind!r} has no after-phase effect")

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        """The ``/-/fake/`` endpoints (``control.py``)."""
        return handle_control(self, method, path, body)
