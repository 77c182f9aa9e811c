"""Smoke test of bench/sync_bench.py: it runs end to end on a tiny plan without latency.

It checks behaviour (every row printed, the no-op runs write nothing, every run with a
request budget within it, every change seen), never speed: timings belong to the benchmark's
printed figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from bench_scripts import bench_script  # isort: skip

ROWS = ("first push", "no-op push", "one-change push", "cold pull (c=3)", "no-op pull",
        "incremental pull (k=5)", "incremental pull (k=10)")
# run name, wall s, requests, writes, reads, budget, result
ROW = re.compile(r"^(?P<name>[a-z][a-z0-9 =()-]*?)\s+(?P<wall>[0-9.]+)\s+(?P<total>\d+)"
                 r"\s+(?P<writes>\d+)\s+(?P<reads>\d+)\s+(?P<budget>\d+|-)"
                 r"\s+(?P<result>PASS|OVER|-)$")


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """bench/sync_bench.py, loaded once."""
    with bench_script("sync_bench") as module:
        yield module


def test_small_run_prints_every_row_and_every_budget_holds(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """20 items, no latency: every row; each budget stated and kept; no-op runs write nothing;
    the pulls see every change (18 milestones: 3 before the cold pull, then 5, then the last
    10)."""
    out = tmp_path / "figures.json"
    code = bench.main(["--items", "20", "--latency-ms", "0", "--out", str(out)])
    printed = capsys.readouterr().out
    rows = {m["name"]: m for line in printed.splitlines() if (m := ROW.match(line))}
    assert tuple(rows) == ROWS, printed
    for name, row in rows.items():
        if name != "one-change push":
            assert row["result"] == "PASS", printed
            assert int(row["total"]) <= int(row["budget"]), printed
    assert rows["no-op push"]["writes"] == rows["no-op pull"]["writes"] == "0", printed
    # ceil(20/100) + 5; 5 + 3k; ceil(20/100) + c_with_notes + 2c + 10 with c = 3, one comment
    assert (rows["no-op push"]["budget"], rows["no-op pull"]["budget"]) == ("6", "5"), printed
    assert rows["incremental pull (k=5)"]["budget"] == "20", printed
    assert rows["cold pull (c=3)"]["budget"] == "18", printed
    assert "the pulls saw 18 of 18 changes" in printed
    assert code == 0, printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    (run,) = figures["runs"]
    assert run["items"] == 20
    assert [row["name"] for row in run["rows"]] == list(ROWS)
    assert all(row["exit_code"] == 0 for row in run["rows"])
