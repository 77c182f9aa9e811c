"""The sync as a team uses it: people edit issues, checkouts push together, one folder at a time.

People act through python-gitlab on the fake GitLab; the tool runs through its CLI.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import gitlab
import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.snapshot import load_snapshot
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

from team import counts, issue_count, issues_by_key, tracker_notes, write_plan  # isort: skip

SNAPSHOT = Path(".tracker/snapshot.json")
SHIPPED = Path(__file__).resolve().parents[2] / "commitments"


def run(*args: str) -> Result:
    """Run the tracker in-process."""
    return CliRunner().invoke(cli, list(args))


def followed(snapshot_path: Path = SNAPSHOT) -> dict[str, int]:
    """Item id → issue number, as the snapshot says."""
    snapshot = load_snapshot(snapshot_path)
    assert snapshot is not None
    return {key: state.issue.iid for key, state in snapshot.items.items() if state.issue}


def comment_and_pull(fake_gitlab: FakeGitLab, username: str, body: str) -> None:
    """A member of the public, ``username``, comments on commitment 22's issue; ten minutes
    later, a pull."""
    fake_gitlab.add_user(f"{username}-token", "none", username=username)
    with gitlab.Gitlab(fake_gitlab.url, private_token=f"{username}-token") as client:
        issue = client.projects.get("ogp/suivi").issues.get(followed()["fr-2015-2017-22"])
        issue.notes.create({"body": body})
    fake_gitlab.clock.advance(600)
    assert run("pull").exit_code == 0


def assert_published_nowhere(repo: Path, text: bytes) -> None:
    """Build the report of ``repo``: no published file holds ``text``."""
    assert run("report", "--out", "public").exit_code == 0
    published = [p for p in (repo / "public").rglob("*") if p.is_file()]
    assert published
    assert not [p for p in published if text in p.read_bytes()]


@pytest.fixture
def people(fake_gitlab: FakeGitLab) -> gitlab.Gitlab:
    """A commitment owner (Reporter) acting through python-gitlab."""
    fake_gitlab.add_user("owner-camille", "reporter", username="camille")
    with gitlab.Gitlab(fake_gitlab.url, private_token="owner-camille") as client:
        yield client


@pytest.mark.slow
@pytest.mark.parametrize("plan", ["shipped", "generated"])
def test_people_editing_issues_never_make_a_new_one(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab, people: gitlab.Gitlab, plan: str,
) -> None:
    """Labels cleared, description rewritten, description cut, title renamed; two pushes and a
    pull: no new issue, every item on its own issue, its status and comments kept."""
    if plan == "shipped":
        repo = tracker_repo()
    else:
        repo = tracker_repo("fr-2015-2017")
        write_plan(repo / "commitments", "gen", commitments=30)
    assert run("sync").exit_code == 0
    before = followed()
    total = issue_count(gl)
    keys = sorted(before)[:4]
    project = people.projects.get("ogp/suivi")
    cleared, rewritten, cut, renamed = (project.issues.get(before[k]) for k in keys)
    cleared.notes.create({"body": "Avancement : la moitié est faite."})
    cleared.labels = ["status::in-progress"]
    cleared.save()
    cleared.labels = []
    cleared.save()
    rewritten.description = "Texte réécrit entièrement par le porteur."
    rewritten.save()
    cut.description = cut.description[: len(cut.description) // 3]
    cut.save()
    renamed.title = "Titre choisi par le porteur"
    renamed.save()

    for _ in range(2):
        result = run("push")
        assert result.exit_code == 0, result.output
    assert run("pull").exit_code == 0
    assert issue_count(gl) == total
    assert followed() == before
    by_key = issues_by_key(gl)
    assert counts(by_key) == {1: len(before)}
    assert "Texte réécrit entièrement par le porteur." in by_key[keys[1]][0].description
    assert project.issues.get(before[keys[3]]).title == "Titre choisi par le porteur"
    snapshot = load_snapshot(SNAPSHOT)
    assert snapshot is not None
    first = snapshot.items[keys[0]]
    assert [c.body for c in first.comments] == ["Avancement : la moitié est faite."]
    assert "ogp-tracker" in project.issues.get(before[keys[0]]).labels


@pytest.mark.slow
def test_two_checkouts_pushing_together_make_no_duplicate(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
    tmp_path: Path,
) -> None:
    """A plan grown from 20 to 300 items, pushed from two checkouts at once, then a third
    push: exactly 300 issues, one per item."""
    repo = tracker_repo("fr-2015-2017")
    (repo / "commitments" / "fr-2015-2017").rename(tmp_path / "unused")
    write_plan(repo / "commitments", "gen", commitments=2)
    assert run("push").exit_code == 0
    ids = write_plan(repo / "commitments", "gen", commitments=30)
    assert len(ids) == 300
    other = tmp_path / "laptop"
    other.mkdir()
    shutil.copytree(repo / "commitments", other / "commitments")
    shutil.copy(repo / "tracker.yml", other / "tracker.yml")
    fake_gitlab.latency_ms = 2  # widen the window in which both see an item missing
    env = {**os.environ, "GITLAB_TOKEN": "owner-token"}
    runs = [subprocess.Popen([sys.executable, "-m", "tracker", "push"], cwd=folder, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in (repo, other)]
    outputs = [process.communicate(timeout=600) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    assert any("Waiting: another push" in err for _, err in outputs)
    fake_gitlab.latency_ms = 0
    assert run("push").exit_code == 0
    by_key = issues_by_key(gl)
    assert sorted(by_key) == sorted(ids)
    assert counts(by_key) == {1: 300}
    assert issue_count(gl) == 300


def test_pushing_one_plan_folder_leaves_the_other_plans_alone(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
) -> None:
    """After a full push, a push of one unchanged plan folder writes nothing at all; the
    other plans' issues are not marked as removed."""
    tracker_repo()
    assert run("push").exit_code == 0
    fake_gitlab.reset(counters_only=True)
    result = run("push", "--commitments", "commitments/fr-2015-2017")
    assert result.exit_code == 0, result.output
    assert fake_gitlab.stats()["writes"] == 0
    assert not list(gl.projects.get("ogp/suivi").issues.list(
        labels=["left-plan"], state="all", iterator=True))


