"""Helpers for the team-use tests: generated plans, and counting issues through python-gitlab."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import gitlab

from tracker.sync import block

PLAN_YML = """\
country: FR
title: {fr: "Plan généré %(n)s", en: "Generated plan %(n)s"}
period: {start: 2024-01, end: 2026-12}
languages: [fr, en]
primary_language: fr
"""


def write_plan(folder: Path, plan_id: str, commitments: int, milestones_each: int = 9) -> list[str]:
    """A plan of ``commitments`` commitments of ``milestones_each`` milestones; every item id."""
    root = folder / plan_id
    root.mkdir(parents=True, exist_ok=True)
    (root / "plan.yml").write_text(PLAN_YML % {"n": plan_id}, encoding="utf-8")
    ids: list[str] = []
    for number in range(1, commitments + 1):
        cid = f"{plan_id}-{number}"
        ids.append(cid)
        lines = [f"id: {cid}", f"title: {{fr: Engagement {number}, en: Commitment {number}}}",
                 "lead_institutions:", "  - {fr: Ministère, en: Ministry}", "milestones:"]
        for m in range(1, milestones_each + 1):
            ids.append(f"{cid}.{m}")
            lines += [f"  - id: {cid}.{m}", f"    title: {{fr: Jalon {m}, en: Milestone {m}}}",
                      "    due: 2025-06"]
        (root / f"c{number:03d}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def issues_by_key(gl: gitlab.Gitlab) -> dict[str, list[Any]]:
    """Every issue of the project that claims an item, by item id, oldest first."""
    found: dict[str, list[Any]] = {}
    project = gl.projects.get("ogp/suivi")
    for issue in project.issues.list(state="all", iterator=True, per_page=100,
                                      order_by="created_at", sort="asc"):
        key = block.claimed_key(issue.description)
        if key:
            found.setdefault(key, []).append(issue)
    return found


def issue_count(gl: gitlab.Gitlab) -> int:
    """How many issues the project holds, whatever they say."""
    return sum(1 for _ in gl.projects.get("ogp/suivi").issues.list(
        state="all", iterator=True, per_page=100))


def tracker_notes(issue: Any, marker: str) -> int:
    """How many notes on ``issue`` carry ``marker``."""
    return sum(marker in (note.body or "") for note in issue.notes.list(iterator=True))


def counts(keys: dict[str, list[Any]]) -> Counter[int]:
    """How many items have 1, 2, ... issues."""
    return Counter(len(v) for v in keys.values())
