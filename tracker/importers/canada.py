"""Import a plan from Canada's open-government tracker tables (CKAN ``nap``, ``nap5``, ``nap6``).

The tables are CKAN dataset definitions from open-data/ckanext-canada. The plan's items are the
``choices`` of three fields of the first resource, keyed by code::

    commitments  C01      {en, fr, NAP_url}                      -> commitment  <plan>-c01
    milestones   C01.1    {en, fr, full_text, NAP_url}           -> milestone   <plan>-c01.1
    indicators   C01.1.1  {en, fr, due_date, deadline, lead_dept} -> child       <plan>-c01.1.1

An indicator's ``due_date`` (YYYY-MM) becomes ``due`` and its bilingual ``deadline`` text
``due_text``. A ``full_text`` (the whole sentence, with its target) becomes the item's
``description`` beside its short label, and a ``NAP_url`` (a path on open.canada.ca) its
``official_url``.

Leads come from the indicators' ``lead_dept`` codes (nap5, nap6). The 4th plan's table (``nap``)
has none: its leads are the acronyms that end each milestone's English label, "(NRCan/StatCan/
TBS)", one institution per acronym, stripped from the title. Codes and acronyms become names
through the built-in lists of :mod:`tracker.importers.canada_names`, or through the file the
person gives with ``--institutions`` for bodies the built-in list lacks; an unknown one is an
error (never a guessed name). A commitment's lead institutions are the distinct leads of its
items in first-seen order; an item whose leads are not exactly the commitment's names them in
its own ``lead`` (one) or ``leads`` (several, each on its own: names such as "Innovation,
Science and Economic Development Canada" contain commas, so they are never joined into one
text).
``supt_sept`` codes, and "with support from" in a label, become supporting actors.

The plan covers whole calendar years: those the table's description of its commitments states
("the 2018-2020 National Action Plan"), widened to any due date outside them; without such a
statement, those of the reporting periods and due dates. Reports are filed after the work, so
a reporting period after the stated years (2021-03 for 2018-2020) does not lengthen the plan.
Its id is ``ca-<first year>-<last year>`` unless one is given, and its number comes from the
dataset type (``nap5`` -> 5th plan; ``nap`` is the 4th plan's table) unless one is given.

The table defines the reports but holds none: its status scale (NS, LP, SP, C, mapped onto the
tracker's not-started, limited, substantial, complete) and its reporting periods. The records
departments filed are published apart, one CSV column per datastore_id; given with
``--records``, each becomes a ``reported`` entry on its indicator, checked against that scale
and those periods (:mod:`tracker.importers.canada_records`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.importers.canada_names import LANGUAGES, Institutions, Names, load_institutions
from tracker.importers.canada_records import attach_records
from tracker.importers.common import (
    ImportedCommitment,
    ImportResult,
    check_plan_id,
    clean_text,
    load_yaml,
    text_of,
    write_plan,
)
from tracker.plan.yamlsource import Document, KeyPath

# Where the tables' NAP_url paths live.
SITE = "https://open.canada.ca"

_ITEM_FIELDS = ("commitments", "milestones", "indicators")
_DATASET_RE = re.compile(r"^nap(\d*)$")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# The 4th plan's table is the only one named without a number.
_UNNUMBERED_PLAN = 4
# "The 10 commitments in the 2018-2020 National Action Plan": the years the plan states.
_STATED_YEARS_RE = re.compile(r"\b(\d{4})\s*[-–]\s*(\d{4})\b")
# The lead list that ends a label: "... open.canada.ca (NRCan/StatCan/TBS)", maybe then a dot.
_TRAILING_LEADS_RE = re.compile(r"\s*\(([^()]+)\)[\s.]*$")
_LEAD_SEPARATORS_RE = re.compile(r"\s*[/;,]\s*")
_SUPPORT_PREFIX = "with support from "

def read_plan(
    path: Path,
    plan_id: str | None = None,
    institutions: Institutions | None = None,
    number: int | None = None,
    records: Path | None = None,
) -> tuple[str, dict[str, Any], list[ImportedCommitment]]:
    """The plan id, plan document and commitments of a CKAN tracker table.

    ``records`` is the table's published records (CSV, one column per datastore_id): the
    progress each indicator was reported to make, kept as its ``reported`` list.
    """
    source = _Source(load_yaml(path), institutions or Institutions())
    data = source.document.data
    fields = _fields(source, data)
    number = number or _plan_number(source, data)
    years = _years(source, fields)
    first, last = min(years), max(years)
    plan_id = check_plan_id(plan_id or f"ca-{first}-{last}")
    plan_doc: dict[str, Any] = {
        "country": "CA",
        "title": {
            "en": f"Canada's {_ordinal_en(number)} National Action Plan on Open Government "
            f"{first}-{last}",
            "fr": f"{_ordinal_fr(number)} Plan d'action national du Canada pour un gouvernement "
            f"ouvert {first}-{last}",
        },
        "period": {"start": f"{first}-01", "end": f"{last}-12"},
        "languages": list(LANGUAGES),
        "primary_language": LANGUAGES[0],
    }
    commitments = _commitments(source, fields, plan_id)
    if records is not None:
        attach_records(path, source.statuses, fields, records, plan_id, commitments)
    # The plan's page is the one the commitments' links point into.
    first_url = next((c.doc["official_url"]["en"] for c in commitments if "official_url" in c.doc),
                     None)
    if first_url:
        plan_doc["url"] = first_url.split("#", 1)[0]
    return plan_id, plan_doc, commitments


def import_canada(
    path: Path,
    out_dir: Path,
    plan_id: str | None = None,
    institutions: Path | None = None,
    number: int | None = None,
    records: Path | None = None,
) -> ImportResult:
    """Import every commitment of a CKAN tracker table into ``out_dir/<plan id>/``."""
    names = load_institutions(institutions) if institutions else None
    plan_id, plan_doc, commitments = read_plan(path, plan_id, names, number, records)
    result = write_plan(
        out_dir, plan_id, plan_doc, [(c.local, c.doc) for c in commitments], LANGUAGES
    )
    written = {f.path.name for f in result.files}
    for stale in sorted(result.folder.glob("*.yml")):
        if stale.name not in written:
            result.warnings.append(
                f"{stale} is not in {path.name}: delete it if that commitment is gone"
            )
    for commitment in commitments:
        result.warnings.extend(commitment.warnings)
    return result


class _Source:
    """The parsed table, to say on which line a code or one of its values is written."""

    def __init__(self, document: Document, institutions: Institutions) -> None:
        self.path = document.path
        self.document = document
        self.institutions = institutions
        # The key path of each field's choices: ("resources", 0, "fields", <index>, "choices").
        self.choices: dict[str, KeyPath] = {}
        # Each field's English description, where the table states the plan's years.
        self.descriptions: dict[str, str] = {}
        # The status scale the table defines (NS, LP, SP, C), with its bilingual labels.
        self.statuses: dict[str, Any] = {}

    def key(self, field: str, code: str, *rest: str | int) -> KeyPath:
        """The key path of ``code`` among the choices of ``field``, then of ``rest`` in it."""
        return (*self.choices[field], code, *rest)

    def where(self, key_path: KeyPath) -> str:
        """``path, line N`` of the key at ``key_path``, else of its nearest parent."""
        return f"{self.path}, line {self.document.where(key_path, key=True).line}"


def _fields(source: _Source, data: Any) -> dict[str, Mapping[str, Any]]:
    """The ``choices`` of each field of the first resource, by field name."""
    expected = (
        "a Canada tracker table (CKAN) whose resources[0].fields have the choices of "
        "reporting_period, commitments, milestones and indicators"
    )
    resources = data.get("resources") if isinstance(data, Mapping) else None
    if not isinstance(resources, list) or not resources or not isinstance(resources[0], Mapping):
        raise InputError(f"{source.path}: no 'resources' list: expected {expected}")
    fields = resources[0].get("fields")
    if not isinstance(fields, list):
        raise InputError(f"{source.path}: resources[0] has no 'fields' list: expected {expected}")
    by_id = {
        str(field["datastore_id"]): (index, field)
        for index, field in enumerate(fields)
        if isinstance(field, Mapping) and "datastore_id" in field
    }
    found: dict[str, Mapping[str, Any]] = {}
    status = by_id.get("status", (0, {}))[1].get("choices")
    if isinstance(status, Mapping):
        source.statuses = {str(code): value for code, value in status.items()}
    for name in (*_ITEM_FIELDS, "reporting_period"):
        index, field = by_id.get(name, (0, {}))
        value = field.get("choices")
        if not isinstance(value, Mapping) or not value:
            raise InputError(
                f"{source.path}: no field '{name}' with choices: expected {expected}"
            )
        # The reader gives every key as text, so the codes are strings already.
        found[name] = value
        source.choices[name] = ("resources", 0, "fields", index, "choices")
        description = field.get("description")
        if isinstance(description, Mapping) and isinstance(description.get("en"), str):
            source.descriptions[name] = description["en"]
    return found


def _plan_number(source: _Source, data: Mapping[str, Any]) -> int:
    match = _DATASET_RE.match(str(data.get("dataset_type", "")))
    if match is None:
        raise InputError(
            f"{source.where(('dataset_type',))}: dataset_type should be nap (the 4th plan's "
            "table) or napN (nap5, nap6) to tell which national action plan this is; or give "
            "the plan's number with --number"
        )
    return int(match[1]) if match[1] else _UNNUMBERED_PLAN


def _years(source: _Source, fields: Mapping[str, Mapping[str, Any]]) -> list[int]:
    """The years the plan covers: those it states, else those its dates name (see module)."""
    periods = [
        (month, source.key("reporting_period", month)) for month in fields["reporting_period"]
    ]
    dues = [
        (str(item["due_date"]), source.key("indicators", code, "due_date"))
        for code, item in fields["indicators"].items()
        if isinstance(item, Mapping) and item.get("due_date") is not None
    ]
    years: dict[str, list[int]] = {"periods": [], "dues": []}
    for kind, months in (("periods", periods), ("dues", dues)):
        for month, key_path in months:
            match = _MONTH_RE.match(month)
            if match is None:
                raise InputError(
                    f"{source.where(key_path)}: {month!r} is not a month: write YYYY-MM"
                )
            years[kind].append(int(match[1]))
    stated = _STATED_YEARS_RE.search(source.descriptions.get("commitments", ""))
    if stated and int(stated[1]) <= int(stated[2]):
        return [int(stated[1]), int(stated[2]), *years["dues"]]
    return years["periods"] + years["dues"]


def _commitments(
    source: _Source, fields: Mapping[str, Mapping[str, Any]], plan_id: str
) -> list[ImportedCommitment]:
    commitments: dict[str, dict[str, Any]] = {}
    milestones: dict[str, dict[str, Any]] = {}
    leads: dict[str, list[Names]] = {}
    supports: dict[str, list[Names]] = {}
    # Each item that has leads of its own, to name them when they are not the commitment's.
    item_leads: list[tuple[str, list[Names], dict[str, Any]]] = []
    from_labels = not any(
        isinstance(item, Mapping) and item.get("lead_dept") is not None
        for item in fields["indicators"].values()
    )
    for code, item in fields["commitments"].items():
        _check_code(source, "commitments", code)
        commitments[code] = {
            "id": f"{plan_id}-{code.lower()}",
            **_item(source, "commitments", code, item),
            "lead_institutions": [],
            "milestones": [],
        }
        leads[code], supports[code] = [], []
    for code, item in fields["milestones"].items():
        parent = _parent(source, "milestones", code, commitments)
        milestone: dict[str, Any] = {"id": f"{plan_id}-{code.lower()}"}
        if from_labels:
            names, supported = _label_leads(source, code, item)
            _add(leads[parent], names)
            _add(supports[parent], supported)
            item_leads.append((parent, names, milestone))
            # The leads are kept apart; the title is the label without them (and the dot the
            # French labels put before them).
            item = {**item, **{
                lang: _without_leads(item[lang])
                for lang in LANGUAGES
                if isinstance(item, Mapping) and isinstance(item.get(lang), str)
            }}
        milestone.update(_item(source, "milestones", code, item))
        commitments[parent]["milestones"].append(milestone)
        milestones[code] = milestone
    for code, item in fields["indicators"].items():
        parent = _parent(source, "indicators", code, milestones)
        indicator: dict[str, Any] = {
            "id": f"{plan_id}-{code.lower()}",
            **_item(source, "indicators", code, item),
        }
        if item.get("due_date") is not None:
            indicator["due"] = str(item["due_date"])
        deadline = item.get("deadline")
        if deadline is not None:
            indicator["due_text"] = _bilingual(
                source, source.key("indicators", code, "deadline"), code, deadline, "deadline"
            )
        commitment = code.split(".")[0]
        if not from_labels:
            names = _dept_names(source, code, item.get("lead_dept"), "lead_dept", required=True)
            _add(leads[commitment], names)
            _add(supports[commitment],
                 _dept_names(source, code, item.get("supt_sept"), "supt_sept"))
            item_leads.append((commitment, names, indicator))
        milestones[parent].setdefault("milestones", []).append(indicator)
    for commitment, names, doc in item_leads:
        if names != leads[commitment]:
            if len(names) == 1:
                doc["lead"] = _names(names[0])
            else:
                doc["leads"] = [_names(n) for n in names]
    result: list[ImportedCommitment] = []
    for code, doc in commitments.items():
        if not leads[code]:
            where = "milestone whose label ends with its leads" if from_labels else (
                "indicator with a lead_dept"
            )
            raise InputError(
                f"{source.where(source.key('commitments', code))}: commitment {code} has no "
                f"{where}, so no lead institution: add its milestones and indicators"
            )
        doc["lead_institutions"] = [_names(n) for n in leads[code]]
        if supports[code]:
            doc["supporting_actors"] = [_names(n) for n in supports[code]]
        # Schema order puts supporting_actors before milestones; the writer reorders anyway.
        result.append(ImportedCommitment(local=code.lower(), doc=doc))
    return result


def _without_leads(label: str) -> str:
    """``label`` without the leads that end it, nor the dot French labels put before them."""
    return _TRAILING_LEADS_RE.sub("", label).rstrip(" .")


def _add(names: list[Names], more: list[Names]) -> None:
    """Append the names of ``more`` that ``names`` lacks, keeping first-seen order."""
    names += [n for n in more if n not in names]


def _label_leads(source: _Source, code: str, item: Any) -> tuple[list[Names], list[Names]]:
    """The leads and supporters that end a milestone's English label: "(NRCan/StatCan/TBS)"."""
    key_path = source.key("milestones", code, "en")
    label = item.get("en") if isinstance(item, Mapping) else None
    match = _TRAILING_LEADS_RE.search(label) if isinstance(label, str) else None
    if match is None:
        raise InputError(
            f"{source.where(key_path)}: the table has no lead_dept, and the English label of "
            f"{code} does not end with its leads in parentheses, such as '(TBS)' or "
            "'(NRCan/StatCan/TBS)': add them"
        )
    leads: list[Names] = []
    supports: list[Names] = []
    for part in _LEAD_SEPARATORS_RE.split(match[1]):
        part = part.strip().removeprefix("and ").strip()
        if not part:
            continue
        target = leads
        if part.casefold().startswith(_SUPPORT_PREFIX):
            part, target = part[len(_SUPPORT_PREFIX):].strip(), supports
        names = source.institutions.get(part)
        if names is None:
            raise source.institutions.unknown(
                source.where(key_path), part, f"the label of {code}"
            )
        _add(target, [names])
    return leads, supports


