"""What each issue's ``updated_at`` was right after the push last wrote it, kept beside the
snapshot.

A cold pull reads an issue's label and state events only when someone may have changed its
labels or state; an ``updated_at`` still equal to what the push saw after its own write says
nobody did. A lost or stale file only makes the pull read more.

It also lists the milestones' issues a push related to their parent: a push that stopped
between creating a milestone's issue and relating it relates it again until the parent's
checklist lists it, and the checklist may never be rewritten (while its block is in
conflict); this list ends that. A lost file only costs relating again (GitLab answers 409).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.files import read_state, write_atomic

FORMAT = "ogp-tracker-pushed"


def pushed_path(snapshot_path: Path) -> Path:
    """Beside the snapshot (CI caches that folder between the push and the pull)."""
    return snapshot_path.with_name("pushed.json")


def load_pushed(path: Path, project_url: str) -> dict[int, str]:
    """Issue number → ``updated_at`` (ISO 8601) after the push's last write to it."""
    return _issues(read_state(path, FORMAT, project_url))


def load_linked(path: Path, project_url: str) -> set[int]:
    """The issue numbers a push related to their parent."""
    return _linked(read_state(path, FORMAT, project_url))


def save_pushed(path: Path, project_url: str, written: Mapping[int, str],
                linked: set[int] | frozenset[int] = frozenset()) -> None:
    """Add what this push wrote and related to what earlier pushes recorded, atomically."""
    data = read_state(path, FORMAT, project_url)
    known_links = _linked(data)
    if not written and linked <= known_links:
        return  # nothing new: the file stays as it was (a no-op push writes no file)
    merged = _issues(data) | dict(written)
    write_atomic(path, json.dumps({
        "format": FORMAT, "version": 1, "project": project_url,
        "issues": {str(iid): at for iid, at in sorted(merged.items())},
        "linked": sorted(known_links | linked)}, indent=1) + "\n")


def _issues(data: dict[str, Any]) -> dict[int, str]:
    issues = data.get("issues")
    if not isinstance(issues, dict):
        return {}
    return {int(iid): at for iid, at in issues.items() if iid.isdigit() and isinstance(at, str)}


def _linked(data: dict[str, Any]) -> set[int]:
    linked = data.get("linked")
    if not isinstance(linked, list):
        return set()
    return {iid for iid in linked if isinstance(iid, int) and not isinstance(iid, bool)}
