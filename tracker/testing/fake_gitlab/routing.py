"""The fake's REST plumbing: route registration, request parameters, the answer type.

Endpoints (``endpoints/*.py``, one module per resource) register with :func:`route`;
``api.py`` dispatches to them.

Parameters are read as GitLab's Grape layer reads them: from the query string, a JSON body or
a form body, merged; arrays as JSON lists, ``key[]=a&key[]=b`` or ``a,b``; booleans as
``true``/``false``/``1``/``0``. A missing required parameter answers 400
``{"error": "title is missing"}``, a malformed one ``{"error": "iids is invalid"}``, a value
outside a documented set ``{"error": "state_event does not have a valid value"}``.

Deliberate differences from GitLab, all stricter: dates must be ``YYYY-MM-DD`` and times ISO
8601 (Ruby's ``Date.parse`` takes almost anything); documented values the fake does not model
(for example ``order_by=priority``) answer 501 rather than being silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from tracker.testing.fake_gitlab.errors import BadRequest, FakeGitLabError
from tracker.testing.fake_gitlab.shapes import Shapes
from tracker.testing.fake_gitlab.state import User

if TYPE_CHECKING:
    from tracker.testing.fake_gitlab.api import Api

GITLAB_VERSION = "17.11.0"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
COUNT_LIMIT = 10_000
MISSING: Any = object()
_TRUE = {"true", "1", "t", "yes", "y", "on"}
_FALSE = {"false", "0", "f", "no", "n", "off"}


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (a proxy's HTML page, Rack::Attack's text)
    # The Date headers to send instead of the server's own (faults: odd, missing, repeated).
    date_values: list[str] | None = None

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.status == 204 or self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class Params:
    """Request parameters, typed on demand the way Grape coerces them."""

    values: dict[str, Any]

    @classmethod
    def parse(cls, query: str, content_type: str, body: bytes) -> Params:
        values: dict[str, Any] = {}

        def put(key: str, value: Any) -> None:
            if key.endswith("[]"):
                values.setdefault(key[:-2], [])
                if isinstance(values[key[:-2]], list):
                    values[key[:-2]].append(value)
            else:
                values[key] = value

        for key, value in parse_qsl(query, keep_blank_values=True):
            put(key, value)
        if body:
            kind = content_type.split(";")[0].strip().lower()
            if kind == "application/x-www-form-urlencoded":
                for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                    put(key, value)
            else:
                try:
                    data = json.loads(body)
                except ValueError as error:
                    raise FakeGitLabError(
                        {"message": "400 Bad request - the request body is not valid JSON"},
                        400) from error
                if isinstance(data, dict):
                    for key, value in data.items():
                        put(key, value)
        return cls(values)

    def has(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        return self.values.get(name, MISSING)

    def required(self, name: str) -> Any:
        if name not in self.values:
            raise BadRequest(f"{name} is missing")
        return self.values[name]

    def required_string(self, name: str) -> str:
        """:meth:`string` of ``name``; absent or null is Grape's ``<name> is missing``."""
        value = self.string(name)
        if value is None:
            raise BadRequest(f"{name} is missing")
        return str(value)

    def need_one_of(self, names: tuple[str, ...]) -> None:
        """Grape's ``at_least_one_of``: 400 naming every key when none of ``names`` is given."""
        if not any(self.has(name) for name in names):
            raise BadRequest(f"{', '.join(names)} are missing, at least one parameter must be "
                             "provided")

    def string(self, name: str, default: Any = None) -> Any:
        value = self.raw(name)
        if value is MISSING:
            return default
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise BadRequest(f"{name} is invalid")
        return str(value)

    def integer(self, name: str, default: Any = None) -> Any:
        value = self.raw(name)
        if value is MISSING:
            return default
        if value is None or value == "":
            return None
        return to_int(name, value)

    def boolean(self, name: str, default: Any = None) -> Any:
        value = self.raw(name)
        if value is MISSING:
            return default
        if isinstance(value, bool) or value is None:
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise BadRequest(f"{name} is invalid")

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = None) -> Any:
        value = self.string(name)
        if value is None:
            return default
        if value not in allowed:
            raise BadRequest(f"{name} does not have a valid value")
        return value

    def int_list(self, name: str) -> list[int] | None:
        value = self.raw(name)
        if value is MISSING or value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return [to_int(name, item) for item in items if str(item).strip() != ""]

    def name_list(self, name: str) -> list[str] | None:
        """Comma-separated names or a JSON array (``labels``, ``add_labels``...)."""
        value = self.raw(name)
        if value is MISSING:
            return None
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def day(self, name: str) -> Any:
        """A ``YYYY-MM-DD`` date; empty or null clears. ``MISSING`` when absent."""
        value = self.raw(name)
        if value is MISSING:
            return MISSING
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError as error:
            raise BadRequest(f"{name} is invalid") from error

    def moment(self, name: str) -> datetime | None:
        value = self.raw(name)
        if value is MISSING or value in (None, ""):
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace(" ", "+"))
        except ValueError as error:
            raise BadRequest(f"{name} is invalid") from error
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed


def to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise BadRequest(f"{name} is invalid")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise BadRequest(f"{name} is invalid")


@dataclass
class Call:
    """One API call being handled."""

    method: str
    path: str
    path_params: dict[str, str]
    query: str
    params: Params
    user: User | None
    shapes: Shapes


Handler = Callable[["Api", Call], ApiResponse]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    listing: bool = False
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r":([a-z_]+)", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile(f"^{regex}/?$")


@dataclass
class Resolved:
    route: Route | None
    path_params: dict[str, str]
    other_methods: bool  # the path exists with another method (405)

    @property
    def template(self) -> str:
        return self.route.template if self.route else "(unmatched)"

    @property
    def listing(self) -> bool:
        return bool(self.route and self.route.listing)


ROUTES: list[Route] = []


def route(method: str, template: str, *, listing: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, "/api/v4" + template, handler, listing))
        return handler
    return register


def ok(body: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status, body)

