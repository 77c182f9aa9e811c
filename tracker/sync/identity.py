"""Which issue follows which item: durable identity, whatever people do to an issue.

An item is bound to an issue by evidence, strongest first:

1. the managed block's ``id`` (or, when a person cut the description short, the lone opening
   marker);
2. the last known item → issue map (kept beside the snapshot, :func:`load_known`; when that
   file is gone, as with a cleared CI cache, read back from the published open data,
   :func:`known_from_open_data`);
3. the item's id at the start of the title (``fr-22.1 · …``), for an issue that lost both.

The sync label is a fast way to list the tracker's issues, not evidence: an issue that lost
it, or its block, is still bound, then *repaired*, never replaced. When several issues claim
one item, the oldest is bound and the others are reported (and closed by the push).

:func:`resolve` is pure; :func:`gather` asks GitLab for no more than it needs: the labelled
issues and the known ones always, a search for the marker in descriptions only when an item
is still unbound, and the project's whole issue list only when one still is after that.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tracker.files import read_state, write_atomic
from tracker.gitlab.client import GitLabClient
from tracker.gitlab.http import published_json
from tracker.gitlab.model import Issue, LabelNames
from tracker.report_paths import OPEN_DATA_PATH
from tracker.sync import block

log = logging.getLogger("tracker.identity")

Evidence = Literal["block", "marker", "known", "title"]
FORMAT = "ogp-tracker-identity"
MARKER = "ogp-tracker:begin"  # searched for in descriptions


@dataclass(frozen=True)
class Identity:
    """The binding of item ids to issues, and what is wrong with it."""

    bound: Mapping[str, Issue] = field(default_factory=dict)
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    # Newer issues that claim an item already bound to an older one.
    extra: Mapping[str, tuple[Issue, ...]] = field(default_factory=dict)

    def needs_repair(self, key: str, names: LabelNames) -> bool:
        """Whether the bound issue lost its sync label or its whole managed block."""
        issue = self.bound[key]
        return names.sync not in issue.labels or block.parse(issue.description) is None


def _age(issue: Issue) -> tuple[Any, int]:
    return (issue.created_at.timestamp() if issue.created_at else 0.0, issue.iid)


def resolve(keys: Iterable[str], issues: Iterable[Issue],
            known: Mapping[str, int]) -> Identity:
    """Bind each of ``keys`` to one of ``issues`` by the strongest evidence there is."""
    wanted = set(keys)
    by_iid = {issue.iid: issue for issue in issues}
    claims: dict[str, list[tuple[Issue, Evidence]]] = defaultdict(list)
    claimed_iids: set[int] = set()
    for issue in by_iid.values():
        key = block.claimed_key(issue.description)
        if key is not None:
            how: Evidence = "block" if block.parse(issue.description) else "marker"
            claims[key].append((issue, how))
            claimed_iids.add(issue.iid)
    for key, iid in known.items():
        known_issue = by_iid.get(iid)
        if known_issue is not None and iid not in claimed_iids and not claims.get(key):
            claims[key].append((known_issue, "known"))
            claimed_iids.add(iid)
    unbound = wanted - set(claims)
    if unbound:
        for issue in by_iid.values():
            if issue.iid in claimed_iids:
                continue
            head = issue.title.split(" · ", 1)[0].strip()
            if head in unbound:
                claims[head].append((issue, "title"))
                claimed_iids.add(issue.iid)
    bound: dict[str, Issue] = {}
    evidence: dict[str, Evidence] = {}
    extra: dict[str, tuple[Issue, ...]] = {}
    for key, found in claims.items():
        ranked = sorted(found, key=lambda pair: _age(pair[0]))
        bound[key], evidence[key] = ranked[0]
        # Only issues that carry the tracker's marker are the tracker's duplicates: a person's
        # issue that merely starts its title with the id is none of the tracker's business.
        newer = tuple(issue for issue, how in ranked[1:] if how in ("block", "marker"))
        if newer:
            extra[key] = newer
    return Identity(bound, evidence, extra)


def gather(client: GitLabClient, names: LabelNames, keys: Iterable[str],
           known: Mapping[str, int], *,
           search: Iterable[str] | None = None) -> tuple[Identity, tuple[Issue, ...]]:
    """Read what binds ``keys`` to issues; the identity and every issue read.

    ``search`` limits the deeper searches to these keys when they are unbound (default: every
    key): a pull looks deeper only for items it followed before, not for items never pushed.
    """
    wanted = set(keys)
    deep = wanted if search is None else set(search)
    issues = {issue.iid: issue for issue in client.managed_issues(names.sync)}
    missing = [iid for key, iid in known.items() if iid not in issues]
    if missing:
        log.info("identity: reading %d known issues that lost the sync label", len(missing))
        issues.update((issue.iid, issue) for issue in client.issues_by_iid(missing))
    identity = resolve(wanted, issues.values(), known)
    if deep - set(identity.bound):
        log.info("identity: searching descriptions for the tracker's marker")
        issues.update((issue.iid, issue) for issue in client.issues_mentioning(MARKER))
        identity = resolve(wanted, issues.values(), known)
    if deep - set(identity.bound):
        log.info("identity: looking for item ids at the start of titles")
        issues.update((issue.iid, issue) for issue in client.all_issues())
        identity = resolve(wanted, issues.values(), known)
    return identity, tuple(sorted(issues.values(), key=_age))


# --- the last known map, kept beside the snapshot ------------------------------------------


def known_path(snapshot_path: Path) -> Path:
    """Where the item → issue map is kept: beside the snapshot (CI caches that folder)."""
    return snapshot_path.with_name("identity.json")


def load_known(path: Path, project_url: str) -> dict[str, int]:
    """The last known item → issue numbers for this project (empty if none or unreadable)."""
    items = read_state(path, FORMAT, project_url).get("items")
    if not isinstance(items, dict):
        return {}
    return {str(key): iid for key, iid in items.items()
            if isinstance(iid, int) and not isinstance(iid, bool) and iid > 0}


def known_from_open_data(data: Any, project_url: str) -> dict[str, int]:
    """The item → issue numbers the published ``data/plan.json`` shows for this project.

    Only issue addresses of this project count: a report published from another project, or
    an address that is not an issue's, gives nothing.
    """
    if not isinstance(data, dict) or not isinstance(data.get("plans"), list):
        return {}
    issue = re.compile(re.escape(project_url.rstrip("/")) + r"/-/issues/([1-9]\d{0,9})")
    found: dict[str, int] = {}

    def take(entry: Any) -> None:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and \
                isinstance(entry.get("issue_url"), str):
            match = issue.fullmatch(entry["issue_url"])
            if match:
                found[entry["id"]] = int(match[1])

    def entries(parent: Any, key: str) -> list[Any]:
        value = parent.get(key) if isinstance(parent, dict) else None
        return value if isinstance(value, list) else []

    for plan in data["plans"]:
        for commitment in entries(plan, "commitments"):
            take(commitment)
            for milestone in entries(commitment, "milestones"):
                take(milestone)
    return found


def known_items(path: Path, project_url: str, report_url: str | None) -> dict[str, int]:
    """The item → issue map kept at ``path``; when that file is gone (a new runner, a cleared
    cache) and the report is published, the map its open data shows instead."""
    if not path.exists() and report_url:
        return published_known(report_url, project_url)
    return load_known(path, project_url)


def published_known(report_url: str, project_url: str) -> dict[str, int]:
    """The item → issue map the published open data shows, for when the local one is gone.

    The map is the only evidence left for an issue whose owner removed its label and its
    block and renamed it; a new checkout, or a CI cache cleared, must not lose it, whether it
    pushes or pulls first.
    """
    url = f"{report_url}/{OPEN_DATA_PATH}"
    known = known_from_open_data(published_json(url), project_url)
    if known:
        log.info("%d items' issues read from the published open data (%s), the map kept "
                 "beside the snapshot being gone", len(known), url)
    else:
        log.info("no item-to-issue map beside the snapshot, none readable at %s", url)
    return known


def save_known(path: Path, project_url: str, bound: Mapping[str, int]) -> None:
    """Remember the item → issue map (merged with what was known), atomically."""
    merged = load_known(path, project_url) | dict(bound)
    write_atomic(path, json.dumps({"format": FORMAT, "version": 1, "project": project_url,
                                   "items": dict(sorted(merged.items()))}, indent=1) + "\n")
