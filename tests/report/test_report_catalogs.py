"""The gettext catalogs: every string of the site, issue texts and notes is in each, translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tracker.report.i18n import LOCALE_DIR, translations

REPO = Path(__file__).resolve().parents[2]
# ``issue_text(lang, message)`` translates issue texts and notes (context "issue").
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "issue_text": (2,)}
JINJA_OPTIONS = {"**": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                        "lstrip_blocks": "true"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The interface languages the tool ships: adding a catalog means adding it here too.
SHIPPED = ("en", "es", "fr")


def _used_messages() -> set[str]:
    found: set[str] = set()
    sources = [
        (REPO / "templates", [("**.html", "jinja2"), ("**.xml", "jinja2"), ("**.md", "jinja2")],
         JINJA_OPTIONS),
        (REPO / "tracker", [("testing/**", "ignore"), ("**.py", "python")], {}),
    ]
    for folder, method_map, options in sources:
        for _name, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map, options, keywords=KEYWORDS
        ):
            found.update([message] if isinstance(message, str) else message)
    return found


def _catalog(lang: str) -> dict[str, list[str]]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        catalog = read_po(stream, locale=lang)
    entries: dict[str, list[str]] = {}
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for msgid in ids:
            entries[msgid] = [s for s in strings if s]
    return entries


def test_the_shipped_catalogs_are_those_in_the_locale_folder() -> None:
    """Every catalog under tracker/locale is tested below; none is forgotten there."""
    found = sorted(path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    assert tuple(found) == SHIPPED


def test_every_used_string_is_in_every_catalog() -> None:
    """Strings used by templates and code are exactly those of each catalog: none missing."""
    used = _used_messages()
    assert len(used) > 100
    for lang in SHIPPED:
        assert set(_catalog(lang)) == used, lang


@pytest.mark.parametrize("lang", [lang for lang in SHIPPED if lang != "en"])
def test_each_translation_is_complete_with_the_same_placeholders(lang: str) -> None:
    """Every string is translated, in every plural form, and keeps its id's placeholders."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        catalog = read_po(stream, locale=lang)
    for message in catalog:
        if message.id and not isinstance(message.id, str):  # every plural form is written
            assert len(message.string) == catalog.num_plurals, message.id
            assert all(message.string), f"{lang}: a plural form is empty: {message.id!r}"
    for msgid, strings in _catalog(lang).items():
        assert strings, f"{lang}: untranslated: {msgid!r}"
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(msgid)) | {"n"}
            assert set(PLACEHOLDER.findall(msgid)) - {"n"} <= set(PLACEHOLDER.findall(string))


def test_catalogs_compile_and_translate() -> None:
    """The .po files compile in memory and answer lookups, plurals included."""
    fr = translations("fr")
    assert fr.gettext("Overdue") == "En retard"
    assert fr.ngettext("%(n)s commitment", "%(n)s commitments", 2) == "%(n)s engagements"
    assert fr.ngettext("%(n)s commitment", "%(n)s commitments", 1) == "%(n)s engagement"
    assert translations("en").gettext("Overdue") == "Overdue"
    es = translations("es")
    assert es.gettext("Overdue") == "Atrasado"
    assert es.pgettext("issue", "Roadmap") == "Hoja de ruta"
    assert [es.ngettext("%(n)s milestone", "%(n)s milestones", n) for n in (1, 2, 1000000)] == [
        "%(n)s hito", "%(n)s hitos", "%(n)s hitos"]
