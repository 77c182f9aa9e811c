"""A cheap guess of whether a comment is written in French or in English.

Comments carry no language, but a French page showing an English comment must say so with
``lang`` (screen readers switch voice, browsers hyphenate and translate by it). Counting the
short words each language cannot do without is enough for that: the guess is given only when
one language clearly wins, and no ``lang`` is better than a wrong one.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[a-zàâçéèêëîïôûùüÿœæ']+")
_FRENCH = ("le la les des du un une est et en au aux pour dans sur pas que qui nous vous avec "
           "sont été cette ce ces ont mais leur très avons plus")
_ENGLISH = ("the of and is are to in for this that with was were be been has have not we you "
            "it its our by from will")
_MARKERS = {"fr": frozenset(_FRENCH.split()), "en": frozenset(_ENGLISH.split())}
_MIN_HITS = 3  # fewer marker words than this, and a text is too short to tell


def guess_language(text: str) -> str | None:
    """``"fr"`` or ``"en"`` when one clearly dominates ``text``; None when unsure."""
    words = _WORDS.findall(text.lower().replace("’", "'"))
    hits = {lang: sum(word in markers for word in words) for lang, markers in _MARKERS.items()}
    best, second = sorted(hits, key=hits.__getitem__, reverse=True)
    if hits[best] >= _MIN_HITS and hits[best] >= 2 * hits[second]:
        return best
    return None
