"""The report built from a real pull: the shipped example pushed to the fake GitLab with its
real clock (times with microseconds, as GitLab gives them), comments in both languages, a
mistyped status label and overdue milestones. HTML checked by the Nu checker and axe-core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET  # parses only feeds these tests have just built
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab
import jsonschema
import pytest
from browser_support import Chromium, axe_source, nu_errors
from click.testing import CliRunner
from htmlscan import scan

from tracker.cli import cli
from tracker.snapshot import LabelProblem, PushFinding, load_snapshot, save_snapshot
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "commitments"
MISTYPED = "fr-2021-2023-46.2"  # due 2021-07-14; carries "Status::in-progres" on GitLab
KEPT = "fr-2015-2017-22.1.3"
DONE = "fr-2021-2023-46.1"  # due 2021-01, closed on GitLab during the test
FRENCH = ("Trois hackathons ont eu lieu. Le compte rendu est sur https://www.data.gouv.fr/fr/"
          "reuses/ et les données sont publiées.")
ENGLISH = ("The first hackathon was held in March and the report is at "
           "https://open.canada.ca/en/content/report. We will publish the data.")
# One page of each kind, in both languages (a commitment with comments, its plan, the rest).
PAGE_TYPES = (
    "index.html",
    "{lang}/index.html",
    "{lang}/data.html",
    "{lang}/attention/index.html",
    "{lang}/fr-2015-2017/index.html",
    "{lang}/fr-2015-2017/commitments/fr-2015-2017-22.html",
    "{lang}/ca-2022-2024/commitments/ca-2022-2024-c01.html",
    "{lang}/fr-2021-2023/commitments/fr-2021-2023-46.html",
    "{lang}/fr-2015-2017/institutions/index.html",
    "{lang}/fr-2015-2017/institutions/ministere-de-la-decentralisation-et-de-la-fonction-publique.html",
)


def _iids(project: Any) -> dict[str, int]:
    found = {}
    for issue in project.issues.list(state="all", iterator=True, per_page=100):
        parsed = block.parse(issue.description)
        if parsed:
            found[parsed.key] = int(issue.iid)
    return found


@pytest.fixture(scope="session")
def real(built_once: Callable[..., Path]) -> Path:
    """The tracker folder after push, owners' work on GitLab, pull and report (public/).

    Only read by the tests: built once for the whole run (see ``built_once``)."""
    return built_once("real-clock", _push_work_pull_report)


def _push_work_pull_report(folder: Path) -> None:
    """Fill ``folder`` as ``real`` says, against a fake GitLab whose clock ticks."""
    for plan in sorted(p.name for p in SHIPPED.iterdir() if p.is_dir()):
        shutil.copytree(SHIPPED / plan, folder / "commitments" / plan)
    with FakeGitLab(ticking_clock=True) as server, pytest.MonkeyPatch.context() as patch:
        (folder / "tracker.yml").write_text(
            f"gitlab_url: {server.url}\nproject: ogp/suivi\nwrite_interval: 0\n",
            encoding="utf-8")
        patch.chdir(folder)
        patch.setenv("GITLAB_TOKEN", "owner-token")
        for name in ("TRACKER_GITLAB_URL", "TRACKER_PROJECT", "CI_SERVER_URL", "CI_PROJECT_ID"):
            patch.delenv(name, raising=False)
        runner = CliRunner()
        result = runner.invoke(cli, ["push"])
        assert result.exit_code == 0, result.output
        server.add_user("reporter-token", "reporter", username="camille", name="Camille Rouge")
        server.add_user("citizen-token", "none", username="alex", name="Alex Martin")
        with gitlab.Gitlab(server.url, private_token="reporter-token") as official, \
                gitlab.Gitlab(server.url, private_token="citizen-token") as citizen:
            project = official.projects.get("ogp/suivi")
            iids = _iids(project)
            project.issues.update(iids[DONE], {"state_event": "close"})
            project.issues.update(iids[MISTYPED], {"add_labels": "Status::in-progres"})
            project.issues.get(iids[MISTYPED], lazy=True).notes.create({"body": FRENCH})
            public = citizen.projects.get("ogp/suivi")
            public.issues.get(iids["fr-2015-2017-22"], lazy=True).notes.create({"body": ENGLISH})
            canada = public.issues.get(iids["ca-2022-2024-c01"], lazy=True)
            canada.notes.create({"body": ENGLISH})
            canada.notes.create({"body": FRENCH})
        result = runner.invoke(cli, ["pull"])
        assert result.exit_code == 0, result.output
        # What the pull does not fill yet is put in as it will: the report side is tested here.
        path = folder / ".tracker/snapshot.json"
        snapshot = load_snapshot(path)
        assert snapshot is not None
        items = dict(snapshot.items)
        if not items[MISTYPED].label_problems:
            items[MISTYPED] = dataclasses.replace(items[MISTYPED], label_problems=(
                LabelProblem("Status::in-progres", "status::in-progress"),))
        items[KEPT] = dataclasses.replace(items[KEPT], push_findings=(
            PushFinding("kept-edit", "title"),), hidden_comments=2)
        save_snapshot(dataclasses.replace(snapshot, items=items), path)
        result = runner.invoke(cli, ["report", "--out", "public"])
        assert result.exit_code == 0, result.output


def test_times_on_pages_have_at_most_milliseconds(real: Path) -> None:
    """GitLab's microseconds never reach <time datetime> (HTML allows three digits)."""
    stamps = [attrs["datetime"] for page in sorted((real / "public").rglob("*.html"))
              for attrs in scan(page).all("time")]
    assert any("T" in stamp for stamp in stamps)
    assert [s for s in stamps if re.search(r"\.\d{4,}", s)] == []
    snapshot = (real / ".tracker/snapshot.json").read_text(encoding="utf-8")
    assert re.search(r"T\d\d:\d\d:\d\d\.\d{3,}", snapshot)  # the test is about real fractions


