"""Small helpers for the sentences the tracker prints."""

from __future__ import annotations


def count(n: int, word: str) -> str:
    """``1 error``, ``3 errors``: a number with its noun in English."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
