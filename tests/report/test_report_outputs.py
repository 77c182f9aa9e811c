"""Open data, feeds and Markdown reports of the built site, and the `tracker report` command."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import xml.etree.ElementTree as ET  # parses only feeds these tests have just built
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from report_support import EXAMPLES, TODAY, example_plans, make_snapshot

from tracker.cli import cli
from tracker.report import make_report
from tracker.report.opendata import COMMENT_COLUMNS, json_text
from tracker.snapshot import save_snapshot

# The headers of a French and English site: the same as before plans had other languages,
# so programs that read these files keep working.
COMMITMENT_HEADER = (
    "plan_id", "commitment_id", "title_fr", "title_en", "lead_institutions_fr",
    "lead_institutions_en", "completion", "completion_source", "milestones_total",
    "milestones_complete", "milestones_overdue", "last_update", "issue_url", "contact_name",
)
MILESTONE_HEADER = (
    "plan_id", "commitment_id", "milestone_id", "parent_id", "title_fr", "title_en", "due",
    "due_text_fr", "due_text_en", "status", "status_since", "overdue", "issue_url",
    "completed_at", "days_late",
)
REPORTED_HEADER = (
    "plan_id", "commitment_id", "item_id", "date", "period_start", "period_end", "status",
    "status_text_fr", "status_text_en", "progress_fr", "progress_en", "evidence_fr",
    "evidence_en", "challenges_fr", "challenges_en", "links", "source_fr", "source_en",
    "source_url",
)

ATOM = "{http://www.w3.org/2005/Atom}"


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
        return list(reader.fieldnames or ()), rows


def test_plan_json_matches_its_published_schema(site: Path, bare_site: Path) -> None:
    """data/plan.json validates against data/plan.schema.json, with and without a snapshot."""
    for root in (site, bare_site):
        schema = json.loads((root / "data/plan.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        document = json.loads((root / "data/plan.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(document)
        assert [plan["id"] for plan in document["plans"]] == [
            "ca-2022-2024", "fr-2015-2017", "fr-2021-2023",
        ]
    document = json.loads((site / "data/plan.json").read_text(encoding="utf-8"))
    assert document["snapshot_taken_at"] == "2026-11-20T08:00:00+00:00"
    assert document["today"] == TODAY.isoformat()
    canada = document["plans"][0]
    assert canada["milestones_by_status"] == {
        "not-started": 25, "in-progress": 25, "complete": 25, "delayed": 25, "withdrawn": 25,
        "no-update": 0,
    }


def test_csv_files_have_the_documented_columns(site: Path) -> None:
    """Each CSV has exactly its documented header, one row per item, and the data page lists it."""
    plans = example_plans()
    commitments = list(plans.commitments())
    header, rows = _csv(site / "data/commitments.csv")
    assert tuple(header) == COMMITMENT_HEADER
    assert [row["commitment_id"] for row in rows] == [c.id for c in commitments]
    header, rows = _csv(site / "data/milestones.csv")
    assert tuple(header) == MILESTONE_HEADER
    assert len(rows) == sum(1 for c in commitments for _ in c.walk())
    assert {row["overdue"] for row in rows} == {"true", "false"}
    header, rows = _csv(site / "data/comments.csv")
    assert tuple(header) == COMMENT_COLUMNS
    assert len(rows) == 5 + len(commitments) - 1
    assert rows[0]["body"] == "<script>alert('script')</script>Hello"  # raw data, as written
    header, rows = _csv(site / "data/reported.csv")
    assert (tuple(header), rows) == (REPORTED_HEADER, [])  # the examples report nothing
    for lang in ("fr", "en"):
        html = (site / f"{lang}/data.html").read_text(encoding="utf-8")
        for column in {*COMMITMENT_HEADER, *MILESTONE_HEADER, *COMMENT_COLUMNS, *REPORTED_HEADER}:
            assert f"<dt><code>{column}</code></dt>" in html, (lang, column)


def test_feeds_are_atom_with_statuses_and_comments(site: Path) -> None:
    """Site and commitment feeds parse as Atom; comment bodies are sanitised HTML."""
    for lang, title in (("fr", "Suivi des plans d’action pour un gouvernement ouvert"),
                        ("en", "Open Government action plan follow-up")):
        feed = ET.parse(site / f"{lang}/feed.xml").getroot()  # noqa: S314
        assert feed.tag == f"{ATOM}feed"
        assert feed.findtext(f"{ATOM}title", "").startswith(title)
        assert len(feed.findall(f"{ATOM}entry")) == 100
    feed = ET.parse(site / "en/ca-2022-2024/commitments/ca-2022-2024-c01.xml").getroot()  # noqa: S314
    entries = feed.findall(f"{ATOM}entry")
    # Comments, completion, two changes per milestone, but "not-started" then "not-started"
    # again is one (4 of the 17 milestones).
    assert len(entries) == 5 + 1 + 2 * 17 - 4
    contents = [e.findtext(f"{ATOM}content") for e in entries
                if e.find(f"{ATOM}content") is not None]
    assert "<p> and <b>bold</b></p>\n" in contents
    assert all("<script" not in (c or "") and "onerror" not in (c or "") for c in contents)
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "Commitment ca-2022-2024-c01: completion level set to Not started." in titles
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    assert all(i and i.startswith("urn:uuid:") for i in ids)


def test_markdown_reports_in_both_languages(site: Path) -> None:
    """report.fr.md and report.en.md summarise every plan and commitment."""
    fr = (site / "report.fr.md").read_text(encoding="utf-8")
    en = (site / "report.en.md").read_text(encoding="utf-8")
    assert fr.startswith("# Suivi des plans d’action pour un gouvernement ouvert\n")
    assert en.startswith("# Follow-up of Open Government action plans\n")
    assert "| Réalisé | 25 |" in fr
    assert "Plan d’action de janvier 2022 à décembre 2024." in fr
    assert "Action plan for January 2022 to December 2024." in en
    assert "| Complete | 25 |" in en
    assert "#### ca-2022-2024-c01. Climate Change and Sustainable Growth" in en
    assert "- **Public comments**: 5" in en
    assert "&amp;" not in en  # Markdown, not HTML escaping


def test_cli_builds_with_and_without_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tracker report` prints its phases and a summary, then replaces the site whole."""
    monkeypatch.chdir(tmp_path)  # no tracker.yml, no .tracker/snapshot.json: never pulled
    runner = CliRunner()
    out = tmp_path / "public"
    args = ["report", "--commitments", str(EXAMPLES), "--out", str(out), "--today", "2026-11-21"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"plans: reading {EXAMPLES}"
    none = Path(".tracker/snapshot.json")
    assert lines[1] == f'snapshot: none at {none}, every item shows "no update yet"'
    assert lines[-1].startswith(f"Report written to {out}/: 70 pages in 2 languages (")
    (out / "stale.html").write_text("old", encoding="utf-8")
    save_snapshot(make_snapshot(example_plans()), tmp_path / "snap.json")
    args += ["--snapshot", str(tmp_path / "snap.json")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not (out / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "snap.json"]  # no temp left


def test_mistyped_snapshot_path_is_an_error(tmp_path: Path) -> None:
    """An explicit --snapshot that does not exist exits 1, names the file, and builds nothing."""
    out = tmp_path / "public"
    typo = tmp_path / "nope.json"
    result = CliRunner().invoke(cli, ["report", "--commitments", str(EXAMPLES), "--out", str(out),
                                      "--snapshot", str(typo)])
    assert result.exit_code == 1, result.output
    assert f"{typo}: no such snapshot file; check the --snapshot path" in result.output
    assert "tracker pull" in result.output
    assert not out.exists()


def test_failed_build_keeps_the_old_site(tmp_path: Path) -> None:
    """A corrupt snapshot stops the build with a clear error; the old site stays untouched."""
    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_text("old site", encoding="utf-8")
    bad = tmp_path / "snap.json"
    bad.write_text("{oops", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--commitments", str(EXAMPLES), "--out", str(out),
                                      "--snapshot", str(bad)])
    assert result.exit_code == 1
    assert f"Error: {bad}: the snapshot is not valid JSON (line 1, column 2" in result.output
    assert (out / "index.html").read_text(encoding="utf-8") == "old site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "snap.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--commitments", "nowhere"],
         "Error: nowhere: no such folder of plans (use --commitments)"),
        (["--out", "."],
         "Error: .: refusing to replace this folder by the site; pick another --out"),
    ],
)
def test_cli_refuses_bad_folders(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing plans folder, or an --out that would erase the work, is refused clearly."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "commitments").symlink_to(EXAMPLES)
    result = CliRunner().invoke(cli, ["report", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_help_has_an_example() -> None:
    """`tracker report --help` shows runnable examples."""
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    assert "  tracker report --out site/ --snapshot snap.json --today 2026-11-21" in result.output


def test_crash_mid_build_leaves_the_old_site_and_no_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing fails halfway, the previous site is still whole and the temp build is gone."""
    from tracker.report import render

    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_text("old site", encoding="utf-8")

    def explode(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(render, "write_data", explode)
    save_snapshot(make_snapshot(example_plans()), tmp_path / "snap.json")
    result = CliRunner().invoke(cli, ["report", "--commitments", str(EXAMPLES), "--out", str(out),
                                      "--snapshot", str(tmp_path / "snap.json")])
    assert result.exit_code == 1
    assert "Error: disk full. Nothing was left half written" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text(encoding="utf-8") == "old site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "snap.json"]


# Comment bodies a spreadsheet would run as formulas, even behind a blank or in full-width forms.
FORMULA_BODIES = (
    '=HYPERLINK("https://evil.example/","open me")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
    " =1+1", "\n=1+1", "\uff1dHYPERLINK(\"https://evil.example/\")", "\uff0b1", "\uff0d1",
    "\uff20SUM(A1)",
)
FIRST_FORMULA_ID = 777


@pytest.fixture(scope="session")
def formula_comments_csv(built_once: Callable[..., Path]) -> Path:
    """data/comments.csv of the examples' report whose first commitment has, as its comments,
    each of FORMULA_BODIES (ids 777, 778...): one build for every case; only read."""

    def build(root: Path) -> None:
        plans = example_plans()
        snapshot = make_snapshot(plans)
        key = next(plans.commitments()).id
        state = snapshot.items[key]
        hostile = tuple(dataclasses.replace(state.comments[0], body=body,
                                            id=FIRST_FORMULA_ID + n)
                        for n, body in enumerate(FORMULA_BODIES))
        items = {**snapshot.items, key: dataclasses.replace(state, comments=hostile)}
        save_snapshot(dataclasses.replace(snapshot, items=items), root / "snapshot.json")
        make_report(EXAMPLES, root / "snapshot.json", root / "public", TODAY)

    return built_once("formulas", build) / "public/data/comments.csv"


@pytest.mark.parametrize("body", FORMULA_BODIES)
def test_csv_cells_a_spreadsheet_would_run_are_quoted(formula_comments_csv: Path,
                                                      body: str) -> None:
    """A comment a spreadsheet could run, even behind a blank or in full-width forms, is quoted."""
    comment_id = str(FIRST_FORMULA_ID + FORMULA_BODIES.index(body))
    _, rows = _csv(formula_comments_csv)
    assert [row["body"] for row in rows if row["comment_id"] == comment_id] == ["'" + body]
    assert all(not row["body"].startswith(("=", "+", "-", "@", " ")) for row in rows)


def test_open_data_carries_the_official_and_planned_against_actual(site: Path) -> None:
    """plan.json names the accountable official; both files say when and how late or early."""
    document = json.loads((site / "data/plan.json").read_text(encoding="utf-8"))
    commitments = {c["id"]: c for plan in document["plans"] for c in plan["commitments"]}
    contact = commitments["fr-2021-2023-46"]["contact"]
    assert contact["name"]
    assert commitments["fr-2015-2017-22"]["contact"] is None
    milestones = [m for c in commitments.values() for m in c["milestones"]]
    done = [m for m in milestones if m["status"] == "complete"]
    assert done
    assert all(m["completed_at"] == m["status_since"] for m in done)
    assert any(isinstance(m["days_late"], int) for m in done if m["due"])
    _, rows = _csv(site / "data/milestones.csv")
    dated = [r for r in rows if r["status"] == "complete" and r["due"]]
    assert dated
    assert all(r["completed_at"] and re.fullmatch(r"-?\d+", r["days_late"]) for r in dated)
    _, rows = _csv(site / "data/commitments.csv")
    names = {r["commitment_id"]: r["contact_name"] for r in rows}
    assert names["fr-2021-2023-46"] == contact["name"]


@pytest.mark.parametrize("value", [
    {}, [], {"a": []}, [{}], "text", 5, None, True, [[["deep", 1, False, None]]],
    {"quote\"back\\slash": "line\nbreak\u2028 é \ud800", "n": -3, "tuple": (1, "2")},
    [1.5, float("nan")], {1: "a key that is not text"},
])
def test_json_text_is_what_json_dumps_writes(value: object) -> None:
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_open_data_json_is_what_json_dumps_writes(site: Path) -> None:
    for name in ("plan.json", "attention.json"):
        text = (site / "data" / name).read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
