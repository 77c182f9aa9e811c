""".gitlab-ci.yml: its jobs, rules, one-sync-at-a-time, cache and artifacts, and its script
lines run for real in a fresh virtual environment against the faithful fake GitLab."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import gitlab
import pytest
from support_setup import COPY_IGNORE, JobRun, LocalRunner, load, selected, shape

from tracker.scaffold import render_pipeline
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]
PIPELINE_FILE = REPO / ".gitlab-ci.yml"
NOTES_ROUTE = "GET /api/v4/projects/:id/issues/:issue_iid/notes"

# Script lines that only make sense on GitLab's runner, by prefix, and why they are skipped.
SKIP = {
    "pip install": "the tool is already installed in the fresh virtual environment",
    "pytest": "the test suite itself: this test is part of it",
}

MR = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "7",
      "CI_COMMIT_REF_NAME": "plan/update-46", "GITLAB_READ_TOKEN": "reader-token"}
PUSH_MAIN = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
             "GITLAB_TOKEN": "owner-token", "GITLAB_READ_TOKEN": "reader-token"}
SCHEDULE = {**PUSH_MAIN, "CI_PIPELINE_SOURCE": "schedule"}
DEFAULTS = {"CI_DEFAULT_BRANCH": "main"}


@pytest.fixture(scope="module")
def pipeline() -> dict[str, Any]:
    """This repository's pipeline, parsed."""
    return load(PIPELINE_FILE)


def test_repository_pipeline_is_the_shared_template() -> None:
    """The file is the template `tracker init` uses, rendered for the tool's own source."""
    assert PIPELINE_FILE.read_text(encoding="utf-8") == render_pipeline(source=True)


def test_jobs_stages_and_image(pipeline: dict[str, Any]) -> None:
    """Four jobs in three stages, on python:3.11-slim; pages is the Pages job."""
    jobs = shape(pipeline)["jobs"]
    assert {name: body["stage"] for name, body in jobs.items()} == {
        "check": "check", "preview": "check", "sync": "sync", "pages": "publish"}
    assert pipeline["stages"] == ["check", "sync", "publish"]
    assert pipeline["default"]["image"] == "python:3.11-slim"


@pytest.mark.parametrize(("predefined", "expected"), [
    (MR, ["check", "preview"]),
    ({**MR, "GITLAB_READ_TOKEN": ""}, ["check"]),  # a fork: no variables, no dry run
    ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"}, ["check", "sync", "pages"]),
    ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "plan/update-46"}, []),
    ({"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"}, ["sync", "pages"]),
    ({"CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BRANCH": "main"}, ["sync", "pages"]),
])
def test_rules_pick_the_jobs_of_each_kind_of_pipeline(
    pipeline: dict[str, Any], predefined: dict[str, str], expected: list[str]
) -> None:
    """Merge requests check and preview; the default branch, schedules and manual runs sync."""
    assert selected(pipeline, {**DEFAULTS, **predefined}) == expected


def test_sync_runs_alone_keeps_the_pull_state_and_hands_the_snapshot_on(
    pipeline: dict[str, Any]
) -> None:
    """resource_group, the .tracker/ cache, the snapshot artifact, conflicts as a warning."""
    sync = pipeline["sync"]
    assert sync["resource_group"] == "tracker-sync"
    assert sync["interruptible"] is False
    assert sync["allow_failure"] == {"exit_codes": [2]}
    assert sync["cache"] == [
        {"key": "tracker-state", "paths": [".tracker/"], "when": "always"},
        {"key": "pip", "paths": [".cache/pip"]},
    ]
    assert sync["artifacts"] == {"paths": [".tracker/snapshot.json"], "when": "always",
                                 "expire_in": "1 week"}
    assert [job for job, body in shape(pipeline)["jobs"].items()
            if body["resource_group"]] == ["sync"]


def test_pages_builds_from_the_sync_snapshot_and_publishes_public(
    pipeline: dict[str, Any]
) -> None:
    """pages needs sync's artifacts and publishes public/; merge requests write nothing."""
    pages = pipeline["pages"]
    assert pages["needs"] == [{"job": "sync", "artifacts": True}]
    assert pages["artifacts"] == {"paths": ["public"]}
    assert pages["script"][-1] == "tracker report --out public/"
    assert pipeline["preview"]["script"][-1] == "tracker push --dry-run"
    assert pipeline["preview"]["variables"] == {"GITLAB_TOKEN": "$GITLAB_READ_TOKEN"}
    assert pipeline["sync"]["script"][-1] == "tracker sync"


def test_no_script_line_prints_or_names_a_token(pipeline: dict[str, Any]) -> None:
    """No echo/env/set -x anywhere, and no script line even mentions a token variable."""
    lines = [line for body in shape(pipeline)["jobs"] for line in pipeline[body]["script"]]
    assert lines
    for line in lines:
        words = line.split()
        assert not {"echo", "env", "printenv", "set", "export"} & set(words), line
        assert "TOKEN" not in line, line


