"""Fault soak: sync a plan against a fake GitLab that fails 10% of requests, check the outcome.

For one seed: start a fake GitLab whose requests fail at random (5xx before and after the
write is committed, 429 with and without ``Retry-After``, dropped connections before and after
committing, slow answers; and second pages of listings failing 30% of the time), run
``tracker sync`` until it succeeds (a second checkout pushing at the same time), let an owner
edit a few issues as people do (labels cleared, description rewritten or cut, title renamed),
sync until it succeeds again, then check that GitLab holds exactly the desired issues,
labels, milestones and links with no duplicate, that a fault-free run finds nothing left to
write, that the snapshot equals the one a fault-free run produces, and that the token
appeared in no output.

Used by ``bench/soak.py`` (hundreds of seeds) and by the test suite (a bounded sample).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import gitlab
from click.testing import CliRunner

from tracker.cli import cli
from tracker.plan.load import load_plans
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

TOKEN = "glpat-soak-canary-0123456789"
T = TypeVar("T")
OWNER = "camille-token"  # a commitment owner who edits issues by hand
START = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
MAX_RUNS = 10

# (kind, options): each gets an equal share of the overall fault rate.
FAULTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("error_before", {"status": 503}),
    ("error_after", {"status": 502}),
    ("rate_limit", {"retry_after": 0}),
    ("rate_limit", {"retry_after": None}),
    ("drop", {}),
    ("drop", {"after": True}),
    ("slow", {"delay_ms": 5}),
)


@dataclass
class SeedResult:
    """What one seed showed."""

    seed: int
    runs: int = 0
    converged: bool = False
    duplicates: list[str] = field(default_factory=list)
    divergences: list[str] = field(default_factory=list)
    leaks: int = 0
    lost: list[str] = field(default_factory=list)  # items no longer followed on their issue
    edits: list[str] = field(default_factory=list)  # what people did to issues meanwhile
    faults_fired: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Converged, with no duplicate, no divergence and no leak."""
        return (self.converged and not self.duplicates and not self.divergences
                and not self.leaks and not self.lost)


@contextmanager
def _workspace(commitments: Path, server: FakeGitLab) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="ogp-soak-"))
    try:
        shutil.copytree(commitments, folder / "commitments")
        (folder / "tracker.yml").write_text(
            f"gitlab_url: {server.url}\nproject: ogp/suivi\nwrite_interval: 0\nretries: 3\n"
            # The second checkout waits for the first one's lease: look at it often.
            "retry_backoff: 0.01\nlease_poll: 0.05\n",
            encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, *args: str) -> tuple[int, str]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, list(args), env={"GITLAB_TOKEN": TOKEN})
    finally:
        os.chdir(previous)
    return result.exit_code, result.output


def _server() -> FakeGitLab:
    server = FakeGitLab(start_time=START).start()
    server.add_user(TOKEN, "owner", username="tracker-bot")
    server.add_user(OWNER, "reporter", username="camille")
    return server


def _normalised_snapshot(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (folder / ".tracker" / "snapshot.json").read_text(encoding="utf-8"))
    data.pop("generated_at", None)
    data["project"].pop("web_url", None)  # each fake listens on its own port
    for item in data["items"].values():
        # What people's edits change on purpose: when, and what the push left for them.
        item.pop("push_findings", None)
        if item.get("issue"):
            for name in ("iid", "web_url", "updated_at"):
                item["issue"].pop(name, None)
    return data


EDITS = ("clear labels", "rewrite description", "cut description", "rename title")


