"""One run at a time: a lock file beside the snapshot, held for the whole push or pull.

Two runs on one machine (a cron and a person, two CI jobs sharing a runner's folder) would
both see an issue missing and both create it. The second run waits for the first, then finds
nothing left to do. Across machines, GitLab CI's ``resource_group`` plays the same part.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import TrackerError


class LockTimeout(TrackerError):
    """Another run kept the lock for longer than we were willing to wait."""


@contextmanager
def run_lock(
    path: Path,
    *,
    timeout: float = 600.0,
    on_wait: Callable[[], None] = lambda: None,
    poll: float = 0.2,
) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"another tracker run still holds {path} after {timeout:.0f} s: let it "
                        "finish (or, if no run is going on, delete the file) and try again"
                    ) from None
                if not told:
                    on_wait()
                    told = True
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed
