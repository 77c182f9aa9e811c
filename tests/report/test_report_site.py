"""The built site, read as files: every kind of page in both languages, links, safety."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from htmlscan import Page, check_links, scan
from report_support import HOSTILE_BODIES, example_plans, make_snapshot

FR22 = "fr/fr-2015-2017/commitments/fr-2015-2017-22.html"
EN22 = "en/fr-2015-2017/commitments/fr-2015-2017-22.html"
EN46 = "en/fr-2021-2023/commitments/fr-2021-2023-46.html"
FR46 = "fr/fr-2021-2023/commitments/fr-2021-2023-46.html"
CA1 = "ca-2022-2024/commitments/ca-2022-2024-c01.html"


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _relative(site: Path, path: Path) -> str:
    return path.relative_to(site).as_posix()


def test_both_languages_mirror_each_other_page_for_page(site: Path) -> None:
    """Every /fr/ page has an /en/ twin at the same path, and nothing else is at the top."""
    fr = {_relative(site / "fr", p) for p in (site / "fr").rglob("*.html")}
    en = {_relative(site / "en", p) for p in (site / "en").rglob("*.html")}
    assert fr == en
    assert "fr-2015-2017/index.html" in fr
    assert "fr-2015-2017/institutions/index.html" in fr
    assert {p.name for p in site.iterdir()} == {
        "index.html", "assets", "fr", "en", "data", "report.fr.md", "report.en.md",
    }


@pytest.mark.parametrize("which", ["site", "bare_site"])
def test_every_page_declares_and_links_its_twin(which: str, request: pytest.FixtureRequest) -> None:
    """Each page has lang, hreflang alternates for both languages and a link to the twin."""
    site: Path = request.getfixturevalue(which)
    for path in _pages(site / "fr") + _pages(site / "en"):
        page = scan(path)
        name = _relative(site, path)
        lang, other = ("fr", "en") if name.startswith("fr/") else ("en", "fr")
        assert page.all("html")[0]["lang"] == lang, name
        alternates = {a["hreflang"]: a["href"] for a in page.all("link") if "hreflang" in a}
        twin = posixpath.relpath(other + name[2:], posixpath.dirname(name))
        assert alternates == {lang: path.name, other: twin}, name
        assert any(a.get("href") == twin and a.get("hreflang") == other for a in page.all("a"))


@pytest.mark.parametrize("which", ["site", "bare_site"])
def test_every_internal_link_resolves(which: str, request: pytest.FixtureRequest) -> None:
    """Every relative href/src points to a file of the site, and every #fragment to an id."""
    site: Path = request.getfixturevalue(which)
    checked = check_links(site)
    assert checked > 500


def test_root_page_lets_the_reader_choose(site: Path) -> None:
    """The root page offers both languages, each in its own language."""
    page = scan(site / "index.html")
    choices = [(a["href"], a["hreflang"]) for a in page.all("a")]
    assert choices == [("fr/index.html", "fr"), ("en/index.html", "en")]
    assert "Lire en français" in page.text
    assert "Read in English" in page.text


def test_plan_overview_in_both_languages(site: Path) -> None:
    """The overview counts milestones by status and commitments by level, in each language."""
    fr = scan(site / "fr/ca-2022-2024/index.html").text
    en = scan(site / "en/ca-2022-2024/index.html").text
    assert "Jalons par état" in fr
    assert "Engagements par niveau de réalisation" in fr
    assert "Réalisé 25 20 %" in fr  # 125 milestones cycle through five statuses
    assert "Milestones by status" in en
    assert "Complete 25 20%" in en
    assert "Total 125" in en
    assert "Overdue milestones" in en
    assert "Plan d’action de janvier 2022 à décembre 2024." in fr
    assert "Action plan for January 2022 to December 2024." in en


