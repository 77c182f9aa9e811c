"""Shared fixtures: sites built from the shipped example plans (see report_support.py), and
one Chromium for the browser tests (see browser_support.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tracker.report import make_report
from tracker.snapshot import save_snapshot

from browser_support import Chromium, missing  # isort: skip
from report_support import EXAMPLES, TODAY, example_plans, make_snapshot  # isort: skip


@pytest.fixture(scope="session")
def site(built_once: Callable[..., Path]) -> Path:
    """The report of the shipped examples with a snapshot, built once (only read)."""

    def build(root: Path) -> None:
        save_snapshot(make_snapshot(example_plans()), root / "snapshot.json")
        make_report(EXAMPLES, root / "snapshot.json", root / "public", TODAY)

    return built_once("with-snapshot", build) / "public"


@pytest.fixture(scope="session")
def bare_site(built_once: Callable[..., Path]) -> Path:
    """The report of the shipped examples before any pull (no snapshot), built once."""

    def build(root: Path) -> None:
        make_report(EXAMPLES, root / "missing.json", root / "public", TODAY)

    return built_once("no-snapshot", build) / "public"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """Debian's chromium, started once per test process; each page opens in a tab of its own.
    Skipped when it is not installed (a failure with ``TRACKER_REQUIRE_BROWSER=1``)."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("Debian's chromium is not installed (apt-get install -y chromium)")
    assert executable is not None
    with Chromium(executable) as browser:
        yield browser