def test_attention_json_validates_and_lists_the_mistyped_label_and_overdue(real: Path) -> None:
    """attention.json matches its schema and names the intended label and the overdue items."""
    data = real / "public/data"
    schema = json.loads((data / "attention.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads((data / "attention.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    entries = document["entries"]
    labels = [(e["item_id"], e["label"], e["suggestion"]) for e in entries if e["kind"] == "label"]
    assert labels == [(MISTYPED, "Status::in-progres", "status::in-progress")]
    overdue = {e["item_id"]: e for e in entries if e["kind"] == "overdue"}
    assert DONE not in overdue  # closed on GitLab: complete, so not late
    assert overdue[MISTYPED]["days"] > 1900  # due in July 2021
    assert overdue[MISTYPED]["due"] == "2021-07-14"
    assert overdue[MISTYPED]["institutions"][0]["fr"]
    assert [(e["item_id"], e["field"]) for e in entries if e["kind"] == "kept-edit"] == [
        (KEPT, "title")]
    assert [e["kind"] for e in entries if e["kind"] in ("not-on-gitlab", "stale")] == []
    page = scan(real / "public/en/attention/index.html").text
    assert ("The label Status::in-progres is not a label the tracker reads; "
            "status::in-progress was probably meant.") in page
    assert "Étiquette mal saisie" in scan(real / "public/fr/attention/index.html").text


def test_comments_link_bare_urls_and_say_their_language(real: Path) -> None:
    """A bare address in a comment is a link; an English comment on a French page has lang."""
    page = scan(real / "public/fr/ca-2022-2024/commitments/ca-2022-2024-c01.html")
    hrefs = [a.get("href") for a in page.all("a")]
    assert "https://open.canada.ca/en/content/report" in hrefs
    assert "https://www.data.gouv.fr/fr/reuses/" in hrefs
    langs = [attrs.get("lang") for attrs in page.all("div")
             if attrs.get("class") == "comment-body"]
    assert sorted(langs, key=str) == ["", "en"] or sorted(langs, key=str) == [None, "en"]


def test_planned_and_actual_dates_of_a_closed_milestone(real: Path) -> None:
    """A milestone closed on GitLab shows when, and how late against its due date."""
    rows = (real / "public/data/milestones.csv").read_text(encoding="utf-8").splitlines()
    done = next(row for row in rows if f",{DONE}," in row)
    assert re.search(r",\d{4}-\d\d-\d\dT[^,]+,\d{3,}$", done)  # completed_at, days late
    page = scan(real / "public/en/fr-2021-2023/commitments/fr-2021-2023-46.html").text
    assert re.search(r"\w+ \d+, 20\d\d [\d,]+ days late", page)  # the day, then how late


def test_attention_feed_has_one_entry_per_attention_entry(real: Path) -> None:
    """The attention feed is Atom, with an entry per item of the list, ids stable by content."""
    atom = "{http://www.w3.org/2005/Atom}"
    document = json.loads((real / "public/data/attention.json").read_text(encoding="utf-8"))
    for lang in ("fr", "en"):
        feed = ET.parse(real / f"public/{lang}/attention/feed.xml").getroot()  # noqa: S314
        entries = feed.findall(f"{atom}entry")
        assert len(entries) == len(document["entries"])
        ids = [entry.findtext(f"{atom}id") for entry in entries]
        assert len(set(ids)) == len(ids)
    titles = [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")]
    assert f"Mistyped label: {MISTYPED} Ouverture des financements pour les labs de" in " ".join(
        titles)


def test_hidden_comments_are_counted_on_the_page(real: Path) -> None:
    """Comments left out because their author is blocked are counted, not silently dropped."""
    page = scan(real / "public/en/fr-2015-2017/commitments/fr-2015-2017-22.html").text
    assert ("2 comments are not shown: their authors' GitLab accounts are blocked or deleted."
            in page)


@pytest.mark.browser
@pytest.mark.slow
def test_nu_checker_finds_no_error_on_real_data(real: Path) -> None:
    """The W3C Nu checker finds no error on any page of the real-clock site."""
    assert nu_errors(sorted((real / "public").rglob("*.html"))) == []


@pytest.mark.browser
@pytest.mark.slow
def test_axe_finds_no_violation_on_real_data(chromium: Chromium, real: Path) -> None:
    """axe-core finds no violation on each page type of the real-clock site, both languages."""
    axe = axe_source()
    names = sorted({kind.format(lang=lang) for kind in PAGE_TYPES for lang in ("fr", "en")})
    report = {name: chromium.axe_violations(real / "public" / name, axe) for name in names}
    assert report == {name: [] for name in names}


def test_stale_after_days_in_tracker_yml_sets_when_an_item_is_stale(
        real: Path, tmp_path: Path) -> None:
    """stale_after_days from tracker.yml decides which unchanged items the attention list shows."""
    shutil.copytree(real / "commitments", tmp_path / "commitments")
    shutil.copy(real / ".tracker/snapshot.json", tmp_path / "snapshot.json")
    later = (dt.date.today() + dt.timedelta(days=40)).isoformat()

    def stale_entries(settings: str) -> list[dict[str, Any]]:
        (tmp_path / "tracker.yml").write_text(settings, encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            result = CliRunner().invoke(cli, ["report", "--out", "public", "--snapshot",
                                              "snapshot.json", "--today", later])
        assert result.exit_code == 0, result.output
        document = json.loads((tmp_path / "public/data/attention.json").read_text("utf-8"))
        return [e for e in document["entries"] if e["kind"] == "stale"]

    assert stale_entries("") == []  # 90 days by default: 40 days without news is not stale
    assert stale_entries("stale_after_days: 41\n") == []  # 40 days are not 41
    stale = stale_entries("stale_after_days: 30\n")
    assert stale
    assert all(entry["days"] >= 40 for entry in stale)
    document = json.loads((tmp_path / "public/data/attention.json").read_text("utf-8"))
    assert document["stale_after_days"] == 30
    assert [e["item_id"] for e in stale_entries("stale_after_days: 40\n")] == \
        [e["item_id"] for e in stale]  # the same items at the boundary: 40 days are 40
