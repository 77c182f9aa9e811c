"""`tracker push` through the CLI against the faithful fake GitLab, on the shipped example."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab
import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.plan.load import load_plans
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab


def item_ids(commitments: Path) -> list[str]:
    """Every commitment and milestone id of the plans in ``commitments``."""
    ids = []
    for commitment in load_plans(commitments).commitments():
        ids.append(commitment.id)
        ids.extend(m.id for m, _ in commitment.walk())
    return ids


@pytest.fixture
def workspace(tracker_repo: Callable[..., Path]) -> Path:
    """A tracker repository holding the shipped example, configured for the fake GitLab."""
    return tracker_repo(settings="report_url: https://ogp.example/suivi\n")


def push(*args: str) -> Result:
    """Run `tracker push` in-process."""
    return CliRunner().invoke(cli, ["push", *args])


def managed(gl: gitlab.Gitlab) -> Counter[str]:
    """How many issues carry each item id, read back through python-gitlab."""
    project = gl.projects.get("ogp/suivi")
    found: Counter[str] = Counter()
    for issue in project.issues.list(state="all", iterator=True, per_page=100):
        parsed = block.parse(issue.description)
        if parsed:
            found[parsed.key] += 1
    return found


def unrelated(gl: gitlab.Gitlab) -> list[int]:
    """Issues whose block names a parent they are not related to on GitLab."""
    project = gl.projects.get("ogp/suivi")
    children: dict[int, set[int]] = {}
    for issue in project.issues.list(state="all", iterator=True, per_page=100):
        parsed = block.parse(issue.description)
        if parsed and parsed.link:
            children.setdefault(parsed.link, set()).add(issue.iid)
    missing: list[int] = []
    for parent, iids in sorted(children.items()):
        related = {link.iid for link in project.issues.get(parent, lazy=True).links.list(
            get_all=True)}
        missing += sorted(iids - related)
    return missing


def issue_for(project: Any, key: str) -> Any:
    """The issue whose managed block carries ``key``."""
    for issue in project.issues.list(state="all", iterator=True, per_page=100):
        parsed = block.parse(issue.description)
        if parsed and parsed.key == key:
            return issue
    raise KeyError(key)


def test_first_push_creates_one_issue_per_item_then_second_push_writes_nothing(
    workspace: Path, fake_gitlab: FakeGitLab, gl: gitlab.Gitlab
) -> None:
    """First push: one issue per id, plan milestones and links; second: zero writes, few reads."""
    ids = item_ids(workspace / "commitments")
    first = push()
    assert first.exit_code == 0, first.output
    assert f"Push done: {len(ids)} created, 7 updated, 0 unchanged, 0 conflicts." in first.output
    assert managed(gl) == Counter(dict.fromkeys(ids, 1))
    project = gl.projects.get("ogp/suivi")
    assert sorted(m.title for m in project.milestones.list(get_all=True)) == sorted(
        plan.milestone_title for plan in load_plans(workspace / "commitments").plans)
    commitment = project.issues.list(labels=["commitment::fr-2015-2017-22",
                                             "kind::commitment"], get_all=True)[0]
    linked = sorted(link.iid for link in commitment.links.list(get_all=True))
    assert len(linked) == 6

    fake_gitlab.reset(counters_only=True)
    second = push()
    stats = fake_gitlab.stats()
    assert second.exit_code == 0, second.output
    assert f"0 created, 0 updated, {len(ids)} unchanged, 0 conflicts" in second.output
    assert stats["writes"] == 0
    assert stats["total"] <= -(-len(ids) // 100) + 5


def test_dry_run_writes_nothing_and_lists_the_changes(
    workspace: Path, fake_gitlab: FakeGitLab
) -> None:
    """--dry-run prints the planned creates and sends no write request."""
    result = push("--dry-run")
    assert result.exit_code == 0, result.output
    assert fake_gitlab.stats()["writes"] == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("Dry run: ")
    assert lines[0].endswith(" change(s) would be written.")
    assert "  create issue for fr-2015-2017-22: 'fr-2015-2017-22 · Diffuser l’innovation et " \
           "approfondir la recherche sur le gouvernement ouvert'" in lines


def test_people_keep_their_words_labels_assignees_and_state(
    workspace: Path, fake_gitlab: FakeGitLab, gl: gitlab.Gitlab
) -> None:
    """A push that changes the YAML keeps everything people own on the issue."""
    assert push().exit_code == 0
    project = gl.projects.get("ogp/suivi")
    issue = issue_for(project, "fr-2015-2017-22.1.2")
    owner = gl.http_get("/user")["id"]
    project.issues.update(issue.iid, {
        "description": issue.description + "\n\nAvancement : trois hackathons organisés.",
        "add_labels": "priorité,status::in-progress", "assignee_ids": [owner],
        "state_event": "close"})
    yaml_file = workspace / "commitments" / "fr-2015-2017" / "22.yml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("fr-2015-2017-22.1.2\n", "fr-2015-2017-22.1.2\n"
                                      "        due: 2016-06\n", 1), encoding="utf-8")

    result = push()
    assert result.exit_code == 0, result.output
    after = project.issues.get(issue.iid)
    assert after.description.endswith("\n\nAvancement : trois hackathons organisés.")
    assert {"priorité", "status::in-progress"} <= set(after.labels)
    assert [a["id"] for a in after.assignees] == [owner]
    assert (after.state, after.due_date) == ("closed", "2016-06-30")


def test_person_edit_of_a_managed_field_is_a_conflict_not_overwritten(
    workspace: Path, gl: gitlab.Gitlab
) -> None:
    """Title edited on GitLab and in the YAML: reported as a conflict, exit 2, title kept."""
    assert push().exit_code == 0
    project = gl.projects.get("ogp/suivi")
    target = issue_for(project, "fr-2021-2023-46")
    project.issues.update(target.iid, {"title": "Titre choisi par la DITP"})
    yaml_file = workspace / "commitments" / "fr-2021-2023" / "46.yml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("Soutenir l'innovation", "Soutenir vraiment l'innovation",
                                      1), encoding="utf-8")

    result = push()
    assert result.exit_code == 2
    assert (f"CONFLICT on issue #{target.iid} (fr-2021-2023-46), title: edited on GitLab and "
            "changed in the YAML since the last push") in result.output
    assert project.issues.get(target.iid).title == "Titre choisi par la DITP"


def test_invalid_yaml_sends_no_request(workspace: Path, fake_gitlab: FakeGitLab) -> None:
    """A plan error stops the push before any request, with the located message."""
    yaml_file = workspace / "commitments" / "fr-2021-2023" / "46.yml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("due: ", "due: 20-", 1),
                         encoding="utf-8")
    result = push()
    assert result.exit_code == 1
    assert "Error: the plan has 1 error:\ncommitments/fr-2021-2023/46.yml:" in result.output
    assert fake_gitlab.stats()["total"] == 0


def test_bad_token_makes_no_write_and_says_what_to_do(
    workspace: Path, fake_gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused token: exit 1, a clear message without the token, and no write."""
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-wrong-token-123")
    result = push()
    assert result.exit_code == 1
    assert result.output == (
        "Error: checking the token: GitLab refused the token (401 Unauthorized). Check that "
        "GITLAB_TOKEN holds a valid, unexpired token with the api scope.\n")
    assert fake_gitlab.stats()["writes"] == 0


