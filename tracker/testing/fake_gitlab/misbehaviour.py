"""What a misbehaving GitLab answers: the responses of the hardening fault kinds.

Pure functions from the request (or the answer GitLab gave) to the answer the client gets;
``server.py`` applies them when a rule of ``faults.py`` hits.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from tracker.testing.fake_gitlab.routing import ApiResponse

# GitLab's deploy page (public/deploy.html), shortened.
MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Deploy in progress</title>"
    "</head><body><h1>Deploy in progress</h1><p>Please try again in a few minutes or contact "
    "your administrator.</p></body></html>"
)
_REASONS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            422: "Unprocessable Entity", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable"}


def echo_headers(status: int, headers: dict[str, str]) -> ApiResponse:
    """An error whose message repeats every request header, the token among them."""
    echoed = "; ".join(f"{name}: {value}" for name, value in sorted(headers.items()))
    reason = _REASONS.get(status, "Error")
    return ApiResponse(status, {"message": f"{status} {reason} (request headers: {echoed})",
                                "request_headers": headers})


def maintenance_page(status: int) -> ApiResponse:
    return ApiResponse(status, None, {"Content-Type": "text/html; charset=utf-8"},
                       MAINTENANCE_PAGE.encode())


def drop_fields(response: ApiResponse, fields: tuple[str, ...]) -> ApiResponse:
    """The answer with ``fields`` missing from its object, or from each listed object."""

    def strip(item: Any) -> Any:
        return ({k: v for k, v in item.items() if k not in fields} if isinstance(item, dict)
                else item)

    body = response.body
    body = [strip(item) for item in body] if isinstance(body, list) else strip(body)
    return ApiResponse(response.status, body, dict(response.headers), response.raw)


def reversed_listing(response: ApiResponse) -> ApiResponse:
    """A listing's objects in the opposite order (any other answer unchanged)."""
    body = response.body
    if isinstance(body, list):
        body = list(reversed(body))
    return ApiResponse(response.status, body, dict(response.headers), response.raw)


def malformed_json(response: ApiResponse) -> ApiResponse:
    """The first half of the JSON answer: cut off mid-way, as by a proxy timing out."""
    payload = response.encoded()
    return ApiResponse(response.status, None, dict(response.headers),
                       payload[:max(len(payload) // 2, 1)] if payload else b"{")


def foreign_links(response: ApiResponse, host: str) -> ApiResponse:
    """The ``Link`` header's URLs moved onto ``host`` (scheme, name and port)."""
    headers = dict(response.headers)
    if "Link" in headers:
        target = urlsplit(host)

        def move(match: re.Match[str]) -> str:
            url = urlsplit(match.group(1))
            return "<" + url._replace(scheme=target.scheme, netloc=target.netloc).geturl() + ">"

        headers["Link"] = re.sub(r"<([^>]+)>", move, headers["Link"])
    return ApiResponse(response.status, response.body, headers, response.raw,
                       response.date_values)


def with_dates(response: ApiResponse, values: tuple[str, ...]) -> ApiResponse:
    return ApiResponse(response.status, response.body, dict(response.headers), response.raw,
                       list(values))
