"""`tracker validate`: every kind of bad input gets its exact message and location."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.plan.load import PlanInvalid, load_plans

from demo_plan import COMMITMENT, PLAN  # isort: skip


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from tmp_path so file names print relative to it, as a person would see them."""
    monkeypatch.chdir(tmp_path)


def run_validate(tmp_path: Path, files: dict[str, str | bytes]) -> tuple[int, list[str]]:
    """Write ``files`` under tmp_path/commitments and run `tracker validate` on it."""
    root = tmp_path / "commitments"
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "commitments"])
    return result.exit_code, result.output.splitlines()


def plan_with(commitment: str, plan: str = PLAN) -> dict[str, str | bytes]:
    """A one-plan tree with the given commitment file."""
    return {"demo/plan.yml": plan, "demo/1.yml": commitment}


C = "commitments/demo/1.yml"
P = "commitments/demo/plan.yml"

# Each case: (name, files, expected problem lines). The last output line is the summary.
CASES: list[tuple[str, dict[str, str | bytes], list[str]]] = [
    (
        "yaml syntax error",
        plan_with(COMMITMENT.replace("title: {fr: Un, en: One}", "title: {fr: Un, en: One")),
        [f"{C}:3:18: error: YAML syntax error: expected ',' or '}}', but got ':' "
         "(while parsing a flow mapping that starts on line 2)".replace("}}", "}")],
    ),
    (
        "alias bomb",
        plan_with('a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'),
        [f"{C}:2:8: error: YAML aliases (*name) are not allowed in plan files: "
         "write the value out in full instead of referring to an anchor"],
    ),
    (
        "not utf-8",
        plan_with("x") | {"demo/1.yml": "id: demo-1\ntitle: {fr: Ré".encode("latin-1")},
        [f"{C}:2:14: error: the file is not valid UTF-8 (byte 0xe9): "
         "save it as UTF-8 in your editor"],
    ),
    (
        "deep nesting",
        plan_with("a: " + "[" * 60 + "]" * 60 + "\n"),
        [f"{C}:1:53: error: the YAML is nested more than 50 levels deep: "
         "flatten the structure (is a bracket left open?)"],
    ),
    (
        "duplicate key",
        plan_with(COMMITMENT + "id: demo-2\n"),
        [f"{C}:9:1: error: duplicate key 'id' (first written on line 1): keep only one of them"],
    ),
    (
        "python tag",
        plan_with(COMMITMENT + "x: !!python/object:os.system {}\n"),
        [f"{C}:9:4: error: the YAML tag 'tag:yaml.org,2002:python/object:os.system' "
         "is not allowed in plan files: remove it"],
    ),
    (
        "several documents",
        plan_with(COMMITMENT + "---\nid: demo-2\n"),
        [f"{C}:9:1: error: the file holds several YAML documents ('---' starts a new one): "
         "keep one document per file"],
    ),
    (
        "empty file",
        plan_with(""),
        [f"{C}:1:1: error: the file is empty: write the commitment here, or delete the file"],
    ),
    (
        "top level is a list",
        plan_with("- id: demo-1\n"),
        [f"{C}:1:1: error: (top level): expected a mapping (key: value lines), found a list"],
    ),
    (
        "unknown key with a close match",
        plan_with(COMMITMENT.replace("lead_institutions", "lead_institution")),
        [
            f"{C}:1:1: error: (top level): missing required key 'lead_institutions' "
            "(The institutions that lead the commitment.): add it",
            f"{C}:3:1: error: lead_institution: unknown key 'lead_institution': "
            "did you mean 'lead_institutions'?",
        ],
    ),
    (
        "unknown key in a milestone, no close match",
        plan_with(COMMITMENT + "    colour: red\n"),
        [f"{C}:9:5: error: milestones[0].colour: unknown key 'colour': allowed keys: "
         "deliverable, description, due, due_text, follow_up, id, lead, leads, milestones, "
         "official_url, reported, start, title"],
    ),
    (
        "missing plan key",
        {"demo/plan.yml": PLAN.replace("period: {start: 2021-01, end: 2023-12}\n", ""),
         "demo/1.yml": COMMITMENT},
        [f"{P}:1:1: error: (top level): missing required key 'period' "
         "(When the plan runs. Every milestone must be due within it.): add it"],
    ),
    (
        "text written in one language only as a plain string",
        plan_with(COMMITMENT.replace("title: {fr: Un, en: One}", "title: One")),
        [f"{C}:2:8: error: title: expected a mapping (key: value lines), found the text 'One': "
         'write it in each language, e.g. {fr: "...", en: "..."}'],
    ),
    (
        "milestones not a list",
        plan_with(COMMITMENT.split("milestones:")[0] + "milestones: none\n"),
        [f"{C}:5:13: error: milestones: expected a list (lines starting with '- '), "
         "found the text 'none'"],
    ),
    (
        "id with a space",
        plan_with(COMMITMENT.replace("id: demo-1\n", "id: demo 1\n", 1)),
        [f"{C}:1:5: error: id: 'demo 1' is not valid: use only letters, digits, '.', '_' and "
         "'-', starting with a letter or digit, at most 64 characters (e.g. fr-2015-2017-22.1)."],
    ),
    (
        "id written as a number",
        plan_with(COMMITMENT.replace("id: demo-1\n", "id: 22\n", 1)),
        [f"{C}:1:5: error: id: expected text, found the number 22: "
         "put the value in quotes, e.g. '22'"],
    ),
    (
        "country NO read as a boolean",
        {"demo/plan.yml": PLAN.replace("country: FR", "country: NO"), "demo/1.yml": COMMITMENT},
        [f"{P}:1:10: error: country: expected text, found the boolean false: "
         "put the value in quotes, e.g. 'false'"],
    ),
    (
        "date with slashes",
        plan_with(COMMITMENT.replace("due: 2022-06", "due: 2022/06")),
        [f"{C}:8:10: error: milestones[0].due: '2022/06' is not valid: write a date as "
         "YYYY-MM-DD, or a month as YYYY-MM (e.g. 2016-12)."],
    ),
    (
        "month 13",
        plan_with(COMMITMENT.replace("due: 2022-06", "due: 2022-13")),
        [f"{C}:8:10: error: milestones[0].due: '2022-13' is not valid: write a date as "
         "YYYY-MM-DD, or a month as YYYY-MM (e.g. 2016-12)."],
    ),
    (
        "impossible day",
        plan_with(COMMITMENT.replace("due: 2022-06", "due: 2022-02-30")),
        [f"{C}:8:10: error: milestones[0].due: '2022-02-30' is not a date: 2022-02 has 28 days"],
    ),
    (
        "language code in capitals",
        plan_with(COMMITMENT.replace("{fr: Un, en: One}", "{FR: Un, en: One}")),
        [f"{C}:2:8: error: title: 'FR' is not a language code: "
         "use a two-letter lower-case code such as fr or en"],
    ),
    (
        "country in lower case",
        {"demo/plan.yml": PLAN.replace("country: FR", "country: fr"), "demo/1.yml": COMMITMENT},
        [f"{P}:1:10: error: country: 'fr' is not valid: write the ISO 3166-1 alpha-2 code of "
         "the member in capitals (FR, CA)."],
    ),
    (
        "primary language not among the languages",
        {"demo/plan.yml": PLAN.replace("primary_language: fr", "primary_language: es"),
         "demo/1.yml": COMMITMENT},
        [f"{P}:5:19: error: primary_language: 'es' is not in languages (fr, en): "
         "add it there or pick one of them"],
    ),
    (
        "same language twice",
        {"demo/plan.yml": PLAN.replace("[fr, en]", "[fr, en, fr]"), "demo/1.yml": COMMITMENT},
        [f"{P}:4:12: error: languages: lists the same value twice: keep each value once"],
    ),
    (
        "no lead institution",
        plan_with(COMMITMENT.replace("  - {fr: Ministère, en: Ministry}\n", "").replace(
            "lead_institutions:\n", "lead_institutions: []\n")),
        [f"{C}:3:20: error: lead_institutions: must not be empty: "
         "fill it in, or remove the key if it is optional"],
    ),
    (
        "invalid e-mail",
        plan_with(COMMITMENT + "contact: {name: Camille, email: camille.example.org}\n"),
        [f"{C}:9:33: error: contact.email: 'camille.example.org' is not valid: "
         "write an e-mail address (name@example.org)."],
    ),
    (
        "follow-up that is not an issue address",
        plan_with(COMMITMENT + "    follow_up: https://gitlab.example/suivi/wiki\n"),
        [f"{C}:9:16: error: milestones[0].follow_up: 'https://gitlab.example/suivi/wiki' is not "
         "valid: give the address of an existing GitLab issue that already follows this item "
         "(https://gitlab.example/group/project/-/issues/12): the sync adopts it instead of "
         "creating a new one."],
    ),
    (
        "duplicate milestone id in one file",
        plan_with(COMMITMENT + "  - id: demo-1.1\n    title: {fr: B, en: B}\n"),
        [f"{C}:9:9: error: milestones[1].id: the id 'demo-1.1' is already used at {C}:6: "
         "each id must be unique across all plans"],
    ),
    (
        "duplicate id across plans, ignoring case",
        plan_with(COMMITMENT) | {"other/plan.yml": PLAN,
                                 "other/1.yml": COMMITMENT.replace("demo-1.1", "o.1")
                                 .replace("id: demo-1", "id: DEMO-1")},
        [f"commitments/other/1.yml:1:5: error: id: the id 'DEMO-1' is already used at {C}:1: "
         "each id must be unique across all plans"],
    ),
    (
        "same follow-up issue claimed twice",
        plan_with(COMMITMENT + "    follow_up: https://g.example/a/-/issues/1\n"
                  "  - id: demo-1.2\n    title: {fr: B, en: B}\n"
                  "    follow_up: https://g.example/a/-/issues/1\n"),
        [f"{C}:12:16: error: milestones[1].follow_up: the follow-up issue "
         f"'https://g.example/a/-/issues/1' is already used at {C}:9: "
         "each follow-up issue must be unique across all plans"],
    ),
    (
        "milestone due outside the plan period",
        plan_with(COMMITMENT.replace("due: 2022-06", "due: 2024-01")),
        [f"{C}:8:10: error: milestones[0].due: due 2024-01, outside the plan's period "
         "(2021-01 to 2023-12): fix the date or the plan's period in plan.yml"],
    ),
    (
        "child due after its parent",
        plan_with(COMMITMENT + "    milestones:\n      - id: demo-1.1.1\n"
                  "        title: {fr: C, en: C}\n        due: 2022-07-01\n"),
        [f"{C}:12:14: error: milestones[0].milestones[0].due: due 2022-07-01, after its parent "
         "milestone (due 2022-06): a step cannot end after the milestone it belongs to"],
    ),
    (
        "milestone starts after it is due",
        plan_with(COMMITMENT + "    start: 2022-07\n"),
        [f"{C}:9:12: error: milestones[0].start: starts (2022-07) after it is due (2022-06)"],
    ),
    (
        "commitment ends before it starts",
        plan_with(COMMITMENT + "start: 2022-05\nend: 2022-01\n"),
        [
            f"{C}:8:10: warning: milestones[0].due: due 2022-06, outside the commitment's own "
            "dates (2022-05 to 2022-01)",
            f"{C}:10:6: error: end: the commitment ends (2022-01) before it starts (2022-05)",
        ],
    ),
    (
        "plan period reversed",
        {"demo/plan.yml": PLAN.replace("{start: 2021-01, end: 2023-12}",
                                       "{start: 2023-12, end: 2021-01}"),
         "demo/1.yml": COMMITMENT},
        [f"{P}:3:31: error: period.end: the period ends (2021-01) before it starts (2023-12): "
         "swap the dates"],
    ),
    (
        "plan folder without plan.yml",
        plan_with(COMMITMENT) | {"lost/1.yml": COMMITMENT.replace("demo-1", "lost-1")},
        ["commitments/lost/plan.yml:1:1: error: this plan folder has no plan.yml: add one with "
         "country, title, period, languages and primary_language"],
    ),
    (
        "no plan at all",
        {"README.md": "nothing here\n"},
        ["commitments:1:1: error: no plan found: each plan is a folder with a plan.yml "
         "(see commitments/README.md)"],
    ),
    (
        "bidirectional override in a title",
        plan_with(COMMITMENT.replace("{fr: Jalon, en: Milestone}",
                                     '{fr: "Jalon \u202eevil", en: Milestone}')),
        [f"{C}:7:17: error: milestones[0].title.fr: holds an invisible bidirectional control "
         "U+202E (RIGHT-TO-LEFT OVERRIDE) at character 7: remove it, it can make the text show "
         "differently from what it says"],
    ),
    (
        "raw control character in a file",
        plan_with(COMMITMENT.replace("{fr: Un, en: One}", '{fr: "Un\x07", en: One}')),
        [f"{C}:2:16: error: the file holds a character YAML does not allow, U+0007 "
         "(control character): remove it"],
    ),
    (
        "escaped control character in a title",
        plan_with(COMMITMENT.replace("{fr: Un, en: One}", '{fr: "Un\\x07", en: One}')),
        [f"{C}:2:13: error: title.fr: holds a control character U+0007 (control character) "
         "at character 3: remove it"],
    ),
    (
        "folder name that is not an id",
        {"mon plan/plan.yml": PLAN, "mon plan/1.yml": COMMITMENT},
        ["commitments/mon plan/plan.yml:1:1: error: the folder name 'mon plan' is the plan's id "
         "and must use only letters, digits, '.', '_' and '-': rename the folder"],
    ),
    (
        "plan named as a page of the report",
        {"attention/plan.yml": PLAN, "attention/1.yml": COMMITMENT},
        ["commitments/attention/plan.yml:1:1: error: the folder name 'attention' is the plan's "
         "id, and the report already has a page of that name: rename the folder"],
    ),
    (
        "a tagged value that is empty or not of its type",
        plan_with(COMMITMENT.replace("{fr: Un, en: One}", "{fr: !!bool maybe, en: !!int '-'}")),
        [f"{C}:2:13: error: 'maybe' is not a valid value here: put it in quotes if it is meant "
         "as text"],
    ),
]


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_exactly(
    tmp_path: Path, name: str, files: dict[str, str | bytes], expected: list[str]
) -> None:
    """Each kind of bad input gives its exact located message and exit 1."""
    code, lines = run_validate(tmp_path, files)
    assert lines[:-1] == expected
    assert code == 1
    assert lines[-1].endswith("the plan is not valid.")


