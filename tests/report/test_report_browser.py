"""The pages in a real browser: axe-core finds no accessibility violation; vnu finds no error.

Needs Debian's ``chromium`` and the npm package ``axe-core`` (``AXE_CORE_JS`` names its
``axe.min.js``, else a few known places are tried); the HTML check needs ``java`` and
``vnu.jar`` from the npm package ``vnu-jar`` (``VNU_JAR``). Each test is skipped, saying what
is missing, when its tools are absent; with ``TRACKER_REQUIRE_BROWSER=1`` it fails instead.
See browser_support.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from browser_support import Chromium, axe_source, nu_errors
from click.testing import CliRunner

from tracker.cli import cli

REPO = Path(__file__).resolve().parents[2]
PAGES = (
    "index.html",
    "fr/index.html",
    "en/index.html",
    "fr/ca-2022-2024/index.html",
    "en/ca-2022-2024/index.html",
    "fr/ca-2022-2024/commitments/ca-2022-2024-c01.html",
    "en/ca-2022-2024/commitments/ca-2022-2024-c01.html",
    "en/fr-2021-2023/commitments/fr-2021-2023-46.html",
    "en/fr-2015-2017/commitments/fr-2015-2017-22.html",
    "fr/fr-2015-2017/institutions/index.html",
    "fr/fr-2015-2017/institutions/ministere-de-la-decentralisation-et-de-la-fonction-publique.html",
    "en/data.html",
    "fr/attention/index.html",
    "en/attention/index.html",
)


@pytest.mark.browser
@pytest.mark.slow
def test_axe_finds_no_violation(chromium: Chromium, site: Path) -> None:
    """axe-core reports no violation on each kind of page, in both languages."""
    axe = axe_source()
    report = {name: chromium.axe_violations(site / name, axe) for name in PAGES}
    assert report == {name: [] for name in PAGES}


@pytest.mark.browser
@pytest.mark.slow
def test_nu_html_checker_finds_no_error(site: Path, bare_site: Path) -> None:
    """The W3C Nu HTML checker (vnu) reports no error on any page, with or without snapshot."""
    pages = [p for root in (site, bare_site) for p in sorted(root.rglob("*.html"))]
    assert nu_errors(pages) == []


# What a phone shows before each cell of a stacked table: the ::before content of its label.
LABEL_PROBE = """
(function () {
  var cell = document.querySelector("table.stack td[data-label]");
  return cell ? getComputedStyle(cell, "::before").content : "no cell";
})()
"""


@pytest.fixture(scope="session")
def phone_site(built_once: Callable[..., Path]) -> Path:
    """`tracker report` of a Spanish and English plan and a French one (public/), built once;
    only read."""

    def build(root: Path) -> None:
        fixtures = REPO / "tests/fixtures/synthetic/mx-2024-2026"
        shutil.copytree(fixtures, root / "commitments/mx-2024-2026")
        shutil.copytree(REPO / "commitments/fr-2015-2017", root / "commitments/fr-2015-2017")
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(root)
            result = CliRunner().invoke(cli, ["report", "--out", "public"])
        assert result.exit_code == 0, result.output

    return built_once("phone", build) / "public"


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "label"), [("es", "Fecha límite"), ("en", "Due"),
                                             ("fr", "Échéance")])
def test_phone_table_labels_use_each_language_s_colon(
        chromium: Chromium, phone_site: Path, lang: str, label: str) -> None:
    """At 360 px, a milestone table stacks each cell under its label: "Estado: ", "Status: ",
    but French "Statut : " (a space before the colon in French only)."""
    plan, commitment = ("fr-2015-2017", "fr-2015-2017-22") if lang == "fr" else (
        "mx-2024-2026", "mx-2024-2026-c01")
    page = phone_site / f"{lang}/{plan}/commitments/{commitment}.html"
    content = chromium.evaluate(page, (LABEL_PROBE,), width=360, height=800)
    colon = " : " if lang == "fr" else ": "
    assert content == f'"{label}{colon}"'  # CSS gives the content quoted
