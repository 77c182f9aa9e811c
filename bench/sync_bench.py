"""Benchmark push and pull on a generated plan against the fake GitLab; prints time and requests.

    .venv/bin/python bench/sync_bench.py [--items 500 2000] [--latency-ms 50] [--out FILE]

For each --items N, a plan of about N commitments and milestones (one commitment per ten
items, nine milestones each, every other commitment nested two levels, French and English texts)
is written as YAML in a temporary folder and validated. A fake GitLab runs in this process on
127.0.0.1 and sleeps --latency-ms before answering each API request. The runs, in order:

    first push           an empty project
    no-op push           nothing changed
    one-change push      one milestone's title changed in the YAML
    cold pull            no snapshot yet; c = N/50 issues were changed on GitLab before it by
                         another user (a status label, a close or a comment, in turn)
    no-op pull           nothing changed on GitLab
    incremental pull k   k = 5, then k = 50 other issues changed on GitLab (same kinds)

The fake's clock moves ten minutes before each pull and after each round of changes, as
between two scheduled pipelines. Each row gives the wall time, the requests the fake counted
and the request budget (issue 18), PASS or OVER:

    first push           2·N (create, then relate or fill the checklist), the label and
                         milestone requests aside, plus 3·ceil(N/100) + 10 for reading: the
                         issues listed before the lease, once it is held and after the creates,
                         the token, the project, the role
    no-op push           ceil(N/100) + 5
    cold pull            ceil(N/100) + c_with_notes + 2·c + 10
    no-op pull           5 (an incremental pull with k = 0)
    incremental pull     5 + 3·k, whatever N

The commands run through the real CLI in this process (click's CliRunner), not as
subprocesses: the figures are the sync engine's, without the interpreter's start-up, and the
fake's counters can be zeroed right before each command. The exit code is 1 when a command
failed, a row is over budget or a pull missed a change.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import gitlab
from click.testing import CliRunner

from tracker.cli import cli
from tracker.plan.dump import dump_commitment, dump_plan
from tracker.plan.load import load_plans
from tracker.snapshot import load_snapshot
from tracker.testing.fake_gitlab import FakeGitLab

PLAN_ID = "bench-2025-2026"
PERIOD = (2025, 1, 24)  # first year, first month, length in months
ITEMS_PER_COMMITMENT = 10  # the commitment and nine milestones
OWNER_TOKEN = "owner-token"
OTHER_TOKEN = "camille-token"  # a Reporter of the project, who updates issues
PROJECT = "ogp/suivi"
SNAPSHOT = Path(".tracker/snapshot.json")
TEN_MINUTES = 600
CHANGE_KINDS = ("status label", "close", "comment")
COMMENT = "Point d'étape : le comité de suivi s'est réuni."
# The settings the tracker would also read from the environment: unset while benchmarking.
UNSET = ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID",
         "CI_PAGES_URL")

THEMES = (
    {"fr": "Données ouvertes", "en": "Open data"},
    {"fr": "Participation citoyenne", "en": "Citizen participation"},
    {"fr": "Transparence", "en": "Transparency"},
    {"fr": "Intégrité publique", "en": "Public integrity"},
)


# --- the plan --------------------------------------------------------------------------------


def _month(offset: int) -> str:
    """The month ``offset`` months into the plan period, as YYYY-MM."""
    year, month, _ = PERIOD
    index = month - 1 + offset
    return f"{year + index // 12}-{index % 12 + 1:02d}"


def _milestone(cid: str, number: str, due: int) -> dict[str, Any]:
    mid = f"{cid}.{number}"
    return {
        "id": mid,
        "title": {"fr": f"Jalon {mid} : publier le rapport d'étape et les données associées",
                  "en": f"Milestone {mid}: publish the progress report and its data"},
        "due": _month(due),
        "lead": {"fr": "Direction interministérielle du numérique",
                 "en": "Interministerial Digital Directorate"},
        "deliverable": {"fr": f"Rapport {mid} en ligne", "en": f"Report {mid} online"},
    }


def _roadmap(cid: str, count: int, nested: bool) -> list[dict[str, Any]]:
    """``count`` milestones: flat, or parents each followed by up to two children."""
    months = PERIOD[2]
    if not nested:
        return [_milestone(cid, str(n + 1), (n * 5 + 3) % months) for n in range(count)]
    roadmap: list[dict[str, Any]] = []
    left, parent = count, 0
    while left:
        parent += 1
        due = min(months - 1, 6 * parent + 5)
        node = _milestone(cid, str(parent), due)
        left -= 1
        children = min(2, left)
        # A child is due before its parent, never after it.
        node["milestones"] = [_milestone(cid, f"{parent}.{c + 1}", max(0, due - 2 + c))
                              for c in range(children)]
        left -= children
        roadmap.append(node)
    return roadmap


def generate_plan(folder: Path, items: int,
                  per_commitment: int = ITEMS_PER_COMMITMENT) -> list[str]:
    """Write a plan of ``items`` commitments and milestones under ``folder``, each commitment
    with ``per_commitment`` - 1 milestones; their ids."""
    commitments = max(1, math.ceil(items / per_commitment))
    milestones = max(0, items - commitments)
    plan_folder = folder / PLAN_ID
    plan_folder.mkdir(parents=True)
    months = PERIOD[2]
    (plan_folder / "plan.yml").write_text(dump_plan({
        "country": "FR",
        "title": {"fr": "Plan d'action national d'essai 2025-2026",
                  "en": "Benchmark National Action Plan 2025-2026"},
        "period": {"start": _month(0), "end": _month(months - 1)},
        "languages": ["fr", "en"],
        "primary_language": "fr",
    }), encoding="utf-8")
    ids: list[str] = []
    for c in range(commitments):
        cid = f"{PLAN_ID}-{c + 1:03d}"
        count = milestones // commitments + (c < milestones % commitments)
        roadmap = _roadmap(cid, count, nested=c % 2 == 0)
        doc: dict[str, Any] = {
            "id": cid,
            "title": {"fr": f"Engagement {c + 1} : ouvrir les données du ministère {c % 12}",
                      "en": f"Commitment {c + 1}: open the data of ministry {c % 12}"},
            "lead_institutions": [{"fr": f"Ministère {c % 12}", "en": f"Ministry {c % 12}"}],
            "supporting_actors": [{"fr": "Association pour la transparence",
                                   "en": "Transparency Association"}],
            "themes": [THEMES[c % len(THEMES)]],
            "description": {
                "fr": f"Le ministère {c % 12} publie ses données **en open data**.\n\n"
                      "- un inventaire\n- un calendrier d'ouverture",
                "en": f"Ministry {c % 12} publishes its data **as open data**.\n\n"
                      "- an inventory\n- an opening schedule"},
            "start": _month(0),
            "end": _month(months - 1),
            "milestones": roadmap,
        }
        (plan_folder / f"{c + 1:03d}.yml").write_text(dump_commitment(doc, ["fr", "en"]),
                                                      encoding="utf-8")
        ids.append(cid)
        ids.extend(_ids(roadmap))
    return ids


def _ids(milestones: list[dict[str, Any]]) -> Iterator[str]:
    for node in milestones:
        yield node["id"]
        yield from _ids(node.get("milestones", []))


def change_one_title(folder: Path, milestone_id: str) -> None:
    """Edit the French title of ``milestone_id`` in its YAML file, as a person would."""
    for path in sorted(folder.rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        old = f"Jalon {milestone_id} : publier"  # the space after the id: not a child's
        if old in text:
            path.write_text(text.replace(old, f"Jalon {milestone_id} : mettre en ligne", 1),
                            encoding="utf-8")
            return
    raise LookupError(milestone_id)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured command."""

    name: str
    command: str
    wall_s: float
    total: int
    writes: int
    reads: int
    budget: int | None
    exit_code: int
    summary: str
    by_route: dict[str, int] = field(default_factory=dict)

    @property
    def within_budget(self) -> bool | None:
        """None when the issue sets no budget for this run."""
        return None if self.budget is None else self.total <= self.budget

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "within_budget": self.within_budget}


