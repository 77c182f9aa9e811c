"""Sync engine: push the plan to GitLab, pull status and comments back."""
