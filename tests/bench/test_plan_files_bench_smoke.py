"""Smoke test of bench/plan_files_bench.py: its shapes are at the cap and a run prints its row.

It checks behaviour (each shape just under the 1 MiB cap, the expected outcome of a quick
shape), never speed: timings belong to the benchmark's printed figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tracker.plan.yamlsource import MAX_FILE_BYTES

from bench_scripts import bench_script  # isort: skip

ROW = re.compile(r"^(?P<shape>[a-z ]+?)\s+(?P<exit>\d+)\s+(?P<wall>[0-9.]+)\s+(?P<mb>[0-9.]+)"
                 r"  (?P<last>.*)$")


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """bench/plan_files_bench.py, loaded once."""
    with bench_script("plan_files_bench") as module:
        yield module


def test_every_shape_is_just_under_the_cap(bench: ModuleType, tmp_path: Path) -> None:
    """Each shape's commitment file is within 1% of the 1 MiB cap, never over it."""
    assert bench.CAP == MAX_FILE_BYTES
    for shape in bench.SHAPES:
        folder = tmp_path / shape.replace(" ", "-")
        bench.build(folder, shape)
        size = (folder / "commitments" / "demo" / "1.yml").stat().st_size
        assert MAX_FILE_BYTES * 0.99 < size <= MAX_FILE_BYTES, (shape, size)


def test_a_run_prints_one_row_per_shape(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two quick shapes: a row each, refused with exit 1 and the validate summary."""
    bench.main(["--shape", "too deep", "--shape", "long number"])  # exit code: timing, not checked
    printed = capsys.readouterr().out
    rows = [m for line in printed.splitlines()[1:] if (m := ROW.match(line))]
    assert [(m["shape"], m["exit"], m["last"]) for m in rows] == [
        ("too deep", "1", "1 error, 0 warnings: the plan is not valid."),
        ("long number", "1", "1 error, 0 warnings: the plan is not valid."),
    ], printed
