"""An in-memory GitLab that speaks the real REST v4 API over HTTP, for testing the sync.

In-process::

    from tracker.testing.fake_gitlab import FakeGitLab

    with FakeGitLab(tokens={"owner-token": "owner", "citizen-token": "none"}) as server:
        gl = gitlab.Gitlab(server.url, private_token="owner-token")
        ...
        server.clock.advance(61)
        server.add_fault("error_after", methods=["POST"], route="/issues$", nth=3)
        assert server.stats()["writes"] == 4

As a process (prints its base URL as the first line of standard output, then serves until
killed)::

    python -m tracker.testing.fake_gitlab --port 0 --token owner-token:owner \\
        --token citizen-token:none --latency-ms 5 --tier free

Modules: ``state`` (the data model and GitLab's rules, pure Python, one lock; one module per
resource under ``models/``), ``shapes`` (GitLab's JSON shapes), ``api`` (REST v4 dispatch;
the endpoints are under ``endpoints/``, one module per resource, on ``routing``'s plumbing),
``faults`` (fault injection), ``ratelimit`` (RateLimit headers and 429s), ``clock`` (the test
clock) and ``server`` (HTTP, introspection under ``/-/fake/`` and the :class:`FakeGitLab`
handle).
"""

from tracker.testing.fake_gitlab.clock import Clock
from tracker.testing.fake_gitlab.faults import FaultRule, Faults
from tracker.testing.fake_gitlab.server import FakeGitLab
from tracker.testing.fake_gitlab.state import ROLES, State

__all__ = ["ROLES", "Clock", "FakeGitLab", "FaultRule", "Faults", "State"]
