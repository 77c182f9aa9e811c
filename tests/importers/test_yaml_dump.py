"""The stable YAML writer: schema key order, readable blocks, same bytes every time."""

from __future__ import annotations

import pytest
import yaml

from tracker.plan.dump import dump_commitment, dump_plan

LONG = "word " * 60 + "end"


def commitment() -> dict[str, object]:
    """A commitment whose keys are given out of schema order, sharing one text object."""
    shared = {"en": "Ministry", "fr": "Ministère"}
    return {
        "milestones": [
            {
                "title": {"en": LONG, "fr": "Jalon"},
                "due": "2016-12-01",
                "id": "x-1.1",
            }
        ],
        "lead_institutions": [shared, shared],
        "stakes": {"en": "First line\n\nSecond line", "fr": "Première ligne\n- élément"},
        "title": {"en": "Title", "fr": "Titre « ouvert »"},
        "id": "x-1",
    }


def test_commitment_is_written_in_schema_order_with_literal_blocks() -> None:
    """Keys follow the schema, texts the languages given, multi-line texts are `|-` blocks."""
    assert dump_commitment(commitment(), ["fr", "en"]) == (
        "# yaml-language-server: $schema=../../tracker/schemas/commitment.schema.json\n"
        "id: x-1\n"
        "title:\n"
        "  fr: Titre « ouvert »\n"
        "  en: Title\n"
        "lead_institutions:\n"
        "  - fr: Ministère\n"
        "    en: Ministry\n"
        "  - fr: Ministère\n"
        "    en: Ministry\n"
        "stakes:\n"
        "  fr: |-\n"
        "    Première ligne\n"
        "    - élément\n"
        "  en: |-\n"
        "    First line\n"
        "\n"
        "    Second line\n"
        "milestones:\n"
        "  - id: x-1.1\n"
        "    title:\n"
        "      fr: Jalon\n"
        f"      en: {LONG}\n"
        "    due: '2016-12-01'\n"
    )


def test_writing_is_stable_and_round_trips() -> None:
    """The same data gives the same bytes, and reading them back gives the data."""
    first = dump_commitment(commitment(), ["fr", "en"])
    assert dump_commitment(commitment(), ["fr", "en"]) == first
    assert yaml.safe_load(first) == commitment()
    assert first.endswith("\n")
    assert "&" not in first
    assert "*" not in first


def test_plan_texts_follow_the_plan_languages() -> None:
    """A plan in [en, fr] lists English first in its texts."""
    text = dump_plan(
        {
            "primary_language": "en",
            "languages": ["en", "fr"],
            "period": {"end": "2024-12", "start": "2022-01"},
            "title": {"fr": "Plan", "en": "Plan EN"},
            "country": "CA",
        }
    )
    assert text.splitlines()[1:] == [
        "country: CA",
        "title:",
        "  en: Plan EN",
        "  fr: Plan",
        "period:",
        "  start: 2022-01",
        "  end: 2024-12",
        "languages:",
        "  - en",
        "  - fr",
        "primary_language: en",
    ]


def test_a_key_outside_the_schema_is_a_bug() -> None:
    """An importer that produces an unknown key fails loudly instead of writing it."""
    doc = commitment()
    doc["colour"] = "red"
    with pytest.raises(ValueError, match=r"^document: keys not in the schema: \['colour'\]$"):
        dump_commitment(doc, ["fr", "en"])
