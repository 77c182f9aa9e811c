"""The one translation mechanism: gettext catalogs for the site, issue texts and notes.

Catalogs are ``tracker/locale/<lang>/LC_MESSAGES/messages.po``, compiled in memory by Babel
the first time a language is asked for (milliseconds), so there is no ``.mo`` file to forget
to rebuild: what is in the ``.po`` is what the tool says. Message ids are English; a language
without a catalog speaks English (:func:`interface_language` says which one a page uses).

Adding a language is adding its catalog: see "Adding a language" in docs/en/contributing.md.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs; it is translated later, where it is shown."""
    return message


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog for ``lang``; English needs none (its ids are the messages)."""
    path = catalog_path(lang)
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as stream:
        catalog = read_po(stream, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def catalog_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives (it may not exist)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def catalog_hint(lang: str) -> str:
    """How to give ``lang`` an interface: the catalog file to add and the guide's section."""
    shown = catalog_path(lang).relative_to(LOCALE_DIR.parent.parent).as_posix()
    return f"add {shown} (see \"Adding a language\" in docs/en/contributing.md)"


@functools.cache
def interface_language(lang: str) -> str:
    """``lang`` when it has a catalog, else English: the language the interface is shown in."""
    return lang if lang == "en" or catalog_path(lang).is_file() else "en"


def gettext_for(lang: str) -> Callable[[str], str]:
    """``_`` for ``lang``: ``gettext_for("fr")("Milestone") == "Jalon"``."""
    return translations(lang).gettext
