"""`tracker import canada`: Canada's CKAN tracker tables become a bilingual plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support_importers import NAP5, NAP6, load, milestones_by_id, schema_errors

from tracker.cli import cli
from tracker.importers import common
from tracker.importers.canada import read_plan
from tracker.importers.canada_names import INSTITUTIONS

NAP5_OUT = Path("out/ca-2022-2024")
NAP6_OUT = Path("out/ca-2025-2029")


def run(*args: str | Path) -> Result:
    """Run the tracker CLI with ``args``."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def import_table(table: Path, *options: str) -> Result:
    """Import ``table`` into out/."""
    return run("import", "canada", table, "--out", "out", *options)


def names(en: str, fr: str) -> dict[str, str]:
    """An institution's names, English first as the Canadian plan lists them."""
    return {"en": en, "fr": fr}


def write_table(text: str) -> Path:
    """A CKAN table file with ``text`` in the working folder."""
    path = Path("table.yaml")
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
dataset_type: nap5
resources:
- fields:
  - datastore_id: reporting_period
    choices: {2022-03: 2022-03}
  - datastore_id: commitments
    choices:
      C01: {en: One, fr: Un}
  - datastore_id: milestones
    choices:
      C01.1: {en: Step, fr: Étape}
  - datastore_id: indicators
    choices:
      C01.1.1: {en: Do, fr: Faire, due_date: 2022-06, lead_dept: LEAD}
"""


def test_nap5_writes_the_plan_and_five_commitments() -> None:
    """The CLI writes plan.yml and c01..c05.yml, one line per file, then a summary."""
    result = import_table(NAP5)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wrote out/ca-2022-2024/plan.yml",
        *(f"wrote out/ca-2022-2024/c0{n}.yml" for n in range(1, 6)),
        "Imported 5 commitments of plan ca-2022-2024 into out/ca-2022-2024: "
        "6 file(s) written, 0 unchanged.",
    ]
    assert result.stderr == ""


def test_nap5_plan_is_derived_from_the_table() -> None:
    """Country CA, the 5th plan's title in both languages, whole years 2022 to 2024."""
    import_table(NAP5)
    assert load(NAP5_OUT / "plan.yml") == {
        "country": "CA",
        "title": {
            "en": "Canada's 5th National Action Plan on Open Government 2022-2024",
            "fr": "5e Plan d'action national du Canada pour un gouvernement ouvert 2022-2024",
        },
        "period": {"start": "2022-01", "end": "2024-12"},
        "languages": ["en", "fr"],
        "primary_language": "en",
    }


def test_nap6_gets_its_own_plan_id_and_period() -> None:
    """The 6th plan's reporting periods run 2025-12 to 2029-12: ca-2025-2029, 2025-01 to 2029-12."""
    result = import_table(NAP6)
    assert result.exit_code == 0, result.output
    plan = load(NAP6_OUT / "plan.yml")
    assert plan["title"] == {
        "en": "Canada's 6th National Action Plan on Open Government 2025-2029",
        "fr": "6e Plan d'action national du Canada pour un gouvernement ouvert 2025-2029",
    }
    assert plan["period"] == {"start": "2025-01", "end": "2029-12"}
    assert sorted(p.name for p in NAP6_OUT.iterdir()) == [
        "c01.yml", "c02.yml", "c03.yml", "c04.yml", "plan.yml",
    ]


def test_every_output_validates_against_the_schemas() -> None:
    """Every file of both plans satisfies the published JSON schemas."""
    import_table(NAP5)
    import_table(NAP6)
    files = sorted(Path("out").glob("*/*.yml"))
    assert len(files) == 11
    assert [error for path in files for error in schema_errors(path)] == []


def test_second_import_changes_no_byte() -> None:
    """Importing both tables again leaves every byte as it was."""
    import_table(NAP5)
    import_table(NAP6)
    before = {p: p.read_bytes() for p in Path("out").glob("*/*.yml")}
    result = import_table(NAP5)
    assert result.stdout.splitlines()[-1] == (
        "Imported 5 commitments of plan ca-2022-2024 into out/ca-2022-2024: "
        "0 file(s) written, 6 unchanged."
    )
    import_table(NAP6)
    assert {p: p.read_bytes() for p in Path("out").glob("*/*.yml")} == before


