"""Read every plan under ``commitments/``, report every problem at once, build the model.

Three passes, each reporting all it finds: each file is parsed (:mod:`yamlsource`) and
checked against the published JSON Schema; then the meaning is checked (dates, languages,
ids unique everywhere, milestones due within their plan and parent); only when no error is
left is the :class:`~tracker.plan.model.PlanSet` built.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import i18n
from tracker.plan import yamlsource
from tracker.plan.conformance import Check, conformance
from tracker.plan.files import PLAN_FILE, base_folder, plan_folders, refusal, yaml_files
from tracker.plan.model import (
    Commitment,
    Contact,
    Milestone,
    PartialDate,
    Plan,
    PlanSet,
    Reported,
    ReportSource,
    Text,
)
from tracker.plan.problems import (
    PlanInvalid,
    Problem,
    ProblemLog,
    display_path,
    problem_lines,
)
from tracker.plan.yamlsource import Document, KeyPath, Position, YamlError, shown
from tracker.report_paths import SITE_NAMES

if TYPE_CHECKING:
    import jsonschema

# What commands and importers use; the problems' own module is tracker.plan.problems.
__all__ = ["PlanInvalid", "check_plans", "load_plans", "problem_lines", "schema"]

@cache
def schema(name: str) -> dict[str, Any]:
    """The published JSON Schema ``name`` (``plan``, ``commitment`` or ``snapshot``)."""
    text = resources.files("tracker.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _conforms(name: str) -> Check:
    """A quick check that passes only files conforming to the schema ``name``."""
    return conformance(schema(name))


# --- pass 1: files and schema ---------------------------------------------------------------


def _read(path: Path, schema_name: str, report: ProblemLog, base: Path) -> Document | None:
    refused = refusal(path, base)
    if refused:
        report.add(path, Position(1, 1), "error", refused)
        return None
    try:
        doc = yamlsource.load(path)
    except YamlError as failure:
        report.add(path, failure.position, "error", failure.message)
        return None
    if doc.data is None:
        report.add(path, Position(1, 1), "error",
                   f"the file is empty: write the {schema_name} here, or delete the file")
        return None
    before = len(report.problems)
    _check_strings(doc, doc.data, [], report)
    if not _conforms(schema_name)(doc.data):  # jsonschema is slow: asked only about problems
        # Imported here: it takes longer to import than a valid plan takes to check.
        import jsonschema

        validator = jsonschema.Draft202012Validator(schema(schema_name))
        for error in validator.iter_errors(doc.data):
            _report_schema_error(doc, error, report)
    return doc if len(report.problems) == before else None


# Characters no text may hold: C0 controls but tab, line feed and carriage return, DEL, C1
# controls (invisible, and GitLab or a terminal may act on them), and UTF-16 surrogates, which
# YAML's "\ud800" escapes can produce but no file, page or request can carry (writing them
# fails).
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_strings(doc: Document, value: Any, path: list[str | int], report: ProblemLog) -> None:
    """Report the first bad character of every key and text in the file, wherever it is."""
    if isinstance(value, str):
        if found := _BAD_CHARACTER.search(value):
            report.error(doc, tuple(path), _bad_character(value, found.start()))
    elif isinstance(value, dict):
        for key, item in value.items():
            path.append(key)
            if found := _BAD_CHARACTER.search(key):
                report.error(doc, tuple(path), f"the key {_bad_character(key, found.start())}",
                             key=True)
            _check_strings(doc, item, path, report)
            path.pop()
    elif isinstance(value, list):
        for index, item in enumerate(value):
            path.append(index)
            _check_strings(doc, item, path, report)
            path.pop()


def _bad_character(text: str, index: int) -> str:
    char = text[index]
    code = f"U+{ord(char):04X}"
    if not 0xD800 <= ord(char) <= 0xDFFF:
        return f"holds a control character {code} (control character) at character " \
               f"{index + 1}: remove it"
    pair = text[index:index + 2]
    if len(pair) == 2 and "\ud800" <= pair[0] <= "\udbff" <= pair[1] <= "\udfff":
        whole = pair.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        how = f"write the character itself, {whole}, or the escape \"\\U{ord(whole):08X}\""
    else:
        how = "write the character meant instead of its escape"
    return (f"holds {code} at character {index + 1}, half of a UTF-16 surrogate pair, which "
            f"is not a character (a \"\\u\" escape written for UTF-16): {how}")


_TYPE_WORDS = {
    "object": "a mapping (key: value lines)",
    "array": "a list (lines starting with '- ')",
    "string": "text",
    "integer": "a whole number",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"the text {shown(value)}"


def _report_schema_error(doc: Document, error: jsonschema.ValidationError, rep: ProblemLog) -> None:
    path: KeyPath = tuple(error.absolute_path)
    sub = error.schema if isinstance(error.schema, dict) else {}
    keyword = error.validator
    if keyword == "additionalProperties":
        allowed = sorted(sub.get("properties", {}))
        for key in doc_keys(error.instance):
            if key in allowed:
                continue
            guess = rep.guess(doc, key, allowed)
            hint = f"did you mean {guess[0]!r}?" if guess else f"allowed keys: {', '.join(allowed)}"
            rep.error(doc, (*path, key), f"unknown key {shown(key)}: {hint}", key=True)
    elif keyword == "required":
        missing = error.message.split("'")[1]
        what = sub.get("properties", {}).get(missing, {}).get("description", "")
        hint = f" ({what})" if what else ""
        rep.error(doc, path, f"missing required key {missing!r}{hint}: add it")
    elif keyword == "type":
        rep.error(doc, path, _type_message(error, sub))
    elif keyword == "pattern" and "propertyNames" in error.relative_schema_path:
        rep.error(doc, path, f"{shown(error.instance)} is not a language code: "
                             "use a two-letter lower-case code such as fr or en")
    elif keyword == "pattern":
        how = str(sub.get("description", "see the schema"))
        rep.error(doc, path, f"{shown(error.instance)} is not valid: {how[:1].lower()}{how[1:]}")
    elif keyword in ("minItems", "minProperties", "minLength"):
        rep.error(doc, path, "must not be empty: fill it in, or remove the key if it is optional")
    elif keyword == "enum":
        choices = ", ".join(str(v) for v in sub.get("enum", []))
        rep.error(doc, path, f"{shown(error.instance)} is not allowed here: write one of {choices}")
    elif keyword == "uniqueItems":
        rep.error(doc, path, "lists the same value twice: keep each value once")
    elif keyword == "maxLength":
        rep.error(doc, path, f"is longer than {sub['maxLength']} characters: shorten it")
    else:  # pragma: no cover - every keyword our schemas use is handled above
        rep.error(doc, path, error.message)


def doc_keys(instance: Any) -> list[str]:
    """The keys of a mapping found in a document (schema errors type it loosely)."""
    return [str(key) for key in instance] if isinstance(instance, dict) else []


def _type_message(error: jsonschema.ValidationError, sub: dict[str, Any]) -> str:
    expected = _TYPE_WORDS.get(str(sub.get("type")), str(sub.get("type")))
    message = f"expected {expected}, found {_describe(error.instance)}"
    if str(sub.get("description", "")).startswith("A text in each") or "$ref" in sub:
        return f"{message}: write it in each language, e.g. {{fr: \"...\", en: \"...\"}}"
    if isinstance(error.instance, bool | int | float) and sub.get("type") == "string":
        return f"{message}: put the value in quotes, e.g. '{_yaml_word(error)}'"
    return message


def _yaml_word(error: jsonschema.ValidationError) -> str:
    value = error.instance
    return str(value).lower() if isinstance(value, bool) else str(value)


# --- pass 2: meaning ------------------------------------------------------------------------


@dataclass
class _PlanFiles:
    folder: Path
    plan: Document
    commitments: list[Document]


def _date(doc: Document, path: KeyPath, value: Any, report: ProblemLog) -> PartialDate | None:
    if value is None:
        return None
    try:
        return PartialDate.parse(value)
    except ValueError as error:
        report.error(doc, path, str(error))
        return None


def _texts(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, dict[str, str]]]:
    """Every multilingual text in a commitment or plan, by key path."""
    if isinstance(data, dict):
        if data and all(isinstance(k, str) and len(k) == 2 and k.islower() for k in data) and all(
            isinstance(v, str) for v in data.values()
        ):
            yield path, data
            return
        for key, value in data.items():
            yield from _texts(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _texts(value, (*path, index))


# Bidirectional controls can make a text display other than it reads ("Trojan Source").
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")


_INVISIBLE = re.compile(f"[{''.join(sorted(_BIDI | _ZERO_WIDTH))}]")


def _check_characters(doc: Document, path: KeyPath, value: str, report: ProblemLog) -> None:
    # Control characters and surrogates are refused earlier, in any string (_check_strings).
    found = _INVISIBLE.search(value)  # one regular expression, not a name lookup per character
    if not found:
        return
    for index, char in enumerate(value[found.start():], start=found.start()):
        name = unicodedata.name(char, "control character")
        code = f"U+{ord(char):04X} ({name})"
        if char in _BIDI:
            report.error(doc, path, f"holds an invisible bidirectional control {code} at "
                                    f"character {index + 1}: remove it, it can make the text "
                                    "show differently from what it says")
        elif char in _ZERO_WIDTH:
            report.warning(doc, path, f"holds an invisible zero-width character {code} at "
                                      f"character {index + 1}: remove it unless it is wanted")
        else:
            continue
        return  # one problem per text is enough to find it


def _check_languages(doc: Document, languages: list[str], report: ProblemLog) -> None:
    for path, text in _texts(doc.data):
        for lang, value in text.items():
            _check_characters(doc, (*path, lang), value, report)
        if path and path[-1] in ("contact",):
            continue
        for lang in languages:
            if not (text.get(lang) or "").strip():
                report.warning(doc, path, f"the {lang!r} translation is missing; "
                                          "it will be shown as missing in the report")
        for lang in text:
            if lang not in languages:
                report.warning(doc, (*path, lang), f"{lang!r} is not one of the plan's "
                                                   f"languages ({', '.join(languages)}): "
                                                   "add it to plan.yml or remove this text",
                               key=True)


def _check_plan(files: _PlanFiles, report: ProblemLog) -> None:
    plan, data = files.plan, files.plan.data
    languages: list[str] = data["languages"]
    for index, lang in enumerate(languages):
        if i18n.interface_language(lang) != lang:
            report.warning(plan, ("languages", index),
                           f"the tool has no interface catalog for {lang!r}: the report shows "
                           f"the plan's {lang!r} texts with the English interface, and issues "
                           f"get English headings; to translate them, {i18n.catalog_hint(lang)}")
    if data["primary_language"] not in languages:
        report.error(plan, ("primary_language",),
                     f"{data['primary_language']!r} is not in languages "
                     f"({', '.join(languages)}): add it there or pick one of them")
    start = _date(plan, ("period", "start"), data["period"]["start"], report)
    end = _date(plan, ("period", "end"), data["period"]["end"], report)
    if start and end and start.first_day > end.last_day:
        report.error(plan, ("period", "end"),
                     f"the period ends ({end}) before it starts ({start}): swap the dates")
        start = end = None
    if not _is_id(files.folder.name):
        report.add(plan, Position(1, 1), "error",
                   f"the folder name {files.folder.name!r} is the plan's id and must use only "
                   "letters, digits, '.', '_' and '-': rename the folder")
    elif files.folder.name in SITE_NAMES:
        report.add(plan, Position(1, 1), "error",
                   f"the folder name {files.folder.name!r} is the plan's id, and the report "
                   "already has a page of that name: rename the folder")
    _check_languages(plan, languages, report)
    for doc in files.commitments:
        _check_commitment(doc, languages, start, end, report)


@cache
def _id_check() -> Check:
    """The quick check (see _conforms) of an id: a plan folder's name is one."""
    return conformance(schema("commitment")["$defs"]["id"])


