"""The release notes of a version: its section of CHANGELOG.md; with --publish, the release.

    python .ci/release_notes.py 1.2.0             # print the section ## [1.2.0] - YYYY-MM-DD
    python .ci/release_notes.py --publish 1.2.0   # in GitLab CI: create the release of v1.2.0
    python .ci/release_notes.py 1.2.0 --changelog OTHER.md

Exits 1, saying what to write, when CHANGELOG.md has no dated section for the version: a tag
is released only once its changes are written down. Standard library only: it runs in the
release job before anything else is installed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"


def section(text: str, version: str) -> str:
    """The body of ``## [version] - date`` up to the next ``## `` heading."""
    heading = re.compile(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", re.M)
    found = heading.search(text)
    if found is None:
        raise SystemExit(f"CHANGELOG.md: no section '## [{version}] - YYYY-MM-DD': rename "
                         f"'## [Unreleased]' to it (see docs/en/releasing.md), then tag again")
    rest = text[found.end():]
    following = re.search(r"^## ", rest, re.M)
    body = rest[:following.start()] if following else rest
    body = re.sub(r"^\[[^\]]+\]: \S+$", "", body, flags=re.M)  # link definitions
    return body.strip() + "\n"


def publish(version: str, notes: str) -> None:
    """Create the GitLab release of tag v``version`` with ``notes`` (GitLab CI's job token)."""
    api = os.environ["CI_API_V4_URL"]
    project = os.environ["CI_PROJECT_ID"]
    tag = f"v{version}"
    body = json.dumps({"name": tag, "tag_name": tag, "description": notes}).encode()
    request = urllib.request.Request(  # noqa: S310  GitLab's own API address, from GitLab CI
        f"{api}/projects/{project}/releases", data=body, method="POST",
        headers={"Content-Type": "application/json",
                 "JOB-TOKEN": os.environ["CI_JOB_TOKEN"]})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        print(f"Release {tag} created ({response.status}).")


def main(argv: list[str]) -> None:
    """Print the notes, or publish them with --publish."""
    changelog = CHANGELOG
    if "--changelog" in argv:
        at = argv.index("--changelog")
        changelog = Path(argv[at + 1])
        argv = argv[:at] + argv[at + 2:]
    args = [arg for arg in argv if arg != "--publish"]
    if len(args) != 1:
        raise SystemExit(__doc__)
    notes = section(changelog.read_text(encoding="utf-8"), args[0].removeprefix("v"))
    if "--publish" in argv:
        publish(args[0].removeprefix("v"), notes)
    else:
        sys.stdout.write(notes)


if __name__ == "__main__":
    main(sys.argv[1:])
