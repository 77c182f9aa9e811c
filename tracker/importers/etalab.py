"""Import one commitment of France's 2015-2017 plan from Etalab's Markdown, French and English.

Etalab published each commitment as two Markdown files::

    # Engagement 22                      # Commitment 22
    ## <title>                           ## <title>
    **Institutions porteuses** :         **Lead institutions**:
    - <institution> ;                    - <institution>
    ## Enjeux                            ### Stakes
    ## Contexte                          ### Context & Aim
    ## Feuille de route                  ### Roadmap
    - **<group>**                        - **<group>**
        - <item>                             - <item>
                                               _[[follow-up](https://.../issues/186)]_
    [^1]: <footnote>                     [^1]: <footnote>

The two files become one commitment: texts are paired by language and roadmap bullets by their
position in the bullet tree, which must have the same shape in both files. A follow-up link
belongs to the bullet just above it (a group bullet included): it names the GitLab issue that
already follows that item. Footnote definitions are appended to each text that cites them, so
every text renders on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.importers.common import (
    ImportedCommitment,
    ImportResult,
    check_plan_id,
    clean_text,
    read_text,
    text_of,
    write_plan,
)
from tracker.plan.load import schema

LANGUAGES = ("fr", "en")

# The plans whose plan.yml this importer knows; for any other, write plan.yml by hand first.
KNOWN_PLANS: dict[str, dict[str, Any]] = {
    "fr-2015-2017": {
        "country": "FR",
        "title": {
            "fr": "Plan d'action national pour la France 2015-2017 : pour une action publique "
            "transparente et collaborative",
            "en": "France National Action Plan 2015-2017: for a transparent and collaborative "
            "government action",
        },
        "period": {"start": "2015-07", "end": "2017-07"},
        "languages": list(LANGUAGES),
        "primary_language": "fr",
    },
}

_H1_RE = re.compile(r"^#\s+(Engagement|Commitment)\s+([A-Za-z0-9]+)\s*$", re.IGNORECASE)
_LANGUAGE_OF_H1 = {"engagement": "fr", "commitment": "en"}
_HEADING_RE = re.compile(r"^(#{2,6})\s+(.*?)\s*#*\s*$")
_SECTIONS = {
    "enjeux": "stakes",
    "stakes": "stakes",
    "contexte": "context",
    "context": "context",
    "context & aim": "context",
    "feuille de route": "roadmap",
    "roadmap": "roadmap",
}
_BULLET_RE = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_FOLLOW_UP_RE = re.compile(r"^\s*_?\[\[(?:follow-up|suivi)\]\(([^)\s]+)\)\]_?\s*$", re.IGNORECASE)
# The follow-up address the commitment schema accepts, so an import never writes one it refuses.
_ISSUE_URL_RE = re.compile(schema("commitment")["$defs"]["follow_up"]["pattern"])
_FOOTNOTE_DEF_RE = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
_FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_RULE_RE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LANGUAGE_NAMES = {"fr": "French", "en": "English"}


@dataclass
class RoadmapItem:
    """A bullet of the roadmap, with the line it starts on and its sub-bullets."""

    title: str
    line: int
    indent: int
    follow_up: str | None = None
    children: list[RoadmapItem] = field(default_factory=list)


@dataclass
class EtalabFile:
    """One language's Markdown file of a commitment, parsed."""

    path: Path
    language: str
    number: str
    title: str
    leads: list[str]
    stakes: str
    context: str
    roadmap: list[RoadmapItem]
    footnotes: dict[str, str]


def parse_file(path: Path) -> EtalabFile:
    """Parse one Etalab commitment file; InputError when it is not one."""
    lines = read_text(path).splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    match = _H1_RE.match(lines[first].strip()) if first is not None else None
    if first is None or match is None:
        line_no = 1 if first is None else first + 1
        raise InputError(
            f"{path}, line {line_no}: not an Etalab commitment: the file should start with "
            "'# Engagement <number>' (French) or '# Commitment <number>' (English)"
        )
    language = _LANGUAGE_OF_H1[match[1].lower()]
    title: str | None = None
    section = "intro"
    sections: dict[str, list[tuple[int, str]]] = {"intro": []}
    footnotes: dict[str, str] = {}
    last_footnote: str | None = None
    for index in range(first + 1, len(lines)):
        line_no, line = index + 1, lines[index]
        definition = _FOOTNOTE_DEF_RE.match(line)
        if definition:
            last_footnote = definition[1]
            footnotes[last_footnote] = definition[2].strip()
            continue
        if last_footnote and line.startswith((" ", "\t")) and line.strip():
            footnotes[last_footnote] += " " + line.strip()  # an indented continuation line
            continue
        last_footnote = None
        if _RULE_RE.match(line):
            continue  # the rule that sets the footnotes apart
        heading = _HEADING_RE.match(line)
        if heading:
            name = heading[2].strip().rstrip(":").strip()
            if name.lower() in _SECTIONS:
                section = _SECTIONS[name.lower()]
                sections.setdefault(section, [])
                continue
            if title is None and section == "intro":
                title = _strip_bold(name)
                continue
        sections[section].append((line_no, line))
    if not title:
        raise InputError(
            f"{path}: no title: put the commitment's title in a '## ...' heading "
            "right after the first line"
        )
    if "roadmap" not in sections:
        heading_name = "## Feuille de route" if language == "fr" else "### Roadmap"
        raise InputError(f"{path}: no roadmap: the milestones go under a '{heading_name}' heading")
    leads = [
        _list_item_text(bullet[2])
        for _, line in sections["intro"]
        if (bullet := _BULLET_RE.match(line))
    ]
    if not leads:
        raise InputError(
            f"{path}: no lead institutions: list them as '- ...' bullets between the title "
            "and the first section"
        )
    return EtalabFile(
        path=path,
        language=language,
        number=match[2],
        title=title,
        leads=leads,
        stakes=clean_text("\n".join(line for _, line in sections.get("stakes", []))),
        context=clean_text("\n".join(line for _, line in sections.get("context", []))),
        roadmap=_parse_roadmap(path, sections["roadmap"]),
        footnotes=footnotes,
    )


def read_commitment(fr_path: Path, en_path: Path, plan_id: str) -> ImportedCommitment:
    """Merge the French and English files of a commitment into one commitment document."""
    check_plan_id(plan_id)
    fr, en = parse_file(fr_path), parse_file(en_path)
    for parsed, expected in ((fr, "fr"), (en, "en")):
        if parsed.language != expected:
            raise InputError(
                f"{parsed.path}: this is the {_LANGUAGE_NAMES[parsed.language]} file, but it was "
                f"given as the {_LANGUAGE_NAMES[expected]} one: give the French file first, "
                "then the English one"
            )
    if fr.number.lower() != en.number.lower():
        raise InputError(
            f"{fr_path} is commitment {fr.number} but {en_path} is commitment {en.number}: "
            "give the two languages of the same commitment"
        )
    if len(fr.leads) != len(en.leads):
        raise InputError(
            f"{fr_path} lists {len(fr.leads)} lead institutions but {en_path} lists "
            f"{len(en.leads)}: list the same institutions, in the same order, in both files"
        )
    local = fr.number.lower()
    commitment_id = f"{plan_id}-{local}"
    result = ImportedCommitment(local=local, doc={})
    used: set[str] = set()
    doc: dict[str, Any] = {
        "id": commitment_id,
        "title": text_of(fr=fr.title, en=en.title),
        "lead_institutions": [
            text_of(fr=fr_lead, en=en_lead)
            for fr_lead, en_lead in zip(fr.leads, en.leads, strict=True)
        ],
    }
    for key in ("stakes", "context"):
        text = text_of(
            fr=_with_footnotes(fr, getattr(fr, key), used),
            en=_with_footnotes(en, getattr(en, key), used),
        )
        if text:
            doc[key] = text
    doc["milestones"] = _merge_items(fr, en, fr.roadmap, en.roadmap, commitment_id, "", used)
    for parsed in (fr, en):
        for label in parsed.footnotes:
            if f"{parsed.language}:{label}" not in used:
                result.warnings.append(
                    f"{parsed.path}: footnote [^{label}] is never cited, so it was left out"
                )
    result.doc = doc
    return result


def import_etalab(fr_path: Path, en_path: Path, plan_id: str, out_dir: Path) -> ImportResult:
    """Import one commitment into ``out_dir/<plan_id>/`` (with plan.yml for a known plan)."""
    commitment = read_commitment(fr_path, en_path, plan_id)
    plan_doc = KNOWN_PLANS.get(plan_id)
    if plan_doc is None and not (out_dir / plan_id / "plan.yml").is_file():
        known = ", ".join(sorted(KNOWN_PLANS))
        raise InputError(
            f"{out_dir / plan_id / 'plan.yml'} does not exist and plan {plan_id!r} is not one "
            f"the importer knows ({known}): write the plan.yml first (see commitments/README.md)"
        )
    result = write_plan(out_dir, plan_id, plan_doc, [(commitment.local, commitment.doc)], LANGUAGES)
    result.warnings.extend(commitment.warnings)
    return result


