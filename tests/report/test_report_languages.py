"""The site in each plan's own languages: one, two or several, with or without a catalog.

Built through `tracker report` from the real US corpus (imported with `tracker import usa`),
the synthetic Spanish and English plan, the shipped French and English examples, and all of
them in one repository.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result
from htmlscan import check_links, scan
from report_support import EXAMPLES

from tracker.cli import cli
from tracker.snapshot import Issue, ItemState, Project, Snapshot, StatusChange, save_snapshot
from tracker.status import Completion, MilestoneStatus

from demo_plan import COMMITMENT, PLAN  # isort: skip

REPO = Path(__file__).resolve().parents[2]
US_NAP5 = REPO / "tests" / "fixtures" / "corpus" / "usa" / "us-nap5"
MX = REPO / "tests" / "fixtures" / "synthetic" / "mx-2024-2026"
US = "us-2022-2024"
GITLAB = "https://gitlab.example.org/ogp/suivi"
TAKEN = dt.datetime(2024, 11, 20, 8, 0, tzinfo=dt.UTC)


def run(*args: str | Path) -> Result:
    """Run the tracker CLI with ``args``."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def report(commitments: Path, out: Path, *options: str | Path) -> Result:
    """`tracker report` of ``commitments`` into ``out``, for a fixed day."""
    result = run("report", "--commitments", commitments, "--out", out, "--today", "2024-11-21",
                 *options)
    assert result.exit_code == 0, result.output
    return result


def import_us(commitments: Path) -> None:
    """The US half of the 5th plan, imported into ``commitments``/us-2022-2024."""
    imported = run("import", "usa", US_NAP5, "--out", commitments, "--update-date", "2024-06")
    assert imported.exit_code == 0, imported.output


def pages(site: Path) -> set[str]:
    """Every HTML page of the site, as a path from its root."""
    return {path.relative_to(site).as_posix() for path in site.rglob("*.html")}


def mx_snapshot(path: Path) -> Path:
    """A snapshot where the Spanish plan's first milestone is in progress on GitLab."""
    def issue(iid: int) -> Issue:
        created = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
        return Issue(iid, f"{GITLAB}/-/issues/{iid}", "opened", created, created)

    since = dt.datetime(2024, 4, 2, tzinfo=dt.UTC)
    items = {
        "mx-2024-2026-c01": ItemState(issue=issue(1), completion=Completion.LIMITED,
                                      completion_source="derived"),
        "mx-2024-2026-c01.1": ItemState(
            issue=issue(2), status=MilestoneStatus.IN_PROGRESS, status_since=since,
            history=(StatusChange("in-progress", since),)),
    }
    save_snapshot(Snapshot(TAKEN, Project(GITLAB, "ogp/suivi"), items, notices=()), path)
    return path


@pytest.fixture(scope="session")
def us_site(built_once: Callable[..., Path]) -> Path:
    """The site of the imported US half alone (built once, only read)."""

    def build(root: Path) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(root)
            import_us(root / "commitments")
            result = report(root / "commitments", root / "site")
        assert result.stderr == ""
        assert result.stdout.splitlines()[-1].startswith(
            "Report written to " + str(root / "site") + "/: 43 pages in 1 language (en) (")

    return built_once("us", build) / "site"


@pytest.fixture(scope="session")
def mx_site(built_once: Callable[..., Path]) -> Path:
    """The site of the synthetic Spanish and English plan, with a snapshot (built once)."""

    def build(root: Path) -> None:
        shutil.copytree(MX, root / "commitments" / MX.name)
        snapshot = mx_snapshot(root / "snapshot.json")
        result = report(root / "commitments", root / "site", "--snapshot", snapshot)
        assert result.stderr == ""

    return built_once("mx", build) / "site"


