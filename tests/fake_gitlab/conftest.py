"""Fixtures of the fake GitLab's fidelity tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gitlab
import pytest
import requests

from tracker.testing.fake_gitlab import FakeGitLab

ClientFor = Callable[[str], gitlab.Gitlab]


@pytest.fixture
def client_for(fake_gitlab: FakeGitLab) -> Iterator[ClientFor]:
    """``client_for("reporter-token")``: a python-gitlab client acting as that token's user."""
    clients: list[gitlab.Gitlab] = []

    def make(token: str, **options: Any) -> gitlab.Gitlab:
        client = gitlab.Gitlab(fake_gitlab.url, private_token=token, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.session.close()


@pytest.fixture
def project(gl: gitlab.Gitlab) -> Any:
    """The default project ``ogp/suivi``, fetched through the API."""
    return gl.projects.get("ogp/suivi")


@pytest.fixture
def http(fake_gitlab: FakeGitLab) -> Iterator[requests.Session]:
    """A raw HTTP session (for headers and bodies python-gitlab hides)."""
    with requests.Session() as session:
        yield session
