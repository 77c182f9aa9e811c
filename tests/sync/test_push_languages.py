"""`tracker push` writes issue texts and label descriptions in the plan's own languages."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import gitlab
from click.testing import CliRunner

from tracker.cli import cli
from tracker.sync import block

REPO = Path(__file__).resolve().parents[2]
MX = REPO / "tests" / "fixtures" / "synthetic" / "mx-2024-2026"


def test_a_spanish_plan_gets_spanish_issues_first_then_english(
    tracker_repo: Callable[..., Path], gl: gitlab.Gitlab
) -> None:
    """Spanish section, then English; labels described in Spanish first; no French at all."""
    repo = tracker_repo("fr-2021-2023", settings="report_url: https://ogp.example/seguimiento\n")
    shutil.rmtree(repo / "commitments")
    shutil.copytree(MX, repo / "commitments" / MX.name)
    result = CliRunner().invoke(cli, ["push"])
    assert result.exit_code == 0, result.output
    project = gl.projects.get("ogp/suivi")
    issues = {block.parse(i.description).key: i  # type: ignore[union-attr]
              for i in project.issues.list(state="all", get_all=True)}
    body = issues["mx-2024-2026-c02"].description
    spanish, english = body.split("\n\n---\n\n")
    assert spanish.splitlines()[1:] == [
        "**Compromiso mx-2024-2026-c02** · Plan: Plan de Acción de Gobierno Abierto 2024-2026 "
        "(sintético)", "",
        "**Instituciones responsables**: Instituto Nacional de Transparencia", "",
        "[Seguimiento público](https://ogp.example/seguimiento/es/mx-2024-2026/commitments/"
        "mx-2024-2026-c02.html)", "",
        "#### Hoja de ruta", "",
        f"- [ ] #{issues['mx-2024-2026-c02.1'].iid} mx-2024-2026-c02.1 · Convocar a las "
        "organizaciones de la sociedad civil",
    ]
    assert english.startswith("**Commitment mx-2024-2026-c02** · Plan: Open Government Action "
                              "Plan 2024-2026 (synthetic)\n\n**Lead institutions**: National "
                              "Transparency Institute\n\n[Public follow-up](https://ogp.example/"
                              "seguimiento/en/mx-2024-2026/commitments/mx-2024-2026-c02.html)")
    milestone = issues["mx-2024-2026-c01.1"].description
    assert "**Hito mx-2024-2026-c01.1** · del compromiso mx-2024-2026-c01 «Publicar los " in (
        milestone)
    assert "**Fecha límite**: 2024-06" in milestone
    labels = {label.name: label.description for label in project.labels.list(get_all=True)}
    assert labels["status::in-progress"] == "Hito en curso · Milestone in progress"
    assert labels["kind::commitment"] == "Compromiso · Commitment"
    assert labels["ogp-tracker"] == (
        "Seguimiento OGP: incidencia gestionada por ogp-tracker · "
        "OGP follow-up: issue managed by ogp-tracker")
    # A title without English is said so, in English, where the English half needs it.
    assert labels["commitment::mx-2024-2026-c02"] == (
        "Crear un consejo ciudadano de seguimiento · "
        "Crear un consejo ciudadano de seguimiento _(translation missing)_")
    french = ("Engagement", "Jalon", "Feuille de route", "Suivi public")
    assert not [word for i in issues.values() for word in french if word in i.description]
