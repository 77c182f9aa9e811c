"""The tracker's settings: each declared once, with its type, default, help and check.

Precedence for each setting: command-line option, then environment variable, then
``tracker.yml``, then (inside GitLab CI) GitLab's predefined variable, then the default. The
token is only ever read from the environment (``GITLAB_TOKEN``) and is kept out of every repr,
message and log. Every problem of ``tracker.yml`` is reported at once, each naming its key and
its line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.plan import yamlsource
from tracker.snapshot import DEFAULT_SNAPSHOT_PATH

CONFIG_FILE = "tracker.yml"
TOKEN_VARIABLE = "GITLAB_TOKEN"  # noqa: S105  the variable's name, not a secret


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


# --- checks: each takes the raw value and returns the clean one, or raises ValueError ------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise ValueError("must be a text, e.g. key: some-value")
    return str(value).strip()


def _url(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
        raise ValueError(f"{text!r} is not an address: write it as https://host/path")
    return text.rstrip("/")


def _path(value: Any) -> Path:
    return Path(_text(value))


def _prefix(value: Any) -> str:
    if value in (None, ""):
        return ""
    text = _text(value)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", text):
        raise ValueError(f"{text!r} may use only lower-case letters, digits, '-' and '_'")
    return text


def _seconds(value: Any) -> float:
    if not _is_number(value) or value < 0:
        raise ValueError("must be a number of seconds, 0 or more")
    return float(value)


def _poll(value: Any) -> float:
    # Never 0: a push waiting for another would ask GitLab for the lease without a pause.
    if not _is_number(value) or not 0.01 <= value <= 60:
        raise ValueError("must be a number of seconds from 0.01 to 60")
    return float(value)


def _hours(value: Any) -> float:
    # A year at most: deleted issues must be noticed some day, and larger numbers overflow.
    if not _is_number(value) or not 0 <= value <= 8760:
        raise ValueError("must be a number of hours from 0 to 8760 (a year)")
    return float(value)


def _retries(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        raise ValueError("must be a whole number from 0 to 20")
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise ValueError("must be a whole number of days from 1 to 3650")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("must be a list of texts, e.g. [first, second]")
    return tuple(value)


def _urls(value: Any) -> tuple[str, ...]:
    return tuple(_url(item) for item in _texts(value))


@dataclass(frozen=True)
class Setting:
    """One setting: its key in tracker.yml, what it is for, its default and its check."""

    key: str
    help: str
    default: Any
    check: Callable[[Any], Any]
    env: str | None = None  # an environment variable that overrides tracker.yml
    ci: str | None = None  # GitLab CI's predefined variable, used when nothing else sets it


SETTINGS: tuple[Setting, ...] = (
    Setting("gitlab_url", "address of the GitLab instance (https://gitlab.example.org)", None,
            _url, env="TRACKER_GITLAB_URL", ci="CI_SERVER_URL"),
    Setting("project", "project path (group/project) or numeric id", None, _text,
            env="TRACKER_PROJECT", ci="CI_PROJECT_ID"),
    Setting("label_prefix", "prefix of the tracker's labels (e.g. 'ogp-' gives ogp-plan::...)",
            "", _prefix),
    # No CI fallback (CI_PAGES_URL): a push from a laptop and one from CI must write the same
    # links, or each would rewrite every issue the other wrote.
    Setting("report_url", "address where the public report is published (GitLab Pages)", None,
            _url),
    Setting("commitments", "folder that holds the plans", Path("commitments"), _path),
    Setting("snapshot", "where the pull writes its snapshot", DEFAULT_SNAPSHOT_PATH, _path),
    Setting("project_aliases", "former addresses of the project, whose issue links the sync "
            "adopts", (), _urls),
    Setting("write_interval", "seconds to wait between two write requests", 0.2, _seconds),
    Setting("moderated_users", "usernames whose comments are left out of the public report",
            (), _texts),
    Setting("retries", "how many times to retry a request GitLab failed transiently", 5,
            _retries),
    Setting("retry_backoff", "seconds before the first retry, doubled each time", 0.5,
            _seconds),
    # A push renews its lease every third of lease_ttl; waiting longer than lease_ttl means a
    # push that died on another machine never blocks the next one for good.
    Setting("lease_wait", "seconds a push waits for another push to finish writing", 360.0,
            _seconds),
    Setting("lease_ttl", "seconds after which the lease of a push that died elsewhere is "
            "taken over", 300.0, _seconds),
    Setting("lease_poll", "seconds between two looks at the lease of a push this one waits for",
            2.0, _poll),
    Setting("stale_after_days", "days without a change after which the attention page lists "
            "an unfinished item as stale", 90, _days),
    # Between two full listings a pull asks GitLab only for the issues updated since the last
    # pull; a deleted issue is never "updated", so only a full listing notices it.
    Setting("full_pull_every", "hours after which a pull lists every issue again, to notice "
            "deleted ones (0: every pull)", 24.0, _hours),
)
_BY_KEY = {setting.key: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Everything a command needs to reach GitLab and find the plan (defaults: SETTINGS)."""

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
    lease_wait: float = 360.0
    lease_ttl: float = 300.0
    lease_poll: float = 2.0
    stale_after_days: int = 90
    full_pull_every: float = 24.0

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
        if missing or self.gitlab_url is None or self.project is None or self.token is None:
            raise InputError("missing " + "; ".join(missing))
        return self.gitlab_url, self.project, self.token