def test_commitment_milestone_indicator_tree_and_ids() -> None:
    """C01 has milestones C01.1..C01.4; C01.1 has the indicators C01.1.1..C01.1.3."""
    import_table(NAP5)
    doc = load(NAP5_OUT / "c01.yml")
    assert doc["id"] == "ca-2022-2024-c01"
    assert doc["title"] == {
        "en": "Climate Change and Sustainable Growth",
        "fr": "Changements climatiques et croissance durable",
    }
    assert [m["id"] for m in doc["milestones"]] == [f"ca-2022-2024-c01.{n}" for n in range(1, 5)]
    assert [m["id"] for m in doc["milestones"][0]["milestones"]] == [
        "ca-2022-2024-c01.1.1", "ca-2022-2024-c01.1.2", "ca-2022-2024-c01.1.3",
    ]


def test_nap5_indicators_carry_due_month_and_deadline_text() -> None:
    """C01.1.1 is due 2023-12 ("By 2023"); C03.1.2, which has no due_date, keeps only its text."""
    import_table(NAP5)
    first = milestones_by_id(load(NAP5_OUT / "c01.yml"))["ca-2022-2024-c01.1.1"]
    assert first["due"] == "2023-12"
    assert first["due_text"] == {"en": "By 2023", "fr": "D'ici 2023"}
    no_date = milestones_by_id(load(NAP5_OUT / "c03.yml"))["ca-2022-2024-c03.1.2"]
    assert "due" not in no_date
    assert no_date["due_text"] == {"en": "By December 2023", "fr": "D'ici décembre 2023"}


def test_nap6_deadlines_stay_text_without_a_date() -> None:
    """nap6 gives "Fall 2027" / "Automne 2027": kept as due_text, with no invented due date."""
    import_table(NAP6)
    indicator = milestones_by_id(load(NAP6_OUT / "c01.yml"))["ca-2025-2029-c01.1.1"]
    assert indicator["due_text"] == {"en": "Fall 2027", "fr": "Automne 2027"}
    assert "due" not in indicator
    every = [m for path in NAP6_OUT.glob("c*.yml") for m in milestones_by_id(load(path)).values()]
    assert [m["id"] for m in every if "due" in m] == []


def test_lead_institutions_are_the_distinct_leads_in_first_seen_order() -> None:
    """C01's indicators are led by nrcan-rncan, statcan, ec, idrc-crdi, in that order."""
    import_table(NAP5)
    assert load(NAP5_OUT / "c01.yml")["lead_institutions"] == [
        names("Natural Resources Canada", "Ressources naturelles Canada"),
        names("Statistics Canada", "Statistique Canada"),
        names(
            "Environment and Climate Change Canada",
            "Environnement et Changement climatique Canada",
        ),
        names(
            "International Development Research Centre",
            "Centre de recherches pour le développement international",
        ),
    ]
    assert load(NAP5_OUT / "c04.yml")["lead_institutions"] == [
        names("Department of Justice Canada", "Ministère de la Justice Canada"),
        names("Royal Canadian Mounted Police", "Gendarmerie royale du Canada"),
    ]


def test_each_indicator_names_its_lead_when_the_commitment_has_several() -> None:
    """With several leads, each indicator says its own; a two-lead indicator lists both apart.

    Joined into one text, "Public Services and Procurement Canada, Health Canada" would be a
    false institution, and could not be told apart from a name with a comma in it.
    """
    import_table(NAP5)
    import_table(NAP6)
    c01 = milestones_by_id(load(NAP5_OUT / "c01.yml"))
    assert c01["ca-2022-2024-c01.2.1"]["lead"] == names("Statistics Canada", "Statistique Canada")
    assert "lead" not in c01["ca-2022-2024-c01.2"]
    shared = milestones_by_id(load(NAP6_OUT / "c01.yml"))["ca-2025-2029-c01.5.1"]
    assert "lead" not in shared
    assert shared["leads"] == [
        names("Public Services and Procurement Canada",
              "Services publics et Approvisionnement Canada"),
        names("Health Canada", "Santé Canada"),
    ]