def _is_id(name: str) -> bool:
    if _id_check()(name):
        return True
    import jsonschema  # see _read

    return jsonschema.Draft202012Validator(schema("commitment")["$defs"]["id"]).is_valid(name)


def _check_commitment(
    doc: Document,
    languages: list[str],
    plan_start: PartialDate | None,
    plan_end: PartialDate | None,
    report: ProblemLog,
) -> None:
    data = doc.data
    start = _date(doc, ("start",), data.get("start"), report)
    end = _date(doc, ("end",), data.get("end"), report)
    if start and end and start.first_day > end.last_day:
        report.error(doc, ("end",), f"the commitment ends ({end}) before it starts ({start})")
    _check_languages(doc, languages, report)
    _check_reported(doc, ("reported",), data.get("reported", []), report)

    def visit(items: list[dict[str, Any]], path: KeyPath, parent_due: PartialDate | None) -> None:
        for index, item in enumerate(items):
            here = (*path, index)
            due = _date(doc, (*here, "due"), item.get("due"), report)
            begin = _date(doc, (*here, "start"), item.get("start"), report)
            if due and plan_start and plan_end and not (
                plan_start.first_day <= due.last_day and due.first_day <= plan_end.last_day
            ):
                report.error(doc, (*here, "due"),
                             f"due {due}, outside the plan's period ({plan_start} to "
                             f"{plan_end}): fix the date or the plan's period in plan.yml")
            if due and parent_due and due.first_day > parent_due.last_day:
                report.error(doc, (*here, "due"),
                             f"due {due}, after its parent milestone (due {parent_due}): "
                             "a step cannot end after the milestone it belongs to")
            if due and begin and begin.first_day > due.last_day:
                report.error(doc, (*here, "start"), f"starts ({begin}) after it is due ({due})")
            if due and start and end and not (
                start.first_day <= due.last_day and due.first_day <= end.last_day
            ):
                report.warning(doc, (*here, "due"),
                               f"due {due}, outside the commitment's own dates ({start} to {end})")
            if "lead" in item and "leads" in item:
                report.error(doc, (*here, "leads"),
                             "both lead and leads are given: keep leads (several institutions) "
                             "or lead (one), not both", key=True)
            _check_reported(doc, (*here, "reported"), item.get("reported", []), report)
            visit(item.get("milestones", []), (*here, "milestones"), due or parent_due)

    visit(data.get("milestones", []), ("milestones",), None)


