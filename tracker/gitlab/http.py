"""The HTTP side of the GitLab boundary that needs no python-gitlab, in words for people.

GitLab's clock from its ``Date`` header, routes for logs without host or secret, GitLab's error
bodies made fit to show, the errors a run can end with, the doctor's probe of an address, and
the one read of the published report (its open data).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
import urllib3

from tracker.errors import GitLabError
from tracker.gitlab.model import Project, User
from tracker.redact import Redactor

RATE_LIMIT_BUDGET = 120.0  # seconds of Retry-After a run accepts before it stops
_SECRET_PARAMS = {"private_token", "access_token", "job_token", "token"}
_BODY_SHOWN = 200  # characters of GitLab's error message shown to a person


class UnknownOutcome(GitLabError):
    """A write failed in a way that does not tell whether GitLab carried it out."""


class RateLimited(GitLabError):
    """GitLab asked the tracker to wait longer than it is willing to."""


@dataclass(frozen=True)
class Connection:
    """Who the token is, which project, and GitLab's clock when we asked."""

    user: User
    is_admin: bool
    project: Project
    server_time: dt.datetime | None


@dataclass(frozen=True)
class Probe:
    """Whether an address answers as a GitLab instance (no token needed)."""

    outcome: Literal["ok", "untrusted-certificate", "timeout", "unreachable", "not-gitlab"]
    status: int | None = None


def server_time(header: str | None) -> dt.datetime | None:
    """GitLab's clock from a ``Date`` header; None when the header is missing or odd.

    ``-0000`` (RFC 5322: UTC, local zone unknown) and a zone-less date are taken as UTC; two
    headers folded into one, or garbage, are ignored: the clock is a refinement, not a need.
    """
    if not header:
        return None
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def route_of(url: str) -> str:
    """A request's path and query without the host or any secret parameter, for logs."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in _SECRET_PARAMS]
    return parts.path + (f"?{urlencode(query)}" if query else "")


def clean_message(message: Any, redact: Redactor) -> str:
    """GitLab's error message made fit to show: one line, no markup, no token, not too long."""
    text = str(message or "")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = redact(" ".join(text.split()))
    return text if len(text) <= _BODY_SHOWN else text[: _BODY_SHOWN - 1] + "…"


def wait_text(wait: float | None) -> str:
    if wait is None:
        return "GitLab asked to wait, with a Retry-After that is not a number of seconds"
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
    return f"GitLab asked to wait {wait:.0f} s (until {until:%H:%M} UTC)"


def probe(url: str, timeout: float = 10.0) -> Probe:
    """Whether ``url`` answers as a GitLab instance (its API, without a token)."""
    try:
        with requests.Session() as session, session.get(f"{url}/api/v4/version",
                                                        timeout=timeout) as response:
            status = response.status_code
            is_json = response.headers.get("Content-Type", "").startswith("application/json")
    except requests.exceptions.SSLError:
        return Probe("untrusted-certificate")
    except requests.exceptions.Timeout:
        return Probe("timeout")
    except requests.exceptions.RequestException:
        return Probe("unreachable")
    # Without a token GitLab's API answers 401 in JSON; 200 when the version is public.
    if status in (200, 401) and is_json:
        return Probe("ok", status)
    return Probe("not-gitlab", status)


_PUBLISHED_MAX = 50 * 1024 * 1024  # bytes of open data read back from the published site


def published_json(url: str, timeout: float = 20.0) -> Any | None:
    """The JSON document published at ``url`` (the report's open data), or None when it cannot
    be read: the site is not published yet, private, unreachable, or serves something else."""
    try:
        with requests.Session() as session, session.get(url, timeout=timeout,
                                                        stream=True) as response:
            if response.status_code != 200:
                return None
            payload = response.raw.read(_PUBLISHED_MAX + 1, decode_content=True)
    # A body cut short or badly compressed surfaces as urllib3's own errors when read raw.
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError):
        return None
    if len(payload) > _PUBLISHED_MAX:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None