def test_supporting_departments_become_supporting_actors() -> None:
    """supt_sept codes (statcan, tbs-sct) become C05's supporting actors, first-seen order."""
    import_table(NAP5)
    assert load(NAP5_OUT / "c05.yml")["supporting_actors"] == [
        names("Treasury Board of Canada Secretariat", "Secrétariat du Conseil du Trésor du Canada"),
        names("Statistics Canada", "Statistique Canada"),
    ]
    assert "supporting_actors" not in load(NAP5_OUT / "c01.yml")


def test_a_multi_paragraph_label_becomes_title_and_description() -> None:
    """nap6 C04.3 has three paragraphs: the first is the title, the rest the description."""
    import_table(NAP6)
    milestone = milestones_by_id(load(NAP6_OUT / "c04.yml"))["ca-2025-2029-c04.3"]
    assert milestone["title"]["en"].startswith("Monitor Canadians' experiences")
    assert "\n" not in milestone["title"]["en"] + milestone["title"]["fr"]
    assert milestone["description"]["en"].split("\n\n") == [
        "Publish findings from the National Justice Survey and from Statistics Canada's "
        "Canadian Legal Problems Survey (CLPS), in user-friendly formats (for example, "
        "infographics or a simple dashboard).",
        "Use the National Justice Survey data to inform decision-making both by the Department "
        "of Justice Canada and by key external stakeholders.",
    ]


def test_the_plan_id_can_be_chosen() -> None:
    """--plan names the folder and prefixes every id."""
    result = import_table(NAP6, "--plan", "ca-nap6")
    assert result.exit_code == 0, result.output
    assert load(Path("out/ca-nap6/c02.yml"))["id"] == "ca-nap6-c02"


def test_the_table_of_institutions_covers_every_code_of_the_corpus() -> None:
    """read_plan names every lead of both tables, so the shipped table is complete."""
    for table in (NAP5, NAP6):
        _, _, commitments = read_plan(table)
        for commitment in commitments:
            for lead in commitment.doc["lead_institutions"]:
                assert (lead["en"], lead["fr"]) in INSTITUTIONS.values()


def test_an_unknown_department_code_is_refused_with_its_line() -> None:
    """A lead_dept missing from the table is an error naming the code, the line and the fix."""
    result = import_table(write_table(MINIMAL.replace("LEAD", "xyz-abc")))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: table.yaml, line 14: unknown department 'xyz-abc' in the lead_dept of "
        "C01.1.1: give its English and French names in a YAML file passed with "
        "--institutions, a line such as 'xyz-abc: {en: <English name>, fr: <French name>}'\n"
    )


def test_a_minimal_table_imports() -> None:
    """The smallest valid table gives one commitment led by its indicator's department."""
    result = import_table(write_table(MINIMAL.replace("LEAD", "statcan")))
    assert result.exit_code == 0, result.output
    doc = load(Path("out/ca-2022-2022/c01.yml"))
    assert doc["lead_institutions"] == [names("Statistics Canada", "Statistique Canada")]
    assert doc["milestones"][0]["milestones"][0] == {
        "id": "ca-2022-2022-c01.1.1",
        "title": {"en": "Do", "fr": "Faire"},
        "due": "2022-06",
    }


def test_a_table_without_the_expected_fields_is_refused() -> None:
    """A CKAN table without an indicators field says what it expected."""
    text = MINIMAL.split("  - datastore_id: indicators")[0]
    result = import_table(write_table(text))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: table.yaml: no field 'indicators' with choices: expected a Canada tracker "
        "table (CKAN) whose resources[0].fields have the choices of reporting_period, "
        "commitments, milestones and indicators\n"
    )


