"""``tracker report``: build the public report (static site, open data, feeds)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from tracker.cli.options import commitments_option, config_from, snapshot_option
from tracker.errors import InputError
from tracker.report import make_report
from tracker.words import count


@click.command(
    epilog="""\b
Examples:
  tracker report                                # commitments/ + .tracker/snapshot.json -> public/
  tracker report --out site/ --snapshot snap.json --today 2026-11-21""",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("public"),
              show_default=True, help="Folder to write the site to; it is replaced as a whole.")
@snapshot_option
@commitments_option
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day to compute overdue milestones for (default: today).")
def report(out: Path, snapshot: Path | None, commitments: Path | None,
           today: dt.datetime | None) -> None:
    """Build the public report (HTML, feeds, open data, Markdown) into --out.

    Each plan's pages are in the languages its plan.yml declares.

    The report reads only the plans and the snapshot: it never calls GitLab.
    """
    config = config_from()
    commitments = commitments or config.commitments
    snapshot_path = snapshot or config.snapshot
    if not commitments.is_dir():
        raise InputError(f"{commitments}: no such folder of plans (use --commitments)")
    # A path given on the command line is a promise that the file is there: a typo must not
    # publish a site where every item silently says "no update yet".
    if snapshot is not None and not snapshot.is_file():
        raise InputError(
            f"{snapshot}: no such snapshot file; check the --snapshot path, or run "
            f"`tracker pull --snapshot {snapshot}` to create it (without --snapshot, a tracker "
            f"that has never pulled builds its report with \"no update yet\" everywhere)"
        )
    if out.resolve() in (Path.cwd().resolve(), commitments.resolve()) or out.resolve() in (
        commitments.resolve().parents
    ):
        raise InputError(f"{out}: refusing to replace this folder by the site; pick another --out")
    started = time.perf_counter()
    day = today.date() if today else dt.date.today()
    pages, languages = make_report(commitments, snapshot_path, out, day, progress=click.echo,
                                   stale_after_days=config.stale_after_days,
                                   warn=lambda line: click.echo(line, err=True))
    elapsed = time.perf_counter() - started
    said = f"{count(len(languages), 'language')} ({', '.join(languages)})"
    click.echo(f"Report written to {out}/: {pages} pages in {said} ({elapsed:.1f} s).")
