"""Helpers of the importer tests: where the corpus copies are, and schema validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tracker.plan.load import schema

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
ETALAB_FR = CORPUS / "france-2015-2017" / "engagement-22.fr.md"
ETALAB_EN = CORPUS / "france-2015-2017" / "commitment-22.en.md"
NAP5 = CORPUS / "canada" / "nap5.yaml"
NAP6 = CORPUS / "canada" / "nap6.yaml"
US_NAP5 = CORPUS / "usa" / "us-nap5"
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic"
# Hand-written in the shape of ckanext-canada's `nap` table (4th plan): see its first lines.
NAP4 = SYNTHETIC / "canada-nap.yaml"
NAP4_INSTITUTIONS = SYNTHETIC / "canada-institutions.yml"
NAP5_RECORDS = SYNTHETIC / "canada-nap5-records.csv"


def schema_errors(path: Path) -> list[str]:
    """Every JSON Schema error of the plan file ``path`` (plan.yml or a commitment)."""
    name = "plan" if path.name == "plan.yml" else "commitment"
    validator = jsonschema.Draft202012Validator(schema(name))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [f"{path.name}: {error.message}" for error in validator.iter_errors(data)]


def load(path: Path) -> Any:
    """The YAML data of ``path``."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def milestones_by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every milestone of a commitment document, at any depth, by id."""
    found: dict[str, dict[str, Any]] = {}

    def visit(items: list[dict[str, Any]]) -> None:
        for item in items:
            found[item["id"]] = item
            visit(item.get("milestones", []))

    visit(doc["milestones"])
    return found
