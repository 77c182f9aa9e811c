"""Shared fixtures: a fake GitLab per test and a python-gitlab client for it."""

from __future__ import annotations

from collections.abc import Iterator

import gitlab
import pytest

from tracker.testing.fake_gitlab import FakeGitLab


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """A started fake GitLab on 127.0.0.1 (ephemeral port), project ``ogp/suivi``, one owner
    token ``owner-token``; stopped after the test. Add users with ``fake_gitlab.add_user``."""
    server = FakeGitLab().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gl(fake_gitlab: FakeGitLab) -> Iterator[gitlab.Gitlab]:
    """``gitlab.Gitlab(fake_gitlab.url, private_token="owner-token")``, session closed after."""
    with gitlab.Gitlab(fake_gitlab.url, private_token="owner-token") as client:
        yield client
