"""The fake GitLab as a process, and python-gitlab's own `gitlab` command against it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import gitlab
import pytest
import requests

GITLAB_CLI = shutil.which("gitlab", path=str(Path(sys.executable).parent)) \
    or shutil.which("gitlab")


@pytest.fixture
def fake_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m tracker.testing.fake_gitlab --port 0 ...``; yields (process, base URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker.testing.fake_gitlab", "--port", "0",
         "--token", "owner-token:owner", "--token", "citizen-token:none",
         "--token", "reporter-token:reporter:rita", "--latency-ms", "2", "--tier", "premium"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        yield process, url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - diagnostic only
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_process_prints_its_url_first_and_serves(
        fake_process: tuple[subprocess.Popen[str], str]) -> None:
    """Fake contract: the first line of standard output is the base URL; --token makes users
    with roles; --tier premium makes scoped labels exclusive."""
    process, url = fake_process
    assert url.startswith("http://127.0.0.1:")
    with gitlab.Gitlab(url, private_token="reporter-token") as reporter:
        reporter.auth()
        assert reporter.user is not None
        assert reporter.user.username == "rita"
        issue = reporter.projects.get("ogp/suivi").issues.create(
            {"title": "x", "labels": "status::a,status::b"})
        assert issue.labels == ["status::b"]
    with gitlab.Gitlab(url, private_token="citizen-token") as citizen:
        members = citizen.projects.get("ogp/suivi").members_all.list(get_all=True)
        assert {m.username for m in members} == {"owner", "rita"}
    stats = requests.get(f"{url}/-/fake/stats", timeout=5).json()
    assert stats["total"] == 5
    assert stats["writes"] == 1
    assert process.poll() is None


def test_process_stops_cleanly_on_sigterm(
        fake_process: tuple[subprocess.Popen[str], str]) -> None:
    """Fake contract: the process serves until killed, and SIGTERM ends it with status 0."""
    process, _ = fake_process
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_python_gitlab_cli_lists_and_creates_issues(
        fake_process: tuple[subprocess.Popen[str], str], tmp_path: Path) -> None:
    """GitLab docs: Issues API > New issue / List project issues, through python-gitlab's
    `gitlab` command-line tool."""
    _, url = fake_process
    assert GITLAB_CLI is not None, "python-gitlab, a runtime dependency, installs `gitlab`"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "PYTHON_GITLAB"))}
    env["HOME"] = str(tmp_path)  # no ~/.python-gitlab.cfg from the person running tests
    base = [GITLAB_CLI, "--server-url", url, "--private-token", "owner-token", "-o", "json"]

    def run(*args: str) -> object:
        done = subprocess.run([*base, *args], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    created = run("project-issue", "create", "--project-id", "ogp/suivi",
                  "--title", "Engagement 22", "--labels", "ogp,fr")
    assert isinstance(created, dict)
    assert created["iid"] == 1
    assert created["labels"] == ["fr", "ogp"]
    listed = run("project-issue", "list", "--project-id", "ogp/suivi")
    assert isinstance(listed, list)
    assert [i["title"] for i in listed] == ["Engagement 22"]
