"""The report's Jinja machinery: the same text as plain Jinja, for a site of thousands of pages.

The pages are written by templates (render.py gives them their values); a tenth of an OGP-scale
plan is some 2,500 pages and feeds and millions of printed values, where Jinja's own overhead
per value and per call becomes most of the build. Three shortcuts remove it, none changing a
byte of the output (the report's tests compare them with plain Jinja):

- :class:`Environment` hands templates its own globals dict, not a ChainMap over it that
  every render copies key by key;
- :class:`Template` prints values without wrapping each in a new Markup;
- :class:`HelperCalls` compiles a call to one of the report's helpers, ``fdate(event.at)``,
  as the filter it is also registered as, ``(event.at)|fdate``: Jinja calls a filter
  directly, a function through ``Context.call`` and its checks, on every call.

They lean on how Jinja 3.1 compiles templates: after upgrading jinja2, run
tests/report/test_report_render.py, which checks each against plain Jinja.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any, cast

import jinja2
import jinja2.ext
from jinja2.lexer import (
    TOKEN_ASSIGN,
    TOKEN_COMMA,
    TOKEN_DOT,
    TOKEN_LBRACE,
    TOKEN_LBRACKET,
    TOKEN_LPAREN,
    TOKEN_MUL,
    TOKEN_NAME,
    TOKEN_PIPE,
    TOKEN_POW,
    TOKEN_RBRACE,
    TOKEN_RBRACKET,
    TOKEN_RPAREN,
    Token,
    TokenStream,
)
from markupsafe import Markup, escape

try:  # markupsafe's C escaping, without the Markup around it
    from markupsafe._speedups import _escape_inner as escape_text
except ImportError:  # pragma: no cover - markupsafe without its C extension
    def escape_text(text: str, /) -> str:
        return str(escape(text))

__all__ = ["Environment", "HelperCalls", "Template", "escape_output", "escape_text",
           "helper_filters", "share_helpers"]


def escape_output(value: Any) -> str:
    """``escape(value)`` as text to print: Markup as it is, anything else escaped."""
    kind = type(value)
    if kind is Markup:
        return cast(Markup, value)
    if kind is str:
        return escape_text(value)
    return escape(value)


class Template(jinja2.Template):
    """A template whose ``{{ }}`` output is escaped without building a Markup each time.

    Jinja's compiled code passes every value it prints through markupsafe's ``escape``,
    which wraps the result in a new Markup, even a value that is Markup already; the page
    joins them into one string anyway. The compiled code's ``escape`` is replaced by
    :func:`escape_output`, which gives the same text.
    """

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: Any,
                  globals: Any, uptodate: Any = None) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The functions of one compiled template share one namespace, that of its module.
        namespace: dict[str, Any] = template.root_render_func.__globals__
        if namespace.get("escape") is escape:
            namespace["escape"] = escape_output
        return template


class Environment(jinja2.Environment):
    """Jinja's environment, its templates reading its globals dict itself.

    Jinja gives a template a ChainMap of its own globals over the environment's (so that
    globals given to one template never reach the environment's: the report gives none),
    and every render copies it into the page's context, key by key in Python.
    """

    template_class = Template
    # The helpers templates call that HelperCalls compiles as filters (see share_helpers).
    helper_names: frozenset[str] = frozenset()

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        if not d:
            return self.globals
        return super().make_globals(d)


_OPENING = frozenset({TOKEN_LPAREN, TOKEN_LBRACKET, TOKEN_LBRACE})
_CLOSING = frozenset({TOKEN_RPAREN, TOKEN_RBRACKET, TOKEN_RBRACE})


class HelperCalls(jinja2.ext.Extension):
    """Compile ``helper(first, rest...)`` as ``((first)|helper(rest...))``: the same call.

    For the helpers :func:`share_helpers` registers as filters too, each taking the context,
    so Jinja never evaluates one at compile time. A template that uses a helper's name other
    than to call it (a variable of that name, a macro) keeps its calls to that name as they
    are: the name may not be the helper there. Calls with a keyword argument first, with
    ``*args`` or ``**kwargs``, without arguments, or of a ``{% call %}`` block stay calls.
    """

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        helpers = cast(Environment, self.environment).helper_names
        tokens = list(stream)
        called, other = set(), set()
        for index, token in enumerate(tokens):
            if token.type != TOKEN_NAME or (index and tokens[index - 1].type == TOKEN_DOT):
                continue  # not a name, or an attribute's
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            defined = index and tokens[index - 1].test_any("name:macro", "name:call")
            if following is not None and following.type == TOKEN_LPAREN and not defined:
                called.add(token.value)
            else:
                other.add(token.value)
        names = (helpers & called) - other
        if not names:
            return tokens
        return list(_rewritten(tokens, names))


def _rewritten(tokens: list[Token], names: set[str] | frozenset[str]) -> Iterator[Token]:
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (token.type == TOKEN_NAME and token.value in names
                and index + 1 < len(tokens) and tokens[index + 1].type == TOKEN_LPAREN
                and not (index and tokens[index - 1].type == TOKEN_DOT)):
            call = _arguments(tokens, index + 1)
            if call is not None:
                first, rest, after = call
                line = token.lineno
                yield Token(line, TOKEN_LPAREN, "(")
                yield Token(line, TOKEN_LPAREN, "(")
                yield from _rewritten(first, names)
                yield Token(line, TOKEN_RPAREN, ")")
                yield Token(line, TOKEN_PIPE, "|")
                yield token
                if rest:
                    yield Token(line, TOKEN_LPAREN, "(")
                    yield from _rewritten(rest, names)
                    yield Token(line, TOKEN_RPAREN, ")")
                yield Token(line, TOKEN_RPAREN, ")")
                index = after
                continue
        yield token
        index += 1


def _arguments(tokens: list[Token], opening: int) -> tuple[list[Token], list[Token], int] | None:
    """The call's first argument, the others, and where the call ends; None to leave it be."""
    start = opening + 1
    if start >= len(tokens) or tokens[start].type in (TOKEN_RPAREN, TOKEN_MUL, TOKEN_POW):
        return None
    if (tokens[start].type == TOKEN_NAME and start + 1 < len(tokens)
            and tokens[start + 1].type == TOKEN_ASSIGN):
        return None  # a keyword argument first
    depth, comma = 0, None
    for index in range(start, len(tokens)):
        kind = tokens[index].type
        if kind in _OPENING:
            depth += 1
        elif kind in _CLOSING:
            if depth == 0:
                if comma is None:
                    return tokens[start:index], [], index + 1
                return tokens[start:comma], tokens[comma + 1:index], index + 1
            depth -= 1
        elif kind == TOKEN_COMMA and depth == 0 and comma is None:
            comma = index
    return None


