"""`tracker doctor` against the faithful fake GitLab: a good setup, then each failure."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracker import __version__
from tracker.cli import cli
from tracker.scaffold import render_pipeline
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]
PLAN_LINE = "ok    plan: 3 plan(s), 7 commitment(s), 136 milestone(s) in commitments"


@pytest.fixture
def workspace(tmp_path: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped plans and a tracker.yml pointing at the fake GitLab."""
    shutil.copytree(REPO / "commitments", tmp_path / "commitments")
    (tmp_path / "tracker.yml").write_text(
        f"gitlab_url: {fake_gitlab.url}\nproject: ogp/suivi\nwrite_interval: 0\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITLAB_TOKEN", "owner-token")
    for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def doctor(*args: str) -> Result:
    """Run `tracker doctor` in-process."""
    return CliRunner().invoke(cli, ["doctor", *args])


def lines(result: Result) -> list[str]:
    """The check lines (without the closing sentence)."""
    return result.output.splitlines()[:-1]


def test_good_setup_passes_every_check_and_writes_nothing(
    workspace: Path, fake_gitlab: FakeGitLab
) -> None:
    """An owner token on an empty project: all ok, exit 0, no write request."""
    result = doctor()
    url = fake_gitlab.url
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"ok    setting gitlab_url: {url}",
        "ok    setting project: ogp/suivi",
        "ok    setting token: read from GITLAB_TOKEN (not shown)",
        PLAN_LINE,
        f"ok    address: {url} answers as a GitLab (API v4)",
        "ok    token: accepted, signed in as owner",
        f"ok    project: ogp/suivi ({url}/ogp/suivi)",
        "ok    role: owner is Owner in ogp/suivi (Reporter or more is needed)",
        "ok    labels: 0 of 42 labels exist; the first push creates the 42 others",
        "ok    milestones: 0 of 3 milestones exist; the first push creates the 3 others",
        "All checks passed: `tracker push --dry-run` shows what the first push will do.",
    ]
    assert fake_gitlab.stats()["writes"] == 0


def test_after_a_push_labels_and_milestones_all_exist(workspace: Path) -> None:
    """Once pushed, doctor sees every label and milestone the plan needs."""
    assert CliRunner().invoke(cli, ["push"]).exit_code == 0
    result = doctor()
    assert result.exit_code == 0, result.output
    assert lines(result)[-2:] == ["ok    labels: all 42 labels exist",
                                  "ok    milestones: all 3 milestones exist"]


