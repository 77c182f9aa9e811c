"""Keep GitLab from running quick actions hidden in text the tracker writes.

GitLab reads every line of an issue description or a note that starts with ``/`` and a command
name (``/close``, ``/label ~x``, ``/due tomorrow``...) as a quick action: it runs it and
removes the line. Plan text is Markdown written by people, so a context paragraph with a line
starting ``/close`` would close its issue on every push, and the stored description would never
match what was sent (endless drift).

:func:`neutralise` rewrites each such line so that GitLab shows it and does not run it:
``/close`` becomes ``\\/close``, a CommonMark backslash escape that renders as ``/close``.
Which lines count is decided with GitLab's own rule (``Gitlab::QuickActions::Extractor``): a
slash at the very start of a line, a word, then a space or the end of the line; lines inside
GitLab's skipped regions (fenced ````` code, inline code spans, HTML blocks, ``>>>`` quotes)
are left alone, because GitLab leaves them alone too. Any word counts, not only today's
commands, so a command added in a later GitLab version is covered as well.

GitLab also deletes every carriage return and trailing whitespace from the text it stores;
:func:`neutralise` does the same, so that what the tracker sends is exactly what GitLab keeps
and hashes of the sent text stay stable. The result is a fixed point:
``neutralise(neutralise(text)) == neutralise(text)``.

Known limit: where GitLab runs a command that Markdown shows as code (a ``~~~`` fence, an
unclosed ````` fence), the escaped line shows its backslash; it must be defused all the same.
"""

from __future__ import annotations

import re

__all__ = ["neutralise"]

# GitLab's Extractor#commands_regex with any word as the command name. Ruby's ``m`` flag is
# Python's DOTALL; Ruby's ``^``/``$`` always work per line (MULTILINE); Ruby's \s and \w are
# ASCII. The alternatives are tried in GitLab's order, which decides what counts as code.
_GITLAB_COMMAND_LINES = re.compile(
    r"""
      (?P<code>^```.+?\n```$)
    | (?P<inline_code>^.*`\n*.+?\n*`$)
    | (?P<html>^<[^>]+?>\n.+?\n</[^>]+?>$)
    | (?P<quote>^>>>.+?\n>>>$)
    | (?P<command>^/\w+(?:[ ][^\n]*)?(?:\s*\n|$))
    """, re.MULTILINE | re.DOTALL | re.IGNORECASE | re.VERBOSE | re.ASCII)

# Where the command branch could match at all: without such a line the rule changes nothing.
_COMMAND_START = re.compile(r"^/\w", re.MULTILINE | re.ASCII)


def _escape(match: re.Match[str]) -> str:
    if match.group("command") is None:
        return match.group(0)  # a region GitLab skips: keep it byte for byte
    return "\\" + match.group(0)


def neutralise(markdown: str) -> str:
    """``markdown`` as GitLab will store it, with every would-be quick action escaped.

    >>> neutralise("Context\\r\\n/close\\n  /label ~x\\n")
    'Context\\n\\\\/close\\n  /label ~x'
    """
    text = markdown.replace("\r", "")
    if _COMMAND_START.search(text) is None:  # the common case, and GitLab's rule is costly:
        return text.rstrip()  # its code-span branch scans to the end from every line start
    return _GITLAB_COMMAND_LINES.sub(_escape, text).rstrip()
