"""The fake's REST endpoints, one module per resource. Importing a module registers its
routes, so this package imports them all."""

from tracker.testing.fake_gitlab.endpoints import (  # noqa: F401 (registers the routes)
    events,
    instance,
    issues,
    labels,
    links,
    milestones,
    notes,
)