def test_overdue_is_said_in_words_not_only_colour(site: Path) -> None:
    """An overdue milestone row carries the word "Overdue"/"En retard" next to its colour."""
    html = (site / "en" / CA1).read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="is-overdue">.*?</tr>', html, re.S)
    assert rows
    assert all("⚠ </span>Overdue</strong>" in row for row in rows)
    fr_html = (site / "fr" / CA1).read_text(encoding="utf-8")
    assert "⚠ </span>En retard</strong>" in fr_html


def test_commitments_table_is_sortable_and_readable_without_script(site: Path) -> None:
    """The table is plain HTML with sort hints; the filter box only appears with the script."""
    html = (site / "en/ca-2022-2024/index.html").read_text(encoding="utf-8")
    assert '<table id="commitments-table" class="sortable data stack">' in html
    assert '<div class="table-filter" data-table="commitments-table" hidden>' in html
    page = scan(site / "en/ca-2022-2024/index.html")
    headers = [a.get("data-sort") for a in page.all("th") if "data-sort" in a]
    assert headers == ["text", "text", "text", "number", "number", "number", "text"]
    assert [a["src"] for a in page.all("script")] == ["../../assets/table.js"]
    assert "3 of 17" in page.text  # milestones done / total for c01


def test_commitment_page_in_both_languages(site: Path) -> None:
    """A commitment shows its texts, lead, milestones with issue links and a timeline."""
    en = scan(site / EN22)
    fr = scan(site / FR22)
    assert "Spread public innovation, and develop research on open government" in en.text
    assert "Diffuser l’innovation et approfondir la recherche" in fr.text
    assert "Ministry for the Decentralization and the Civil Service" in en.text
    assert "Milestones of commitment fr-2015-2017-22" in en.text
    assert "Jalons de l’engagement fr-2015-2017-22" in fr.text
    issue = make_snapshot(example_plans()).items["fr-2015-2017-22"].issue
    assert issue is not None
    for page in (en, fr):
        assert issue.web_url in [a.get("href") for a in page.all("a")]
    assert "Comment on GitLab" in en.text
    assert "Commenter sur GitLab" in fr.text
    assert "Update 5 on the plan." in en.text  # fr-2015-2017-22 is the sixth commitment


def test_timeline_marks_each_comment_with_its_role(site: Path) -> None:
    """Comments say whether they come from the administration or civil society."""
    en = (site / "en" / CA1).read_text(encoding="utf-8")
    fr = (site / "fr" / CA1).read_text(encoding="utf-8")
    assert en.count('<span class="badge role role-civil_society">Civil society</span>') == 3
    assert en.count('<span class="badge role role-administration">Administration</span>') == 2
    assert fr.count('<span class="badge role role-civil_society">Société civile</span>') == 3


def test_dates_are_written_per_locale(site: Path) -> None:
    """The snapshot date reads "20 novembre 2026" in French and "November 20, 2026" in English."""
    assert "États et commentaires au 20 novembre 2026" in scan(site / "fr/index.html").text
    assert "Status and comments as of November 20, 2026" in scan(site / "en/index.html").text
    assert '<time datetime="2026-11-20T08:00:00+00:00">November 20, 2026</time>' in (
        site / "en/index.html"
    ).read_text(encoding="utf-8")


def test_missing_translation_is_shown_with_a_visible_note(site: Path) -> None:
    """The French-only commitment 46 appears in French on /en/ with a translated note."""
    en = (site / EN46).read_text(encoding="utf-8")
    assert (
        '<h1><span lang="fr" class="fallback">Soutenir l&#39;innovation ouverte sur les '
        "territoires grâce aux laboratoires d&#39;innovation</span> "
        '<span class="missing">Translation missing: shown in French.</span></h1>'
    ) in en
    fr = (site / FR46).read_text(encoding="utf-8")
    assert "Traduction manquante" not in fr
    assert "Translation missing" not in fr


