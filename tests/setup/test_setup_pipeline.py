""".gitlab-ci.yml: its jobs, rules, one-sync-at-a-time, cache and artifacts, and its script
lines run for real in a fresh virtual environment against the faithful fake GitLab."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab
import pytest
import yaml
from support_setup import (
    COPY_IGNORE,
    JobRun,
    LocalRunner,
    jobs,
    load,
    selected,
    shape,
    without_release,
)

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

# What GitLab gives each kind of pipeline. GITLAB_TOKEN is a protected variable: GitLab gives
# it to the default branch only, never to a merge request. CI_JOB_TOKEN is GitLab's own, in
# every job: it cannot read issues or notes.
MR = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "7",
      "CI_COMMIT_REF_NAME": "plan/update-46", "CI_JOB_TOKEN": "job-token"}
PUSH_MAIN = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
             "CI_JOB_TOKEN": "job-token", "GITLAB_TOKEN": "owner-token"}
SCHEDULE = {**PUSH_MAIN, "CI_PIPELINE_SOURCE": "schedule"}
TAG = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.2.0", "CI_COMMIT_REF_NAME": "v1.2.0"}
DEFAULTS = {"CI_DEFAULT_BRANCH": "main"}
RELEASE_JOBS = ["release-build", "release-pypi", "release-gitlab"]


@pytest.fixture(scope="module")
def pipeline() -> dict[str, Any]:
    """This repository's pipeline, parsed."""
    return load(PIPELINE_FILE)


def test_repository_pipeline_is_the_shared_template() -> None:
    """The file is the template `tracker init` uses, rendered for the tool's own source."""
    assert PIPELINE_FILE.read_text(encoding="utf-8") == render_pipeline(source=True)


def test_the_scaffold_is_this_pipeline_less_the_release() -> None:
    """`tracker init`'s pipeline has every job, rule and cache of this one but the release's."""
    scaffolded = yaml.safe_load(render_pipeline(source=False))
    ours = load(PIPELINE_FILE)
    assert shape(scaffolded) == shape(without_release(ours))
    assert shape(scaffolded) != shape(ours)


def test_jobs_stages_and_image(pipeline: dict[str, Any]) -> None:
    """Four jobs in three stages and three release jobs, on an exact Python image."""
    stages = {name: body["stage"] for name, body in shape(pipeline)["jobs"].items()}
    assert stages == {"check": "check", "preview": "check", "sync": "sync", "pages": "publish",
                      **dict.fromkeys(RELEASE_JOBS, "release")}
    assert pipeline["stages"] == ["check", "sync", "publish", "release"]
    # An exact release, not a tag that moves (python:3.11-slim changes under the pipeline).
    assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", pipeline["default"]["image"])


@pytest.mark.parametrize(("predefined", "expected"), [
    (MR, ["check", "preview"]),
    (TAG, RELEASE_JOBS),
    ({**TAG, "CI_COMMIT_TAG": "nightly-test"}, []),
    ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"}, ["check", "sync", "pages"]),
    ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "plan/update-46"}, []),
    ({"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"}, ["sync", "pages"]),
    ({"CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BRANCH": "main"}, ["sync", "pages"]),
])
def test_rules_pick_the_jobs_of_each_kind_of_pipeline(
    pipeline: dict[str, Any], predefined: dict[str, str], expected: list[str]
) -> None:
    """Merge requests check and preview; the default branch, schedules and manual runs sync;
    version tags release."""
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
    assert pipeline["preview"]["script"][-1] == "tracker report --out preview/"
    assert pipeline["preview"]["artifacts"]["paths"] == ["preview/"]  # expose_as wants the /
    assert pipeline["sync"]["script"][-2:] == ["tracker push --dry-run", "tracker sync"]


@pytest.mark.parametrize("source", [True, False], ids=["repository", "scaffold"])
def test_merge_request_jobs_are_given_no_token(source: bool) -> None:
    """No variable of a merge request's jobs names or holds a token: they read no GitLab."""
    pipeline = yaml.safe_load(render_pipeline(source=source))
    names = selected(pipeline, {**DEFAULTS, **MR})
    assert names == ["check", "preview"]
    for name in names:
        given = {**pipeline["variables"], **jobs(pipeline)[name].get("variables", {})}
        assert not [key for key, value in given.items()
                    if "TOKEN" in key or "TOKEN" in str(value)], name
        assert "id_tokens" not in jobs(pipeline)[name]
        assert not any("tracker push" in line or "tracker sync" in line
                       for line in jobs(pipeline)[name]["script"]), name


