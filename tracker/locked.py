"""Print the path of the lock file of the tool's dependencies, for pip.

The pipeline that ``tracker init`` writes installs the tool alone, then its dependencies at
the versions its release was tested with, each checked against its hash::

    pip install --no-deps "$TRACKER_PACKAGE"
    pip install --require-hashes -r "$(python -m tracker.locked)"

Standard library only: it runs before the dependencies are installed.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# In the wheel: carried inside the package. In a checkout (editable install): requirements/.
CANDIDATES = (_HERE / "requirements.txt", _HERE.parent / "requirements" / "runtime.txt")


def lock_file() -> Path:
    """The lock file: requirements with exact versions and hashes."""
    for path in CANDIDATES:
        if path.is_file():
            return path
    raise FileNotFoundError("the lock file of the tool's dependencies is missing: reinstall "
                            "the tool from its wheel")


if __name__ == "__main__":
    print(lock_file())
