"""The public report: a static site in the plans' languages, built from them and the snapshot.

:func:`make_report` is the one entry point: it loads, builds the model (:mod:`.model`, no I/O)
and writes the site (:mod:`.render`).
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

from tracker.plan.load import load_plans
from tracker.report.model import STALE_AFTER_DAYS, build_report
from tracker.report.render import Progress, build_site
from tracker.snapshot import load_snapshot


def make_report(
    commitments: Path,
    snapshot_path: Path,
    out: Path,
    today: dt.date,
    progress: Progress = lambda _line: None,
    stale_after_days: int = STALE_AFTER_DAYS,
    warn: Progress | None = None,
) -> tuple[int, tuple[str, ...]]:
    """Build the site in ``out``; the number of pages written and the site's languages.

    ``warn`` (default: ``progress``) is told of what the reader should fix, such as a plan
    language without an interface catalog.

    Raises :class:`tracker.errors.InputError` when the plans or the snapshot are not valid.
    """
    progress(f"plans: reading {commitments}")
    plans = load_plans(commitments)
    snapshot = load_snapshot(snapshot_path)
    if snapshot is None:
        progress(f"snapshot: none at {snapshot_path}, every item shows \"no update yet\"")
    else:
        taken = snapshot.generated_at.isoformat()
        progress(f"snapshot: {len(snapshot.items)} items, taken {taken}")
    progress("model: counting statuses and overdue milestones")
    report = build_report(plans, snapshot, today, stale_after_days)
    # The plans, the snapshot and the model live until the site is written: the garbage
    # collector's full passes need not walk them again while the pages are rendered.
    gc.freeze()
    try:
        return build_site(report, out, progress, warn), report.languages
    finally:
        gc.unfreeze()