def test_a_reporter_is_enough(workspace: Path, fake_gitlab: FakeGitLab,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Reporter is the least role that passes."""
    fake_gitlab.add_user("bot-token", "reporter", username="project_41_bot")
    monkeypatch.setenv("GITLAB_TOKEN", "bot-token")
    result = doctor()
    assert result.exit_code == 0, result.output
    assert ("ok    role: project_41_bot is Reporter in ogp/suivi (Reporter or more is needed)"
            in lines(result))


def test_an_administrator_passes_without_being_a_member(
    workspace: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance administrator may do everything, member or not."""
    fake_gitlab.add_user("admin-token", "none", username="root", admin=True)
    monkeypatch.setenv("GITLAB_TOKEN", "admin-token")
    result = doctor()
    assert result.exit_code == 0, result.output
    assert "ok    role: root is a GitLab administrator" in lines(result)


@pytest.mark.parametrize(("setting", "line"), [
    ("gitlab_url", "FAIL  setting gitlab_url: no GitLab address: add gitlab_url: "
     "https://gitlab.example.org to tracker.yml (or use --gitlab-url or TRACKER_GITLAB_URL)"),
    ("project", "FAIL  setting project: no project: add project: group/project to tracker.yml, "
     "as in the project's address (or use --project or TRACKER_PROJECT)"),
])
def test_a_missing_setting_fails_and_says_where_to_put_it(
    workspace: Path, fake_gitlab: FakeGitLab, setting: str, line: str
) -> None:
    """No address or no project: that line fails, the online checks are skipped, exit 1."""
    kept = {"gitlab_url": "project: ogp/suivi\n", "project": f"gitlab_url: {fake_gitlab.url}\n"}
    (workspace / "tracker.yml").write_text(kept[setting], encoding="utf-8")
    result = doctor()
    assert result.exit_code == 1
    assert line in lines(result)
    assert "skip  token: needs the settings and address above" in lines(result)
    assert result.output.splitlines()[-1] == ("1 check(s) failed: fix them in order, then run "
                                              "`tracker doctor` again.")
    # Only the address is asked about (once, without a token), when there is one.
    assert fake_gitlab.stats()["total"] == (setting == "project")


def test_a_missing_token_says_how_to_make_one(
    workspace: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No GITLAB_TOKEN: how to create it and where to put it; GitLab is not asked."""
    monkeypatch.delenv("GITLAB_TOKEN")
    result = doctor()
    assert result.exit_code == 1
    assert lines(result)[2] == (
        "FAIL  setting token: GITLAB_TOKEN is not set: create a project access token (project "
        "Settings > Access tokens, role Reporter, scope api) and put it in the GITLAB_TOKEN "
        "environment variable (in GitLab CI: a masked, protected CI/CD variable)")
    assert fake_gitlab.stats()["by_route"] == {"GET /api/v4/version": 1}


def test_an_address_nobody_answers_at(workspace: Path) -> None:
    """A closed port: the address fails with what to check; later checks are skipped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = doctor("--gitlab-url", url)
    assert result.exit_code == 1
    assert lines(result)[4:] == [
        f"FAIL  address: cannot reach {url}: check the address (e.g. "
        "https://gitlab.example.org), the network and any proxy (HTTPS_PROXY)",
        *(f"skip  {name}: needs the settings and address above"
          for name in ("token", "project", "role", "labels", "milestones")),
    ]


def test_an_address_that_is_not_a_gitlab_instance(
    workspace: Path, fake_gitlab: FakeGitLab
) -> None:
    """The project's page given as the address: told to give the instance's address."""
    url = f"{fake_gitlab.url}/ogp/suivi"
    result = doctor("--gitlab-url", url)
    assert result.exit_code == 1
    assert lines(result)[4] == (
        f"FAIL  address: {url} answers, but not as a GitLab (GET /api/v4/version gave 404): "
        "give the address of the GitLab instance only, e.g. https://gitlab.example.org, not "
        "the address of a project or a page")


def test_a_refused_token_fails_without_showing_it(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong token: 401 explained, the token never printed, the rest skipped."""
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-revoked-0123456789")
    result = doctor()
    assert result.exit_code == 1
    assert lines(result)[5:] == [
        "FAIL  token: checking the token: GitLab refused the token (401 Unauthorized). Check "
        "that GITLAB_TOKEN holds a valid, unexpired token with the api scope. If it has expired "
        "or was revoked, create a project access token (project Settings > Access tokens, role "
        "Reporter, scope api) and put it in the GITLAB_TOKEN environment variable (in GitLab "
        "CI: a masked, protected CI/CD variable).",
        *(f"skip  {name}: needs the token above"
          for name in ("project", "role", "labels", "milestones")),
    ]
    assert "glpat-revoked" not in result.output


def test_a_project_that_does_not_exist(workspace: Path) -> None:
    """A wrong project path: the token is fine, the project fails with how to write it."""
    result = doctor("--project", "ogp/suivii")
    assert result.exit_code == 1
    assert lines(result)[5:] == [
        "ok    token: accepted, signed in as owner",
        "FAIL  project: reading project ogp/suivii: not found (404). Check the project path or "
        "id, and that the token's user is a member of the project. In tracker.yml, project is "
        "group/project as in the project's address, or its numeric id; the token's user (owner) "
        "must be a member of it.",
        *(f"skip  {name}: needs the project above" for name in ("role", "labels", "milestones")),
    ]


def test_a_private_project_the_token_cannot_see(workspace: Path, fake_gitlab: FakeGitLab) -> None:
    """A private project and a token of another project: not found, as GitLab hides it."""
    fake_gitlab.add_project("ministere/prive", visibility="private")
    result = doctor("--project", "ministere/prive")
    assert result.exit_code == 1
    assert lines(result)[6].startswith("FAIL  project: reading project ministere/prive: not "
                                       "found (404).")


@pytest.mark.parametrize(("role", "shown"), [("guest", "Guest"), ("planner", "Planner"),
                                             ("none", "not a member")])
def test_a_role_below_reporter_fails_role_labels_and_milestones(
    workspace: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch, role: str,
    shown: str
) -> None:
    """Guest, Planner or not a member of a public project: role, labels, milestones fail."""
    fake_gitlab.add_user("weak-token", role, username="weakbot")
    monkeypatch.setenv("GITLAB_TOKEN", "weak-token")
    result = doctor()
    assert result.exit_code == 1
    assert lines(result)[7:] == [
        f"FAIL  role: weakbot is {shown} in ogp/suivi; the tracker needs Reporter or more to "
        "label and edit issues and to create labels and milestones: create the token with the "
        "role Reporter (project Settings > Access tokens), or raise its user's role in Manage "
        "> Members",
        "FAIL  labels: 42 of 42 labels are missing (first: 'ogp-tracker') and the token's role "
        "cannot create them: give the token the Reporter role, or have a Maintainer create them",
        "FAIL  milestones: 3 of 3 milestones are missing (first: \"Canada's 5th National "
        "Action Plan on Open Government 2022-2024\") and the token's role cannot create them: "
        "give the token the Reporter role, or have a Maintainer create them",
    ]
    assert result.output.splitlines()[-1].startswith("3 check(s) failed")


def test_a_guest_passes_labels_when_they_already_exist(
    workspace: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Labels and milestones made earlier by a Maintainer: only the role fails."""
    assert CliRunner().invoke(cli, ["push"]).exit_code == 0
    fake_gitlab.add_user("weak-token", "guest", username="weakbot")
    monkeypatch.setenv("GITLAB_TOKEN", "weak-token")
    result = doctor()
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in lines(result) if line.startswith("FAIL")] == [
        "FAIL  role"]


def test_an_invalid_plan_fails_and_skips_the_label_checks(workspace: Path) -> None:
    """A plan error: told to run validate; labels and milestones cannot be judged."""
    plan = workspace / "commitments" / "fr-2021-2023" / "46.yml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("due: ", "due: 20-", 1),
                    encoding="utf-8")
    result = doctor()
    assert result.exit_code == 1
    assert lines(result)[3] == ("FAIL  plan: commitments has 1 error(s): run `tracker validate "
                                "commitments` and fix what it lists")
    assert lines(result)[-2:] == ["skip  labels: needs a valid plan (see plan above)",
                                  "skip  milestones: needs a valid plan (see plan above)"]


def test_a_pipeline_that_installs_this_version_passes(workspace: Path) -> None:
    """The pipeline `tracker init` wrote installs the running version: ok."""
    (workspace / ".gitlab-ci.yml").write_text(render_pipeline(source=False), encoding="utf-8")
    result = doctor()
    assert result.exit_code == 0, result.output
    assert lines(result)[4] == (f"ok    pipeline: the pipeline installs ogp-tracker=="
                                f"{__version__}, as here (version {__version__})")


@pytest.mark.parametrize(("package", "installs"), [
    ("ogp-tracker==0.1.0", "version 0.1.0"),
    ("ogp-tracker @ https://gitlab.example.org/ogp/tracker/-/archive/v0.2.0/"
     "tracker-v0.2.0.tar.gz", "version 0.2.0"),
])
def test_a_pipeline_that_installs_another_version_warns_with_the_one_line_fix(
    workspace: Path, package: str, installs: str
) -> None:
    """Another version in TRACKER_PACKAGE: a warning saying which line to change; exit 0."""
    text = render_pipeline(source=False).replace(
        f'TRACKER_PACKAGE: "ogp-tracker=={__version__}"', f'TRACKER_PACKAGE: "{package}"')
    assert package in text
    (workspace / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    result = doctor()
    assert result.exit_code == 0, result.output
    assert lines(result)[4] == (
        f"warn  pipeline: the pipeline installs {installs} ({package}), but this is version "
        f"{__version__}: what passes here may not pass there. To upgrade the pipeline, set "
        f"TRACKER_PACKAGE in .gitlab-ci.yml to \"ogp-tracker=={__version__}\" in a merge "
        "request; or install the pipeline's version here")


def test_a_pipeline_without_tracker_package_warns(workspace: Path) -> None:
    """A .gitlab-ci.yml that does not say what it installs: a warning."""
    (workspace / ".gitlab-ci.yml").write_text("pages:\n  script: [pip install ogp-tracker]\n",
                                              encoding="utf-8")
    result = doctor()
    assert lines(result)[4] == (
        "warn  pipeline: .gitlab-ci.yml sets no TRACKER_PACKAGE, so what the pipeline installs "
        f"is unknown: set it to \"ogp-tracker=={__version__}\"")


@pytest.mark.parametrize(("url", "line"), [
    ("https://ogp.pages.example/suivi",
     "ok    setting report_url: https://ogp.pages.example/suivi (issues link to their page "
     "there)"),
    ("http://ogp.pages.example/suivi",
     "warn  setting report_url: http://ogp.pages.example/suivi is not https: browsers warn "
     "readers of the links in issues; GitLab Pages serves https, write report_url: https://..."),
    ("https://ogp.pages.example/suivi/?x=1",
     "warn  setting report_url: https://ogp.pages.example/suivi/?x=1 carries a query or "
     "#fragment: give the address of the site's home, as GitLab shows it in Deploy > Pages"),
])
def test_report_url_is_checked(workspace: Path, url: str, line: str) -> None:
    """report_url, when set, is an https address of the site's home."""
    with (workspace / "tracker.yml").open("a", encoding="utf-8") as settings:
        settings.write(f"report_url: {url}\n")
    assert lines(doctor())[3] == line
