"""`tracker import etalab`: France's 2015-2017 Markdown becomes one bilingual commitment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support_importers import ETALAB_EN, ETALAB_FR, load, milestones_by_id, schema_errors

from tracker.cli import cli
from tracker.errors import InputError
from tracker.importers.etalab import read_commitment

OUT = Path("out/fr-2015-2017")
ISSUES = "https://git.framasoft.org/etalab/suivi/issues/"


def run(*args: str | Path) -> Result:
    """Run the tracker CLI with ``args``."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def import_corpus(fr: Path = ETALAB_FR, en: Path = ETALAB_EN, plan: str = "fr-2015-2017") -> Result:
    """Import the two Etalab files into out/."""
    return run("import", "etalab", fr, en, "--plan", plan, "--out", "out")


def edited_copy(source: Path, name: str, old: str, new: str) -> Path:
    """A copy of ``source`` in the working folder with ``old`` replaced once by ``new``."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = Path(name)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_import_writes_plan_and_commitment_and_says_so() -> None:
    """The CLI writes plan.yml and 22.yml, one line per file, then a summary."""
    result = import_corpus()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wrote out/fr-2015-2017/plan.yml",
        "wrote out/fr-2015-2017/22.yml",
        "Imported 1 commitment of plan fr-2015-2017 into out/fr-2015-2017: "
        "2 file(s) written, 0 unchanged.",
    ]
    assert sorted(p.name for p in OUT.iterdir()) == ["22.yml", "plan.yml"]


def test_second_import_changes_no_byte() -> None:
    """Importing again leaves every byte as it was and reports the files unchanged."""
    import_corpus()
    before = {p.name: p.read_bytes() for p in OUT.iterdir()}
    result = import_corpus()
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in OUT.iterdir()} == before
    assert result.stdout.splitlines()[:2] == [
        "unchanged out/fr-2015-2017/plan.yml",
        "unchanged out/fr-2015-2017/22.yml",
    ]


def test_output_validates_against_the_schemas() -> None:
    """plan.yml and 22.yml both satisfy the published JSON schemas."""
    import_corpus()
    assert schema_errors(OUT / "plan.yml") == []
    assert schema_errors(OUT / "22.yml") == []


def test_files_start_with_the_schema_modeline() -> None:
    """Editors find the schema from the first line of each file."""
    import_corpus()
    assert (OUT / "22.yml").read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=../../tracker/schemas/commitment.schema.json"
    )
    assert (OUT / "plan.yml").read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=../../tracker/schemas/plan.schema.json"
    )


def test_plan_yml_describes_the_2015_2017_plan() -> None:
    """The plan is France's, runs 2015-07 to 2017-07, in French first then English."""
    import_corpus()
    assert load(OUT / "plan.yml") == {
        "country": "FR",
        "title": {
            "fr": "Plan d'action national pour la France 2015-2017 : pour une action publique "
            "transparente et collaborative",
            "en": "France National Action Plan 2015-2017: for a transparent and collaborative "
            "government action",
        },
        "period": {"start": "2015-07", "end": "2017-07"},
        "languages": ["fr", "en"],
        "primary_language": "fr",
    }


def test_title_and_lead_institutions_in_both_languages() -> None:
    """Title and leads are paired by language, without the French lists' trailing ' ;'."""
    import_corpus()
    doc = load(OUT / "22.yml")
    assert doc["id"] == "fr-2015-2017-22"
    assert doc["title"] == {
        "fr": "Diffuser l’innovation et approfondir la recherche sur le gouvernement ouvert",
        "en": "Spread public innovation, and develop research on open government",
    }
    assert doc["lead_institutions"] == [
        {
            "fr": "ministère de la Décentralisation et de la Fonction publique",
            "en": "Ministry for the Decentralization and the Civil Service",
        },
        {
            "fr": "secrétariat d’État chargé de la Réforme de l’État et de la Simplification "
            "auprès du Premier ministre",
            "en": "Ministry of State for State Reform and Simplification, attached to the "
            "Prime Minister",
        },
    ]


