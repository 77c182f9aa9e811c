"""The sync's request budgets (issue 18), through the CLI, counted by the fake GitLab.

For N items of which c changed on GitLab: a first push makes at most 2 issue requests per item
(labels and milestones aside); a cold pull at most ceil(N/100) + c_with_notes + 2c + 10
requests; an incremental pull after k changes at most 5 + 3k, the same for any N.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import gitlab
import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.snapshot import load_snapshot
from tracker.sync.identity import known_path
from tracker.testing.fake_gitlab import FakeGitLab

from bench_scripts import bench_script  # isort: skip

SNAPSHOT = Path(".tracker/snapshot.json")
KINDS = ("status label", "close", "comment")
ISSUE_WRITES = ("POST /api/v4/projects/:id/issues", "PUT /api/v4/projects/:id/issues/:issue_iid",
                "POST /api/v4/projects/:id/issues/:issue_iid/links")


@pytest.fixture
def fake_gitlab(fake_gitlab: FakeGitLab) -> FakeGitLab:
    """The fake GitLab with a Reporter, Camille, who changes issues (kept by resets)."""
    fake_gitlab.add_user("camille-token", "reporter", username="camille", name="Camille Rouge")
    return fake_gitlab


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """bench/sync_bench.py, for its plan generator."""
    with bench_script("sync_bench", "sync_bench_for_budgets") as module:
        yield module


class Project:
    """A generated plan of about ``items`` items in its own folder, and the fake GitLab."""

    def __init__(self, bench: ModuleType, fake: FakeGitLab, folder: Path, items: int,
                 monkeypatch: pytest.MonkeyPatch, per_commitment: int | None = None) -> None:
        self.fake = fake
        folder.mkdir()
        per = per_commitment or bench.ITEMS_PER_COMMITMENT
        self.ids: list[str] = bench.generate_plan(folder / "commitments", items, per)
        (folder / "tracker.yml").write_text(
            f"gitlab_url: {fake.url}\nproject: ogp/suivi\nwrite_interval: 0\n", encoding="utf-8")
        monkeypatch.chdir(folder)
        monkeypatch.setenv("GITLAB_TOKEN", "owner-token")
        for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID"):
            monkeypatch.delenv(name, raising=False)
        self.unused = [i for i in self.ids if "." in i]  # milestones nobody changed yet

    def run(self, *args: str) -> dict[str, int]:
        """``tracker ARGS``; the requests it made, by route, and ``total``."""
        self.fake.reset(counters_only=True)
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        stats = self.fake.stats()
        return {**stats["by_route"], "total": stats["total"]}

    def change(self, count: int) -> dict[str, str]:
        """Another user changes ``count`` milestones' issues (label, close, comment in turn),
        ten minutes after the last run; the clock then moves ten minutes more."""
        known = json.loads(known_path(SNAPSHOT).read_text(encoding="utf-8"))["items"]
        picked, self.unused = self.unused[:count], self.unused[count:]
        self.fake.clock.advance(600)
        done = {}
        with gitlab.Gitlab(self.fake.url, private_token="camille-token") as other:
            project = other.projects.get("ogp/suivi")
            for n, key in enumerate(picked):
                kind = KINDS[n % len(KINDS)]
                if kind == "status label":
                    project.issues.update(known[key], {"add_labels": "status::in-progress"})
                elif kind == "close":
                    project.issues.update(known[key], {"state_event": "close"})
                else:
                    project.issues.get(known[key], lazy=True).notes.create({"body": "Fait."})
                done[key] = kind
        self.fake.clock.advance(600)
        return done

    def seen(self, changes: dict[str, str]) -> dict[str, str]:
        """The changes the snapshot shows, by item."""
        snapshot = load_snapshot(SNAPSHOT)
        assert snapshot is not None
        shown = {}
        for key, kind in changes.items():
            item = snapshot.item(key)
            assert item is not None
            if ((kind == "status label" and str(item.status) == "in-progress")
                    or (kind == "close" and str(item.status) == "complete")
                    or (kind == "comment" and [c.body for c in item.comments] == ["Fait."])):
                shown[key] = kind
        return shown


def make(bench: ModuleType, fake: FakeGitLab, tmp_path: Path, items: int,
         monkeypatch: pytest.MonkeyPatch, per_commitment: int | None = None) -> Project:
    """A fresh fake GitLab (users kept) and a project of ``items`` items, pushed ten minutes
    ago."""
    fake.reset()
    project = Project(bench, fake, tmp_path / f"plan-{items}", items, monkeypatch,
                      per_commitment)
    project.run("push")
    fake.clock.advance(600)
    return project


def test_a_first_push_makes_two_issue_requests_per_item_and_a_second_none(
        bench: ModuleType, fake_gitlab: FakeGitLab, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each milestone's issue is created naming its parent, then related to it; each
    commitment's is created, then given its checklist: 2 per item. Then a no-op push reads
    at most ceil(N/100) + 5 and writes nothing."""
    project = Project(bench, fake_gitlab, tmp_path / "plan", 60, monkeypatch)
    first = project.run("push")
    assert sum(first.get(route, 0) for route in ISSUE_WRITES) <= 2 * len(project.ids)
    milestones = len(project.unused)
    assert first["POST /api/v4/projects/:id/issues/:issue_iid/links"] == milestones
    second = project.run("push")
    assert second["total"] <= math.ceil(len(project.ids) / 100) + 5
    assert not any(route.startswith(("POST", "PUT", "DELETE")) for route in second)