def _check_code(source: _Source, field: str, code: str) -> None:
    """Refuse a code of ``field`` without one dot per level (C01, C01.1, C01.1.1)."""
    dots = _ITEM_FIELDS.index(field)
    if not re.fullmatch(r"[A-Za-z]+\d+" + r"\.\d+" * dots, code):
        example = "C01" + ".1" * dots
        raise InputError(
            f"{source.where(source.key(field, code))}: code {code!r} should look like {example}"
        )


def _parent(source: _Source, field: str, code: str, parents: Mapping[str, Any]) -> str:
    """The code of the item one level up, which must be among ``parents``."""
    _check_code(source, field, code)
    parent = code.rsplit(".", 1)[0]
    if parent not in parents:
        parent_field = _ITEM_FIELDS[_ITEM_FIELDS.index(field) - 1]
        raise InputError(
            f"{source.where(source.key(field, code))}: {code} belongs to {parent}, which is "
            f"not among the {parent_field}: add {parent} there or fix the code"
        )
    return parent


def _bilingual(
    source: _Source, key_path: KeyPath, code: str, value: Any, what: str
) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
    ):
        raise InputError(
            f"{source.where(key_path)}: the {what} of {code} needs a non-empty 'en' and 'fr' "
            "text"
        )
    return {lang: clean_text(value[lang]) for lang in LANGUAGES}