def test_every_install_checks_hashes() -> None:
    """Each job installs its dependencies from a lock file with --require-hashes."""
    for source in (True, False):
        rendered = yaml.safe_load(render_pipeline(source=source))
        for name, body in jobs(rendered).items():
            installs = [line for line in body["script"] if line.startswith("pip install")]
            assert any("--require-hashes -r" in line for line in installs), name
            assert all("--require-hashes" in line or "--no-deps" in line
                       for line in installs), name


def test_no_script_line_prints_or_names_a_token(pipeline: dict[str, Any]) -> None:
    """No echo/env/set -x anywhere, and no script line even mentions a token variable."""
    lines = [line for body in shape(pipeline)["jobs"] for line in pipeline[body]["script"]]
    assert lines
    for line in lines:
        words = line.split()
        assert not {"echo", "env", "printenv", "set", "export"} & set(words), line
        assert "TOKEN" not in line, line


@pytest.fixture(scope="session")
def venv_bin(built_once: Callable[..., Path]) -> Path:
    """A fresh virtual environment with this checkout installed by pip (not editable), built
    once for the run; the jobs only run its programs.

    The dependencies come from the project's own environment through a .pth line: the same
    packages, without downloading them again; the tool itself is built and installed anew.
    """

    def build(root: Path) -> None:
        source = root / "source"
        shutil.copytree(REPO, source, ignore=COPY_IGNORE)
        venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                       timeout=60)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site = venv / "lib" / version / "site-packages"
        (site / "_project_dependencies.pth").write_text(
            sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
        # --no-build-isolation: the build backend is the locked one of this environment, as
        # the README's install uses; an isolated build fetched hatchling again on every run.
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "--no-deps", "--no-build-isolation",
                        str(source)],
                       check=True, timeout=300, capture_output=True)
        assert (venv / "bin" / "tracker").exists()

    return built_once("fresh", build) / "venv" / "bin"


@pytest.mark.slow
@pytest.mark.parametrize("source", [True, False], ids=["repository", "scaffold"])
def test_every_job_runs_locally_and_ends_with_a_published_report(
    source: bool, venv_bin: Path, fake_gitlab: FakeGitLab, tmp_path: Path
) -> None:
    """MR pipeline reads nothing; main builds public/; schedules reuse the cached pull.

    Run for this repository's pipeline and for the one `tracker init` writes, on the shipped
    plans.
    """
    fake_gitlab.add_user("camille-token", "reporter", username="camille")  # an owner
    source_dir = tmp_path / "repository"
    shutil.copytree(REPO, source_dir, ignore=COPY_IGNORE)
    # The only changes to the checkout: no pause between writes (0.2 s on a real GitLab), and
    # the pipeline under test.
    (source_dir / "tracker.yml").write_text("write_interval: 0\n", encoding="utf-8")
    text = render_pipeline(source=source)
    (source_dir / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    pipeline = yaml.safe_load(text)
    scratch = tmp_path / "runner"
    scratch.mkdir()
    runner = LocalRunner(pipeline, source_dir, scratch, venv_bin, base_env={
        **DEFAULTS, "CI_SERVER_URL": fake_gitlab.url,
        "CI_PROJECT_ID": str(fake_gitlab.project.id),
        "CI_PAGES_URL": "https://ogp.pages.example/suivi"}, skip=SKIP)
    runs: list[JobRun] = []
    installs = [line for line in pipeline["check"]["script"] if line.startswith("pip install")]
    assert len(installs) == 2

    # A merge request: the protected GITLAB_TOKEN does not reach it; nothing asks GitLab.
    for name in selected(pipeline, {**DEFAULTS, **MR}):
        runs.append(runner.run(name, MR))
    check, preview = runs
    assert check.skipped == installs + (['pytest -q -m "not browser"'] if source else [])
    assert check.ran == ["tracker validate"]
    assert "Valid: 3 plans, 7 commitments, 136 milestones" in check.output
    assert (runner.artifacts["preview"] / "preview" / "index.html").is_file()
    for run in (check, preview):
        assert [key for key in run.env if "TOKEN" in key] == ["CI_JOB_TOKEN"]
    assert fake_gitlab.stats()["total"] == 0

    # The merge request is merged: push to main. The dry run is shown before the push.
    for name in selected(pipeline, {**DEFAULTS, **PUSH_MAIN}):
        runs.append(runner.run(name, PUSH_MAIN))
    assert [run.name for run in runs[2:]] == ["check", "sync", "pages"]
    sync, pages = runs[3:]
    assert sync.skipped == installs
    assert "  create issue for fr-2021-2023-46: " in sync.output
    assert sync.output.index("create issue for") < sync.output.index("Push done: ")
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
