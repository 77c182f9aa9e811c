"""The one module that talks to GitLab, and the only importer of python-gitlab.

Every answer leaves here as a typed record of :mod:`tracker.gitlab.model`; every failure as a
:class:`~tracker.errors.GitLabError` that names the operation and keeps the HTTP status, with
GitLab's own words trimmed, stripped of markup and of the token.

Retries follow one rule: a request GitLab may have carried out is never sent again blindly.
Reads and idempotent writes (PUT of absolute values, label add/remove) are retried on 5xx,
timeouts and dropped connections; 429 is retried after ``Retry-After`` by python-gitlab, up to
:data:`RATE_LIMIT_BUDGET` seconds of waiting in all. A create whose outcome is unknown raises
:class:`UnknownOutcome` so the caller can look before trying again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import gitlab
import gitlab.exceptions
import requests

from tracker.config import Config, Secret
from tracker.errors import GitLabError
from tracker.gitlab.http import (
    RATE_LIMIT_BUDGET,
    Connection,
    RateLimited,
    UnknownOutcome,
    clean_message,
    route_of,
    server_time,
    wait_text,
)
from tracker.gitlab.model import (
    AccessLevel,
    BadAnswer,
    Issue,
    Label,
    LabelEvent,
    Member,
    Milestone,
    Note,
    Project,
    StateEvent,
    User,
)
from tracker.redact import Redactor

T = TypeVar("T")
log = logging.getLogger("tracker.gitlab")

TRANSIENT_CODES = {500, 502, 503, 504}
class _StopWaiting(Exception):
    """Raised from the response hook to stop python-gitlab obeying a long Retry-After."""

    def __init__(self, wait: float | None) -> None:
        super().__init__(wait)
        self.wait = wait


def _code(error: Exception) -> int | None:
    code = getattr(error, "response_code", None)
    return code if isinstance(code, int) else None


def _is_transient(error: Exception) -> bool:
    if isinstance(error, requests.RequestException):
        return True
    if isinstance(error, gitlab.exceptions.GitlabError):
        code = _code(error)
        return code is None or code in TRANSIENT_CODES
    return False


def _explain(error: Exception, what: str, redact: Redactor) -> GitLabError:
    code = _code(error)

    def fail(message: str) -> GitLabError:
        return GitLabError(f"{what}: {message}", operation=what, status=code)

    if isinstance(error, requests.Timeout):
        return fail("GitLab did not answer in time, even after retries. Try again later, or "
                    "check the address (--gitlab-url).")
    if isinstance(error, requests.ConnectionError):
        return fail("cannot reach GitLab, even after retries. Check the address "
                    "(--gitlab-url, TRACKER_GITLAB_URL or tracker.yml) and the network.")
    if isinstance(error, gitlab.exceptions.GitlabParsingError):
        return fail("GitLab's answer is not the JSON its API sends (a maintenance page, or an "
                    "address that is not GitLab's?). Try again later, or check the address.")
    if code == 401:
        return fail("GitLab refused the token (401 Unauthorized). Check that GITLAB_TOKEN "
                    "holds a valid, unexpired token with the api scope.")
    if code == 403:
        return fail("the token's user may not do this (403 Forbidden). Give the token the "
                    f"{AccessLevel.REPORTER.role} role or more in the project (project "
                    "Settings > Access tokens, or Manage > Members).")
    if code == 404:
        return fail("not found (404). Check the project path or id, and that the token's "
                    "user is a member of the project.")
    detail = clean_message(getattr(error, "error_message", None) or type(error).__name__, redact)
    status = f" ({code})" if code else ""
    return fail(f"GitLab did not answer as expected{status}: {detail}")


class GitLabClient:
    """A GitLab project, as the tracker uses it. Build it with :meth:`from_config`."""

    def __init__(
        self,
        url: str,
        token: Secret,
        project: str,
        *,
        write_interval: float = 0.2,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = url.rstrip("/")
        self._redact = Redactor([token.reveal()])
        self._session = requests.Session()
        self._session.hooks["response"].append(self._on_response)
        self._gl = gitlab.Gitlab(
            self._url, private_token=token.reveal(), timeout=timeout, per_page=100,
            session=self._session,
            retry_transient_errors=False,  # decided here, per request kind
            keep_base_url=True,  # GitLab's next-page links may name another host
        )
        self._project_ref = project
        self._project: Any = None
        self._write_interval = write_interval
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._last_write = 0.0
        self._waited = 0.0
        self._me: User | None = None
        self._is_admin = False
        self._server_time: dt.datetime | None = None
        self._warned_links = False
        self.requests = 0

    @classmethod
    def from_config(cls, config: Config, *, timeout: float = 30.0,
                    retries: int | None = None, sleep: Callable[[float], None] = time.sleep,
                    ) -> GitLabClient:
        """The client for the configured GitLab, project and token (InputError if missing)."""
        url, project, token = config.require_gitlab()
        return cls(url, token, project, write_interval=config.write_interval,
                   retries=config.retries if retries is None else retries,
                   backoff=config.retry_backoff, timeout=timeout, sleep=sleep)

    def __repr__(self) -> str:
        return f"GitLabClient({self._url!r}, {self._project_ref!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._session.close()

    def redact(self, text: str) -> str:
        """``text`` with the token masked: for what GitLab's users wrote, before it is kept."""
        return self._redact(text)

    # --- plumbing ---------------------------------------------------------------------------

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Log each request (token-free), stop long Retry-After waits, note foreign links."""
        self.requests += 1
        request = response.request
        log.debug("%s %s -> %s (%.0f ms)", request.method, route_of(request.url or ""),
                  response.status_code, response.elapsed.total_seconds() * 1000)
        link = response.headers.get("Link", "")
        if link and not self._warned_links and f"<{self._url}/" not in link:
            self._warned_links = True
            log.warning("GitLab's page links point at another address than %s (its "
                        "external_url differs); the tracker keeps to %s", self._url, self._url)
        raw = response.headers.get("Retry-After") if response.status_code == 429 else None
        if raw is not None:  # without it python-gitlab backs off briefly by itself
            try:
                wait: float | None = float(raw)  # python-gitlab's int() would crash on "1.5"
            except ValueError:
                wait = None
            if wait is None or not 0 <= wait <= RATE_LIMIT_BUDGET - self._waited \
                    or not raw.strip().isdigit():
                raise _StopWaiting(wait)
            self._waited += wait

    def _guard(self, what: str, call: Callable[[], T]) -> T:
        """Run ``call``, turning a long rate limit or an unreadable answer into clear errors."""
        try:
            return call()
        except _StopWaiting as stop:
            raise RateLimited(f"{what}: {wait_text(stop.wait)}; stopped rather than wait. "
                              "Nothing is lost: run the same command again later.",
                              operation=what, status=429) from None
        except (TypeError, AttributeError, ValueError) as error:
            if isinstance(error, GitLabError):
                raise
            raise BadAnswer(f"{what}: GitLab's answer could not be read "
                            f"({clean_message(error, self._redact)}); is the address that of a "
                            "GitLab (API v4)?", operation=what) from None

    def _read(self, what: str, call: Callable[[], T]) -> T:
        """Run a read (or an idempotent write), retrying transient failures with backoff."""
        for attempt in range(self._retries + 1):
            try:
                return self._guard(what, call)
            except (gitlab.exceptions.GitlabError, requests.RequestException) as error:
                if not _is_transient(error) or attempt == self._retries:
                    raise _explain(error, what, self._redact) from None
                log.debug("%s: transient failure, retry %d of %d", what, attempt + 1,
                          self._retries)
                self._sleep(min(self._backoff * 2**attempt, 8.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def _pace(self) -> None:
        wait = self._last_write + self._write_interval - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_write = time.monotonic()

    def _write(self, what: str, call: Callable[[], T]) -> T:
        """An idempotent write: paced, and retried like a read."""
        self._pace()
        return self._read(what, call)

    def _create(self, what: str, call: Callable[[], T]) -> T:
        """A write that must not be repeated blindly: any doubt raises UnknownOutcome."""
        self._pace()
        try:
            return self._guard(what, call)
        except (gitlab.exceptions.GitlabError, requests.RequestException) as error:
            if _is_transient(error):
                code = _code(error)
                raise UnknownOutcome(
                    f"{what}: GitLab gave no clear answer ({code or type(error).__name__}); "
                    "nothing is lost: run the same command again later", operation=what,
                    status=code) from None
            raise _explain(error, what, self._redact) from None

    @property
    def _api(self) -> Any:
        """The python-gitlab project object (fetched once)."""
        if self._project is None:
            self._project = self._read(
                f"reading project {self._project_ref}",
                lambda: self._gl.projects.get(self._project_ref),
            )
        return self._project

    def _path(self, *parts: object) -> str:
        """The API path ``/projects/:id/PARTS...`` of this project.

        Issues, their notes, events and links go through python-gitlab's HTTP layer (its
        pagination, rate-limit waits and errors) as plain JSON: a python-gitlab object per
        listed issue builds some fifteen sub-managers, a fifth of the CPU of a pull.
        """
        return "/".join((f"/projects/{self._api.encoded_id}", *map(str, parts)))

    def _listing(self, path: str, what: str, **params: Any) -> Iterator[Any]:
        """Every entry of a listing, page after page (100 a page), as GitLab sent it."""
        yield from self._gl.http_list(path, iterator=True, per_page=100,
                                      **_query_params(params))
        log.debug("%s: done", what)

    # --- reads ------------------------------------------------------------------------------

    def whoami(self) -> User:
        """Check the token: the user it signs in as. Notes GitLab's clock (``Date`` header)."""
        what = "checking the token"
        response = self._read(what, lambda: self._gl.http_request("get", "/user"))
        data = self._guard(what, response.json)
        self._me = User.from_json(data, what)
        self._is_admin = isinstance(data, dict) and bool(data.get("is_admin"))
        self._server_time = server_time(response.headers.get("Date"))
        return self._me

    def connect(self) -> Connection:
        """Check the token and the project; GitLab's clock when we asked."""
        user = self._me or self.whoami()
        return Connection(user=user, is_admin=self._is_admin, project=self.project(),
                          server_time=self._server_time)

    def project(self) -> Project:
        """The project's identity and address."""
        return Project.from_json(self._api.attributes, f"reading project {self._project_ref}")

    def _issues(self, what: str, **params: Any) -> list[Issue]:
        return self._read(what, lambda: [
            Issue.from_json(data, what)
            for data in self._listing(self._path("issues"), what, state="all", **params)])

    def managed_issues(self, sync_label: str, *,
                       updated_after: dt.datetime | None = None) -> list[Issue]:
        """Issues that carry the sync label, open or closed, oldest first."""
        extra = {"updated_after": updated_after.isoformat()} if updated_after else {}
        return self._issues("listing the tracker's issues", labels=[sync_label],
                            order_by="created_at", sort="asc", **extra)

    def issues_mentioning(self, text: str) -> list[Issue]:
        """Issues whose description contains ``text``, whatever their labels, oldest first."""
        return self._issues(f"searching issues for {text!r}", search=text, **{"in": "description"},
                            order_by="created_at", sort="asc")

    def issues_updated_since(self, moment: dt.datetime) -> list[Issue]:
        """Every issue of the project updated at or after ``moment``, oldest first.

        Whatever their labels: an issue that lost the sync label is still the tracker's.
        """
        return self._issues("listing the issues updated since the last pull",
                            updated_after=moment.isoformat(), order_by="created_at",
                            sort="asc")

    def all_issues(self) -> list[Issue]:
        """Every issue of the project, open or closed, oldest first."""
        return self._issues("listing the project's issues", order_by="created_at", sort="asc")

    def issues_by_iid(self, iids: Iterable[int]) -> list[Issue]:
        """The issues with these numbers that exist and can be seen (100 per request)."""
        wanted = sorted(set(iids))
        found: list[Issue] = []
        for start in range(0, len(wanted), 100):
            found += self._issues("reading known issues", iids=wanted[start:start + 100],
                                  order_by="created_at", sort="asc")
        return found

    def recent_managed_issues(self, sync_label: str) -> list[Issue]:
        """The newest issues with the sync label: where an unconfirmed create would be."""
        what = "looking for an issue just created"
        return self._read(what, lambda: [
            Issue.from_json(data, what)
            for data in self._gl.http_list(
                self._path("issues"), labels=sync_label, state="all", order_by="created_at",
                sort="desc", per_page=100, page=1)])

    def issue(self, iid: int) -> Issue | None:
        """One issue by iid; None when it does not exist or cannot be seen."""
        what = f"reading issue #{iid}"

        def get() -> Issue | None:
            try:
                return Issue.from_json(self._gl.http_get(self._path("issues", iid)), what)
            except gitlab.exceptions.GitlabHttpError as error:
                if _code(error) == 404:
                    return None
                raise

        return self._read(what, get)

    def members(self) -> dict[int, Member]:
        """Every member of the project, inherited ones included, by user id."""
        what = "listing project members"
        return self._read(what, lambda: {
            member.user_id: member for member in (
                Member.from_json(data, what)
                for data in self._listing(self._path("members", "all"), what))})

    def access_level(self, user_id: int) -> AccessLevel:
        """The access level of one user in the project (NONE when not a member)."""
        what = "reading the token's role"

        def get() -> AccessLevel:
            try:
                data = dict(self._api.members_all.get(user_id).attributes)
            except gitlab.exceptions.GitlabGetError as error:
                if _code(error) == 404:
                    return AccessLevel.NONE
                raise
            return Member.from_json(data, what).access_level

        return self._read(what, get)

    def label_events(self, iid: int) -> list[LabelEvent]:
        """Who added or removed which label on an issue, and when."""
        what = f"reading label events of issue #{iid}"
        return self._read(what, lambda: [
            LabelEvent.from_json(data, what) for data in self._listing(
                self._path("issues", iid, "resource_label_events"), what)])

    def state_events(self, iid: int) -> list[StateEvent]:
        """When an issue was closed or reopened."""
        what = f"reading state events of issue #{iid}"
        return self._read(what, lambda: [
            StateEvent.from_json(data, what) for data in self._listing(
                self._path("issues", iid, "resource_state_events"), what)])

    def notes(self, iid: int) -> list[Note]:
        """The notes of an issue, oldest first."""
        what = f"reading notes of issue #{iid}"
        return self._read(what, lambda: [
            Note.from_json(data, what) for data in self._listing(
                self._path("issues", iid, "notes"), what, sort="asc", order_by="created_at")])

    def labels(self, search: str | None = None) -> list[Label]:
        """The project's labels (its ancestor groups' included, as GitLab lists them).

        ``search``: only those whose name, or else whose description, holds every word of it,
        case insensitively (GitLab's fuzzy search; a label's whole name always finds it).
        """
        what = f"listing labels matching {search!r}" if search else "listing labels"
        params = {"search": search} if search else {}
        return self._read(what, lambda: [
            Label.from_json(data, what)
            for data in self._listing(self._path("labels"), what, **params)])

    def label_names(self, search: str | None = None) -> frozenset[str]:
        """The names of the project's labels (only those matching ``search``, if given)."""
        return frozenset(label.name for label in self.labels(search))

    def label(self, name: str) -> Label | None:
        """One label by name; None when it does not exist."""
        what = f"reading label {name!r}"

        def get() -> Label | None:
            try:
                return Label.from_json(dict(self._api.labels.get(name).attributes), what)
            except gitlab.exceptions.GitlabGetError as error:
                if _code(error) == 404:
                    return None
                raise

        return self._read(what, get)

    def milestones(self) -> list[Milestone]:
        """The project's milestones, open and closed."""
        what = "listing milestones"
        return self._read(what, lambda: [
            Milestone.from_json(data, what)
            for data in self._listing(self._path("milestones"), what)])

    # --- writes -----------------------------------------------------------------------------

    def create_label(self, name: str, color: str, description: str) -> None:
        """Create a label; one that already exists is fine."""
        self.create_label_once(name, color, description, retry=True)

    def create_label_once(self, name: str, color: str, description: str, *,
                          retry: bool = False) -> bool:
        """Create a label; False when it already exists (GitLab refuses a second one)."""
        what = f"creating label {name!r}"

        def create() -> bool:
            try:
                self._api.labels.create({"name": name, "color": color,
                                         "description": description})
            except gitlab.exceptions.GitlabCreateError as error:
                if _code(error) == 409:
                    return False
                raise
            return True

        if retry:
            return self._write(what, create)
        return self._create(what, create)

    def update_label(self, name: str, description: str) -> None:
        """Change a label's description."""
        self._write(f"updating label {name!r}",
                    lambda: self._api.labels.update(name, {"description": description}))

    def delete_label(self, name: str) -> None:
        """Delete a label; one already gone is fine."""
        def delete() -> None:
            try:
                self._api.labels.delete(name)
            except gitlab.exceptions.GitlabDeleteError as error:
                if _code(error) != 404:
                    raise

        self._write(f"deleting label {name!r}", delete)

    def create_milestone(self, fields: dict[str, str]) -> Milestone:
        """Create a milestone (UnknownOutcome when unsure whether it was)."""
        what = f"creating milestone {fields['title']!r}"
        made = self._create(what, lambda: self._api.milestones.create(fields))
        return Milestone.from_json(dict(made.attributes), what)

    def update_milestone(self, milestone_id: int, changes: dict[str, str]) -> None:
        """Change a milestone's fields."""
        self._write(f"updating milestone {milestone_id}",
                    lambda: self._api.milestones.update(milestone_id, changes))

    def create_issue(self, fields: dict[str, Any]) -> Issue:
        """Create an issue (UnknownOutcome when unsure whether it was)."""
        what = f"creating issue {fields['title']!r}"
        made = self._create(what, lambda: self._gl.http_post(self._path("issues"),
                                                             post_data=fields))
        return Issue.from_json(made, what)

    def update_issue(self, iid: int, changes: dict[str, Any]) -> Issue:
        """Set fields of an issue (absolute values and label add/remove: safe to repeat)."""
        what = f"updating issue #{iid}"
        data = self._write(what, lambda: self._gl.http_put(self._path("issues", iid),
                                                           post_data=changes))
        return Issue.from_json(data, what)

    def link_issues(self, iid: int, target_iid: int) -> None:
        """Relate two issues of the project; an existing link is fine."""
        def create() -> None:
            try:
                self._gl.http_post(self._path("issues", iid, "links"), post_data={
                    "target_project_id": self._api.id, "target_issue_iid": target_iid,
                    "link_type": "relates_to"})
            except gitlab.exceptions.GitlabHttpError as error:
                if _code(error) != 409:
                    raise

        self._write(f"linking issue #{iid} to #{target_iid}", create)

    def create_note(self, iid: int, body: str) -> None:
        """Add a comment (UnknownOutcome when unsure whether it was)."""
        self._create(f"commenting on issue #{iid}",
                     lambda: self._gl.http_post(self._path("issues", iid, "notes"),
                                                post_data={"body": body}))




def _query_params(params: dict[str, Any]) -> dict[str, Any]:
    """A listing's ``params`` in the query string as python-gitlab's managers send them:
    label lists comma-separated, other lists as ``key[]`` arrays (``iids[]=1&iids[]=2``).
    (A write's fields go as they are, in a JSON body, where a list is a JSON array.)"""
    sent: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, list | tuple) and key == "labels":  # GitLab wants them with commas
            sent[key] = label_csv(value)
        elif isinstance(value, list | tuple):
            sent[f"{key}[]"] = list(value)
        else:
            sent[key] = value
    return sent


def label_csv(labels: Iterable[str]) -> str:
    """Labels as GitLab's comma-separated parameter."""
    return ",".join(labels)


