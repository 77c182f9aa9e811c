"""Fault soak: many seeds of `tracker sync` against a fake GitLab failing 10% of requests,
with a second checkout pushing at the same time and an owner editing issues in between.

    .venv/bin/python bench/soak.py --seeds 300            # the shipped example, 143 items

Prints one line per seed that went wrong and a tally: seeds, runs needed, faults fired,
duplicates, divergences (GitLab or snapshot not as a fault-free run leaves them) and leaks.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from tracker.testing.soak import reference_snapshot, run_seed

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print the tally; exit 1 when any seed went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.10)
    parser.add_argument("--commitments", type=Path, default=REPO / "commitments")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    reference = reference_snapshot(args.commitments)
    fired: Counter[str] = Counter()
    runs: Counter[int] = Counter()
    bad = duplicates = divergences = leaks = lost = 0
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        result = run_seed(seed, args.commitments, reference, rate=args.rate)
        fired.update(result.faults_fired)
        runs[result.runs] += 1
        duplicates += len(result.duplicates)
        divergences += len(result.divergences) + (not result.converged)
        leaks += result.leaks
        lost += len(result.lost)
        if not result.ok:
            bad += 1
            print(f"seed {seed}: converged={result.converged} duplicates={result.duplicates} "
                  f"divergences={result.divergences} leaks={result.leaks} lost={result.lost} "
                  f"after edits {result.edits}", flush=True)
        elif seed % 25 == 0:
            print(f"seed {seed}: ok ({time.perf_counter() - started:.0f} s)", flush=True)
    elapsed = time.perf_counter() - started
    print(f"\nseeds: {args.seeds} (from {args.first_seed}), fault rate {args.rate:.0%}, "
          f"plans: {args.commitments}")
    print(f"sync runs needed: {dict(sorted(runs.items()))}")
    print(f"faults fired: {dict(sorted(fired.items()))} (total {sum(fired.values())})")
    print(f"seeds with a problem: {bad}")
    print(f"duplicates: {duplicates}, divergences: {divergences}, leaks: {leaks}, "
          f"lost items: {lost}")
    print(f"wall time: {elapsed:.0f} s ({elapsed / args.seeds:.1f} s a seed)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
