"""`tracker pull` through the CLI against the fake GitLab, after a push of the shipped example."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab
import jsonschema
import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.snapshot import load_snapshot
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(".tracker/snapshot.json")
ITEMS = 143  # commitments and milestones of the shipped example


@pytest.fixture
def pushed(tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab) -> Path:
    """The shipped example pushed to the fake GitLab, ten minutes ago."""
    folder = tracker_repo(settings="moderated_users: [troll]\n")
    result = CliRunner().invoke(cli, ["push"])
    assert result.exit_code == 0, result.output
    fake_gitlab.add_user("reporter-token", "reporter", username="camille", name="Camille Rouge")
    fake_gitlab.add_user("citizen-token", "none", username="alex", name="Alex Martin")
    fake_gitlab.add_user("troll-token", "none", username="troll", name="Troll")
    fake_gitlab.clock.advance(600)
    return folder


def pull(*args: str) -> Result:
    """Run `tracker pull` in-process."""
    return CliRunner().invoke(cli, ["pull", *args])


def as_user(fake_gitlab: FakeGitLab, token: str) -> Any:
    """The project, seen by the user of ``token``."""
    return gitlab.Gitlab(fake_gitlab.url, private_token=token).projects.get("ogp/suivi")


def iid_of(fake_gitlab: FakeGitLab, key: str) -> int:
    """The iid of the issue that carries ``key``."""
    project = as_user(fake_gitlab, "owner-token")
    for issue in project.issues.list(state="all", iterator=True, per_page=100):
        parsed = block.parse(issue.description)
        if parsed and parsed.key == key:
            return int(issue.iid)
    raise KeyError(key)


def item(key: str) -> dict[str, Any]:
    """The snapshot's JSON entry for ``key``."""
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    entry: dict[str, Any] = data["items"][key]
    return entry


MILESTONE = "fr-2015-2017-22.1.1"
OTHER = "fr-2015-2017-22.1.2"
COMMITMENT = "fr-2015-2017-22"


