"""The report's pages in Debian's chromium (axe-core) and in the W3C Nu HTML checker (vnu).

A module of its own, not conftest.py, as report_support.py: test modules import these names.

One Chromium serves a whole session (see the ``chromium`` fixture in conftest.py): it is
driven over the DevTools protocol on a pipe, and opens page after page in one tab. Starting Chromium
costs about a second, ten times what opening a page in it does; one start per page made the
two axe tests a minute of the suite. The Nu checker checks every page of a run in one start of
Java, whose just-in-time compiler is kept to its first tier: a short run spends its time
compiling, not checking.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE_PLACES = (
    REPO / "node_modules/axe-core/axe.min.js",
    Path("/opt/axe/node_modules/axe-core/axe.min.js"),
    Path("/usr/local/lib/node_modules/axe-core/axe.min.js"),
    Path("/usr/lib/node_modules/axe-core/axe.min.js"),
)
VNU_PLACES = (
    REPO / "node_modules/vnu-jar/build/dist/vnu.jar",
    Path("/opt/axe/node_modules/vnu-jar/build/dist/vnu.jar"),
    Path("/usr/local/lib/node_modules/vnu-jar/build/dist/vnu.jar"),
)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)
# C1 only (no C2 compilation, which a run of a few seconds never pays back) and one GC thread:
# about a third of the time and CPU of Java's defaults. C1's frames are larger: the checker's
# schema needs more than the default 1 MiB of stack then (it says so and stops).
JAVA_FLAGS = ("-Xss16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
# axe-core's result, as one line per violation: rule (impact): help at targets.
AXE_RUN = """
axe.run(document, { resultTypes: ["violations"] }).then(function (result) {
  return result.violations.map(function (v) {
    return v.id + " (" + v.impact + "): " + v.help + " at " +
      v.nodes.map(function (n) { return n.target.join(" "); }).join(", ");
  });
})
"""


def missing(what: str) -> None:
    """Skip, saying what is missing; fail instead with ``TRACKER_REQUIRE_BROWSER=1`` (CI)."""
    if os.environ.get("TRACKER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (TRACKER_REQUIRE_BROWSER=1)")
    pytest.skip(what)


def find(env: str, places: tuple[Path, ...]) -> Path | None:
    """The file that ``env`` names, else the first of ``places`` that exists."""
    if os.environ.get(env):
        return Path(os.environ[env])
    return next((place for place in places if place.is_file()), None)


def axe_source() -> str:
    """axe-core's axe.min.js (skips, or fails in CI, when it is not installed)."""
    axe = find("AXE_CORE_JS", AXE_PLACES)
    if axe is None or not axe.is_file():
        missing("axe-core not found: npm install axe-core, then set AXE_CORE_JS")
    assert axe is not None
    return axe.read_text(encoding="utf-8")


def nu_errors(pages: list[Path]) -> list[str]:
    """The Nu checker's errors on ``pages``, checked in one run, as ``url:line: message``."""
    java = shutil.which("java")
    vnu = find("VNU_JAR", VNU_PLACES)
    if java is None:
        missing("java is not installed (apt-get install -y default-jre-headless)")
    if vnu is None or not vnu.is_file():
        missing("vnu.jar not found: npm install vnu-jar, then set VNU_JAR")
    assert java is not None
    assert vnu is not None
    assert pages
    done = subprocess.run(
        [java, *JAVA_FLAGS, "-jar", str(vnu), "--errors-only", "--format", "json",
         *map(str, pages)],
        capture_output=True, text=True, timeout=900, check=False,
    )
    try:
        messages = json.loads(done.stderr)["messages"]  # vnu writes its report on stderr
    except ValueError:
        raise AssertionError(f"vnu exited {done.returncode}: {done.stderr[-2000:]}") from None
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    if not errors and done.returncode != 0:
        errors.append(f"vnu exited {done.returncode}: {done.stderr[-2000:]}")
    return errors


class Chromium:
    """Debian's chromium, headless, driven over the DevTools protocol on a pipe.

    ``--remote-debugging-pipe`` reads commands on file descriptor 3 and writes answers on 4,
    each a JSON text ended by a NUL byte; ``sh`` gives it this process's pipes as 3 and 4.
    Every call waits at most ``timeout`` seconds.
    """

    def __init__(self, executable: str, timeout: float = 60) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._process = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', executable,
             *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict[str, Any]] = []
        self._session: str | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the browser (killed if it does not go), its profile and its log."""
        try:
            if self._process.poll() is None:
                self._send("Browser.close")
        except (OSError, AssertionError):
            pass
        finally:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
            self._log.close()
            self._profile.cleanup()

    def log(self) -> str:
        """The end of what Chromium wrote on stderr, for a failure message."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-2000:]

    def _message(self, deadline: float) -> dict[str, Any]:
        assert self._process.stdout is not None
        descriptor = self._process.stdout.fileno()
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([descriptor], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"chromium did not answer in {self.timeout} s: "
                                     f"{self.log()}")
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                raise AssertionError(f"chromium stopped: {self.log()}")
            self._buffer += chunk
        text, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(text)
        return message

    def _send(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._last_id += 1
        command: dict[str, Any] = {"id": self._last_id, "method": method,
                                   "params": params or {}}
        if session is not None:
            command["sessionId"] = session
        self._process.stdin.write(json.dumps(command).encode() + b"\0")
        self._process.stdin.flush()
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._message(deadline)
            if message.get("id") == self._last_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            self._events.append(message)

    def _wait_for(self, method: str, session: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self._events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return
            self._events.append(self._message(deadline))

    def _tab(self) -> str:
        """The session of the one tab that every page opens in (a new tab is a new renderer
        process: a fifth of the time of a page checked with axe)."""
        if self._session is None:
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self._send("Target.attachToTarget",
                                       {"targetId": target, "flatten": True})["sessionId"]
            self._send("Page.enable", session=self._session)
        return self._session

    def evaluate(self, page: Path, scripts: tuple[str, ...], width: int = 1280,
                 height: int = 800) -> Any:
        """Open ``page`` at ``width`` x ``height`` pixels; once it has loaded, run ``scripts``
        in it one after the other (a promise is awaited) and give the last one's value. The
        scripts run as DevTools runs them: the page's Content-Security-Policy, which allows
        only the site's own script files, does not apply to them."""
        session = self._tab()
        self._send("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                   session)
        self._events.clear()  # only the load this navigation causes may end the wait below
        navigated = self._send("Page.navigate", {"url": page.as_uri()}, session)
        assert "errorText" not in navigated, f"{page}: {navigated['errorText']}"
        self._wait_for("Page.loadEventFired", session)
        value = None
        for script in scripts:
            done = self._send("Runtime.evaluate",
                              {"expression": script, "awaitPromise": True,
                               "returnByValue": True}, session)
            assert "exceptionDetails" not in done, f"{page}: {done['exceptionDetails']}"
            value = done["result"].get("value")
        return value

    def axe_violations(self, page: Path, axe: str) -> list[str]:
        """axe-core's violations on ``page`` (``axe`` is axe.min.js), one line each."""
        violations = self.evaluate(page, (axe, AXE_RUN))
        assert isinstance(violations, list), f"axe did not report on {page}: {violations!r}"
        return violations
