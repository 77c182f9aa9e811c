"""OGP Tracker: follow up Open Government Partnership action plans through GitLab issues."""

from importlib.metadata import PackageNotFoundError, version

PACKAGE = "ogp-tracker"

try:
    # Written into the package's metadata at build time from the git tag (hatch-vcs).
    __version__ = version(PACKAGE)
except PackageNotFoundError:  # pragma: no cover - only when run from a never-installed tree
    __version__ = "0.0.0"
