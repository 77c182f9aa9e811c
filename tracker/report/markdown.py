"""Untrusted Markdown (YAML texts, GitLab comments) to HTML that is safe to publish.

CommonMark is rendered by markdown-it-py, then everything goes through nh3's allow-list, so
whatever the renderer lets through (raw HTML is allowed, as on GitLab) is cleaned by a real
HTML parser: no scripts, no event attributes, no ``javascript:`` links, broken HTML repaired.
Images become links (the site loads nothing from other sites) and headings are shifted down
so a comment cannot break the page's outline.
"""

from __future__ import annotations

import functools
import re
import zlib
from urllib.parse import urljoin, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape
from mdit_py_plugins.footnote import footnote_plugin

LINK_REL = "nofollow noopener"
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "section", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"}, "abbr": {"title"}, "ol": {"start"}, "li": {"id"},
}
# Only footnote anchors keep an id, so a text cannot take over an id the page itself uses.
_FOOTNOTE_ID = re.compile(r"^fn(ref)?-[0-9a-f]{8}-[0-9]+(:[0-9]+)?$")
_REL_WITHOUT_HREF = re.compile(r'<a((?: (?:id|title)="[^"]*")*) rel="nofollow noopener">')
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _image_as_link(
    renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">{escape(alt)}</a>'


# A bare address in a comment, as people paste them. Only http(s): anything else stays text.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~'\""  # sentence punctuation after an address is not part of it


def _bare_url_end(url: str) -> str:
    """``url`` without the punctuation that ends the sentence around it."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _linkify(state: StateCore) -> None:
    """Turn bare addresses in text into links (GitLab does; nh3 still vets every href).

    Text already inside a link, Markdown or raw HTML, is left alone: no link in a link.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        inside = 0
        for token in block.children:
            if token.type == "link_open" or (
                    token.type == "html_inline" and token.content.lower().startswith("<a ")):
                inside += 1
            elif token.type == "link_close" or (
                    token.type == "html_inline" and token.content.lower().startswith("</a")):
                inside = max(0, inside - 1)
            if token.type != "text" or inside or "://" not in token.content:
                children.append(token)
                continue
            children.extend(_split_urls(token.content))
        block.children = children


def _split_urls(text: str) -> list[Token]:
    tokens: list[Token] = []
    done = 0
    for match in _BARE_URL.finditer(text):
        url = _bare_url_end(match[0])
        if len(url) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(url)
        if start > done:
            tokens.append(Token("text", "", 0, content=text[done:start]))
        tokens.append(Token("link_open", "a", 1, attrs={"href": url}, markup="linkify"))
        tokens.append(Token("text", "", 0, content=url))
        tokens.append(Token("link_close", "a", -1, markup="linkify"))
        done = end
    if done < len(text):
        tokens.append(Token("text", "", 0, content=text[done:]))
    return tokens


_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_PARSER.add_render_rule("image", _image_as_link)
_PARSER.core.ruler.push("bare_urls", _linkify)
_PARSER.use(footnote_plugin)  # footnotes ([^1]) as plans write them


# Large enough for every body of a plan at OGP scale (50,000 comments, 4,000 descriptions in
# two languages): the feeds reuse the timelines' rendering instead of parsing again.
@functools.lru_cache(maxsize=65536)
def render_markdown(text: str, base_url: str | None = None, top_heading: int = 3) -> Markup:
    """Safe HTML for the Markdown ``text``.

    ``base_url`` resolves relative links (GitLab writes ``/group/project/uploads/...``);
    without it they are dropped. The text's highest heading becomes ``<h{top_heading}>``.
    """
    # Footnote ids get a prefix from the text, so two texts on one page never share an id.
    env = {"docId": f"{zlib.crc32(text.encode()):08x}"}
    tokens = _PARSER.parse(text, env)
    # The text's own levels are packed from ``top_heading`` down, so a text that starts at
    # "###" or skips a level still gives the page an outline without holes.
    used = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    level_of = {level: min(6, top_heading + rank) for rank, level in enumerate(used)}
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{level_of[int(token.tag[1])]}"
    html = _PARSER.renderer.render(tokens, _PARSER.options, env)
    return Markup(_clean(html, base_url))  # noqa: S704 - nh3 has just sanitised it


def _clean(html: str, base_url: str | None) -> str:
    def resolve(element: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return value if _FOOTNOTE_ID.match(value) else None
        if attribute != "href":
            return value
        if urlsplit(value).scheme:
            return value  # nh3 keeps only the allowed schemes
        if value.startswith("#"):
            return value if _FOOTNOTE_ID.match(value[1:]) else None
        return urljoin(base_url, value) if base_url else None

    cleaned: str = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=resolve,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # A link whose address was refused keeps its text but must not keep rel (invalid HTML).
    return _REL_WITHOUT_HREF.sub(r"<a\1>", cleaned)


_INLINE_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~&"})


def markdown_inline(text: str) -> str:
    """``text`` as literal Markdown on one line: every special character escaped."""
    return " ".join(text.split()).translate(_INLINE_SPECIALS)


# Cached: each comment's address is checked on its page and in its feed, in every language.
@functools.lru_cache(maxsize=131072)
def safe_url(url: str | None) -> str | None:
    """``url`` when it is http(s), else None: addresses from the snapshot are untrusted."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None
