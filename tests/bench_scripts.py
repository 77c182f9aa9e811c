"""The scripts of bench/ as modules, for tests that run them or use their generators.

bench/ is not a package: each script is loaded from its file, under a name of its own in
sys.modules while it is used (dataclasses look their module up by name), then removed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


@contextlib.contextmanager
def bench_script(name: str, module_name: str | None = None) -> Iterator[ModuleType]:
    """bench/``name``.py loaded as the module ``module_name`` (default: ``name``)."""
    spec = importlib.util.spec_from_file_location(module_name or name, BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)
