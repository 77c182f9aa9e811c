"""The one module that talks to GitLab (through python-gitlab).

Retries live here, in one place, and follow one rule: a request GitLab may have carried out is
never sent again blindly. Reads and idempotent writes (PUT of absolute values, label
add/remove) are retried on 5xx, timeouts and dropped connections; 429 is retried after
``Retry-After`` by python-gitlab itself (GitLab refused it before doing anything). A create
whose outcome is unknown raises :class:`UnknownOutcome` so the caller can look before trying
again. The token is sent only as a header and never appears in a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import gitlab
import gitlab.exceptions
import requests

from tracker.config import Secret
from tracker.errors import GitLabError
from tracker.sync.actions import ObservedIssue, ObservedMilestone

T = TypeVar("T")

TRANSIENT_CODES = {500, 502, 503, 504}

# GitLab's access level from which a member may label and edit issues, create labels and
# milestones: the tracker's token needs it, and the pull counts such members as the
# administration.
REPORTER = 20


class UnknownOutcome(GitLabError):
    """A write failed in a way that does not tell whether GitLab carried it out."""


def _code(error: Exception) -> int | None:
    return getattr(error, "response_code", None)


def _is_transient(error: Exception) -> bool:
    if isinstance(error, requests.RequestException):
        return True
    if isinstance(error, gitlab.exceptions.GitlabError):
        code = _code(error)
        return code is None or code in TRANSIENT_CODES
    return False


def _explain(error: Exception, what: str) -> GitLabError:
    if isinstance(error, requests.Timeout):
        return GitLabError(f"{what}: GitLab did not answer in time, even after retries. "
                           "Try again later, or check the address (--gitlab-url).")
    if isinstance(error, requests.ConnectionError):
        return GitLabError(f"{what}: cannot reach GitLab, even after retries. Check the "
                           "address (--gitlab-url, TRACKER_GITLAB_URL or tracker.yml) and "
                           "the network.")
    code = _code(error)
    if code == 401:
        return GitLabError(f"{what}: GitLab refused the token (401 Unauthorized). Check that "
                           "GITLAB_TOKEN holds a valid, unexpired token with the api scope.")
    if code == 403:
        return GitLabError(f"{what}: the token's user may not do this (403 Forbidden). Give it "
                           "the Reporter role or more in the project (Planner/Reporter can "
                           "label and edit issues; Maintainer can create labels).")
    if code == 404:
        return GitLabError(f"{what}: not found (404). Check the project path or id, and that "
                           "the token's user is a member of the project.")
    detail = getattr(error, "error_message", None) or type(error).__name__
    status = f" ({code})" if code else ""
    return GitLabError(f"{what}: GitLab did not answer as expected{status}: {detail}")


def _issue(data: dict[str, Any]) -> ObservedIssue:
    milestone = data.get("milestone") or None
    return ObservedIssue(
        iid=int(data["iid"]),
        title=data.get("title") or "",
        description=data.get("description") or "",
        state=data.get("state") or "opened",
        labels=tuple(data.get("labels") or ()),
        due_date=data.get("due_date"),
        milestone_id=milestone["id"] if milestone else None,
        milestone_title=milestone["title"] if milestone else None,
        web_url=data.get("web_url") or "",
        updated_at=data.get("updated_at") or "",
        user_notes_count=int(data.get("user_notes_count") or 0),
        confidential=bool(data.get("confidential")),
    )


class GitLabProject:
    """A GitLab project, as the tracker uses it."""

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
        self._gl = gitlab.Gitlab(
            url, private_token=token.reveal(), timeout=timeout, per_page=100,
            retry_transient_errors=False,  # decided here, per request kind
        )
        self._project_ref = project
        self._project: Any = None
        self._write_interval = write_interval
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._last_write = 0.0
        self.user: dict[str, Any] = {}
        self.server_time: datetime | None = None

    def __repr__(self) -> str:
        return f"GitLabProject({self._gl.url!r}, {self._project_ref!r})"

    # --- plumbing ---------------------------------------------------------------------------

    def _read(self, what: str, call: Callable[[], T]) -> T:
        """Run a read (or an idempotent write), retrying transient failures with backoff."""
        for attempt in range(self._retries + 1):
            try:
                return call()
            except (gitlab.exceptions.GitlabError, requests.RequestException) as error:
                if not _is_transient(error) or attempt == self._retries:
                    raise _explain(error, what) from None
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
            return call()
        except (gitlab.exceptions.GitlabError, requests.RequestException) as error:
            if _is_transient(error):
                raise UnknownOutcome(f"{what}: no clear answer from GitLab") from None
            raise _explain(error, what) from None

    @property
    def project(self) -> Any:
        """The python-gitlab project object (fetched once)."""
        if self._project is None:
            self._project = self._read(
                f"reading project {self._project_ref}",
                lambda: self._gl.projects.get(self._project_ref),
            )
        return self._project

    # --- reads ------------------------------------------------------------------------------

    def connect(self) -> dict[str, Any]:
        """Check the token and the project; the project's attributes.

        Also notes the server's clock (``Date`` header), which the pull compares with issue
        times: the local clock may differ from GitLab's.
        """
        response = self._read("checking the token",
                              lambda: self._gl.http_request("get", "/user"))
        self.user = dict(response.json())
        date = response.headers.get("Date")
        self.server_time = parsedate_to_datetime(date) if date else None
        attributes: dict[str, Any] = dict(self.project.attributes)
        return attributes

    @property
    def web_url(self) -> str:
        """The project's address, as issue links use it."""
        return str(self.project.attributes.get("web_url", "")).rstrip("/")

    def managed_issues(self, sync_label: str) -> list[ObservedIssue]:
        """Every issue that carries the sync label, open or closed (100 per request)."""
        return self._read("listing the tracker's issues", lambda: [
            _issue(item.attributes)
            for item in self.project.issues.list(
                labels=[sync_label], state="all", order_by="created_at", sort="asc",
                per_page=100, iterator=True,
            )
        ])

    def recent_managed_issues(self, sync_label: str) -> list[ObservedIssue]:
        """The newest issues with the sync label: where an unconfirmed create would be."""
        return self._read("looking for an issue just created", lambda: [
            _issue(item.attributes)
            for item in self.project.issues.list(
                labels=[sync_label], state="all", order_by="created_at", sort="desc",
                per_page=100, page=1,
            )
        ])

    def issues_raw(self, labels: list[str]) -> list[dict[str, Any]]:
        """Every issue with all of ``labels``, open or closed, as GitLab's JSON objects."""
        return self._read("listing issues", lambda: [
            dict(item.attributes)
            for item in self.project.issues.list(
                labels=labels, state="all", order_by="created_at", sort="asc",
                per_page=100, iterator=True,
            )
        ])

    def members(self) -> dict[int, int]:
        """Access level of every member of the project, inherited ones included, by user id."""
        return self._read("listing project members", lambda: {
            int(m.id): int(m.access_level)
            for m in self.project.members_all.list(per_page=100, iterator=True)
        })

    def access_level(self, user_id: int) -> int:
        """The access level of one user in the project (0 when not a member)."""
        def get() -> int:
            try:
                return int(self.project.members_all.get(user_id).access_level)
            except gitlab.exceptions.GitlabGetError as error:
                if _code(error) == 404:
                    return 0
                raise

        return self._read("reading the token's role", get)

    def label_events(self, iid: int) -> list[dict[str, Any]]:
        """The resource label events of an issue (who added or removed which label, when)."""
        return self._read(f"reading label events of issue #{iid}", lambda: [
            dict(event.attributes)
            for event in self.project.issues.get(iid, lazy=True).resourcelabelevents.list(
                per_page=100, iterator=True)
        ])

    def state_events(self, iid: int) -> list[dict[str, Any]]:
        """The resource state events of an issue (closed, reopened, when)."""
        return self._read(f"reading state events of issue #{iid}", lambda: [
            dict(event.attributes)
            for event in self.project.issues.get(iid, lazy=True).resourcestateevents.list(
                per_page=100, iterator=True)
        ])

    def issue(self, iid: int) -> ObservedIssue | None:
        """One issue by iid; None when it does not exist or cannot be seen."""
        def get() -> ObservedIssue | None:
            try:
                return _issue(self.project.issues.get(iid).attributes)
            except gitlab.exceptions.GitlabGetError as error:
                if _code(error) == 404:
                    return None
                raise

        return self._read(f"reading issue #{iid}", get)

    def label_names(self) -> frozenset[str]:
        """The names of the project's labels."""
        return self._read("listing labels", lambda: frozenset(
            label.name for label in self.project.labels.list(per_page=100, iterator=True)
        ))

    def milestones(self) -> list[ObservedMilestone]:
        """The project's milestones, open and closed."""
        return self._read("listing milestones", lambda: [
            ObservedMilestone(
                id=m.id, title=m.title, description=m.attributes.get("description") or "",
                start_date=m.attributes.get("start_date"), due_date=m.attributes.get("due_date"),
                state=m.attributes.get("state", "active"),
            )
            for m in self.project.milestones.list(per_page=100, iterator=True)
        ])

    def notes(self, iid: int) -> list[dict[str, Any]]:
        """The notes of an issue, oldest first."""
        return self._read(f"reading notes of issue #{iid}", lambda: [
            dict(note.attributes)
            for note in self.project.issues.get(iid, lazy=True).notes.list(
                sort="asc", order_by="created_at", per_page=100, iterator=True)
        ])

    # --- writes -----------------------------------------------------------------------------

    def create_label(self, name: str, color: str, description: str) -> None:
        """Create a label; one that already exists is fine."""
        def create() -> None:
            try:
                self.project.labels.create(
                    {"name": name, "color": color, "description": description})
            except gitlab.exceptions.GitlabCreateError as error:
                if _code(error) != 409:
                    raise

        self._write(f"creating label {name!r}", create)

    def create_milestone(self, fields: dict[str, str]) -> ObservedMilestone:
        """Create a milestone (UnknownOutcome when unsure whether it was)."""
        made = self._create(f"creating milestone {fields['title']!r}",
                            lambda: self.project.milestones.create(fields))
        return ObservedMilestone(made.id, made.title, fields.get("description", ""),
                                 fields.get("start_date"), fields.get("due_date"), "active")

    def update_milestone(self, milestone_id: int, changes: dict[str, str]) -> None:
        """Change a milestone's fields."""
        self._write(f"updating milestone {milestone_id}",
                    lambda: self.project.milestones.update(milestone_id, changes))

    def create_issue(self, fields: dict[str, Any]) -> ObservedIssue:
        """Create an issue (UnknownOutcome when unsure whether it was)."""
        made = self._create(f"creating issue {fields['title']!r}",
                            lambda: self.project.issues.create(fields))
        return _issue(made.attributes)

    def update_issue(self, iid: int, changes: dict[str, Any]) -> ObservedIssue:
        """Set fields of an issue (absolute values and label add/remove: safe to repeat)."""
        data = self._write(f"updating issue #{iid}",
                           lambda: self.project.issues.update(iid, changes))
        return _issue(data)

    def link_issues(self, iid: int, target_iid: int) -> None:
        """Relate two issues of the project; an existing link is fine."""
        def create() -> None:
            try:
                self.project.issues.get(iid, lazy=True).links.create({
                    "target_project_id": self.project.id, "target_issue_iid": target_iid,
                    "link_type": "relates_to"})
            except gitlab.exceptions.GitlabCreateError as error:
                if _code(error) != 409:
                    raise

        self._write(f"linking issue #{iid} to #{target_iid}", create)

    def create_note(self, iid: int, body: str) -> None:
        """Add a comment (UnknownOutcome when unsure whether it was)."""
        self._create(f"commenting on issue #{iid}",
                     lambda: self.project.issues.get(iid, lazy=True).notes.create({"body": body}))


def label_csv(labels: Iterable[str]) -> str:
    """Labels as GitLab's comma-separated parameter."""
    return ",".join(labels)
