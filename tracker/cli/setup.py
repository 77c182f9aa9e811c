"""``tracker init`` and ``tracker doctor``: start a tracker repository and check its setup."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.options import config_from, gitlab_options
from tracker.doctor import run_checks
from tracker.scaffold import Options, scaffold


@click.command(
    epilog="""\b
Examples:
  mkdir suivi-pgo && cd suivi-pgo
  tracker init --country FR --gitlab-url https://gitlab.example.org --project ogp/suivi
  tracker validate""",
)
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path())
@click.option("--gitlab-url", metavar="URL", help="GitLab address, written to tracker.yml.")
@click.option("--project", metavar="PATH|ID", help="GitLab project, written to tracker.yml.")
@click.option("--country", default="XX", show_default=True, metavar="CODE",
              help="ISO 3166-1 alpha-2 code for the example plan (FR, CA, SN).")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
def init(folder: Path, gitlab_url: str | None, project: str | None, country: str,
         force: bool) -> None:
    """Start a tracker repository in FOLDER (default: here).

    Writes tracker.yml, an example plan in commitments/example/, the GitLab CI pipeline
    (.gitlab-ci.yml) and issue templates in French and English for progress updates and
    civil society feedback. Nothing is written if any of these files already exists, unless
    --force.
    """
    options = Options(gitlab_url=gitlab_url, project=project, country=country.upper())
    written = scaffold(folder, options, force=force)
    for path in written:
        click.echo(f"  wrote {path.relative_to(folder).as_posix()}")
    where = "this folder" if folder == Path() else f"{folder}/"
    click.echo(f"Tracker repository ready in {where} ({len(written)} files). Next: replace "
               "commitments/example/ with your plan, run `tracker validate`, then "
               "`tracker doctor` (the team guide of OGP Tracker, docs/en/team.md, "
               "explains the token and the schedule).")


@click.command(
    epilog="""\b
Examples:
  export GITLAB_TOKEN=...        # the token the pipeline will use
  tracker doctor
  tracker doctor --gitlab-url https://gitlab.example.org --project ogp/suivi""",
)
@gitlab_options
@click.option("--timeout", type=click.FloatRange(min=1), default=10.0, show_default=True,
              help="Seconds to wait for each answer from GitLab.")
def doctor(gitlab_url: str | None, project: str | None, timeout: float) -> None:
    """Check the settings against the live GitLab before the first run; write nothing.

    Checks, one line each: the settings, the plan, that the address answers, that the token
    works and has the Reporter role or more, that the project exists, and that the labels
    and milestones the plan needs exist or can be created. Exits 1 if any check fails.
    """
    config = config_from(gitlab_url, project)
    failed = 0
    for check in run_checks(config, timeout=timeout):
        click.echo(check.line())
        failed += check.outcome == "FAIL"
    if failed:
        click.echo(f"{failed} check(s) failed: fix them in order, then run `tracker doctor` "
                   "again.")
        raise SystemExit(1)
    click.echo("All checks passed: `tracker push --dry-run` shows what the first push will do.")
