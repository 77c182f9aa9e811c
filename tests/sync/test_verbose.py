"""`tracker -v`: each step and each HTTP request on standard error, the token masked."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.testing.fake_gitlab import FakeGitLab

REQUEST = re.compile(r"^DEBUG tracker\.gitlab: (GET|POST|PUT) (/api/v4/\S*) -> (\d{3}) \(\d+ ms\)$")


def test_verbose_logs_each_request_and_step(tracker_repo: Callable[..., Path],
                                            fake_gitlab: FakeGitLab) -> None:
    """A verbose dry run logs its steps and one line per HTTP request, host and token left out."""
    tracker_repo("fr-2015-2017")
    fake_gitlab.reset(counters_only=True)
    result = CliRunner().invoke(cli, ["-v", "push", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    requests = [match.groups() for line in lines if (match := REQUEST.match(line))]
    assert len(requests) == fake_gitlab.stats()["total"]
    assert requests[0] == ("GET", "/api/v4/user", "200")
    assert ("GET", "/api/v4/projects/ogp%2Fsuivi", "200") in requests
    assert "INFO tracker.push: push, round 1: reading the project's issues, labels and milestones" \
        in lines
    assert any(line.startswith("INFO tracker.push: push, round 1: ") and "actions planned" in line
               for line in lines)
    assert fake_gitlab.url not in result.stderr
    assert "owner-token" not in result.output + result.stderr


def test_verbose_masks_the_token_wherever_a_library_logs_it(
    tracker_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library logging the token, even URL-encoded or cut short, shows [MASKED]."""
    import logging

    tracker_repo("fr-2015-2017")
    original = logging.Logger.debug

    def chatty(self: logging.Logger, msg: object, *args: object, **kwargs: object) -> None:
        if self.name == "tracker.gitlab":
            original(self, "headers {'PRIVATE-TOKEN': 'owner-token'} q=owner%2Dtoken cut=owner-tok")
        original(self, msg, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logging.Logger, "debug", chatty)
    result = CliRunner().invoke(cli, ["-v", "push", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "owner-tok" not in result.stderr
    assert "owner%2Dtoken" not in result.stderr
    assert "'PRIVATE-TOKEN': '[MASKED]'" in result.stderr
    assert "cut=[MASKED]" in result.stderr
