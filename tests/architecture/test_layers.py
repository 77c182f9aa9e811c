"""The import rule: a module imports only from its own package or from a layer below.

The data path reads in one direction: load → plan → apply (through ``tracker/gitlab/``) →
pull (through ``tracker/gitlab/``) → snapshot → report. docs/en/contributing.md draws it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parents[2] / "tracker"

# Lowest first. Packages of one layer do not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("tracker", "tracker.errors", "tracker.files", "tracker.words", "tracker.redact",
     "tracker.i18n", "tracker.report_paths", "tracker.schemas"),
    ("tracker.status", "tracker.lock"),
    ("tracker.plan",),
    ("tracker.snapshot",),
    ("tracker.config",),
    ("tracker.gitlab", "tracker.logs"),
    ("tracker.sync", "tracker.report", "tracker.importers"),
    ("tracker.scaffold",),
    ("tracker.doctor",),
    ("tracker.cli",),
    ("tracker.__main__",),
)
TEST_DOUBLE = "tracker.testing"


def _package(module: str) -> str:
    """The unit a layer lists: ``tracker.sync.push`` → ``tracker.sync``."""
    parts = module.split(".")
    for size in (2, 1):
        name = ".".join(parts[:size])
        if any(name in layer for layer in LAYERS):
            return name
    return module


def _layer(module: str) -> int:
    package = _package(module)
    for number, layer in enumerate(LAYERS):
        if package in layer:
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(TRACKER.rglob("*.py")):
        parts = path.relative_to(TRACKER.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith(TEST_DOUBLE):
            found.append((name, path))
    return found


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")[: -node.level or None]
                if path.name == "__init__.py":
                    base = module.split(".")[: len(module.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out += [(name, node.lineno)]
            out += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return out


def _violations() -> list[str]:
    problems = []
    for module, path in _modules():
        own = _package(module)
        level = _layer(module)
        for name, line in _imports(path, module):
            where = f"{path.relative_to(TRACKER.parent)}:{line}"
            top = name.split(".")[0]
            if name.startswith(TEST_DOUBLE):
                problems.append(f"{where}: product code imports the test double {name}")
            elif top == "click" and own != "tracker.cli":
                problems.append(f"{where}: only tracker/cli/ imports click")
            elif top == "gitlab" and not module.startswith("tracker.gitlab.client"):
                problems.append(f"{where}: only tracker/gitlab/client.py imports python-gitlab")
            elif top == "tracker" and name != "tracker":
                target = _package(name)
                if not any(target in layer for layer in LAYERS) and target.count(".") == 0:
                    continue
                if target != own and _layer(name) >= level:
                    problems.append(f"{where}: {own} (layer {level}) imports {target} "
                                    f"(layer {_layer(name)}): only lower layers may be imported")
    return sorted(set(problems))


def test_modules_import_only_from_lower_layers() -> None:
    """No module imports upward, sideways, the test double, click or python-gitlab wrongly."""
    assert _violations() == []


def test_the_rule_catches_an_upward_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted upward import (the GitLab boundary importing the sync engine) is reported."""
    fake = tmp_path / "tracker"
    (fake / "gitlab").mkdir(parents=True)
    (fake / "sync").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "gitlab" / "__init__.py").write_text("")
    (fake / "sync" / "__init__.py").write_text("")
    (fake / "gitlab" / "client.py").write_text("from tracker.sync.actions import Action\n")
    (fake / "sync" / "actions.py").write_text("import click\n")
    monkeypatch.setattr(__import__(__name__), "TRACKER", fake)
    assert _violations() == [
        "tracker/gitlab/client.py:1: tracker.gitlab (layer 5) imports tracker.sync (layer 6): "
        "only lower layers may be imported",
        "tracker/sync/actions.py:1: only tracker/cli/ imports click",
    ]