def test_roadmap_tree_ids_and_titles_without_bold() -> None:
    """The nested bullets become milestones 22.1 (3 children) and 22.2 (1 child), bold removed."""
    import_corpus()
    milestones = milestones_by_id(load(OUT / "22.yml"))
    assert list(milestones) == [
        "fr-2015-2017-22.1",
        "fr-2015-2017-22.1.1",
        "fr-2015-2017-22.1.2",
        "fr-2015-2017-22.1.3",
        "fr-2015-2017-22.2",
        "fr-2015-2017-22.2.1",
    ]
    assert milestones["fr-2015-2017-22.1"]["title"] == {
        "fr": "Impulser le développement de l’innovation publique territoriale",
        "en": "Drive the development of territorial public innovation",
    }
    assert milestones["fr-2015-2017-22.2"]["title"] == {
        "fr": "Mettre en place un programme de recherche appliquée sur le gouvernement ouvert",
        "en": "Set up a program of applied research on open government",
    }
    assert milestones["fr-2015-2017-22.1.3"]["title"]["en"] == (
        "Develop a reference social network and national web platform for the projects and "
        "actors of regional and local innovation"
    )


def test_follow_up_links_stay_on_their_milestones() -> None:
    """Issues 186-188 sit on the three children of 22.1; 189 on the group bullet 22.2."""
    import_corpus()
    milestones = milestones_by_id(load(OUT / "22.yml"))
    follow_ups = {key: item.get("follow_up") for key, item in milestones.items()}
    assert follow_ups == {
        "fr-2015-2017-22.1": None,
        "fr-2015-2017-22.1.1": ISSUES + "186",
        "fr-2015-2017-22.1.2": ISSUES + "187",
        "fr-2015-2017-22.1.3": ISSUES + "188",
        "fr-2015-2017-22.2": ISSUES + "189",
        "fr-2015-2017-22.2.1": None,
    }


def test_footnotes_are_defined_at_the_end_of_the_context_that_cites_them() -> None:
    """The context keeps [^1]..[^3] and ends with their definitions; stakes cite none."""
    import_corpus()
    doc = load(OUT / "22.yml")
    fr, en = doc["context"]["fr"], doc["context"]["en"]
    assert "simplification [^1] , dans" in fr
    assert "simplification[^1], in which" in en
    assert fr.split("\n\n")[-3:] == [
        "[^1]: http://www.modernisation.gouv.fr/sites/default/files/fichiers-attaches/"
        "pmms-cimap3.pdf",
        "[^2]: « L’innovation au pourvoir ! Pour une action publique réinventée au service des "
        "territoires », avril 2015. http://www.modernisation.gouv.fr/les-services-publics-se-"
        "simplifient-et-innovent/par-la-co-construction/futurs-publics-innover-pour-moderniser-"
        "action-publique",
        "[^3]: http://www.modernisation.gouv.fr/les-services-publics-se-simplifient-et-innovent/"
        "par-la-co-construction/reacteur-public-État-et-collectivites-unis-pour-mieux-innover",
    ]
    assert en.endswith("reacteur-public-État-et-collectivites-unis-pour-mieux-innover")
    assert doc["stakes"]["en"].startswith("**The administration must be able")
    assert "[^" not in doc["stakes"]["fr"] + doc["stakes"]["en"]


def test_multi_line_texts_are_literal_blocks() -> None:
    """The context is written as a readable `|-` block, not an escaped one-liner."""
    import_corpus()
    text = (OUT / "22.yml").read_text(encoding="utf-8")
    assert "context:\n  fr: |-\n    Chaque ministère a défini" in text
    assert "\\u" not in text
    assert "\\n" not in text


def test_read_commitment_returns_the_document_and_no_warning() -> None:
    """The public function gives the same document as the CLI writes, with no warning."""
    import_corpus()
    imported = read_commitment(ETALAB_FR, ETALAB_EN, "fr-2015-2017")
    assert imported.local == "22"
    assert imported.warnings == []
    assert imported.doc == load(OUT / "22.yml")


def test_a_different_tree_shape_fails_naming_both_files_and_the_item() -> None:
    """An English roadmap with one child fewer under item 1 is refused, item and files named."""
    en = edited_copy(
        ETALAB_EN,
        "commitment-22.en.md",
        "    - Make the digital a driver for transformation in the territories through "
        '"territorial hackathons" modeled on Etalab\'s practices and intended for local '
        "authorities\n      _[[follow-up](https://git.framasoft.org/etalab/suivi/issues/187)]_\n",
        "",
    )
    result = import_corpus(en=en)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {ETALAB_FR} and commitment-22.en.md differ in shape: roadmap item 1 has 3 "
        "bullet(s) in French and 2 in English; the first unmatched one is "
        "'Développer une plateforme web et un réseau social nationaux…' "
        f"({ETALAB_FR}, line 30): give both files the same bullets in the same order and "
        "nesting\n"
    )
    assert not OUT.exists()


