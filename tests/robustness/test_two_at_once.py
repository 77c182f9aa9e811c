"""Two runs at once against one project make no duplicate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import gitlab
import pytest

from tracker.lock import LockTimeout, run_lock
from tracker.plan.load import load_plans
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]


def test_two_syncs_started_together_create_each_issue_once(
    tmp_path: Path, fake_gitlab: FakeGitLab, gl: gitlab.Gitlab
) -> None:
    """Two `tracker sync` processes at the same moment: both succeed, one issue per id."""
    shutil.copytree(REPO / "commitments" / "fr-2015-2017", tmp_path / "commitments" / "fr")
    (tmp_path / "tracker.yml").write_text(
        f"gitlab_url: {fake_gitlab.url}\nproject: ogp/suivi\nwrite_interval: 0\n",
        encoding="utf-8")
    fake_gitlab.add_fault("slow", methods=["POST"], delay_ms=20)  # widen the race window
    env = {**os.environ, "GITLAB_TOKEN": "owner-token"}
    runs = [subprocess.Popen([sys.executable, "-m", "tracker", "sync"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert any("Waiting for another tracker run to finish…" in out for out in outputs)
    project = gl.projects.get("ogp/suivi")
    found = Counter(parsed.key for issue in project.issues.list(state="all", get_all=True)
                    if (parsed := block.parse(issue.description)))
    ids = [key for c in load_plans(tmp_path / "commitments").commitments()
           for key in (c.id, *(m.id for m, _ in c.walk()))]
    assert found == Counter(dict.fromkeys(ids, 1))


def test_a_lock_held_too_long_gives_a_clear_error(tmp_path: Path) -> None:
    """Waiting past the timeout says which file holds the lock and what to do."""
    path = tmp_path / "run.lock"
    with run_lock(path), pytest.raises(LockTimeout) as caught, run_lock(path, timeout=0.3):
        pass
    assert str(caught.value) == (
        f"another tracker run still holds {path} after 0 s: let it finish (or, if no run is "
        "going on, delete the file) and try again")