def test_a_plan_folder_gone_by_mistake_needs_allow_removals(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab,
) -> None:
    """Removing a whole plan marks many items as left: refused without --allow-removals, the
    dry run counts them first, nothing is written."""
    repo = tracker_repo()
    assert run("push").exit_code == 0
    shutil.rmtree(repo / "commitments" / "ca-2022-2024")
    dry = run("push", "--dry-run")
    assert dry.exit_code == 0
    assert dry.output.splitlines()[0].startswith("130 item(s) would be marked as no longer")
    fake_gitlab.reset(counters_only=True)
    refused = run("push")
    assert refused.exit_code == 1
    assert "would mark 130 items as no longer in the plan" in refused.stderr
    assert "--allow-removals" in refused.stderr
    assert fake_gitlab.stats()["writes"] == 0
    assert run("push", "--allow-removals").exit_code == 0


@pytest.mark.parametrize(("role", "shown"), [("guest", "Guest"), ("none", "not a member")])
def test_a_token_below_reporter_writes_nothing(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
    monkeypatch: pytest.MonkeyPatch, role: str, shown: str,
) -> None:
    """A Guest or non-member token: 0 issues created, an error naming the role needed."""
    tracker_repo("fr-2015-2017")
    fake_gitlab.add_user("weak-token", role, username="bot")
    monkeypatch.setenv("GITLAB_TOKEN", "weak-token")
    fake_gitlab.reset(counters_only=True)
    result = run("push")
    assert result.exit_code == 1
    assert f"the token signs in as bot, who is {shown} in ogp/suivi" in result.stderr
    assert "needs the Reporter role or more" in result.stderr
    assert "Traceback" not in result.stderr
    assert fake_gitlab.stats()["writes"] == 0
    assert issue_count(gl) == 0


