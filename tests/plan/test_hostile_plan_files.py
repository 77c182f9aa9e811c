"""Hostile plan files: links out of the repository, FIFOs, devices, absurd dates, surrogates,
control characters and huge numbers. Each is refused by `tracker validate`, `report` and
`push` with exit 1, its file named and how to fix it, no traceback, nothing sent to GitLab.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
import yaml
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.plan import yamlsource
from tracker.testing.fake_gitlab import FakeGitLab

from demo_plan import COMMITMENT, PLAN  # isort: skip


C = "commitments/demo/1.yml"
P = "commitments/demo/plan.yml"
# What a file outside the repository holds; it must never reach the output.
SECRET = "root:x:0:0:secret-line-of-the-outside-file"


@dataclass(frozen=True)
class Link:
    """A symbolic link to ``target`` (relative to the link's folder, or absolute)."""

    target: str


@dataclass(frozen=True)
class Outside:
    """A symbolic link to a file holding SECRET, outside the commitments folder."""


@dataclass(frozen=True)
class Special:
    """A FIFO, a socket or a character device."""

    kind: str


Entry = str | bytes | Link | Outside | Special


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Work from tmp_path; fail instead of hanging if a FIFO is ever opened."""
    monkeypatch.chdir(tmp_path)

    def hung(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("the command hung (did it open a FIFO?)")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_tree(files: dict[str, Entry]) -> None:
    """Create exactly ``files`` under commitments/ in the working folder, nothing else.

    Outside() also writes the file it links to, outside/passwd.yml: outside commitments/.
    """
    root = Path("commitments")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, Outside):
            secret = Path("outside/passwd.yml").absolute()
            secret.parent.mkdir(exist_ok=True)
            secret.write_text(f"{SECRET}\n", encoding="utf-8")
            path.symlink_to(secret)
        else:
            _make_special(path, content.kind)


def _make_special(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        # A Unix socket file stays after its socket is closed; binding needs a short path.
        with socket.socket(socket.AF_UNIX) as server:
            here = Path.cwd()
            os.chdir(path.parent)
            try:
                server.bind(path.name)
            finally:
                os.chdir(here)
    else:
        try:  # /dev/null's numbers
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("creating a device needs privileges this run does not have")


def validate(files: dict[str, Entry]) -> tuple[int, list[str]]:
    """Build ``files`` and run `tracker validate commitments`."""
    make_tree(files)
    result = CliRunner().invoke(cli, ["validate", "commitments"])
    return result.exit_code, result.output.splitlines()


def plan_with(commitment: Entry, plan: Entry = PLAN) -> dict[str, Entry]:
    """A one-plan tree: plan.yml and one commitment file."""
    return {"demo/plan.yml": plan, "demo/1.yml": commitment}


def with_line(old: str, new: str) -> str:
    """COMMITMENT with ``old`` replaced by ``new``, which must be there."""
    assert old in COMMITMENT
    return COMMITMENT.replace(old, new)


LINK_OUTSIDE = ("this is a symbolic link, or it is in a linked folder, that leads outside the "
                "commitments folder: the tracker reads plan files only inside it; put the file "
                "itself there instead of a link")


def not_regular(kind: str) -> str:
    return (f"this is {kind}, not a regular file: the tracker reads only regular files; "
            "replace it with a plain YAML file or remove it")


def not_plausible(date: str) -> str:
    return f"'{date}' is not a plausible date: write a year between 1900 and 2200"


def control(code: str, at: int) -> str:
    return f"holds a control character {code} (control character) at character {at}: remove it"


SURROGATE = ("half of a UTF-16 surrogate pair, which is not a character (a \"\\u\" escape "
             "written for UTF-16)")

# Each case: (name, files, expected problem lines). The last output line is the summary.
CASES: list[tuple[str, dict[str, Entry], list[str]]] = [
    (
        "commitment file linked to a file outside the repository",
        plan_with(COMMITMENT) | {"demo/evil.yml": Outside()},
        [f"commitments/demo/evil.yml:1:1: error: {LINK_OUTSIDE}"],
    ),
    (
        "commitment file linked to /etc/passwd",
        plan_with(COMMITMENT) | {"demo/evil.yml": Link("/etc/passwd")},
        [f"commitments/demo/evil.yml:1:1: error: {LINK_OUTSIDE}"],
    ),
    (
        "plan.yml linked outside the repository",
        plan_with(COMMITMENT, plan=Outside()),
        [f"{P}:1:1: error: {LINK_OUTSIDE}"],
    ),
    (
        "plan folder linked outside the repository",
        plan_with(COMMITMENT) | {"other": Link("/etc")},
        [f"commitments/other:1:1: error: {LINK_OUTSIDE}"],
    ),
    (
        "link climbing out of the folder with ..",
        plan_with(COMMITMENT) | {"demo/up.yml": Link("../../outside/passwd.yml"),
                                 "demo/evil.yml": Outside()},
        [f"commitments/demo/evil.yml:1:1: error: {LINK_OUTSIDE}",
         f"commitments/demo/up.yml:1:1: error: {LINK_OUTSIDE}"],
    ),
    (
        "link to a device outside",
        plan_with(COMMITMENT) | {"demo/zero.yml": Link("/dev/zero")},
        [f"commitments/demo/zero.yml:1:1: error: {LINK_OUTSIDE}"],
    ),
    (
        "link to nothing",
        plan_with(COMMITMENT) | {"demo/gone.yml": Link("missing.yml")},
        ["commitments/demo/gone.yml:1:1: error: this is a symbolic link to a file that does not "
         "exist: fix the link or remove it"],
    ),
    (
        "link to itself",
        plan_with(COMMITMENT) | {"demo/loop.yml": Link("loop.yml")},
        ["commitments/demo/loop.yml:1:1: error: this is a symbolic link that leads back to "
         "itself (a loop): remove it"],
    ),
    (
        "FIFO as a commitment file",
        plan_with(COMMITMENT) | {"demo/pipe.yml": Special("fifo")},
        [f"commitments/demo/pipe.yml:1:1: error: {not_regular('a named pipe (FIFO)')}"],
    ),
    (
        "FIFO as plan.yml",
        plan_with(COMMITMENT, plan=Special("fifo")),
        [f"{P}:1:1: error: {not_regular('a named pipe (FIFO)')}"],
    ),
    (
        "link inside the folder to a FIFO",
        plan_with(COMMITMENT) | {"pipe": Special("fifo"), "demo/pipe.yml": Link("../pipe")},
        [f"commitments/demo/pipe.yml:1:1: error: {not_regular('a named pipe (FIFO)')}"],
    ),
    (
        "socket as a commitment file",
        plan_with(COMMITMENT) | {"demo/s.yml": Special("socket")},
        [f"commitments/demo/s.yml:1:1: error: {not_regular('a socket')}"],
    ),
    (
        "character device as a commitment file",
        plan_with(COMMITMENT) | {"demo/null.yml": Special("device")},
        [f"commitments/demo/null.yml:1:1: error: {not_regular('a character device')}"],
    ),
    (
        "file name that is not UTF-8",
        plan_with(COMMITMENT) | {"demo/\udcff.yml": ""},
        ["commitments/demo/\ufffd.yml:1:1: error: the file is empty: write the commitment "
         "here, or delete the file"],
    ),
    (
        "file name with a line feed",
        plan_with(COMMITMENT) | {"demo/a\nb.yml": ""},
        ["commitments/demo/a\\nb.yml:1:1: error: the file is empty: write the commitment "
         "here, or delete the file"],
    ),
    (
        "due in year 0",
        plan_with(with_line("due: 2022-06", "due: 0000-01-01")),
        [f"{C}:8:10: error: milestones[0].due: {not_plausible('0000-01-01')}"],
    ),
    (
        "due on the last day of year 9999",
        plan_with(with_line("due: 2022-06", "due: 9999-12-31")),
        [f"{C}:8:10: error: milestones[0].due: {not_plausible('9999-12-31')}"],
    ),
    (
        "due the day before 1900",
        plan_with(with_line("due: 2022-06", "due: 1899-12-31")),
        [f"{C}:8:10: error: milestones[0].due: {not_plausible('1899-12-31')}"],
    ),
    (
        "due the day after 2200",
        plan_with(with_line("due: 2022-06", "due: 2201-01-01")),
        [f"{C}:8:10: error: milestones[0].due: {not_plausible('2201-01-01')}"],
    ),
    (
        "plan period starting in year 0",
        plan_with(COMMITMENT, plan=PLAN.replace("start: 2021-01", "start: 0000-01")),
        [f"{P}:3:17: error: period.start: {not_plausible('0000-01')}"],
    ),
    (
        "reported on a date in year 0",
        plan_with(COMMITMENT + "reported:\n  - source: {name: {fr: A, en: A}}\n"
                               "    date: 0000-01-01\n"),
        [f"{C}:11:11: error: reported[0].date: {not_plausible('0000-01-01')}"],
    ),
    (
        "lone surrogate in a title",
        plan_with(with_line("{fr: Un, en: One}", '{fr: "Un\\ud800", en: One}')),
        [f"{C}:2:13: error: title.fr: holds U+D800 at character 3, {SURROGATE}: write the "
         "character meant instead of its escape"],
    ),
    (
        "surrogate pair written as two escapes",
        plan_with(with_line("{fr: Un, en: One}", '{fr: Un, en: "One \\ud83d\\ude00"}')),
        [f"{C}:2:21: error: title.en: holds U+D83D at character 5, {SURROGATE}: write the "
         "character itself, \U0001f600, or the escape \"\\U0001F600\""],
    ),
    (
        "lone surrogate in a key",
        plan_with(COMMITMENT + '"\\udc00": 1\n'),
        [f"{C}:9:1: error: '\\udc00': the key holds U+DC00 at character 1, {SURROGATE}: "
         "write the character meant instead of its escape",
         f"{C}:9:1: error: '\\udc00': unknown key '\\udc00': allowed keys: contact, context, "
         "description, end, follow_up, id, lead_institutions, milestones, official_url, "
         "reported, stakes, start, supporting_actors, themes, title"],
    ),
    (
        "lone surrogate in a contact's name",
        plan_with(COMMITMENT + 'contact: {name: "\\uDFFF"}\n'),
        [f"{C}:9:17: error: contact.name: holds U+DFFF at character 1, {SURROGATE}: "
         "write the character meant instead of its escape"],
    ),
    (
        "C1 control character in a milestone title",
        plan_with(with_line("{fr: Jalon, en: Milestone}", '{fr: Jalon, en: "Mile\\x9bstone"}')),
        [f"{C}:7:28: error: milestones[0].title.en: {control('U+009B', 5)}"],
    ),
    (
        "escape character in a deliverable",
        plan_with(COMMITMENT + '    deliverable: {fr: "\\e[31m", en: x}\n'),
        [f"{C}:9:23: error: milestones[0].deliverable.fr: {control('U+001B', 1)}"],
    ),
    (
        "DEL in a contact's name",
        plan_with(COMMITMENT + 'contact: {name: "Camille\\x7f"}\n'),
        [f"{C}:9:17: error: contact.name: {control('U+007F', 8)}"],
    ),
    (
        "NUL in an official link",
        plan_with(COMMITMENT + 'official_url: {fr: "https://a.example/\\0", en: "https://a.example/"}\n'),
        [f"{C}:9:20: error: official_url.fr: {control('U+0000', 19)}"],
    ),
    (
        "control character in a key",
        plan_with(COMMITMENT + '"colour\\x01": red\n'),
        [f"{C}:9:1: error: 'colour\\x01': the key {control('U+0001', 7)}",
         f"{C}:9:1: error: 'colour\\x01': unknown key 'colour\\x01': allowed keys: contact, "
         "context, description, end, follow_up, id, lead_institutions, milestones, "
         "official_url, reported, stakes, start, supporting_actors, themes, title"],
    ),
    (
        "integer of five thousand digits",
        plan_with(COMMITMENT + "x: " + "9" * 5000 + "\n"),
        [f"{C}:9:4: error: a number of 5000 characters is more than a plan needs: shorten it, "
         "or put it in quotes if it is meant as text"],
    ),
    (
        "negative integer of a mebibyte-ish of digits",
        plan_with(with_line("id: demo-1\n", "id: -" + "1" * 200_000 + "\n")),
        [f"{C}:1:5: error: a number of 200001 characters is more than a plan needs: shorten "
         "it, or put it in quotes if it is meant as text"],
    ),
    (
        "sexagesimal number of many parts",
        plan_with(COMMITMENT + "x: 1" + ":59" * 5000 + "\n"),
        [f"{C}:9:4: error: a number of 15001 characters is more than a plan needs: shorten "
         "it, or put it in quotes if it is meant as text"],
    ),
    (
        "float of a hundred thousand digits",
        plan_with(COMMITMENT + "x: 0." + "5" * 100_000 + "\n"),
        [f"{C}:9:4: error: a number of 100002 characters is more than a plan needs: shorten "
         "it, or put it in quotes if it is meant as text"],
    ),
    (
        "a long id is quoted cut short",
        plan_with(with_line("id: demo-1\n", "id: " + "x y" * 50_000 + "\n")),
        [f"{C}:1:5: error: id: '{'x y' * 25}...' is not valid: use only letters, digits, '.', "
         "'_' and '-', starting with a letter or digit, at most 64 characters "
         "(e.g. fr-2015-2017-22.1)."],
    ),
]


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_plan_file_is_refused_by_name(
    name: str, files: dict[str, Entry], expected: list[str]
) -> None:
    """Each hostile plan file gives its exact located message and exit 1, no traceback."""
    code, lines = validate(files)
    assert lines[:-1] == expected
    assert code == 1
    assert lines[-1].endswith("the plan is not valid.")
    assert SECRET not in "\n".join(lines)


# The rows whose files are plain text: the YAML parser decides what they hold.
TEXT_CASES = [case for case in CASES
              if all(isinstance(entry, str) for entry in case[1].values())]


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML has no libyaml here")
@pytest.mark.parametrize(("name", "files", "expected"), TEXT_CASES,
                         ids=[c[0] for c in TEXT_CASES])
def test_the_pure_python_parser_gives_the_same_messages(
    monkeypatch: pytest.MonkeyPatch, name: str, files: dict[str, Entry], expected: list[str]
) -> None:
    """Without libyaml, each text case is reported word for word the same."""
    assert yamlsource.FAST_LOADER is not None
    monkeypatch.setattr(yamlsource, "FAST_LOADER", None)
    code, lines = validate(files)
    assert (code, lines[:-1]) == (1, expected)


SYNTAX = [
    ("flow mapping left open", COMMITMENT.replace("{fr: Un, en: One}", "{fr: Un, en: One"),
     f"{C}:3:18: error: YAML syntax error: expected ',' or '}}', but got ':' "
     "(while parsing a flow mapping that starts on line 2)"),
    ("bad indentation", COMMITMENT + "  - id: x\n bad: 1\n",
     f"{C}:10:2: error: YAML syntax error: expected <block end>, but found '<block mapping "
     "start>' (while parsing a block mapping that starts on line 1)"),
    ("tab indentation", COMMITMENT + "\tx: 1\n",
     f"{C}:9:1: error: YAML syntax error: found character '\\t' that cannot start any token"),
    ("unknown escape", COMMITMENT + 'x: "\\q"\n',
     f"{C}:9:6: error: YAML syntax error: found unknown escape character 'q' (while scanning "
     "a double-quoted scalar that starts on line 9)"),
]


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure Python"])
@pytest.mark.parametrize(("name", "text", "expected"), SYNTAX, ids=[s[0] for s in SYNTAX])
def test_syntax_errors_read_the_same_with_either_parser(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str, expected: str, fast: bool
) -> None:
    """A syntax error has the pure-Python parser's wording and place, libyaml or not."""
    if not fast:
        monkeypatch.setattr(yamlsource, "FAST_LOADER", None)
    elif yamlsource.FAST_LOADER is None:
        pytest.skip("PyYAML has no libyaml here")
    code, lines = validate(plan_with(text))
    assert (code, lines[:-1]) == (1, [expected])


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML has no libyaml here")
def test_a_syntax_error_at_the_end_of_a_big_file_keeps_libyamls_words() -> None:
    """Past 256 KiB the pure-Python parser would take seconds: libyaml's message, same place."""
    text = COMMITMENT + "x:\n" + "  - 1\n" * 50_000 + 'y: "\\ud800"\n'
    assert len(text) > yamlsource.REPARSE_BYTES
    code, lines = validate(plan_with(text))
    assert (code, lines[:-1]) == (1, [
        f"{C}:50010:7: error: YAML syntax error: found invalid Unicode character escape code "
        "(while parsing a quoted scalar that starts on line 50010)"])


def test_a_link_inside_the_commitments_folder_is_followed() -> None:
    """A plan file may link to a file inside commitments/, validated whole or plan by plan."""
    make_tree({"demo/plan.yml": PLAN, "shared.yml.txt": COMMITMENT,
               "demo/1.yml": Link("../shared.yml.txt")})
    for folder in ("commitments", "commitments/demo"):
        result = CliRunner().invoke(cli, ["validate", folder])
        assert (result.exit_code, result.output) == (
            0, "Valid: 1 plan, 1 commitment, 1 milestone (0 warnings).\n")


@pytest.mark.parametrize("due", ["1900-01-01", "2200-12-31", "1900-01", "2200-12"])
def test_dates_at_the_ends_of_the_range_are_accepted(due: str) -> None:
    """Years 1900 and 2200 are still plausible plan dates."""
    plan = PLAN.replace("{start: 2021-01, end: 2023-12}", "{start: 1900-01, end: 2200-12}")
    code, lines = validate(plan_with(with_line("due: 2022-06", f"due: {due}"), plan=plan))
    assert (code, lines) == (0, ["Valid: 1 plan, 1 commitment, 1 milestone (0 warnings)."])


def test_tab_line_feed_and_carriage_return_are_allowed_in_text() -> None:
    """The three control characters text may hold pass."""
    code, lines = validate(plan_with(
        with_line("{fr: Un, en: One}", '{fr: "Un\\tdeux\\r\\ntrois", en: One}')))
    assert (code, lines) == (0, ["Valid: 1 plan, 1 commitment, 1 milestone (0 warnings)."])


def test_past_a_hundred_problems_the_rest_are_counted() -> None:
    """A file with thousands of problems shows the first 100 and one line for the others."""
    keys = "".join(f"k{index:05d}: 1\n" for index in range(3000))
    code, lines = validate(plan_with(COMMITMENT + keys))
    assert code == 1
    assert len(lines) == 102
    assert lines[0] == (f"{C}:9:1: error: k00000: unknown key 'k00000': allowed keys: contact, "
                        "context, description, end, follow_up, id, lead_institutions, "
                        "milestones, official_url, reported, stakes, start, supporting_actors, "
                        "themes, title")
    assert lines[99].startswith(f"{C}:108:1: error: k00099: unknown key 'k00099'")
    assert lines[100:] == [
        "... and 2900 more not shown (2900 errors, 0 warnings): fix the ones above, then run "
        "tracker validate again",
        "3000 errors, 0 warnings: the plan is not valid.",
    ]


# --- report and push ------------------------------------------------------------------------

HOSTILE_FOR_COMMANDS: list[tuple[str, Callable[[], dict[str, Entry]], str]] = [
    ("link outside", lambda: {"evil.yml": Outside()}, f"evil.yml:1:1: error: {LINK_OUTSIDE}"),
    ("fifo", lambda: {"pipe.yml": Special("fifo")},
     f"pipe.yml:1:1: error: {not_regular('a named pipe (FIFO)')}"),
    ("surrogate", lambda: {"lone.yml": with_line("id: demo-1", "id: demo-9").replace(
        "demo-1.1", "demo-9.1").replace("{fr: Un, en: One}", '{fr: "\\ud800", en: One}')},
     f"lone.yml:2:13: error: title.fr: holds U+D800 at character 1, {SURROGATE}"),
    ("year 0", lambda: {"zero.yml": with_line("id: demo-1", "id: demo-9").replace(
        "demo-1.1", "demo-9.1").replace("due: 2022-06", "due: 0000-01-01")},
     f"zero.yml:8:10: error: milestones[0].due: {not_plausible('0000-01-01')}"),
]


@pytest.mark.parametrize(("name", "extra", "expected"), HOSTILE_FOR_COMMANDS,
                         ids=[h[0] for h in HOSTILE_FOR_COMMANDS])
@pytest.mark.parametrize("command", [["report", "--out", "public"], ["push", "--dry-run"],
                                     ["push"]], ids=["report", "push --dry-run", "push"])
def test_report_and_push_refuse_a_hostile_plan_file_and_write_nothing(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, command: list[str], name: str,
    extra: Callable[[], dict[str, Entry]], expected: str,
) -> None:
    """report and push stop with exit 1 naming the file; GitLab gets no write, no page is made."""
    repo = tracker_repo("fr-2015-2017")
    make_tree({f"fr-2015-2017/{file_name}": entry for file_name, entry in extra().items()})
    fake_gitlab.reset(counters_only=True)
    result: Result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1, result.output
    assert f"commitments/fr-2015-2017/{expected}" in result.output
    assert "Traceback" not in result.output
    assert SECRET not in result.output
    assert fake_gitlab.stats()["writes"] == 0
    assert not (repo / "public").exists()
