"""Options several commands share, declared once so their names and help agree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tracker.config import Config, load_config
from tracker.snapshot import DEFAULT_SNAPSHOT_PATH

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def gitlab_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--gitlab-url`` and ``--project``, for every command that talks to GitLab."""
    command = click.option(
        "--project", metavar="PATH|ID",
        help="GitLab project (overrides TRACKER_PROJECT and tracker.yml).")(command)
    return click.option(
        "--gitlab-url", metavar="URL",
        help="GitLab address (overrides TRACKER_GITLAB_URL and tracker.yml).")(command)


snapshot_option: Decorator = click.option(
    "--snapshot", "snapshot", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help=f"Snapshot file written by `tracker pull` (default: snapshot in tracker.yml, else "
         f"{DEFAULT_SNAPSHOT_PATH}).")

commitments_option: Decorator = click.option(
    "--commitments", "commitments", type=click.Path(path_type=Path, file_okay=False),
    default=None, help="Folder of the plans (default: commitments in tracker.yml, else "
                       "commitments/).")


def config_from(gitlab_url: str | None = None, project: str | None = None) -> Config:
    """The configuration for this run: options over environment over tracker.yml."""
    return load_config(Path(), gitlab_url=gitlab_url, project=project)
