"""The ``tracker`` command line. Only this package imports click.

Each command parses its options, calls library functions and prints the outcome. Here, in one
place: domain errors (:class:`tracker.errors.TrackerError`) become a clean message and their
exit code, and everything the commands print, log or raise passes through the token's
redaction (:mod:`tracker.redact`), tracebacks of bugs included.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

import click

from tracker.errors import ConflictsLeft, TrackerError
from tracker.redact import Redactor

# The commands, loaded only when one runs or shows its help: importing them all made every
# start pay for python-gitlab, jinja2, Babel and the YAML loader (`tracker --help` took 28x a
# bare Python start, issue 18). Each entry: the command's "module:attribute", and the first
# paragraph of its help, which `tracker --help` lists without importing the module
# (tests/test_cli.py checks that each matches the command's own help).
COMMANDS: Mapping[str, tuple[str, str]] = {
    "doctor": ("tracker.cli.setup:doctor", "Check the settings against the live GitLab before "
               "the first run; write nothing."),
    "import": ("tracker.cli.importers:import_group", "Bring a published action plan into the "
               "plan YAML (commitments/<plan-id>/)."),
    "init": ("tracker.cli.setup:init", "Start a tracker repository in FOLDER (default: here)."),
    "pull": ("tracker.cli.sync:pull", "Bring status and public comments back from GitLab into "
             "the snapshot."),
    "push": ("tracker.cli.sync:push", "Make GitLab issues match the plan: one issue per "
             "commitment and per milestone."),
    "report": ("tracker.cli.report:report", "Build the public report (HTML, feeds, "
               "open data, Markdown) into --out."),
    "sync": ("tracker.cli.sync:sync", "Push the plan to GitLab, then pull status and comments "
             "into the snapshot."),
    "validate": ("tracker.cli.validate:validate", "Check tracker.yml and the plans in PATH "
                 "(default: commitments in tracker.yml, else commitments/) and list every "
                 "problem."),
}

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


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (see :data:`COMMANDS`)."""

    def __init__(self, *args: Any, lazy: Mapping[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name][0]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing, except that a command not loaded yet is listed from its summary
        # in COMMANDS: shortened by the same rule (get_short_help_str), so the text is the same.
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            if name in self.commands or name not in self.lazy:
                command = self.get_command(ctx, name)
            else:
                command = click.Command(name, help=self.lazy[name][1])
            if command is not None and not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


class TrackerGroup(LazyGroup):
    """Turns every :class:`TrackerError` into a message and its exit code; masks the token."""

    def invoke(self, ctx: click.Context) -> Any:
        # Imported here, not at the top: tracker.config brings the YAML loader, which
        # `tracker --help` (answered before invoke) has no use for.
        from tracker.config import TOKEN_VARIABLE

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


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # click.version_option wants the version when the option is declared; reading it from the
    # package's metadata (importlib.metadata) costs more than the rest of `tracker --help`.
    if not value or ctx.resilient_parsing:
        return
    from tracker import __version__

    click.echo(f"tracker, version {__version__}")
    ctx.exit()


@click.group(
    cls=TrackerGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Example:
  tracker validate commitments/
  tracker report --out public/""",
)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and exit.")
@click.option("-v", "--verbose", is_flag=True,
              help="Log each step and HTTP request to standard error (the token is masked).")
def cli(verbose: bool) -> None:
    """Follow up Open Government Partnership action plans through GitLab issues.

    The plan lives as YAML in commitments/, in the plan's languages side by side; the tracker
    checks it, mirrors it to GitLab issues, brings status and comments back, and builds the
    public report.
    """
    if verbose:
        from tracker.logs import setup_verbose

        setup_verbose()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tracker")
