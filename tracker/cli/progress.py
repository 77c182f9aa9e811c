"""Progress for long work: a bar in a terminal, a line every few seconds in CI logs.

A CI log is not a terminal: a bar there shows nothing until the end, so a job that takes
minutes looks hung. Without a TTY, one line ``label: done/total`` is printed at most every
:data:`EVERY` seconds, and at the end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

EVERY = 5.0


class _Lines:
    """The no-TTY progress: a line every few seconds."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.length, self.pos = label, total, 0
        self.last = time.monotonic()
        click.echo(f"{label}: 0/{total}", err=True)

    def update(self, steps: int) -> None:
        self.pos += steps
        now = time.monotonic()
        if now - self.last >= EVERY:
            self.last = now
            click.echo(f"{self.label}: {self.pos}/{self.length}", err=True)

    def finish(self) -> None:
        click.echo(f"{self.label}: {self.pos}/{self.length}, done", err=True)


@contextmanager
def progress(label: str, total: int) -> Iterator[Any]:
    """A progress bar (``update(n)``, ``length`` settable) on standard error."""
    if sys.stderr.isatty():
        with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
            yield bar
        return
    lines = _Lines(label, total)
    yield lines
    lines.finish()
