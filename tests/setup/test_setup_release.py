"""A release as the tag pipeline makes it: version from the tag, sdist and wheel that pass
twine's checks, and a wheel that installs offline, alone, and runs init, validate, report."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support_setup import COPY_IGNORE

REPO = Path(__file__).resolve().parents[2]
CHANGELOG = REPO / "CHANGELOG.md"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> str:
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files as a fresh git repository whose HEAD is tagged v9.8.7."""
    source = tmp_path_factory.mktemp("release") / "source"
    shutil.copytree(REPO, source, ignore=COPY_IGNORE)
    git = ("git", "-c", "user.name=Release Test", "-c", "user.email=release@example.org",
           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false")
    _run(*git, "init", "-q", cwd=source)
    _run(*git, "add", "-A", cwd=source)
    _run(*git, "commit", "-q", "-m", "Release 9.8.7", cwd=source)
    _run(*git, "tag", "v9.8.7", cwd=source)
    return source


@pytest.fixture
def served(tagged: Path) -> Iterator[str]:
    """The tagged checkout's dist/ folder on a web address (127.0.0.1), as a release page."""
    (tagged / "dist").mkdir(exist_ok=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tagged / "dist"))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.slow
def test_the_tag_builds_checks_and_the_wheel_alone_runs_offline(
    tagged: Path, served: str, tmp_path: Path
) -> None:
    """v9.8.7 gives 9.8.7 files; twine accepts them; the wheel installs with --no-index."""
    dist = tagged / "dist"
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ".", cwd=tagged)
    assert sorted(path.name for path in dist.iterdir()) == [
        "ogp_tracker-9.8.7-py3-none-any.whl", "ogp_tracker-9.8.7.tar.gz"]
    twine = Path(sys.executable).parent / "twine"
    checked = _run(twine, "check", "--strict", *sorted(dist.iterdir()), cwd=tagged)
    assert checked.count("PASSED") == 2

    wheelhouse = tmp_path / "wheelhouse"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "WHEELHOUSE": str(wheelhouse)}
    out = _run("bash", tagged / ".ci" / "check-wheel", dist, cwd=tagged, env=env, timeout=900)
    assert out.splitlines()[1:3] == ["tracker, version 9.8.7", "  wrote tracker.yml"]
    assert '  TRACKER_PACKAGE: "ogp-tracker==9.8.7"' in out.splitlines()
    assert "Valid: 1 plan, 1 commitment, 3 milestones (0 warnings)." in out
    assert out.splitlines()[-1] == ("Wheel checked: ogp_tracker-9.8.7-py3-none-any.whl installs "
                                    "offline, and init, validate and report work.")

    # Installed from a web address (a release page, the tool's repository at a tag): init
    # writes that address into the pipeline, and doctor sees the pipeline runs this tool.
    address = f"{served}/ogp_tracker-9.8.7-py3-none-any.whl"
    bin_dir = _installs_from(address, wheelhouse, tmp_path)
    team = tmp_path / "team"
    team.mkdir()
    _run(bin_dir / "tracker", "init", cwd=team)
    pipeline = (team / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert f'  TRACKER_PACKAGE: "ogp-tracker @ {address}"\n' in pipeline
    doctor = subprocess.run([str(bin_dir / "tracker"), "doctor"], cwd=team, capture_output=True,
                            text=True, timeout=120, check=False,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert (f"ok    pipeline: the pipeline installs ogp-tracker @ {address}, as here "
            "(version 9.8.7)") in doctor.stdout.splitlines()


CHANGES = """# Changelog

## [Unreleased]

### Fixed
- Something not yet released.

## [1.2.0] - 2027-03-01

### Added
- `tracker frobnicate`.

### Fixed
- The report's dates.

## [1.1.0] - 2027-01-15

### Added
- The first feature.

[Unreleased]: https://gitlab.example.org/ogp/tracker/-/compare/v1.2.0...main
[1.2.0]: https://gitlab.example.org/ogp/tracker/-/compare/v1.1.0...v1.2.0
"""


def test_release_notes_are_the_changelog_section_of_the_version(tmp_path: Path) -> None:
    """The notes of v1.2.0 are its dated section alone; an unwritten version is refused."""
    script = REPO / ".ci" / "release_notes.py"
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGES, encoding="utf-8")
    notes = _run(sys.executable, script, "v1.2.0", "--changelog", changelog, cwd=tmp_path)
    assert notes == ("### Added\n- `tracker frobnicate`.\n\n### Fixed\n- The report's "
                     "dates.\n")
    missing = subprocess.run([sys.executable, str(script), "1.3.0", "--changelog",
                              str(changelog)], capture_output=True, text=True, timeout=60,
                             check=False)
    assert missing.returncode == 1
    assert missing.stderr == ("CHANGELOG.md: no section '## [1.3.0] - YYYY-MM-DD': rename "
                              "'## [Unreleased]' to it (see docs/en/releasing.md), then tag "
                              "again\n")
    # The project's own changelog has the section that the next release renames.
    assert "\n## [Unreleased]\n" in CHANGELOG.read_text(encoding="utf-8")


def test_readme_test_command_is_the_one_ci_runs() -> None:
    """The README's commands install from the locks with hashes; .ci/run runs the test one."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    report, tests = commands
    assert "--require-hashes -r requirements/runtime.txt" in report
    assert "--require-hashes -r requirements/dev.txt" in tests
    assert tests.replace("pip install ", "pip install -q ") in ci.splitlines()
    assert "npm ci " in ci


def _installs_from(address: str, wheelhouse: Path, root: Path) -> Path:
    """A fresh environment with the tool from ``address`` (by pip, offline).

    Its dependencies are this environment's, through a .pth line: the same locked versions,
    which .ci/check-wheel has just installed from the wheel's own lock file; a second
    environment installing them all again cost a third of this test's time.
    """
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    bin_dir = venv / "bin"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (venv / "lib" / version / "site-packages" / "_project_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--quiet",
         "--disable-pip-version-check", "--no-index", "--find-links", wheelhouse, "--no-deps",
         f"ogp-tracker @ {address}", cwd=root)
    return bin_dir
