"""Safe Markdown: CommonMark in, allow-listed HTML out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tracker.report.markdown import markdown_inline, render_markdown

BASE = "https://gitlab.example.org/g/p/-/issues/3"


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("**bold** and `code`", "<p><strong>bold</strong> and <code>code</code></p>\n"),
        ("<script>alert(1)</script>", ""),
        ('<a href="javascript:alert(1)" onclick="x()">t</a>', "<p><a>t</a></p>\n"),
        ('<a href="https://x.org" target="_blank" rel="opener">t</a>',
         '<p><a href="https://x.org" rel="nofollow noopener">t</a></p>\n'),
        ("![chart](https://x.org/c.png)",
         '<p><a href="https://x.org/c.png" rel="nofollow noopener">chart</a></p>\n'),
        ("[doc](/g/p/uploads/a.pdf)",
         '<p><a href="https://gitlab.example.org/g/p/uploads/a.pdf" rel="nofollow noopener">'
         "doc</a></p>\n"),
        ('<p id="main" class="x">a</p>', "<p>a</p>\n"),
        ("<p>open <em>never closed", "<p>open <em>never closed\n</em></p>\n"),
    ],
)
def test_untrusted_markdown_is_rendered_safely(source: str, html: str) -> None:
    """Scripts, handlers, bad schemes, foreign ids and images are removed or made inert."""
    assert str(render_markdown(source, BASE)) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("see https://a.example/x?y=1&z=2. ok",
         '<p>see <a href="https://a.example/x?y=1&amp;z=2" rel="nofollow noopener">'
         "https://a.example/x?y=1&amp;z=2</a>. ok</p>\n"),
        ("(https://w.example/Foo_(bar))",
         '<p>(<a href="https://w.example/Foo_(bar)" rel="nofollow noopener">'
         "https://w.example/Foo_(bar)</a>)</p>\n"),
        ("javascript:alert(1) data:text/html,x http://", "<p>javascript:alert(1) "
         "data:text/html,x http://</p>\n"),
        ('<a href="https://c.example">https://c.example</a>',
         '<p><a href="https://c.example" rel="nofollow noopener">https://c.example</a></p>\n'),
        ("`https://code.example`", "<p><code>https://code.example</code></p>\n"),
        # Quotes stay in the address, as GitLab reads it, but percent-encoded: no attribute.
        ('https://x.example/"onmouseover="alert(1)',
         '<p><a href="https://x.example/%22onmouseover=%22alert(1)" rel="nofollow noopener">'
         'https://x.example/"onmouseover="alert(1)</a></p>\n'),
        ("www.example.org, or write to a@b.example.",
         '<p><a href="http://www.example.org" rel="nofollow noopener">www.example.org</a>, or '
         'write to <a href="mailto:a@b.example" rel="nofollow noopener">a@b.example</a>.</p>\n'),
    ],
)
def test_bare_addresses_become_links_and_nothing_else_does(source: str, html: str) -> None:
    """Addresses pasted as text (http(s), www., e-mail) are links, as on GitLab; other schemes,
    code and links stay as they are."""
    assert str(render_markdown(source, BASE)) == html


def test_relative_links_are_dropped_without_a_base() -> None:
    """With no address to resolve against, a relative link keeps only its text."""
    assert str(render_markdown("[x](/relative)")) == "<p><a>x</a></p>\n"


def test_each_text_resolves_against_its_own_base_in_every_thread() -> None:
    """One sanitiser serves every text: a link resolves against the base of its own text."""
    def doc(n: int) -> str:
        base = f"https://gitlab.example.org/g/p/-/issues/{n}#note_{n}"
        return str(render_markdown(f"[doc {n}](up/{n}.pdf) [x]()", base))

    expected = [doc(n) for n in range(40)]
    assert 'href="https://gitlab.example.org/g/p/-/issues/up/7.pdf"' in expected[7]
    assert 'href="https://gitlab.example.org/g/p/-/issues/7#note_7"' in expected[7]
    render_markdown.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(doc, range(40))) == expected


def test_headings_start_at_the_level_asked_and_never_skip() -> None:
    """A text's "###" then "#####" become h3 then h4 under a page section."""
    assert str(render_markdown("### a\n\n##### b", top_heading=3)) == "<h3>a</h3>\n<h4>b</h4>\n"


def test_footnotes_get_ids_unique_to_their_text() -> None:
    """Footnotes link within their own text; two texts never share an id."""
    first = str(render_markdown("a[^1]\n\n[^1]: one"))
    second = str(render_markdown("b[^1]\n\n[^1]: two"))
    assert '<li id="fn-' in first
    first_ids = {part.split('"')[0] for part in first.split('id="')[1:]}
    second_ids = {part.split('"')[0] for part in second.split('id="')[1:]}
    assert len(first_ids) == 2
    assert not first_ids & second_ids


def test_inline_markdown_is_escaped_for_the_markdown_report() -> None:
    """Titles put in the Markdown report cannot open links, tables or emphasis."""
    assert markdown_inline("a | *b* [c](d)\n<x>") == r"a \| \*b\* \[c\](d) \<x\>"