def _item(source: _Source, field: str, code: str, item: Any) -> dict[str, Any]:
    """An item's ``title``, ``description`` and ``official_url`` from its choice."""
    text = _bilingual(source, source.key(field, code), code, item, "label")
    # The first paragraph is the title; a longer label's other paragraphs, its description.
    parts = {lang: value.split("\n\n", 1) for lang, value in text.items()}
    fields: dict[str, Any] = {"title": {lang: part[0].strip() for lang, part in parts.items()}}
    description = text_of(**{lang: part[1] for lang, part in parts.items() if len(part) > 1})
    full = item.get("full_text")
    if full is not None:
        full_text = _bilingual(
            source, source.key(field, code, "full_text"), code, full, "full_text"
        )
        # The whole sentence, target included, is the item's text; the label is its short form.
        # One that only repeats the label (leads aside) adds nothing.
        if {lang: _without_leads(value) for lang, value in full_text.items()} != {
            lang: _without_leads(value) for lang, value in text.items()
        }:
            description = full_text
    if description:
        fields["description"] = description
    url = item.get("NAP_url")
    if url is not None:
        fields["official_url"] = _urls(source, source.key(field, code, "NAP_url"), code, url)
    return fields


def _urls(source: _Source, key_path: KeyPath, code: str, value: Any) -> dict[str, str]:
    """A NAP_url's paths as full addresses on the open-government site."""
    paths = _bilingual(source, key_path, code, value, "NAP_url")
    urls: dict[str, str] = {}
    for lang, path in paths.items():
        if path.startswith(("https://", "http://")):
            urls[lang] = path
        elif path.startswith("/") and not re.search(r"\s", path):
            urls[lang] = SITE + path
        else:
            raise InputError(
                f"{source.where(key_path)}: the NAP_url of {code} in {lang!r} is {path!r}: "
                "write a path on open.canada.ca such as /en/content/... or a full address"
            )
    return urls


def _dept_names(
    source: _Source, code: str, value: Any, what: str, *, required: bool = False
) -> list[Names]:
    codes = [value] if isinstance(value, str) else value
    if value is None and not required:
        return []
    key_path = source.key("indicators", code, what)
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise InputError(
            f"{source.where(key_path)}: {code} needs a {what}: a department code such as "
            "statcan, or a list of them"
        )
    names: list[Names] = []
    for index, dept in enumerate(codes):
        found = source.institutions.get(dept)
        if found is None:
            where = (*key_path, index) if isinstance(value, list) else key_path
            raise source.institutions.unknown(
                source.where(where), dept, f"the {what} of {code}"
            )
        _add(names, [found])
    return names


def _names(names: Names) -> dict[str, str]:
    return {"en": names[0], "fr": names[1]}


def _ordinal_en(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _ordinal_fr(number: int) -> str:
    return "1er" if number == 1 else f"{number}e"
