"""Benchmark `tracker report` against `mkdocs build` on the same pages and text.

    .venv/bin/python bench/report_bench.py [--scale tenth|full|both] [--keep DIR] [--no-mkdocs]

One synthetic plan at 1/10 of OGP's scale (400 commitments, 2,000 milestones, 5,000 comments
in the snapshot; --scale full: 4,000 / 20,000 / 50,000) is written as the plan YAML and a snapshot
file, then built by the real `tracker report` in a process of its own. The same pages, in
both languages, with the same text (titles, descriptions, milestones with their status,
every comment's Markdown body, the institutions' pages, the attention list) are written as
Markdown for mkdocs and built by `mkdocs build`. The tracker also writes feeds, CSV and JSON
data that mkdocs has no equivalent for: they stay in its figure.

For each build it prints the CPU time (user + system, of that process and its children, from
wait4) and the peak resident memory; then the ratio of the CPU times. Issue 18's targets: at
most half of mkdocs's CPU, under 1 GB at full scale. The exit code is 0 whatever the figures:
they are for reading, not a gate.

mkdocs is a benchmark-only dependency, never in requirements/: on first use it is installed
(version MKDOCS below) into its own virtual environment, bench/.mkdocs-venv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.importers.common import write_plan
from tracker.snapshot import (
    Comment,
    Issue,
    ItemState,
    Project,
    Snapshot,
    StatusChange,
    save_snapshot,
)
from tracker.status import Completion, MilestoneStatus

MKDOCS = "mkdocs==1.6.1"
BENCH = Path(__file__).resolve().parent
MKDOCS_VENV = BENCH / ".mkdocs-venv"
PLAN_ID = "zz-2025-2027"
TODAY = "2026-11-21"
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
GITLAB = "https://gitlab.example.org/ogp/bench"
BODY = ("Progress on **{n}**: see [the minutes](https://example.org/m/{n}).\n\n"
        "- point one\n- point two, with `code` and _emphasis_")
DESCRIPTION = {
    "fr": "Le ministère publie **chaque trimestre** les données de l'engagement {c}, avec "
          "leur [documentation](https://example.org/doc/{c}).\n\n- un registre ouvert\n"
          "- une consultation publique\n\n### Pourquoi\n\nPour que chacun puisse suivre.",
    "en": "The ministry publishes the data of commitment {c} **every quarter**, with their "
          "[documentation](https://example.org/doc/{c}).\n\n- an open register\n"
          "- a public consultation\n\n### Why\n\nSo that everyone can follow.",
}
LANGUAGES = ("fr", "en")
WORDS = {"fr": {"lead": "Pilote", "milestones": "Jalons", "due": "Échéance",
                "status": "Statut", "comments": "Commentaires", "institutions": "Institutions",
                "attention": "À surveiller", "plan": "Plan d'essai"},
         "en": {"lead": "Lead", "milestones": "Milestones", "due": "Due", "status": "Status",
                "comments": "Comments", "institutions": "Institutions",
                "attention": "Needs attention", "plan": "Benchmark plan"}}


@dataclass
class Generated:
    """The plan's documents (as the YAML holds them) and the snapshot of a pull."""

    plan: dict[str, Any]
    commitments: list[tuple[str, dict[str, Any]]]
    snapshot: Snapshot


