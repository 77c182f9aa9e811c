"""Write the public report: HTML pages in two languages, feeds, open data, Markdown reports.

Layout of the output folder (every link in it is relative, so it can live under any path)::

    index.html                      choose a language
    assets/                         style sheet and the optional table script
    <lang>/index.html               the plans, latest updates
    <lang>/data.html                what the open data files hold, column by column
    <lang>/feed.xml                 Atom feed of the latest status changes and comments
    <lang>/<plan>/index.html        plan overview
    <lang>/<plan>/commitments/<id>.html and .xml   a commitment's page and its feed
    <lang>/<plan>/institutions/index.html, <slug>.html
    data/plan.json, plan.schema.json, commitments.csv, milestones.csv, comments.csv
    report.fr.md, report.en.md

The site is built in a temporary sibling folder, then swapped in: a crash leaves the old site
or the new one, never a mix.
"""

from __future__ import annotations

import csv
import ctypes
import datetime as dt
import functools
import json
import os
import posixpath
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape

from tracker.plan.model import PartialDate, Text
from tracker.report import i18n
from tracker.report.markdown import markdown_inline, render_markdown, safe_url
from tracker.report.model import (
    ATTENTION_KINDS,
    SITE_LANGUAGES,
    Attention,
    CommitmentView,
    Event,
    PlanView,
    Report,
)
from tracker.report_paths import (
    commitment_path,
    institution_path,
    institutions_path,
    plan_path,
)
from tracker.status import Completion

TEMPLATE_DIRS = (
    Path(__file__).resolve().parent.parent / "_templates",  # inside an installed wheel
    Path(__file__).resolve().parent.parent.parent / "templates",  # in the repository
)
DATA_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "report-data.schema.json"
ATTENTION_SCHEMA = DATA_SCHEMA.with_name("attention.schema.json")
DATA_FORMAT = "ogp-tracker-report-data"
DATA_VERSION = 1
ATTENTION_FORMAT = "ogp-tracker-attention"
ATTENTION_VERSION = 1
SHORT_TITLE = 60  # characters of an item's title in timeline rows and lists
FEED_NAMESPACE = uuid.UUID("6f1d0a52-3c1e-4d1b-9a57-0b8f4f1c2e01")  # fixed: ids stay stable

COMMITMENT_COLUMNS = (
    "plan_id", "commitment_id", "title_fr", "title_en", "lead_institutions_fr",
    "lead_institutions_en", "completion", "completion_source", "milestones_total",
    "milestones_complete", "milestones_overdue", "last_update", "issue_url", "contact_name",
)
MILESTONE_COLUMNS = (
    "plan_id", "commitment_id", "milestone_id", "parent_id", "title_fr", "title_en", "due",
    "due_text_fr", "due_text_en", "status", "status_since", "overdue", "issue_url",
    "completed_at", "days_late",
)
COMMENT_COLUMNS = (
    "plan_id", "commitment_id", "item_id", "comment_id", "created_at", "author_name",
    "author_username", "author_role", "body", "url",
)

Progress = Callable[[str], None]


def template_environment() -> jinja2.Environment:
    """The one Jinja environment of the report: autoescaped, strict, with gettext."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in TEMPLATE_DIRS if d.is_dir()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        url=_url,
        plan_path=plan_path,
        commitment_path=commitment_path,
        institutions_path=institutions_path,
        institution_path=institution_path,
        own_language_name=i18n.own_language_name,
        markdown=render_markdown,
        md_inline=markdown_inline,
        completion_rank=lambda level: -1 if level is None else list(Completion).index(level),
        share_step=lambda part, whole: 5 * round(20 * part / whole) if whole else 0,
    )
    return env


def use_language(env: jinja2.Environment, lang: str) -> None:
    """Point the environment's gettext and formatting helpers at ``lang``."""
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    _ = i18n.translations(lang).gettext
    env.globals.update(
        lang=lang,
        other_lang=next(other for other in SITE_LANGUAGES if other != lang),
        tx=lambda text: _localized(text, lang, block=False),
        md=lambda text, base=None, top=3: _localized(text, lang, block=True, base=base, top=top),
        plain=lambda text: _plain(text, lang),
        # Same arguments as the timeline's, so the feed reuses the cached rendering.
        md_html=lambda body, base=None: str(render_markdown(body, base, 4)),
        fdate=lambda value: _date(value, lang),
        fpartial=lambda value: _partial_date(value, lang),
        fmonth=lambda day: i18n.month(day, lang),
        short=lambda text: _short(text, lang),
        plain_short=lambda text: _shorten(_plain(text, lang), SHORT_TITLE),
        attention_kind=lambda kind: _(i18n.ATTENTION_NAMES.get(kind) or kind),
        field_name=lambda name: _(i18n.FIELD_NAMES.get(name) or name),
        issue_numbers=lambda iids: ", ".join(f"#{iid}" for iid in iids),
        code=lambda text: Markup("<code>{0}</code>").format(text),
        report_error_url=_report_error_url,
        fnum=lambda value: i18n.number(value, lang),
        status_name=lambda status: _(i18n.STATUS_NAMES[status]),
        completion_name=lambda level: _(i18n.COMPLETION_NAMES[level]),
        role_name=lambda role: _(i18n.ROLE_NAMES.get(role) or role),
        notice_text=lambda code: _(i18n.NOTICE_NAMES.get(code) or code),
        fpercent=lambda part, whole: i18n.percent(part / whole if whole else 0, lang),
        ldate=lambda value: i18n.long_date(_day(value), lang),
        lpartial=lambda value: _partial_text(value, lang),
        safe_url=safe_url,
        feed_id=_feed_id,
        feed_updated=_feed_updated,
    )