def test_sub_items_on_one_side_only_fail() -> None:
    """A child bullet present only in French under item 2 is refused with both lines."""
    en = edited_copy(
        ETALAB_EN,
        "commitment-22.en.md",
        "    - In partnership with the Interdisciplinary Research Centre",
        "    In partnership with the Interdisciplinary Research Centre",
    )
    result = import_corpus(en=en)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {ETALAB_FR} and commitment-22.en.md differ in shape: roadmap item 2 "
        "(engagement-22.fr.md line 32, commitment-22.en.md line 36) has sub-items only in "
        "engagement-22.fr.md: give both files the same bullets in the same order and nesting\n"
    )
    assert not OUT.exists()


def test_a_different_number_of_top_level_items_fails() -> None:
    """An English child bullet moved up to the top level makes the roadmaps' lengths differ."""
    en = edited_copy(
        ETALAB_EN,
        "commitment-22.en.md",
        "    - In partnership with the Interdisciplinary Research Centre",
        "- In partnership with the Interdisciplinary Research Centre",
    )
    result = import_corpus(en=en)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {ETALAB_FR} and commitment-22.en.md differ in shape: the roadmap has 2 "
        "bullet(s) in French and 3 in English; the first unmatched one is "
        "'In partnership with the Interdisciplinary Research Centre,…' "
        "(commitment-22.en.md, line 38): give both files the same bullets in the same order "
        "and nesting\n"
    )
    assert not OUT.exists()


def test_non_utf8_input_is_refused_with_its_line() -> None:
    """A Latin-1 file is named with the line of the first bad byte and how to fix it."""
    fr = Path("engagement-22.fr.md")
    fr.write_bytes(ETALAB_FR.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    result = import_corpus(fr=fr)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: engagement-22.fr.md, line 6: not valid UTF-8 (byte 0xe8): "
        "save the file as UTF-8 and import it again\n"
    )


def test_a_file_that_is_not_an_etalab_commitment_is_refused() -> None:
    """A Markdown file without '# Engagement N' is refused with what was expected."""
    notes = Path("notes.md")
    notes.write_text("\n# Meeting notes\n\n- nothing\n", encoding="utf-8")
    result = import_corpus(fr=notes)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: notes.md, line 2: not an Etalab commitment: the file should start with "
        "'# Engagement <number>' (French) or '# Commitment <number>' (English)\n"
    )


def test_swapped_languages_are_refused() -> None:
    """Giving the English file first is refused: the order is French, then English."""
    result = import_corpus(fr=ETALAB_EN, en=ETALAB_FR)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {ETALAB_EN}: this is the English file, but it was given as the French one: "
        "give the French file first, then the English one\n"
    )


def test_a_follow_up_link_that_is_not_an_issue_is_refused() -> None:
    """A follow-up link must be a GitLab issue address; the line is named."""
    en = edited_copy(ETALAB_EN, "c.en.md", "suivi/issues/186", "suivi/merge_requests/186")
    result = import_corpus(en=en)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: c.en.md, line 31: follow-up link "
        "'https://git.framasoft.org/etalab/suivi/merge_requests/186' is not a GitLab issue "
        "address (https://<host>/<group>/<project>/issues/<number>)\n"
    )


def test_an_undefined_footnote_is_refused() -> None:
    """A cited footnote without its definition is an error, not a dangling reference."""
    en = edited_copy(ETALAB_EN, "c.en.md", "[^3]:  http", "[^9]:  http")
    message = (
        "c.en.md: footnote [^3] is cited but never defined: add '[^3]: ...' at the end "
        "of the file"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        read_commitment(ETALAB_FR, en, "fr-2015-2017")


def test_an_unknown_plan_needs_its_plan_yml_first() -> None:
    """For a plan the importer does not know, plan.yml must already exist."""
    result = import_corpus(plan="fr-2099-2100")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: out/fr-2099-2100/plan.yml does not exist and plan 'fr-2099-2100' is not one "
        "the importer knows (fr-2015-2017): write the plan.yml first (see commitments/README.md)\n"
    )


def test_a_plan_id_that_is_not_a_folder_name_is_refused() -> None:
    """A plan id with a path in it cannot escape the output folder."""
    result = import_corpus(plan="../evil")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: plan id '../evil' is not valid")
    assert not Path("evil").exists()


def test_help_shows_an_example() -> None:
    """`tracker import etalab --help` ends with a runnable example."""
    result = run("import", "etalab", "--help")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.output.splitlines()]
    example = lines.index("Example:")
    assert lines[example + 1 :] == [
        "tracker import etalab engagement-22.fr.md commitment-22.en.md \\",
        "--plan fr-2015-2017 --out commitments/",
    ]
