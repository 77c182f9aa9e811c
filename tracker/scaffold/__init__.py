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
from importlib import metadata
from pathlib import Path
from typing import Literal

import jinja2
import yaml

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
    """The pip requirement a new repository installs: exactly the running tool.

    Installed from a package index (PyPI, a GitLab package registry): ``ogp-tracker==X.Y.Z``.
    Installed from a web address of the tool's repository (an archive at a tag, or git at a
    commit, as pip recorded it in ``direct_url.json``, PEP 610): that address, which any CI
    runner can reach too. A local folder or file is no address for CI: the version, pinned.
    """
    try:
        recorded = metadata.distribution(PACKAGE).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    if recorded:
        origin = json.loads(recorded)
        url = str(origin.get("url", ""))
        if url.startswith(("https://", "http://")):
            vcs = origin.get("vcs_info")
            if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
                return f"{PACKAGE} @ git+{url}@{vcs['commit_id']}"
            if "archive_info" in origin:
                return f"{PACKAGE} @ {url}"
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


Outcome = Literal["ok", "warn"]


@dataclass(frozen=True)
class PipelineInstall:
    """Whether the pipeline installs the tool that is running: one line for ``tracker doctor``."""

    outcome: Outcome
    message: str


def _pinned_version(requirement: str) -> str | None:
    found = re.fullmatch(rf"\s*{re.escape(PACKAGE)}\s*===?\s*v?([^\s;,]+)\s*", requirement,
                         re.IGNORECASE)
    if found:
        return found.group(1)
    tagged = re.search(r"[/@]v?(\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc|\.post|\.dev)\d+)?)"
                       r"(?:\.tar\.gz|\.zip|/|$)", requirement)
    return tagged.group(1) if tagged else None


def check_pipeline_install(folder: Path = Path()) -> PipelineInstall | None:
    """Compare what ``.gitlab-ci.yml`` installs (``TRACKER_PACKAGE``) with the running tool.

    ``None`` when the folder has no ``.gitlab-ci.yml``. A pipeline that installs another
    version than the one checked here would behave differently: ``warn``, with the one-line
    change that makes them agree.
    """
    path = folder / ".gitlab-ci.yml"
    if not path.is_file():
        return None
    try:
        pipeline = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return PipelineInstall("warn", f".gitlab-ci.yml cannot be read ({error.__class__.__name__})"
                               ": GitLab will refuse it too; compare it with the one "
                               "`tracker init` writes")
    variables = pipeline.get("variables") if isinstance(pipeline, dict) else None
    wanted = variables.get("TRACKER_PACKAGE") if isinstance(variables, dict) else None
    running = released_package()
    if not isinstance(wanted, str) or not wanted.strip():
        return PipelineInstall("warn", ".gitlab-ci.yml sets no TRACKER_PACKAGE, so what the "
                               f"pipeline installs is unknown: set it to \"{running}\"")
    if wanted.strip() in (".", running):
        return PipelineInstall("ok", f"the pipeline installs {wanted.strip()}, as here "
                               f"(version {__version__})")
    version = _pinned_version(wanted)
    if version == __version__:
        return PipelineInstall("ok", f"the pipeline installs version {version}, as here")
    installs = f"version {version}" if version else wanted.strip()
    return PipelineInstall("warn", f"the pipeline installs {installs} ({wanted.strip()}), but "
                           f"this is version {__version__}: what passes here may not pass "
                           "there. To upgrade the pipeline, set TRACKER_PACKAGE in "
                           f".gitlab-ci.yml to \"{running}\" in a merge request; or install "
                           "the pipeline's version here")
