"""Writing files so that a crash leaves the old content or the new one, never half; reading
back the small state files the sync keeps beside the snapshot."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8), creating its folder; atomic on one filesystem.

    The text goes to a temporary file beside ``path``, is flushed to disk, then replaces
    ``path`` in one step.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_state(path: Path, file_format: str, project_url: str) -> dict[str, Any]:
    """The JSON state file at ``path`` when it is of ``file_format`` and about this project;
    empty when it is missing, unreadable, of another kind or another project's (the sync then
    only does more work: these files are hints, never the truth)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != file_format or \
            data.get("project") != project_url:
        return {}
    return data