def test_the_us_half_builds_an_english_only_site(us_site: Path) -> None:
    """Only English pages, no language menu, no "translation missing" mark anywhere."""
    assert {p.name for p in us_site.iterdir()} == {
        "index.html", "assets", "en", "data", "report.en.md"}
    assert {p.split("/", 1)[0] for p in pages(us_site)} == {"index.html", "en"}
    commitments = {p for p in pages(us_site) if "/commitments/" in p}
    assert len(commitments) == 18
    for name in sorted(pages(us_site)):
        page = scan(us_site / name)
        html = (us_site / name).read_text(encoding="utf-8")
        assert page.all("html")[0]["lang"] == "en", name
        assert "Translation missing" not in page.text, name
        assert 'class="fallback"' not in html, name
        assert not [a for a in page.all("nav") if a.get("aria-label") == "Language"], name
        alternates = [a["hreflang"] for a in page.all("link") if "hreflang" in a]
        assert set(alternates) <= {"en"}, name
    root = scan(us_site / "index.html")
    assert [(a["href"], a["hreflang"]) for a in root.all("a")] == [("en/index.html", "en")]
    assert check_links(us_site) > 500


def test_the_us_site_shows_what_the_government_reported(us_site: Path) -> None:
    """US0113's page lists its sub-commitments' reports, newest first, after the timeline."""
    page = scan(us_site / f"en/{US}/commitments/{US}-us0113.html")
    assert "Progress reported by the government before the tracker" in page.text
    text = page.text
    june = text.index("Reported by the government on June 2024 us-2022-2024-us0113.1 ")
    august = text.index("Reported by the government on August 2023 us-2022-2024-us0113.1 ")
    assert text.index("Timeline") < june < august
    assert "Status: Complete This commitment was previously completed" in text
    assert "Source: open.usa.gov, status update" in text


