"""Benchmark `tracker validate` on hostile plan files at the size cap; prints time and memory.

    .venv/bin/python bench/plan_files_bench.py [--shape NAME ...] [--python EXE] [--keep DIR]

Each shape is one commitment file of just under the 1 MiB cap (beside a valid plan.yml), built
in a temporary folder. Each is validated in its own subprocess (`python -m tracker validate`,
the way a person or the pipeline runs it), so the figures include the interpreter's start-up
and nothing of the other shapes. Per shape it prints the exit code, the wall time and the peak
resident memory of that subprocess (ru_maxrss from wait4). The target is 10 s and 500 MB per
file on the project's machine; the exit code is 1 when a shape misses it or ends with a
traceback (exit 70).

--python runs another interpreter, e.g. one whose tracker is an older checkout, to compare
before and after a change (PYTHONPATH=/tmp/old-checkout works too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CAP = 1024 * 1024
LIMIT_SECONDS = 10.0
LIMIT_MB = 500.0

PLAN = """\
country: FR
title: {fr: Plan d'essai, en: Test plan}
period: {start: 2021-01, end: 2023-12}
languages: [fr, en]
primary_language: fr
"""

HEAD = "id: demo-1\ntitle: {fr: Un, en: One}\nlead_institutions:\n  - {fr: M, en: M}\n"


def _fill(head: str, unit: Callable[[int], str], tail: str = "") -> str:
    """``head``, then ``unit(0)``, ``unit(1)``... as long as the file stays under the cap."""
    parts = [head]
    size = len(head.encode()) + len(tail.encode())
    index = 0
    while True:
        piece = unit(index)
        if size + len(piece.encode()) > CAP - 16:
            break
        parts.append(piece)
        size += len(piece.encode())
        index += 1
    parts.append(tail)
    return "".join(parts)


def deep_nesting() -> str:
    """Lists nested 50 levels deep with the mapping above them (the limit), again and again."""
    nest = "[" * 47 + "1" + "]" * 47
    return _fill(HEAD + "x: [", lambda i: (", " if i else "") + nest, "]\n")


def too_deep() -> str:
    """One bracket after another for the whole file: refused at level 51."""
    return "x: " + "[" * (CAP - 16) + "\n"


def many_keys() -> str:
    """One mapping with tens of thousands of unknown keys."""
    return _fill(HEAD, lambda i: f"k{i:07d}: {i}\n")


def long_strings() -> str:
    """One text of nearly a mebibyte, in a field that accepts text."""
    body = "Texte très long. " * ((CAP - 200) // 18)
    return HEAD + f"description:\n  fr: \"{body}\"\n  en: x\n"


def many_anchors() -> str:
    """Tens of thousands of anchors (allowed) followed by one alias (refused)."""
    return _fill(HEAD + "x:\n", lambda i: f"  - &a{i} [{i}]\n", "  - *a0\n")


def many_aliases() -> str:
    """One anchor, then an alias per line: refused at the first alias."""
    return _fill(HEAD + "x:\n  - &a [1, 2, 3]\n", lambda i: "  - *a\n")


def tiny_items() -> str:
    """Half a million one-digit items in one flow list."""
    return _fill(HEAD + "x: [0", lambda i: ",1", "]\n")


def tiny_block_items() -> str:
    """A block list of short items, one per line."""
    return _fill(HEAD + "x:\n", lambda i: "- 1\n")


def many_milestones() -> str:
    """Valid milestones, as many as fit: every check of the plan runs on each."""
    return _fill(HEAD + "milestones:\n", lambda i: (
        f"  - id: demo-1.{i}\n    title: {{fr: Jalon {i}, en: Milestone {i}}}\n"
        "    due: 2022-06\n"))


def many_bad_milestones() -> str:
    """Milestones that are each wrong twice: tens of thousands of problems to report."""
    return _fill(HEAD + "milestones:\n", lambda i: (
        f"  - id: demo-1.{i}\n    title: {{fr: J, en: M}}\n    due: 2030-01\n    colour: x\n"))


def many_texts() -> str:
    """Many small multilingual texts, each checked character by character."""
    return _fill(HEAD + "themes:\n", lambda i: f"  - {{fr: thème {i}, en: theme {i}}}\n")


def long_number() -> str:
    """A whole number of nearly a mebibyte of digits."""
    return HEAD + "x: " + "9" * (CAP - 200) + "\n"


SHAPES: dict[str, Callable[[], str]] = {
    "deep nesting": deep_nesting,
    "too deep": too_deep,
    "many keys": many_keys,
    "long strings": long_strings,
    "many anchors": many_anchors,
    "many aliases": many_aliases,
    "tiny items": tiny_items,
    "tiny block items": tiny_block_items,
    "many milestones": many_milestones,
    "many bad milestones": many_bad_milestones,
    "many texts": many_texts,
    "long number": long_number,
}


def build(folder: Path, shape: str) -> Path:
    """A commitments/ folder under ``folder`` whose one commitment file has ``shape``."""
    plan = folder / "commitments" / "demo"
    plan.mkdir(parents=True)
    (plan / "plan.yml").write_text(PLAN, encoding="utf-8")
    text = SHAPES[shape]()
    assert len(text.encode()) <= CAP, (shape, len(text.encode()))
    (plan / "1.yml").write_text(text, encoding="utf-8")
    return folder / "commitments"


def measure(python: str, folder: Path) -> tuple[int, float, float, str]:
    """Exit code, wall seconds, peak MB and last output line of one `tracker validate`."""
    start = time.perf_counter()
    with subprocess.Popen([python, "-m", "tracker", "validate", "commitments"], cwd=folder,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        assert process.stdout is not None
        output = process.stdout.read()
        # wait4 gives this child's own peak memory, not the maximum over all children so far.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    lines = output.decode("utf-8", "replace").strip().splitlines() or [""]
    return process.returncode, wall, usage.ru_maxrss / 1024, lines[-1][:70]


def main(argv: list[str] | None = None) -> int:
    """Build and validate each shape; print one row per shape."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES),
                        help="only this shape (repeatable); default: all")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run")
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    args = parser.parse_args(argv)
    ok = True
    print(f"{'shape':<22}{'exit':>5}{'wall s':>9}{'peak MB':>9}  last line")
    for shape in args.shape or list(SHAPES):
        base = Path(tempfile.mkdtemp(prefix="plan-bench-"))
        try:
            folder = args.keep / shape.replace(" ", "-") if args.keep else base
            folder.mkdir(parents=True, exist_ok=True)
            build(folder, shape)
            code, wall, peak, last = measure(args.python, folder)
        finally:
            shutil.rmtree(base)
        within = code in (0, 1) and wall <= LIMIT_SECONDS and peak <= LIMIT_MB
        ok = ok and within
        mark = "" if within else "  <-- over the limit or crashed"
        print(f"{shape:<22}{code:>5}{wall:>9.2f}{peak:>9.1f}  {last}{mark}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