@dataclass
class Outcome:
    """The measured rows, the changes made on GitLab and those the last pull missed."""

    rows: list[Row]
    changes: dict[str, str]
    missed_changes: list[str]


class Bench:
    """The fake GitLab, the workspace, and the rows measured so far."""

    def __init__(self, fake: FakeGitLab, workspace: Path) -> None:
        self.fake = fake
        self.workspace = workspace
        self.runner = CliRunner(env={"GITLAB_TOKEN": OWNER_TOKEN, **dict.fromkeys(UNSET)})
        self.rows: list[Row] = []

    def run(self, name: str, args: list[str], budget: int | None = None) -> Row:
        """Run ``tracker ARGS`` in the workspace, counting only its own requests."""
        self.fake.reset(counters_only=True)
        with contextlib.chdir(self.workspace):
            began = time.perf_counter()
            result = self.runner.invoke(cli, args)
            wall = time.perf_counter() - began
        stats = self.fake.stats()
        done = [line for line in result.output.splitlines() if " done: " in line]
        row = Row(name=name, command="tracker " + " ".join(args), wall_s=round(wall, 3),
                  total=stats["total"], writes=stats["writes"],
                  reads=stats["total"] - stats["writes"], budget=budget,
                  exit_code=result.exit_code, summary=done[-1] if done else "",
                  by_route=stats["by_route"])
        if result.exit_code != 0:
            print(f"{row.command} failed (exit {result.exit_code}):\n{result.output}",
                  file=sys.stderr)
        self.rows.append(row)
        print(f"  {name}: {row.wall_s:.1f} s, {row.total} requests", flush=True)
        return row