def test_the_us_open_data_carries_the_reports(us_site: Path) -> None:
    """plan.json (valid against its schema) and reported.csv hold every imported report."""
    schema = json.loads((us_site / "data/plan.schema.json").read_text(encoding="utf-8"))
    document = json.loads((us_site / "data/plan.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    milestone = document["plans"][0]["commitments"][0]["milestones"][0]
    assert milestone["id"] == f"{US}-us0113.1"
    assert [(r["date"], r["status"], r["source"]["url"]) for r in milestone["reported"]] == [
        ("2023-08", None, "https://open.usa.gov/national-action-plan/5/US0113-1/"),
        ("2024-06", "complete", "https://open.usa.gov/national-action-plan/5/US0113-1/"),
    ]
    with (us_site / "data/reported.csv").open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
    assert reader.fieldnames == [
        "plan_id", "commitment_id", "item_id", "date", "period_start", "period_end", "status",
        "status_text_en", "progress_en", "evidence_en", "challenges_en", "links", "source_en",
        "source_url",
    ]
    reports = sum(len(m["reported"]) + 0 for c in document["plans"][0]["commitments"]
                  for m in c["milestones"])
    reports += sum(len(c["reported"]) for c in document["plans"][0]["commitments"])
    assert len(rows) == reports > 50
    assert rows[1]["item_id"] == f"{US}-us0113.1"
    assert (rows[1]["date"], rows[1]["status"], rows[1]["status_text_en"]) == (
        "2024-06", "complete", "Complete")


def test_a_spanish_plan_has_spanish_pages_with_a_spanish_interface(mx_site: Path) -> None:
    """es/ pages say lang="es", with Spanish navigation, status names and dates."""
    assert {p.split("/", 1)[0] for p in pages(mx_site)} == {"index.html", "es", "en"}
    home = scan(mx_site / "es/index.html")
    assert home.all("html")[0]["lang"] == "es"
    assert "Planes de acción" in home.text
    footer = [a for a in home.all("a") if a.get("href") in ("data.html", "attention/index.html")]
    assert len(footer) == 2
    assert "Datos abiertos Qué requiere atención Canal Atom Informe en Markdown" in home.text
    plan = scan(mx_site / "es/mx-2024-2026/index.html")
    assert "Hitos por estado" in plan.text
    assert "En curso 1 33 %" in plan.text
    assert "Sin actualización aún 2 67 %" in plan.text
    commitment = scan(mx_site / "es/mx-2024-2026/commitments/mx-2024-2026-c01.html")
    assert "Cumplimiento Limitado calculado a partir de los hitos" in commitment.text
    assert "Definir el estándar de datos de los contratos junio de 2024 En curso" in (
        commitment.text)
    menu = [a for a in commitment.all("a") if a.get("rel") == "alternate"]
    assert [(a["hreflang"], a["href"]) for a in menu] == [
        ("en", "../../../en/mx-2024-2026/commitments/mx-2024-2026-c01.html")]
    root = scan(mx_site / "index.html")
    assert [(a["href"], a["hreflang"]) for a in root.all("a")] == [
        ("es/index.html", "es"), ("en/index.html", "en")]
    assert "Leer en español" in root.text
    assert check_links(mx_site) > 100


def test_a_missing_translation_is_marked_only_where_the_plan_declares_it(mx_site: Path) -> None:
    """c02 has no English title: the en page says so; the es page has nothing to say."""
    en = (mx_site / "en/mx-2024-2026/commitments/mx-2024-2026-c02.html").read_text(
        encoding="utf-8")
    assert ('<h1><span lang="es" class="fallback">Crear un consejo ciudadano de seguimiento'
            '</span> <span class="missing">Translation missing: shown in Spanish.</span></h1>'
            ) in en
    es = scan(mx_site / "es/mx-2024-2026/commitments/mx-2024-2026-c02.html")
    assert "Falta la traducción" not in es.text
    assert "Translation missing" not in es.text


def test_the_spanish_plan_reports_appear_in_spanish(mx_site: Path) -> None:
    """The government's reports read in Spanish on es/, in English on en/, newest first."""
    es = scan(mx_site / "es/mx-2024-2026/commitments/mx-2024-2026-c01.html").text
    assert (
        "Avance declarado por el gobierno antes del seguimiento "
        "Declarado por el gobierno el 1 de julio de 2024 mx-2024-2026-c01.1 Definir el estándar "
        "de datos de los contratos Estado: Cumplido El estándar se aprobó en junio. "
        "Fuente: Tablero de seguimiento del gobierno (sintético) "
        "Declarado por el gobierno el 15 de marzo de 2024 mx-2024-2026-c01 Publicar los "
        "contratos de obra pública en datos abiertos Estado: En curso (En proceso) El portal "
        "está en pruebas con tres dependencias. Pruebas https://example.org/sintetico/portal "
        "Fuente: Tablero de seguimiento del gobierno (sintético)"
    ) in es
    en = scan(mx_site / "en/mx-2024-2026/commitments/mx-2024-2026-c01.html").text
    assert "Reported by the government on March 15, 2024" in en
    assert "Status: In progress (Under way) The portal is being tested with three agencies." in en
    with (mx_site / "data/reported.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["item_id"], r["date"], r["status"], r["progress_es"]) for r in rows] == [
        ("mx-2024-2026-c01", "2024-03-15", "in-progress",
         "El portal está en pruebas con tres dependencias."),
        ("mx-2024-2026-c01.1", "2024-07-01", "complete", "El estándar se aprobó en junio."),
    ]
    data = json.loads((mx_site / "data/plan.json").read_text(encoding="utf-8"))
    assert data["plans"][0]["commitments"][0]["reported"][0]["status_text"] == {
        "en": "Under way", "es": "En proceso"}


@pytest.fixture(scope="session")
def mixed_site(built_once: Callable[..., Path]) -> Path:
    """One repository: the French/English examples, the English US plan, the Spanish plan
    (built once, only read)."""

    def build(root: Path) -> None:
        shutil.copytree(EXAMPLES, root / "commitments")
        shutil.copytree(MX, root / "commitments" / MX.name)
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(root)
            import_us(root / "commitments")
            result = report(root / "commitments", root / "site")
        assert result.stdout.splitlines()[-1].startswith(
            f"Report written to {root / 'site'}/: 125 pages in 3 languages (en, fr, es) (")

    return built_once("mixed", build) / "site"


def test_one_site_holds_each_plan_in_its_own_languages(mixed_site: Path) -> None:
    """Plan pages exist only in their plan's languages; site-wide pages in every language.

    125 pages: 3 site-wide pages in 3 languages, and each plan's own (64 for the examples,
    40 for the US plan, 12 for the Spanish one), as each built alone.
    """
    found = pages(mixed_site)
    plans = {(p.split("/")[0], p.split("/")[1]) for p in found if p.count("/") >= 2}
    assert plans == {
        ("en", "ca-2022-2024"), ("fr", "ca-2022-2024"), ("en", "fr-2015-2017"),
        ("fr", "fr-2015-2017"), ("en", "fr-2021-2023"), ("fr", "fr-2021-2023"),
        ("en", US), ("en", "mx-2024-2026"), ("es", "mx-2024-2026"),
        ("en", "attention"), ("fr", "attention"), ("es", "attention"),
    }
    for lang in ("en", "fr", "es"):
        assert {f"{lang}/index.html", f"{lang}/data.html"} <= found
    # Each Markdown report covers the plans written in its language.
    headings = {lang: [line for line in (mixed_site / f"report.{lang}.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("## ")] for lang in ("en", "fr", "es")}
    assert headings == {
        "en": ["## Canada's 5th National Action Plan on Open Government 2022-2024",
               "## France National Action Plan 2015-2017: for a transparent and collaborative "
               "government action",
               "## France National Action Plan 2021-2023",
               "## Open Government Action Plan 2024-2026 (synthetic)",
               "## Fifth U.S. Open Government National Action Plan"],
        "fr": ["## 5e Plan d'action national du Canada pour un gouvernement ouvert 2022-2024",
               "## Plan d'action national pour la France 2015-2017 : pour une action publique "
               "transparente et collaborative",
               "## Plan d'action national pour la France 2021-2023"],
        "es": ["## Plan de Acción de Gobierno Abierto 2024-2026 (sintético)"],
    }
    assert check_links(mixed_site) > 1000


def test_the_home_page_lists_every_plan_and_links_to_pages_that_exist(mixed_site: Path) -> None:
    """The Spanish home links to the US plan in English and says it is not in Spanish."""
    home = scan(mixed_site / "es/index.html")
    ids = {"ca-2022-2024", "fr-2015-2017", "fr-2021-2023", "mx-2024-2026", US}
    plan_links = [a["href"] for a in home.all("a")
                  if a.get("href", "").endswith("/index.html") and a["href"].split("/")[-2] in ids]
    assert plan_links == [
        "../en/ca-2022-2024/index.html", "../fr/fr-2015-2017/index.html",
        "../fr/fr-2021-2023/index.html", "mx-2024-2026/index.html", f"../en/{US}/index.html",
    ]
    assert "No está en este idioma: este plan se publica en inglés." in home.text
    assert "No está en este idioma: este plan se publica en inglés, francés." in home.text
    # On the French home, only the two plans without French say so.
    assert scan(mixed_site / "fr/index.html").text.count("Pas dans cette langue") == 2
    # A plan's own menu offers its languages only; the site-wide pages offer all three.
    us_menu = [a["hreflang"] for a in scan(mixed_site / f"en/{US}/index.html").all("a")
               if a.get("rel") == "alternate"]
    assert us_menu == []
    fr_menu = [a["hreflang"] for a in scan(mixed_site / "fr/index.html").all("a")
               if a.get("rel") == "alternate"]
    assert fr_menu == ["en", "es"]
    root = scan(mixed_site / "index.html")
    assert [a["hreflang"] for a in root.all("a")] == ["en", "fr", "es"]
    # A plan not written in the page's language is shown in its own, without a "missing" mark.
    assert "Traduction manquante" not in scan(mixed_site / "fr/index.html").text
    assert "Falta la traducción" not in home.text


def test_a_language_without_catalog_builds_in_english_and_says_so_once(tmp_path: Path) -> None:
    """A German plan: de/ pages with the English interface, and one warning on stderr."""
    plan = yaml.safe_load((MX / "plan.yml").read_text(encoding="utf-8"))
    plan.update(languages=["de"], primary_language="de",
                title={"de": "Aktionsplan Offenes Regierungshandeln"})
    folder = tmp_path / "commitments" / "de-2024-2026"
    folder.mkdir(parents=True)
    (folder / "plan.yml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    (folder / "c01.yml").write_text(yaml.safe_dump({
        "id": "de-1", "title": {"de": "Offene Daten"},
        "lead_institutions": [{"de": "Bundesministerium des Innern"}],
        "milestones": [{"id": "de-1.1", "title": {"de": "Portal starten"}, "due": "2025-06"}],
    }, allow_unicode=True), encoding="utf-8")
    result = report(tmp_path / "commitments", tmp_path / "site")
    assert result.stderr.splitlines() == [
        "warning: no interface catalog for 'de' (plans: de-2024-2026): its pages show the "
        "plan's 'de' texts with the English interface; to translate the interface, add "
        "tracker/locale/de/LC_MESSAGES/messages.po (see \"Adding a language\" in "
        "docs/en/contributing.md)",
    ]
    page = scan(tmp_path / "site/de/de-2024-2026/commitments/de-1.html")
    assert page.all("html")[0]["lang"] == "de"
    assert "Offene Daten" in page.text
    assert "Milestones of commitment de-1" in page.text
    assert "Portal starten June 2025" in page.text
    assert "Translation missing" not in page.text
    root = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert ('<a class="button" href="de/index.html" hreflang="de" lang="de">Deutsch</a>'
            in root)  # named in German: not a second "Read in English"
    assert '<section lang="en" class="card">' in root  # its card's text is English


def test_the_shipped_example_site_keeps_its_pages(site: Path) -> None:
    """French and English only, page for page, 70 pages plus the root, as before languages."""
    fr = {p[3:] for p in pages(site) if p.startswith("fr/")}
    en = {p[3:] for p in pages(site) if p.startswith("en/")}
    assert fr == en
    assert len(fr) == 35
    assert pages(site) == {"index.html"} | {f"fr/{p}" for p in fr} | {f"en/{p}" for p in en}
    assert sorted(p.name for p in (site / "data").iterdir()) == [
        "attention.json", "attention.schema.json", "comments.csv", "commitments.csv",
        "milestones.csv", "plan.json", "plan.schema.json", "reported.csv",
    ]


def test_report_events_are_kept_apart_from_gitlab_history(mx_site: Path) -> None:
    """The feed (GitLab's history) does not repeat what the government reported earlier."""
    feed = (mx_site / "es/mx-2024-2026/commitments/mx-2024-2026-c01.xml").read_text(
        encoding="utf-8")
    assert "En proceso" not in feed
    assert feed.count("<entry>") == 1  # the milestone's one status change on GitLab



def test_site_wide_pages_show_an_item_in_its_plan_s_primary_language(tmp_path: Path) -> None:
    """On the Spanish attention page and feed, an overdue milestone of a French-and-English
    plan is named in French, its plan's primary language, as its plan's pages would; not in
    English because 'en' sorts first."""
    commitments = tmp_path / "commitments"
    shutil.copytree(MX, commitments / MX.name)
    (commitments / "demo").mkdir()
    (commitments / "demo/plan.yml").write_text(PLAN, encoding="utf-8")
    (commitments / "demo/1.yml").write_text(COMMITMENT, encoding="utf-8")
    assert report(commitments, tmp_path / "site", "--today", "2025-01-01").exit_code == 0
    page = (tmp_path / "site/es/attention/index.html").read_text(encoding="utf-8")
    assert '<span class="id">demo-1.1</span> <span lang="fr">Jalon</span>' in page
    feed = (tmp_path / "site/es/attention/feed.xml").read_text(encoding="utf-8")
    assert "demo-1.1 Jalon" in feed
    assert "Milestone" not in feed
