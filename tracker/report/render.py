"""Write the public report: HTML pages in the plans' languages, feeds, open data, Markdown.

Each plan's pages exist in the languages it declares; the site-wide pages (home, data,
attention, feeds, Markdown report) in every language of some plan. A link from a site-wide
page to a plan without that language goes to the plan's page in its primary language, so no
link is dead. Layout of the output folder (every link in it is relative)::

    index.html                      choose a language
    assets/                         style sheet and the optional table script
    <lang>/index.html               the plans, latest updates
    <lang>/data.html                what the open data files hold, column by column
    <lang>/feed.xml                 Atom feed of the latest status changes and comments
    <lang>/<plan>/index.html        plan overview
    <lang>/<plan>/commitments/<id>.html and .xml   a commitment's page and its feed
    <lang>/<plan>/institutions/index.html, <slug>.html
    data/plan.json, plan.schema.json, commitments.csv, milestones.csv, comments.csv,
         reported.csv
    report.<lang>.md

The site is built in a temporary sibling folder, then swapped in: a crash leaves the old site
or the new one, never a mix.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import functools
import gettext
import hashlib
import os
import posixpath
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple, cast
from urllib.parse import quote_plus

import jinja2
from markupsafe import Markup, escape

from tracker.plan.model import PartialDate, Text
from tracker.report import i18n
from tracker.report.i18n import N_
from tracker.report.markdown import markdown_inline, render_markdown, safe_url
from tracker.report.model import (
    ATTENTION_KINDS,
    Attention,
    CommitmentView,
    Event,
    MilestoneRow,
    PlanView,
    Report,
)
from tracker.report.opendata import (
    COMMENT_COLUMNS,
    COMMITMENT_COLUMNS,
    MILESTONE_COLUMNS,
    REPORTED_COLUMNS,
    described,
    write_data,
)
from tracker.report.templating import (
    Environment,
    HelperCalls,
    escape_output,
    escape_text,
    helper_filters,
    share_helpers,
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
SHORT_TITLE = 60  # characters of an item's title in timeline rows and lists
MARKDOWN_BATCH = 64  # commitments whose Markdown is rendered before their pages (see below)
WRITE_BATCH = 128  # pages rendered before they are written (see _Writer.flush)...
WRITE_BATCH_CHARACTERS = 2_000_000  # ...or fewer when they are large
FEED_NAMESPACE = uuid.UUID("6f1d0a52-3c1e-4d1b-9a57-0b8f4f1c2e01")  # fixed: ids stay stable

Progress = Callable[[str], None]


def template_environment() -> Environment:
    """The one Jinja environment of the report: autoescaped, strict, with gettext."""
    env = Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in TEMPLATE_DIRS if d.is_dir()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", HelperCalls],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One build reads each template once: no need to stat its file on every page.
        auto_reload=False,
    )
    env.globals.update(
        # build_site makes one environment per build: its fragments die with the build.
        once=_Fragments(),
        url=_url,
        plan_path=plan_path,
        commitment_path=commitment_path,
        institutions_path=institutions_path,
        institution_path=institution_path,
        own_language_name=i18n.own_language_name,
        md_inline=markdown_inline,
        share_step=lambda part, whole: 5 * round(20 * part / whole) if whole else 0,
    )
    # Known from the start, so every template compiles its helper calls as filters (see
    # tracker.report.templating); use_language and use_report replace them.
    share_helpers(env, helper_filters(env.globals))
    share_helpers(env, _language_filters("en"))
    return env


def use_report(env: Environment, report: Report) -> None:
    """Make links to a plan's pages go to a language that plan has (see the module's doc)."""
    has = {view.id: view.languages for view in report.plans}

    def to(lang: str, plan_id: str) -> str:
        languages = has.get(plan_id, (lang,))
        return lang if lang in languages else languages[0]

    helpers = {
        "languages_by_plan": has,
        "plan_path": lambda lang, plan_id: plan_path(to(lang, plan_id), plan_id),
        "commitment_path": lambda lang, plan_id, commitment_id, ext="html": commitment_path(
            to(lang, plan_id), plan_id, commitment_id, ext),
        "institutions_path": lambda lang, plan_id: institutions_path(to(lang, plan_id), plan_id),
        "institution_path": lambda lang, plan_id, slug: institution_path(
            to(lang, plan_id), plan_id, slug),
    }
    env.globals.update(helpers)
    share_helpers(env, helper_filters(helpers))


def use_language(env: Environment, lang: str) -> None:
    """Point the environment's gettext and formatting helpers at ``lang``.

    A language without a catalog gets the English interface, dates and numbers included, so
    a page never mixes two interface languages; its plan texts stay in ``lang``.
    """
    ui = i18n.interface_language(lang)
    # Sets the newstyle flag (templates compile their {% trans %} blocks by it) and pgettext;
    # gettext, ngettext and _ are then replaced by the cached ones below.
    env.install_gettext_translations(i18n.translations(ui), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_language_globals(lang))
    share_helpers(env, _language_filters(lang))


@functools.cache
def _language_filters(lang: str) -> dict[str, Callable[..., Any]]:
    """The helpers of _language_globals as the filters their calls compile to."""
    return {**helper_filters(_language_globals(lang)),
            "_": _messages(i18n.interface_language(lang)).filter}


@functools.cache
def _messages(ui: str) -> _CachedGettext:
    """The interface messages in ``ui``, each looked up once (see _CachedGettext)."""
    return _CachedGettext(i18n.translations(ui))


@functools.cache
def _language_globals(lang: str) -> dict[str, Any]:
    """The template helpers in ``lang``: built once per language, not once per page."""
    ui = i18n.interface_language(lang)
    _ = i18n.translations(ui).gettext
    cached = _messages(ui)
    return {
        "gettext": cached.gettext,
        "_": cached.gettext,
        "ngettext": cached.ngettext,
        "lang": lang,
        "language_names": lambda codes: ", ".join(i18n.language_name(c, ui) for c in codes),
        "tx": _tx,
        "md": _md,
        "plain": _plain_in,
        "fdate": lambda value: _date(value, ui),
        "fpartial": lambda value: _partial_date(value, ui),
        "fmonth": lambda day: i18n.month(day, ui),
        "short": _short_in,
        "attention_kind": lambda kind: _(i18n.ATTENTION_NAMES.get(kind) or kind),
        "field_name": lambda name: _(i18n.FIELD_NAMES.get(name) or name),
        "issue_numbers": lambda iids: ", ".join(f"#{iid}" for iid in iids),
        "code": lambda text: Markup("<code>{0}</code>").format(text),
        "report_error_url": _report_error_url,
        "fnum": lambda value: i18n.number(value, ui),
        "status_name": lambda status: _(i18n.STATUS_NAMES[status]),
        "completion_name": lambda level: _(i18n.COMPLETION_NAMES[level]),
        "notice_text": lambda code: _(i18n.NOTICE_NAMES.get(code) or code),
        "fpercent": lambda part, whole: i18n.percent(part / whole if whole else 0, ui),
        "ldate": lambda value: i18n.long_date(_day(value), ui),
        "lpartial": lambda value: _partial_text(value, ui),
        "safe_url": safe_url,
        "feed_id": _feed_id,
        "feed_updated": _feed_updated,
        "timeline_rows": _timeline_rows_in(lang, ui, cached),
        "feed_rows": _feed_rows_in(lang, cached),
        "milestone_cells": _milestone_cells_in(lang, ui, _),
        "commitment_rows": _commitment_rows_in(lang, ui, _),
        "attention_rows": _attention_rows_in(lang, ui, _),
        "attention_feed_rows": _attention_feed_rows_in(lang, _),
    }


class _CachedGettext:
    """Jinja's newstyle ``gettext`` and ``ngettext`` with each message looked up once.

    They behave as jinja2.ext's (the message is escaped-safe Markup when the template
    autoescapes, then always %-formatted with the keyword arguments), but a page calls them
    a few hundred times with the same few dozen messages: the lookup, the Markup and, without
    arguments, the formatting are done once per message instead of on every call.
    """

    def __init__(self, translations: gettext.NullTranslations) -> None:
        self._translations = translations
        self.plain: Callable[[str], str] = translations.gettext  # a name, not a message
        self._plain: dict[tuple[str, bool], str] = {}  # (message, autoescape) -> page text
        self._formats: dict[tuple[str, bool], str] = {}  # the same, before formatting

    def _format(self, message: str, autoescape: bool) -> str:
        key = (message, autoescape)
        found = self._formats.get(key)
        if found is None:
            found = self._translations.gettext(message)
            # Messages are ours, from the catalogs: trusted markup, as Jinja treats them.
            found = self._formats[key] = Markup(found) if autoescape else found  # noqa: S704
        return found

    def markup(self, message: str, /, **variables: Any) -> Markup:
        """``message`` translated and filled, as ``_()`` does it in an HTML or XML template."""
        return cast(Markup, _fill(self._format(message, True), variables))

    def _text(self, message: str, autoescape: bool, variables: dict[str, Any]) -> str:
        if variables:
            return _fill(self._format(message, autoescape), variables)
        key = (message, autoescape)
        found = self._plain.get(key)
        if found is None:
            # Formatted even without arguments, as Jinja does: "%%" in a message is "%".
            found = self._plain[key] = self._format(message, autoescape) % {}
        return found

    @jinja2.pass_eval_context
    def gettext(self, eval_ctx: jinja2.nodes.EvalContext, message: str,
                **variables: Any) -> str:
        return self._text(message, eval_ctx.autoescape, variables)

    @jinja2.pass_context
    def filter(self, context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        """``gettext`` as the filter a ``_()`` call compiles to (see templating.HelperCalls)."""
        return self._text(message, context.eval_ctx.autoescape, variables)

    @jinja2.pass_eval_context
    def ngettext(self, eval_ctx: jinja2.nodes.EvalContext, singular: str, plural: str,
                 num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        rv = self._translations.ngettext(singular, plural, num)
        return _fill(Markup(rv) if eval_ctx.autoescape else rv, variables)  # noqa: S704 - ours


# Placeholders the catalogs use: %(name)s, and %% for a percent sign.
_PLAIN_PLACEHOLDERS = re.compile(r"(?:[^%]|%%|%\(\w+\)s)*")


@functools.lru_cache(maxsize=1024)
def _plain_placeholders(message: str) -> bool:
    return _PLAIN_PLACEHOLDERS.fullmatch(message) is not None


def _fill(message: str, variables: dict[str, Any]) -> str:
    """``message % variables``; for Markup, each value escaped, as Markup's % does.

    Markup's % wraps every value in a helper object, several times the cost of escaping it:
    with only %(name)s placeholders, escaping the values first gives the same text.
    """
    if type(message) is not Markup or not _plain_placeholders(message):
        return message % variables
    return Markup(str.__mod__(message, {name: escape_output(value)  # noqa: S704 - escaped
                                        for name, value in variables.items()}))


# --- helpers the templates call -------------------------------------------------------------


class _Fragments:
    """``{% call once(key...) %}...{% endcall %}``: render the block once per key and build.

    A milestone's row is the same on its commitment's page, its institution's page and the
    plan's overdue list: the block is rendered the first time and its HTML reused after. The
    key must name everything the block shows that can change (the language, the item); the
    block must not depend on the page it is on (no url()). One per environment, and so per
    build (see template_environment): nothing outlives the report it was rendered from.
    """

    def __init__(self) -> None:
        self._done: dict[tuple[Any, ...], str] = {}

    def __call__(self, *key: Any, caller: Callable[[], str]) -> str:
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = caller()
        return found



@jinja2.pass_context
def _url(context: jinja2.runtime.Context, target: str) -> str:
    """``target`` (a path from the site root) relative to the page being rendered."""
    return _relative(target, _folder(context["page"]))


@functools.lru_cache(maxsize=1024)  # a page asks for its folder for each of its links
def _folder(page: str) -> str:
    return posixpath.dirname(page) or "."


@functools.lru_cache(maxsize=65536)
def _relative(target: str, folder: str) -> str:
    # Cached: a page links to the same few folders (plan, institutions, assets) many times.
    relative = _relative_path(target.removesuffix("/"), folder) or posixpath.relpath(
        target, folder)
    return relative + ("/" if target.endswith("/") and not relative.endswith("/") else "")


_ODD_PARTS = frozenset({"", ".", ".."})


def _relative_path(target: str, folder: str) -> str | None:
    """``posixpath.relpath(target, folder)`` for two plain paths from the site's root.

    relpath makes both absolute against the working directory (a system call each) before
    comparing them; the site's own paths need no such thing. None for a path with an empty,
    ``.`` or ``..`` part, or an absolute one: relpath decides those.
    """
    parts = target.split("/")
    here = [] if folder == "." else folder.split("/")
    if not _ODD_PARTS.isdisjoint(parts) or not _ODD_PARTS.isdisjoint(here):
        return None
    common = 0
    for mine, theirs in zip(here, parts, strict=False):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + parts[common:]) or "."


def _pick(text: Text, lang: str, languages: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """``text`` in ``lang``, else in the first of ``languages`` (the plan's), else in any."""
    value = text.get(lang)
    if value is not None:  # the usual case, without sorting the fallbacks
        return value, lang
    return text.pick(lang, (*languages, *sorted(text.values)))


def _declared(context: jinja2.runtime.Context, of: PlanView | None) -> tuple[str, ...]:
    """The languages of the plan a text belongs to: ``of``, else the page's plan.

    A site-wide page names no plan: it passes ``of`` for texts of one plan, and any other
    text is taken to belong to every language of the site.
    """
    view = of or context.get("plan")
    if isinstance(view, PlanView):
        return view.languages
    report: Report = context["report"]
    return report.languages


@jinja2.pass_context
def _tx(context: jinja2.runtime.Context, text: Text, of: PlanView | None = None) -> Markup:
    """A one-line text in the page's language (see :func:`_localized`)."""
    return _localized(text, context["lang"], _declared(context, of), block=False)


@jinja2.pass_context
def _md(context: jinja2.runtime.Context, text: Text, base: str | None = None,
        top: int = 3) -> Markup:
    """A Markdown text in the page's language (see :func:`_localized`)."""
    return _localized(text, context["lang"], _declared(context, None), block=True, base=base,
                      top=top)


def _plain(text: Text, lang: str, languages: tuple[str, ...] = ()) -> str:
    picked = _pick(text, lang, languages)
    return picked[0] if picked else ""


def _languages_of(context: jinja2.runtime.Context, plan_id: str | None) -> tuple[str, ...]:
    """The languages of the plan ``plan_id`` (site-wide pages name it), else of the page's.

    A text missing in the page's language falls back to its own plan's primary language
    first, as on the plan's pages, not to whichever language sorts first.
    """
    languages: tuple[str, ...] | None = context["languages_by_plan"].get(plan_id)
    return languages or _declared(context, None)


@jinja2.pass_context
def _plain_in(context: jinja2.runtime.Context, text: Text, plan_id: str | None = None) -> str:
    return _plain(text, context["lang"], _languages_of(context, plan_id))


@jinja2.pass_context
def _short_in(context: jinja2.runtime.Context, text: Text,
              plan_id: str | None = None) -> Markup:
    return _short(text, context["lang"], _languages_of(context, plan_id))


def _shorten(value: str, limit: int) -> str:
    """``value`` cut at a word before ``limit`` characters, with an ellipsis when cut."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0] if " " in value[:limit] else value[:limit]
    return cut.rstrip(" ,;:.(") + "…"


def _short(text: Text, lang: str, languages: tuple[str, ...] = ()) -> Markup:
    """A title cut short to name an item in a row; in another language, said with ``lang``.

    No "translation missing" note here: the item's own row in the milestones table has it,
    and repeating it on every timeline row would drown the rows.
    """
    picked = _pick(text, lang, languages)
    if picked is None:
        return Markup("")
    value, used = picked
    if used == lang:
        return escape(_shorten(value, SHORT_TITLE))
    return Markup('<span lang="{0}">{1}</span>').format(used, _shorten(value, SHORT_TITLE))


def _localized(
    text: Text, lang: str, languages: tuple[str, ...], *, block: bool, base: str | None = None,
    top: int = 3,
) -> Markup:
    """The text in ``lang``, or in another of the plan's ``languages``, marked with ``lang``.

    When the plan declares ``lang`` and lacks this text in it, a visible "translation
    missing" says so. When the plan does not declare ``lang`` (a site-wide page in a
    language the plan is not written in), nothing is missing: no note.
    """
    picked = _pick(text, lang, languages)
    if picked is None:
        return Markup("")
    value, used = picked
    body = render_markdown(value, base, top) if block else escape(value)
    if used == lang:
        return body
    if lang not in languages:
        if block:
            return Markup('<div lang="{0}">{1}</div>').format(used, body)
        return Markup('<span lang="{0}">{1}</span>').format(used, body)
    ui = i18n.interface_language(lang)
    note = i18n.translations(ui).gettext("Translation missing: shown in %(language)s.") % {
        "language": i18n.language_name(used, ui)
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
    # Markup.format escapes through string.Formatter, several times slower than an f-string
    # of escaped parts: this runs for every date of every timeline.
    return Markup(f'<time datetime="{escape_text(machine)}">'  # noqa: S704 - parts escaped
                  f"{_long_date_text(day, lang)}</time>")


@functools.lru_cache(maxsize=4096)
def _long_date_text(day: dt.date, lang: str) -> str:
    """The long date, escaped: a report shows few distinct days, each many times."""
    return escape_text(i18n.long_date(day, lang))


def machine_time(value: dt.datetime) -> str:
    """``value`` for ``<time datetime>``: HTML allows at most three digits of a second.

    GitLab (and the fake's real clock) give microseconds; ``isoformat()`` would write all six.
    """
    # Without microseconds, isoformat() writes whole seconds, as timespec="seconds" does.
    return value.isoformat(timespec="milliseconds") if value.microsecond else value.isoformat()


def _partial_text(value: PartialDate, lang: str) -> str:
    """A day as a long date, a month as "November 2026": deadlines as the plan wrote them."""
    return i18n.long_date(value.first_day, lang) if value.day else i18n.month(value.first_day, lang)


def _partial_date(value: PartialDate | None, lang: str) -> Markup:
    if value is None:
        return Markup("")
    # iso() is YYYY-MM-DD for a day (as date.isoformat() writes it) and YYYY-MM for a month.
    # An f-string of escaped parts, as in _date: Markup.format is several times slower.
    return Markup(f'<time datetime="{escape_text(value.iso())}">'  # noqa: S704 - escaped
                  f"{escape_text(_partial_text(value, lang))}</time>")


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
    return _error_url(base, i18n.interface_language(lang), item_id,
                      _plain(title, lang, _declared(context, None)), is_commitment)


# Not cached: a milestone's cells, where its link is, are rendered once per language (see
# `once` in macros.html), and a commitment's page asks for its own link once.
def _error_url(base: str, ui: str, item_id: str, title: str, is_commitment: bool) -> str:
    _ = i18n.translations(ui).gettext
    if is_commitment:
        subject = _("Wrong data on commitment %(id)s") % {"id": item_id}
        name = _("Commitment %(id)s: %(title)s")
    else:
        subject = _("Wrong data on milestone %(id)s") % {"id": item_id}
        name = _("Milestone %(id)s: %(title)s")
    # urlencode({"issue[title]": subject, "issue[description]": body}), where the body is
    # the name, then the same two questions on every link: quoting is character by
    # character, so the questions are quoted once per language and appended.
    return (f"{base.rstrip('/')}/-/issues/new?{_TITLE_KEY}={_quote(subject)}"
            f"&{_DESCRIPTION_KEY}={_quote(name % {'id': item_id, 'title': title})}"
            f"{_quoted_questions(ui)}")


class _QuotedCharacters(dict[int, str]):
    """Each character as quote_plus quotes it, worked out on first sight."""

    def __missing__(self, code: int) -> str:
        quoted = self[code] = quote_plus(chr(code))
        return quoted


_QUOTED = _QuotedCharacters()


def _quote(text: str) -> str:
    """``quote_plus(text)``: it quotes character by character, so a table does it at C speed."""
    return text.translate(_QUOTED)


_TITLE_KEY = quote_plus("issue[title]")
_DESCRIPTION_KEY = quote_plus("issue[description]")


@functools.cache
def _quoted_questions(ui: str) -> str:
    """The end of every error report's description in ``ui``, quoted for a query string."""
    _ = i18n.translations(ui).gettext
    return quote_plus("".join((
        "\n\n", _("What is wrong (which milestone, which date or status):"),
        "\n\n", _("What it should say, and how you know:"),
    )))


@functools.lru_cache(maxsize=131072)  # an event is in its commitment's feed in each language
def _feed_id(key: str) -> str:
    """``urn:uuid:`` and ``uuid.uuid5(FEED_NAMESPACE, key)``, without building a UUID object."""
    name = FEED_NAMESPACE.bytes + key.encode()
    digest = bytearray(hashlib.sha1(name, usedforsecurity=False).digest()[:16])  # as uuid5
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@jinja2.pass_context
def _feed_updated(context: jinja2.runtime.Context, events: tuple[Event, ...]) -> str:
    """Atom's <updated>: the newest entry, else the snapshot's time, else the report's day."""
    report: Report = context["report"]
    if events:
        return events[0].at.isoformat()
    if report.generated_at:
        return report.generated_at.isoformat()
    return dt.datetime.combine(report.today, dt.time(), dt.UTC).isoformat()


# --- rows: the values of the templates' longest loops, one call per list --------------------


Names = dict[str | None, str]


def _names(_: Callable[[str], str]) -> tuple[Names, Names, Names]:
    """Author roles, milestone statuses and completion levels named in one language.

    Keyed by their codes; the enums are str, so a status as a snapshot's history gives it
    finds its name.
    """
    return ({role: _(name) for role, name in i18n.ROLE_NAMES.items()},
            {status: _(name) for status, name in i18n.STATUS_NAMES.items()},
            {level: _(name) for level, name in i18n.COMPLETION_NAMES.items()})


# Rows are built with tuple.__new__: a NamedTuple's own __new__ is a Python function, and a
# site builds tens of thousands of rows. The templates unpack them in their for loops.
_row = tuple.__new__


class TimelineRow(NamedTuple):
    """A timeline entry's values in the page's language; event.html unpacks them, in this order."""

    event: Event
    when: Markup  # its date, as a <time>
    title: Markup  # a status change's item, by its short title
    status: str  # the status (or a commitment's completion level) it took, named
    role: str  # a comment's author role, named
    said: Markup  # who commented on which item
    web_url: str | None  # the comment on GitLab, when its address is safe to link
    body: Markup  # the comment as HTML
    lang: str | None  # the comment's language, when it is not the page's


def _timeline_rows_in(lang: str, ui: str,
                      messages: _CachedGettext) -> Callable[..., list[TimelineRow]]:
    """``timeline_rows(events)`` for pages in ``lang``: one call per timeline, not per entry."""
    _ = messages.plain
    roles, statuses, levels = _names(_)
    empty = Markup("")

    @jinja2.pass_context
    def timeline_rows(context: jinja2.runtime.Context,
                      events: Iterable[Event]) -> list[TimelineRow]:
        by_plan: dict[str, tuple[str, ...]] = context["languages_by_plan"]
        page_languages = _declared(context, None)
        rows = []
        for event in events:
            comment = event.comment
            if comment is None:
                languages = by_plan.get(event.plan_id) or page_languages
                status = (levels if event.is_commitment else statuses)[event.status]
                rows.append(_row(TimelineRow, (
                    event, _date(event.at, ui), _short(event.item_title, lang, languages),
                    status, "", empty, None, empty, None)))
                continue
            web_url = safe_url(comment.web_url)
            role = comment.author_role
            rows.append(_row(TimelineRow, (
                event, _date(event.at, ui), empty, "", roles.get(role) or _(role),
                _said(messages, comment.author_name, event.item_id), web_url,
                render_markdown(comment.body, web_url, 4),
                event.lang if event.lang and event.lang != lang else None)))
        return rows

    return timeline_rows


class FeedRow(NamedTuple):
    """A feed entry's values in the feed's language; feed.xml unpacks them, in this order."""

    event: Event
    id: str  # stable from one build to the next
    updated: str  # RFC 3339
    title: Markup  # what happened (without a comment's author role)
    role: str  # a comment's author role, named
    content: str  # the comment as HTML, to be escaped into the XML


def _feed_rows_in(lang: str, messages: _CachedGettext) -> Callable[..., list[FeedRow]]:
    """``feed_rows(events)`` for feeds in ``lang``: one call per feed, not per entry."""
    _ = messages.plain
    roles, statuses, levels = _names(_)

    @jinja2.pass_context
    def feed_rows(context: jinja2.runtime.Context, events: Iterable[Event]) -> list[FeedRow]:
        by_plan: dict[str, tuple[str, ...]] = context["languages_by_plan"]
        page_languages = _declared(context, None)
        rows = []
        for event in events:
            comment = event.comment
            if comment is None:
                if event.is_commitment:
                    title = messages.markup(
                        N_("Commitment %(id)s: completion level set to %(level)s."),
                        id=event.item_id, level=levels[event.status])
                else:
                    languages = by_plan.get(event.plan_id) or page_languages
                    title = messages.markup(
                        N_("Milestone %(id)s (%(title)s): status set to %(status)s."),
                        id=event.item_id, title=_plain(event.item_title, lang, languages),
                        status=statuses[event.status])
                rows.append(_row(FeedRow, (event, _feed_id(event.key), event.at.isoformat(),
                                           title, "", "")))
                continue
            role = comment.author_role
            # The same arguments as the timeline's, so the feed reuses its cached rendering.
            content = str(render_markdown(comment.body, safe_url(comment.web_url), 4))
            rows.append(_row(FeedRow, (event, _feed_id(event.key), event.at.isoformat(),
                                       _said(messages, comment.author_name, event.item_id),
                                       roles.get(role) or _(role), content)))
        return rows

    return feed_rows


def _said(messages: _CachedGettext, name: str, item_id: str) -> Markup:
    """Who commented on which item, for a timeline entry or a feed entry."""
    return messages.markup(N_("%(name)s commented on %(item)s"), name=name, item=item_id)


class MilestoneCells(NamedTuple):
    """A milestone's values in a table row, in the page's language; macros.html lays them out."""

    title: Markup
    due: Markup  # the due date, as a <time>; empty without one
    due_text: Markup  # the deadline in the plan's words; empty without them
    status: str  # named
    since: Markup  # when it took its status, as a <time>; empty when unknown
    completed: Markup  # when it was reported complete, as a <time>; empty while it is not
    issue_href: str | None  # its GitLab issue, when its address is safe to link
    report_href: str | None  # a new GitLab issue reporting an error on it (see report_error_url)


def _milestone_cells_in(lang: str, ui: str,
                        _: Callable[[str], str]) -> Callable[..., MilestoneCells]:
    """``milestone_cells(row)`` for pages in ``lang``: the values of the row's cells."""
    statuses = _names(_)[1]
    empty = Markup("")

    @jinja2.pass_context
    def milestone_cells(context: jinja2.runtime.Context, row: MilestoneRow) -> MilestoneCells:
        milestone = row.milestone
        languages = _declared(context, None)
        return MilestoneCells(
            _localized(milestone.title, lang, languages, block=False),
            _partial_date(milestone.due, ui),
            _localized(milestone.due_text, lang, languages, block=False) if milestone.due_text
            else empty,
            statuses[row.status],
            _date(row.status_since, ui),
            _date(row.completed_at, ui),
            safe_url(row.issue.web_url) if row.issue else None,
            _report_error_url(context, milestone.id, milestone.title, False),
        )

    return milestone_cells


class CommitmentRow(NamedTuple):
    """A commitment's values in a table row, in the page's language; macros.html lays them out."""

    commitment: CommitmentView
    href: str  # its page
    title: Markup
    leads: list[Markup]  # its lead institutions
    rank: int  # of its completion level, for sorting
    completion: str  # its completion level, named
    done: str  # milestones complete, as a number in the page's language
    total: str  # milestones
    overdue: str  # milestones overdue
    updated_iso: str  # its last update (RFC 3339), empty without one
    updated: Markup  # the same, as a <time>


def _commitment_rows_in(lang: str, ui: str,
                        _: Callable[[str], str]) -> Callable[..., list[CommitmentRow]]:
    """``commitment_rows(commitments)`` for pages in ``lang``: one call per table."""
    levels = _names(_)[2]
    ranks: dict[Completion | None, int] = {level: n for n, level in enumerate(Completion)}

    @jinja2.pass_context
    def commitment_rows(context: jinja2.runtime.Context,
                        commitments: Iterable[CommitmentView]) -> list[CommitmentRow]:
        languages = _declared(context, None)
        path = context["commitment_path"]
        rows = []
        for view in commitments:
            commitment = view.commitment
            rows.append(CommitmentRow(
                view, _url(context, path(lang, view.plan_id, commitment.id)),
                _localized(commitment.title, lang, languages, block=False),
                [_localized(lead, lang, languages, block=False)
                 for lead in commitment.lead_institutions],
                ranks.get(view.completion, -1), levels[view.completion],
                i18n.number(view.done, ui), i18n.number(view.total, ui),
                i18n.number(view.overdue, ui),
                view.last_update.isoformat() if view.last_update else "",
                _date(view.last_update, ui)))
        return rows

    return commitment_rows


class AttentionRow(NamedTuple):
    """An attention entry's values in its page's language; attention.html unpacks them in order."""

    entry: Attention
    kind: str  # named
    href: str  # its commitment's page
    title: Markup  # its item, by its short title
    issue_href: str | None  # its GitLab issue, when its address is safe to link
    days: str  # days late or without change, as a number in the page's language
    due: Markup  # an overdue item's due date, as a <time>
    since: Markup  # a stale item's last change, as a <time>


def _attention_rows_in(lang: str, ui: str,
                       _: Callable[[str], str]) -> Callable[..., list[AttentionRow]]:
    """``attention_rows(entries)`` for pages in ``lang``: one call per list, not per entry."""
    kind_name = _attention_kind_names(_)

    @jinja2.pass_context
    def attention_rows(context: jinja2.runtime.Context,
                       entries: Iterable[Attention]) -> list[AttentionRow]:
        place = _attention_place(context, lang)
        rows = []
        for entry in entries:
            issue = entry.issue
            href, languages = place(entry)
            rows.append(_row(AttentionRow, (
                entry, kind_name(entry.kind), href,
                _short(entry.item_title, lang, languages),
                safe_url(issue.web_url) if issue else None,
                "" if entry.days is None else i18n.number(entry.days, ui),
                _partial_date(entry.due, ui), _date(entry.since, ui))))
        return rows

    return attention_rows


class AttentionFeedRow(NamedTuple):
    """An attention entry's values in its feed's language; attention.xml unpacks them in order."""

    entry: Attention
    id: str  # stable while the problem lasts
    kind: str  # named
    href: str  # its commitment's page
    title: str  # its item, by its plain short title


def _attention_feed_rows_in(lang: str,
                            _: Callable[[str], str]) -> Callable[..., list[AttentionFeedRow]]:
    """``attention_feed_rows(entries)`` for the feed in ``lang``: one call per feed."""
    kind_name = _attention_kind_names(_)

    @jinja2.pass_context
    def attention_feed_rows(context: jinja2.runtime.Context,
                            entries: Iterable[Attention]) -> list[AttentionFeedRow]:
        place = _attention_place(context, lang)
        rows = []
        for entry in entries:
            href, languages = place(entry)
            rows.append(_row(AttentionFeedRow, (
                entry, _feed_id(f"attention-{entry.key}"), kind_name(entry.kind), href,
                _shorten(_plain(entry.item_title, lang, languages), SHORT_TITLE))))
        return rows

    return attention_feed_rows


def _attention_kind_names(_: Callable[[str], str]) -> Callable[[str], str]:
    """An attention kind's name through ``_``, each known kind looked up once."""
    kinds = {kind: _(name) for kind, name in i18n.ATTENTION_NAMES.items()}
    return lambda kind: kinds.get(kind) or _(kind)


def _attention_place(context: jinja2.runtime.Context,
                     lang: str) -> Callable[[Attention], tuple[str, tuple[str, ...]]]:
    """For an entry on the page being rendered: its commitment page's link, and the
    languages its texts fall back through (its own plan's, else the page's)."""
    by_plan: dict[str, tuple[str, ...]] = context["languages_by_plan"]
    page_languages = _declared(context, None)
    path = context["commitment_path"]

    def place(entry: Attention) -> tuple[str, tuple[str, ...]]:
        return (_url(context, path(lang, entry.plan_id, entry.commitment_id)),
                by_plan.get(entry.plan_id) or page_languages)

    return place


# --- paths ----------------------------------------------------------------------------------


def _twin(page: str, lang: str) -> str:
    return posixpath.join(lang, page.split("/", 1)[1])


def _alternates(page: str, languages: tuple[str, ...]) -> list[tuple[str, str]]:
    """The page in each of ``languages`` (it exists in each), as (language, path)."""
    return [(lang, _twin(page, lang)) for lang in languages]


# --- the build ------------------------------------------------------------------------------


class _Writer:
    """Renders templates into the temporary site folder and counts the pages it wrote."""

    def __init__(self, root: Path, env: Environment) -> None:
        self.root = root
        self.env = env
        self.pages = 0
        self._folders: set[Path] = set()  # made already: a plan's pages share a few folders
        self._pending: list[tuple[str, str]] = []  # rendered, not written yet: (page, text)
        self._pending_size = 0  # their characters

    def page(self, template: str, page: str, languages: tuple[str, ...], **context: Any) -> None:
        """Write an HTML page that exists in each of ``languages`` (the language chooser)."""
        self.write(template, page, alternates=_alternates(page, languages), **context)
        self.pages += 1

    def write(self, template: str, page: str, **context: Any) -> None:
        text = self.env.get_template(template).render(page=page, **context)
        self.text(page, text)

    def text(self, page: str, text: str) -> None:
        """Write ``text`` to ``page``, with the next ones (see flush)."""
        self._pending.append((page, text))
        self._pending_size += len(text)
        if len(self._pending) >= WRITE_BATCH or self._pending_size >= WRITE_BATCH_CHARACTERS:
            self.flush()

    def flush(self) -> None:
        """Write the pages rendered since the last flush.

        A batch at a time, as the Markdown: the system calls and the templates run faster
        apart than alternating, each keeping the processor's caches to itself.
        """
        for page, text in self._pending:
            path = self.root / page
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(path.parent)
            path.write_text(text, encoding="utf-8")
        self._pending.clear()
        self._pending_size = 0


def build_site(report: Report, out: Path, progress: Progress = lambda _line: None,
               warn: Progress | None = None) -> int:
    """Write the whole site to ``out``, replacing what was there; the number of pages.

    ``warn`` (default: ``progress``) is told once of each language without a catalog.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    for line in uncatalogued(report):
        (warn or progress)(line)
    temp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        writer = _Writer(temp, template_environment())
        use_report(writer.env, report)
        _write_all(report, writer, progress)
        writer.flush()
        _swap(temp, out)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return writer.pages


def uncatalogued(report: Report) -> list[str]:
    """One warning per language of the plans that has no interface catalog."""
    lines = []
    for lang in report.languages:
        if i18n.interface_language(lang) == lang:
            continue
        plans = ", ".join(view.id for view in report.plans if lang in view.languages)
        lines.append(
            f"warning: no interface catalog for {lang!r} (plans: {plans}): its pages show the "
            f"plan's {lang!r} texts with the English interface; to translate the interface, "
            f"{i18n.catalog_hint(lang)}")
    return lines


def _write_all(report: Report, writer: _Writer, progress: Progress) -> None:
    progress("assets: style sheet and table script")
    _copy_assets(writer)
    site = report.languages

    def ui(lang: str) -> gettext.NullTranslations:
        return i18n.translations(i18n.interface_language(lang))

    # A language without a catalog has its card in English, the interface its pages use; its
    # button names the language itself ("Deutsch"), not a second "Read in English".
    writer.write("choose-language.html", "index.html", choices=[
        {"lang": lang, "text_lang": i18n.interface_language(lang),
         "title": ui(lang).gettext("Open Government action plan follow-up"),
         "intro": ui(lang).gettext("Commitments, milestones, their status and public comments."),
         "enter": ui(lang).gettext("Read in English") if i18n.interface_language(lang) == lang
         else i18n.own_language_name(lang)}
        for lang in site])
    for lang in site:
        use_language(writer.env, lang)
        progress(f"{lang}: overview pages")
        common = {"report": report}
        writer.page("home.html", f"{lang}/index.html", site, **common)
        writer.page("data.html", f"{lang}/data.html", site, **common, columns={
            "commitments": described(COMMITMENT_COLUMNS, site),
            "milestones": described(MILESTONE_COLUMNS, site),
            "comments": described(COMMENT_COLUMNS, site),
            "reported": described(REPORTED_COLUMNS, site)})
        writer.write("feed.xml", f"{lang}/feed.xml", **common, events=report.recent,
                     commitment=None, plan=None)
        entries = tuple(report.attention())
        writer.page("attention.html", f"{lang}/attention/index.html", site, **common,
                    attention_counts=_attention_counts(entries))
        writer.write("attention.xml", f"{lang}/attention/feed.xml", **common, entries=entries)
        for view in report.plans:
            if lang not in view.languages:
                continue
            here = view.languages
            writer.page("plan.html", plan_path(lang, view.id), here, **common, plan=view)
            writer.page("institutions.html", institutions_path(lang, view.id), here,
                        **common, plan=view)
            for institution in view.institutions:
                writer.page("institution.html", institution_path(lang, view.id, institution.slug),
                            here, **common, plan=view, institution=institution)
        progress(f"{lang}: Markdown report")
        writer.write("report.md", f"report.{lang}.md", **common,
                     plans=[view for view in report.plans if lang in view.languages])
    progress("commitment pages and feeds, in each plan's languages")
    for view in report.plans:
        for start in range(0, len(view.commitments), MARKDOWN_BATCH):
            batch = view.commitments[start:start + MARKDOWN_BATCH]
            _markdown_first(view, batch)
            for commitment in batch:
                for lang in view.languages:
                    use_language(writer.env, lang)
                    writer.page("commitment.html", commitment_path(lang, view.id, commitment.id),
                                view.languages, report=report, plan=view, c=commitment)
                    writer.write("feed.xml",
                                 commitment_path(lang, view.id, commitment.id, "xml"),
                                 report=report, events=commitment.timeline,
                                 commitment=commitment, plan=view)
    progress("open data: plan.json and CSV files")
    write_data(report, writer.root)


def _markdown_first(view: PlanView, commitments: Iterable[CommitmentView]) -> None:
    """Render the Markdown of these commitments' pages and feeds before the pages.

    Rendered between pages, the same texts cost half as much again, and the pages more:
    the Markdown parser and sanitiser (C and Rust) and the templates keep evicting each
    other from the processor's caches. render_markdown's cache keeps the HTML for the pages
    and feeds; a batch at a time, so that a plan at OGP scale never outgrows it.
    """
    for c in commitments:
        commitment = c.commitment
        for text in (commitment.stakes, commitment.context, commitment.description):
            if text:  # as the page does (md in commitment.html)
                for lang in view.languages:
                    _localized(text, lang, view.languages, block=True)
        for event in c.timeline:  # as timeline_rows and feed_rows do
            if event.comment is not None:
                render_markdown(event.comment.body, safe_url(event.comment.web_url), 4)


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
