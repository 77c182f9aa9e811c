"""Where the tracker talks to: ``tracker.yml``, environment variables and options.

Precedence for each setting: command-line option, then environment variable
(``TRACKER_GITLAB_URL``, ``TRACKER_PROJECT``), then ``tracker.yml``, then, inside GitLab CI,
``CI_SERVER_URL`` / ``CI_PROJECT_ID`` / ``CI_PAGES_URL``. The token is only ever read from
the environment (``GITLAB_TOKEN``) and is kept out of every repr, message and log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.plan import yamlsource
from tracker.snapshot import DEFAULT_SNAPSHOT_PATH

CONFIG_FILE = "tracker.yml"
TOKEN_VARIABLE = "GITLAB_TOKEN"  # noqa: S105  the variable's name, not a secret

_KNOWN_KEYS = {
    "gitlab_url": "address of the GitLab instance (https://gitlab.example.org)",
    "project": "project path (group/project) or numeric id",
    "label_prefix": "prefix of the tracker's scoped labels (e.g. 'ogp-' gives ogp-plan::...)",
    "report_url": "address where the public report is published (GitLab Pages)",
    "commitments": "folder that holds the plans (default: commitments)",
    "snapshot": "where the pull writes its snapshot (default: .tracker/snapshot.json)",
    "project_aliases": "former addresses of the project, whose issue links the sync adopts",
    "write_interval": "seconds to wait between two write requests (default: 0.2)",
    "moderated_users": "usernames whose comments are left out of the public report",
    "retries": "how many times to retry a request GitLab failed transiently (default: 5)",
    "retry_backoff": "seconds before the first retry, doubled each time (default: 0.5)",
}


class Secret:
    """A value that never shows itself in a repr, a message or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value, for the one place that must send it (the HTTP header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Config:
    """Everything a command needs to reach GitLab and find the plan."""

    gitlab_url: str | None = None
    project: str | None = None
    token: Secret | None = field(default=None, repr=False)
    label_prefix: str = ""
    report_url: str | None = None
    commitments: Path = Path("commitments")
    snapshot: Path = DEFAULT_SNAPSHOT_PATH
    project_aliases: tuple[str, ...] = ()
    write_interval: float = 0.2
    moderated_users: tuple[str, ...] = ()
    retries: int = 5
    retry_backoff: float = 0.5

    def require_gitlab(self) -> tuple[str, str, Secret]:
        """The URL, project and token, or an error saying how to give the missing one."""
        missing = []
        if not self.gitlab_url:
            missing.append("the GitLab address (--gitlab-url, TRACKER_GITLAB_URL, "
                           "or gitlab_url in tracker.yml)")
        if not self.project:
            missing.append("the project (--project, TRACKER_PROJECT, or project in tracker.yml)")
        if self.token is None:
            missing.append(f"a token in the environment variable {TOKEN_VARIABLE} "
                           "(a project access token with the Reporter role or more)")
        if missing:
            raise InputError("missing " + "; ".join(missing))
        assert self.gitlab_url is not None
        assert self.project is not None
        assert self.token is not None
        return self.gitlab_url, self.project, self.token


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yamlsource.load(path).data
    except yamlsource.YamlError as error:
        where = error.position
        raise InputError(f"{path}:{where.line}:{where.column}: {error.message}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}:1:1: tracker.yml must be a mapping of settings (key: value)")
    unknown = sorted(set(data) - set(_KNOWN_KEYS))
    if unknown:
        known = "\n".join(f"  {key}: {text}" for key, text in _KNOWN_KEYS.items())
        raise InputError(f"{path}: unknown setting {', '.join(map(repr, unknown))}; "
                         f"the settings are:\n{known}")
    return data


def _str(value: Any, key: str, path: Path) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{path}: {key} must be text")
    return str(value)


def load_config(
    root: Path = Path(),
    *,
    gitlab_url: str | None = None,
    project: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration from options, ``env`` (default: os.environ) and tracker.yml."""
    env = os.environ if env is None else env
    path = root / CONFIG_FILE
    data = _read_file(path)
    url = (gitlab_url or env.get("TRACKER_GITLAB_URL") or _str(data.get("gitlab_url"),
           "gitlab_url", path) or env.get("CI_SERVER_URL"))
    proj = (project or env.get("TRACKER_PROJECT") or _str(data.get("project"), "project", path)
            or env.get("CI_PROJECT_ID"))
    token = env.get(TOKEN_VARIABLE)
    prefix = _str(data.get("label_prefix"), "label_prefix", path) or ""
    if prefix and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", prefix):
        raise InputError(f"{path}: label_prefix {prefix!r} may use only lower-case letters, "
                         "digits, '-' and '_'")
    aliases = data.get("project_aliases") or []
    moderated = data.get("moderated_users") or []
    for key, value in (("project_aliases", aliases), ("moderated_users", moderated)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{path}: {key} must be a list of texts")
    interval = data.get("write_interval", 0.2)
    if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
        raise InputError(f"{path}: write_interval must be a number of seconds, 0 or more")
    retries = data.get("retries", 5)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 20:
        raise InputError(f"{path}: retries must be a whole number from 0 to 20")
    backoff = data.get("retry_backoff", 0.5)
    if isinstance(backoff, bool) or not isinstance(backoff, int | float) or backoff < 0:
        raise InputError(f"{path}: retry_backoff must be a number of seconds, 0 or more")
    return Config(
        gitlab_url=url.rstrip("/") if url else None,
        project=proj,
        token=Secret(token) if token else None,
        label_prefix=prefix,
        report_url=(_str(data.get("report_url"), "report_url", path) or env.get("CI_PAGES_URL")),
        commitments=Path(_str(data.get("commitments"), "commitments", path) or "commitments"),
        snapshot=Path(_str(data.get("snapshot"), "snapshot", path) or DEFAULT_SNAPSHOT_PATH),
        project_aliases=tuple(a.rstrip("/") for a in aliases),
        write_interval=float(interval),
        moderated_users=tuple(moderated),
        retries=retries,
        retry_backoff=float(backoff),
    )
