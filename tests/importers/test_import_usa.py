"""`tracker import usa`: open.usa.gov's Jekyll collections become an English-only plan."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result
from support_importers import US_NAP5, load, milestones_by_id, schema_errors

from tracker.cli import cli

OUT = Path("out/us-2022-2024")


def run(*args: str | Path) -> Result:
    """Run the tracker CLI with ``args``."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def import_usa(folder: Path = US_NAP5, *options: str) -> Result:
    """Import ``folder`` into out/."""
    return run("import", "usa", folder, "--out", "out", *options)


def copy_corpus() -> Path:
    """A copy of the US half in the working folder, to break on purpose."""
    return Path(shutil.copytree(US_NAP5, "us-nap5"))


def test_the_us_half_imports_into_a_valid_english_only_plan() -> None:
    """18 commitments, the 5th plan's plan.yml in English only, and `tracker validate` passes."""
    result = import_usa(US_NAP5, "--update-date", "2024-06")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Imported 18 commitments of plan us-2022-2024 into out/us-2022-2024: "
        "19 file(s) written, 0 unchanged."
    )
    assert load(OUT / "plan.yml") == {
        "country": "US",
        "title": {"en": "Fifth U.S. Open Government National Action Plan"},
        "period": {"start": "2022-12", "end": "2024-12"},
        "languages": ["en"],
        "primary_language": "en",
        "url": "https://open.usa.gov/national-action-plan/5/",
    }
    files = sorted(OUT.glob("*.yml"))
    assert [error for path in files for error in schema_errors(path)] == []
    validated = run("validate", "out")
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.splitlines()[-1] == (
        "Valid: 1 plan, 18 commitments, 32 milestones (2 warnings)."
    )
    # Only the zero-width characters the pages themselves hold are flagged; nothing is
    # missing a translation in a one-language plan.
    assert "translation is missing" not in validated.output
    built = run("report", "--commitments", "out", "--out", "site", "--today", "2024-01-01")
    assert built.exit_code == 0, built.output


def test_commitments_have_theme_leads_link_and_sub_commitments_as_milestones() -> None:
    """US0113: its theme, its agencies split on <br> and in first-seen order, 7 milestones."""
    import_usa()
    doc = load(OUT / "us0113.yml")
    assert doc["id"] == "us-2022-2024-us0113"
    assert doc["title"] == {"en": "Expand the Production, Dissemination, and Use of Equitable Data"}
    assert doc["themes"] == [{"en": "Improve Access to Government Data, Research, and Information"}]
    assert doc["lead_institutions"][:2] == [
        {"en": "Executive Office of the President"},
        {"en": "Office of Science and Technology Policy"},
    ]
    assert doc["official_url"]["en"].startswith("https://open.usa.gov/national-action-plan/5/#")
    assert [m["id"] for m in doc["milestones"]] == [
        f"us-2022-2024-us0113.{n}" for n in range(1, 8)
    ]
    single = load(OUT / "us0114.yml")["milestones"]
    assert [m["id"] for m in single] == ["us-2022-2024-us0114.0"]


def test_a_milestone_with_several_agencies_lists_them_apart() -> None:
    """"Executive Office of the President <br> Office of Science and Technology Policy"."""
    import_usa()
    first = milestones_by_id(load(OUT / "us0113.yml"))["us-2022-2024-us0113.1"]
    assert first["leads"] == [
        {"en": "Executive Office of the President"},
        {"en": "Office of Science and Technology Policy"},
    ]


def test_long_texts_get_a_short_title_and_keep_the_whole_text() -> None:
    """Every title fits GitLab's 255 characters with its key; cut ones end on a word with …."""
    import_usa()
    cut = 0
    for path in OUT.glob("us*.yml"):
        for milestone in milestones_by_id(load(path)).values():
            title = milestone["title"]["en"]
            assert len(f"{milestone['id']} · {title}") <= 255
            if title.endswith("…"):
                cut += 1
                whole = milestone["description"]["en"]
                assert len(whole) > len(title)
                assert whole.startswith(title.removesuffix("…"))
                assert whole[len(title) - 1] in " ,;:."
    assert cut == 19
    first = milestones_by_id(load(OUT / "us0113.yml"))["us-2022-2024-us0113.1"]
    assert first["description"]["en"].endswith("National Science and Technology Council.")


def test_reported_progress_keeps_the_dated_report_the_update_and_the_status() -> None:
    """us0113-2: August 2023 progress, then the body's update with evidence and status."""
    import_usa(US_NAP5, "--update-date", "2024-06")
    milestone = milestones_by_id(load(OUT / "us0113.yml"))["us-2022-2024-us0113.2"]
    august, update = milestone["reported"]
    assert august == {
        "date": "2023-08",
        "progress": {"en": "The Subcommittee on Equitable Data is reviewing their findings "
                           "with Federal agencies and preparing to make them publicly available."},
        "source": {"name": {"en": "open.usa.gov, progress reported in August 2023"},
                   "url": "https://open.usa.gov/national-action-plan/5/US0113-2/"},
    }
    assert update["date"] == "2024-06"
    assert (update["status"], update["status_text"]) == ("in-progress", {"en": "In Progress"})
    assert update["progress"]["en"].startswith("The findings are under development")
    assert update["evidence"]["en"] == (
        "The Federal Registar Request for Information (RFI) - "
        "[https://www.federalregister.gov/d/2024-05882](https://www.federalregister.gov/d/2024-05882)"
        "\n\nThe new performance.gov page - "
        "[https://www.performance.gov/participation](https://www.performance.gov/participation)"
    )
    assert update["links"] == [
        "https://www.federalregister.gov/d/2024-05882", "https://www.performance.gov/participation",
    ]


