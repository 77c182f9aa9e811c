"""`tracker import canada` on the 4th plan's `nap` table (a synthetic fixture in its shape)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from support_importers import NAP4, NAP4_INSTITUTIONS, NAP6, load, milestones_by_id

from tracker.cli import cli

OUT = Path("out/ca-2018-2020")


def run(*args: str | Path) -> Result:
    """Run the tracker CLI with ``args``."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def import_nap4(*options: str | Path) -> Result:
    """Import the synthetic nap table into out/ with the OCSA institutions file."""
    return run("import", "canada", NAP4, "--out", "out",
               "--institutions", NAP4_INSTITUTIONS, *options)


def names(en: str, fr: str) -> dict[str, str]:
    """An institution's names, English first."""
    return {"en": en, "fr": fr}


TBS = names("Treasury Board of Canada Secretariat", "Secrétariat du Conseil du Trésor du Canada")
NRCAN = names("Natural Resources Canada", "Ressources naturelles Canada")
STATCAN = names("Statistics Canada", "Statistique Canada")


def test_the_4th_plan_is_2018_2020_as_the_table_states() -> None:
    """`dataset_type: nap` is the 4th plan; the last report (2021-03) does not lengthen it."""
    result = import_nap4()
    assert result.exit_code == 0, result.output
    plan = load(OUT / "plan.yml")
    assert plan["title"] == {
        "en": "Canada's 4th National Action Plan on Open Government 2018-2020",
        "fr": "4e Plan d'action national du Canada pour un gouvernement ouvert 2018-2020",
    }
    assert plan["period"] == {"start": "2018-01", "end": "2020-12"}
    assert plan["url"] == (
        "https://open.canada.ca/en/content/canadas-2018-2020-national-action-plan-open-government"
    )


def test_leads_are_the_label_acronyms_one_institution_each() -> None:
    """"(NRCan/StatCan/TBS)" gives three institutions, none joined, stripped from the title."""
    import_nap4()
    doc = load(OUT / "c01.yml")
    assert doc["lead_institutions"] == [TBS, NRCAN, STATCAN]
    milestones = milestones_by_id(doc)
    quality = milestones["ca-2018-2020-c01.2"]
    assert quality["leads"] == [NRCAN, STATCAN, TBS]
    assert "lead" not in quality
    assert quality["title"] == {
        "en": "Improve the quality of open data available on open.canada.ca",
        "fr": "Améliorer la qualité des données ouvertes du site ouvert.canada.ca",
    }
    assert milestones["ca-2018-2020-c01.1"]["lead"] == TBS


def test_full_text_with_its_target_is_kept_beside_the_short_title() -> None:
    """C01.1's whole sentence, target included, is its description; a mere repeat is not."""
    import_nap4()
    milestones = milestones_by_id(load(OUT / "c01.yml"))
    first = milestones["ca-2018-2020-c01.1"]
    assert first["title"]["en"] == "Make improvements to open.canada.ca"
    assert first["description"]["en"].endswith(
        "(At least 20 user-submitted records available by June 2020)"
    )
    assert first["description"]["fr"].endswith("disponibles d'ici juin 2020)")
    assert "description" not in milestones["ca-2018-2020-c01.2"]


def test_official_links_become_full_addresses() -> None:
    """NAP_url paths (one with a stray space) become open.canada.ca addresses per language."""
    import_nap4()
    doc = load(OUT / "c01.yml")
    assert doc["official_url"]["fr"] == (
        "https://open.canada.ca/fr/contenu/plan-daction-national-du-canada-pour-un-"
        "gouvernement-ouvert-de-2018-2020#toc4"
    )
    assert milestones_by_id(doc)["ca-2018-2020-c01.2"]["official_url"]["en"] == (
        "https://open.canada.ca/en/content/canadas-2018-2020-national-action-plan-open-"
        "government#toc4-4"
    )


def test_a_body_the_built_in_list_lacks_comes_from_the_institutions_file() -> None:
    """OCSA is named by the file; "with support from ISED" makes ISED a supporting actor."""
    import_nap4()
    doc = load(OUT / "c02.yml")
    assert doc["lead_institutions"][0] == names(
        "Office of the Chief Science Advisor", "Bureau du conseiller scientifique en chef"
    )
    assert doc["supporting_actors"] == [names(
        "Innovation, Science and Economic Development Canada",
        "Innovation, Sciences et Développement économique Canada",
    )]


def test_without_the_file_the_unknown_body_is_an_error_that_says_how_to_name_it() -> None:
    """The error names the file, line, acronym and the option: never edit the package."""
    result = run("import", "canada", NAP4, "--out", "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {NAP4}, line 90: unknown department 'OCSA' in the label of C02.1: give its "
        "English and French names in a YAML file passed with --institutions, a line such as "
        "'OCSA: {en: <English name>, fr: <French name>}'\n"
    )
    assert not OUT.exists()


def test_a_malformed_institutions_file_is_refused_with_its_line() -> None:
    """A name given in one language only is named with its line and the expected shape."""
    Path("inst.yml").write_text("OCSA: {en: Office}\n", encoding="utf-8")
    result = run("import", "canada", NAP4, "--out", "out", "--institutions", "inst.yml")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: inst.yml, line 1: OCSA needs its English and French names: "
        "'OCSA: {en: <English name>, fr: <French name>}'\n"
    )


def test_the_institutions_file_also_names_lead_dept_codes() -> None:
    """An unknown lead_dept code of a nap5-shaped table is named by the file too."""
    table = NAP6.read_text(encoding="utf-8").replace('lead_dept: "jus"', 'lead_dept: "xyz"')
    table = table.replace("lead_dept: jus", "lead_dept: xyz")
    Path("nap6.yaml").write_text(table, encoding="utf-8")
    Path("inst.yml").write_text("XYZ: {en: Some Body, fr: Un organisme}\n", encoding="utf-8")
    result = run("import", "canada", "nap6.yaml", "--out", "out", "--institutions", "inst.yml")
    assert result.exit_code == 0, result.output
    assert names("Some Body", "Un organisme") in load(Path("out/ca-2025-2029/c04.yml"))[
        "lead_institutions"
    ]


def test_the_imported_4th_plan_validates_and_builds() -> None:
    """`tracker validate` passes with no warning and `tracker report` builds the site."""
    import_nap4()
    validated = run("validate", "out")
    assert validated.exit_code == 0, validated.output
    assert "(0 warnings)" in validated.output
    built = run("report", "--commitments", "out", "--out", "site", "--today", "2020-06-01")
    assert built.exit_code == 0, built.output
    assert Path("site/index.html").is_file()


def test_a_label_without_leads_is_refused_when_the_table_has_no_lead_dept() -> None:
    """Without lead_dept the label must end with its leads: the error says so with its line."""
    text = NAP4.read_text(encoding="utf-8").replace(
        "Pilot an open science portal (NRC/TBS)", "Pilot an open science portal"
    )
    Path("nap.yaml").write_text(text, encoding="utf-8")
    result = run("import", "canada", "nap.yaml", "--out", "out",
                 "--institutions", NAP4_INSTITUTIONS)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: nap.yaml, line 93: the table has no lead_dept, and the English label of "
        "C02.2 does not end with its leads in parentheses, such as '(TBS)' or "
        "'(NRCan/StatCan/TBS)': add them\n"
    )


def test_the_plan_number_can_be_given() -> None:
    """--number overrides the dataset type."""
    import_nap4("--number", "7")
    assert load(OUT / "plan.yml")["title"]["en"].startswith("Canada's 7th National Action")
