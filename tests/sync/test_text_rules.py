"""The managed block's parser and the quick-action escaper take shortcuts for speed; each must
give exactly what its rule, written as one regular expression, gives on any text."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracker.sync import block
from tracker.sync.quickactions import _GITLAB_COMMAND_LINES, _escape, neutralise

# The block as it is defined: an opening marker, the text up to the first closing marker
# after it, minus one line end on each side.
BLOCK_RULE = re.compile(
    r"<!-- ogp-tracker:begin (?P<attrs>[^>]*?) -->\n?(?P<body>.*?)\n?<!-- ogp-tracker:end -->",
    re.DOTALL,
)

# Pieces that make the rules' edge cases likely: markers, line ends, slashes at line starts,
# code spans and fences, HTML blocks, quotes.
PIECES = st.sampled_from([
    block.BEGIN + " id=fr-1 t=0123456789 -->", block.BEGIN + " x>y -->", block.END,
    "<!-- ogp-tracker:begin  -->", "\n", "\n\n", "\r\n", " ", "a", "Texte é", "/close",
    "/label ~x", "/due 2026-01-01", "/", "`", "```", "~~~", ">>>", "<div>", "</div>", ">",
    "-->", "- [x] #12 ", "id=fr-2", "\\/close",
])
TEXTS = st.lists(PIECES, max_size=24).map("".join)


@settings(max_examples=600, deadline=None)
@given(TEXTS)
@example("<!-- ogp-tracker:begin id=a -->\n\n<!-- ogp-tracker:end -->")
@example("<!-- ogp-tracker:begin id=a -->\n<!-- ogp-tracker:end --><!-- ogp-tracker:end -->")
@example("<!-- ogp-tracker:begin id=a -->body\n\n<!-- ogp-tracker:end -->")
def test_the_block_parser_finds_what_the_block_rule_finds(text: str) -> None:
    parsed = block.parse(text)
    match = BLOCK_RULE.search(text)
    attrs = dict(re.findall(r"([a-z]+)=(\S+)", match["attrs"])) if match else {}
    if match is None or not attrs.get("id"):
        assert parsed is None
        return
    assert parsed is not None
    assert (parsed.key, parsed.body, parsed.before, parsed.after) == (
        attrs["id"], match["body"], text[:match.start()], text[match.end():])


@settings(max_examples=600, deadline=None)
@given(TEXTS)
@example("`a\n/close\n`")
@example("```\n/close\n```")
@example("Context\r\n/close\n  /label ~x\n")
def test_neutralise_escapes_what_gitlab_s_rule_finds(text: str) -> None:
    full_rule = _GITLAB_COMMAND_LINES.sub(_escape, text.replace("\r", "")).rstrip()
    assert neutralise(text) == full_rule