def generate(commitments: int, milestones: int, comments: int) -> Generated:
    """A plan with this many items, each milestone with a status and history."""
    per_commitment = max(1, milestones // commitments)
    statuses = list(MilestoneStatus)
    levels = list(Completion)
    items: dict[str, ItemState] = {}
    docs: list[tuple[str, dict[str, Any]]] = []
    note = 0
    comments_left = comments
    for c in range(commitments):
        cid = f"{PLAN_ID}-{c + 1}"
        roadmap = []
        for m in range(per_commitment):
            mid = f"{cid}.{m + 1}"
            roadmap.append({"id": mid, "title": {"fr": f"Jalon {mid}", "en": f"Milestone {mid}"},
                            "due": f"{2025 + m % 3}-{1 + m % 12:02d}"})
            since = START + dt.timedelta(days=(c + m) % 600)
            status = statuses[(c + m) % len(statuses)]
            items[mid] = ItemState(
                issue=Issue(c * 10 + m + 2, f"{GITLAB}/-/issues/{c * 10 + m + 2}", "opened",
                            START, since),
                status=status, status_since=since,
                history=(StatusChange("not-started", START), StatusChange(str(status), since)),
            )
        share = comments_left // (commitments - c)
        comments_left -= share
        thread = []
        for k in range(share):
            note += 1
            thread.append(Comment(note, f"Person {k}", f"p{k}", START + dt.timedelta(hours=note),
                                  BODY.format(n=note), "civil_society" if k % 2 else
                                  "administration", f"{GITLAB}/-/issues/{c * 10 + 1}#note_{note}"))
        items[cid] = ItemState(
            issue=Issue(c * 10 + 1, f"{GITLAB}/-/issues/{c * 10 + 1}", "opened", START, START),
            completion=levels[c % len(levels)], completion_source="derived",
            status_since=START, history=(StatusChange(str(levels[c % len(levels)]), START),),
            comments=tuple(thread),
        )
        docs.append((str(c + 1), {
            "id": cid,
            "title": {"fr": f"Engagement {c + 1}", "en": f"Commitment {c + 1}"},
            "lead_institutions": [{"fr": f"Ministère {c % 40}", "en": f"Ministry {c % 40}"}],
            "description": {lang: DESCRIPTION[lang].format(c=c + 1) for lang in LANGUAGES},
            "milestones": roadmap,
        }))
    plan = {"country": "FR", "title": {"fr": "Plan d'essai", "en": "Benchmark plan"},
            "period": {"start": "2025-01", "end": "2027-12"}, "languages": list(LANGUAGES),
            "primary_language": "fr"}
    snapshot = Snapshot(START + dt.timedelta(days=700), Project(GITLAB, "ogp/bench"), items)
    return Generated(plan, docs, snapshot)


def write_markdown(generated: Generated, root: Path) -> None:
    """The report's pages as Markdown for mkdocs: the same pages, the same text."""
    docs = root / "docs"
    items = generated.snapshot.items
    for lang in LANGUAGES:
        words = WORDS[lang]
        base = docs / lang
        (base / "commitments").mkdir(parents=True)
        (base / "institutions").mkdir()
        rows, by_lead, late = [], {}, []
        for local, doc in generated.commitments:
            cid, title = doc["id"], doc["title"][lang]
            lead = doc["lead_institutions"][0][lang]
            by_lead.setdefault(lead, []).append((local, title))
            state = items[cid]
            rows.append(f"| [{title}](commitments/{local}.md) | {lead} | {state.completion} |")
            lines = [f"# {title}", "", f"**{words['lead']}:** {lead}", "",
                     doc["description"][lang], "", f"## {words['milestones']}", "",
                     f"| # | {words['milestones']} | {words['due']} | {words['status']} |",
                     "|---|---|---|---|"]
            for milestone in doc["milestones"]:
                status = items[milestone["id"]].status
                lines.append(f"| {milestone['id']} | {milestone['title'][lang]} | "
                             f"{milestone['due']} | {status} |")
                if str(status) == "delayed":
                    late.append(f"- [{milestone['title'][lang]}](commitments/{local}.md): "
                                f"{milestone['due']}")
            lines += ["", f"## {words['comments']}", ""]
            for comment in state.comments:
                lines += [f"### {comment.author_name}, {comment.created_at:%Y-%m-%d}", "",
                          comment.body, ""]
            (base / "commitments" / f"{local}.md").write_text("\n".join(lines), encoding="utf-8")
        (base / "index.md").write_text(
            f"# {words['plan']}\n\n| {words['plan']} | {words['lead']} | {words['status']} |\n"
            "|---|---|---|\n" + "\n".join(rows) + "\n", encoding="utf-8")
        institutions = [f"# {words['institutions']}", ""]
        for number, (lead, owned) in enumerate(sorted(by_lead.items())):
            institutions.append(f"- [{lead}]({number}.md)")
            page = [f"# {lead}", ""] + [f"- [{title}](../commitments/{local}.md)"
                                        for local, title in owned]
            (base / "institutions" / f"{number}.md").write_text("\n".join(page) + "\n",
                                                                  encoding="utf-8")
        (base / "institutions" / "index.md").write_text("\n".join(institutions) + "\n",
                                                        encoding="utf-8")
        (base / "attention.md").write_text(f"# {words['attention']}\n\n" + "\n".join(late)
                                           + "\n", encoding="utf-8")
    (docs / "index.md").write_text("# OGP\n\n- [Français](fr/index.md)\n- [English](en/index.md)\n",
                                   encoding="utf-8")
    # The navigation names the index pages only, as the report's menu does: mkdocs's default
    # navigation lists every page on every page, which would make its build quadratic.
    nav = ["  - index.md"] + [f"  - {lang}/{page}" for lang in LANGUAGES
                              for page in ("index.md", "institutions/index.md", "attention.md")]
    (root / "mkdocs.yml").write_text("site_name: Benchmark plan\nnav:\n" + "\n".join(nav)
                                     + "\n", encoding="utf-8")


def mkdocs_command() -> Path:
    """The mkdocs of bench/.mkdocs-venv, installed there on first use."""
    mkdocs = MKDOCS_VENV / "bin" / "mkdocs"
    if not mkdocs.exists():
        print(f"installing {MKDOCS} into {MKDOCS_VENV} (benchmark only)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MKDOCS_VENV)], check=True)
        subprocess.run([str(MKDOCS_VENV / "bin" / "pip"), "install", "--quiet",
                        "--disable-pip-version-check", MKDOCS], check=True)
    return mkdocs


@dataclass
class Measured:
    """What one build cost."""

    cpu: float  # seconds, user + system, of the process and its children
    wall: float
    peak_mib: float


# Runs the command and prints its own resource usage. A child forked from this process would
# start with this process's peak memory (Linux keeps the high-water mark across exec), which
# holds the whole generated plan; forked from this small helper instead, its peak is its own.
_LAUNCHER = """
import json, os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime,
                  usage.ru_maxrss]))
"""


def measure(argv: list[str], cwd: Path) -> Measured:
    """Run ``argv`` to its end; its own CPU time and peak memory (wait4), not this process's."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *argv], cwd=cwd, check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    code, cpu, peak_kib = json.loads(done.stdout)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return Measured(cpu, wall, peak_kib / 1024)


SCALES = {"tenth": 1, "full": 10}  # multiples of a tenth of OGP's scale


def bench_scale(scale: str, work: Path, with_mkdocs: bool) -> str:
    """Build one scale's plan both ways in ``work``; the summary line."""
    factor = SCALES[scale]
    counts = (400 * factor, 2000 * factor, 5000 * factor)
    tracker = Path(sys.executable).with_name("tracker")
    generated = generate(*counts)
    write_plan(work / "commitments", PLAN_ID, generated.plan, generated.commitments,
               LANGUAGES)
    save_snapshot(generated.snapshot, work / "snapshot.json")
    print(f"{scale} scale: {counts[0]} commitments, {counts[1]} milestones, {counts[2]} "
          f"comments ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})", flush=True)
    ours = measure([str(tracker), "report", "--out", str(work / "public"), "--commitments",
                    str(work / "commitments"), "--snapshot", str(work / "snapshot.json"),
                    "--today", TODAY], work)
    pages = sum(1 for _ in (work / "public").rglob("*.html"))
    print(f"  tracker report  CPU {ours.cpu:7.1f} s  wall {ours.wall:7.1f} s  "
          f"peak {ours.peak_mib:6.0f} MiB  ({pages} HTML pages)", flush=True)
    if not with_mkdocs:
        return f"{scale:>5}: tracker {ours.cpu:.1f} s CPU, peak {ours.peak_mib:.0f} MiB"
    write_markdown(generated, work / "mkdocs")
    theirs = measure([str(mkdocs_command()), "build", "--quiet", "--site-dir",
                      str(work / "mkdocs-site")], work / "mkdocs")
    pages = sum(1 for _ in (work / "mkdocs-site").rglob("*.html"))
    print(f"  mkdocs build    CPU {theirs.cpu:7.1f} s  wall {theirs.wall:7.1f} s  "
          f"peak {theirs.peak_mib:6.0f} MiB  ({pages} HTML pages)", flush=True)
    ratio = ours.cpu / theirs.cpu
    memory = "" if scale != "full" else (
        f", peak {ours.peak_mib:.0f} MiB (target < 1024: "
        f"{'PASS' if ours.peak_mib < 1024 else 'OVER'})")
    return (f"{scale:>5}: CPU ratio tracker/mkdocs {ratio:.2f} (target <= 0.5: "
            f"{'PASS' if ratio <= 0.5 else 'OVER'}){memory}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="tenth",
                        help="tenth: 400 commitments, 2,000 milestones, 5,000 comments; full: "
                             "ten times that, OGP's scale; both: one after the other "
                             "(default: tenth).")
    parser.add_argument("--full", action="store_true", help="The same as --scale full.")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Build in this folder and keep it (default: a temporary folder).")
    parser.add_argument("--no-mkdocs", action="store_true",
                        help="Build the tracker's report only (no mkdocs install or build).")
    args = parser.parse_args()
    scale = "full" if args.full else args.scale
    scales = list(SCALES) if scale == "both" else [scale]
    summary = []
    for name in scales:
        work = (args.keep / name) if args.keep else Path(tempfile.mkdtemp(prefix="report-bench-"))
        if args.keep and work.exists():
            shutil.rmtree(work)  # a kept folder from an earlier run: start clean
        work.mkdir(parents=True, exist_ok=True)
        try:
            summary.append(bench_scale(name, work, not args.no_mkdocs))
        finally:
            if args.keep is None:
                shutil.rmtree(work)
    print("\n".join(["summary:", *summary]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
