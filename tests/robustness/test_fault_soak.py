"""A bounded sample of the fault soak (bench/soak.py runs hundreds of seeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tracker.testing.soak import reference_snapshot, run_seed

REPO = Path(__file__).resolve().parents[2]
SEEDS = range(1000, 1004)


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """The snapshot a fault-free sync of the shipped example produces (once per worker)."""
    return reference_snapshot(REPO / "commitments")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_sync_under_ten_percent_faults_converges_exactly(
    seed: int, reference: dict[str, Any]
) -> None:
    """With a second checkout pushing and an owner editing issues meanwhile: no duplicate, no
    item lost, GitLab and snapshot as a fault-free run leaves them, no token leaked."""
    result = run_seed(seed, REPO / "commitments", reference)
    assert sum(result.faults_fired.values()) > 20  # the faults really happened
    assert result.duplicates == []
    assert result.divergences == []
    assert result.leaks == 0
    assert len(result.edits) == 4  # people did edit issues meanwhile
    assert result.lost == []
    assert result.converged
