"""Import the United States' plan from open.usa.gov's Jekyll collections, English only.

open.usa.gov publishes each plan as two collections of Markdown files with YAML front matter::

    _commitments/US0113.md        title, commitment_id, commitment_theme_name, commitment_link,
                                  commitment_detail_sub (the plan's text of the commitment)
    _subcommitments/us0113-1.md   title (the text), commitment_id, commitment_detail_sub_id
                                  (US0113.1), commitment_agency (agencies split by <br>),
                                  commitment_status, <mon>_<year>_progress (a dated report);
                                  body: "Progress Update:" ... "Evidence:" ...

Each commitment becomes ``<plan>-us0113`` with its theme and its sub-commitments as milestones
``<plan>-us0113.1``; a commitment's leads are the distinct agencies of its sub-commitments.
A text too long for a GitLab title (255 characters with the key before it) gets a short title,
cut at a word with an ellipsis, and keeps its whole text as the description.

What the pages report is kept as ``reported``: each ``<mon>_<year>_progress`` (dated that month)
and the body's update (dated by ``--update-date``, as the pages do not say when it was
written), the current ``commitment_status`` on the latest of them. HTML links become Markdown
and the addresses are listed as ``links``; a link written ``https:https://`` is repaired and
reported.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import InputError
from tracker.importers.common import (
    ImportedCommitment,
    ImportResult,
    check_plan_id,
    clean_text,
    read_text,
    write_plan,
)

LANGUAGES = ("en",)
SITE = "https://open.usa.gov"

# GitLab refuses longer issue titles; the sync writes "<id> · " before the title.
GITLAB_TITLE_MAX = 255
_ELLIPSIS = "…"

# The plans whose plan.yml the importer can write; for another, write plan.yml first.
KNOWN_PLANS: dict[int, dict[str, Any]] = {
    5: {
        "id": "us-2022-2024",
        "doc": {
            "country": "US",
            "title": {"en": "Fifth U.S. Open Government National Action Plan"},
            "period": {"start": "2022-12", "end": "2024-12"},
            "languages": list(LANGUAGES),
            "primary_language": "en",
            "url": f"{SITE}/national-action-plan/5/",
        },
    },
}

# The pages' statuses on the tracker's scale (case and spaces ignored).
STATUSES = {
    "not started": "not-started",
    "in progress": "in-progress",
    "complete": "complete",
    "completed": "complete",
    "delayed": "delayed",
    "withdrawn": "withdrawn",
}

_PLAN_NUMBER_RE = re.compile(r"/national-action-plan/(\d+)/")
_COMMITMENT_ID_RE = re.compile(r"^US\d{4}$")
_SUB_ID_RE = re.compile(r"^(US\d{4})\.(\d+)$")
_PROGRESS_KEY_RE = re.compile(r"^([a-z]{3})_(\d{4})_progress$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_UPDATE_DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_A_RE = re.compile(r"<a\s[^>]*?href\s*=\s*\"([^\"]*)\"[^>]*>(.*?)</a\s*>",
                   re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")
_DOUBLED_SCHEME_RE = re.compile(r"\bhttps?:(?=https?://)")
_MD_LINK_RE = re.compile(r"\[[^\]]*\]\((\S+?)\)|<(https?://[^>\s]+)>")
_SECTION_RE = re.compile(r"^\W*(progress update|evidence)\W*:\W*(.*)$", re.IGNORECASE)
_NO_EVIDENCE = {"none", "none.", "n/a"}


@dataclass
class _Page:
    """One Markdown file: its front matter, the line of each key, and its body."""

    path: Path
    front: dict[str, Any]
    lines: dict[str, int]
    body: str
    raw: list[str]

    def where(self, key: str | None = None) -> str:
        return f"{self.path}, line {self.lines.get(key, 1) if key else 1}"

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.front.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise InputError(f"{self.where()}: no {key} in the front matter: add it")
            return None
        if not isinstance(value, str):
            raise InputError(f"{self.where(key)}: {key} should be text, not a list or mapping")
        return value


@dataclass
class _Context:
    """What every page's conversion needs, and the warnings it gathers."""

    warnings: list[str] = field(default_factory=list)
    undated: int = 0


