"""``tracker doctor``: check a configuration against the live GitLab before the first run.

Each check gives one :class:`Check`: ``ok``, ``FAIL`` with what to do, or ``skip`` when an
earlier failure makes it meaningless (no token check without an address). Nothing is written
to GitLab: whether labels and milestones can be created is judged from the token's role,
which is what GitLab itself decides on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import requests

from tracker.config import TOKEN_VARIABLE, Config
from tracker.errors import GitLabError
from tracker.gitlab_api import REPORTER, GitLabProject
from tracker.plan.load import check_plans
from tracker.plan.model import PlanSet
from tracker.scaffold import check_pipeline_install
from tracker.sync.desired import LabelNames, desired_state

ROLE_NAMES = {0: "not a member", 5: "Minimal access", 10: "Guest", 15: "Planner",
              20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner"}
Outcome = Literal["ok", "warn", "FAIL", "skip"]

_TOKEN_HELP = (f"create a project access token (project Settings > Access tokens, role "
               f"Reporter, scope api) and put it in the {TOKEN_VARIABLE} environment variable "
               "(in GitLab CI: a masked, protected CI/CD variable)")


@dataclass(frozen=True)
class Check:
    """The outcome of one check, as one line for a person."""

    name: str
    outcome: Outcome
    message: str

    def line(self) -> str:
        """``ok    name: message``, aligned."""
        return f"{self.outcome:<5} {self.name}: {self.message}"


def _role(level: int) -> str:
    return ROLE_NAMES.get(level, f"access level {level}")


def probe(url: str, timeout: float = 10.0) -> Check:
    """Whether ``url`` answers as a GitLab instance (its API, without a token)."""
    name = "address"
    where = f"{url}/api/v4/version"
    try:
        with requests.Session() as session, session.get(where, timeout=timeout) as response:
            status = response.status_code
            is_json = response.headers.get("Content-Type", "").startswith("application/json")
    except requests.exceptions.SSLError:
        return Check(name, "FAIL", f"{url} answers, but its HTTPS certificate is not trusted "
                     "here: ask the GitLab administrators, or set REQUESTS_CA_BUNDLE to your "
                     "organisation's certificate file")
    except requests.exceptions.Timeout:
        return Check(name, "FAIL", f"{url} did not answer within {timeout:.0f} s: check the "
                     "address, the network and any proxy (HTTPS_PROXY)")
    except requests.exceptions.RequestException:
        return Check(name, "FAIL", f"cannot reach {url}: check the address (e.g. "
                     "https://gitlab.example.org), the network and any proxy (HTTPS_PROXY)")
    # Without a token GitLab's API answers 401 in JSON; 200 when the version is public.
    if status in (200, 401) and is_json:
        return Check(name, "ok", f"{url} answers as a GitLab (API v4)")
    return Check(name, "FAIL", f"{url} answers, but not as a GitLab (GET /api/v4/version gave "
                 f"{status}): give the address of the GitLab instance only, e.g. "
                 "https://gitlab.example.org, not the address of a project or a page")


def _settings(config: Config) -> list[Check]:
    checks = []
    if config.gitlab_url:
        checks.append(Check("setting gitlab_url", "ok", config.gitlab_url))
    else:
        checks.append(Check("setting gitlab_url", "FAIL", "no GitLab address: add "
                            "gitlab_url: https://gitlab.example.org to tracker.yml (or use "
                            "--gitlab-url or TRACKER_GITLAB_URL)"))
    if config.project:
        checks.append(Check("setting project", "ok", config.project))
    else:
        checks.append(Check("setting project", "FAIL", "no project: add project: group/project "
                            "to tracker.yml, as in the project's address (or use --project or "
                            "TRACKER_PROJECT)"))
    if config.token is not None:
        checks.append(Check("setting token", "ok", f"read from {TOKEN_VARIABLE} (not shown)"))
    else:
        checks.append(Check("setting token", "FAIL", f"{TOKEN_VARIABLE} is not set: "
                            f"{_TOKEN_HELP}"))
    return checks


def _connect(client: GitLabProject, project: str) -> Iterator[Check]:
    """Token, then project: ``connect()`` fills ``client.user`` before it reads the project."""
    try:
        attributes = client.connect()
    except GitLabError as error:
        if not client.user:
            yield Check("token", "FAIL", f"{error} If it has expired or was revoked, "
                        f"{_TOKEN_HELP}.")
            return
        yield _token_ok(client.user)
        yield Check("project", "FAIL", f"{error} In tracker.yml, project is group/project as "
                    "in the project's address, or its numeric id; the token's user "
                    f"({client.user.get('username', '?')}) must be a member of it.")
        return
    yield _token_ok(client.user)
    yield Check("project", "ok", f"{attributes.get('path_with_namespace', project)} "
                f"({attributes.get('web_url', '')})")


def _token_ok(user: dict[str, Any]) -> Check:
    return Check("token", "ok", f"accepted, signed in as {user.get('username', '?')}")


def _role_check(client: GitLabProject, project: str) -> tuple[Check, bool]:
    user = client.user
    username = user.get("username", "?")
    if user.get("is_admin"):
        return Check("role", "ok", f"{username} is a GitLab administrator"), True
    level = client.access_level(int(user["id"]))
    if level >= REPORTER:
        return Check("role", "ok", f"{username} is {_role(level)} in {project} (Reporter or "
                     "more is needed)"), True
    return Check("role", "FAIL", f"{username} is {_role(level)} in {project}; the tracker "
                 "needs Reporter or more to label and edit issues and to create labels and "
                 "milestones: create the token with the role Reporter (project Settings > "
                 "Access tokens), or raise its user's role in Manage > Members"), False


def _plan_check(config: Config) -> tuple[Check, PlanSet | None]:
    plans, problems = check_plans(config.commitments)
    errors = sum(p.severity == "error" for p in problems)
    if plans is None:
        return Check("plan", "FAIL", f"{config.commitments} has {errors} error(s): run "
                     f"`tracker validate {config.commitments}` and fix what it lists"), None
    commitments = list(plans.commitments())
    milestones = sum(1 for c in commitments for _ in c.walk())
    return Check("plan", "ok", f"{len(plans.plans)} plan(s), {len(commitments)} "
                 f"commitment(s), {milestones} milestone(s) in {config.commitments}"), plans


def _creatable(name: str, wanted: list[str], existing: set[str], can_write: bool) -> Check:
    """Check ``name`` (labels, milestones): each wanted one exists or the token can create it."""
    missing = [item for item in wanted if item not in existing]
    have = len(wanted) - len(missing)
    if not missing:
        return Check(name, "ok", f"all {len(wanted)} {name} exist")
    if can_write:
        return Check(name, "ok", f"{have} of {len(wanted)} {name} exist; the first push "
                     f"creates the {len(missing)} others")
    return Check(name, "FAIL", f"{len(missing)} of {len(wanted)} {name} are missing (first: "
                 f"{missing[0]!r}) and the token's role cannot create them: give the token "
                 "the Reporter role, or have a Maintainer create them")


def run_checks(config: Config, *, timeout: float = 10.0) -> Iterator[Check]:
    """Every check, in order, each as soon as it is known."""
    settings = _settings(config)
    yield from settings
    plan_check, plans = _plan_check(config)
    yield plan_check
    if (pipeline := check_pipeline_install()) is not None:
        yield Check("pipeline", pipeline.outcome, pipeline.message)
    if config.gitlab_url is None:
        yield Check("address", "skip", "no GitLab address to check")
    else:
        address = probe(config.gitlab_url, timeout)
        yield address
        if address.outcome == "ok" and config.project and config.token is not None:
            yield from _online(config, plans, timeout)
            return
    for name in ("token", "project", "role", "labels", "milestones"):
        yield Check(name, "skip", "needs the settings and address above")


def _online(config: Config, plans: PlanSet | None, timeout: float) -> Iterator[Check]:
    assert config.gitlab_url
    assert config.project
    assert config.token is not None
    client = GitLabProject(config.gitlab_url, config.token, config.project, retries=1,
                           timeout=timeout, write_interval=0)
    connected = list(_connect(client, config.project))
    yield from connected
    if any(check.outcome == "FAIL" for check in connected):
        for name in ("project", "role", "labels", "milestones"):
            if name not in {check.name for check in connected}:
                yield Check(name, "skip", f"needs the {connected[-1].name} above")
        return
    role, can_write = _role_check(client, config.project)
    yield role
    if plans is None:
        for name in ("labels", "milestones"):
            yield Check(name, "skip", "needs a valid plan (see plan above)")
        return
    desired = desired_state(plans, LabelNames(config.label_prefix), config.report_url)
    yield _creatable("labels", [label.name for label in desired.labels],
                     set(client.label_names()), can_write)
    yield _creatable("milestones", [milestone.title for milestone in desired.milestones],
                     {milestone.title for milestone in client.milestones()}, can_write)
