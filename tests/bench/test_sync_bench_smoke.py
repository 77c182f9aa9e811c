"""Smoke test of bench/sync_bench.py: it runs end to end on a tiny plan without latency.

It checks behaviour (every row printed, the no-op runs write nothing and stay within their
request budget), never speed: timings belong to the benchmark's printed figures.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sync_bench.py"
ROWS = ("first push", "no-op push", "one-change push", "cold pull", "no-op pull",
        "incremental pull")
# run name, wall s, requests, writes, reads, budget, within
ROW = re.compile(r"^(?P<name>[a-z -]+?)\s+(?P<wall>[0-9.]+)\s+(?P<total>\d+)\s+(?P<writes>\d+)"
                 r"\s+(?P<reads>\d+)\s+(?P<budget>\d+|-)\s+(?P<within>yes|NO|-)$")


def load_bench() -> ModuleType:
    """bench/sync_bench.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("sync_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """The benchmark module, loaded once."""
    module = load_bench()
    yield module
    sys.modules.pop("sync_bench", None)


def test_small_run_prints_every_row_and_no_op_runs_are_within_budget(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """20 items, no latency: six rows; no-op push and pull write nothing, within budget."""
    out = tmp_path / "figures.json"
    code = bench.main(["--items", "20", "--latency-ms", "0", "--out", str(out)])
    printed = capsys.readouterr().out
    rows = {m["name"]: m for line in printed.splitlines() if (m := ROW.match(line))}
    assert tuple(rows) == ROWS, printed
    for name in ("no-op push", "no-op pull", "incremental pull"):
        assert rows[name]["within"] == "yes", printed
        assert int(rows[name]["total"]) <= int(rows[name]["budget"]), printed
    assert rows["no-op push"]["writes"] == rows["no-op pull"]["writes"] == "0", printed
    assert rows["no-op push"]["budget"] == rows["no-op pull"]["budget"] == "6", printed
    assert "incremental pull saw 5 of 5 changes" in printed
    assert code == 0, printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["items"] == 20
    assert [row["name"] for row in figures["rows"]] == list(ROWS)
    assert all(row["exit_code"] == 0 for row in figures["rows"])
