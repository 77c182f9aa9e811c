"""OGP Tracker: follow up Open Government Partnership action plans through GitLab issues."""

__version__ = "0.1.0.dev0"