def test_at_least_thirty_kinds_of_bad_input_are_covered() -> None:
    """The table above keeps covering the 30 kinds the issue asks for."""
    assert len({name for name, _, _ in CASES}) >= 30


def test_valid_plan_passes_with_a_summary(tmp_path: Path) -> None:
    """A valid plan exits 0 and says what it holds."""
    code, lines = run_validate(tmp_path, plan_with(COMMITMENT))
    assert (code, lines) == (0, ["Valid: 1 plan, 1 commitment, 1 milestone (0 warnings)."])


def test_missing_translation_and_unknown_language_are_warnings(tmp_path: Path) -> None:
    """A missing translation warns but does not fail, and says how it will show."""
    code, lines = run_validate(
        tmp_path, plan_with(COMMITMENT.replace("{fr: Jalon, en: Milestone}", "{fr: J, de: M}"))
    )
    assert lines == [
        f"{C}:7:12: warning: milestones[0].title: the 'en' translation is missing; "
        "it will be shown as missing in the report",
        f"{C}:7:20: warning: milestones[0].title.de: 'de' is not one of the plan's languages "
        "(fr, en): add it to plan.yml or remove this text",
        "Valid: 1 plan, 1 commitment, 1 milestone (2 warnings).",
    ]
    assert code == 0


