"""The report's open data: plan.json, attention.json and the CSV files, with their columns.

Built from the report model without templates: the data page (``data.html``) describes
the columns listed here, and the JSON documents follow the schemas copied beside them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tracker.plan.model import Reported, Text
from tracker.report.markdown import safe_url
from tracker.report.model import Attention, CommitmentView, Event, PlanView, Report
from tracker.report_paths import OPEN_DATA_PATH

DATA_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "report-data.schema.json"
ATTENTION_SCHEMA = DATA_SCHEMA.with_name("attention.schema.json")
DATA_FORMAT = "ogp-tracker-report-data"
DATA_VERSION = 1
ATTENTION_FORMAT = "ogp-tracker-attention"
ATTENTION_VERSION = 1

# Columns ending in "_*" are one column per language of the site, in its order:
# "title_*" is title_fr, title_en for a French and English site, title_en alone for an
# English one.
COMMITMENT_COLUMNS = (
    "plan_id", "commitment_id", "title_*", "lead_institutions_*", "completion",
    "completion_source", "milestones_total", "milestones_complete", "milestones_overdue",
    "last_update", "issue_url", "contact_name",
)
MILESTONE_COLUMNS = (
    "plan_id", "commitment_id", "milestone_id", "parent_id", "title_*", "due", "due_text_*",
    "status", "status_since", "overdue", "issue_url", "completed_at", "days_late",
)
COMMENT_COLUMNS = (
    "plan_id", "commitment_id", "item_id", "comment_id", "created_at", "author_name",
    "author_username", "author_role", "body", "url",
)
REPORTED_COLUMNS = (
    "plan_id", "commitment_id", "item_id", "date", "period_start", "period_end", "status",
    "status_text_*", "progress_*", "evidence_*", "challenges_*", "links", "source_*",
    "source_url",
)


def columns(names: tuple[str, ...], languages: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` with each "_*" column spelled out once per language."""
    return tuple(column for column, _name, _lang in described(names, languages))