def _human_edits(server: FakeGitLab, rng: random.Random, count: int = 4) -> list[str]:
    """An owner edits a few issues the way people do: returns what was done to which."""
    done = []
    # A person whose browser fails retries: so does python-gitlab here, faults being on.
    with gitlab.Gitlab(server.url, private_token=OWNER, retry_transient_errors=True) as gl:
        issues = _patiently(lambda: list(gl.projects.get("ogp/suivi").issues.list(
            state="all", iterator=True, per_page=100, labels=["ogp-tracker"])))
        for issue, edit in zip(rng.sample(issues, min(count, len(issues))),
                               rng.sample(EDITS * 2, count), strict=False):
            if edit == "clear labels":
                issue.labels = []
            elif edit == "rewrite description":
                issue.description = "Texte réécrit par le porteur de l'engagement."
            elif edit == "cut description":
                issue.description = issue.description[: len(issue.description) // 3]
            else:
                issue.title = "Titre choisi par le porteur"
            _patiently(issue.save)
            done.append(f"{edit} on #{issue.iid}")
    return done


def _patiently(call: Callable[[], T]) -> T:
    for _ in range(20):
        try:
            return call()
        except (gitlab.exceptions.GitlabError, OSError):
            continue
    return call()


def _other_checkout(folder: Path) -> subprocess.Popen[bytes]:
    """A second checkout (a laptop during the scheduled job) pushing at the same time."""
    other = folder.with_name(folder.name + "-laptop")
    shutil.copytree(folder, other, ignore=shutil.ignore_patterns(".tracker"))
    return subprocess.Popen([sys.executable, "-m", "tracker", "push"], cwd=other,
                            env={**os.environ, "GITLAB_TOKEN": TOKEN},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _sync_until_done(folder: Path, result: SeedResult, outputs: list[str]) -> bool:
    for _ in range(MAX_RUNS):
        result.runs += 1
        code, output = _run(folder, "sync")
        outputs.append(output)
        if code == 0:
            return True
    return False


def _followed(folder: Path) -> dict[str, int]:
    data = json.loads((folder / ".tracker" / "snapshot.json").read_text(encoding="utf-8"))
    return {key: item["issue"]["iid"] for key, item in data["items"].items() if item["issue"]}


def reference_snapshot(commitments: Path) -> dict[str, Any]:
    """The snapshot a fault-free sync of ``commitments`` produces."""
    server = _server()
    try:
        with _workspace(commitments, server) as folder:
            code, output = _run(folder, "sync")
            if code != 0:
                raise RuntimeError(f"the fault-free sync failed:\n{output}")
            return _normalised_snapshot(folder)
    finally:
        server.stop()


def _check_gitlab(server: FakeGitLab, commitments: Path, result: SeedResult) -> None:
    plans = load_plans(commitments)
    wanted = {key for c in plans.commitments() for key in (c.id, *(m.id for m, _ in c.walk()))}
    parent = {m.id: c.id for c in plans.commitments() for m, _ in c.walk()}
    with gitlab.Gitlab(server.url, private_token=TOKEN) as gl:
        project = gl.projects.get("ogp/suivi")
        issues = list(project.issues.list(state="all", iterator=True, per_page=100))
        keys = Counter(p.key for i in issues if (p := block.parse(i.description)))
        result.duplicates += [f"issue {key} x{n}" for key, n in keys.items() if n > 1]
        result.divergences += [f"no issue for {key}" for key in sorted(wanted - set(keys))]
        iid_of = {p.key: i.iid for i in issues if (p := block.parse(i.description))}
        labels = Counter(label.name for label in project.labels.list(iterator=True))
        result.duplicates += [f"label {name}" for name, n in labels.items() if n > 1]
        titles = Counter(m.title for m in project.milestones.list(iterator=True))
        result.duplicates += [f"milestone {t}" for t, n in titles.items() if n > 1]
        if len(titles) != len(plans.plans):
            result.divergences.append(f"{len(titles)} milestones for {len(plans.plans)} plans")
        for key, commitment in parent.items():
            if key not in iid_of:
                continue
            links = [link.iid for link in project.issues.get(iid_of[key], lazy=True)
                     .links.list(get_all=True)]
            if links.count(iid_of.get(commitment)) != 1:
                result.divergences.append(f"link {key} -> {commitment}: {links}")


def run_seed(seed: int, commitments: Path, reference: dict[str, Any],
             rate: float = 0.10) -> SeedResult:
    """Sync ``commitments`` under seeded faults until it succeeds; check what GitLab holds."""
    result = SeedResult(seed)
    server = _server()
    try:
        share = rate / len(FAULTS)
        for index, (kind, options) in enumerate(FAULTS):
            server.add_fault(kind, rate=share, seed=seed * 100 + index, **options)
        # Only second pages of listings are watched by this one, so it gets a rate of its own.
        server.add_fault("page_fail", page=2, rate=0.3, seed=seed * 100 + 99)
        with _workspace(commitments, server) as folder:
            outputs: list[str] = []
            laptop = _other_checkout(folder)
            done = _sync_until_done(folder, result, outputs)
            laptop.wait(timeout=600)  # its outcome does not matter; what it left does
            if done:
                first = _followed(folder)
                result.edits = _human_edits(server, random.Random(seed))
                done = _sync_until_done(folder, result, outputs)
                if done:
                    now = _followed(folder)
                    result.lost = sorted(f"{key}: #{iid} -> {now.get(key)}"
                                         for key, iid in first.items() if now.get(key) != iid)
            result.faults_fired = dict(server.stats()["faults"]["fired"])
            if not done:
                result.divergences.append(f"no successful sync in {MAX_RUNS} runs")
            elif _normalised_snapshot(folder) != reference:
                result.divergences.append("snapshot differs from the fault-free one")
            server.faults.clear()
            code, output = _run(folder, "push")
            outputs.append(output)
            result.converged = code == 0 and "0 created, 0 updated" in output
            result.leaks = sum(TOKEN in text for text in outputs) + sum(
                TOKEN in path.read_text(encoding="utf-8", errors="replace")
                for path in folder.rglob("*") if path.is_file())
        _check_gitlab(server, commitments, result)
    finally:
        server.stop()
    return result
