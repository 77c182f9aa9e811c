"""OGP Tracker: follow up Open Government Partnership action plans through GitLab issues."""

import functools

PACKAGE = "ogp-tracker"


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        # Written into the package's metadata at build time from the git tag (hatch-vcs).
        return version(PACKAGE)
    except PackageNotFoundError:  # pragma: no cover - only when run from a never-installed tree
        return "0.0.0"


def __getattr__(name: str) -> str:
    # ``__version__`` is read on first use: importlib.metadata costs about as much as the rest
    # of `tracker --help`, which every `import tracker.…` would otherwise pay.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