@pytest.fixture(scope="module")
def venv_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with this checkout installed by pip (not editable).

    The dependencies come from the project's own environment through a .pth line: the same
    packages, without downloading them again; the tool itself is built and installed anew.
    """
    root = tmp_path_factory.mktemp("fresh")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=COPY_IGNORE)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    (site / "_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n",
                                                   encoding="utf-8")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", str(source)],
                   check=True, timeout=300, capture_output=True)
    assert (venv / "bin" / "tracker").exists()
    return venv / "bin"


@pytest.mark.slow
def test_every_job_runs_locally_and_ends_with_a_published_report(
    pipeline: dict[str, Any], venv_bin: Path, fake_gitlab: FakeGitLab, tmp_path: Path
) -> None:
    """MR pipeline writes nothing; main builds public/; schedules reuse the cached pull."""
    fake_gitlab.add_user("reader-token", "reporter", username="reader")
    fake_gitlab.add_user("camille-token", "reporter", username="camille")  # an owner
    source = tmp_path / "repository"
    shutil.copytree(REPO, source, ignore=COPY_IGNORE)
    # The only change to the checkout: no pause between writes (0.2 s on a real GitLab).
    (source / "tracker.yml").write_text("write_interval: 0\n", encoding="utf-8")
    scratch = tmp_path / "runner"
    scratch.mkdir()
    runner = LocalRunner(pipeline, source, scratch, venv_bin, base_env={
        **DEFAULTS, "CI_SERVER_URL": fake_gitlab.url,
        "CI_PROJECT_ID": str(fake_gitlab.project.id),
        "CI_PAGES_URL": "https://ogp.pages.example/suivi"}, skip=SKIP)
    runs: list[JobRun] = []

    # A merge request: the protected GITLAB_TOKEN does not reach it; the dry run reads only.
    for name in selected(pipeline, {**DEFAULTS, **MR}):
        runs.append(runner.run(name, MR))
    check, preview = runs
    assert check.skipped == ['pip install "$TRACKER_PACKAGE[dev]"', 'pytest -q -m "not browser"']
    assert check.ran == ["tracker validate"]
    assert "Valid: 3 plans, 7 commitments, 136 milestones" in check.output
    assert "  create issue for fr-2021-2023-46: " in preview.output
    assert fake_gitlab.stats()["writes"] == 0

    # The merge request is merged: push to main.
    for name in selected(pipeline, {**DEFAULTS, **PUSH_MAIN}):
        runs.append(runner.run(name, PUSH_MAIN))
    assert [run.name for run in runs[2:]] == ["check", "sync", "pages"]
    sync, pages = runs[3:]
    assert sync.skipped == ['pip install "$TRACKER_PACKAGE"']
    assert "Push done: " in sync.output
    assert "Pull done: " in sync.output
    assert (pages.workdir / "public" / "index.html").is_file()
    assert (runner.artifacts["pages"] / "public" / "index.html").is_file()
    assert (runner.cache_store["tracker-state"] / ".tracker" / "snapshot.json").is_file()

    # The first night re-reads the issues changed just before the last pull (the pull's
    # margin for clock skew); the next night only what people changed in between.
    fake_gitlab.clock.advance(24 * 3600)
    for name in selected(pipeline, {**DEFAULTS, **SCHEDULE}):
        runs.append(runner.run(name, SCHEDULE))
    fake_gitlab.clock.advance(12 * 3600)
    with gitlab.Gitlab(fake_gitlab.url, private_token="camille-token") as gl:
        project = gl.projects.get("ogp/suivi")
        issue = project.issues.list(labels=["commitment::fr-2021-2023-46", "kind::milestone"],
                                    get_all=True)[0]
        issue.notes.create({"body": "Appel à projets publié le 3 mars : 14 labs candidats."})
        project.issues.update(issue.iid, {"add_labels": "status::in-progress"})
    fake_gitlab.clock.advance(12 * 3600)
    fake_gitlab.reset(counters_only=True)
    for name in selected(pipeline, {**DEFAULTS, **SCHEDULE}):
        runs.append(runner.run(name, SCHEDULE))
    assert [run.name for run in runs[5:]] == ["sync", "pages", "sync", "pages"]
    stats = fake_gitlab.stats()
    assert stats["writes"] == 0
    # The cached pull state makes the schedule read the notes of the changed issue only.
    assert stats["by_route"].get(NOTES_ROUTE) == 1
    site = runner.artifacts["pages"] / "public"
    assert any("14 labs candidats" in page.read_text(encoding="utf-8")
               for page in site.rglob("*.html"))

    for run in runs:
        assert "owner-token" not in run.output
        assert "reader-token" not in run.output
