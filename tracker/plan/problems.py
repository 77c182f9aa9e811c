"""What is wrong in plan files, said as people read it: ``file:line:column: error: key: message``.

Every pass of :mod:`tracker.plan.load` adds what it finds to one :class:`ProblemLog`, so a run
reports every problem at once; :class:`PlanInvalid` carries them to the command line.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tracker.errors import InputError
from tracker.plan.yamlsource import Document, KeyPath, Position, shown
from tracker.words import count

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a plan file, with where it is and how to fix it."""

    file: str
    line: int
    column: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


# A hostile file can hold tens of thousands of problems: people read the first ones, fix them
# and run again, and a terminal or CI log with all of them helps no one.
MAX_SHOWN = 100


def problem_lines(problems: list[Problem], limit: int = MAX_SHOWN) -> list[str]:
    """The first ``limit`` problems as lines, then one line saying how many more there are."""
    lines = [str(p) for p in problems[:limit]]
    rest = problems[limit:]
    if rest:
        errors = sum(p.severity == "error" for p in rest)
        lines.append(f"... and {len(rest)} more not shown ({count(errors, 'error')}, "
                     f"{count(len(rest) - errors, 'warning')}): fix the ones above, "
                     "then run tracker validate again")
    return lines


class PlanInvalid(InputError):
    """The plan files have errors; :attr:`problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        lines = "\n".join(problem_lines(errors))
        super().__init__(f"the plan has {count(len(errors), 'error')}:\n{lines}")


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it is below it, as people typed it.

    A file name is any bytes but '/': bytes that are not UTF-8 show as U+FFFD, and invisible
    characters (a line feed would start a fake problem line) show escaped.
    """
    name = _path_text(path)
    if name.isprintable():
        return name
    return shown(name, limit=len(name) * 10)[1:-1]


def _path_text(path: Path) -> str:
    # The name as written, links not followed: a link is named as the link, never as its target.
    cwd = Path.cwd()
    try:
        text = Path(os.path.normpath(cwd / path)).relative_to(cwd).as_posix()
    except ValueError:
        try:  # a path written through a linked folder, such as /tmp on some systems
            text = (path.parent.resolve() / path.name).relative_to(cwd.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            text = path.as_posix()
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def key_path(path: KeyPath) -> str:
    """``('milestones', 0, 'due')`` as ``milestones[0].due``."""
    out = ""
    for part in path:
        if isinstance(part, str) and not part.isprintable():
            part = shown(part)  # a key with a control character must not print it raw
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


@dataclass
class ProblemLog:
    """Collects problems as the passes find them."""

    problems: list[Problem] = field(default_factory=list)
    # display_path resolves paths on disk: once per file, not once per problem.
    names: dict[Path, str] = field(default_factory=dict)
    guesses: Counter[Path] = field(default_factory=Counter)

    def add(self, doc: Document | Path, where: Position, severity: Severity, msg: str) -> None:
        path = doc.path if isinstance(doc, Document) else doc
        name = self.names.get(path)
        if name is None:
            name = self.names[path] = display_path(path)
        self.problems.append(Problem(name, where.line, where.column, severity, msg))

    def error(self, doc: Document, path: KeyPath, msg: str, *, key: bool = False) -> None:
        self.add(doc, doc.where(path, key=key), "error", f"{key_path(path)}: {msg}")

    def warning(self, doc: Document, path: KeyPath, msg: str, *, key: bool = False) -> None:
        self.add(doc, doc.where(path, key=key), "warning", f"{key_path(path)}: {msg}")

    def guess(self, doc: Document, key: str, allowed: list[str]) -> list[str]:
        """The allowed key closest to ``key``, for the first :data:`MAX_SHOWN` keys of a file.

        A fuzzy match per key costs: a file of sixty thousand unknown keys would take seconds,
        for guesses no one would be shown.
        """
        self.guesses[doc.path] += 1
        if self.guesses[doc.path] > MAX_SHOWN:
            return []
        return difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)