# Jinja's own globals, and gettext's: {% trans %} calls gettext and ngettext itself.
_NOT_HELPERS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace",
                          "gettext", "ngettext", "pgettext", "npgettext"})


def helper_filters(helpers: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """The functions among ``helpers`` as the filters HelperCalls compiles their calls to.

    Each takes the context, whatever the helper takes: Jinja evaluates a filter of constant
    arguments at compile time unless it does, and a helper's result may change with the
    language.
    """
    return {name: _taking_context(value) for name, value in helpers.items()
            if callable(value) and not isinstance(value, type) and name not in _NOT_HELPERS}


def share_helpers(env: Environment, filters: Mapping[str, Callable[..., Any]]) -> None:
    """Register ``filters`` (see helper_filters) for the helpers of the same names.

    Again whenever the helpers change (another language): compiled templates look their
    filters up on each render, and compile a call as a filter only for a name registered
    before they are compiled.
    """
    env.filters.update(filters)
    if not filters.keys() <= env.helper_names:
        env.helper_names = env.helper_names | filters.keys()


# How Jinja marks what a function takes first (pass_context and its kin set the attribute).
_MARK = "jinja_pass_arg"
_TAKES_CONTEXT, _TAKES_EVAL_CONTEXT, _TAKES_ENVIRONMENT = (
    getattr(decorate(lambda: None), _MARK)
    for decorate in (jinja2.pass_context, jinja2.pass_eval_context, jinja2.pass_environment))


def _taking_context(helper: Callable[..., Any]) -> Callable[..., Any]:
    kind = getattr(helper, _MARK, None)
    if kind is _TAKES_CONTEXT:
        return helper
    if kind is _TAKES_EVAL_CONTEXT:
        return jinja2.pass_context(
            lambda context, *args, **kwargs: helper(context.eval_ctx, *args, **kwargs))
    if kind is _TAKES_ENVIRONMENT:
        return jinja2.pass_context(
            lambda context, *args, **kwargs: helper(context.environment, *args, **kwargs))
    return jinja2.pass_context(lambda _context, *args, **kwargs: helper(*args, **kwargs))