@pytest.mark.parametrize("kind", ["error_after", "drop"])
def test_create_with_unknown_outcome_is_not_duplicated(
    workspace: Path, fake_gitlab: FakeGitLab, gl: gitlab.Gitlab, kind: str
) -> None:
    """A create committed but unanswered is found by its marker, not sent again."""
    options = {"after": True} if kind == "drop" else {}
    fake_gitlab.add_fault(kind, methods=["POST"], route="/issues$", nth=3, **options)
    result = push()
    assert result.exit_code == 0, result.output
    ids = item_ids(workspace / "commitments")
    assert managed(gl) == Counter(dict.fromkeys(ids, 1))
    assert fake_gitlab.stats()["faults"]["fired"] == {kind: 1}


def _only_french_plans(workspace: Path) -> None:
    shutil.rmtree(workspace / "commitments" / "ca-2022-2024")


# 20 points spread over the writes of a first push, five per test so that pytest-xdist
# spreads the four quarters over its workers.
@pytest.mark.slow
@pytest.mark.parametrize("quarter", [0, 1, 2, 3])
def test_killed_at_twenty_points_then_rerun_converges_without_duplicates(
    workspace: Path, fake_gitlab: FakeGitLab, gl: gitlab.Gitlab, quarter: int
) -> None:
    """SIGKILL at 20 points of a first push; each re-run ends with one issue per id, each
    milestone's issue related to the parent its block names."""
    _only_french_plans(workspace)
    ids = item_ids(workspace / "commitments")
    env = {**os.environ, "GITLAB_TOKEN": "owner-token"}
    assert push().exit_code == 0
    total = fake_gitlab.stats()["writes"]  # of a whole first push
    points = [1 + (total - 1) * i // 20 for i in range(20)]  # 20 points spread over them
    assert len(set(points)) == 20
    for point in points[quarter * 5:(quarter + 1) * 5]:
        fake_gitlab.reset()
        # A new, empty project: what the last one left beside the snapshot is not about it
        # (GitLab never reuses an issue number; a reset fake does).
        shutil.rmtree(workspace / ".tracker", ignore_errors=True)
        fake_gitlab.add_fault("hold", methods=["POST", "PUT"], nth=point)
        process = subprocess.Popen([sys.executable, "-m", "tracker", "push"], cwd=workspace,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fake_gitlab.kill_when_held(process)
        rerun = push()
        assert rerun.exit_code == 0, (point, rerun.output)
        assert managed(gl) == Counter(dict.fromkeys(ids, 1)), point
        assert unrelated(gl) == [], point
        fake_gitlab.reset(counters_only=True)
        assert push().exit_code == 0
        assert fake_gitlab.stats()["writes"] == 0, point


def test_follow_up_issues_of_the_etalab_plan_are_adopted_not_duplicated(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab
) -> None:
    """Issues #186-#189 that followed the plan in 2016 are adopted, their text kept below."""
    tracker_repo("fr-2015-2017",
                 settings="project_aliases: [https://git.framasoft.org/etalab/suivi]\n")
    project = gl.projects.get("ogp/suivi")
    for number in range(1, 190):
        project.issues.create({"title": f"Suivi {number}",
                               "description": f"Compte rendu 2016 de l'élément {number}."})
    result = push()
    assert result.exit_code == 0, result.output
    adopted = {iid: project.issues.get(iid) for iid in (186, 187, 188, 189)}
    keys = {iid: (block.parse(issue.description) or block.Block("", {}, "", "", "")).key
            for iid, issue in adopted.items()}
    assert keys == {186: "fr-2015-2017-22.1.1", 187: "fr-2015-2017-22.1.2",
                    188: "fr-2015-2017-22.1.3", 189: "fr-2015-2017-22.2"}
    assert adopted[186].description.endswith("\n\nCompte rendu 2016 de l'élément 186.")
    assert "ogp-tracker" in adopted[186].labels
    assert managed(gl) == Counter(dict.fromkeys(item_ids(Path("commitments")), 1))
    assert len(project.issues.list(state="all", get_all=True)) == 189 + 3  # 7 items, 4 adopted


def test_json_without_dry_run_is_a_usage_error(workspace: Path, fake_gitlab: FakeGitLab) -> None:
    """--json only describes a dry run; alone it is refused before any request."""
    result = push("--json")
    assert result.exit_code == 2
    assert "Error: --json goes with --dry-run: it prints the plan of changes" in result.output
    assert fake_gitlab.stats()["total"] == 0


def test_dry_run_after_a_yaml_change_shows_the_new_values(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab
) -> None:
    """A reviewer sees which issue changes and to what, and nothing is written."""
    folder = tracker_repo("fr-2015-2017")
    assert push().exit_code == 0
    yaml_file = folder / "commitments" / "fr-2015-2017" / "22.yml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace(
        "Impulser le développement", "Accélérer le développement", 1), encoding="utf-8")
    fake_gitlab.reset(counters_only=True)
    result = push("--dry-run")
    assert result.output.splitlines()[:2] == [
        "Dry run: 2 change(s) would be written.",
        "  update issue #2 (fr-2015-2017-22.1): title → 'fr-2015-2017-22.1 · Accélérer le "
        "développement de l’innovation publique territoriale'",
    ]
    assert fake_gitlab.stats()["writes"] == 0


