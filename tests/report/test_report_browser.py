"""The pages in a real browser: axe-core finds no accessibility violation; vnu finds no error.

Needs Debian's ``chromium`` and the npm package ``axe-core`` (``AXE_CORE_JS`` names its
``axe.min.js``, else a few known places are tried); the HTML check needs ``java`` and
``vnu.jar`` from the npm package ``vnu-jar`` (``VNU_JAR``). Each test is skipped, saying what
is missing, when its tools are absent; with ``TRACKER_REQUIRE_BROWSER=1`` it fails instead.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE_PLACES = (
    REPO / "node_modules/axe-core/axe.min.js",
    Path("/opt/axe/node_modules/axe-core/axe.min.js"),
    Path("/usr/local/lib/node_modules/axe-core/axe.min.js"),
    Path("/usr/lib/node_modules/axe-core/axe.min.js"),
)
VNU_PLACES = (
    REPO / "node_modules/vnu-jar/build/dist/vnu.jar",
    Path("/opt/axe/node_modules/vnu-jar/build/dist/vnu.jar"),
    Path("/usr/local/lib/node_modules/vnu-jar/build/dist/vnu.jar"),
)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)
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
RUNNER = """
axe.run(document, { resultTypes: ["violations"] }).then(function (result) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(result.violations.map(function (v) {
    return v.id + " (" + v.impact + "): " + v.help + " at " +
      v.nodes.map(function (n) { return n.target.join(" "); }).join(", ");
  }));
  document.body.appendChild(out);
});
"""


def _missing(what: str) -> None:
    if os.environ.get("TRACKER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (TRACKER_REQUIRE_BROWSER=1)")
    pytest.skip(what)


def _find(env: str, places: tuple[Path, ...]) -> Path | None:
    if os.environ.get(env):
        return Path(os.environ[env])
    return next((place for place in places if place.is_file()), None)


def _axe_violations(chromium: str, page: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    match = re.search(r'<pre id="axe-result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"axe did not report on {page}: {done.stderr[-2000:]}"
    result: list[str] = json.loads(html.unescape(match[1]))
    return result


@pytest.mark.browser
@pytest.mark.slow
def test_axe_finds_no_violation(site: Path, tmp_path: Path) -> None:
    """axe-core reports no violation on each kind of page, in both languages."""
    chromium = shutil.which("chromium")
    axe = _find("AXE_CORE_JS", AXE_PLACES)
    if chromium is None:
        _missing("Debian's chromium is not installed (apt-get install -y chromium)")
    if axe is None or not axe.is_file():
        _missing("axe-core not found: npm install axe-core, then set AXE_CORE_JS")
    assert chromium is not None
    assert axe is not None
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    shutil.copyfile(axe, copy / "assets/axe.min.js")
    (copy / "assets/axe-run.js").write_text(RUNNER, encoding="utf-8")
    report = {}
    for name in PAGES:
        page = copy / name
        assets = posixpath.relpath("assets", posixpath.dirname(name) or ".")
        text = page.read_text(encoding="utf-8").replace(
            "</body>",
            f'<script src="{assets}/axe.min.js"></script>'
            f'<script src="{assets}/axe-run.js"></script></body>',
        )
        page.write_text(text, encoding="utf-8")
        report[name] = _axe_violations(chromium, page)
    assert report == {name: [] for name in PAGES}


@pytest.mark.browser
@pytest.mark.slow
def test_nu_html_checker_finds_no_error(site: Path, bare_site: Path) -> None:
    """The W3C Nu HTML checker (vnu) reports no error on any page, with or without snapshot."""
    java = shutil.which("java")
    vnu = _find("VNU_JAR", VNU_PLACES)
    if java is None:
        _missing("java is not installed (apt-get install -y default-jre-headless)")
    if vnu is None or not vnu.is_file():
        _missing("vnu.jar not found: npm install vnu-jar, then set VNU_JAR")
    assert java is not None
    assert vnu is not None
    pages = [str(p) for root in (site, bare_site) for p in sorted(root.rglob("*.html"))]
    done = subprocess.run(
        [java, "-jar", str(vnu), "--errors-only", "--format", "json", *pages],
        capture_output=True, text=True, timeout=600, check=False,
    )
    messages = json.loads(done.stderr)["messages"]  # vnu writes its report on stderr
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert errors == []
    assert done.returncode == 0


# The site's Content-Security-Policy allows only scripts from its own files.
LABEL_PROBE = """
var cell = document.querySelector("table.stack td[data-label]");
var out = document.createElement("pre");
out.id = "label-probe";
out.textContent = cell ? getComputedStyle(cell, "::before").content : "no cell";
document.body.appendChild(out);
"""


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "label"), [("es", "Fecha límite"), ("en", "Due"),
                                             ("fr", "Échéance")])
def test_phone_table_labels_use_each_language_s_colon(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, label: str) -> None:
    """At 360 px, a milestone table stacks each cell under its label: "Estado: ", "Status: ",
    but French "Statut : " (a space before the colon in French only)."""
    from click.testing import CliRunner

    from tracker.cli import cli

    chromium = shutil.which("chromium")
    if chromium is None:
        _missing("Debian's chromium is not installed (apt-get install -y chromium)")
    assert chromium is not None
    fixtures = REPO / "tests/fixtures/synthetic/mx-2024-2026"
    shutil.copytree(fixtures, tmp_path / "commitments/mx-2024-2026")
    shutil.copytree(REPO / "commitments/fr-2015-2017", tmp_path / "commitments/fr-2015-2017")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["report", "--out", "public"]).exit_code == 0
    plan, commitment = ("fr-2015-2017", "fr-2015-2017-22") if lang == "fr" else (
        "mx-2024-2026", "mx-2024-2026-c01")
    page = tmp_path / f"public/{lang}/{plan}/commitments/{commitment}.html"
    (tmp_path / "public/assets/label-probe.js").write_text(LABEL_PROBE, encoding="utf-8")
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<script src="../../../assets/label-probe.js"></script></body>'),
        encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=360,800",
             "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r'<pre id="label-probe">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stderr[-2000:]
    colon = " : " if lang == "fr" else ": "
    assert html.unescape(match[1]) == f'"{label}{colon}"'  # CSS gives the content quoted
