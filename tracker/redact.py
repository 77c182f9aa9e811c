"""One redaction of the token, for everything the tool prints, logs or raises.

A token can come back in forms an exact match misses: URL-encoded in a link, escaped inside
JSON, quoted by ``repr`` in a traceback, cut short or glued to other text by a proxy that echoes
request headers. So besides its usual encodings, any run of :data:`MIN_RUN` or more characters
of it is masked: a fragment that long cannot be a coincidence, and a fragment shorter than that
does not let anyone guess the token.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "[MASKED]"
MIN_RUN = 8


def _variants(secret: str) -> set[str]:
    every = "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in secret)  # over-encoded
    return {secret, quote(secret, safe=""), quote_plus(secret), every, json.dumps(secret)[1:-1],
            repr(secret)[1:-1], html.escape(secret), secret.encode("unicode_escape").decode()}


class Redactor:
    """Masks the given secrets, and any long fragment of them, in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._runs: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Mask ``secret`` too (ignored when empty)."""
        if not secret:
            return
        for variant in _variants(secret):
            width = min(MIN_RUN, len(variant))
            self._runs.update(variant[i:i + width] for i in range(len(variant) - width + 1))

    def __bool__(self) -> bool:
        return bool(self._runs)

    def __call__(self, text: str) -> str:
        """``text`` with every secret and long fragment of one replaced by ``[MASKED]``."""
        if not self._runs or not text:
            return text
        hidden = bytearray(len(text))
        for run in self._runs:
            start = text.find(run)
            while start != -1:
                hidden[start:start + len(run)] = b"\1" * len(run)
                start = text.find(run, start + 1)
        if not any(hidden):
            return text
        out: list[str] = []
        masking = False
        for char, flag in zip(text, hidden, strict=True):
            if flag:
                if not masking:
                    out.append(MASK)
                masking = True
            else:
                out.append(char)
                masking = False
        return "".join(out)
