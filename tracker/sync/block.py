"""The managed block: the part of an issue description the YAML owns.

It sits between two HTML comments, which GitLab hides when it renders the description::

    <!-- ogp-tracker:begin id=fr-2015-2017-22 t=1a2b3c4d b=... d=... m=... l=... link=12 -->
    ...Markdown written by the tracker...
    <!-- ogp-tracker:end -->

``id`` is the item's YAML id: the issue's identity, never its title. The short hashes record
what the last push wrote to each YAML-owned field, so the next push can tell a person's edit
on GitLab (to leave alone and report) from a change of the YAML (to apply). Everything outside
the block belongs to people and is kept byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BEGIN = "<!-- ogp-tracker:begin"
END = "<!-- ogp-tracker:end -->"
FIELDS = ("t", "b", "d", "m", "l")  # title, body, due date, milestone, reserved labels

# The opening marker of a block; the block runs to the first closing marker after it. (One
# regex for the whole block, with a lazy body, cost 70 us per 4 kB description.)
_OPENING_RE = re.compile(r"<!-- ogp-tracker:begin (?P<attrs>[^>]*?) -->\n?")
_ATTR_RE = re.compile(r"([a-z]+)=(\S+)")
# The opening marker alone: found even when a person cut the description short.
_BEGIN_RE = re.compile(r"<!-- ogp-tracker:begin id=(?P<key>[^\s>]+)")
BROKEN = "<!-- ogp-tracker:broken-begin"  # what a cut-short opening marker becomes on repair
_CHECKBOX_RE = re.compile(r"^(\s*- )\[[xX ]\]", re.MULTILINE)


def fingerprint(value: str | Iterable[str] | None) -> str:
    """A short, stable hash of a field's value (labels hash as a sorted set)."""
    if value is None:
        text = "\0none"
    elif isinstance(value, str):
        text = value
    else:
        text = "\n".join(sorted(value))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def body_fingerprint(body: str) -> str:
    """Hash of a managed body, ignoring checklist ticks (people may tick boxes in place)."""
    return fingerprint(_CHECKBOX_RE.sub(r"\1[ ]", body.strip()))


@dataclass(frozen=True)
class Block:
    """A parsed managed block and the people's text around it."""

    key: str
    hashes: Mapping[str, str]
    body: str
    before: str
    after: str
    link: int | None = None


def parse(description: str | None) -> Block | None:
    """The managed block of ``description``, or None when it has none (or a broken one)."""
    if not description:
        return None
    match = _OPENING_RE.search(description)
    if not match:
        return None
    end = description.find(END, match.end())
    if end < 0:
        return None
    body_end = end - 1 if end > match.end() and description[end - 1] == "\n" else end
    attrs = dict(_ATTR_RE.findall(match["attrs"]))
    key = attrs.pop("id", None)
    if not key:
        return None
    link = attrs.pop("link", None)
    hashes = {name: attrs.pop(name) for name in FIELDS if name in attrs}
    return Block(
        key=key,
        hashes=hashes,
        body=description[match.end():body_end],
        before=description[: match.start()],
        after=description[end + len(END):],
        link=int(link) if link and link.isdigit() else None,
    )


def claimed_key(description: str | None) -> str | None:
    """The item id an issue claims: from its managed block, else from a lone opening marker.

    A person may cut the description short, closing marker and all: the opening marker still
    says which item the issue follows.
    """
    parsed = parse(description)
    if parsed is not None:
        return parsed.key
    match = _BEGIN_RE.search(description or "")
    return match["key"] if match else None


def append(description: str | None, block: str) -> str:
    """``description`` with ``block`` added below the people's text (a repair).

    A lone opening marker left by a cut is disarmed first, so that it can never pair with the
    new block's closing marker and swallow the people's text in between.
    """
    rest = (description or "").replace(BEGIN, BROKEN).rstrip()
    return f"{rest}\n\n{block}" if rest else block


def render(key: str, hashes: Mapping[str, str], body: str, link: int | None = None) -> str:
    """The managed block text for ``key``."""
    attrs = [f"id={key}", *(f"{name}={hashes[name]}" for name in FIELDS if name in hashes)]
    if link is not None:
        attrs.append(f"link={link}")
    return f"{BEGIN} {' '.join(attrs)} -->\n{body.strip()}\n{END}"


def replace(description: str | None, block: str) -> str:
    """``description`` with its managed block replaced by ``block`` (or put on top)."""
    current = parse(description)
    if current is None:
        rest = (description or "").strip()
        return f"{block}\n\n{rest}" if rest else block
    return f"{current.before}{block}{current.after}"
