"""``python -m tracker.testing.fake_gitlab``: run the fake GitLab as a process.

The first line of standard output is the base URL (flushed at once), so a test can start the
process with ``--port 0`` and read where it listens. It then serves until killed (SIGTERM and
SIGINT stop it cleanly).
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import datetime
from types import FrameType

from tracker.testing.fake_gitlab.server import DEFAULT_PROJECT, FakeGitLab
from tracker.testing.fake_gitlab.state import ROLES, TIERS


def _token(text: str) -> tuple[str, str, str | None]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or parts[1] not in ROLES:
        raise argparse.ArgumentTypeError(
            f"expected TOKEN:ROLE[:USERNAME] with ROLE one of {', '.join(ROLES)}, got {text!r}")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def _rate(text: str) -> tuple[int, float]:
    count, _, period = text.partition("/")
    try:
        return int(count), float(period or 60)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected N or N/SECONDS, got {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tracker.testing.fake_gitlab",
        description="An in-memory GitLab (REST v4) for tests. Prints its base URL first.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks one")
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--project", default=DEFAULT_PROJECT,
                        help=f"project created at start (default {DEFAULT_PROJECT})")
    parser.add_argument("--visibility", choices=("public", "internal", "private"),
                        default="public", help="the project's visibility (default public)")
    parser.add_argument("--token", action="append", type=_token, metavar="TOKEN:ROLE",
                        help="a user with that role in the project (repeatable; role 'none' "
                             "is a signed-in non-member); default: owner-token:owner")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="sleep this long before answering each API request")
    parser.add_argument("--tier", choices=TIERS, default="free",
                        help="free (GitLab CE: scoped labels not exclusive) or premium")
    parser.add_argument("--rate-limit", type=_rate, metavar="N[/SECONDS]",
                        help="answer 429 past N requests per window per client (default off)")
    parser.add_argument("--clock", choices=("frozen", "real"), default="frozen",
                        help="frozen: time moves only through POST /-/fake/clock (default); "
                             "real: it also follows the wall clock")
    parser.add_argument("--start-time", type=datetime.fromisoformat,
                        help="the clock's start, ISO 8601 (default: now)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    tokens = args.token or [("owner-token", "owner", None)]
    limit, period = args.rate_limit or (None, 60.0)
    server = FakeGitLab(project=args.project, tokens={}, tier=args.tier,
                        visibility=args.visibility, latency_ms=args.latency_ms,
                        host=args.host, port=args.port, start_time=args.start_time,
                        ticking_clock=args.clock == "real", rate_limit=limit,
                        rate_period=period, verbose=args.verbose)
    for token, role, username in tokens:
        server.add_user(token, role, username=username)
    server.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(server.url, flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
