"""Which files of ``commitments/`` are plan files, and which the tracker refuses to open.

A plan is a folder with a ``plan.yml`` and one YAML file per commitment. Only regular files
inside the commitments folder are read: a link may point to a file inside it, never outside
(its content would end up in error messages and reports); a FIFO, a device or a socket is
refused by name, never opened (opening a FIFO waits for ever).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from tracker.plan.problems import ProblemLog
from tracker.plan.yamlsource import Position

PLAN_FILE = "plan.yml"
YAML_SUFFIXES = (".yml", ".yaml")


def plan_folders(root: Path, report: ProblemLog) -> list[Path]:
    if not root.exists():
        report.add(root, Position(1, 1), "error",
                   "no such file or folder: give the folder that holds the plans (commitments/)")
        return []
    if not root.is_dir():
        report.add(root, Position(1, 1), "error",
                   "give a folder: a plan folder (with plan.yml) or the commitments/ folder")
        return []
    if _is_plan(root):
        return [root]
    base = base_folder(root)
    folders = []
    for child in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if _outside(child, base):
            report.add(child, Position(1, 1), "error", _LINK_OUTSIDE)
        elif _is_plan(child):
            folders.append(child)
        elif any(yaml_files(child)):
            report.add(child / PLAN_FILE, Position(1, 1), "error",
                       "this plan folder has no plan.yml: add one with country, title, "
                       "period, languages and primary_language")
    if not folders and not report.has_errors:
        report.add(root, Position(1, 1), "error",
                   "no plan found: each plan is a folder with a plan.yml "
                   "(see commitments/README.md)")
    return folders


def _is_plan(folder: Path) -> bool:
    # lexists: a plan.yml that is a broken link or a FIFO still makes a plan, refused by name.
    return os.path.lexists(folder / PLAN_FILE)


def base_folder(root: Path) -> Path:
    """The commitments folder, resolved: plan files may be links only to files inside it.

    Given one plan folder, its parent, so that a plan reads the same files whether it is
    validated alone or with the others.
    """
    resolved = root.resolve()
    return resolved.parent if _is_plan(root) else resolved


_LINK_OUTSIDE = ("this is a symbolic link, or it is in a linked folder, that leads outside the "
                 "commitments folder: the tracker reads plan files only inside it; put the "
                 "file itself there instead of a link")


def _outside(path: Path, base: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(base)
    except (OSError, RuntimeError):  # a loop of links leads nowhere, so not inside either
        return True


def yaml_files(folder: Path) -> Iterator[Path]:
    # Every entry named like YAML but folders: a FIFO, a device or a link is refused by name
    # when read, never skipped without a word. Hidden entries are editors' own (Emacs locks
    # an open file with a dangling link '.#name.yml'), as hidden folders are skipped.
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix in YAML_SUFFIXES and path.name != PLAN_FILE and not path.is_dir():
            yield path


def refusal(path: Path, base: Path) -> str | None:
    """Why ``path`` must not be opened, or None; decided on its name and links alone."""
    try:
        path.resolve()
    except (OSError, RuntimeError):
        return "this is a symbolic link that leads back to itself (a loop): remove it"
    if _outside(path, base):
        return _LINK_OUTSIDE
    if path.is_symlink() and not path.exists():
        return "this is a symbolic link to a file that does not exist: fix the link or remove it"
    return None
