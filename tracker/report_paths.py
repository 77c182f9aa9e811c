"""Where each page of the report lives, relative to the site's root.

One place for these paths: the report writes its pages there, its templates link to them,
and the push writes links from each GitLab issue to its commitment's page. It sits outside
``tracker.report`` so the push does not load the report's template and Markdown machinery.
"""

from __future__ import annotations

# What the report writes in each language's folder beside the plans' folders: a plan whose id
# is one of these would overwrite it (or be overwritten).
SITE_NAMES = frozenset({"attention", "data.html", "feed.xml", "index.html"})


def plan_path(lang: str, plan_id: str) -> str:
    """The overview page of a plan."""
    return f"{lang}/{plan_id}/index.html"


def commitment_path(lang: str, plan_id: str, commitment_id: str, ext: str = "html") -> str:
    """A commitment's page (``html``) or feed (``xml``)."""
    return f"{lang}/{plan_id}/commitments/{commitment_id}.{ext}"


def institutions_path(lang: str, plan_id: str) -> str:
    """The list of a plan's lead institutions."""
    return f"{lang}/{plan_id}/institutions/index.html"


def institution_path(lang: str, plan_id: str, slug: str) -> str:
    """A lead institution's page."""
    return f"{lang}/{plan_id}/institutions/{slug}.html"


# The open data's main document: every item with the address of its issue. The push reads it
# back from the published site when the map it keeps beside the snapshot is gone.
OPEN_DATA_PATH = "data/plan.json"