def _check_reported(
    doc: Document, path: KeyPath, items: list[dict[str, Any]], report: ProblemLog
) -> None:
    """The dates of reports a government published: real days, periods in order."""
    for index, item in enumerate(items):
        here = (*path, index)
        _date(doc, (*here, "date"), item.get("date"), report)
        period = item.get("period")
        if period:
            begin = _date(doc, (*here, "period", "start"), period["start"], report)
            end = _date(doc, (*here, "period", "end"), period["end"], report)
            if begin and end and begin.first_day > end.last_day:
                report.error(doc, (*here, "period", "end"),
                             f"the period ends ({end}) before it starts ({begin}): swap the dates")


def _ids(doc: Document) -> Iterator[tuple[str, KeyPath]]:
    yield doc.data["id"], ("id",)

    def visit(items: list[dict[str, Any]], path: KeyPath) -> Iterator[tuple[str, KeyPath]]:
        for index, item in enumerate(items):
            yield item["id"], (*path, index, "id")
            yield from visit(item.get("milestones", []), (*path, index, "milestones"))

    yield from visit(doc.data.get("milestones", []), ("milestones",))


def _follow_ups(doc: Document) -> Iterator[tuple[str, KeyPath]]:
    for path, value in yamlsource.iter_paths(doc.data):
        if path and path[-1] == "follow_up" and isinstance(value, str):
            yield value, path