def test_cold_pull_writes_a_valid_snapshot_of_every_item(pushed: Path) -> None:
    """Every item lands, not started, and the file validates against the published schema;
    nobody touched an issue since the push, so none is read beyond the listing."""
    result = pull()
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"Pull done: {ITEMS} items, 0 issues read in detail, "
                                  "0 public comments; snapshot written to "
                                  ".tracker/snapshot.json.\n")
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    schema = json.loads((REPO / "tracker/schemas/snapshot.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert len(data["items"]) == ITEMS
    assert item(MILESTONE)["status"] == "not-started"
    assert (item(COMMITMENT)["completion"], item(COMMITMENT)["completion_source"]) == (
        "not-started", "derived")


def test_owner_actions_and_comments_land_exactly_as_specified(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """Close, status label, citizen and official comments in; internal, system, own, out."""
    owner = as_user(fake_gitlab, "owner-token")
    reporter = as_user(fake_gitlab, "reporter-token")
    citizen = as_user(fake_gitlab, "citizen-token")
    troll = as_user(fake_gitlab, "troll-token")
    closed, labelled = iid_of(fake_gitlab, MILESTONE), iid_of(fake_gitlab, OTHER)
    owner.issues.update(closed, {"state_event": "close"})
    fake_gitlab.clock.advance(90)
    reporter.issues.update(labelled, {"add_labels": "status::in-progress"})
    reporter.issues.get(labelled, lazy=True).notes.create({"body": "Trois hackathons prévus."})
    reporter.issues.get(labelled, lazy=True).notes.create(
        {"body": "Brouillon interne", "internal": True})
    citizen.issues.get(labelled, lazy=True).notes.create({"body": "Quand le premier ?"})
    troll.issues.get(labelled, lazy=True).notes.create({"body": "spam"})

    result = pull()
    assert result.exit_code == 0, result.output
    done = item(MILESTONE)
    assert (done["status"], [h["status"] for h in done["history"]]) == (
        "complete", ["not-started", "complete"])
    progress = item(OTHER)
    assert progress["status"] == "in-progress"
    assert [(c["author_username"], c["author_role"], c["body"]) for c in progress["comments"]] == [
        ("camille", "administration", "Trois hackathons prévus."),
        ("alex", "civil_society", "Quand le premier ?"),
    ]
    assert item(COMMITMENT)["completion"] == "limited"
    text = SNAPSHOT.read_text(encoding="utf-8")
    assert "Brouillon interne" not in text
    assert "spam" not in text


def test_confidential_issue_and_its_notes_never_reach_the_snapshot(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """A confidential issue keeps only a notice: no comment, no status, no link."""
    owner = as_user(fake_gitlab, "owner-token")
    iid = iid_of(fake_gitlab, OTHER)
    owner.issues.get(iid, lazy=True).notes.create({"body": "Note sur un sujet sensible"})
    owner.issues.update(iid, {"confidential": True})
    assert pull().exit_code == 0
    assert {key: value for key, value in item(OTHER).items() if value} == {
        "notices": ["issue-confidential"]}
    assert "sujet sensible" not in SNAPSHOT.read_text(encoding="utf-8")


def test_comment_within_a_minute_of_an_edit_still_lands(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """GitLab does not bump updated_at for it; the notes count (or recency) catches it."""
    owner = as_user(fake_gitlab, "owner-token")
    citizen = as_user(fake_gitlab, "citizen-token")
    iid = iid_of(fake_gitlab, OTHER)
    owner.issues.update(iid, {"add_labels": "status::delayed"})
    assert pull().exit_code == 0
    fake_gitlab.clock.advance(30)
    citizen.issues.get(iid, lazy=True).notes.create({"body": "Pourquoi ce retard ?"})
    assert pull().exit_code == 0
    assert [c["body"] for c in item(OTHER)["comments"]] == ["Pourquoi ce retard ?"]
    assert item(OTHER)["status"] == "delayed"


def test_two_status_labels_on_free_tier_last_added_wins_and_is_reported(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """Free tier keeps both scoped labels; the one added last wins, with a notice."""
    owner = as_user(fake_gitlab, "owner-token")
    iid = iid_of(fake_gitlab, OTHER)
    owner.issues.update(iid, {"add_labels": "status::delayed"})
    fake_gitlab.clock.advance(60)
    owner.issues.update(iid, {"add_labels": "status::in-progress"})
    assert pull().exit_code == 0
    assert item(OTHER)["status"] == "in-progress"
    assert item(OTHER)["notices"] == ["several-status-labels"]


def test_completion_label_overrides_the_derived_level(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """A completion label on the commitment issue wins over what milestones add up to."""
    owner = as_user(fake_gitlab, "owner-token")
    owner.issues.update(iid_of(fake_gitlab, COMMITMENT), {"add_labels": "completion::substantial"})
    assert pull().exit_code == 0
    assert (item(COMMITMENT)["completion"], item(COMMITMENT)["completion_source"]) == (
        "substantial", "label")


def test_no_op_pull_is_cheap_and_k_changes_cost_three_requests_each(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """Nothing changed: ceil(N/100)+5 requests at most; k changed: at most 3k more."""
    assert pull().exit_code == 0
    fake_gitlab.clock.advance(600)
    fake_gitlab.reset(counters_only=True)
    assert pull().exit_code == 0
    budget = -(-ITEMS // 100) + 5
    assert fake_gitlab.stats()["total"] <= budget
    owner = as_user(fake_gitlab, "owner-token")
    for key in (MILESTONE, OTHER, "ca-2022-2024-c01.1.1"):
        owner.issues.update(iid_of(fake_gitlab, key), {"add_labels": "status::in-progress"})
    fake_gitlab.clock.advance(600)
    fake_gitlab.reset(counters_only=True)
    assert pull().exit_code == 0
    assert fake_gitlab.stats()["total"] <= budget + 3 * 3
    assert item("ca-2022-2024-c01.1.1")["status"] == "in-progress"


def test_listing_failing_halfway_leaves_the_previous_snapshot_intact(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """A page that keeps failing: exit 1, clear message, old snapshot byte for byte."""
    assert pull().exit_code == 0
    before = SNAPSHOT.read_bytes()
    fake_gitlab.add_fault("page_fail", route="/issues$", page=2, status=500)
    result = pull("--full")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: listing the tracker's issues: GitLab did not answer as expected (500): 500 "
        "Internal Server Error")
    assert SNAPSHOT.read_bytes() == before


def test_deleted_issue_is_reported_not_crashed_on(pushed: Path, fake_gitlab: FakeGitLab) -> None:
    """An issue deleted on GitLab is never "updated": a pull that lists only updated issues
    keeps the item as it was; the first full listing (full_pull_every, 24 hours) makes it a
    notice on its item."""
    assert pull().exit_code == 0
    iid = iid_of(fake_gitlab, OTHER)
    as_user(fake_gitlab, "owner-token").issues.delete(iid)
    fake_gitlab.clock.advance(600)
    assert pull().exit_code == 0
    assert item(OTHER)["issue"]["iid"] == iid
    assert "issue-deleted" not in item(OTHER).get("notices", [])
    fake_gitlab.clock.advance(hours=24)
    result = pull()
    assert result.exit_code == 0
    assert f"notice: {OTHER}: issue-deleted" in result.output
    assert item(OTHER)["notices"] == ["issue-deleted"]
    assert load_snapshot(SNAPSHOT) is not None


def test_two_completion_labels_the_one_added_last_wins(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """As for status labels: the completion label added last wins, whatever its name."""
    owner = as_user(fake_gitlab, "owner-token")
    iid = iid_of(fake_gitlab, COMMITMENT)
    owner.issues.update(iid, {"add_labels": "completion::substantial"})
    fake_gitlab.clock.advance(60)
    owner.issues.update(iid, {"add_labels": "completion::limited"})
    assert pull().exit_code == 0
    assert (item(COMMITMENT)["completion"], item(COMMITMENT)["notices"]) == (
        "limited", ["several-completion-labels"])


def test_events_of_one_instant_give_the_same_history_in_any_listing_order(
    pushed: Path, fake_gitlab: FakeGitLab
) -> None:
    """An owner changes a status twice in one second: the history follows GitLab's event ids,
    so a listing in another order (GitLab promises none) cannot reorder it."""
    owner = as_user(fake_gitlab, "owner-token")
    iid = iid_of(fake_gitlab, MILESTONE)
    owner.issues.update(iid, {"add_labels": "status::in-progress"})
    owner.issues.update(iid, {"labels": "status::delayed", "state_event": "close"})
    owner.issues.update(iid, {"state_event": "reopen"})  # the clock stands still throughout
    assert pull("--full").exit_code == 0
    in_id_order = item(MILESTONE)["history"]
    fake_gitlab.add_fault("reversed_listing", route="/resource_(label|state)_events$")
    assert pull("--full").exit_code == 0
    assert [change["status"] for change in in_id_order] == [
        "not-started", "in-progress", "delayed", "complete", "delayed"]
    assert item(MILESTONE)["history"] == in_id_order
    assert item(MILESTONE)["status"] == "delayed"


def test_a_snapshot_write_that_fails_leaves_the_previous_snapshot_whole(
    pushed: Path, fake_gitlab: FakeGitLab,
) -> None:
    """The disk fills up as the pull replaces the snapshot: the previous one stays, byte for
    byte, no temporary file is left beside it, and the run says so with exit 1."""
    assert pull().exit_code == 0
    before = SNAPSHOT.read_bytes()
    as_user(fake_gitlab, "owner-token").issues.update(iid_of(fake_gitlab, MILESTONE),
                                                      {"add_labels": "status::delayed"})

    def disk_full(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "replace", disk_full)
        result = pull("--full")
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.output
    assert SNAPSHOT.read_bytes() == before
    assert sorted(p.name for p in SNAPSHOT.parent.iterdir() if p.name.endswith(".tmp")) == []