def test_a_file_that_is_not_a_ckan_table_is_refused() -> None:
    """A YAML list is not a table: the error says what was expected."""
    result = import_table(write_table("- just\n- a list\n"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: table.yaml: no 'resources' list: expected a Canada")


def test_an_indicator_without_french_is_refused() -> None:
    """Every label needs both languages: a missing 'fr' is named with its line."""
    result = import_table(write_table(MINIMAL.replace("C01.1: {en: Step, fr: Étape}",
                                                      "C01.1: {en: Step}")))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: table.yaml, line 11: the label of C01.1 needs a non-empty 'en' and 'fr' text\n"
    )


def test_an_orphan_indicator_is_refused() -> None:
    """An indicator whose milestone does not exist is named, with the missing milestone."""
    result = import_table(write_table(MINIMAL.replace("C01.1.1:", "C01.2.1:")))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: table.yaml, line 14: C01.2.1 belongs to C01.2, which is not among the "
        "milestones: add C01.2 there or fix the code\n"
    )


def test_a_choice_code_written_twice_is_refused_with_its_line() -> None:
    """A milestone code written twice is an error, not a milestone silently dropped."""
    result = import_table(write_table(MINIMAL.replace(
        "      C01.1: {en: Step, fr: Étape}\n",
        "      C01.1: {en: Step, fr: Étape}\n      C01.1: {en: Again, fr: Encore}\n",
    )))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: table.yaml, line 12: duplicate key 'C01.1' (first written on line 11): "
        "keep only one of them\n"
    )


def test_invalid_yaml_is_refused_with_its_line() -> None:
    """A YAML syntax error is reported with its line."""
    result = import_table(write_table("resources:\n  - [unclosed\n"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: table.yaml, line 3: not valid YAML (")


def test_a_non_utf8_table_is_refused() -> None:
    """A Latin-1 table is refused with the line of the first bad byte."""
    path = Path("table.yaml")
    path.write_bytes(MINIMAL.replace("Étape", "\xc9tape").encode("latin-1"))
    result = import_table(path)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: table.yaml, line 11: not valid UTF-8 (byte 0xc9): "
        "save the file as UTF-8 and import it again\n"
    )


def test_a_stale_commitment_file_is_reported() -> None:
    """A .yml left over in the plan folder is named in a warning, not deleted."""
    NAP5_OUT.mkdir(parents=True)
    (NAP5_OUT / "c09.yml").write_text("old\n", encoding="utf-8")
    result = import_table(NAP5)
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: out/ca-2022-2024/c09.yml is not in nap5.yaml: "
        "delete it if that commitment is gone\n"
    )
    assert (NAP5_OUT / "c09.yml").exists()


def test_help_shows_examples() -> None:
    """`tracker import canada --help` ends with runnable examples."""
    result = run("import", "canada", "--help")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[lines.index("Examples:") + 1 :] == [
        "tracker import canada nap5.yaml                 # writes commitments/ca-2022-2024/",
        "tracker import canada nap6.yaml --plan ca-nap6 --out commitments/",
        "tracker import canada nap.yaml --institutions institutions.yml",
    ]


def test_an_oversized_source_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file above the size cap is refused with its size, not loaded into memory."""
    monkeypatch.setattr(common, "MAX_SOURCE_BYTES", 1000)
    result = import_table(NAP5)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {NAP5}: 83195 bytes is more than the 1000 a plan source may have: "
        "is it the right file?\n"
    )


def test_nap5_and_nap6_validate_and_build_the_report() -> None:
    """Both real tables give plans `tracker validate` passes and `tracker report` builds."""
    import_table(NAP5)
    import_table(NAP6)
    validated = run("validate", "out")
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.startswith("Valid: 2 plans, 9 commitments")
    built = run("report", "--commitments", "out", "--out", "site", "--today", "2024-01-01")
    assert built.exit_code == 0, built.output
    assert (Path("site") / "index.html").is_file()
