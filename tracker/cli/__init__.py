"""The ``tracker`` command line. Only this package imports click.

Each command parses its options, calls library functions and prints the outcome. Here, in one
place: domain errors (:class:`tracker.errors.TrackerError`) become a clean message and their
exit code, and everything the commands print, log or raise passes through the token's
redaction (:mod:`tracker.redact`), tracebacks of bugs included.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

from tracker import __version__
from tracker.config import TOKEN_VARIABLE
from tracker.errors import ConflictsLeft, TrackerError
from tracker.logs import setup_verbose
from tracker.redact import Redactor

# A bug, not a person's mistake: sysexits' EX_SOFTWARE, so scripts can tell them apart.
EXIT_BUG = 70


class _Redacting(io.TextIOBase):
    """A text stream that masks the token in whatever is written through it."""

    def __init__(self, stream: TextIO, redact: Redactor) -> None:
        super().__init__()
        self._stream = stream
        self._redact = redact

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("text only")  # click probes with bytes to find a binary stream
        self._stream.write(self._redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "errors", None) or "strict"


@contextmanager
def _redacted_output(redact: Redactor) -> Iterator[None]:
    if not redact:
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Redacting(sys.stdout, redact), _Redacting(sys.stderr, redact)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class TrackerGroup(click.Group):
    """Turns every :class:`TrackerError` into a message and its exit code; masks the token."""

    def invoke(self, ctx: click.Context) -> Any:
        redact = Redactor([os.environ.get(TOKEN_VARIABLE, "")])
        with _redacted_output(redact):
            try:
                return super().invoke(ctx)
            except ConflictsLeft as error:
                click.echo(str(error), err=True)
                ctx.exit(error.exit_code)
            except TrackerError as error:
                click.echo(f"Error: {error}", err=True)
                ctx.exit(error.exit_code)
            except (click.exceptions.Exit, click.ClickException, click.Abort):
                raise
            except OSError as error:
                # The machine's trouble (disk full, no permission), not a bug: say which file.
                where = f"{error.filename}: " if error.filename else ""
                click.echo(f"Error: {where}{error.strerror or error}. Nothing was left half "
                           "written; fix this and run the same command again.", err=True)
                ctx.exit(1)
            except Exception:
                click.echo("Internal error: this is a bug in the tracker, please report it "
                           "with the lines below (the token is masked).", err=True)
                click.echo(traceback.format_exc().rstrip(), err=True)
                ctx.exit(EXIT_BUG)


@click.group(
    cls=TrackerGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Example:
  tracker validate commitments/
  tracker report --out public/""",
)
@click.version_option(__version__, prog_name="tracker")
@click.option("-v", "--verbose", is_flag=True,
              help="Log each step and HTTP request to standard error (the token is masked).")
def cli(verbose: bool) -> None:
    """Follow up Open Government Partnership action plans through GitLab issues.

    The plan lives as YAML in commitments/, in the plan's languages side by side; the tracker
    checks it, mirrors it to GitLab issues, brings status and comments back, and builds the
    public report.
    """
    if verbose:
        setup_verbose()


def _register() -> None:
    # Command modules register themselves on import; imported here so `tracker --help` lists them.
    from tracker.cli import (  # noqa: F401
        importers,
        report,
        setup,
        sync,
        validate,
    )


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tracker")
