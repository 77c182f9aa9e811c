"""``tracker report``: build the public report (static site, open data, feeds)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from tracker.cli import cli
from tracker.config import load_config
from tracker.errors import InputError
from tracker.report import make_report
from tracker.snapshot import DEFAULT_SNAPSHOT_PATH


@cli.command(
    epilog="""\b
Examples:
  tracker report                                # commitments/ + .tracker/snapshot.json -> public/
  tracker report --out site/ --snapshot snap.json --today 2026-11-21""",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("public"),
              show_default=True, help="Folder to write the site to; it is replaced as a whole.")
@click.option("--snapshot", "snapshot_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None,
              help="Snapshot written by `tracker pull` (default: snapshot in tracker.yml, else "
                   f"{DEFAULT_SNAPSHOT_PATH}); without it every item shows \"no update yet\".")
@click.option("--commitments", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Folder of the plans (default: commitments in tracker.yml, "
                                 "else commitments/).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day to compute overdue milestones for (default: today).")
def report(out: Path, snapshot_path: Path | None, commitments: Path | None,
           today: dt.datetime | None) -> None:
    """Build the bilingual public report (HTML, feeds, open data, Markdown) into --out.

    The report reads only the plans and the snapshot: it never calls GitLab.
    """
    config = load_config(Path())
    commitments = commitments or config.commitments
    snapshot_path = snapshot_path or config.snapshot
    if not commitments.is_dir():
        raise InputError(f"{commitments}: no such folder of plans (use --commitments)")
    if out.resolve() in (Path.cwd().resolve(), commitments.resolve()) or out.resolve() in (
        commitments.resolve().parents
    ):
        raise InputError(f"{out}: refusing to replace this folder by the site; pick another --out")
    started = time.perf_counter()
    day = today.date() if today else dt.date.today()
    pages = make_report(commitments, snapshot_path, out, day, progress=click.echo)
    elapsed = time.perf_counter() - started
    click.echo(f"Report written to {out}/: {pages} pages in 2 languages ({elapsed:.1f} s).")