def _check_unique(docs: Iterable[Document], report: ProblemLog) -> None:
    """Ids are keys forever, and a follow-up issue can stand for only one item."""
    for label, finder in (("id", _ids), ("follow-up issue", _follow_ups)):
        seen: dict[str, tuple[Document, KeyPath]] = {}
        for doc in docs:
            for value, path in finder(doc):
                folded = value.casefold()
                if folded in seen:
                    first_doc, first_path = seen[folded]
                    where = first_doc.where(first_path)
                    report.error(doc, path,
                                 f"the {label} {shown(value)} is already used at "
                                 f"{display_path(first_doc.path)}:{where.line}: "
                                 f"each {label} must be unique across all plans")
                else:
                    seen[folded] = (doc, path)


# --- pass 3: the model ----------------------------------------------------------------------


def _text(value: dict[str, str] | None) -> Text:
    return Text(dict(value or {}))


def _opt_date(value: str | None) -> PartialDate | None:
    return PartialDate.parse(value) if value else None


def _reported(items: list[dict[str, Any]] | None) -> tuple[Reported, ...]:
    out = []
    for data in items or []:
        period = data.get("period") or {}
        source = data["source"]
        out.append(Reported(
            source=ReportSource(_text(source["name"]), source.get("url")),
            date=_opt_date(data.get("date")),
            period_start=_opt_date(period.get("start")),
            period_end=_opt_date(period.get("end")),
            status=data.get("status"),
            status_text=_text(data.get("status_text")),
            progress=_text(data.get("progress")),
            evidence=_text(data.get("evidence")),
            links=tuple(data.get("links", [])),
            challenges=_text(data.get("challenges")),
        ))
    return tuple(out)


