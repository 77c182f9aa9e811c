"""The command line as a whole: help everywhere, errors in one clean form."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from tracker import __version__
from tracker.cli import LazyGroup, cli

# What `tracker --help` must not import: each costs tens of milliseconds at every start.
HEAVY_MODULES = ("gitlab", "jinja2", "babel", "requests", "yaml")


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command and group below ``group`` (loading the lazy ones)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
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
    listed = CliRunner().invoke(cli, ["--help"]).output.split("Commands:", 1)[1]
    names = {line.split()[0] for line in listed.splitlines() if line.startswith("  ")}
    assert {"validate", "import", "push", "pull", "sync", "report"} <= names


@pytest.mark.parametrize("width", [60, 100, 200])
def test_the_command_list_shows_each_command_s_own_help(width: int) -> None:
    """`tracker --help`, which lists the commands without loading them, lists them as click
    would with every command loaded (each command's own first line of help), at any width."""
    # A copy of the group with nothing loaded yet: other tests have loaded the commands of
    # `cli` in this process.
    unloaded = LazyGroup("tracker", lazy=cli.lazy, context_settings=cli.context_settings)
    lazy = CliRunner().invoke(unloaded, ["--help"], terminal_width=width).output
    assert not unloaded.commands
    context = click.Context(cli)
    loaded = {name: cli.get_command(context, name) for name in cli.list_commands(context)}
    eager = click.Group("tracker", commands=loaded, context_settings=cli.context_settings)
    expected = CliRunner().invoke(eager, ["--help"], terminal_width=width).output
    assert lazy.split("Commands:")[1].split("Example")[0].strip() == \
        expected.split("Commands:")[1].strip()


def test_help_imports_no_heavy_module() -> None:
    """`tracker --help` starts without python-gitlab, jinja2, Babel, requests or PyYAML."""
    code = ("import sys\nfrom tracker.cli import main\nsys.argv = ['tracker', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "Commands:" in done.stdout
    loaded = {name.split(".")[0] for name in done.stderr.split()}
    assert "click" in loaded  # the check sees the modules: the listing itself needs click
    assert loaded.isdisjoint(HEAVY_MODULES), sorted(loaded & set(HEAVY_MODULES))


def test_a_command_s_help_loads_that_command_only() -> None:
    """`tracker validate --help` imports the validate command, not the sync or report ones."""
    code = ("import sys\nfrom tracker.cli import main\n"
            "sys.argv = ['tracker', 'validate', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "Example" in done.stdout
    loaded = set(done.stderr.split())
    assert "tracker.cli.validate" in loaded
    assert loaded.isdisjoint({"tracker.cli.sync", "tracker.cli.report", "gitlab", "jinja2"})


def test_version() -> None:
    """`tracker --version` prints the package version."""
    result = CliRunner().invoke(cli, ["--version"])
    assert result.output == f"tracker, version {__version__}\n"


def test_unknown_command_suggests_the_close_one() -> None:
    """A typo gets click's usage error and a non-zero exit."""
    result = CliRunner().invoke(cli, ["valdate"])
    assert result.exit_code == 2
    assert "No such command 'valdate'" in result.output
