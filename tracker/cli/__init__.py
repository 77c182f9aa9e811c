"""The ``tracker`` command line. Only this package imports click.

Each command parses its options, calls one core function and prints the outcome. Domain errors
(:class:`tracker.errors.TrackerError`) become a clean message and exit code here, in one place.
"""

from __future__ import annotations

from typing import Any

import click

from tracker import __version__
from tracker.errors import TrackerError
from tracker.logs import setup_verbose


class TrackerGroup(click.Group):
    """A group that turns every :class:`TrackerError` into a message and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)


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

    The plan lives as bilingual YAML in commitments/; the tracker checks it, mirrors it to
    GitLab issues, brings status and comments back, and builds the public report.
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
