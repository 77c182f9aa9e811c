"""Benchmark the command line's start-up: `tracker --help` against a bare Python start.

    .venv/bin/python bench/startup_bench.py [--runs 10] [--command "push --help"]

Each is run --runs times as a fresh process (the interpreter of this virtual environment, with
the `tracker` script beside it); the median wall time of each is printed, then their ratio.
The target (issue 18) is a ratio of at most 8: a person typing `tracker --help`, and every
pipeline step, pays the start-up before any work. The exit code is 1 when the ratio is over
--target, so the figure can gate a change by hand; no test times it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--command", default="--help",
                        help="Arguments of `tracker` to time (default: --help).")
    parser.add_argument("--target", type=float, default=8.0,
                        help="Largest acceptable ratio to the bare start (default: 8).")
    args = parser.parse_args()
    # The script pip wrote beside this interpreter: the way people start the tool.
    tracker = Path(sys.executable).with_name("tracker")
    if not tracker.exists():
        parser.error(f"{tracker}: not found; install the checkout with pip install -e .")
    command = [str(tracker), *shlex.split(args.command)]
    # One untimed run of each first, so the files are in the page cache for both alike.
    _median_seconds([sys.executable, "-c", "pass"], 1)
    _median_seconds(command, 1)
    bare = _median_seconds([sys.executable, "-c", "pass"], args.runs)
    tool = _median_seconds(command, args.runs)
    ratio = tool / bare
    print(f"python -c pass           {bare * 1000:8.1f} ms  (median of {args.runs})")
    print(f"tracker {args.command:<16} {tool * 1000:8.1f} ms  (median of {args.runs})")
    print(f"ratio                    {ratio:8.1f} x  (target <= {args.target:g}; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
