"""GitLab REST v4 for the fake: parameters in, status + headers + JSON out.

No sockets here: :meth:`Api.handle` takes a method, a raw path, the query string, the headers
and the body, and returns an :class:`ApiResponse`. The HTTP server (``server.py``) wraps it with
rate limiting and fault injection. The endpoints live in ``endpoints/``, one module per
resource (as moto splits a service's responses); ``routing.py`` holds the shared plumbing
(how parameters are read, how routes are matched).
"""

from __future__ import annotations

import math
import sys
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from tracker.testing.fake_gitlab import endpoints  # noqa: F401 (registers the routes)
from tracker.testing.fake_gitlab.errors import FakeGitLabError, Unauthorized
from tracker.testing.fake_gitlab.routing import (
    COUNT_LIMIT,
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    ROUTES,
    ApiResponse,
    Call,
    Params,
    Resolved,
    to_int,
)
from tracker.testing.fake_gitlab.shapes import Shapes
from tracker.testing.fake_gitlab.state import Project, State, User

__all__ = ["Api", "ApiResponse", "Resolved", "encode_project_path"]


class Api:
    """The REST v4 surface over one :class:`State`."""

    def __init__(self, state: State, base_url: str = "http://127.0.0.1") -> None:
        self.state = state
        self.base_url = base_url

    # ------------------------------------------------------------------ dispatch

    @staticmethod
    def resolve(method: str, path: str) -> Resolved:
        method = "GET" if method == "HEAD" else method  # Grape answers HEAD on GET routes
        other = False
        for candidate in ROUTES:
            match = candidate.pattern.match(path)
            if match is None:
                continue
            if candidate.method == method:
                return Resolved(candidate, {k: unquote(v) for k, v in match.groupdict().items()},
                                False)
            other = True
        return Resolved(None, {}, other)

    def authenticate(self, headers: dict[str, str], query: str) -> tuple[User | None, bool]:
        """The user a request acts as, and whether it presented a token at all.

        GitLab reads ``PRIVATE-TOKEN``, ``Authorization: Bearer`` or ``private_token=``.
        """
        token = headers.get("private-token")
        if token is None:
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
        if token is None:
            token = dict(parse_qsl(query)).get("private_token")
        if token is None:
            return None, False
        user = self.state.user_for_token(token)
        if user is None:
            raise Unauthorized()
        self.state.check_api_access(user)
        return user, True

    def handle(self, method: str, path: str, query: str, headers: dict[str, str],
               body: bytes, resolved: Resolved | None = None) -> ApiResponse:
        """Answer one request. ``headers`` keys are lower-case."""
        resolved = resolved or self.resolve(method, path)
        try:
            if resolved.route is None:
                if resolved.other_methods:
                    return ApiResponse(405, {"error": "405 Not Allowed"})
                return ApiResponse(404, {"error": "404 Not Found"})
            user, _ = self.authenticate(headers, query)
            if user is None and method != "GET":
                raise Unauthorized()
            params = Params.parse(query, headers.get("content-type", ""), body)
            with self.state.lock:
                call = Call(method, path, resolved.path_params, query, params, user,
                            Shapes(self.state, self.base_url, user))
                return resolved.route.handler(self, call)
        except FakeGitLabError as error:
            return ApiResponse(error.status, error.body)
        except Exception:  # a bug in the fake: answer as GitLab would, and say where
            traceback.print_exc(file=sys.stderr)
            return ApiResponse(500, {"message": "500 Internal Server Error"})

    # ------------------------------------------------------------------ helpers

    def project(self, call: Call) -> Project:
        return self.state.find_project(call.path_params["id"], call.user)

    def issue_of(self, call: Call) -> tuple[Project, Any]:
        project = self.project(call)
        iid = to_int("issue_iid", call.path_params["issue_iid"])
        return project, self.state.find_issue(project, iid, call.user)

    def need_user(self, call: Call) -> User:
        if call.user is None:
            raise Unauthorized()
        return call.user

    def paginate(self, call: Call, items: list[Any],
                 render: Callable[[Any], Any]) -> ApiResponse:
        """GitLab's offset pagination: ``page``/``per_page`` and the ``x-*`` and ``Link``
        headers. Links use the server's own URL, as GitLab uses its external URL."""
        page = call.params.integer("page", 1) or 1
        per_page = call.params.integer("per_page", DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE
        page = max(page, 1)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        total = len(items)
        total_pages = max(math.ceil(total / per_page), 1)
        chunk = items[(page - 1) * per_page: page * per_page]

        def link(number: int) -> str:
            pairs = [(k, v) for k, v in parse_qsl(call.query, keep_blank_values=True)
                     if k not in ("page", "per_page", "private_token")]
            pairs += [("page", str(number)), ("per_page", str(per_page))]
            return f"{self.base_url}{call.path}?{urlencode(pairs)}"

        # Past 10,000 items GitLab stops counting: no x-total, x-total-pages nor rel="last".
        counted = total <= COUNT_LIMIT
        links = []
        if page > 1:
            links.append(f'<{link(page - 1)}>; rel="prev"')
        if page < total_pages:
            links.append(f'<{link(page + 1)}>; rel="next"')
        links.append(f'<{link(1)}>; rel="first"')
        if counted:
            links.append(f'<{link(total_pages)}>; rel="last"')
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < total_pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "Link": ", ".join(links),
        }
        if counted:
            headers["X-Total"] = str(total)
            headers["X-Total-Pages"] = str(total_pages)
        return ApiResponse(200, [render(item) for item in chunk], headers)


def encode_project_path(path: str) -> str:
    """``ogp/suivi`` as GitLab wants it in a URL: ``ogp%2Fsuivi``."""
    return quote(path, safe="")
