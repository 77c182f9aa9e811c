"""The report's Jinja environment: its shortcuts print exactly what plain Jinja would."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import jinja2
import pytest
from jinja2 import nodes
from markupsafe import Markup, escape

from tracker.plan.model import PartialDate, Text
from tracker.report.i18n import translations
from tracker.report.render import (
    FEED_NAMESPACE,
    _feed_id,
    _quote,
    template_environment,
    use_language,
    use_report,
)

VALUES: tuple[Any, ...] = (
    "plain", "<script>alert('x')</script> & \"quoted\"", "", Markup("<b>safe</b> &amp;"),
    42, -1.5, None, True, ("a", "<b>"), "é ☃ 𝄞",
)


class _Html:
    def __html__(self) -> str:
        return "<i>own markup</i>"


def test_printed_values_are_escaped_as_markupsafe_escapes_them() -> None:
    """Every {{ value }} prints what markupsafe's escape gives, Markup or not."""
    env = template_environment()
    values = (*VALUES, _Html())
    template = env.from_string("{% for v in values %}[{{ v }}]{% endfor %}")
    assert template.render(values=values) == "".join(f"[{escape(v)}]" for v in values)


def test_printed_values_are_plain_text_outside_autoescape() -> None:
    env = template_environment()
    template = env.from_string(
        "{% autoescape false %}{% for v in values %}[{{ v }}]{% endfor %}{% endautoescape %}")
    assert template.render(values=VALUES) == "".join(f"[{v}]" for v in VALUES)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_messages_are_filled_as_jinja_fills_them(lang: str) -> None:
    """_() and {% trans %} with values: each value escaped once, the message kept as markup."""
    env = template_environment()
    use_language(env, lang)
    plain = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    plain.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    source = ('{{ _("since %(date)s", date=v) }}|{{ _("%(name)s commented on %(item)s", '
              'name=v, item=v) }}|{% trans count=n, n=v %}{{ n }} day late{% pluralize %}'
              '{{ n }} days late{% endtrans %}|{{ _("100%% sure: %(x)s", x=v) }}')
    for value in VALUES:
        for n in (1, 2):
            expected = plain.from_string(source).render(v=value, n=n)
            assert env.from_string(source).render(v=value, n=n) == expected


@pytest.mark.parametrize("key", ["comment-12", "status-fr-1.2-2026-01-01T00:00:00+00:00",
                                 "attention-label-x-Status::é☃", ""])
def test_feed_ids_are_uuid5_of_the_key(key: str) -> None:
    assert _feed_id(key) == f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, key)}"


@pytest.mark.parametrize("text", ["", "Jalon 1.2 : « x » & y/z ?=+%#~\n", "données 😀 𝄞 \u2028"])
def test_error_report_links_quote_as_quote_plus(text: str) -> None:
    assert _quote(text) == quote_plus(text)


HELPER_CALLS = (
    "{{ url(lang ~ '/index.html') }}|{{ url(commitment_path(lang, 'p', 'c', 'xml')) }}",
    "{{ _('Skip to content') }}|{{ _('Commitment %(id)s', id=v) }}|"
    "{{ _('Issue #%(iid)s', iid=3) }}",
    "{{ fdate(day) if day else 'none' }}|{{ fnum(1234567) }}|{{ fpartial(month) }}",
    "{% set x = plain(text) %}{{ x }}|{{ md_inline(plain(text)) }}|{{ tx(text) }}",
    "{{ feed_updated(()) }}|{{ (fnum(1), fnum(2))|join(',') }}|{{ safe_url(v) or '-' }}",
    "{% macro fdate(value) %}[{{ value }}]{% endmacro %}{{ fdate(day) }}",
    "{% for code in ['a'] %}{{ code }}{% endfor %}{{ code(v) }}",
    "{% trans count=2, n=fnum(2000) %}{{ n }} day late{% pluralize %}"
    "{{ n }} days late{% endtrans %}",
)


@pytest.mark.parametrize("source", HELPER_CALLS)
def test_helper_calls_compiled_as_filters_give_what_calls_give(source: str) -> None:
    """Each language, the same compiled template, the same text as without HelperCalls."""
    report = SimpleNamespace(plans=(), languages=("fr", "en"), project=None,
                             generated_at=None, today=dt.date(2026, 11, 21))
    values = {"page": "fr/p/commitments/c.html", "report": report, "v": "<b>x</b>",
              "day": dt.date(2026, 3, 1), "month": PartialDate(2026, 3),
              "text": Text({"fr": "Un *titre*", "en": "A *title*"})}
    fast, plain = template_environment(), template_environment()
    for env in (fast, plain):
        use_report(env, report)  # type: ignore[arg-type]
        use_language(env, "fr")
    plain.helper_names = frozenset()  # no call compiled as a filter
    compiled, reference = fast.from_string(source), plain.from_string(source)
    for lang in ("fr", "en", "fr"):
        use_language(fast, lang)
        use_language(plain, lang)
        plain.helper_names = frozenset()
        assert compiled.render(lang=lang, **values) == reference.render(lang=lang, **values)


def test_no_template_binds_a_name_the_helpers_read_from_the_page() -> None:
    """A helper compiled as a filter gets the page's context, where a function called from a
    loop or a block would see that loop's or block's own variables: none of them is one of
    the names helpers read."""
    read = {"lang", "page", "plan", "report", "languages_by_plan", "commitment_path"}
    env = template_environment()
    parser = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    for name in env.list_templates(filter_func=lambda n: not n.startswith("assets/")):
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        bound = {node.name for node in parser.parse(source).find_all(nodes.Name)
                 if node.ctx in ("store", "param")}
        assert not bound & read, name


def test_helper_calls_are_compiled_as_filters() -> None:
    env = template_environment()
    assert "filters['fnum']" in str(env.compile("{{ fnum(12) }}", raw=True))
    assert "filters['fnum']" not in str(env.compile("{% set fnum = 1 %}{{ fnum(12) }}", raw=True))
