"""A GitLab that answers oddly: one clear line, exit non-zero, no traceback, no token anywhere.

Each case is a fault of the fake GitLab (see its README, "Misbehaving GitLab"), met by the
tracker run as a real process, as CI runs it. The push that fills GitLab before a pull case
runs in this process: it meets no fault and is not what the case is about.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]
TOKEN = "glpat-HOSTILE-4e2b9d71c0aa"


@pytest.fixture
def workspace(tmp_path: Path, fake_gitlab: FakeGitLab) -> Path:
    """The shipped French plan, for the fake GitLab, whose owner's token is the canary."""
    fake_gitlab.add_user(TOKEN, "owner", username="tracker-bot")
    shutil.copytree(REPO / "commitments" / "fr-2015-2017", tmp_path / "commitments" / "fr")
    (tmp_path / "tracker.yml").write_text(
        f"gitlab_url: {fake_gitlab.url}\nproject: ogp/suivi\nwrite_interval: 0\nretries: 1\n"
        "retry_backoff: 0.01\n", encoding="utf-8")
    return tmp_path


def tracker(workspace: Path, *args: str) -> tuple[int, str, float]:
    """Run the real `tracker` process: exit code, all it printed, seconds it took."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tracker", *args], cwd=workspace,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "GITLAB_TOKEN": TOKEN})
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def pushed(workspace: Path) -> None:
    """The plan pushed to the fake GitLab, before its faults are set, by `tracker push` run in
    this process (a process start and its imports cost more than the push itself)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workspace)
        result = CliRunner().invoke(cli, ["push"], env={"GITLAB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output


def no_secret_anywhere(workspace: Path, output: str) -> None:
    """The canary is in no output and no file, not even a fragment of it."""
    assert TOKEN[6:18] not in output
    for path in workspace.rglob("*"):
        if path.is_file():
            assert TOKEN[6:18] not in path.read_text(encoding="utf-8", errors="replace"), path


CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("push", "echo_headers", {"methods": ["POST"], "status": 502},
     "GitLab gave no clear answer (502)"),
    ("push", "echo_headers", {"methods": ["GET"], "route": "/labels", "status": 400},
     "GitLab did not answer as expected (400)"),
    ("push", "echo_headers", {"methods": ["GET"], "route": "/milestones", "status": 422},
     "GitLab did not answer as expected (422)"),
    ("pull", "drop_fields", {"methods": ["GET"], "route": "/issues", "fields": ["iid"]},
     "GitLab's answer has no 'iid'"),
    ("pull", "malformed_json", {"methods": ["GET"], "route": "/issues"},
     "not the JSON its API sends"),
    ("pull", "maintenance_page", {"methods": ["GET"], "route": "/issues"},
     "GitLab did not answer as expected (503)"),
    ("pull", "maintenance_page", {"methods": ["GET"], "route": "/issues", "status": 200},
     "not the JSON its API sends"),
    ("pull", "rate_limit", {"route": "/issues", "retry_after": 100000},
     "GitLab asked to wait 100000 s"),
]


@pytest.mark.parametrize(("command", "kind", "options", "said"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_an_odd_answer_gives_one_clear_line(
    workspace: Path, fake_gitlab: FakeGitLab, command: str, kind: str,
    options: dict[str, Any], said: str,
) -> None:
    """Exit 1, the last line says what went wrong, no traceback, no token, within 90 s."""
    if command == "pull":
        pushed(workspace)
    fake_gitlab.add_fault(kind, **options)
    code, output, seconds = tracker(workspace, command)
    assert code == 1, output
    last = output.strip().splitlines()[-1]
    assert last.startswith("Error: ")
    assert said in last
    assert "Traceback" not in output
    assert seconds < 90
    no_secret_anywhere(workspace, output)


@pytest.mark.parametrize("values", [["Wed, 02 Dec 2026 04:00:00 -0000"],
                                    ["Wed, 02 Dec 2026 04:00:00"],
                                    ["not a date"],
                                    ["Wed, 02 Dec 2026 04:00:00 GMT",
                                     "Wed, 02 Dec 2026 04:00:01 GMT"],
                                    []])
def test_odd_date_headers_do_not_stop_a_pull(
    workspace: Path, fake_gitlab: FakeGitLab, values: list[str],
) -> None:
    """A Date with -0000, without a zone, garbage, twice or missing: the pull works."""
    pushed(workspace)
    fake_gitlab.add_fault("date_header", date_values=values)
    code, output, _ = tracker(workspace, "pull")
    assert code == 0, output
    assert "Traceback" not in output


def test_pagination_links_to_another_host_are_not_followed(
    workspace: Path, fake_gitlab: FakeGitLab,
) -> None:
    """GitLab's next-page links name its external_url: the tracker keeps to its address and
    says so once."""
    pushed(workspace)
    fake_gitlab.add_fault("foreign_links", route="/issues$", host="http://127.0.0.1:9")
    code, output, _ = tracker(workspace, "pull", "--full")
    assert code == 0, output
    assert output.count("page links point at another address") == 1


def test_a_token_pasted_in_a_comment_is_not_republished(
    workspace: Path, fake_gitlab: FakeGitLab,
) -> None:
    """Someone pastes the tracker's token in a comment: the snapshot and the site mask it."""
    import gitlab

    pushed(workspace)
    with gitlab.Gitlab(fake_gitlab.url, private_token=TOKEN) as gl:
        fake_gitlab.add_user("helper-token", "reporter", username="helper")
        with gitlab.Gitlab(fake_gitlab.url, private_token="helper-token") as helper:
            iid = gl.projects.get("ogp/suivi").issues.list(get_all=True)[0].iid
            helper.projects.get("ogp/suivi").issues.get(iid).notes.create(
                {"body": f"Voici le jeton : {TOKEN} (à ne pas publier)"})
    code, output, _ = tracker(workspace, "pull")
    assert code == 0, output
    assert tracker(workspace, "report", "--out", "public")[0] == 0
    snapshot = (workspace / ".tracker" / "snapshot.json").read_text(encoding="utf-8")
    assert "Voici le jeton : [MASKED] (à ne pas publier)" in snapshot
    no_secret_anywhere(workspace, output)
