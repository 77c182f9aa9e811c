"""`reported:` and `leads:` in a commitment file: what `tracker validate` accepts and refuses."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tracker.cli import cli
from tracker.plan.load import load_plans
from tracker.plan.model import PartialDate, Text

PLAN = """\
country: US
title: {en: Test plan}
period: {start: 2022-12, end: 2024-12}
languages: [en]
primary_language: en
"""

COMMITMENT = """\
id: us-1
title: {en: One}
lead_institutions:
  - {en: Agency}
official_url: {en: "https://open.example.gov/nap/5/#one"}
reported:
  - date: 2023-08
    status: in-progress
    progress: {en: Half done.}
    source: {name: {en: The government's tracker}, url: "https://open.example.gov/nap/5/"}
milestones:
  - id: us-1.1
    title: {en: Step}
    leads:
      - {en: "Innovation, Science and Economic Development Canada"}
      - {en: Health Canada}
    reported:
      - date: 2023-08-15
        period: {start: 2023-04, end: 2023-06}
        status: substantial
        status_text: {en: Substantial progress}
        progress: {en: Most of it.}
        evidence: {en: "See [the report](https://example.gov/r.pdf)."}
        links: ["https://example.gov/r.pdf"]
        challenges: {en: Funding.}
        source: {name: {en: Quarterly tracker}}
"""


def validate(commitment: str) -> tuple[int, list[str]]:
    """Write a one-plan tree with ``commitment`` and run `tracker validate` on it."""
    folder = Path("commitments/us-test")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yml").write_text(PLAN, encoding="utf-8")
    (folder / "1.yml").write_text(commitment, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "commitments"])
    return result.exit_code, result.output.splitlines()


def test_reports_and_several_leads_validate_and_reach_the_model() -> None:
    """A commitment and a milestone with reports, links and two leads load as written."""
    code, lines = validate(COMMITMENT)
    assert code == 0, lines
    commitment = load_plans(Path("commitments")).plans[0].commitments[0]
    assert commitment.official_url == Text({"en": "https://open.example.gov/nap/5/#one"})
    (first,) = commitment.reported
    assert (first.date, first.status, first.source.url) == (
        PartialDate(2023, 8), "in-progress", "https://open.example.gov/nap/5/",
    )
    milestone = commitment.milestones[0]
    assert [lead.get("en") for lead in milestone.leads] == [
        "Innovation, Science and Economic Development Canada", "Health Canada",
    ]
    assert milestone.lead == milestone.leads[0]
    (report,) = milestone.reported
    assert (report.period_start, report.period_end) == (PartialDate(2023, 4), PartialDate(2023, 6))
    assert report.status_text.get("en") == "Substantial progress"
    assert report.links == ("https://example.gov/r.pdf",)
    assert report.challenges.get("en") == "Funding."


def test_a_status_off_the_scale_is_refused_with_the_choices() -> None:
    """A source's own word as status is an error that lists the tracker's values."""
    code, lines = validate(COMMITMENT.replace("status: in-progress", "status: Done"))
    assert code == 1
    assert lines[0] == (
        "commitments/us-test/1.yml:8:13: error: reported[0].status: 'Done' is not allowed "
        "here: write one of not-started, limited, substantial, in-progress, complete, "
        "delayed, withdrawn"
    )


def test_a_report_without_a_source_is_refused() -> None:
    """Every report names who published it."""
    text = COMMITMENT.replace(
        '    source: {name: {en: The government\'s tracker}, url: "https://open.example.gov/nap/5/"}\n',
        "",
    )
    code, lines = validate(text)
    assert code == 1
    assert lines[0].startswith(
        "commitments/us-test/1.yml:7:5: error: reported[0]: missing required key 'source' "
        "(Who published this report, and where.): add it"
    )


def test_a_backwards_period_and_an_impossible_date_are_refused() -> None:
    """A period ending before it starts, and 2023-02-30, are both named with their line."""
    text = COMMITMENT.replace("end: 2023-06", "end: 2023-01").replace(
        "date: 2023-08-15", "date: 2023-02-30"
    )
    code, lines = validate(text)
    assert code == 1
    assert lines[:2] == [
        "commitments/us-test/1.yml:18:15: error: milestones[0].reported[0].date: '2023-02-30' "
        "is not a date: 2023-02 has 28 days",
        "commitments/us-test/1.yml:19:39: error: milestones[0].reported[0].period.end: the "
        "period ends (2023-01) before it starts (2023-04): swap the dates",
    ]


def test_lead_and_leads_together_are_refused() -> None:
    """One milestone cannot say both: the error says which to keep."""
    text = COMMITMENT.replace("    leads:\n", "    lead: {en: Agency}\n    leads:\n")
    code, lines = validate(text)
    assert code == 1
    assert lines[0] == (
        "commitments/us-test/1.yml:15:5: error: milestones[0].leads: both lead and leads are "
        "given: keep leads (several institutions) or lead (one), not both"
    )


def test_an_official_url_must_be_an_address() -> None:
    """A relative path is not an address: the schema's advice is given."""
    code, lines = validate(COMMITMENT.replace('"https://open.example.gov/nap/5/#one"', "/nap/5"))
    assert code == 1
    assert lines[0] == (
        "commitments/us-test/1.yml:5:20: error: official_url.en: '/nap/5' is not valid: "
        "write a full address starting with https://, without spaces."
    )
