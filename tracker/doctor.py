"""``tracker doctor``: check a configuration against the live GitLab before the first run.

Each check gives one :class:`Check`: ``ok``, ``FAIL`` with what to do, or ``skip`` when an
earlier failure makes it meaningless (no token check without an address). Nothing is written
to GitLab: whether labels and milestones can be created is judged from the token's role,
which is what GitLab itself decides on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from tracker.config import TOKEN_VARIABLE, Config
from tracker.errors import GitLabError
from tracker.gitlab.client import GitLabClient
from tracker.gitlab.http import Connection, probe
from tracker.gitlab.model import NEEDED_ROLE, LabelNames, User
from tracker.plan.load import check_plans
from tracker.plan.model import PlanSet
from tracker.scaffold import check_pipeline_install
from tracker.sync.desired import desired_state

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


def check_address(url: str, timeout: float = 10.0) -> Check:
    """Whether ``url`` answers as a GitLab instance (its API, without a token)."""
    name = "address"
    found = probe(url, timeout)
    if found.outcome == "ok":
        return Check(name, "ok", f"{url} answers as a GitLab (API v4)")
    if found.outcome == "untrusted-certificate":
        return Check(name, "FAIL", f"{url} answers, but its HTTPS certificate is not trusted "
                     "here: ask the GitLab administrators, or set REQUESTS_CA_BUNDLE to your "
                     "organisation's certificate file")
    if found.outcome == "timeout":
        return Check(name, "FAIL", f"{url} did not answer within {timeout:.0f} s: check the "
                     "address, the network and any proxy (HTTPS_PROXY)")
    if found.outcome == "unreachable":
        return Check(name, "FAIL", f"cannot reach {url}: check the address (e.g. "
                     "https://gitlab.example.org), the network and any proxy (HTTPS_PROXY)")
    return Check(name, "FAIL", f"{url} answers, but not as a GitLab (GET /api/v4/version gave "
                 f"{found.status}): give the address of the GitLab instance only, e.g. "
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
    if config.report_url:
        checks.append(_report_url_check(config.report_url))
    return checks


def _report_url_check(url: str) -> Check:
    """Issues link to the public report: an https page address, without query or fragment."""
    name = "setting report_url"
    parts = urlsplit(url)
    if parts.scheme != "https":
        return Check(name, "warn", f"{url} is not https: browsers warn readers of the links "
                     "in issues; GitLab Pages serves https, write report_url: https://...")
    if parts.query or parts.fragment:
        return Check(name, "warn", f"{url} carries a query or #fragment: give the address of "
                     "the site's home, as GitLab shows it in Deploy > Pages")
    return Check(name, "ok", f"{url} (issues link to their page there)")


def _connect(client: GitLabClient) -> tuple[list[Check], Connection | None]:
    """Token, then project."""
    try:
        user = client.whoami()
    except GitLabError as error:
        return [Check("token", "FAIL", f"{error} If it has expired or was revoked, "
                      f"{_TOKEN_HELP}.")], None
    token = Check("token", "ok", f"accepted, signed in as {user.username}")
    try:
        connection = client.connect()
    except GitLabError as error:
        return [token, Check("project", "FAIL", f"{error} In tracker.yml, project is "
                             "group/project as in the project's address, or its numeric id; "
                             f"the token's user ({user.username}) must be a member of it.")], None
    project = connection.project
    if project.archived:
        return [token, Check("project", "FAIL", f"{project.path} is archived: GitLab refuses "
                             "every change to it. Unarchive it (Settings > General > Advanced) "
                             "or point project at the live one.")], None
    if not project.issues_enabled:
        return [token, Check("project", "FAIL", f"{project.path} has issues turned off: turn "
                             "them on (Settings > General > Visibility, project features, "
                             "permissions > Issues).")], None
    return [token, Check("project", "ok", f"{project.path} ({project.web_url})")], connection


def role_check(client: GitLabClient, user: User, is_admin: bool, project: str) -> Check:
    """Whether the token's user has the role the tracker needs in ``project``."""
    if is_admin:
        return Check("role", "ok", f"{user.username} is a GitLab administrator")
    level = client.access_level(user.id)
    if level >= NEEDED_ROLE:
        return Check("role", "ok", f"{user.username} is {level.role} in {project} "
                     f"({NEEDED_ROLE.role} or more is needed)")
    return Check("role", "FAIL", f"{user.username} is {level.role} in {project}; the tracker "
                 f"needs {NEEDED_ROLE.role} or more to label and edit issues and to create "
                 f"labels and milestones: create the token with the role {NEEDED_ROLE.role} "
                 "(project Settings > Access tokens), or raise its user's role in "
                 "Manage > Members")


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
                 f"the {NEEDED_ROLE.role} role, or have a Maintainer create them")


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
        address = check_address(config.gitlab_url, timeout)
        yield address
        if address.outcome == "ok" and config.project and config.token is not None:
            yield from _online(config, plans, timeout)
            return
    for name in ("token", "project", "role", "labels", "milestones"):
        yield Check(name, "skip", "needs the settings and address above")


def _online(config: Config, plans: PlanSet | None, timeout: float) -> Iterator[Check]:
    client = GitLabClient.from_config(config, timeout=timeout, retries=1)
    try:
        checks, connection = _connect(client)
        yield from checks
        if connection is None:
            for name in ("project", "role", "labels", "milestones"):
                if name not in {check.name for check in checks}:
                    yield Check(name, "skip", f"needs the {checks[-1].name} above")
            return
        role = role_check(client, connection.user, connection.is_admin,
                          connection.project.path)
        yield role
        if plans is None:
            for name in ("labels", "milestones"):
                yield Check(name, "skip", "needs a valid plan (see plan above)")
            return
        can_write = role.outcome == "ok"
        desired = desired_state(plans, LabelNames(config.label_prefix), config.report_url)
        yield _creatable("labels", [label.name for label in desired.labels],
                         set(client.label_names()), can_write)
        yield _creatable("milestones", [milestone.title for milestone in desired.milestones],
                         {milestone.title for milestone in client.milestones()}, can_write)
    finally:
        client.close()