def test_statuses_are_mapped_onto_the_tracker_scale() -> None:
    """Complete, In Progress (quoted or not) and Not Started all map; the wording is kept."""
    import_usa()
    found = set()
    for path in OUT.glob("us*.yml"):
        for milestone in milestones_by_id(load(path)).values():
            last = milestone["reported"][-1]
            found.add((last["status"], last["status_text"]["en"]))
    assert found == {
        ("complete", "Complete"), ("in-progress", "In Progress"), ("not-started", "Not Started"),
    }


def test_the_doubled_scheme_is_repaired_and_reported_with_its_line() -> None:
    """`https:https://` is imported as https:// and each page says where to fix it."""
    result = import_usa()
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert f"Warning: {US_NAP5}/_subcommitments/us0113-2.md, line 18: the link " \
        "https:https://www.performance.gov/participation has its scheme twice: it was " \
        "imported as https://www.performance.gov/participation; fix it at the source" in warnings
    assert any("us0122-0.md, line 24: the link https:https://" in w for w in warnings)
    assert "https:https" not in "".join(p.read_text("utf-8") for p in OUT.glob("*.yml"))


def test_without_update_date_the_body_update_is_kept_undated_and_said_so() -> None:
    """The pages do not date their update: kept without a date, with one warning."""
    result = import_usa()
    assert result.stderr.splitlines()[-1] == (
        "Warning: the update in the body of 32 sub-commitment page(s) (Progress Update, "
        "Evidence) is not dated by the pages: pass --update-date YYYY-MM to date it"
    )
    update = milestones_by_id(load(OUT / "us0113.yml"))["us-2022-2024-us0113.2"]["reported"][1]
    assert "date" not in update


def test_second_import_changes_no_byte() -> None:
    """Importing again leaves every file as it was."""
    import_usa()
    before = {p: p.read_bytes() for p in OUT.glob("*.yml")}
    result = import_usa()
    assert result.stdout.splitlines()[-1].endswith("0 file(s) written, 19 unchanged.")
    assert {p: p.read_bytes() for p in OUT.glob("*.yml")} == before


def test_an_unknown_status_is_refused_with_its_line() -> None:
    """A status the importer cannot map is an error naming file, line and the known words."""
    folder = copy_corpus()
    page = folder / "_subcommitments" / "us0114-0.md"
    page.write_text(page.read_text("utf-8").replace("In Progress", "Stalled"), "utf-8")
    result = import_usa(folder)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {page}, line 11: commitment_status 'Stalled' is not one the importer knows "
        "(Not Started, In Progress, Complete, Completed, Delayed, Withdrawn): fix it at the "
        "source\n"
    )


def test_a_sub_commitment_of_a_missing_commitment_is_refused() -> None:
    """A page whose commitment has no page names both."""
    folder = copy_corpus()
    (folder / "_commitments" / "US0114.md").unlink()
    result = import_usa(folder)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {folder}/_subcommitments/us0114-0.md, line 9: US0114.0 belongs to commitment "
        "US0114, which has no page in _commitments/: add US0114.md or fix the id\n"
    )


def test_a_page_without_front_matter_is_refused() -> None:
    """A Markdown file that does not start with '---' is named with line 1."""
    folder = copy_corpus()
    page = folder / "_commitments" / "US0115.md"
    page.write_text("# US0115\n", "utf-8")
    result = import_usa(folder)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {page}, line 1: no front matter: the page should start with '---'\n"
    )


def test_a_folder_that_is_not_a_checkout_is_refused() -> None:
    """A folder without _commitments/ says what to give."""
    Path("empty").mkdir()
    result = import_usa(Path("empty"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: empty: no _commitments/ folder: give the root of a checkout of open.usa.gov "
        "(the folder that holds _commitments/ and _subcommitments/)\n"
    )


def test_a_malformed_update_date_is_refused() -> None:
    """--update-date must be a month or a day."""
    result = import_usa(US_NAP5, "--update-date", "June 2024")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --update-date 'June 2024' is not a date: write YYYY-MM or YYYY-MM-DD\n"
    )


def test_another_plan_needs_its_plan_yml_first() -> None:
    """Pages of a plan the importer does not know are refused until plan.yml exists."""
    folder = copy_corpus()
    for page in folder.glob("*/*.md"):
        page.write_text(page.read_text("utf-8").replace("/national-action-plan/5/",
                                                        "/national-action-plan/6/"), "utf-8")
    result = import_usa(folder)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: out/us-nap6/plan.yml does not exist and the importer does not know the US plan "
        "number 6: write that plan.yml first (country US, title, period, languages [en], "
        "primary_language en), then import again\n"
    )
