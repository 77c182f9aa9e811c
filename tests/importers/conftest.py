"""Fixtures of the importer tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from tmp_path so relative output paths land there and print as a person sees them."""
    monkeypatch.chdir(tmp_path)
