"""``tracker validate``: check the plan files and explain every problem."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.options import config_from
from tracker.plan.load import check_plans, problem_lines
from tracker.words import count


@click.command(
    epilog="""\b
Examples:
  tracker validate                          # checks commitments/
  tracker validate commitments/fr-2015-2017 # one plan""",
)
@click.argument("path", type=click.Path(path_type=Path), default=None, required=False)
def validate(path: Path | None) -> None:
    """Check tracker.yml and the plans in PATH (default: commitments in tracker.yml, else
    commitments/) and list every problem.

    Each problem is printed as FILE:LINE:COLUMN: error|warning: KEY: message, with how to fix
    it; past the first 100, one line says how many more there are. Exits 1 when there is any
    error; warnings (such as a missing translation) alone exit 0.
    """
    config = config_from()  # a broken tracker.yml stops here, every problem listed
    plans, problems = check_plans(path or config.commitments)
    for line in problem_lines(problems):
        click.echo(line)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if plans is None:
        click.echo(f"{count(errors, 'error')}, {count(warnings, 'warning')}: "
                   "the plan is not valid.")
        raise SystemExit(1)
    commitments = list(plans.commitments())
    milestones = sum(1 for c in commitments for _ in c.walk())
    click.echo(
        f"Valid: {count(len(plans.plans), 'plan')}, {count(len(commitments), 'commitment')}, "
        f"{count(milestones, 'milestone')} ({count(warnings, 'warning')})."
    )

