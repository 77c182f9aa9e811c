"""One push at a time, across machines: a lease held in GitLab itself.

The local run lock (:mod:`tracker.lock`) and GitLab CI's ``resource_group`` only see one
machine or one pipeline; a laptop pushing during the scheduled job does not. So before its
first write a push creates a reserved label: GitLab refuses to create a label that exists,
which makes creating it an atomic "take". Its description says who holds it and until when.
A second push waits, then gives up with :class:`~tracker.errors.Busy` (exit 3); a lease left
by a killed run expires and is taken over. Releasing deletes the label, only if it is still
ours.

Times in the lease are GitLab's (its ``Date`` header), not the machine's: two machines whose
clocks differ by more than the lease's life would otherwise take each other's live lease.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from tracker.errors import Busy
from tracker.gitlab.client import GitLabClient
from tracker.gitlab.http import UnknownOutcome
from tracker.gitlab.model import Label

log = logging.getLogger("tracker.lease")

COLOR = "#343a40"
_FIELDS = re.compile(r"run=(?P<run>\S+) holder=(?P<holder>\S+) until=(?P<until>\S+)")


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, and until when."""

    run: str
    holder: str
    until: dt.datetime


def _parse(label: Label) -> Holder | None:
    match = _FIELDS.search(label.description)
    if not match:
        return None
    try:
        until = dt.datetime.fromisoformat(match["until"])
    except ValueError:
        return None
    return Holder(match["run"], match["holder"], until)


def default_holder() -> str:
    """This run, as people can find it: the machine and process, and the CI job if any."""
    job = os.environ.get("CI_JOB_URL")
    here = f"{socket.gethostname()}:{os.getpid()}"
    return f"{here}({job})" if job else here


def gitlab_clock(server_time: dt.datetime | None) -> Callable[[], dt.datetime]:
    """A clock that reads GitLab's time: this machine's, shifted by how far GitLab's
    ``server_time`` (read just now) was from it; this machine's own when GitLab sent none."""
    offset = server_time - dt.datetime.now(dt.UTC) if server_time else dt.timedelta(0)
    return lambda: dt.datetime.now(dt.UTC) + offset


def _dead_here(holder: str) -> bool:
    """Whether ``holder`` is a process of this machine that no longer runs (killed, crashed).

    Its lease need not wait for the time-out: a re-run right after a crash goes on at once.
    """
    match = re.match(r"(?P<host>[^:()]+):(?P<pid>\d+)", holder)
    if not match or match["host"] != socket.gethostname():
        return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Lease:
    """The push lease; use ``with lease:`` around the writes."""

    def __init__(self, client: GitLabClient, name: str, *, ttl: float = 300.0,
                 wait: float = 360.0, poll: float = 2.0, holder: str | None = None,
                 now: Callable[[], dt.datetime] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_wait: Callable[[str], None] = lambda message: None) -> None:
        self.client, self.name = client, name
        self.ttl, self.wait, self.poll = ttl, wait, poll
        self.holder = re.sub(r"\s+", "_", holder or default_holder())
        self.run = uuid.uuid4().hex[:12]
        self._now = now or gitlab_clock(None)
        self._sleep = sleep
        self._on_wait = on_wait
        self._renewed = 0.0
        self.held = False

    def _description(self) -> str:
        until = (self._now() + dt.timedelta(seconds=self.ttl)).replace(microsecond=0)
        return (f"OGP Tracker: a push is writing; others wait. Delete this label only if no "
                f"push is running. run={self.run} holder={self.holder} "
                f"until={until.isoformat()}")

    def acquire(self) -> None:
        """Take the lease, waiting for another push up to ``wait`` seconds (else Busy).

        While another push holds it, look again every ``poll`` seconds, the last look at the
        end of ``wait`` rather than up to a whole ``poll`` after it."""
        started, told = time.monotonic(), False
        while True:
            try:
                created = self.client.create_label_once(self.name, COLOR, self._description())
                doubt = None
            except UnknownOutcome as error:
                created, doubt = True, error  # maybe: the label itself tells whose it is
            current = self.client.label(self.name)
            if created and current is not None and f"run={self.run} " in current.description:
                self.held, self._renewed = True, time.monotonic()
                log.info("lease: taken (%s)", self.holder)
                return
            if current is None:
                if doubt is not None:
                    raise doubt  # GitLab failed the create: say so rather than loop
                continue  # released between our attempt and our look: try again at once
            other = _parse(current)
            if other is None or other.until <= self._now() or _dead_here(other.holder):
                who = other.holder if other else "an unreadable holder"
                log.info("lease: taking over the expired lease of %s", who)
                again = self.client.label(self.name)
                if again is not None and again.description == current.description:
                    self.client.delete_label(self.name)
                continue
            waited = time.monotonic() - started
            message = (f"another push ({other.holder}) is writing to GitLab until "
                       f"{other.until:%H:%M:%S} UTC at the latest")
            if waited >= self.wait:
                raise Busy(f"{message}; waited {waited:.0f} s. Nothing was written: run the "
                           "same command again once it is done.")
            if not told:
                self._on_wait(f"Waiting: {message}…")
                told = True
            # Never past the wait: a push told to wait 0.5 s must not sleep a whole poll.
            self._sleep(min(self.poll, self.wait - waited))

    def keep(self) -> None:
        """Extend the lease during a long push (cheap: at most once a third of ``ttl``)."""
        if self.held and time.monotonic() - self._renewed > self.ttl / 3:
            self.client.update_label(self.name, self._description())
            self._renewed = time.monotonic()

    def release(self) -> None:
        """Give the lease back, if it is still ours."""
        if not self.held:
            return
        self.held = False
        current = self.client.label(self.name)
        if current is not None and f"run={self.run} " in current.description:
            self.client.delete_label(self.name)
            log.info("lease: released")

    def __enter__(self) -> Lease:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