def import_usa(
    folder: Path, out_dir: Path, plan_id: str | None = None, update_date: str | None = None
) -> ImportResult:
    """Import the plan in ``folder`` (a checkout of open.usa.gov) into ``out_dir/<plan id>/``."""
    if update_date is not None and not _UPDATE_DATE_RE.match(update_date):
        raise InputError(
            f"--update-date {update_date!r} is not a date: write YYYY-MM or YYYY-MM-DD"
        )
    commitment_pages, sub_pages = _pages(folder)
    number = _plan_number(commitment_pages)
    known = KNOWN_PLANS.get(number)
    plan_id = check_plan_id(plan_id or (known["id"] if known else f"us-nap{number}"))
    plan_doc = dict(known["doc"]) if known else None
    if plan_doc is None and not (out_dir / plan_id / "plan.yml").is_file():
        raise InputError(
            f"{out_dir / plan_id / 'plan.yml'} does not exist and the importer does not know "
            f"the US plan number {number}: write that plan.yml first (country US, title, "
            "period, languages [en], primary_language en), then import again"
        )
    context = _Context()
    commitments = _commitments(commitment_pages, sub_pages, plan_id, update_date, context)
    result = write_plan(
        out_dir, plan_id, plan_doc, [(c.local, c.doc) for c in commitments], LANGUAGES
    )
    if context.undated:
        context.warnings.append(
            f"the update in the body of {context.undated} sub-commitment page(s) (Progress "
            "Update, Evidence) is not dated by the pages: pass --update-date YYYY-MM to date it"
        )
    result.warnings.extend(context.warnings)
    return result


def _pages(folder: Path) -> tuple[list[_Page], list[_Page]]:
    found = []
    for name in ("_commitments", "_subcommitments"):
        sub = folder / name
        if not sub.is_dir():
            raise InputError(
                f"{folder}: no {name}/ folder: give the root of a checkout of open.usa.gov "
                "(the folder that holds _commitments/ and _subcommitments/)"
            )
        pages = [_read_page(path) for path in sorted(sub.glob("*.md"))]
        if not pages:
            raise InputError(f"{sub}: no .md file: is it the right folder?")
        found.append(pages)
    return found[0], found[1]


def _read_page(path: Path) -> _Page:
    text = read_text(path)
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InputError(f"{path}, line 1: no front matter: the page should start with '---'")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise InputError(f"{path}, line 1: the front matter is not closed: add a '---' line")
    try:
        # BaseLoader keeps every value as text, as Jekyll's pages mean them.
        front = yaml.load("\n".join(lines[1:end]), Loader=yaml.BaseLoader)  # noqa: S506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 2 if mark else 1
        raise InputError(
            f"{path}, line {line}: the front matter is not valid YAML ({error.problem}): fix it"
        ) from None
    if not isinstance(front, dict):
        raise InputError(f"{path}, line 2: the front matter should be 'key: value' lines")
    key_lines: dict[str, int] = {}
    for index in range(1, end):
        match = re.match(r"^([A-Za-z0-9_]+):", lines[index])
        if match:
            key_lines.setdefault(match[1], index + 1)
    return _Page(path, front, key_lines, "\n".join(lines[end + 1 :]), lines)


def _plan_number(pages: list[_Page]) -> int:
    numbers: dict[int, _Page] = {}
    for page in pages:
        match = _PLAN_NUMBER_RE.search(page.text("permalink") or "")
        if match is None:
            raise InputError(
                f"{page.where('permalink')}: the permalink should name the plan, as "
                "/national-action-plan/5/US0113/"
            )
        numbers.setdefault(int(match[1]), page)
    if len(numbers) > 1:
        (first, a), (second, b) = list(numbers.items())[:2]
        raise InputError(
            f"{a.where('permalink')} is in plan {first} but {b.where('permalink')} is in plan "
            f"{second}: import one plan's files at a time"
        )
    return next(iter(numbers))


def _commitments(
    commitment_pages: list[_Page],
    sub_pages: list[_Page],
    plan_id: str,
    update_date: str | None,
    context: _Context,
) -> list[ImportedCommitment]:
    docs: dict[str, dict[str, Any]] = {}
    leads: dict[str, list[str]] = {}
    subs: dict[str, list[tuple[int, list[str], dict[str, Any]]]] = {}
    for page in commitment_pages:
        cid = _id(page, "commitment_id", _COMMITMENT_ID_RE, "US0113")
        if cid in docs:
            raise InputError(f"{page.where('commitment_id')}: commitment {cid} is given twice")
        doc: dict[str, Any] = {"id": f"{plan_id}-{cid.lower()}"}
        doc.update(_titled(page.text("title") or "", doc["id"]))
        theme = page.text("commitment_theme_name", required=False)
        if theme:
            doc["themes"] = [{"en": clean_text(theme)}]
        detail = page.text("commitment_detail_sub", required=False)
        if detail:
            text = _markdown(page, "commitment_detail_sub", detail, context)[0]
            doc["description"] = {"en": "\n\n".join(
                part for part in (doc.get("description", {}).get("en"), text) if part
            )}
        link = page.text("commitment_link", required=False)
        if link:
            doc["official_url"] = {"en": _absolute(link)}
        docs[cid], leads[cid], subs[cid] = doc, [], []
    for page in sub_pages:
        sub_id = _id(page, "commitment_detail_sub_id", _SUB_ID_RE, "US0113.1")
        match = _SUB_ID_RE.match(sub_id)
        assert match is not None  # checked by _id
        cid, number = match[1], int(match[2])
        if cid not in docs:
            raise InputError(
                f"{page.where('commitment_detail_sub_id')}: {sub_id} belongs to commitment "
                f"{cid}, which has no page in _commitments/: add {cid}.md or fix the id"
            )
        if any(n == number for n, _, _ in subs[cid]):
            raise InputError(f"{page.where('commitment_detail_sub_id')}: {sub_id} is given twice")
        agencies = _agencies(page)
        milestone: dict[str, Any] = {"id": f"{plan_id}-{sub_id.lower()}"}
        milestone.update(_titled(page.text("title") or "", milestone["id"]))
        permalink = page.text("permalink", required=False)
        if permalink:
            milestone["official_url"] = {"en": _absolute(permalink)}
        reported = _reported(page, update_date, context)
        if reported:
            milestone["reported"] = reported
        leads[cid] += [a for a in agencies if a not in leads[cid]]
        subs[cid].append((number, agencies, milestone))
    result = []
    for cid, doc in docs.items():
        if not subs[cid]:
            raise InputError(
                f"{commitment_pages[list(docs).index(cid)].where('commitment_id')}: commitment "
                f"{cid} has no sub-commitment page in _subcommitments/, so no milestone and no "
                "lead agency: add its pages"
            )
        doc["lead_institutions"] = [{"en": name} for name in leads[cid]]
        doc["milestones"] = []
        for _, agencies, milestone in sorted(subs[cid], key=lambda item: item[0]):
            if agencies != leads[cid]:
                if len(agencies) == 1:
                    milestone["lead"] = {"en": agencies[0]}
                else:
                    milestone["leads"] = [{"en": name} for name in agencies]
            doc["milestones"].append(milestone)
        result.append(ImportedCommitment(local=cid.lower(), doc=doc))
    return result


def _id(page: _Page, key: str, pattern: re.Pattern[str], example: str) -> str:
    value = (page.text(key) or "").strip()
    if not pattern.match(value):
        raise InputError(f"{page.where(key)}: {key} {value!r} should look like {example}")
    return value


def _agencies(page: _Page) -> list[str]:
    """The agencies of ``commitment_agency``, one per ``<br>``-separated part."""
    value = page.text("commitment_agency") or ""
    agencies = [clean_text(html.unescape(part)) for part in _BR_RE.split(value)]
    agencies = list(dict.fromkeys(a for a in agencies if a))
    if not agencies:
        raise InputError(f"{page.where('commitment_agency')}: no agency: name at least one")
    return agencies


def _titled(text: str, item_id: str) -> dict[str, Any]:
    """``title``, short enough for GitLab, and the whole text as ``description`` if it was cut."""
    whole = " ".join(html.unescape(_TAG_RE.sub(" ", text)).split())
    room = GITLAB_TITLE_MAX - len(f"{item_id} · ")
    if len(whole) <= room:
        return {"title": {"en": whole}}
    cut = whole[: room - len(_ELLIPSIS) + 1]
    # Cut at the last space so no word is split; the ellipsis says the text goes on.
    short = cut.rsplit(" ", 1)[0].rstrip(" ,;:.") if " " in cut else cut[:-1]
    return {"title": {"en": short + _ELLIPSIS}, "description": {"en": whole}}


def _absolute(path: str) -> str:
    path = path.strip()
    return path if path.startswith(("https://", "http://")) else SITE + "/" + path.lstrip("/")


