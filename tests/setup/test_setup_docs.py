"""The guides: each exists in both languages with the same structure, and links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAIRS = [("en/team.md", "fr/equipe.md"), ("en/owners.md", "fr/porteurs.md"),
         ("en/contributing.md", "fr/contribuer.md"), ("en/releasing.md", "fr/publier.md")]


def structure(text: str) -> list[str]:
    """Heading levels, table rows and code fences, in order: what a translation keeps."""
    kinds = []
    for line in text.splitlines():
        if line.startswith("#"):
            kinds.append(line.split(" ")[0])
        elif line.startswith("|"):
            kinds.append("|")
        elif line.startswith("```"):
            kinds.append("```")
    return kinds


@pytest.mark.parametrize(("english", "french"), PAIRS)
def test_each_guide_has_a_complete_twin(english: str, french: str) -> None:
    """Same headings, tables and examples in English and French, each linking to the other."""
    en_text = (DOCS / english).read_text(encoding="utf-8")
    fr_text = (DOCS / french).read_text(encoding="utf-8")
    assert structure(en_text) == structure(fr_text)
    assert f"(../{french})" in en_text
    assert f"(../{english})" in fr_text


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip("# ").lower()).replace(" ", "-")


def test_links_between_guides_reach_a_file_and_heading() -> None:
    """Every relative link points to an existing guide and, with #anchor, to a heading."""
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)\s]+\.md(?:#[\w-]+)?)\)", page.read_text("utf-8")):
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve()
            assert linked.is_file(), (page, target)
            if anchor:
                headings = [_slug(line) for line in linked.read_text("utf-8").splitlines()
                            if line.startswith("#")]
                assert anchor in headings, (page, target)
