"""The report's Jinja environment: its shortcuts print exactly what plain Jinja would."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote_plus

import jinja2
import pytest
from markupsafe import Markup, escape

from tracker.report.i18n import translations
from tracker.report.render import (
    FEED_NAMESPACE,
    _feed_id,
    _quote,
    template_environment,
    use_language,
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
