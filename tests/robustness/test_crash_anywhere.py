"""SIGKILL a pull or a report at many points: what is left is the old or the new, never a mix."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.snapshot import load_snapshot
from tracker.testing.fake_gitlab import FakeGitLab

SNAPSHOT = Path(".tracker/snapshot.json")


def tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes below ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def workspace(tracker_repo: Callable[..., Path]) -> Path:
    """The shipped example, pushed and pulled once."""
    folder = tracker_repo()
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    return folder


def start(workspace: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start the real `tracker` process."""
    return subprocess.Popen([sys.executable, "-m", "tracker", *args], cwd=workspace,
                            env={**os.environ, "GITLAB_TOKEN": "owner-token"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# A full pull reads only what changed since the push: these points span its GET requests,
# from the token check to the last one, whatever their number.
@pytest.mark.parametrize("share", [0.0, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0])
def test_pull_killed_at_any_request_leaves_the_old_snapshot(
    workspace: Path, fake_gitlab: FakeGitLab, share: float
) -> None:
    """Killed while reading GitLab: the snapshot is byte for byte the old one; a re-run works."""
    fake_gitlab.reset(counters_only=True)
    assert CliRunner().invoke(cli, ["pull", "--full"]).exit_code == 0
    total = fake_gitlab.stats()["by_method"]["GET"]
    point = max(1, round(share * total))
    before = SNAPSHOT.read_bytes()
    fake_gitlab.add_fault("hold", methods=["GET"], nth=point)
    process = start(workspace, "pull", "--full")
    try:
        fake_gitlab.wait_for_hold(timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        fake_gitlab.release_holds()
        fake_gitlab.faults.clear()
    assert SNAPSHOT.read_bytes() == before
    assert not list(SNAPSHOT.parent.glob(".snapshot.json.*"))  # no half-written file shows
    assert CliRunner().invoke(cli, ["pull", "--full"]).exit_code == 0
    assert load_snapshot(SNAPSHOT) is not None


def test_report_killed_at_many_moments_leaves_old_or_new_site(workspace: Path) -> None:
    """SIGKILL during builds: public/ is always exactly the old site or exactly the new one."""
    runner = CliRunner()
    # An older day gives another site (a missing --snapshot file is an error now).
    assert runner.invoke(cli, ["report", "--out", "old", "--today", "2026-10-01"]).exit_code == 0
    assert runner.invoke(cli, ["report", "--out", "new", "--today", "2026-11-21"]).exit_code == 0
    old, new = tree_digest(Path("old")), tree_digest(Path("new"))
    assert old != new
    seen = set()
    for delay in (0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6, 2.0):
        shutil.rmtree("public", ignore_errors=True)
        shutil.copytree("old", "public")
        process = start(workspace, "report", "--out", "public", "--today", "2026-11-21")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        now = tree_digest(Path("public"))
        assert now in (old, new), delay
        seen.add("old" if now == old else "new")
    assert "old" in seen  # some kills really happened mid-build
    assert runner.invoke(cli, ["report", "--out", "public", "--today", "2026-11-21"]).exit_code == 0
    assert tree_digest(Path("public")) == new
    assert not list(Path().glob(".public.*"))  # a later build clears what killed ones left
