"""Untrusted Markdown (YAML texts, GitLab comments) to HTML that is safe to publish.

GitLab-flavoured Markdown is rendered by cmark-gfm (GitHub's C CommonMark, the parser GitLab
itself long rendered comments with): tables, strikethrough, footnotes and bare addresses as
links. Raw HTML is let through, as on GitLab, and then everything goes through nh3's
allow-list, so a real HTML parser cleans it: no scripts, no event attributes, no
``javascript:`` links, broken HTML repaired. Images become links (the site loads nothing from
other sites) and headings are shifted down so a comment cannot break the page's outline.
"""

from __future__ import annotations

import functools
import re
import threading
import zlib
from urllib.parse import urljoin, urlsplit

import nh3
from markupsafe import Markup

from tracker.report import cmark

LINK_REL = "nofollow noopener"
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "section", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"}, "abbr": {"title"}, "ol": {"start"}, "li": {"id"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# cmark-gfm's own output is regular: these match what it writes, not HTML in general. Raw HTML
# that happens to match is harmless: nh3 vets the result anyway.
_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>])")
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')
# Footnote anchors (cmark-gfm: fn-LABEL, fnref-LABEL, fnref-LABEL-2 for a second reference).
_FOOTNOTE_ANCHOR = re.compile(r'(id="|href="#)fn(ref)?-')
# Only footnote anchors keep an id, with the text's own prefix, so a text can neither take
# over an id the page uses nor share one with another text on the page.
_FOOTNOTE_ID = re.compile(r"^fn(ref)?-[0-9a-f]{8}-[A-Za-z0-9%._~-]+$")
_REL_WITHOUT_HREF = re.compile(r'<a((?: (?:id|title)="[^"]*")*) rel="nofollow noopener">')
# A bare address inside a raw HTML link becomes a link in a link; the HTML parser then closes
# the outer one at once, leaving it empty: an empty link says nothing and is dropped.
_EMPTY_LINK = re.compile(r"<a(?: [^>]*)?></a>")


# Large enough for every body of a plan at OGP scale (50,000 comments, 4,000 descriptions in
# two languages): the feeds reuse the timelines' rendering instead of parsing again.
@functools.lru_cache(maxsize=65536)
def render_markdown(text: str, base_url: str | None = None, top_heading: int = 3) -> Markup:
    """Safe HTML for the Markdown ``text``.

    ``base_url`` resolves relative links (GitLab writes ``/group/project/uploads/...``);
    without it they are dropped. The text's highest heading becomes ``<h{top_heading}>``.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON allows them): shown as U+FFFD
        text = text.encode("utf-8", "replace").decode("utf-8")
    html = _shift_headings(cmark.to_html(text), top_heading)
    # Each substitution below only when what it rewrites is there: most texts have no
    # image and no footnote, and looking for a few characters is cheaper than a regex.
    if "<img " in html:
        html = _IMAGE.sub(_image_as_link, html)
    if '="fn' in html or '="#fn' in html:
        # Footnote ids get a prefix from the text, so two texts on one page never share an id.
        prefix = f"{zlib.crc32(text.encode()):08x}-"
        html = _FOOTNOTE_ANCHOR.sub(lambda m: f"{m[1]}fn{m[2] or ''}-{prefix}", html)
    return Markup(_clean(html, base_url))  # noqa: S704 - nh3 has just sanitised it


def _shift_headings(html: str, top_heading: int) -> str:
    """The text's own levels packed from ``top_heading`` down, so a text that starts at "###"
    or skips a level still gives the page an outline without holes."""
    if "<h" not in html and "</h" not in html:
        return html
    used = sorted({int(level) for _, level in _HEADING.findall(html)})
    if not used:
        return html
    level_of = {str(level): str(min(6, top_heading + rank)) for rank, level in enumerate(used)}
    return _HEADING.sub(lambda m: f"<{m[1]}h{level_of[m[2]]}", html)


def _image_as_link(match: re.Match[str]) -> str:
    src, alt = match[1], match[2]
    return f'<a href="{src}">{alt or src}</a>'  # both already escaped by cmark-gfm


def _clean(html: str, base_url: str | None) -> str:
    cleaned = _sanitiser.clean(html, base_url)
    if "<a" in cleaned:
        # A link whose address was refused keeps its text but must not keep rel (invalid HTML).
        cleaned = _REL_WITHOUT_HREF.sub(r"<a\1>", cleaned)
        if "></a>" in cleaned:
            cleaned = _EMPTY_LINK.sub("", cleaned)
    cleaned = cleaned.strip()
    # One line end after a body, whatever raw HTML or removed elements left around it.
    return f"{cleaned}\n" if cleaned else ""


class _Sanitiser(threading.local):
    """nh3's cleaner, with the address a text's relative links resolve against.

    One cleaner for every text, not one per address: each comment has its own address (its
    note's anchor), and building a cleaner costs twice cleaning a comment with it. The
    address is set for each text; one cleaner per thread, so no two texts share it at once.
    """

    def __init__(self) -> None:
        self.base_url: str | None = None
        self.cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
            attribute_filter=self.resolve,
            url_schemes=set(URL_SCHEMES),
            link_rel=LINK_REL,
            strip_comments=True,
        )

    def clean(self, html: str, base_url: str | None) -> str:
        self.base_url = base_url
        try:
            cleaned: str = self.cleaner.clean(html)
        finally:
            self.base_url = None
        return cleaned

    def resolve(self, element: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return value if _FOOTNOTE_ID.match(value) else None
        if attribute != "href":
            return value
        if value.startswith(("https://", "http://")) or urlsplit(value).scheme:
            return value  # nh3 keeps only the allowed schemes
        if value.startswith("#"):
            return value if _FOOTNOTE_ID.match(value[1:]) else None
        return urljoin(self.base_url, value) if self.base_url else None


_sanitiser = _Sanitiser()


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
