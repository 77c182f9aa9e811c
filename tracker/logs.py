"""Logging for ``--verbose``: each step and HTTP request, with the token masked in every record.

python-gitlab sends the token only as a header, and the tracker never logs it; this filter is
the second lock on the door: whatever a library logs, the token comes out masked.
"""

from __future__ import annotations

import logging
import os
import sys

from tracker.config import TOKEN_VARIABLE
from tracker.redact import MASK, Redactor

__all__ = ["MASK", "RedactToken", "setup_verbose"]


class RedactToken(logging.Filter):
    """Replace the token, and any long fragment of it, in a record's final message."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.redact = Redactor([secret])

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_verbose() -> None:
    """Log the tracker's and the HTTP layer's debug records to standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    secret = os.environ.get(TOKEN_VARIABLE)
    if secret:
        handler.addFilter(RedactToken(secret))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "tracker_verbose", False)]:
        root.removeHandler(old)  # one run in a process that ran others (tests) logs once
    handler.tracker_verbose = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # tracker.gitlab logs one line per request without the host (an address may carry a
    # user and password); urllib3's own line would repeat it with the host.
    logging.getLogger("urllib3").setLevel(logging.INFO)
