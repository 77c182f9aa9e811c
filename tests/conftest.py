"""Shared fixtures: a fake GitLab per test and a python-gitlab client for it."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import gitlab
import pytest

from tracker.testing.fake_gitlab import FakeGitLab


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked slow first: with pytest-xdist, a long test started last keeps one
    worker busy while the others sit idle; started first, the short ones fill in around it.

    The slow tests go module by module in turns (the first of each module, then the second of
    each...): two that start together then rarely wait for the same costly fixture, which
    one worker builds while the other would sit idle (see ``built_once``)."""
    turn: dict[str, int] = {}
    seen: Counter[str] = Counter()
    for item in items:
        if item.get_closest_marker("slow") is not None:
            module = item.nodeid.split("::", 1)[0]
            turn[item.nodeid] = seen[module]
            seen[module] += 1
    items.sort(key=lambda item: (0, turn[item.nodeid]) if item.nodeid in turn else (1, 0))


@pytest.fixture(scope="session")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``built_once(name, build)``: a folder that ``build(folder)`` fills once per test run.

    For what is costly to build and only read (a pulled site, a virtual environment): the
    first pytest-xdist worker to ask builds it, in a folder all the workers of the run share;
    one that asks meanwhile waits for it, and later ones find it built. Without workers
    (``-n 0``) it is this run's own folder."""
    base = tmp_path_factory.getbasetemp()
    # With workers, each has basetemp/../popen-gwN: the parent is this run's, not older runs'.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = shared / "built-once"
    shared.mkdir(exist_ok=True)

    def built(name: str, build: Callable[[Path], object]) -> Path:
        folder, done = shared / name, shared / f"{name}.done"
        with (shared / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)  # a build that failed part way
                folder.mkdir()
                build(folder)
                done.touch()
        return folder

    return built


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """A started fake GitLab on 127.0.0.1 (ephemeral port), project ``ogp/suivi``, one owner
    token ``owner-token``; stopped after the test. Add users with ``fake_gitlab.add_user``."""
    server = FakeGitLab().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gl(fake_gitlab: FakeGitLab) -> Iterator[gitlab.Gitlab]:
    """``gitlab.Gitlab(fake_gitlab.url, private_token="owner-token")``, session closed after."""
    with gitlab.Gitlab(fake_gitlab.url, private_token="owner-token") as client:
        yield client


SHIPPED = Path(__file__).resolve().parents[1] / "commitments"


@pytest.fixture
def tracker_repo(
    tmp_path: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """Make a tracker repository in tmp_path and work from it.

    It holds the shipped plans (or the named ones), a ``tracker.yml`` for the fake GitLab with
    no pause between writes, a 10 ms retry backoff and a look every 50 ms at the lease of a
    push it waits for, plus any extra ``settings`` lines, and ``GITLAB_TOKEN`` set to the
    owner's token; GitLab settings from the caller's environment are cleared.
    """

    def make(*plans: str, settings: str = "") -> Path:
        for plan in plans or sorted(p.name for p in SHIPPED.iterdir() if p.is_dir()):
            shutil.copytree(SHIPPED / plan, tmp_path / "commitments" / plan)
        (tmp_path / "tracker.yml").write_text(
            f"gitlab_url: {fake_gitlab.url}\nproject: ogp/suivi\nwrite_interval: 0\n"
            # GitLab answers at once here: a short backoff and lease poll keep retry and wait
            # paths real, not slow.
            f"retry_backoff: 0.01\nlease_poll: 0.05\n{settings}",
            encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("GITLAB_TOKEN", "owner-token")
        for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID"):
            monkeypatch.delenv(name, raising=False)
        return tmp_path

    return make