def _markdown(page: _Page, key: str | None, text: str, context: _Context) -> tuple[str, list[str]]:
    """``text`` (HTML and Markdown) as Markdown, and the addresses it links to."""
    def repair(match: re.Match[str]) -> str:
        rest = re.match(r"[^\s\"'<>]*", match.string[match.end():])
        bad = match[0] + (rest[0] if rest else "")
        line = next((n for n, raw in enumerate(page.raw, start=1) if bad in raw), 1)
        warning = (
            f"{page.path}, line {line}: the link {bad} has its scheme twice: it was imported "
            f"as {bad.removeprefix(match[0])}; fix it at the source"
        )
        if warning not in context.warnings:
            context.warnings.append(warning)
        return ""

    text = _DOUBLED_SCHEME_RE.sub(repair, text)
    links: list[str] = []

    def anchor(match: re.Match[str]) -> str:
        url = _absolute(html.unescape(match[1]))
        label = " ".join(_TAG_RE.sub("", match[2]).split())
        links.append(url)
        return f"[{label or url}]({url})"

    text = _A_RE.sub(anchor, text)
    text = _BR_RE.sub("\n", text)
    text = re.sub(r"<li[^>]*>", "\n- ", text, flags=re.IGNORECASE)
    text = re.sub(r"</p\s*>", "\n\n", text, flags=re.IGNORECASE)
    text = html.unescape(_TAG_RE.sub("", text))
    for match in _MD_LINK_RE.finditer(text):
        url = match[1] or match[2]
        if url.startswith("/"):
            text = text.replace(f"]({url})", f"]({_absolute(url)})")
        links.append(_absolute(url))
    links = [u for u in dict.fromkeys(links) if re.match(r"^https?://\S+$", u)]
    return clean_text(text), links


def _reported(page: _Page, update_date: str | None, context: _Context) -> list[dict[str, Any]]:
    """The dated reports of the front matter, then the body's update, oldest first."""
    url = _absolute(page.text("permalink", required=False) or "/")
    reports: list[dict[str, Any]] = []
    for key in sorted(
        (k for k in page.front if _PROGRESS_KEY_RE.match(k)),
        key=lambda k: (int(k[4:8]), _MONTHS.index(k[:3]) if k[:3] in _MONTHS else 0),
    ):
        match = _PROGRESS_KEY_RE.match(key)
        assert match is not None
        if match[1] not in _MONTHS:
            raise InputError(
                f"{page.where(key)}: {key} does not name a month: write it as "
                "<mon>_<year>_progress, such as aug_2023_progress"
            )
        value = page.text(key, required=False)
        if not value:
            continue
        month = _MONTHS.index(match[1])
        text, links = _markdown(page, key, value, context)
        report: dict[str, Any] = {"date": f"{match[2]}-{month + 1:02d}", "progress": {"en": text}}
        if links:
            report["links"] = links
        report["source"] = {
            "name": {"en": f"open.usa.gov, progress reported in {_MONTH_NAMES[month]} "
                           f"{match[2]}"},
            "url": url,
        }
        reports.append(report)
    body = _body_report(page, context)
    if body:
        if update_date:
            body["date"] = update_date
        else:
            context.undated += 1
        body["source"] = {"name": {"en": "open.usa.gov, status update"}, "url": url}
        reports.append(body)
    status = page.text("commitment_status", required=False)
    if status:
        mapped = STATUSES.get(" ".join(status.lower().split()))
        if mapped is None:
            raise InputError(
                f"{page.where('commitment_status')}: commitment_status {status!r} is not one "
                f"the importer knows ({', '.join(s.title() for s in STATUSES)}): fix it at the "
                "source"
            )
        if not reports:
            reports.append({"source": {"name": {"en": "open.usa.gov, status"}, "url": url}})
        # The page shows its current status: it belongs with its latest report.
        reports[-1].update(status=mapped, status_text={"en": status.strip()})
    return reports


def _body_report(page: _Page, context: _Context) -> dict[str, Any] | None:
    """The body's "Progress Update:" and "Evidence:" sections, as progress and evidence."""
    body = _BR_RE.sub("\n", page.body)
    sections: dict[str, list[str]] = {"progress update": []}
    current = "progress update"
    for line in body.splitlines():
        match = _SECTION_RE.match(line)
        if match:
            current = match[1].lower()
            sections.setdefault(current, [])
            line = match[2]
        sections[current].append(line)
    report: dict[str, Any] = {}
    links: list[str] = []
    for section, key in (("progress update", "progress"), ("evidence", "evidence")):
        raw = "\n".join(sections.get(section, []))
        text, found = _markdown(page, None, raw, context)
        if section == "evidence" and text.lower() in _NO_EVIDENCE:
            continue  # the pages write "None." when there is no evidence
        if text:
            report[key] = {"en": text}
            links += found
    if not report:
        return None
    if links:
        report["links"] = list(dict.fromkeys(links))
    return report

