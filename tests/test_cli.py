"""The command line as a whole: help everywhere, errors in one clean form."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from tracker import __version__
from tracker.cli import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command and group below ``group``."""
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


COMMANDS = [(), *all_commands(cli)]


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "tracker" for p in COMMANDS])
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    """`--help` works on every command and shows at least one example invocation."""
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert "  tracker " in result.output.split("Example", 1)[1]


def test_the_commands_people_need_are_all_there() -> None:
    """The documented commands exist (a renamed command would break guides and pipelines)."""
    assert {"validate", "import", "push", "pull", "sync", "report"} <= set(cli.commands)


def test_version() -> None:
    """`tracker --version` prints the package version."""
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output == f"tracker, version {__version__}\n"


def test_unknown_command_suggests_the_close_one() -> None:
    """A typo gets click's usage error and a non-zero exit."""
    result = CliRunner().invoke(cli, ["valdate"])
    assert result.exit_code == 2
    assert "No such command 'valdate'" in result.output
