"""``tracker push``: mirror the plan to GitLab issues."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from tracker.cli import cli
from tracker.config import Config, load_config
from tracker.plan.load import load_plans
from tracker.sync.actions import Action
from tracker.sync.push import push as run_push


def gitlab_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that talks to GitLab shares."""
    command = click.option(
        "--project", metavar="PATH|ID",
        help="GitLab project (overrides TRACKER_PROJECT and tracker.yml).")(command)
    return click.option(
        "--gitlab-url", metavar="URL",
        help="GitLab address (overrides TRACKER_GITLAB_URL and tracker.yml).")(command)


def config_from(gitlab_url: str | None, project: str | None) -> Config:
    """The configuration for this run: options over environment over tracker.yml."""
    return load_config(Path(), gitlab_url=gitlab_url, project=project)


@cli.command(
    epilog="""\b
Examples:
  export GITLAB_TOKEN=...        # a project access token, Reporter role or more
  tracker push --dry-run         # show what would change, write nothing
  tracker push --gitlab-url https://gitlab.example.org --project ogp/suivi""",
)
@gitlab_options
@click.option("--commitments", "commitments", type=click.Path(path_type=Path), default=None,
              help="Folder of the plans (default: commitments/, or tracker.yml).")
@click.option("--dry-run", is_flag=True, help="Print the plan of changes; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the plan as JSON.")
def push(gitlab_url: str | None, project: str | None, commitments: Path | None,
         dry_run: bool, as_json: bool) -> None:
    """Make GitLab issues match the plan: one issue per commitment and per milestone.

    The whole plan is validated first: any error stops the push before a single request.
    The YAML owns each issue's title, the managed block of its description, its due date,
    its GitLab milestone and its reserved labels; people own everything else. Edits made on
    GitLab to YAML-owned fields are reported, never overwritten. Nothing is ever deleted.
    """
    config = config_from(gitlab_url, project)
    plans = load_plans(commitments or config.commitments)
    with ExitStack() as stack:
        bars: list[Any] = []

        def start(writes: list[Action]) -> None:
            bars.append(stack.enter_context(click.progressbar(
                length=len(writes), label="Writing to GitLab", file=sys.stderr)))

        def step(action: Action) -> None:
            if bars and action.writes:
                bars[-1].update(1)

        result = run_push(config, plans, dry_run=dry_run, progress=step, on_plan=start)
    if dry_run:
        if as_json:
            click.echo(json.dumps([a.as_json() for a in result.planned], indent=2,
                                  ensure_ascii=False))
            return
        writes = [a for a in result.planned if a.writes]
        click.echo(f"Dry run: {len(writes)} change(s) would be written.")
        for action in result.planned:
            click.echo(f"  {action.describe()}")
        return
    for item in [*result.notices, *result.conflicts]:
        click.echo(item.describe(), err=True)
    click.echo(f"Push done: {result.summary()}.")
    if result.conflicts:
        raise SystemExit(2)
