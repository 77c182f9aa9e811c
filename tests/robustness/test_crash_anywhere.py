"""SIGKILL a pull or a report at many points: what is left is the old or the new, never a mix."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.snapshot import load_snapshot
from tracker.testing.fake_gitlab import FakeGitLab

SNAPSHOT = Path(".tracker/snapshot.json")
SHIPPED = Path(__file__).resolve().parents[2] / "commitments"


def tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes below ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeGitLab, Path]]:
    """A fake GitLab and a tracker folder holding the shipped example, pushed and pulled once.

    Shared by this module's tests (each works on a copy of the folder): every test here only
    reads GitLab and clears its faults, and a push and pull of the example is most of a test's
    CPU time. Session-scoped, so built once per pytest-xdist worker even when the worker runs
    other modules' tests in between (a module fixture would be built again after each).
    """
    folder = tmp_path_factory.mktemp("synced")
    with FakeGitLab() as server:
        (folder / "tracker.yml").write_text(
            f"gitlab_url: {server.url}\nproject: ogp/suivi\nwrite_interval: 0\n"
            "retry_backoff: 0.01\n", encoding="utf-8")
        shutil.copytree(SHIPPED, folder / "commitments",
                        ignore=shutil.ignore_patterns("README.md"))
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(folder)
            patch.setenv("GITLAB_TOKEN", "owner-token")
            for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL",
                         "CI_PROJECT_ID"):
                patch.delenv(name, raising=False)
            assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
        yield server, folder


@pytest.fixture
def fake_gitlab(synced: tuple[FakeGitLab, Path]) -> FakeGitLab:
    """The module's fake GitLab, with the example pushed (overrides conftest's fresh one)."""
    return synced[0]


@pytest.fixture
def workspace(synced: tuple[FakeGitLab, Path], tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the synced folder, the working directory; the owner's token set."""
    folder = tmp_path / "tracker"
    shutil.copytree(synced[1], folder)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("GITLAB_TOKEN", "owner-token")
    for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
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
    fake_gitlab.kill_when_held(process)
    assert SNAPSHOT.read_bytes() == before
    assert not list(SNAPSHOT.parent.glob(".snapshot.json.*"))  # no half-written file shows
    assert CliRunner().invoke(cli, ["pull", "--full"]).exit_code == 0
    assert load_snapshot(SNAPSHOT) is not None


@pytest.mark.slow
def test_report_killed_at_many_moments_leaves_old_or_new_site(workspace: Path) -> None:
    """SIGKILL during builds: public/ is always exactly the old site or exactly the new one."""
    runner = CliRunner()
    # An older day gives another site (a missing --snapshot file is an error now).
    assert runner.invoke(cli, ["report", "--out", "old", "--today", "2026-10-01"]).exit_code == 0
    assert runner.invoke(cli, ["report", "--out", "new", "--today", "2026-11-21"]).exit_code == 0
    old, new = tree_digest(Path("old")), tree_digest(Path("new"))
    assert old != new
    # The kill moments are fractions of one whole build in a process, timed here: fixed
    # delays were either all past the end on a fast machine or seconds of waiting on a slow one.
    started = time.monotonic()
    whole = start(workspace, "report", "--out", "timed", "--today", "2026-11-21")
    assert whole.wait(timeout=120) == 0
    build = time.monotonic() - started
    assert tree_digest(Path("timed")) == new
    seen = set()
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        shutil.rmtree("public", ignore_errors=True)
        shutil.copytree("old", "public")
        process = start(workspace, "report", "--out", "public", "--today", "2026-11-21")
        time.sleep(build * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        now = tree_digest(Path("public"))
        assert now in (old, new), fraction
        seen.add("old" if now == old else "new")
    assert "old" in seen  # some kills really happened mid-build
    assert runner.invoke(cli, ["report", "--out", "public", "--today", "2026-11-21"]).exit_code == 0
    assert tree_digest(Path("public")) == new
    assert not list(Path().glob(".public.*"))  # a later build clears what killed ones left
