"""``tracker push``, ``tracker pull`` and ``tracker sync``: the plan to GitLab and back."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from tracker.cli.options import commitments_option, config_from, gitlab_options, snapshot_option
from tracker.cli.progress import progress
from tracker.config import Config
from tracker.errors import ConflictsLeft
from tracker.lock import run_lock
from tracker.plan.load import load_plans
from tracker.sync.actions import Action, MarkLeftPlan
from tracker.sync.pull import pull as run_pull
from tracker.sync.push import REMOVALS_ALLOWED, PushResult
from tracker.sync.push import push as run_push


def _locked(config: Config, stack: ExitStack) -> None:
    """Hold the run lock beside the snapshot, saying so when it has to wait for another run."""
    stack.enter_context(run_lock(
        config.snapshot.parent / "run.lock",
        on_wait=lambda: click.echo("Waiting for another tracker run to finish…", err=True)))


def _push(config: Config, commitments: Path | None, *, dry_run: bool,
          allow_removals: bool = False) -> PushResult:
    folder = commitments or config.commitments
    plans = load_plans(folder)
    # A push of some plan folders is about those plans only: other plans' issues are neither
    # marked as removed nor written.
    whole = folder.resolve() == config.commitments.resolve()
    scope = None if whole else frozenset(plan.id for plan in plans.plans)
    with ExitStack() as stack:
        bars: list[Any] = []

        def start(writes: list[Action]) -> None:
            bars.append(stack.enter_context(progress("Writing to GitLab", len(writes))))

        def step(action: Action) -> None:
            if bars and action.writes:
                bars[-1].update(1)

        if not dry_run:
            _locked(config, stack)
        return run_push(config, plans, dry_run=dry_run, scope=scope,
                        allow_removals=allow_removals, progress=step, on_plan=start,
                        on_wait=lambda message: click.echo(message, err=True))


def _report_push(result: PushResult) -> None:
    for item in [*result.notices, *result.conflicts]:
        click.echo(item.describe(), err=True)
    click.echo(f"Push done: {result.summary()}.")


def _pull(config: Config, commitments: Path | None, snapshot: Path | None, full: bool) -> None:
    plans = load_plans(commitments or config.commitments)
    path = snapshot or config.snapshot
    with ExitStack() as stack:
        _locked(config, stack)
        bar = stack.enter_context(progress("Reading GitLab", 0))

        def step(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        result = run_pull(config, plans, snapshot_path=path, full=full, progress=step)
    for notice in result.notices:
        click.echo(f"notice: {notice}", err=True)
    click.echo(f"Pull done: {result.summary()}; snapshot written to {path}.")


@click.command(
    epilog="""\b
Examples:
  export GITLAB_TOKEN=...        # a project access token, Reporter role or more
  tracker push --dry-run         # show what would change, write nothing
  tracker push --gitlab-url https://gitlab.example.org --project ogp/suivi""",
)
@gitlab_options
@commitments_option
@click.option("--dry-run", is_flag=True, help="Print the plan of changes; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the plan as JSON.")
@click.option("--allow-removals", is_flag=True,
              help="Mark more than 20 items (or over 10% of a plan) as no longer in the plan.")
def push(gitlab_url: str | None, project: str | None, commitments: Path | None,
         dry_run: bool, as_json: bool, allow_removals: bool) -> None:
    """Make GitLab issues match the plan: one issue per commitment and per milestone.

    The whole plan is validated first: any error stops the push before a single request.
    The YAML owns each issue's title, the managed block of its description, its due date,
    its GitLab milestone and its reserved labels; people own everything else. Edits made on
    GitLab to YAML-owned fields are reported, never overwritten. Nothing is ever deleted.

    With --commitments naming some plan folders, only those plans' issues are read for
    removal and written. One push writes at a time, across machines (a lease held in GitLab).

    Exits 0 when GitLab matches the plan, 2 when conflicts were reported (and left alone),
    3 when another push kept writing for longer than lease_wait, 1 on any error.
    """
    if as_json and not dry_run:
        raise click.UsageError("--json goes with --dry-run: it prints the plan of changes")
    result = _push(config_from(gitlab_url, project), commitments, dry_run=dry_run,
                   allow_removals=allow_removals)
    if dry_run:
        if as_json:
            click.echo(json.dumps([a.as_json() for a in result.planned], indent=2,
                                  ensure_ascii=False))
            return
        writes = [a for a in result.planned if a.writes]
        left = sum(isinstance(a, MarkLeftPlan) for a in result.planned)
        if left:
            click.echo(f"{left} item(s) would be marked as no longer in the plan (more than "
                       f"{REMOVALS_ALLOWED} need --allow-removals).")
        click.echo(f"Dry run: {len(writes)} change(s) would be written.")
        for action in result.planned:
            click.echo(f"  {action.describe()}")
        return
    _report_push(result)
    if result.conflicts:
        raise ConflictsLeft(f"{len(result.conflicts)} conflict(s) left as they are on GitLab: "
                            "see above, and reconcile the plan and the issue by hand")


@click.command(
    epilog="""\b
Examples:
  export GITLAB_TOKEN=...            # Reporter role or more
  tracker pull                       # writes .tracker/snapshot.json
  tracker pull --full --snapshot public-data/snapshot.json""",
)
@gitlab_options
@snapshot_option
@commitments_option
@click.option("--full", is_flag=True, help="Read every issue again, ignoring the last pull.")
def pull(gitlab_url: str | None, project: str | None, snapshot: Path | None,
         commitments: Path | None, full: bool) -> None:
    """Bring status and public comments back from GitLab into the snapshot.

    Status comes from each issue's state and status label; comments are the public notes.
    Confidential issues, internal notes, system notes and the tracker's own notes are never
    kept. Only issues that changed since the last pull are read in detail.
    """
    _pull(config_from(gitlab_url, project), commitments, snapshot, full)


@click.command(
    epilog="""\b
Example (what the scheduled pipeline runs):
  tracker sync && tracker report --out public/""",
)
@gitlab_options
@snapshot_option
@commitments_option
@click.option("--full", is_flag=True, help="Pull: read every issue again.")
def sync(gitlab_url: str | None, project: str | None, snapshot: Path | None,
         commitments: Path | None, full: bool) -> None:
    """Push the plan to GitLab, then pull status and comments into the snapshot.

    Exits 2 when the push reported conflicts (the pull still runs), 1 on errors.
    """
    config = config_from(gitlab_url, project)
    result = _push(config, commitments, dry_run=False)
    _report_push(result)
    _pull(config, commitments, snapshot, full)
    if result.conflicts:
        raise ConflictsLeft(f"{len(result.conflicts)} conflict(s) left as they are on GitLab: "
                            "see above, and reconcile the plan and the issue by hand")