def _milestone(data: dict[str, Any]) -> Milestone:
    leads = tuple(_text(t) for t in data.get("leads", []))
    if not leads and data.get("lead"):
        leads = (_text(data["lead"]),)
    return Milestone(
        id=data["id"],
        title=_text(data["title"]),
        description=_text(data.get("description")),
        start=_opt_date(data.get("start")),
        due=_opt_date(data.get("due")),
        due_text=_text(data.get("due_text")),
        lead=leads[0] if leads else Text(),
        deliverable=_text(data.get("deliverable")),
        follow_up=data.get("follow_up"),
        children=tuple(_milestone(m) for m in data.get("milestones", [])),
        leads=leads,
        official_url=_text(data.get("official_url")),
        reported=_reported(data.get("reported")),
    )


def _commitment(doc: Document, plan_id: str) -> Commitment:
    data = doc.data
    contact = data.get("contact")
    return Commitment(
        id=data["id"],
        plan_id=plan_id,
        title=_text(data["title"]),
        lead_institutions=tuple(_text(t) for t in data["lead_institutions"]),
        milestones=tuple(_milestone(m) for m in data.get("milestones", [])),
        supporting_actors=tuple(_text(t) for t in data.get("supporting_actors", [])),
        contact=Contact(contact["name"], _text(contact.get("role")), contact.get("email"))
        if contact
        else None,
        themes=tuple(_text(t) for t in data.get("themes", [])),
        stakes=_text(data.get("stakes")),
        context=_text(data.get("context")),
        description=_text(data.get("description")),
        start=_opt_date(data.get("start")),
        end=_opt_date(data.get("end")),
        follow_up=data.get("follow_up"),
        source=display_path(doc.path),
        official_url=_text(data.get("official_url")),
        reported=_reported(data.get("reported")),
    )


def _plan(files: _PlanFiles) -> Plan:
    data = files.plan.data
    return Plan(
        id=files.folder.name,
        country=data["country"],
        title=_text(data["title"]),
        period_start=PartialDate.parse(data["period"]["start"]),
        period_end=PartialDate.parse(data["period"]["end"]),
        languages=tuple(data["languages"]),
        primary_language=data["primary_language"],
        commitments=tuple(_commitment(doc, files.folder.name) for doc in files.commitments),
        url=data.get("url"),
        gitlab_milestone=data.get("gitlab_milestone"),
    )


# --- entry points ---------------------------------------------------------------------------


def check_plans(root: Path) -> tuple[PlanSet | None, list[Problem]]:
    """Check every plan under ``root``; the plans when there is no error, and all problems."""
    report = ProblemLog()
    plans: list[_PlanFiles] = []
    folders = plan_folders(root, report)
    base = base_folder(root) if folders else root
    for folder in folders:
        plan_doc = _read(folder / PLAN_FILE, "plan", report, base)
        commitment_docs = [
            doc for path in yaml_files(folder)
            if (doc := _read(path, "commitment", report, base))
        ]
        if plan_doc is not None:
            plans.append(_PlanFiles(folder, plan_doc, commitment_docs))
    for files in plans:
        _check_plan(files, report)
    _check_unique([doc for files in plans for doc in files.commitments], report)
    problems = sorted(report.problems)
    if report.has_errors:
        return None, problems
    return PlanSet(tuple(_plan(files) for files in plans)), problems


def load_plans(root: Path) -> PlanSet:
    """The plans under ``root``; raise :class:`PlanInvalid` listing every error."""
    plans, problems = check_plans(root)
    if plans is None:
        raise PlanInvalid(problems)
    return plans