def test_a_plan_checks_its_own_languages_and_no_others(tmp_path: Path) -> None:
    """A Spanish and English plan: a missing English text warns; French is never asked for."""
    plan = PLAN.replace("{fr: Plan d'essai, en: Test plan}", "{es: Plan de prueba, en: Test plan}")
    plan = plan.replace("[fr, en]", "[es, en]").replace("primary_language: fr",
                                                        "primary_language: es")
    commitment = (COMMITMENT.replace("{fr: Un, en: One}", "{es: Uno}")
                  .replace("{fr: Ministère, en: Ministry}", "{es: Ministerio, en: Ministry}")
                  .replace("{fr: Jalon, en: Milestone}", "{es: Hito, en: Milestone}"))
    code, lines = run_validate(tmp_path, plan_with(commitment, plan))
    assert lines == [
        f"{C}:2:8: warning: title: the 'en' translation is missing; "
        "it will be shown as missing in the report",
        "Valid: 1 plan, 1 commitment, 1 milestone (1 warning).",
    ]
    assert code == 0
    english = plan.replace("{es: Plan de prueba, en: Test plan}", "{en: Test plan}")
    english = english.replace("[es, en]", "[en]").replace("primary_language: es",
                                                         "primary_language: en")
    code, lines = run_validate(tmp_path, plan_with(
        "id: demo-1\ntitle: {en: One}\nlead_institutions:\n  - {en: Ministry}\nmilestones:\n"
        "  - {id: demo-1.1, title: {en: Step}}\n", english))
    assert (code, lines) == (0, ["Valid: 1 plan, 1 commitment, 1 milestone (0 warnings)."])