def _parse_roadmap(path: Path, lines: list[tuple[int, str]]) -> list[RoadmapItem]:
    """The bullet tree of the roadmap section, with follow-up links on their bullets."""
    roots: list[RoadmapItem] = []
    stack: list[RoadmapItem] = []
    last: RoadmapItem | None = None
    for line_no, raw in lines:
        line = raw.expandtabs(4)
        if not line.strip():
            continue
        follow_up = _FOLLOW_UP_RE.match(line)
        if follow_up:
            url = follow_up[1]
            if last is None:
                raise InputError(
                    f"{path}, line {line_no}: a follow-up link before any roadmap bullet: "
                    "put it under the bullet it follows"
                )
            if not _ISSUE_URL_RE.match(url):
                raise InputError(
                    f"{path}, line {line_no}: follow-up link {url!r} is not a GitLab issue "
                    "address (https://<host>/<group>/<project>/issues/<number>)"
                )
            if last.follow_up is not None:
                raise InputError(
                    f"{path}, line {line_no}: a second follow-up link for the bullet of line "
                    f"{last.line}: keep one link per bullet"
                )
            last.follow_up = url
            continue
        bullet = _BULLET_RE.match(line)
        if bullet is None:
            if last is None:
                continue  # an introduction before the first bullet carries no milestone
            last.title = f"{last.title} {_list_item_text(line)}"  # a wrapped bullet line
            continue
        item = RoadmapItem(title=_list_item_text(bullet[2]), line=line_no, indent=len(bullet[1]))
        while stack and stack[-1].indent >= item.indent:
            stack.pop()
        (stack[-1].children if stack else roots).append(item)
        stack.append(item)
        last = item
    if not roots:
        raise InputError(f"{path}: the roadmap has no bullets: list the milestones as '- ...'")
    return roots


def _merge_items(
    fr: EtalabFile,
    en: EtalabFile,
    fr_items: list[RoadmapItem],
    en_items: list[RoadmapItem],
    parent_id: str,
    position: str,
    used: set[str],
) -> list[dict[str, Any]]:
    """The milestones of two bullet lists matched by position; InputError if they differ."""
    if len(fr_items) != len(en_items):
        where = "the roadmap" if not position else f"roadmap item {position}"
        longer, extra = (fr, fr_items) if len(fr_items) > len(en_items) else (en, en_items)
        first_extra = extra[min(len(fr_items), len(en_items))]
        raise InputError(
            f"{fr.path} and {en.path} differ in shape: {where} has {len(fr_items)} "
            f"bullet(s) in French and {len(en_items)} in English; the first unmatched one is "
            f"{_short(first_extra.title)!r} ({longer.path}, line {first_extra.line}): give both "
            "files the same bullets in the same order and nesting"
        )
    milestones: list[dict[str, Any]] = []
    for number, (fr_item, en_item) in enumerate(zip(fr_items, en_items, strict=True), start=1):
        item_position = f"{position}.{number}" if position else str(number)
        if bool(fr_item.children) != bool(en_item.children):
            has = fr if fr_item.children else en
            raise InputError(
                f"{fr.path} and {en.path} differ in shape: roadmap item {item_position} "
                f"({fr.path.name} line {fr_item.line}, {en.path.name} line {en_item.line}) has "
                f"sub-items only in {has.path.name}: give both files the same bullets in the "
                "same order and nesting"
            )
        if fr_item.follow_up and en_item.follow_up and fr_item.follow_up != en_item.follow_up:
            raise InputError(
                f"roadmap item {item_position} has follow-up {fr_item.follow_up} in "
                f"{fr.path} (line {fr_item.line}) but {en_item.follow_up} in {en.path} "
                f"(line {en_item.line}): keep the right one"
            )
        milestone: dict[str, Any] = {
            "id": f"{parent_id}.{number}",
            "title": text_of(fr=fr_item.title, en=en_item.title),
        }
        description = text_of(
            fr=_with_footnotes(fr, fr_item.title, used, definitions_only=True),
            en=_with_footnotes(en, en_item.title, used, definitions_only=True),
        )
        if description:
            milestone["description"] = description
        follow_up = fr_item.follow_up or en_item.follow_up
        if follow_up:
            milestone["follow_up"] = follow_up
        if fr_item.children:
            milestone["milestones"] = _merge_items(
                fr, en, fr_item.children, en_item.children, milestone["id"], item_position, used
            )
        milestones.append(milestone)
    return milestones


def _with_footnotes(
    parsed: EtalabFile, text: str, used: set[str], *, definitions_only: bool = False
) -> str:
    """``text`` followed by the definitions of the footnotes it cites, in citing order."""
    labels = list(dict.fromkeys(_FOOTNOTE_REF_RE.findall(text)))
    for label in labels:
        if label not in parsed.footnotes:
            raise InputError(
                f"{parsed.path}: footnote [^{label}] is cited but never defined: add "
                f"'[^{label}]: ...' at the end of the file"
            )
        used.add(f"{parsed.language}:{label}")
    definitions = "\n\n".join(f"[^{label}]: {parsed.footnotes[label]}" for label in labels)
    if definitions_only or not definitions:
        return definitions if definitions_only else text
    return f"{text}\n\n{definitions}"


def _short(title: str) -> str:
    """A title cut to fit in an error message."""
    return title if len(title) <= 60 else title[:59].rstrip() + "…"


def _strip_bold(text: str) -> str:
    return _BOLD_RE.sub(lambda m: m[1] or m[2], text).strip()


def _list_item_text(text: str) -> str:
    """A list item's text without bold, outer spaces or the trailing ' ;' of French lists."""
    return _strip_bold(text).rstrip().removesuffix(";").rstrip()