def test_a_cold_pull_reads_only_the_issues_people_changed(
        bench: ModuleType, fake_gitlab: FakeGitLab, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """250 items, 6 changed on GitLab (2 labels, 2 closes, 2 comments): the cold pull sees
    every change within ceil(N/100) + c_with_notes + 2c + 10 requests."""
    project = make(bench, fake_gitlab, tmp_path, 250, monkeypatch)
    changes = project.change(6)
    pulled = project.run("pull")
    assert project.seen(changes) == changes
    assert pulled["total"] <= math.ceil(len(project.ids) / 100) + 2 + 2 * 6 + 10


def test_an_incremental_pull_costs_the_same_for_20_and_250_items(
        bench: ModuleType, fake_gitlab: FakeGitLab, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After the same 4 changes, a pull of 20 items and one of 250 make the same requests,
    at most 5 + 3k, and see every change; with nothing changed, at most 5."""
    totals = {}
    for items in (20, 250):
        project = make(bench, fake_gitlab, tmp_path, items, monkeypatch)
        project.run("pull")
        fake_gitlab.clock.advance(600)
        assert project.run("pull")["total"] <= 5
        changes = project.change(4)
        totals[items] = project.run("pull")["total"]
        assert project.seen(changes) == changes
    assert totals[20] == totals[250] <= 5 + 3 * 4


def test_a_full_listing_comes_back_after_full_pull_every_hours(
        bench: ModuleType, fake_gitlab: FakeGitLab, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Within full_pull_every hours a pull lists only updated issues; after, every issue
    again (one page per 100), and no more than that when nothing changed."""
    project = make(bench, fake_gitlab, tmp_path, 250, monkeypatch)
    project.run("pull")
    fake_gitlab.clock.advance(hours=23)
    assert project.run("pull")["GET /api/v4/projects/:id/issues"] == 1
    fake_gitlab.clock.advance(hours=2)
    listing = project.run("pull")
    assert listing["GET /api/v4/projects/:id/issues"] == math.ceil(len(project.ids) / 100)
    assert listing["total"] <= math.ceil(len(project.ids) / 100) + 5


def test_a_pull_right_after_a_push_leaves_nothing_to_read_again(
        bench: ModuleType, fake_gitlab: FakeGitLab, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the pipeline, the pull follows the push at once: every issue was touched just
    before it, by the push itself. The next pull lists them again (they are within its
    overlap) but reads none of them in detail."""
    project = Project(bench, fake_gitlab, tmp_path / "plan", 250, monkeypatch)
    project.run("push")
    project.run("pull")
    fake_gitlab.clock.advance(600)
    pulled = project.run("pull")
    assert [route for route in pulled if "/issues/:issue_iid" in route] == []
    assert pulled["total"] <= math.ceil(len(project.ids) / 100) + 5


@pytest.mark.slow
def test_a_no_op_push_asks_for_labels_and_milestones_whatever_the_plan_size(
        bench: ModuleType, fake_gitlab: FakeGitLab, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """210 commitments of one milestone each need some 240 labels (2,000 items of the usual
    shape need as many), and people added 200 of their own: listing them all would take
    five pages. The issues show every label but the status and completion labels and
    left-plan, which a search per scope finds; they show the plan's milestone too. So the
    no-op push makes three label requests and no milestone one, within ceil(N/100) + 5, and
    the next no-op push the same."""
    project = make(bench, fake_gitlab, tmp_path, 420, monkeypatch, per_commitment=2)
    with gitlab.Gitlab(fake_gitlab.url, private_token="owner-token") as owner:
        labels = owner.projects.get("ogp/suivi", lazy=True).labels
        for n in range(200):
            labels.create({"name": f"équipe-{n:03d}", "color": "#cccccc"})
        assert len(labels.list(get_all=True)) > 4 * 100
    for _ in range(2):
        second = project.run("push")
        assert not any(route.startswith(("POST", "PUT", "DELETE")) for route in second)
        assert second["GET /api/v4/projects/:id/labels"] == 3
        assert "GET /api/v4/projects/:id/milestones" not in second
        assert second["total"] <= math.ceil(len(project.ids) / 100) + 5
