"""Logging for ``--verbose``, with the token masked in every record.

python-gitlab sends the token only as a header, and the tracker never logs it; this filter is
the second lock on the door: whatever a library logs, the token's value comes out masked.
"""

from __future__ import annotations

import logging
import os

from tracker.config import TOKEN_VARIABLE

MASK = "[MASKED]"


class RedactToken(logging.Filter):
    """Replace the token's value in a record's final message."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, MASK), None
        return True


def setup_verbose() -> None:
    """Log the tracker's and the HTTP layer's debug records to standard error."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    secret = os.environ.get(TOKEN_VARIABLE)
    if secret:
        handler.addFilter(RedactToken(secret))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