# --- helpers the templates call -------------------------------------------------------------


@jinja2.pass_context
def _url(context: jinja2.runtime.Context, target: str) -> str:
    """``target`` (a path from the site root) relative to the page being rendered."""
    page: str = context["page"]
    return _relative(target, posixpath.dirname(page) or ".")


@functools.lru_cache(maxsize=65536)
def _relative(target: str, folder: str) -> str:
    # Cached: posixpath.relpath resolves both paths against the working directory on each
    # call, and a page links to the same few folders (plan, institutions, assets) many times.
    relative = posixpath.relpath(target, folder)
    return relative + ("/" if target.endswith("/") and not relative.endswith("/") else "")


def _pick(text: Text, lang: str) -> tuple[str, str] | None:
    return text.pick(lang, (*SITE_LANGUAGES, *sorted(text.values)))


def _plain(text: Text, lang: str) -> str:
    picked = _pick(text, lang)
    return picked[0] if picked else ""


def _shorten(value: str, limit: int) -> str:
    """``value`` cut at a word before ``limit`` characters, with an ellipsis when cut."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0] if " " in value[:limit] else value[:limit]
    return cut.rstrip(" ,;:.(") + "…"


def _short(text: Text, lang: str) -> Markup:
    """A title cut short to name an item in a row; in another language, said with ``lang``.

    No "translation missing" note here: the item's own row in the milestones table has it,
    and repeating it on every timeline row would drown the rows.
    """
    picked = _pick(text, lang)
    if picked is None:
        return Markup("")
    value, used = picked
    if used == lang:
        return escape(_shorten(value, SHORT_TITLE))
    return Markup('<span lang="{0}">{1}</span>').format(used, _shorten(value, SHORT_TITLE))


def _localized(
    text: Text, lang: str, *, block: bool, base: str | None = None, top: int = 3
) -> Markup:
    """The text in ``lang``, or in another language with a visible "translation missing"."""
    picked = _pick(text, lang)
    if picked is None:
        return Markup("")
    value, used = picked
    body = render_markdown(value, base, top) if block else escape(value)
    if used == lang:
        return body
    note = i18n.translations(lang).gettext("Translation missing: shown in %(language)s.") % {
        "language": i18n.language_name(used, lang)
    }
    if block:
        template = Markup('<div lang="{0}" class="fallback">{1}</div> ')
    else:
        template = Markup('<span lang="{0}" class="fallback">{1}</span> ')
    return template.format(used, body) + Markup('<span class="missing">{0}</span>').format(note)


def _day(value: dt.date | dt.datetime) -> dt.date:
    # Times are shown as their UTC day: the report speaks of days, not hours.
    return value.astimezone(dt.UTC).date() if isinstance(value, dt.datetime) else value


def _date(value: dt.date | dt.datetime | None, lang: str) -> Markup:
    if value is None:
        return Markup("")
    day = _day(value)
    machine = machine_time(value) if isinstance(value, dt.datetime) else day.isoformat()
    # Markup.format escapes through string.Formatter, several times slower than escape():
    # this runs for every date of every timeline.
    return Markup(f'<time datetime="{escape(machine)}">'  # noqa: S704 - both parts escaped
                  f"{escape(i18n.long_date(day, lang))}</time>")


def machine_time(value: dt.datetime) -> str:
    """``value`` for ``<time datetime>``: HTML allows at most three digits of a second.

    GitLab (and the fake's real clock) give microseconds; ``isoformat()`` would write all six.
    """
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


def _partial_text(value: PartialDate, lang: str) -> str:
    """A day as a long date, a month as "November 2026": deadlines as the plan wrote them."""
    return i18n.long_date(value.first_day, lang) if value.day else i18n.month(value.first_day, lang)


def _partial_date(value: PartialDate | None, lang: str) -> Markup:
    if value is None:
        return Markup("")
    # iso() is YYYY-MM-DD for a day (as date.isoformat() writes it) and YYYY-MM for a month.
    return Markup('<time datetime="{0}">{1}</time>').format(value.iso(), _partial_text(value, lang))


@jinja2.pass_context
def _report_error_url(
    context: jinja2.runtime.Context, item_id: str, title: Text, is_commitment: bool = True
) -> str | None:
    """A new GitLab issue, filled in, for anyone who sees wrong data about an item.

    It needs the project's address, which only a pull knows; None before the first pull.
    """
    report: Report = context["report"]
    base = safe_url(report.project.web_url) if report.project else None
    if base is None:
        return None
    lang = context["lang"]
    _ = i18n.translations(lang).gettext
    if is_commitment:
        subject = _("Wrong data on commitment %(id)s") % {"id": item_id}
        name = _("Commitment %(id)s: %(title)s")
    else:
        subject = _("Wrong data on milestone %(id)s") % {"id": item_id}
        name = _("Milestone %(id)s: %(title)s")
    body = "\n\n".join((
        name % {"id": item_id, "title": _plain(title, lang)},
        _("What is wrong (which milestone, which date or status):"),
        _("What it should say, and how you know:"),
    ))
    query = urlencode({"issue[title]": subject, "issue[description]": body})
    return f"{base.rstrip('/')}/-/issues/new?{query}"


def _feed_id(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, key)}"


@jinja2.pass_context
def _feed_updated(context: jinja2.runtime.Context, events: tuple[Event, ...]) -> str:
    """Atom's <updated>: the newest entry, else the snapshot's time, else the report's day."""
    report: Report = context["report"]
    if events:
        return events[0].at.isoformat()
    if report.generated_at:
        return report.generated_at.isoformat()
    return dt.datetime.combine(report.today, dt.time(), dt.UTC).isoformat()


# --- paths ----------------------------------------------------------------------------------


def _twin(page: str, lang: str) -> str:
    return posixpath.join(lang, page.split("/", 1)[1])


# --- the build ------------------------------------------------------------------------------


class _Writer:
    """Renders templates into the temporary site folder and counts the pages it wrote."""

    def __init__(self, root: Path, env: jinja2.Environment) -> None:
        self.root = root
        self.env = env
        self.pages = 0

    def page(self, template: str, page: str, **context: Any) -> None:
        lang = page.split("/", 1)[0]
        twin = _twin(page, next(other for other in SITE_LANGUAGES if other != lang))
        self.write(template, page, twin=twin, **context)
        self.pages += 1

    def write(self, template: str, page: str, **context: Any) -> None:
        text = self.env.get_template(template).render(page=page, **context)
        self.text(page, text)

    def text(self, page: str, text: str) -> None:
        path = self.root / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build_site(report: Report, out: Path, progress: Progress = lambda _line: None) -> int:
    """Write the whole site to ``out``, replacing what was there; the number of pages."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    temp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        writer = _Writer(temp, template_environment())
        _write_all(report, writer, progress)
        _swap(temp, out)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return writer.pages


def _write_all(report: Report, writer: _Writer, progress: Progress) -> None:
    progress("assets: style sheet and table script")
    _copy_assets(writer)
    writer.write("choose-language.html", "index.html", choices=[
        {"lang": lang, "title": i18n.translations(lang).gettext(
            "Open Government action plan follow-up"),
         "intro": i18n.translations(lang).gettext(
            "Commitments, milestones, their status and public comments."),
         "enter": i18n.translations(lang).gettext("Read in English")}
        for lang in SITE_LANGUAGES])
    for lang in SITE_LANGUAGES:
        use_language(writer.env, lang)
        progress(f"{lang}: overview pages")
        common = {"report": report}
        writer.page("home.html", f"{lang}/index.html", **common)
        writer.page("data.html", f"{lang}/data.html", **common,
                    columns={"commitments": COMMITMENT_COLUMNS, "milestones": MILESTONE_COLUMNS,
                             "comments": COMMENT_COLUMNS})
        writer.write("feed.xml", f"{lang}/feed.xml", **common, events=report.recent,
                     commitment=None, plan=None)
        entries = tuple(report.attention())
        writer.page("attention.html", f"{lang}/attention/index.html", **common,
                    attention_counts=_attention_counts(entries))
        writer.write("attention.xml", f"{lang}/attention/feed.xml", **common, entries=entries)
        for view in report.plans:
            writer.page("plan.html", plan_path(lang, view.id), **common, plan=view)
            writer.page("institutions.html", institutions_path(lang, view.id),
                        **common, plan=view)
            for institution in view.institutions:
                writer.page("institution.html", institution_path(lang, view.id, institution.slug),
                            **common, plan=view, institution=institution)
        progress(f"{lang}: Markdown report")
        writer.write("report.md", f"report.{lang}.md", **common)
    progress("commitment pages and feeds, in both languages")
    for view in report.plans:
        for commitment in view.commitments:
            # Both languages in turn, so each comment's Markdown is rendered once (cached).
            for lang in SITE_LANGUAGES:
                use_language(writer.env, lang)
                writer.page("commitment.html", commitment_path(lang, view.id, commitment.id),
                            report=report, plan=view, c=commitment)
                writer.write("feed.xml", commitment_path(lang, view.id, commitment.id, "xml"),
                             report=report, events=commitment.timeline, commitment=commitment,
                             plan=view)
    progress("open data: plan.json and CSV files")
    _write_data(report, writer)


def _attention_counts(entries: Iterable[Attention]) -> list[tuple[str, int]]:
    counts = dict.fromkeys(ATTENTION_KINDS, 0)
    for entry in entries:
        counts[entry.kind] += 1
    return list(counts.items())


def _copy_assets(writer: _Writer) -> None:
    for folder in TEMPLATE_DIRS:
        assets = folder / "assets"
        if assets.is_dir():
            shutil.copytree(assets, writer.root / "assets")
            return
    raise FileNotFoundError("the report templates have no assets/ folder")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if absent."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(done == 0)


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` at ``out``; readers see the old site or the new one, never neither."""
    if not out.exists():
        new.rename(out)
        return
    if _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # now holds the old site
        return
    # Elsewhere: two renames, with a tiny window where ``out`` is missing.
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(out: Path) -> None:
    """Temporary folders a killed build left beside ``out``."""
    for prefix in (f".{out.name}.new-", f".{out.name}.old-"):
        for stale in out.parent.glob(f"{prefix}*"):
            shutil.rmtree(stale, ignore_errors=True)


# --- open data ------------------------------------------------------------------------------


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


def _csv(writer: _Writer, name: str, columns: tuple[str, ...],
         rows: Iterator[Mapping[str, object]]) -> None:
    path = writer.root / "data" / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.DictWriter(stream, fieldnames=columns)
        out.writeheader()
        out.writerows({key: _cell(value) for key, value in row.items()} for row in rows)


def _write_data(report: Report, writer: _Writer) -> None:
    (writer.root / "data").mkdir(exist_ok=True)
    writer.text("data/plan.json",
                json.dumps(plan_data(report), ensure_ascii=False, indent=1) + "\n")
    shutil.copyfile(DATA_SCHEMA, writer.root / "data" / "plan.schema.json")
    writer.text("data/attention.json",
                json.dumps(attention_data(report), ensure_ascii=False, indent=1) + "\n")
    shutil.copyfile(ATTENTION_SCHEMA, writer.root / "data" / "attention.schema.json")
    _csv(writer, "commitments.csv", COMMITMENT_COLUMNS, _commitment_rows(report))
    _csv(writer, "milestones.csv", MILESTONE_COLUMNS, _milestone_rows(report))
    _csv(writer, "comments.csv", COMMENT_COLUMNS, _comment_rows(report))


def _commitment_rows(report: Report) -> Iterator[Mapping[str, object]]:
    for view in report.commitments():
        c = view.commitment
        yield {
            "plan_id": view.plan_id, "commitment_id": c.id,
            "title_fr": c.title.get("fr") or "", "title_en": c.title.get("en") or "",
            "lead_institutions_fr": _joined(c.lead_institutions, "fr"),
            "lead_institutions_en": _joined(c.lead_institutions, "en"),
            "completion": view.completion or "", "completion_source": view.completion_source or "",
            "milestones_total": view.total, "milestones_complete": view.done,
            "milestones_overdue": view.overdue, "last_update": _iso(view.last_update) or "",
            "issue_url": (safe_url(view.issue.web_url) or "") if view.issue else "",
            "contact_name": c.contact.name if c.contact else "",
        }


def _milestone_rows(report: Report) -> Iterator[Mapping[str, object]]:
    for view in report.commitments():
        for row in view.milestones:
            m = row.milestone
            yield {
                "plan_id": view.plan_id, "commitment_id": view.id, "milestone_id": m.id,
                "parent_id": row.parent_id or "",
                "title_fr": m.title.get("fr") or "", "title_en": m.title.get("en") or "",
                "due": m.due.iso() if m.due else "",
                "due_text_fr": m.due_text.get("fr") or "",
                "due_text_en": m.due_text.get("en") or "",
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
