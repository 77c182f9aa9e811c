"""The progress Canadian departments reported, from the records published beside a table.

The tracker tables define the reports but hold none: their status scale (NS, LP, SP, C) and
their reporting periods. The records are published apart, as CSV with one column per
datastore_id; each becomes a ``reported`` entry on its indicator.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.importers.canada_names import LANGUAGES
from tracker.importers.common import ImportedCommitment, clean_text, read_text, text_of

# The tables' status scale (OGP completion levels) on the tracker's scale.
STATUSES = {"NS": "not-started", "LP": "limited", "SP": "substantial", "C": "complete"}


def attach_records(
    table: Path,
    statuses: Mapping[str, Any],
    fields: Mapping[str, Mapping[str, Any]],
    path: Path,
    plan_id: str,
    commitments: list[ImportedCommitment],
) -> None:
    """Each record of ``path`` as a report on its indicator, in reporting-period order.

    ``table`` is the tracker table the records belong to, ``statuses`` the status scale it
    defines (code to bilingual label; empty when it defines none), ``fields`` its choices.
    """
    indicators: dict[str, dict[str, Any]] = {}

    def visit(items: list[dict[str, Any]]) -> None:
        for item in items:
            indicators[item["id"]] = item
            visit(item.get("milestones", []))

    for commitment in commitments:
        visit(commitment.doc["milestones"])
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    needed = ("reporting_period", "indicators", "status", "progress_en", "progress_fr")
    missing = [name for name in needed if name not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"{path}, line 1: no column {missing[0]!r}: the records need the columns "
            f"{', '.join(needed)} (and may have evidence_en/fr, challenges_en/fr), named as "
            "the table's datastore_id"
        )
    scale = ", ".join(statuses or STATUSES)
    found: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    end = reader.line_num
    for row in reader:
        # A record's text may span lines: name the line it starts on.
        line, end = end + 1, reader.line_num
        period = (row["reporting_period"] or "").strip()
        if period not in fields["reporting_period"]:
            raise InputError(
                f"{path}, line {line}: reporting period {period!r} is not one of the table's "
                f"({', '.join(fields['reporting_period'])}): fix it"
            )
        # The forms show "C01.1.1: <label>"; the code is what identifies the indicator.
        code = (row["indicators"] or "").split(":", 1)[0].strip()
        item = indicators.get(f"{plan_id}-{code.lower()}")
        if item is None:
            raise InputError(
                f"{path}, line {line}: indicator {code!r} is not in {table.name}: "
                "check the code or give the table of the same plan"
            )
        status = (row["status"] or "").strip()
        if status not in STATUSES or (statuses and status not in statuses):
            raise InputError(
                f"{path}, line {line}: status {status!r} is not on the table's scale "
                f"({scale}): fix it"
            )
        report: dict[str, Any] = {"date": period, "status": STATUSES[status]}
        label = statuses.get(status)
        if isinstance(label, Mapping) and all(isinstance(label.get(x), str) for x in LANGUAGES):
            report["status_text"] = {lang: label[lang] for lang in LANGUAGES}
        for key in ("progress", "evidence", "challenges"):
            text = text_of(**{lang: clean_text(row.get(f"{key}_{lang}") or "")
                              for lang in LANGUAGES})
            if text:
                report[key] = text
        # The addresses the evidence cites, as the model lists them for the report to link.
        links = re.findall(r"https?://[^\s<>()\[\]\"']+", " ".join(
            report.get("evidence", {}).values()))
        if links:
            report["links"] = list(dict.fromkeys(url.rstrip(".,;") for url in links))
        report["source"] = {"name": {
            "en": f"Government of Canada, open government tracker, reporting period {period}",
            "fr": "Gouvernement du Canada, suivi du gouvernement ouvert, période de "
                  f"déclaration {period}",
        }}
        found.append((period, item, report))
    for _, item, report in sorted(found, key=lambda entry: entry[0]):
        item.setdefault("reported", []).append(report)
