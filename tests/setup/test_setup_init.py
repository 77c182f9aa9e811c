"""`tracker init`: a new tracker repository that validates, with the tested pipeline's shape."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from support_setup import load, shape, without_release

from tracker import __version__
from tracker.cli import cli
from tracker.config import load_config
from tracker.status import STATUS_LABELS

REPO = Path(__file__).resolve().parents[2]
WRITTEN = [
    "tracker.yml",
    ".gitlab-ci.yml",
    ".gitignore",
    "commitments/example/plan.yml",
    "commitments/example/01.yml",
    ".gitlab/issue_templates/Point-avancement.md",
    ".gitlab/issue_templates/Progress-update.md",
    ".gitlab/issue_templates/Avis-societe-civile.md",
    ".gitlab/issue_templates/Civil-society-feedback.md",
]


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, as the working folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    """Run the tracker in-process."""
    return CliRunner().invoke(cli, list(args))


def files_in(folder: Path) -> list[str]:
    """Every file below ``folder``, relative, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_init_then_validate_passes(empty: Path) -> None:
    """init in an empty folder writes the listed files; validate accepts the example plan."""
    result = run("init", "--country", "sn")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:-1] == [f"  wrote {name}" for name in WRITTEN]
    assert result.output.splitlines()[-1].startswith(
        "Tracker repository ready in this folder (9 files).")
    assert files_in(empty) == sorted(WRITTEN)
    checked = run("validate")
    assert checked.exit_code == 0, checked.output
    assert checked.output == "Valid: 1 plan, 1 commitment, 3 milestones (0 warnings).\n"
    plan = yaml.safe_load((empty / "commitments/example/plan.yml").read_text(encoding="utf-8"))
    assert plan["country"] == "SN"


def test_scaffolded_pipeline_has_the_shape_of_the_tested_one(empty: Path) -> None:
    """Same jobs, rules, resource_group, cache, artifacts; installs exactly this version."""
    assert run("init").exit_code == 0
    scaffolded = load(empty / ".gitlab-ci.yml")
    assert shape(scaffolded) == shape(without_release(load(REPO / ".gitlab-ci.yml")))
    # Installed from the package index (here, an editable install): the exact version.
    assert scaffolded["variables"]["TRACKER_PACKAGE"] == f"ogp-tracker=={__version__}"
    assert scaffolded["check"]["script"] == [
        'pip install --no-deps "$TRACKER_PACKAGE"',
        'pip install --require-hashes -r "$(python -m tracker.locked)"',
        "tracker validate"]
    text = (empty / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "pytest" not in text
    assert "release-" not in text
    assert "CI_COMMIT_TAG" not in text


def test_the_lock_the_pipeline_installs_pins_every_dependency_with_hashes() -> None:
    """`python -m tracker.locked` names a lock with one exact, hashed line per dependency."""
    printed = subprocess.run([sys.executable, "-m", "tracker.locked"], capture_output=True,
                             text=True, check=True, timeout=60).stdout.strip()
    lock = Path(printed).read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", lock, re.MULTILINE))
    for name in ("click", "jinja2", "python-gitlab", "pyyaml", "nh3", "babel"):
        assert name in pinned, name
    entries = re.split(r"\n(?=[a-z])", lock.split("\n", 1)[1].strip())
    requirements = [entry for entry in entries if not entry.startswith("#")]
    assert len(requirements) == len(pinned)
    assert all("--hash=sha256:" in entry for entry in requirements)


def test_settings_given_to_init_are_what_the_tracker_reads(empty: Path) -> None:
    """--gitlab-url and --project land in tracker.yml, and load_config reads them back."""
    result = run("init", "--gitlab-url", "https://gitlab.example.org/", "--project",
                 "gouv/suivi-pgo")
    assert result.exit_code == 0, result.output
    config = load_config(empty, env={})
    assert (config.gitlab_url, config.project) == ("https://gitlab.example.org", "gouv/suivi-pgo")
    assert config.token is None
    assert "TOKEN" not in (empty / "tracker.yml").read_text(encoding="utf-8").replace(
        "GITLAB_TOKEN environment variable", "")


def test_without_settings_tracker_yml_leaves_them_to_gitlab_ci(empty: Path) -> None:
    """No --gitlab-url/--project: tracker.yml has none, so CI's own project is used."""
    assert run("init").exit_code == 0
    config = load_config(empty, env={"CI_SERVER_URL": "https://gitlab.example.org",
                                     "CI_PROJECT_ID": "4242"})
    assert (config.gitlab_url, config.project) == ("https://gitlab.example.org", "4242")


def test_init_never_overwrites_without_force(empty: Path) -> None:
    """An existing file stops init before any write; --force replaces the files."""
    (empty / "tracker.yml").write_text("project: mine\n", encoding="utf-8")
    refused = run("init")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: .: already has tracker.yml; nothing was written. Run it in an empty folder, "
        "or add --force to replace these files\n")
    assert files_in(empty) == ["tracker.yml"]
    forced = run("init", "--force")
    assert forced.exit_code == 0, forced.output
    assert files_in(empty) == sorted(WRITTEN)
    assert "project: mine" not in (empty / "tracker.yml").read_text(encoding="utf-8")


def test_init_into_a_named_folder(empty: Path) -> None:
    """FOLDER is created when missing."""
    result = run("init", "suivi-pgo")
    assert result.exit_code == 0, result.output
    assert files_in(empty / "suivi-pgo") == sorted(WRITTEN)
    assert "Tracker repository ready in suivi-pgo/ (9 files)." in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--country", "France"], "Error: country 'FRANCE': write the ISO 3166-1 alpha-2 code in "
                              "capitals (FR, CA, SN)\n"),
    (["--gitlab-url", "gitlab.example.org"], "Error: gitlab URL 'gitlab.example.org': write "
     "the full address, starting with https:// (https://gitlab.example.org)\n"),
])
def test_bad_options_are_refused_before_any_write(
    empty: Path, args: list[str], message: str
) -> None:
    """A country that is not a code, an address without https://: exit 1, nothing written."""
    result = run("init", *args)
    assert result.exit_code == 1
    assert result.output == message
    assert files_in(empty) == []


def test_issue_templates_in_both_languages_name_every_status(empty: Path) -> None:
    """Progress templates offer each status label; every template says what is public."""
    assert run("init").exit_code == 0
    templates = empty / ".gitlab" / "issue_templates"
    statuses = {f"status::{spec.value}" for spec in STATUS_LABELS}
    for name in ("Point-avancement.md", "Progress-update.md"):
        text = (templates / name).read_text(encoding="utf-8")
        assert set(re.findall(r'/label ~"([^"]+)"', text)) == statuses, name
    warnings = {"Point-avancement.md": "public : pas de données personnelles",
                "Avis-societe-civile.md": "N'y mettez pas de\ndonnées personnelles",
                "Progress-update.md": "public: no personal data",
                "Civil-society-feedback.md": "Do not include personal data"}
    for name, warning in warnings.items():
        assert warning in (templates / name).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("command", ["init", "doctor"])
def test_help_shows_an_example(command: str) -> None:
    """Each command's --help ends with examples."""
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:\n" in result.output
    assert f"  tracker {command}" in result.output