def test_institution_pages_list_commitments_and_milestones(site: Path) -> None:
    """Each lead institution has a page in both languages with what it leads."""
    slug = "ministere-de-la-decentralisation-et-de-la-fonction-publique"
    en = scan(site / f"en/fr-2015-2017/institutions/{slug}.html").text
    fr = scan(site / f"fr/fr-2015-2017/institutions/{slug}.html").text
    assert "Ministry for the Decentralization and the Civil Service" in en
    assert "Commitments it leads" in en
    assert "Milestones this institution is in charge of" in en
    assert "fr-2015-2017-22.1.1" in en
    assert "Engagements qu’elle pilote" in fr
    index = scan(site / "en/fr-2015-2017/institutions/index.html").text
    expected = "Ministry for the Decentralization and the Civil Service: 1 commitment, 6 milestones"
    assert expected in index


def test_no_snapshot_shows_no_update_yet(bare_site: Path) -> None:
    """Without a snapshot, pages say so and every status is "no update yet"."""
    en = scan(bare_site / "en/ca-2022-2024/index.html").text
    assert "No update from GitLab yet" in en
    assert "No update yet 125 100%" in en
    fr = scan(bare_site / "fr" / CA1).text
    assert "Pas encore de mise à jour." in fr
    assert "Pas encore sur GitLab" in fr


def test_no_snapshot_puts_a_banner_on_every_page(site: Path, bare_site: Path) -> None:
    """Before the first pull every page says so at the top; after it, no page does."""
    for page in sorted(bare_site.glob("*/**/*.html")):
        banners = [a for tag, a in scan(page).elements if a.get("class") == "banner"]
        assert len(banners) == 1, page
    en = scan(bare_site / "en" / CA1).text
    assert "No status has been pulled from GitLab yet." in en
    assert "Aucun état n’a encore été récupéré de GitLab." in scan(bare_site / "fr" / CA1).text
    for page in sorted(site.glob("*/**/*.html")):
        assert 'class="banner"' not in page.read_text(encoding="utf-8"), page


def _hostile_fragments(page: Page) -> list[str]:
    found = []
    for tag, attrs in page.elements:
        own_script = tag == "script" and attrs.get("src", "").endswith("assets/table.js")
        if tag in ("script", "iframe", "style", "img", "object", "embed") and not own_script:
            found.append(tag)
        found.extend(f"{tag}[{key}]" for key in attrs if key.startswith("on"))
        found.extend(
            f"{tag}[{key}={value}]" for key, value in attrs.items()
            if value.strip().lower().startswith("javascript:")
        )
    return found


def test_hostile_comments_are_neutralised(site: Path) -> None:
    """Script tags, event attributes, javascript: links and broken HTML become inert."""
    for lang in ("fr", "en"):
        path = site / lang / CA1
        page = scan(path)
        assert _hostile_fragments(page) == [], lang
        html = path.read_text(encoding="utf-8")
        assert '<div class="comment-body">Hello\n</div>' in html
        assert '<div class="comment-body"><p> and <b>bold</b></p>\n</div>' in html
        # Both links keep their text and lose their javascript: target.
        assert "<p><a>click me</a> and <a>raw</a></p>" in html
        assert (
            "<p>unclosed <em>broken </em></p><table><tbody><tr><td>cell\n</td></tr></tbody></table>"
        ) in html
        assert '<div class="comment-body"></div>' in html  # iframe and style removed whole
        # Each hostile body is on the page, neutralised: none was dropped on the way.
        assert html.count('<div class="comment-body">') == len(HOSTILE_BODIES), lang
    for page_path in _pages(site):
        assert _hostile_fragments(scan(page_path)) == [], page_path


def test_links_to_other_sites_are_nofollow_noopener(site: Path) -> None:
    """Every absolute link to another site carries rel="nofollow noopener"."""
    for path in _pages(site):
        for attrs in scan(path).all("a"):
            if urlsplit(attrs.get("href", "")).scheme in ("http", "https"):
                assert set(attrs.get("rel", "").split()) >= {"nofollow", "noopener"}, path


