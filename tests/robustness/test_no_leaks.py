"""The token never shows, and nothing confidential reaches the published folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import gitlab
import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]
CANARY = "glpat-CANARY-7f3a9c1e5b"


def run(workspace: Path, *args: str) -> str:
    """Run the real `tracker` process with the canary token; its whole output."""
    done = subprocess.run(
        [sys.executable, "-m", "tracker", *args], cwd=workspace, capture_output=True,
        text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "GITLAB_TOKEN": CANARY, "HOME": str(workspace)},
    )
    return done.stdout + done.stderr


def run_here(workspace: Path, *args: str) -> str:
    """Run `tracker` in this process, from ``workspace``, with the canary token; its output
    (for what is not about the process and its output streams, only about the files)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workspace)
        result = CliRunner().invoke(cli, list(args), env={"GITLAB_TOKEN": CANARY})
    return result.output


def every_file_text(folder: Path) -> str:
    """All files below ``folder``, as text."""
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def workspace(tmp_path: Path, fake_gitlab: FakeGitLab) -> Path:
    """The shipped French plans, configured for the fake GitLab, whose owner is the canary."""
    fake_gitlab.add_user(CANARY, "owner", username="tracker-bot")
    shutil.copytree(REPO / "commitments" / "fr-2015-2017", tmp_path / "commitments" / "fr")
    (tmp_path / "tracker.yml").write_text(
        f"gitlab_url: {fake_gitlab.url}\nproject: ogp/suivi\nwrite_interval: 0\nretries: 1\n"
        "retry_backoff: 0.01\n",  # a real retry, without half a second of waiting
        encoding="utf-8")
    return tmp_path


@pytest.mark.slow
def test_token_appears_in_no_output_log_snapshot_or_published_file(
    workspace: Path, fake_gitlab: FakeGitLab
) -> None:
    """Every command, verbose, failing or not: the canary token is never written anywhere."""
    outputs = [
        run(workspace, "-v", "validate"),
        run(workspace, "-v", "push", "--dry-run", "--json"),
        run(workspace, "-v", "sync"),
        run(workspace, "-v", "pull", "--full"),
        run(workspace, "-v", "report", "--out", "public"),
        run(workspace, "-v", "push", "--gitlab-url", "http://127.0.0.1:9"),  # unreachable
        run(workspace, "-v", "push", "--project", "nobody/nothing"),  # 404
    ]
    fake_gitlab.add_fault("error_before", status=500)
    outputs.append(run(workspace, "-v", "pull", "--full"))  # GitLab failing
    assert "Push done: 7 created" in outputs[2]
    assert "cannot reach GitLab" in outputs[5]
    assert "not found (404)" in outputs[6]
    assert "DEBUG" in outputs[3]
    for output in outputs:
        assert CANARY not in output
    assert CANARY not in every_file_text(workspace)


def test_confidential_issues_and_internal_notes_stay_out_of_public(
    workspace: Path, fake_gitlab: FakeGitLab
) -> None:
    """Texts of a confidential issue and of an internal note appear nowhere under public/."""
    assert "Push done" in run_here(workspace, "push")
    project = gitlab.Gitlab(fake_gitlab.url, private_token="owner-token").projects.get(
        "ogp/suivi")
    issues = {p.key: i for i in project.issues.list(get_all=True)
              if (p := block.parse(i.description))}
    milestone, other = issues["fr-2015-2017-22.1.1"], issues["fr-2015-2017-22.1.2"]
    milestone.notes.create({"body": "INTERNAL-secret-budget", "internal": True})
    milestone.notes.create({"body": "Public progress update"})
    other.notes.create({"body": "CONFIDENTIAL-secret-name"})
    project.issues.update(other.iid, {"confidential": True})
    fake_gitlab.clock.advance(600)
    assert "Pull done" in run_here(workspace, "pull")
    assert "Report written" in run_here(workspace, "report", "--out", "public")
    published = every_file_text(workspace / "public")
    assert "Public progress update" in published
    assert "INTERNAL-secret-budget" not in published
    assert "CONFIDENTIAL-secret-name" not in published