def change_on_gitlab(fake: FakeGitLab, iids: dict[str, int]) -> dict[str, str]:
    """Another user changes each issue of ``iids`` (label, close, comment in turn)."""
    done: dict[str, str] = {}
    with gitlab.Gitlab(fake.url, private_token=OTHER_TOKEN) as other:
        project = other.projects.get(PROJECT)
        for n, (key, iid) in enumerate(iids.items()):
            kind = CHANGE_KINDS[n % len(CHANGE_KINDS)]
            if kind == "status label":
                project.issues.update(iid, {"add_labels": "status::in-progress"})
            elif kind == "close":
                project.issues.update(iid, {"state_event": "close"})
            else:
                project.issues.get(iid, lazy=True).notes.create({"body": COMMENT})
            done[key] = kind
    return done


def missed_changes(snapshot_path: Path, changes: dict[str, str]) -> list[str]:
    """The changed items whose change the snapshot does not show."""
    snapshot = load_snapshot(snapshot_path)
    missed = []
    for key, kind in changes.items():
        item = snapshot.item(key) if snapshot else None
        seen = item is not None and (
            (kind == "status label" and str(item.status) == "in-progress")
            or (kind == "close" and str(item.status) == "complete")
            or (kind == "comment" and any(c.body == COMMENT for c in item.comments)))
        if not seen:
            missed.append(f"{key} ({kind})")
    return missed