def settings_help() -> str:
    """Every setting, one line each, as error messages and docs list them."""
    return "\n".join(f"  {s.key}: {s.help}" + (f" (default: {s.default})"
                                                if s.default not in (None, "", ()) else "")
                     for s in SETTINGS)


def _read_file(path: Path) -> tuple[dict[str, Any], yamlsource.Document | None]:
    if not path.exists():
        return {}, None
    try:
        document = yamlsource.load(path)
    except yamlsource.YamlError as error:
        where = error.position
        raise InputError(f"{path}:{where.line}:{where.column}: {error.message}") from None
    if document.data is None:
        return {}, document
    if not isinstance(document.data, dict):
        raise InputError(f"{path}:1:1: tracker.yml must be a mapping of settings "
                         f"(key: value); the settings are:\n{settings_help()}")
    return document.data, document


def load_config(
    root: Path = Path(),
    *,
    gitlab_url: str | None = None,
    project: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration from options, ``env`` (default: os.environ) and tracker.yml.

    Raises :class:`InputError` listing every problem at once, each as ``file:line:column:
    key: what is wrong``.
    """
    env = os.environ if env is None else env
    path = root / CONFIG_FILE
    data, document = _read_file(path)
    problems: list[str] = []

    def where(key: str, *, of_key: bool = False) -> str:
        position = document.where((key,), key=of_key) if document else yamlsource.Position(1, 1)
        return f"{path}:{position.line}:{position.column}"

    for key in sorted(set(data) - set(_BY_KEY)):
        problems.append(f"{where(key, of_key=True)}: {key}: unknown setting (a typo?)")
    options = {"gitlab_url": gitlab_url, "project": project}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw, source = options.get(setting.key), "option"
        if raw is None and setting.env and env.get(setting.env):
            raw, source = env[setting.env], setting.env
        if raw is None and data.get(setting.key) is not None:
            raw, source = data[setting.key], "file"
        if raw is None and setting.ci and env.get(setting.ci):
            raw, source = env[setting.ci], setting.ci
        if raw is None:
            values[setting.key] = setting.default
            continue
        try:
            values[setting.key] = setting.check(raw)
        except ValueError as error:
            place = where(setting.key) if source == "file" else f"{source}"
            problems.append(f"{place}: {setting.key}: {error}")
    if problems:
        listed = "\n".join(problems)
        raise InputError(f"{len(problems)} problem(s) in the settings:\n{listed}\n"
                         f"The settings of {CONFIG_FILE} are:\n{settings_help()}")
    token = env.get(TOKEN_VARIABLE)
    return Config(token=Secret(token) if token else None, **values)
