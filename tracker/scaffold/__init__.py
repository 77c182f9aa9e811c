"""``tracker init``: the files of a new tracker repository, and the one pipeline template.

The GitLab CI pipeline exists once, as ``files/gitlab-ci.yml.j2``: ``tracker init`` renders it
for a repository that installs the released tool, and this repository's own
``.gitlab-ci.yml`` is the same template rendered for a checkout of the tool's source (a test
keeps them equal). Files are stored without a leading dot so that every packaging tool
carries them; they get their real names (``.gitlab-ci.yml``, ``.gitlab/...``) when written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from tracker import PACKAGE, __version__
from tracker.errors import InputError

FILES = Path(__file__).parent / "files"
PIPELINE_TEMPLATE = "gitlab-ci.yml.j2"

# Where each stored file goes in the new repository (stored name -> written name).
_LAYOUT: tuple[tuple[str, str], ...] = (
    ("tracker.yml.j2", "tracker.yml"),
    (PIPELINE_TEMPLATE, ".gitlab-ci.yml"),
    ("gitignore", ".gitignore"),
    ("commitments/example/plan.yml.j2", "commitments/example/plan.yml"),
    ("commitments/example/01.yml.j2", "commitments/example/01.yml"),
    ("gitlab/issue_templates/Point-avancement.md",
     ".gitlab/issue_templates/Point-avancement.md"),
    ("gitlab/issue_templates/Progress-update.md", ".gitlab/issue_templates/Progress-update.md"),
    ("gitlab/issue_templates/Avis-societe-civile.md",
     ".gitlab/issue_templates/Avis-societe-civile.md"),
    ("gitlab/issue_templates/Civil-society-feedback.md",
     ".gitlab/issue_templates/Civil-society-feedback.md"),
)


def _yaml_str(value: str) -> str:
    # A JSON string is a valid double-quoted YAML scalar: safe whatever the value holds.
    return json.dumps(value, ensure_ascii=False)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FILES),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701  YAML and Markdown, not HTML: nothing to escape
    )
    env.filters["yaml_str"] = _yaml_str
    return env


def released_package() -> str:
    """The pip requirement a new repository installs: this very version, pinned."""
    return f"{PACKAGE}=={__version__}"


def render_pipeline(*, source: bool) -> str:
    """The ``.gitlab-ci.yml`` text: for a checkout of the tool (``source``) or a new repository.

    ``source`` installs the checkout (``pip install .``) and also runs the tool's tests; a new
    repository installs the released tool, pinned, so that an upgrade is a reviewed change.
    """
    template = _environment().get_template(PIPELINE_TEMPLATE)
    package = "." if source else released_package()
    return template.render(source=source, package=package)


@dataclass(frozen=True)
class Options:
    """What ``tracker init`` fills in."""

    gitlab_url: str | None = None
    project: str | None = None
    country: str = "XX"


def planned_files(options: Options) -> dict[str, str]:
    """Every file of a new tracker repository: relative path -> text."""
    if not re.fullmatch(r"[A-Z]{2}", options.country):
        raise InputError(f"country {options.country!r}: write the ISO 3166-1 alpha-2 code in "
                         "capitals (FR, CA, SN)")
    if options.gitlab_url and not re.match(r"https?://", options.gitlab_url):
        raise InputError(f"gitlab URL {options.gitlab_url!r}: write the full address, starting "
                         "with https:// (https://gitlab.example.org)")
    env = _environment()
    context = {
        "source": False,
        "package": released_package(),
        "gitlab_url": options.gitlab_url.rstrip("/") if options.gitlab_url else None,
        "project": options.project,
        "country": options.country,
    }
    files = {}
    for stored, written in _LAYOUT:
        if stored.endswith(".j2"):
            files[written] = env.get_template(stored).render(context)
        else:
            files[written] = (FILES / stored).read_text(encoding="utf-8")
    return files


def scaffold(target: Path, options: Options, *, force: bool = False) -> list[Path]:
    """Write a new tracker repository's files into ``target``; the paths written.

    Nothing is written when any of the files already exists, unless ``force``.
    """
    files = planned_files(options)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: not a folder; give the folder of the new repository")
    existing = sorted(name for name in files if (target / name).exists())
    if existing and not force:
        listed = ", ".join(existing)
        raise InputError(f"{target}: already has {listed}; nothing was written. Run it in an "
                         "empty folder, or add --force to replace these files")
    written = []
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