def spread(values: Sequence[str], count: int) -> list[str]:
    """``count`` values taken evenly across ``values``."""
    count = min(count, len(values))
    return [values[i * len(values) // count] for i in range(count)]


@dataclass(frozen=True)
class Budgets:
    """The request budgets of the runs (issue 18), for ``n`` items."""

    n: int

    @property
    def pages(self) -> int:
        return math.ceil(self.n / 100)

    def first_push(self, labels_and_milestones: int) -> int:
        return 2 * self.n + labels_and_milestones + 3 * self.pages + 10

    def no_op_push(self) -> int:
        return self.pages + 5

    def cold_pull(self, changed: int, with_notes: int) -> int:
        return self.pages + with_notes + 2 * changed + 10

    def incremental_pull(self, changed: int) -> int:
        return 5 + 3 * changed  # whatever n


def measure(fake: FakeGitLab, workspace: Path, ids: list[str],
            incremental: Sequence[int] = (5, 50)) -> Outcome:
    """The runs, in order; the rows and the changes the pulls missed."""
    n = len(ids)
    budget = Budgets(n)
    milestones = [i for i in ids if "." in i]
    bench = Bench(fake, workspace)

    first = bench.run("first push", ["push"])
    aside = sum(count for route, count in first.by_route.items()
                if route.split(" ", 1)[1].endswith(("/labels", "/milestones")))
    first.budget = budget.first_push(aside)
    bench.run("no-op push", ["push"], budget=budget.no_op_push())
    change_one_title(workspace / "commitments", milestones[len(milestones) // 2])
    bench.run("one-change push", ["push"])

    unused = list(milestones)
    all_made: dict[str, str] = {}
    missed: list[str] = []

    def change(count: int) -> dict[str, str]:
        picked = spread(unused, count)
        for key in picked:
            unused.remove(key)
        iids = {key: iid for key in picked if (iid := issue_iid(workspace, key)) is not None}
        fake.clock.advance(TEN_MINUTES)
        made = change_on_gitlab(fake, iids)
        fake.clock.advance(TEN_MINUTES)
        all_made.update(made)
        return made

    made = change(max(3, n // 50))
    with_notes = sum(kind == "comment" for kind in made.values())
    row = bench.run("cold pull", ["pull"], budget=budget.cold_pull(len(made), with_notes))
    row.name = f"cold pull (c={len(made)})"
    missed += missed_changes(workspace / SNAPSHOT, made)
    fake.clock.advance(TEN_MINUTES)
    bench.run("no-op pull", ["pull"], budget=budget.incremental_pull(0))
    for k in incremental:
        made = change(k)
        row = bench.run("incremental pull", ["pull"], budget=budget.incremental_pull(len(made)))
        row.name = f"incremental pull (k={len(made)})"
        missed += missed_changes(workspace / SNAPSHOT, made)
    return Outcome(bench.rows, all_made, missed)


def issue_iid(workspace: Path, key: str) -> int | None:
    """The number of ``key``'s issue, from the item → issue map the push keeps."""
    known = json.loads((workspace / SNAPSHOT).with_name("identity.json").read_text("utf-8"))
    iid = known["items"].get(key)
    return iid if isinstance(iid, int) else None


# --- reporting -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures ran on."""
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python_gitlab": metadata.version("python-gitlab"),
    }
    git = shutil.which("git")
    if git:
        found = subprocess.run([git, "rev-parse", "--short", "HEAD"], capture_output=True,
                               text=True, cwd=Path(__file__).parent, check=False)
        facts["commit"] = found.stdout.strip() or None
    return facts


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table."""
    head = ("run", "wall s", "requests", "writes", "reads", "budget", "result")
    lines = [head]
    for row in rows:
        verdict = {None: "-", True: "PASS", False: "OVER"}[row.within_budget]
        lines.append((row.name, f"{row.wall_s:.2f}", str(row.total), str(row.writes),
                      str(row.reads), "-" if row.budget is None else str(row.budget), verdict))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]

    def fmt(line: tuple[str, ...]) -> str:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        return "  ".join(cells)

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(lines[0]), rule, *(fmt(line) for line in lines[1:])])


def bench_one(items: int, latency_ms: float) -> tuple[int, Outcome]:
    """Generate a plan of about ``items`` items, measure it on a fresh fake GitLab."""
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as temp, \
            FakeGitLab(latency_ms=latency_ms) as fake:
        workspace = Path(temp)
        ids = generate_plan(workspace / "commitments", items)
        plans = load_plans(workspace / "commitments")  # raises on any error in the plan
        loaded = sum(1 + sum(1 for _ in c.walk()) for c in plans.commitments())
        assert loaded == len(ids), (loaded, len(ids))
        commitments = sum(1 for _ in plans.commitments())
        print(f"plan: {len(ids)} items ({commitments} commitments, "
              f"{len(ids) - commitments} milestones), valid")
        (workspace / "tracker.yml").write_text(
            f"gitlab_url: {fake.url}\nproject: {PROJECT}\nwrite_interval: 0\n"
            "report_url: https://ogp.example/suivi\n", encoding="utf-8")
        fake.add_user(OTHER_TOKEN, "reporter", username="camille", name="Camille Rouge")
        return len(ids), measure(fake, workspace, ids)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, measure, print the tables (and write --out); 1 when something went wrong."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[500, 2000],
                        help="commitments and milestones in the plan, one run per number "
                             "(default 500 2000)")
    parser.add_argument("--latency-ms", type=float, default=50,
                        help="the fake GitLab's delay before each answer (default 50)")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if min(args.items) < 2:
        parser.error("--items must be 2 or more")

    facts = machine()
    parameters = {"items": args.items, "latency_ms": args.latency_ms, "write_interval": 0,
                  "transport": "CliRunner in-process, fake on 127.0.0.1"}
    print("machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    print("parameters: " + ", ".join(f"{k} {v}" for k, v in parameters.items()))

    runs = []
    bad = False
    for items in args.items:
        n, outcome = bench_one(items, args.latency_ms)
        rows = outcome.rows
        print()
        print(f"N = {n} items, {args.latency_ms:g} ms latency")
        print(table(rows))
        for row in rows:
            print(f"{row.name}: {row.summary or '(no summary line)'}")
        missed = outcome.missed_changes
        print(f"the pulls saw {len(outcome.changes) - len(missed)} of "
              f"{len(outcome.changes)} changes" + (f"; MISSED {', '.join(missed)}" if missed
                                                   else ""))
        failed = [r.name for r in rows if r.exit_code != 0]
        over = [r.name for r in rows if r.within_budget is False]
        if failed:
            print(f"FAILED: {', '.join(failed)}")
        if over:
            print(f"OVER BUDGET: {', '.join(over)}")
        bad = bad or bool(failed or over or missed)
        runs.append({"items": n, "rows": [r.as_json() for r in rows],
                     "changes": outcome.changes, "missed_changes": missed})
    if args.out is not None:
        args.out.write_text(json.dumps({"machine": facts, "parameters": parameters,
                                        "runs": runs}, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
        print(f"figures written to {args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
