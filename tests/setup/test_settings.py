"""tracker.yml: every problem reported at once, each naming its key and line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.config import SETTINGS, load_config
from tracker.errors import InputError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the shipped French plan, worked from, no GitLab settings in the env."""
    import shutil

    shutil.copytree(REPO / "commitments" / "fr-2015-2017", tmp_path / "commitments" / "fr")
    monkeypatch.chdir(tmp_path)
    for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID",
                 "CI_PAGES_URL", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_validate_lists_every_settings_problem_with_key_and_line(repo: Path) -> None:
    """Four wrong settings and a typo: one message lists all five, by line, and exits 1."""
    (repo / "tracker.yml").write_text(
        "gitlab_url: gitlab.example.org\n"
        "project: ogp/suivi\n"
        "label_prefix: OGP\n"
        "retries: many\n"
        "write_intervall: 1\n"
        "moderated_users: camille\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:6] == [
        "Error: 5 problem(s) in the settings:",
        "tracker.yml:5:1: write_intervall: unknown setting (a typo?)",
        "tracker.yml:1:13: gitlab_url: 'gitlab.example.org' is not an address: write it as "
        "https://host/path",
        "tracker.yml:3:15: label_prefix: 'OGP' may use only lower-case letters, digits, '-' "
        "and '_'",
        "tracker.yml:6:18: moderated_users: must be a list of texts, e.g. [first, second]",
        "tracker.yml:4:10: retries: must be a whole number from 0 to 20",
    ]
    assert "  write_interval: seconds to wait between two write requests (default: 0.2)" \
        in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_an_environment_variable_is_checked_and_named(repo: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad value from the environment names the variable, not a line of the file."""
    monkeypatch.setenv("TRACKER_GITLAB_URL", "not an address")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert ("TRACKER_GITLAB_URL: gitlab_url: 'not an address' is not an address: write it as "
            "https://host/path") in result.stderr


def test_precedence_option_env_file_ci_default(repo: Path) -> None:
    """Option over environment over tracker.yml over GitLab CI's variables over the default."""
    (repo / "tracker.yml").write_text("project: from/file\nretries: 3\n", encoding="utf-8")
    env = {"TRACKER_PROJECT": "from/env", "CI_PROJECT_ID": "42",
           "CI_SERVER_URL": "https://ci.example.org/"}
    assert load_config(repo, project="from/option", env=env).project == "from/option"
    assert load_config(repo, env=env).project == "from/env"
    assert load_config(repo, env={"CI_PROJECT_ID": "42"}).project == "from/file"
    (repo / "tracker.yml").write_text("retries: 3\n", encoding="utf-8")
    config = load_config(repo, env=env | {"TRACKER_PROJECT": ""})
    assert (config.project, config.gitlab_url, config.retries) == (
        "42", "https://ci.example.org", 3)
    assert load_config(repo, env={}).write_interval == 0.2


def test_report_url_does_not_come_from_ci() -> None:
    """Links from issues are the same from a laptop and from CI: CI_PAGES_URL is not used."""
    assert load_config(Path("/nonexistent"), env={"CI_PAGES_URL": "https://x.example"}) \
        .report_url is None


def test_every_setting_is_documented_in_the_readme() -> None:
    """Each declared setting appears in the README's tracker.yml example."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    example = text[text.index("# tracker.yml"):]
    assert [s.key for s in SETTINGS if f"\n{s.key}:" not in example] == []


@pytest.mark.parametrize("value", ["0", "3651", "ninety", "true", "1.5"])
def test_stale_after_days_must_be_a_whole_number_of_days(repo: Path, value: str) -> None:
    """A stale_after_days that is not 1 to 3650 days is named with its line and the fix."""
    (repo / "tracker.yml").write_text(f"retries: 3\nstale_after_days: {value}\n",
                                      encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(repo, env={})
    assert str(caught.value).splitlines()[1] == (
        f"{repo / 'tracker.yml'}:2:19: stale_after_days: must be a whole number of days "
        "from 1 to 3650")


@pytest.mark.parametrize("value", ["-1", "8761", "1e300", "daily"])
def test_full_pull_every_must_be_hours_within_a_year(repo: Path, value: str) -> None:
    """A full_pull_every meant as "never" is refused with its line, not crashed on later."""
    (repo / "tracker.yml").write_text(f"full_pull_every: {value}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(repo, env={})
    assert str(caught.value).splitlines()[1].endswith(
        "tracker.yml:1:18: full_pull_every: must be a number of hours from 0 to 8760 (a year)")


@pytest.mark.parametrize("value", ["0", "-1", "61", "often"])
def test_lease_poll_is_never_zero(repo: Path, value: str) -> None:
    """A lease_poll of 0 would ask GitLab for the lease without a pause: refused with its line;
    a short one is read as given."""
    (repo / "tracker.yml").write_text(f"lease_poll: {value}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(repo, env={})
    assert str(caught.value).splitlines()[1].endswith(
        "tracker.yml:1:13: lease_poll: must be a number of seconds from 0.01 to 60")
    (repo / "tracker.yml").write_text("lease_poll: 0.05\n", encoding="utf-8")
    assert load_config(repo, env={}).lease_poll == 0.05
