"""Benchmark the report on a large generated plan; prints build time and peak memory.

    .venv/bin/python bench/report_bench.py [--commitments 4000] [--milestones 20000]
                                           [--comments 50000] [--out /tmp/report-bench]

The plan and snapshot are generated in memory (no YAML, no GitLab) so only the report is
measured: the model, then every page, feed and data file written to --out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path

from tracker.plan.model import Commitment, Milestone, PartialDate, Plan, PlanSet, Text
from tracker.report.model import build_report
from tracker.report.render import build_site
from tracker.snapshot import Comment, Issue, ItemState, Project, Snapshot, StatusChange
from tracker.status import Completion, MilestoneStatus

TODAY = dt.date(2026, 11, 21)
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
GITLAB = "https://gitlab.example.org/ogp/bench"
BODY = "Progress on **{n}**: see [the minutes](https://example.org/m/{n}).\n\n- point one\n- two"


def generate(commitments: int, milestones: int, comments: int) -> tuple[PlanSet, Snapshot]:
    """A plan with this many items, each milestone with a status and history."""
    per_commitment = max(1, milestones // commitments)
    statuses = list(MilestoneStatus)
    levels = list(Completion)
    items: dict[str, ItemState] = {}
    made: list[Commitment] = []
    note = 0
    comments_left = comments
    for c in range(commitments):
        cid = f"bench-{c:05d}"
        roadmap = []
        for m in range(per_commitment):
            mid = f"{cid}.{m + 1}"
            roadmap.append(Milestone(mid, Text({"fr": f"Jalon {mid}", "en": f"Milestone {mid}"}),
                                     due=PartialDate(2025 + m % 3, 1 + m % 12)))
            since = START + dt.timedelta(days=(c + m) % 600)
            items[mid] = ItemState(
                issue=Issue(c * 10 + m + 2, f"{GITLAB}/-/issues/{c * 10 + m + 2}", "opened",
                            START, since),
                status=statuses[(c + m) % len(statuses)], status_since=since,
                history=(StatusChange("not-started", START),
                         StatusChange(str(statuses[(c + m) % len(statuses)]), since)),
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
        lead = Text({"fr": f"Ministère {c % 40}", "en": f"Ministry {c % 40}"})
        title = Text({"fr": f"Engagement {c}", "en": f"Commitment {c}"})
        description = Text({"fr": "Texte **riche**.", "en": "Rich **text**."})
        made.append(Commitment(cid, "bench", title, (lead,), tuple(roadmap),
                               description=description))
    plan = Plan("bench", "FR", Text({"fr": "Plan d'essai", "en": "Benchmark plan"}),
                PartialDate(2025, 1), PartialDate(2027, 12), ("fr", "en"), "fr", tuple(made))
    snapshot = Snapshot(START + dt.timedelta(days=700), Project(GITLAB, "ogp/bench"), items)
    return PlanSet((plan,)), snapshot


def main() -> None:
    """Generate, build, print the timings and the peak resident memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commitments", type=int, default=4000)
    parser.add_argument("--milestones", type=int, default=20000)
    parser.add_argument("--comments", type=int, default=50000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="report-bench-")) / "public"

    began = time.perf_counter()
    plans, snapshot = generate(args.commitments, args.milestones, args.comments)
    generated = time.perf_counter()
    report = build_report(plans, snapshot, TODAY)
    modelled = time.perf_counter()
    pages = build_site(report, out, progress=lambda line: print(f"  {line}", flush=True))
    built = time.perf_counter()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    milestones = sum(len(c.milestones) for c in plans.commitments())
    comments = sum(len(s.comments) for s in snapshot.items.values())
    print(f"plan: {args.commitments} commitments, {milestones} milestones, {comments} comments")
    print(f"generate: {generated - began:.1f} s")
    print(f"model:    {modelled - generated:.1f} s")
    print(f"render:   {built - modelled:.1f} s ({pages} pages)")
    print(f"build time (model + render): {built - generated:.1f} s")
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")
    if args.out is None:
        shutil.rmtree(out.parent)


if __name__ == "__main__":
    main()
