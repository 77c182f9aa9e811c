"""Plan text that GitLab would read as quick actions is shown on the issue, never run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gitlab
from click.testing import CliRunner

from tracker.cli import cli
from tracker.sync import block
from tracker.testing.fake_gitlab import FakeGitLab

HOSTILE = """\
id: qa-1
title: {fr: Engagement piégé, en: Trapped commitment}
lead_institutions:
  - {fr: Ministère, en: Ministry}
context:
  fr: |
    Un paragraphe ordinaire.
    /close
    /label ~urgent
      /due tomorrow
    /title Titre volé
  en: |
    /confidential
    An ordinary paragraph.
milestones:
  - id: qa-1.1
    title: {fr: Jalon, en: Milestone}
    description:
      fr: "/unlabel ~ogp-tracker"
      en: "- /close inside a list item stays text anyway"
"""


def test_quick_action_lines_in_the_plan_do_nothing_and_stay_stable(
    tracker_repo: Callable[..., Path], fake_gitlab: FakeGitLab, gl: gitlab.Gitlab,
) -> None:
    """Issues stay open, unlabelled by the text, titled by the plan; the text shows the
    lines; a second push writes nothing (the stored text is what was sent)."""
    repo = tracker_repo("fr-2015-2017")
    plan = repo / "commitments" / "fr-2015-2017"
    (plan / "qa.yml").write_text(HOSTILE, encoding="utf-8")
    project = gl.projects.get("ogp/suivi")
    project.labels.create({"name": "urgent", "color": "#ff0000"})
    assert CliRunner().invoke(cli, ["push"]).exit_code == 0
    issues = {block.claimed_key(i.description): i
              for i in project.issues.list(state="all", iterator=True)}
    commitment, milestone = issues["qa-1"], issues["qa-1.1"]
    for issue in (commitment, milestone):
        assert issue.state == "opened"
        assert "urgent" not in issue.labels
        assert "ogp-tracker" in issue.labels
        assert not issue.confidential
        assert issue.due_date is None
    assert commitment.title == "qa-1 · Engagement piégé"
    assert "\\/close" in commitment.description
    assert "\\/title Titre volé" in commitment.description
    fake_gitlab.reset(counters_only=True)
    result = CliRunner().invoke(cli, ["push"])
    assert result.exit_code == 0, result.output
    assert fake_gitlab.stats()["writes"] == 0