def test_a_reporter_token_pushes_the_whole_plan(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reporter is enough, as the guide says."""
    tracker_repo()
    fake_gitlab.add_user("reporter-token", "reporter", username="bot")
    monkeypatch.setenv("GITLAB_TOKEN", "reporter-token")
    assert run("push").exit_code == 0
    assert counts(issues_by_key(gl)) == {1: 143}


def test_a_moderated_user_is_gone_after_one_ordinary_pull(
    tracker_repo: Callable[..., Path], people: gitlab.Gitlab, fake_gitlab: FakeGitLab,
) -> None:
    """Adding a user to moderated_users: their comments leave the snapshot and every
    published file at the next ordinary pull, not only after pull --full."""
    repo = tracker_repo("fr-2015-2017")
    assert run("sync").exit_code == 0
    comment_and_pull(fake_gitlab, "troll", "Message à retirer XYZZY")
    assert "XYZZY" in SNAPSHOT.read_text(encoding="utf-8")
    with (repo / "tracker.yml").open("a", encoding="utf-8") as settings:
        settings.write("moderated_users: [troll]\n")
    assert run("pull").exit_code == 0
    assert "XYZZY" not in SNAPSHOT.read_text(encoding="utf-8")
    assert_published_nowhere(repo, b"XYZZY")


@pytest.mark.parametrize("fate", ["banned", "blocked", "deleted"])
def test_a_user_gitlab_bans_later_is_gone_after_the_next_full_listing(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, fate: str,
) -> None:
    """A civil-society comment is published; an administrator then bans (blocks, deletes) its
    author on GitLab, which leaves the issue's updated_at as it was. The next pull that lists
    every issue (every full_pull_every hours) takes the comment out of every published file."""
    repo = tracker_repo("fr-2015-2017")
    assert run("sync").exit_code == 0
    comment_and_pull(fake_gitlab, "spammer", "Publicité PLUGH")
    assert "PLUGH" in SNAPSHOT.read_text(encoding="utf-8")
    if fate == "deleted":
        fake_gitlab.delete_user("spammer")
    else:
        fake_gitlab.set_user_state("spammer", fate)
    fake_gitlab.clock.advance(600)
    assert run("pull").exit_code == 0  # within the day: only what was updated is read
    fake_gitlab.clock.advance(24 * 3600)
    assert run("pull").exit_code == 0
    assert "PLUGH" not in SNAPSHOT.read_text(encoding="utf-8")
    assert_published_nowhere(repo, b"PLUGH")


def test_a_kept_edit_and_a_conflict_get_one_note_each(
    tracker_repo: Callable[..., Path], people: gitlab.Gitlab,
) -> None:
    """An owner renames an issue (kept edit), another's title changes on both sides
    (conflict): after two pushes, exactly one note on each, in the plan's languages."""
    repo = tracker_repo("fr-2015-2017")
    assert run("sync").exit_code == 0
    ids = followed()
    project = people.projects.get("ogp/suivi")
    kept, clash = (project.issues.get(ids[k]) for k in ("fr-2015-2017-22.1", "fr-2015-2017-22.2"))
    for issue in (kept, clash):
        issue.title = "Renommé par le porteur"
        issue.save()
    plan = repo / "commitments" / "fr-2015-2017" / "22.yml"
    old = "fr: Mettre en place un programme de recherche appliquée sur le gouvernement ouvert"
    text = plan.read_text(encoding="utf-8")
    assert old in text  # the milestone fr-2015-2017-22.2, whose title the plan changes too
    plan.write_text(text.replace(old, old + " (2016)"), encoding="utf-8")
    first, second = run("push"), run("push")
    assert (first.exit_code, second.exit_code) == (2, 2)
    assert tracker_notes(project.issues.get(kept.iid), "ogp-tracker:told kept-edit") == 1
    assert tracker_notes(project.issues.get(clash.iid), "ogp-tracker:told conflict") == 1
    body = next(n.body for n in project.issues.get(kept.iid).notes.list(iterator=True)
                if "told kept-edit" in n.body)
    assert "quelqu'un a modifié le titre de ce ticket" in body
    assert "someone changed the title of this issue" in body
    assert run("pull").exit_code == 0
    snapshot = load_snapshot(SNAPSHOT)
    assert snapshot is not None
    findings = {k: [(f.kind, f.field) for f in s.push_findings]
                for k, s in snapshot.items.items() if s.push_findings}
    assert findings == {"fr-2015-2017-22.1": [("kept-edit", "title")],
                        "fr-2015-2017-22.2": [("conflict", "title")]}


def test_mistyped_status_labels_are_reported_with_the_intended_one(
    tracker_repo: Callable[..., Path], people: gitlab.Gitlab,
) -> None:
    """`Status::in-progres` on an issue: the pull names it and suggests status::in-progress."""
    tracker_repo("fr-2015-2017")
    assert run("sync").exit_code == 0
    issue = people.projects.get("ogp/suivi").issues.get(followed()["fr-2015-2017-22.1"])
    issue.labels = [*issue.labels, "Status::in-progres", "priorité"]
    issue.save()
    assert run("pull").exit_code == 0
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert data["items"]["fr-2015-2017-22.1"]["label_problems"] == [
        {"label": "Status::in-progres", "suggestion": "status::in-progress"}]


def test_a_copied_managed_block_is_closed_as_a_duplicate(
    tracker_repo: Callable[..., Path], people: gitlab.Gitlab, gl: gitlab.Gitlab,
) -> None:
    """A second issue with the same block and labels (a person's copy, or a racing push from
    an old version): the pull reads the oldest and names the copy; the next push closes the
    copy with a note naming the original, once."""
    tracker_repo("fr-2015-2017")
    assert run("sync").exit_code == 0
    original = followed()["fr-2015-2017-22.1"]
    project = people.projects.get("ogp/suivi")
    source = project.issues.get(original)
    copy = project.issues.create({"title": "Copie", "description": source.description,
                                  "labels": ",".join(source.labels)})
    assert run("pull").exit_code == 0
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["items"]["fr-2015-2017-22.1"]
    assert (data["issue"]["iid"], data["other_issues"]) == (original, [copy.iid])
    assert run("push").exit_code == 0
    closed = project.issues.get(copy.iid)
    assert closed.state == "closed"
    assert tracker_notes(closed, f"#{original}") == 1
    assert counts(issues_by_key(gl)) == {1: len(followed())}
    assert run("push").exit_code == 0
    assert tracker_notes(project.issues.get(copy.iid), "ogp-tracker:duplicate") == 1


def _lease(gl: gitlab.Gitlab, holder: str, minutes: int,
           now: dt.datetime | None = None) -> None:
    """Another machine's push lease, valid ``minutes`` from ``now`` (default: this machine's
    clock; negative: long expired)."""
    until = ((now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=minutes)) \
        .replace(microsecond=0)
    gl.projects.get("ogp/suivi").labels.create({
        "name": "ogp-tracker-push-lease", "color": "#343a40",
        "description": f"run=abc123 holder={holder} until={until.isoformat()}"})


def test_a_push_waits_for_another_machines_lease_then_stops_with_exit_3(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab,
) -> None:
    """A lease held elsewhere: the push says who holds it, waits lease_wait, writes nothing,
    exits 3; the lease stays its holder's."""
    tracker_repo("fr-2015-2017", settings="lease_wait: 0.5\n")
    _lease(gl, "runner-7:4242(https://gitlab.example/ogp/suivi/-/jobs/99)", minutes=30)
    result = run("push")
    assert result.exit_code == 3
    assert "Waiting: another push (runner-7:4242(https://gitlab.example/ogp/suivi/-/jobs/99))"\
        in result.stderr
    assert "Nothing was written: run the same command again once it is done." in result.stderr
    assert issue_count(gl) == 0
    assert gl.projects.get("ogp/suivi").labels.get("ogp-tracker-push-lease").description \
        .startswith("run=abc123")


def test_a_live_lease_holds_whatever_this_machines_clock_says(
    tracker_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GitLab's clock is an hour behind this machine's: a runner in step with GitLab holds the
    lease for 5 more minutes. By this machine's clock it ended 55 minutes ago; the push still
    waits and stops with exit 3, since lease times are GitLab's."""
    behind = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with FakeGitLab(start_time=behind) as server, \
            gitlab.Gitlab(server.url, private_token="owner-token") as client:
        tracker_repo("fr-2015-2017", settings="lease_wait: 0.5\n")
        monkeypatch.setenv("TRACKER_GITLAB_URL", server.url)  # over tracker.yml's
        _lease(client, "runner-7:4242", minutes=5, now=server.clock.now())
        result = run("push")
        assert result.exit_code == 3, result.output
        assert "another push (runner-7:4242) is writing" in result.stderr
        assert issue_count(client) == 0


def test_an_expired_lease_is_taken_over_and_released(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab,
) -> None:
    """A lease left by a push that died on another machine, past its time: taken over; after
    the push, the label is gone."""
    tracker_repo("fr-2015-2017", settings="lease_wait: 0.5\n")
    _lease(gl, "laptop:1", minutes=-10)
    assert run("push").exit_code == 0
    assert issue_count(gl) == 7
    names = [label.name for label in gl.projects.get("ogp/suivi").labels.list(iterator=True)]
    assert "ogp-tracker-push-lease" not in names


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server for the published report (GitLab Pages): its address and its folder."""
    site = tmp_path / "pages"
    site.mkdir()
    handler = functools.partial(QuietHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/suivi", site
        server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output for the tracker's own lines."""


def _published_then_stripped(tracker_repo: Callable[..., Path], gl: gitlab.Gitlab,
                             published: tuple[str, Path],
                             keys: tuple[str, ...] = ("fr-2015-2017-22.1",)) -> dict[str, int]:
    """Push, pull and publish the report; then owners remove the labels of the issues of
    ``keys``, rewrite their descriptions and rename them, and the runner's cache is cleared
    (no .tracker/). Item id -> issue number of those issues."""
    url, pages = published
    tracker_repo("fr-2015-2017", settings=f"report_url: {url}\n")
    assert run("push").exit_code == 0
    assert run("pull").exit_code == 0
    assert run("report", "--out", str(pages / "suivi")).exit_code == 0
    stripped = {key: followed()[key] for key in keys}
    for iid in stripped.values():
        gl.projects.get("ogp/suivi").issues.update(iid, {
            "labels": "", "title": "Our own follow-up", "description": "We track this here now."})
    shutil.rmtree(".tracker")
    return stripped


def test_a_cleared_cache_and_a_rewritten_issue_still_make_no_duplicate(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab, published: tuple[str, Path],
) -> None:
    """An owner removes an issue's labels, rewrites its description and renames it; the CI
    cache (snapshot and the item → issue map) is lost. The published open data still says
    which issue follows the item: the push repairs that issue and creates none."""
    [(key, iid)] = _published_then_stripped(tracker_repo, gl, published).items()
    project = gl.projects.get("ogp/suivi")
    result = run("-v", "push")
    assert result.exit_code == 0, result.output
    assert issue_count(gl) == 7
    assert "7 items' issues read from the published open data" in result.stderr
    repaired = project.issues.get(iid)
    assert block.claimed_key(repaired.description) == key
    assert repaired.description.startswith("We track this here now.")
    assert "ogp-tracker" in repaired.labels  # the sync label, back


def test_several_rewritten_issues_and_a_cleared_cache_still_make_no_duplicate(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab, published: tuple[str, Path],
) -> None:
    """Three owners each strip and rewrite their issue; the CI cache is lost. The push asks
    GitLab for the three issues the open data names, in one request, and repairs each."""
    stripped = _published_then_stripped(tracker_repo, gl, published, keys=(
        "fr-2015-2017-22.1", "fr-2015-2017-22.1.1", "fr-2015-2017-22.2"))
    result = run("-v", "push")
    assert result.exit_code == 0, result.output
    assert "identity: reading 3 known issues that lost the sync label" in result.stderr
    assert "identity: searching descriptions" not in result.stderr  # all three were found
    assert issue_count(gl) == 7
    project = gl.projects.get("ogp/suivi")
    assert {key: block.claimed_key(project.issues.get(iid).description)
            for key, iid in stripped.items()} == {key: key for key in stripped}


def test_a_plan_pushed_from_a_laptop_first_appears_in_the_next_ordinary_pull(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
    tmp_path: Path,
) -> None:
    """A new plan pushed from a laptop before it reaches CI's checkout: once merged, CI's push
    has nothing to write, and its ordinary pull (not --full) still reads the plan's issues."""
    tracker_repo("fr-2015-2017")
    assert run("push").exit_code == 0
    assert run("pull").exit_code == 0
    laptop = tmp_path / "laptop"
    shutil.copytree(Path("commitments"), laptop / "commitments")
    shutil.copytree(SHIPPED / "fr-2021-2023", laptop / "commitments/fr-2021-2023")
    shutil.copy("tracker.yml", laptop / "tracker.yml")
    fake_gitlab.clock.advance(600)
    result = subprocess.run([sys.executable, "-m", "tracker", "push"], cwd=laptop,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    fake_gitlab.clock.advance(600)
    assert run("pull").exit_code == 0  # CI, the plan not merged yet
    shutil.copytree(SHIPPED / "fr-2021-2023", Path("commitments/fr-2021-2023"))  # merged
    fake_gitlab.clock.advance(3600)
    assert run("push").output.splitlines()[-1].startswith("Push done: 0 created, 0 updated")
    assert run("pull").exit_code == 0
    snapshot = load_snapshot(SNAPSHOT)
    assert snapshot is not None
    new = [key for key, state in snapshot.items.items()
           if key.startswith("fr-2021-2023") and state.issue is not None]
    assert len(new) == 6
    assert issue_count(gl) == 7 + 6  # and no second issue for any of them


def test_a_new_runner_that_pulls_first_still_finds_a_rewritten_issue(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab, published: tuple[str, Path],
) -> None:
    """Cache cleared, an owner stripped and renamed an issue, and the new runner pulls before
    it pushes: the pull reads the published map too, keeps the item, and the push makes no
    second issue."""
    [(key, iid)] = _published_then_stripped(tracker_repo, gl, published).items()
    assert run("pull").exit_code == 0
    assert followed()[key] == iid
    assert run("push").exit_code == 0
    assert issue_count(gl) == 7


def test_a_gitlab_without_date_header_and_a_clock_ahead_misses_no_change(
    tracker_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GitLab sends no Date header and runs an hour behind this machine: an ordinary pull
    cannot date itself in GitLab's time, so it lists every issue rather than miss a change."""
    behind = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with FakeGitLab(start_time=behind) as server, \
            gitlab.Gitlab(server.url, private_token="owner-token") as client:
        tracker_repo("fr-2015-2017")
        monkeypatch.setenv("TRACKER_GITLAB_URL", server.url)  # over tracker.yml's
        server.add_fault("date_header", date_values=[])
        assert run("push").exit_code == 0
        assert run("pull").exit_code == 0
        key = "fr-2015-2017-22.2.1"
        server.clock.advance(600)
        client.projects.get("ogp/suivi").issues.update(
            followed()[key], {"add_labels": "status::in-progress"})
        server.clock.advance(600)
        assert run("pull").exit_code == 0
        snapshot = load_snapshot(SNAPSHOT)
        assert snapshot is not None
        state = snapshot.item(key)
        assert state is not None
        assert state.status == "in-progress"


class CutShortHandler(http.server.BaseHTTPRequestHandler):
    """A Pages server that promises 100,000 bytes of open data and sends ten, then hangs up."""

    asked: ClassVar[list[str]] = []  # the paths asked for: the cut answer was read

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b'{"plans": ')
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output for the tracker's own lines."""


def test_open_data_cut_short_is_ignored_not_a_crash(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab,
) -> None:
    """A new runner's push reads the published open data; the site breaks mid-answer: the
    push goes on without it (exit 0, no traceback)."""
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), CutShortHandler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        tracker_repo("fr-2015-2017",
                     settings=f"report_url: http://127.0.0.1:{server.server_address[1]}/s\n")
        result = run("push")
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert CutShortHandler.asked == ["/s/data/plan.json"]
    assert "Traceback" not in result.output + result.stderr
    assert issue_count(gl) == 7


def test_a_new_milestone_under_a_commitment_in_conflict_is_related_once(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab,
) -> None:
    """An owner edited the commitment's managed text (a conflict: its checklist is not
    rewritten); a milestone added to the plan is created and related once, and the pushes
    after it have nothing to write."""
    tracker_repo("fr-2015-2017")
    assert run("push").exit_code == 0
    project = gl.projects.get("ogp/suivi")
    commitment = next(i for i in project.issues.list(iterator=True)
                      if i.title.startswith("fr-2015-2017-22 "))
    commitment.description = commitment.description.replace(
        "Ministry for the Decentralization", "Ministry (edited) for the Decentralization", 1)
    commitment.save()
    plan = Path("commitments/fr-2015-2017/22.yml")
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        "    milestones:\n      - id: fr-2015-2017-22.2.1\n",
        "    milestones:\n      - id: fr-2015-2017-22.2.9\n        title:\n"
        "          fr: Nouveau jalon\n          en: New milestone\n"
        "      - id: fr-2015-2017-22.2.1\n", 1), encoding="utf-8")
    assert run("push").exit_code == 2  # the conflict, reported
    assert issue_count(gl) == 8
    added = next(i for i in project.issues.list(iterator=True)
                 if i.title.startswith("fr-2015-2017-22.2.9 "))
    assert [link.iid for link in added.links.list(get_all=True)] == [commitment.iid]
    dry = run("push", "--dry-run")
    assert "link issue" not in dry.output
    assert "Dry run: 0 change(s) would be written." in dry.output.splitlines()
