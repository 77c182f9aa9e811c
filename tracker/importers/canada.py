"""Import a plan from Canada's open-government tracker tables (CKAN ``nap5.yaml``, ``nap6.yaml``).

The tables are CKAN dataset definitions from open-data/ckanext-canada. The plan's items are the
``choices`` of three fields of the first resource, keyed by code::

    commitments  C01      {en, fr}                               -> commitment  <plan>-c01
    milestones   C01.1    {en, fr}                               -> milestone   <plan>-c01.1
    indicators   C01.1.1  {en, fr, due_date, deadline, lead_dept} -> child       <plan>-c01.1.1

An indicator's ``due_date`` (YYYY-MM) becomes ``due`` and its bilingual ``deadline`` text
``due_text``. ``lead_dept`` codes become institution names through :data:`INSTITUTIONS`; an
unknown code is an error (never a guessed name): add it to the table. A commitment's lead
institutions are the distinct leads of its indicators in first-seen order; an indicator whose
leads are not exactly the commitment's names them in its own ``lead``. ``supt_sept`` codes
become the commitment's supporting actors.

The plan covers whole calendar years: from January of the earliest year among the reporting
periods and due dates to December of the latest (nap5: 2022-01 to 2024-12). Its id is
``ca-<first year>-<last year>`` unless one is given, and its number comes from the dataset type
(``nap5`` -> 5th plan).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.errors import InputError
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

# English first: the tables, the codes and the federal government's usage all lead with it.
LANGUAGES = ("en", "fr")

# Official applied titles (Federal Identity Program) of the departments the corpus names.
INSTITUTIONS: dict[str, tuple[str, str]] = {
    "dfatd-maecd": ("Global Affairs Canada", "Affaires mondiales Canada"),
    "ec": (
        "Environment and Climate Change Canada",
        "Environnement et Changement climatique Canada",
    ),
    "esdc-edsc": (
        "Employment and Social Development Canada",
        "Emploi et Développement social Canada",
    ),
    "hc-sc": ("Health Canada", "Santé Canada"),
    "ic": (
        "Innovation, Science and Economic Development Canada",
        "Innovation, Sciences et Développement économique Canada",
    ),
    "idrc-crdi": (
        "International Development Research Centre",
        "Centre de recherches pour le développement international",
    ),
    "isc-sac": ("Indigenous Services Canada", "Services aux Autochtones Canada"),
    "jus": ("Department of Justice Canada", "Ministère de la Justice Canada"),
    "lac-bac": ("Library and Archives Canada", "Bibliothèque et Archives Canada"),
    "nrcan-rncan": ("Natural Resources Canada", "Ressources naturelles Canada"),
    "pch": ("Canadian Heritage", "Patrimoine canadien"),
    "pco-bcp": ("Privy Council Office", "Bureau du Conseil privé"),
    "ps-sp": ("Public Safety Canada", "Sécurité publique Canada"),
    "pwgsc-tpsgc": (
        "Public Services and Procurement Canada",
        "Services publics et Approvisionnement Canada",
    ),
    "rcmp-grc": ("Royal Canadian Mounted Police", "Gendarmerie royale du Canada"),
    "statcan": ("Statistics Canada", "Statistique Canada"),
    "tbs-sct": (
        "Treasury Board of Canada Secretariat",
        "Secrétariat du Conseil du Trésor du Canada",
    ),
    "vac-acc": ("Veterans Affairs Canada", "Anciens Combattants Canada"),
    "wage": ("Women and Gender Equality Canada", "Femmes et Égalité des genres Canada"),
}

_ITEM_FIELDS = ("commitments", "milestones", "indicators")
_DATASET_RE = re.compile(r"^nap(\d+)$")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def read_plan(
    path: Path, plan_id: str | None = None
) -> tuple[str, dict[str, Any], list[ImportedCommitment]]:
    """The plan id, plan document and commitments of a CKAN tracker table."""
    source = _Source(load_yaml(path))
    data = source.document.data
    fields = _fields(source, data)
    number = _plan_number(source, data)
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
    return plan_id, plan_doc, _commitments(source, fields, plan_id)


def import_canada(path: Path, out_dir: Path, plan_id: str | None = None) -> ImportResult:
    """Import every commitment of a CKAN tracker table into ``out_dir/<plan id>/``."""
    plan_id, plan_doc, commitments = read_plan(path, plan_id)
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

    def __init__(self, document: Document) -> None:
        self.path = document.path
        self.document = document
        # The key path of each field's choices: ("resources", 0, "fields", <index>, "choices").
        self.choices: dict[str, KeyPath] = {}

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
    choices = {
        str(field["datastore_id"]): (index, field.get("choices"))
        for index, field in enumerate(fields)
        if isinstance(field, Mapping) and "datastore_id" in field
    }
    found: dict[str, Mapping[str, Any]] = {}
    for name in (*_ITEM_FIELDS, "reporting_period"):
        index, value = choices.get(name, (0, None))
        if not isinstance(value, Mapping) or not value:
            raise InputError(
                f"{source.path}: no field '{name}' with choices: expected {expected}"
            )
        # The reader gives every key as text, so the codes are strings already.
        found[name] = value
        source.choices[name] = ("resources", 0, "fields", index, "choices")
    return found


def _plan_number(source: _Source, data: Mapping[str, Any]) -> int:
    match = _DATASET_RE.match(str(data.get("dataset_type", "")))
    if match is None:
        raise InputError(
            f"{source.where(('dataset_type',))}: dataset_type should be napN (nap5, nap6) to tell "
            "which national action plan this is"
        )
    return int(match[1])


def _years(source: _Source, fields: Mapping[str, Mapping[str, Any]]) -> list[int]:
    """Every year the reporting periods and the indicators' due dates name."""
    months = [
        (month, source.key("reporting_period", month)) for month in fields["reporting_period"]
    ]
    months += [
        (str(item["due_date"]), source.key("indicators", code, "due_date"))
        for code, item in fields["indicators"].items()
        if isinstance(item, Mapping) and item.get("due_date") is not None
    ]
    years: list[int] = []
    for month, key_path in months:
        match = _MONTH_RE.match(month)
        if match is None:
            raise InputError(
                f"{source.where(key_path)}: {month!r} is not a month: write YYYY-MM"
            )
        years.append(int(match[1]))
    return years


