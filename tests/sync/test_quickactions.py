"""Quick actions in plan text: neutralised so GitLab shows them and does not run them."""

from __future__ import annotations

from typing import Any

import gitlab
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.report.cmark import to_html
from tracker.sync.quickactions import neutralise
from tracker.testing.fake_gitlab.models.quick_actions import extract

HOSTILE = {
    "line": "Context\n/close\nMore",
    "indented": "Context\n  /label ~x",
    "relative due": "/due tomorrow",
    "in a list": "- item\n/close\n- other\n/label ~x ~\"y z\"",
    "after blank lines": "Para\n\n\n/close\n\n/confidential",
    "crlf": "Context\r\n/close\r\n/label ~x\r\n",
    "upper case": "/CLOSE\n/Label ~x",
    "trailing spaces": "/close   \ntext  ",
    "only commands": "/close\n/title Hijacked\n/due 2030-01-01",
    "fenced code stays": "```\n/close\n```\n/close",
    "inline code span": "Run `\n/close\n` here",
    "unknown command": "/usr bin\n/future_command now",
}


def _project_with_labels(gl: gitlab.Gitlab) -> Any:
    """The default project, with the labels x and "y z" that hostile texts name."""
    project = gl.projects.get("ogp/suivi")
    project.labels.create({"name": "x", "color": "#123456"})
    project.labels.create({"name": "y z", "color": "#123456"})
    return project


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_neutralised_description_runs_nothing_and_is_stored_as_sent(
        text: str, gl: gitlab.Gitlab) -> None:
    """Issue 14: a neutralised description leaves the issue open, unlabelled, titled as
    created, with no due date and not confidential, on create and on edit, and GitLab stores
    exactly the bytes sent."""
    project = _project_with_labels(gl)
    sent = neutralise(text)
    created = project.issues.create({"title": "Engagement", "description": sent})
    created.description = sent + "\n\nEdited"
    created.save()
    for issue, expected in ((project.issues.get(created.iid), sent + "\n\nEdited"),
                            (project.issues.create({"title": "Engagement",
                                                    "description": sent}), sent)):
        assert issue.description == expected
        assert (issue.state, issue.labels, issue.title) == ("opened", [], "Engagement")
        assert (issue.due_date, issue.confidential) == (None, False)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_neutralised_note_is_kept_and_runs_nothing(text: str, gl: gitlab.Gitlab) -> None:
    """Issue 14: a neutralised note is stored as sent (never 202 "commands only") and runs
    nothing on its issue."""
    project = _project_with_labels(gl)
    issue = project.issues.create({"title": "Engagement"})
    note = issue.notes.create({"body": neutralise(text)})
    assert note.body == neutralise(text)
    fetched = project.issues.get(issue.iid)
    assert (fetched.state, fetched.labels, fetched.title) == ("opened", [], "Engagement")
    assert not [n for n in fetched.notes.list(get_all=True) if n.system]


def test_raw_hostile_text_does_run_against_the_fake(gl: gitlab.Gitlab) -> None:
    """The danger is real: without neutralise, an edit with a /close line closes the issue
    and the stored text differs from what was sent."""
    project = _project_with_labels(gl)
    issue = project.issues.create({"title": "Engagement"})
    issue.description = HOSTILE["line"]
    issue.save()
    fetched = project.issues.get(issue.iid)
    assert fetched.state == "closed"
    assert fetched.description != HOSTILE["line"]


def test_escape_renders_the_same_text() -> None:
    """The escaped line reads the same once GitLab renders the Markdown."""
    render = to_html  # cmark-gfm, as GitLab renders Markdown
    assert render(neutralise("Intro\n/close now")) == render("Intro\n/close now")
    assert "\\/close" in neutralise("Intro\n/close now")


def test_fenced_code_is_untouched_byte_for_byte() -> None:
    """GitLab skips ``` fences, so neutralise leaves them exactly as written."""
    code = "```sh\n/close\n/label ~x\n```"
    assert neutralise(code) == code


def test_tilde_fence_is_defused_because_gitlab_reads_inside_it() -> None:
    """GitLab's extractor does not know ~~~ fences: a /close inside one would run."""
    assert neutralise("~~~\n/close\n~~~") == "~~~\n\\/close\n~~~"


_LINES = st.one_of(
    st.sampled_from(["/close", "/label ~x", "  /close", "/due tomorrow", "/reopen", "/",
                     "```", ">>>", "<div>", "</div>", "`", "", "text", "- item", "\\/close",
                     "/title a b", "/unlabel", "/usr/bin"]),
    st.text(alphabet="ab /~`<>\\-*\r\t", max_size=12),
)
_TEXTS = st.lists(_LINES, max_size=12).map("\n".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_TEXTS)
def test_neutralise_is_stable_and_leaves_no_command(text: str) -> None:
    """Property: neutralise is a fixed point, and the fake's model of GitLab's extractor
    finds no command in its output and stores it unchanged."""
    once = neutralise(text)
    assert neutralise(once) == once
    content, commands = extract(once)
    assert commands == []
    assert content == once


_PLAIN_LINES = st.one_of(
    st.sampled_from(["/close", "/label ~x", "/due tomorrow", "", "- item", "# Title",
                     "1. first", "/title a b", "para text"]),
    st.text(alphabet="ab /-*#.1", max_size=10),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PLAIN_LINES, max_size=10).map("\n".join))
def test_neutralise_renders_like_the_original(text: str) -> None:
    """Property: outside code, the escaped text renders to the same HTML as the original
    (trailing whitespace aside, which GitLab strips anyway)."""
    render = to_html  # cmark-gfm, as GitLab renders Markdown
    assert render(neutralise(text)) == render(text.rstrip())
