"""A small HTML reader for the report tests: links, ids, elements and visible text of a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Page:
    """What a test needs to know about one HTML page."""

    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Visible text with whitespace collapsed."""
        return " ".join("".join(self.text_parts).split())

    def all(self, tag: str) -> list[dict[str, str]]:
        """Attributes of every ``tag`` element, in order."""
        return [attrs for name, attrs in self.elements if name == tag]

    def links(self) -> list[str]:
        """Every href and src on the page."""
        return [
            attrs[key] for _tag, attrs in self.elements for key in ("href", "src") if key in attrs
        ]


_BREAKS = frozenset({"td", "th", "tr", "li", "p", "div", "br", "dd", "dt", "h1", "h2", "h3"})


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        self.page.elements.append((tag, values))
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag in ("script", "style", "title"):
            self._skip += 1
        if tag in _BREAKS:
            self.page.text_parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.page.text_parts.append(data)


def scan(path: Path) -> Page:
    """Read the page at ``path``."""
    scanner = _Scanner()
    scanner.feed(path.read_text(encoding="utf-8"))
    scanner.close()
    return scanner.page


def check_links(site: Path) -> int:
    """Assert every relative href/src of the site's pages resolves; the number checked.

    A link must point to a file of the site and its #fragment to an id of that page; an
    absolute link may only be http(s) or mailto.
    """
    checked = 0
    for path in sorted(site.rglob("*.html")):
        for link in scan(path).links():
            parts = urlsplit(link)
            if parts.scheme:
                assert parts.scheme in ("https", "http", "mailto"), link
                continue
            target = (path.parent / parts.path).resolve() if parts.path else path
            name = path.relative_to(site).as_posix()
            assert target.is_file(), f"{name} links to missing {link}"
            if parts.fragment:
                assert parts.fragment in scan(target).ids, f"{name}: no #{parts.fragment}"
            checked += 1
    return checked
