"""Every performance figure of the project in one run: the sync, then the report.

    .venv/bin/python bench/performance.py [--quick]

Runs, one after the other, each in a process of its own:

    bench/sync_bench.py --items 500 2000     push and pull requests and times, against budgets
    bench/report_bench.py --scale both       the report against mkdocs, a tenth and full scale

--quick runs N = 500 and a tenth of OGP's scale only (about two minutes instead of about
fifteen on a 2-core machine). The exit code is the sync bench's (1 when a row is over budget
or a pull missed a change); the report's figures are for reading.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="N = 500 and a tenth of OGP's scale only.")
    args = parser.parse_args()
    items = ["500"] if args.quick else ["500", "2000"]
    scale = "tenth" if args.quick else "both"
    print("== sync: requests and time, against issue 18's budgets ==", flush=True)
    sync = subprocess.run([sys.executable, str(BENCH / "sync_bench.py"), "--items", *items],
                          check=False)
    print("\n== report: CPU and memory against mkdocs on the same pages ==", flush=True)
    subprocess.run([sys.executable, str(BENCH / "report_bench.py"), "--scale", scale],
                   check=True)
    return sync.returncode


if __name__ == "__main__":
    sys.exit(main())