def test_no_inline_script_or_style_and_no_external_resource(site: Path) -> None:
    """Scripts and styles come from the site's own files; no CDN, no font, no inline code."""
    for path in _pages(site):
        html = path.read_text(encoding="utf-8")
        assert "<script>" not in html, path
        assert "<style" not in html, path
        assert " style=" not in html, path
        for attrs in scan(path).all("link") + scan(path).all("script"):
            url = attrs.get("href") or attrs.get("src") or ""
            assert not urlsplit(url).scheme, f"{path} loads {url}"


def test_plan_cards_say_how_much_is_done_with_french_plurals(site: Path) -> None:
    """The home page summarises each plan; French agrees "1 jalon réalisé" in number."""
    fr = scan(site / "fr/index.html").text
    en = scan(site / "en/index.html").text
    assert "1 jalon réalisé sur 6" in fr
    assert "25 jalons réalisés sur 125" in fr
    assert "25 of 125 milestones complete" in en
    assert "1 of 6 milestones complete" in en


def test_attention_page_in_both_languages_linked_from_each_plan(site: Path) -> None:
    """The attention page exists in fr and en, each plan links to it, and it says what to do."""
    en = scan(site / "en/attention/index.html")
    fr = scan(site / "fr/attention/index.html")
    assert "What needs attention" in en.text
    assert "Points d’attention" in fr.text
    assert "days late." in en.text
    assert "Report progress on the issue" in en.text
    for lang in ("fr", "en"):
        plan = scan(site / lang / "fr-2021-2023/index.html")
        assert "../attention/index.html#plan-fr-2021-2023" in [a.get("href") for a in plan.all("a")]
        assert "plan-fr-2021-2023" in scan(site / lang / "attention/index.html").ids


def test_each_item_links_to_a_prefilled_error_report(site: Path) -> None:
    """"Report an error" opens a new GitLab issue whose title and text name the item."""
    links = [a["href"] for a in scan(site / EN46).all("a") if "/-/issues/new?" in a.get("href", "")]
    queries = [dict(parse_qsl(urlsplit(link).query)) for link in links]
    assert all(link.startswith("https://gitlab.example.org/ogp/suivi/-/issues/new?")
               for link in links)
    assert [q["issue[title]"] for q in queries] == [
        "Wrong data on commitment fr-2021-2023-46",
        *(f"Wrong data on milestone fr-2021-2023-46.{n}" for n in range(1, 6)),
    ]
    assert queries[0]["issue[description]"].startswith("Commitment fr-2021-2023-46: ")
    assert queries[1]["issue[description]"].startswith("Milestone fr-2021-2023-46.1: ")
    fr = [a["href"] for a in scan(site / FR46).all("a") if "/-/issues/new?" in a.get("href", "")]
    assert "Erreur dans les données" in dict(parse_qsl(urlsplit(fr[0]).query))["issue[title]"]


def test_bare_site_has_no_error_link_but_says_when_it_will(bare_site: Path) -> None:
    """Before the first pull the project's address is unknown: the page says so instead."""
    page = scan(bare_site / EN46)
    assert not [a for a in page.all("a") if "/-/issues/new" in a.get("href", "")]
    assert "a link here lets anyone report an error" in page.text


def test_accountable_official_is_named(site: Path) -> None:
    """The plan's contact is shown as the accountable official, with role."""
    en = scan(site / EN46).text
    assert re.search(r"Accountable official \w+ \w+, ", en)
    assert "Responsable" in scan(site / FR46).text


def test_long_timeline_folds_per_month_without_script(site: Path) -> None:
    """A commitment with many events folds its timeline in <details>, newest month open."""
    page = scan(site / "en" / CA1)
    details = page.all("details")
    assert details
    assert "open" in details[0]
    assert all("open" not in d for d in details[1:])
    assert not scan(site / EN46).all("details")  # a short timeline stays one list
