"""Smoke test of bench/report_bench.py: its generated plan is valid and both sides are built.

It checks behaviour (the tracker builds the generated plan, the Markdown side has the same
pages), never speed: timings belong to the benchmark's printed figures. mkdocs itself is a
benchmark-only dependency and is not run here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.importers.common import write_plan
from tracker.snapshot import save_snapshot

from bench_scripts import bench_script  # isort: skip

@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """bench/report_bench.py, loaded once."""
    with bench_script("report_bench") as module:
        yield module


def test_the_generated_plan_is_valid_and_both_sites_have_its_pages(
    bench: ModuleType, tmp_path: Path
) -> None:
    """4 commitments, 20 milestones, 50 comments: `tracker validate` and `tracker report`
    accept the plan, and the Markdown for mkdocs has one page per commitment and language."""
    generated = bench.generate(4, 20, 50)
    assert sum(len(state.comments) for state in generated.snapshot.items.values()) == 50
    write_plan(tmp_path / "commitments", bench.PLAN_ID, generated.plan, generated.commitments,
               bench.LANGUAGES)
    save_snapshot(generated.snapshot, tmp_path / "snapshot.json")
    runner = CliRunner()
    checked = runner.invoke(cli, ["validate", str(tmp_path / "commitments")])
    assert checked.exit_code == 0, checked.output
    built = runner.invoke(cli, [
        "report", "--out", str(tmp_path / "public"), "--commitments",
        str(tmp_path / "commitments"), "--snapshot", str(tmp_path / "snapshot.json"),
        "--today", bench.TODAY])
    assert built.exit_code == 0, built.output
    for lang in bench.LANGUAGES:
        pages = list((tmp_path / "public" / lang / bench.PLAN_ID / "commitments").glob("*.html"))
        assert len(pages) == 4, lang
    bench.write_markdown(generated, tmp_path / "mkdocs")
    for lang in bench.LANGUAGES:
        markdown = sorted((tmp_path / "mkdocs" / "docs" / lang / "commitments").glob("*.md"))
        assert len(markdown) == 4, lang
        assert "Progress on" in markdown[0].read_text(encoding="utf-8")
    assert "nav:" in (tmp_path / "mkdocs" / "mkdocs.yml").read_text(encoding="utf-8")