def _commitments(
    source: _Source, fields: Mapping[str, Mapping[str, Any]], plan_id: str
) -> list[ImportedCommitment]:
    commitments: dict[str, dict[str, Any]] = {}
    milestones: dict[str, dict[str, Any]] = {}
    leads: dict[str, list[str]] = {}
    supports: dict[str, list[str]] = {}
    indicator_leads: list[tuple[str, list[str], dict[str, Any]]] = []
    for code, item in fields["commitments"].items():
        _check_code(source, "commitments", code)
        commitments[code] = {
            "id": f"{plan_id}-{code.lower()}",
            **_title(source, "commitments", code, item),
            "lead_institutions": [],
            "milestones": [],
        }
        leads[code], supports[code] = [], []
    for code, item in fields["milestones"].items():
        parent = _parent(source, "milestones", code, commitments)
        milestone = {"id": f"{plan_id}-{code.lower()}", **_title(source, "milestones", code, item)}
        commitments[parent]["milestones"].append(milestone)
        milestones[code] = milestone
    for code, item in fields["indicators"].items():
        parent = _parent(source, "indicators", code, milestones)
        indicator: dict[str, Any] = {
            "id": f"{plan_id}-{code.lower()}",
            **_title(source, "indicators", code, item),
        }
        if item.get("due_date") is not None:
            indicator["due"] = str(item["due_date"])
        deadline = item.get("deadline")
        if deadline is not None:
            indicator["due_text"] = _bilingual(
                source, source.key("indicators", code, "deadline"), code, deadline, "deadline"
            )
        commitment = code.split(".")[0]
        codes = _dept_codes(source, code, item.get("lead_dept"), "lead_dept", required=True)
        leads[commitment] += [c for c in codes if c not in leads[commitment]]
        for support in _dept_codes(source, code, item.get("supt_sept"), "supt_sept"):
            if support not in supports[commitment]:
                supports[commitment].append(support)
        indicator_leads.append((commitment, codes, indicator))
        milestones[parent].setdefault("milestones", []).append(indicator)
    for commitment, codes, indicator in indicator_leads:
        if codes != leads[commitment]:
            indicator["lead"] = _joined_names(codes)
    result: list[ImportedCommitment] = []
    for code, doc in commitments.items():
        if not leads[code]:
            raise InputError(
                f"{source.where(source.key('commitments', code))}: commitment {code} has no "
                "indicator with a lead_dept, so no lead institution: add its indicators"
            )
        doc["lead_institutions"] = [_names(c) for c in leads[code]]
        if supports[code]:
            doc["supporting_actors"] = [_names(c) for c in supports[code]]
        # Schema order puts supporting_actors before milestones; the writer reorders anyway.
        result.append(ImportedCommitment(local=code.lower(), doc=doc))
    return result


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


def _title(source: _Source, field: str, code: str, item: Any) -> dict[str, Any]:
    """``title`` (first paragraph) and, for a longer text, ``description`` (the rest)."""
    text = _bilingual(source, source.key(field, code), code, item, "label")
    parts = {lang: value.split("\n\n", 1) for lang, value in text.items()}
    fields: dict[str, Any] = {"title": {lang: part[0].strip() for lang, part in parts.items()}}
    description = text_of(**{lang: part[1] for lang, part in parts.items() if len(part) > 1})
    if description:
        fields["description"] = description
    return fields


def _dept_codes(
    source: _Source, code: str, value: Any, what: str, *, required: bool = False
) -> list[str]:
    codes = [value] if isinstance(value, str) else value
    if value is None and not required:
        return []
    key_path = source.key("indicators", code, what)
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise InputError(
            f"{source.where(key_path)}: {code} needs a {what}: a department code such as "
            "statcan, or a list of them"
        )
    unknown = [c for c in codes if c not in INSTITUTIONS]
    if unknown:
        if isinstance(value, list):
            key_path = (*key_path, codes.index(unknown[0]))
        raise InputError(
            f"{source.where(key_path)}: unknown department code {unknown[0]!r} in the {what} of "
            f"{code}: add its English and French names to INSTITUTIONS in "
            "tracker/importers/canada.py"
        )
    return list(dict.fromkeys(codes))


def _names(code: str) -> dict[str, str]:
    en, fr = INSTITUTIONS[code]
    return {"en": en, "fr": fr}


def _joined_names(codes: list[str]) -> dict[str, str]:
    names = [_names(c) for c in codes]
    return {lang: ", ".join(n[lang] for n in names) for lang in LANGUAGES}


def _ordinal_en(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _ordinal_fr(number: int) -> str:
    return "1er" if number == 1 else f"{number}e"