def test_a_language_without_a_catalog_is_a_warning_saying_what_to_add(tmp_path: Path) -> None:
    """A Portuguese plan validates; validate says once, on plan.yml, that the interface will
    be English and which catalog to add."""
    plan = (PLAN.replace("{fr: Plan d'essai, en: Test plan}", "{pt: Plano de teste}")
            .replace("[fr, en]", "[pt]").replace("primary_language: fr", "primary_language: pt"))
    commitment = ("id: demo-1\ntitle: {pt: Um}\nlead_institutions:\n  - {pt: Ministério}\n"
                  "milestones:\n  - {id: demo-1.1, title: {pt: Passo}}\n")
    code, lines = run_validate(tmp_path, plan_with(commitment, plan))
    assert lines == [
        "commitments/demo/plan.yml:4:13: warning: languages[0]: the tool has no interface "
        "catalog for 'pt': the report shows the plan's 'pt' texts with the English interface, "
        "and issues get English headings; to translate them, add "
        "tracker/locale/pt/LC_MESSAGES/messages.po (see \"Adding a language\" in "
        "docs/en/contributing.md)",
        "Valid: 1 plan, 1 commitment, 1 milestone (1 warning).",
    ]
    assert code == 0


def test_an_editor_s_lock_file_beside_a_plan_file_is_not_read(tmp_path: Path) -> None:
    """Emacs locks an open file with a dangling link '.#1.yml': hidden entries are skipped."""
    (tmp_path / "commitments/demo").mkdir(parents=True)
    (tmp_path / "commitments/demo/.#1.yml").symlink_to("camille@laptop.4242:1700000000")
    code, lines = run_validate(tmp_path, plan_with(COMMITMENT))
    assert (code, lines) == (0, ["Valid: 1 plan, 1 commitment, 1 milestone (0 warnings)."])


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Problems in several files and several keys come in one run, sorted by place."""
    files = plan_with(COMMITMENT.replace("title:", "titel:", 1).replace("due: 2022-06", "due: 06"))
    files["demo/2.yml"] = COMMITMENT.replace("demo-1", "demo-2").replace("lead_", "led_")
    code, lines = run_validate(tmp_path, files)
    assert code == 1
    assert [line.split(": error")[0] for line in lines[:-1]] == [
        f"{C}:1:1", f"{C}:2:1", f"{C}:8:10",
        "commitments/demo/2.yml:1:1", "commitments/demo/2.yml:3:1",
    ]
    assert lines[-1] == "5 errors, 0 warnings: the plan is not valid."


def test_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """A 50 MB file gives one clear error (the reader stops after the size cap)."""
    files = plan_with(COMMITMENT)
    files["demo/1.yml"] = b"# " + b"x" * (50 * 1024 * 1024)
    code, lines = run_validate(tmp_path, files)
    assert lines[:-1] == [
        f"{C}:1:1: error: the file is larger than 1024 KiB: "
        "split the plan into one file per commitment"
    ]
    assert code == 1


def test_load_plans_builds_the_model(tmp_path: Path) -> None:
    """load_plans returns typed plans with dates and texts parsed."""
    run_validate(tmp_path, plan_with(COMMITMENT))
    plans = load_plans(tmp_path / "commitments")
    (plan,) = plans.plans
    (commitment,) = plan.commitments
    ((milestone, parent),) = list(commitment.walk())
    assert (plan.id, plan.primary_language, plan.languages) == ("demo", "fr", ("fr", "en"))
    assert commitment.title.get("en") == "One"
    assert (milestone.id, milestone.due and milestone.due.last_day.isoformat(), parent) == (
        "demo-1.1", "2022-06-30", None)


def test_load_plans_raises_with_every_error(tmp_path: Path) -> None:
    """load_plans refuses an invalid plan and its exception lists the errors."""
    run_validate(tmp_path, plan_with(COMMITMENT.replace("due: 2022-06", "due: 2030-01")))
    with pytest.raises(PlanInvalid) as caught:
        load_plans(tmp_path / "commitments")
    assert len(caught.value.problems) == 1
    assert "the plan has 1 error:" in str(caught.value)
