"""The example plans shipped in commitments/ are valid and match their sources."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from support_importers import CORPUS, ETALAB_EN, ETALAB_FR, NAP5, ROOT, load, schema_errors

from tracker.cli import cli
from tracker.plan.load import check_plans

SHIPPED = ROOT / "commitments"


def test_shipped_plans_pass_tracker_validation() -> None:
    """check_plans finds three plans and no error (missing English is only a warning)."""
    plans, problems = check_plans(SHIPPED)
    assert [p for p in problems if p.severity == "error"] == []
    assert plans is not None
    assert [plan.id for plan in plans.plans] == ["ca-2022-2024", "fr-2015-2017", "fr-2021-2023"]


def test_every_shipped_file_validates_against_the_schemas() -> None:
    """Each plan.yml and commitment file satisfies the published JSON schemas."""
    files = sorted(SHIPPED.glob("*/*.yml"))
    assert len(files) == 10  # 6 for ca-2022-2024, 2 for each French plan
    assert [error for path in files for error in schema_errors(path)] == []


def test_imported_examples_are_exactly_what_the_importers_write() -> None:
    """Re-importing the corpus into a copy of commitments/ changes no byte."""
    copy = Path("commitments")
    shutil.copytree(SHIPPED, copy)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    runner = CliRunner()
    etalab = ["import", "etalab", str(ETALAB_FR), str(ETALAB_EN), "--plan", "fr-2015-2017"]
    assert runner.invoke(cli, etalab).exit_code == 0
    assert runner.invoke(cli, ["import", "canada", str(NAP5)]).exit_code == 0
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert after == before


def test_hand_written_2021_2023_commitment_keeps_the_source_facts() -> None:
    """Commitment 46: French only, lead ministry, dates, milestones, contact, La 27e Région."""
    plan = load(SHIPPED / "fr-2021-2023" / "plan.yml")
    assert plan["period"] == {"start": "2021-01", "end": "2023-12"}
    assert plan["languages"] == ["fr", "en"]
    doc = load(SHIPPED / "fr-2021-2023" / "46.yml")
    assert doc["id"] == "fr-2021-2023-46"
    assert doc["title"] == {
        "fr": "Soutenir l'innovation ouverte sur les territoires grâce aux laboratoires "
        "d'innovation"
    }
    assert (doc["start"], doc["end"]) == ("2022-01", "2023-06")
    assert doc["contact"]["name"] == "Camille Rouge"
    assert doc["contact"]["role"] == {"fr": "Pôle Innovation, DITP"}
    assert doc["supporting_actors"] == [{"fr": "La 27e Région"}]
    dates = [(m["id"], m.get("start"), m["due"]) for m in doc["milestones"]]
    assert dates == [
        ("fr-2021-2023-46.1", None, "2021-01"),
        ("fr-2021-2023-46.2", "2021-05-14", "2021-07-14"),
        ("fr-2021-2023-46.3", "2021-09", "2022-01"),
        ("fr-2021-2023-46.4", "2022-01", "2022-05"),
        ("fr-2021-2023-46.5", "2022-01", "2022-05"),
    ]
    source = (CORPUS / "france-2021-2023" / "engagement-46.fr.txt").read_text(encoding="utf-8")
    for milestone in doc["milestones"]:
        assert list(milestone["title"]) == ["fr"]
        assert milestone["title"]["fr"] in source
    assert doc["stakes"]["fr"].startswith(source.split("Quel est le problème public que "
                                                       "l'engagement réglera ?\n\n")[1][:200])
