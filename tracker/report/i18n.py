"""Interface strings and locale formatting for the report's languages.

Catalogs are ``tracker/locale/<lang>/LC_MESSAGES/messages.po``. They are compiled in memory
by Babel each time the report is built (it takes milliseconds), so there is no ``.mo`` file
to forget to rebuild: what is in the ``.po`` is what the site says. Message ids are English.
"""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, format_percent

from tracker.i18n import LOCALE_DIR, N_, catalog_hint, interface_language, translations
from tracker.snapshot import (
    NOTICE_CLAIMED_BY_SEVERAL,
    NOTICE_ISSUE_CONFIDENTIAL,
    NOTICE_ISSUE_DELETED,
    NOTICE_ISSUE_MOVED,
    NOTICE_SEVERAL_COMPLETION_LABELS,
    NOTICE_SEVERAL_STATUS_LABELS,
)
from tracker.status import Completion, MilestoneStatus

# The report's users import these from here.
__all__ = ["LOCALE_DIR", "N_", "catalog_hint", "interface_language", "translations"]


STATUS_NAMES: dict[MilestoneStatus | None, str] = {
    MilestoneStatus.NOT_STARTED: N_("Not started"),
    MilestoneStatus.IN_PROGRESS: N_("In progress"),
    MilestoneStatus.COMPLETE: N_("Complete"),
    MilestoneStatus.DELAYED: N_("Delayed"),
    MilestoneStatus.WITHDRAWN: N_("Withdrawn"),
    None: N_("No update yet"),
}

COMPLETION_NAMES: dict[Completion | None, str] = {
    Completion.NOT_STARTED: N_("Not started"),
    Completion.LIMITED: N_("Limited"),
    Completion.SUBSTANTIAL: N_("Substantial"),
    Completion.COMPLETE: N_("Complete"),
    Completion.WITHDRAWN: N_("Withdrawn"),
    None: N_("No update yet"),
}

ROLE_NAMES: dict[str, str] = {
    "administration": N_("Administration"),
    "civil_society": N_("Civil society"),
}

ATTENTION_NAMES: dict[str, str] = {
    "label": N_("Mistyped label"),
    "conflict": N_("Conflict left by the push"),
    "claimed-twice": N_("Claimed by several issues"),
    "issue-gone": N_("Issue gone"),
    "not-on-gitlab": N_("Not on GitLab"),
    "confidential": N_("Hidden from the public"),
    "kept-edit": N_("Edit kept by the push"),
    "overdue": N_("Overdue"),
    "stale": N_("No recent update"),
}

# The issue fields a push finding names (see tracker.snapshot.PushFinding).
FIELD_NAMES: dict[str, str] = {
    "title": N_("title"),
    "description": N_("description"),
    "due date": N_("due date"),
    "milestone": N_("GitLab milestone"),
    "labels": N_("labels"),
}


NOTICE_NAMES: dict[str, str] = {
    NOTICE_ISSUE_DELETED: N_("The GitLab issue was deleted."),
    NOTICE_ISSUE_MOVED: N_("The GitLab issue was moved to another project."),
    NOTICE_ISSUE_CONFIDENTIAL: N_(
        "The GitLab issue was made confidential; its comments are hidden."
    ),
    NOTICE_SEVERAL_STATUS_LABELS: N_("The GitLab issue has several status labels at once."),
    NOTICE_SEVERAL_COMPLETION_LABELS: N_(
        "The GitLab issue has several completion labels at once."
    ),
    NOTICE_CLAIMED_BY_SEVERAL: N_(
        "Several GitLab issues claim this item; only the oldest one is read."
    ),
}


@functools.lru_cache(maxsize=4096)  # Babel is slow and a report shows few distinct days
def long_date(day: dt.date, lang: str) -> str:
    """``21 novembre 2026`` / ``November 21, 2026``."""
    return str(format_date(day, format="long", locale=lang))


@functools.lru_cache(maxsize=1024)
def month(day: dt.date, lang: str) -> str:
    """``novembre 2026`` / ``November 2026``: for deadlines written as a month."""
    return str(format_skeleton("yMMMM", day, locale=lang))


@functools.lru_cache(maxsize=4096)  # Babel again: every table row shows a few counts
def number(value: int | float, lang: str) -> str:
    """``4 000`` / ``4,000``."""
    return str(format_decimal(value, locale=lang))


@functools.lru_cache(maxsize=4096)
def percent(value: float, lang: str) -> str:
    """``42 %`` / ``42%`` for 0.42."""
    return str(format_percent(value, locale=lang))


@functools.cache
def language_name(code: str, in_lang: str) -> str:
    """The name of language ``code`` written in ``in_lang``: ("en", "fr") -> "anglais"."""
    name = Locale.parse(in_lang).languages.get(code, code)
    return str(name)


@functools.cache
def own_language_name(code: str) -> str:
    """The name a language has for itself, capitalised for a menu: "Français", "English"."""
    try:
        name = language_name(code, code)
    except UnknownLocaleError:  # a code Babel has no data for: its code is its name
        name = code
    return name[:1].upper() + name[1:]