def test_issue_links_to_the_public_report_reach_pages_the_report_builds(
    workspace: Path, gl: gitlab.Gitlab
) -> None:
    """Every report link a push writes into an issue names a page `tracker report` writes."""
    assert push().exit_code == 0
    assert CliRunner().invoke(cli, ["report", "--out", "public"]).exit_code == 0
    link = re.compile(r"\]\(https://ogp\.example/suivi/([^)]+)\)")
    linked = {path for issue in gl.projects.get("ogp/suivi").issues.list(state="all",
                                                                         iterator=True)
              for path in link.findall(issue.description)}
    assert len(linked) == 2 * 7  # each commitment's page, in French and in English
    assert sorted(p for p in linked if not (workspace / "public" / p).is_file()) == []


def test_a_title_longer_than_gitlab_allows_is_cut_at_a_word_whole_in_the_block(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab,
) -> None:
    """Milestone 22.1.1's French text has 420 characters: its issue title fits GitLab's 255,
    key first, and ends on a whole word with an ellipsis; the description keeps every word."""
    tracker_repo("fr-2015-2017")
    assert push().exit_code == 0
    key = "fr-2015-2017-22.1.1"
    whole = next(m.title.values["fr"] for c in load_plans(Path("commitments")).commitments()
                 for m, _ in c.walk() if m.id == key)
    issue = issue_for(gl.projects.get("ogp/suivi"), key)
    assert len(whole) > 400
    assert len(issue.title) <= 255
    assert issue.title.startswith(f"{key} · ")
    assert issue.title.endswith("…")
    shown = issue.title.removeprefix(f"{key} · ").removesuffix("…")
    flat = " ".join(whole.split())
    assert flat.startswith(shown)
    assert flat[len(shown)] in " ,;:."  # the last word shown is whole (its comma dropped)
    assert len(issue.title) > 200  # cut near the limit, not far before it
    assert flat in " ".join(issue.description.split())