def described(names: tuple[str, ...], languages: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(column, its name without the language, the language or "") for the data page."""
    spelled: list[tuple[str, str, str]] = []
    for name in names:
        if name.endswith("_*"):
            spelled.extend((name[:-1] + lang, name[:-2], lang) for lang in languages)
        else:
            spelled.append((name, name, ""))
    return spelled


def _texts(text: Text) -> dict[str, str]:
    return {lang: value for lang, value in sorted(text.values.items()) if value.strip()}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def plan_data(report: Report) -> dict[str, Any]:
    """The document of ``data/plan.json`` (see ``report-data.schema.json``)."""
    return {
        "format": DATA_FORMAT,
        "version": DATA_VERSION,
        "today": report.today.isoformat(),
        "snapshot_taken_at": _iso(report.generated_at),
        "gitlab_project": report.project.web_url if report.project else None,
        "plans": [_plan_data(view) for view in report.plans],
    }


def _plan_data(view: PlanView) -> dict[str, Any]:
    plan = view.plan
    return {
        "id": plan.id,
        "country": plan.country,
        "title": _texts(plan.title),
        "period": {"start": plan.period_start.iso(), "end": plan.period_end.iso()},
        "languages": list(plan.languages),
        "url": plan.url,
        "milestones_by_status": {str(s or "no-update"): n for s, n in view.status_counts},
        "commitments_by_completion": {str(c or "no-update"): n for c, n in view.completion_counts},
        "commitments": [_commitment_data(c) for c in view.commitments],
    }


def _reported_data(reported: Iterable[Reported]) -> list[dict[str, Any]]:
    """The ``reported`` entries of an item, as the plan has them (oldest first)."""
    return [
        {
            "date": r.date.iso() if r.date else None,
            "period": None if r.period_start is None and r.period_end is None else {
                "start": r.period_start.iso() if r.period_start else None,
                "end": r.period_end.iso() if r.period_end else None,
            },
            "status": r.status,
            "status_text": _texts(r.status_text),
            "progress": _texts(r.progress),
            "evidence": _texts(r.evidence),
            "links": list(r.links),
            "challenges": _texts(r.challenges),
            "source": {"name": _texts(r.source.name), "url": r.source.url},
        }
        for r in reported
    ]


def _commitment_data(view: CommitmentView) -> dict[str, Any]:
    c = view.commitment
    return {
        "id": c.id,
        "title": _texts(c.title),
        "lead_institutions": [_texts(t) for t in c.lead_institutions],
        "completion": view.completion,
        "completion_source": view.completion_source,
        "issue_url": safe_url(view.issue.web_url) if view.issue else None,
        "last_update": _iso(view.last_update),
        "comment_count": view.comment_count,
        "reported": _reported_data(c.reported),
        "contact": None if c.contact is None else {
            "name": c.contact.name,
            "role": _texts(c.contact.role),
            # Only there when the plan publishes it: the plan file is public already.
            "email": c.contact.email,
        },
        "milestones": [
            {
                "id": row.milestone.id,
                "parent_id": row.parent_id,
                "title": _texts(row.milestone.title),
                "due": row.milestone.due.iso() if row.milestone.due else None,
                "status": row.status,
                "status_since": _iso(row.status_since),
                "overdue": row.overdue,
                "issue_url": safe_url(row.issue.web_url) if row.issue else None,
                "completed_at": _iso(row.completed_at),
                "days_late": row.days_late,
                "reported": _reported_data(row.milestone.reported),
            }
            for row in view.milestones
        ],
    }


def attention_data(report: Report) -> dict[str, Any]:
    """The document of ``data/attention.json`` (see ``attention.schema.json``)."""
    names = {(view.id, i.slug): i.name for view in report.plans for i in view.institutions}
    return {
        "format": ATTENTION_FORMAT,
        "version": ATTENTION_VERSION,
        "today": report.today.isoformat(),
        "snapshot_taken_at": _iso(report.generated_at),
        "stale_after_days": report.stale_after_days,
        "entries": [_attention_entry(entry, names) for entry in report.attention()],
    }


def _attention_entry(entry: Attention, names: Mapping[tuple[str, str], Text]) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "plan_id": entry.plan_id,
        "commitment_id": entry.commitment_id,
        "item_id": entry.item_id,
        "item_title": _texts(entry.item_title),
        "is_commitment": entry.is_commitment,
        "institutions": [_texts(names.get((entry.plan_id, slug), Text()))
                         for slug in entry.institution_slugs],
        "issue_url": safe_url(entry.issue.web_url) if entry.issue else None,
        "days": entry.days,
        "due": entry.due.iso() if entry.due else None,
        "last_change": _iso(entry.since),
        "label": entry.label,
        "suggestion": entry.suggestion,
        "field": entry.field,
        "notice": entry.code,
        "other_issues": list(entry.other_issues),
    }


def _joined(texts: Iterable[Text], lang: str) -> str:
    return "; ".join(value for t in texts if (value := t.get(lang)))


# A spreadsheet runs a cell as a formula when it starts with one of these; some also skip
# leading blanks and line feeds first, and some read the full-width forms (＝＋－＠) as the
# ASCII ones, so those starts are neutralised too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", " ", "\uff1d", "\uff0b", "\uff0d",
                  "\uff20")


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading quote (OWASP CSV injection).

    Comments come from anyone; journalists open these files in spreadsheets.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(root: Path, name: str, columns: tuple[str, ...],
         rows: Iterator[Mapping[str, object]]) -> None:
    path = root / "data" / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(columns)
        known = frozenset(columns)
        for row in rows:  # as csv.DictWriter writes them, without its per-row set arithmetic
            if not row.keys() <= known:
                unknown = ", ".join(repr(key) for key in row.keys() - known)
                raise ValueError(f"dict contains fields not in fieldnames: {unknown}")
            out.writerow([_cell(row.get(column, "")) for column in columns])


def json_text(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)``, several times faster.

    The standard encoder has no C code for indented output: its Python one is a chain of
    generators, slow on a plan's tens of thousands of values. This builds the same text in
    one list; a value it does not know (a number with a fraction, a key that is not text)
    leaves the whole document to json.dumps.
    """
    parts: list[str] = []
    try:
        _json_parts(value, parts, "\n")
    except _Unusual:
        return json.dumps(value, ensure_ascii=False, indent=1)
    return "".join(parts)


class _Unusual(Exception):
    """A value json_text leaves to json.dumps."""


_json_string = json.encoder.encode_basestring


def _json_parts(value: Any, parts: list[str], newline: str) -> None:
    # The order of json's own checks: a str enum is text, a bool is no number.
    if isinstance(value, str):
        parts.append(_json_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        inner = newline + " "
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            _json_parts(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner = newline + " "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unusual
            parts.append(separator + _json_string(key) + ": ")
            _json_parts(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "}")
    else:
        raise _Unusual


def write_data(report: Report, root: Path) -> None:
    """Write ``root``/data/: the JSON documents with their schemas, and the CSV files."""
    data = root / "data"
    data.mkdir(exist_ok=True)
    (root / OPEN_DATA_PATH).write_text(json_text(plan_data(report)) + "\n", encoding="utf-8")
    shutil.copyfile(DATA_SCHEMA, data / "plan.schema.json")
    (data / "attention.json").write_text(json_text(attention_data(report)) + "\n",
                                         encoding="utf-8")
    shutil.copyfile(ATTENTION_SCHEMA, data / "attention.schema.json")
    site = report.languages
    _csv(root, "commitments.csv", columns(COMMITMENT_COLUMNS, site), _commitment_rows(report))
    _csv(root, "milestones.csv", columns(MILESTONE_COLUMNS, site), _milestone_rows(report))
    _csv(root, "comments.csv", COMMENT_COLUMNS, _comment_rows(report))
    _csv(root, "reported.csv", columns(REPORTED_COLUMNS, site), _reported_rows(report))


def _per_language(name: str, text: Text, languages: tuple[str, ...]) -> dict[str, str]:
    """``{name_fr: ..., name_en: ...}``: one cell per language, empty where it is missing."""
    return {f"{name}_{lang}": text.get(lang) or "" for lang in languages}


def _commitment_rows(report: Report) -> Iterator[Mapping[str, object]]:
    site = report.languages
    for view in report.commitments():
        c = view.commitment
        yield {
            "plan_id": view.plan_id, "commitment_id": c.id,
            **_per_language("title", c.title, site),
            **{f"lead_institutions_{lang}": _joined(c.lead_institutions, lang) for lang in site},
            "completion": view.completion or "", "completion_source": view.completion_source or "",
            "milestones_total": view.total, "milestones_complete": view.done,
            "milestones_overdue": view.overdue, "last_update": _iso(view.last_update) or "",
            "issue_url": (safe_url(view.issue.web_url) or "") if view.issue else "",
            "contact_name": c.contact.name if c.contact else "",
        }


def _milestone_rows(report: Report) -> Iterator[Mapping[str, object]]:
    site = report.languages
    for view in report.commitments():
        for row in view.milestones:
            m = row.milestone
            yield {
                "plan_id": view.plan_id, "commitment_id": view.id, "milestone_id": m.id,
                "parent_id": row.parent_id or "",
                **_per_language("title", m.title, site),
                "due": m.due.iso() if m.due else "",
                **_per_language("due_text", m.due_text, site),
                "status": row.status or "", "status_since": _iso(row.status_since) or "",
                "overdue": "true" if row.overdue else "false",
                "issue_url": (safe_url(row.issue.web_url) or "") if row.issue else "",
                "completed_at": _iso(row.completed_at) or "",
                "days_late": "" if row.days_late is None else row.days_late,
            }


def _comment_rows(report: Report) -> Iterator[Mapping[str, object]]:
    for view in report.commitments():
        comments: list[Event] = [e for e in view.timeline if e.comment is not None]
        for event in reversed(comments):  # oldest first, as they were written
            comment = event.comment
            assert comment is not None
            yield {
                "plan_id": view.plan_id, "commitment_id": view.id, "item_id": event.item_id,
                "comment_id": comment.id, "created_at": comment.created_at.isoformat(),
                "author_name": comment.author_name, "author_username": comment.author_username,
                "author_role": comment.author_role, "body": comment.body,
                "url": safe_url(comment.web_url) or "",
            }


def _reported_rows(report: Report) -> Iterator[Mapping[str, object]]:
    site = report.languages
    for view in report.commitments():
        for event in sorted(view.reported, key=lambda e: e.place):  # as the plan lists them
            r = event.reported
            yield {
                "plan_id": view.plan_id, "commitment_id": view.id, "item_id": event.item_id,
                "date": r.date.iso() if r.date else "",
                "period_start": r.period_start.iso() if r.period_start else "",
                "period_end": r.period_end.iso() if r.period_end else "",
                "status": r.status or "",
                **_per_language("status_text", r.status_text, site),
                **_per_language("progress", r.progress, site),
                **_per_language("evidence", r.evidence, site),
                **_per_language("challenges", r.challenges, site),
                "links": " ".join(r.links),
                **_per_language("source", r.source.name, site),
                "source_url": r.source.url or "",
            }
