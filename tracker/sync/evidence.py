"""What the issues a push reads already prove about the project's labels and milestones,
computed without I/O.

GitLab shows on an issue only labels that exist: deleting a label takes it off every issue.
So a label of the plan that some issue of the project carries exists, and only the others
need asking about. Those are few and alike in a settled project (the status and completion
labels people pick from, ``left-plan``), and a search per scope finds them however many
commitments the plan has, where listing every label costs a page per hundred of them.

Only existence is proven, as the label listing proved it: the push creates a missing label
and never edits one that exists (its colour and description are the owners' to change).

Deleting a label writes no label event on the issues it leaves (GitLab destroys the label's
links to them, and the events that named it lose their label), while a person taking a label
off an issue writes a ``remove`` event naming it. So a label an issue lacks that no event of
the issue names as removed was not taken off by anyone: it was deleted, and perhaps made
again since, by a push that stopped before putting it back or by hand.

Likewise an issue shows its milestone whole (title, dates, and the project it belongs to):
when the issues show each plan's milestone, the milestone listing would tell nothing more.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable

from tracker.gitlab.model import Issue, LabelEvent, LabelNames, Milestone

PAGE = 100  # labels per page of GitLab's listing, as the client asks for them


def labels_on_issues(wanted: Iterable[str], issues: Iterable[Issue]) -> frozenset[str]:
    """The ``wanted`` label names that one of ``issues`` carries: each of them exists."""
    carried = {name for issue in issues for name in issue.labels}
    return frozenset(name for name in wanted if name in carried)


def not_taken_off(lacking: Iterable[str], events: Iterable[LabelEvent]) -> frozenset[str]:
    """Of the labels an issue ``lacking``, those none of its label ``events`` removed."""
    removed = {event.label for event in events if event.action == "remove"}
    return frozenset(name for name in lacking if name not in removed)


def search_term(name: str, names: LabelNames) -> str:
    """What to search for to find label ``name`` and its siblings: its scope (``status::``,
    ``theme:``), else the whole name. Each word of it is in the name, so GitLab's fuzzy
    search, which wants every word in the title (or in the description), finds the label."""
    head, sep, _ = name.partition("::")
    if sep:
        return head + sep
    theme = names.theme("").strip()
    return theme if name.startswith(theme) else name


def label_searches(missing: Collection[str], wanted: int,
                   names: LabelNames) -> tuple[str, ...] | None:
    """The searches that find the ``missing`` labels (or tell they are gone), or None when
    listing every label costs no more.

    ``wanted``, the number of labels the plan needs, is a floor of the labels there are, so
    ``ceil(wanted / 100)`` is the fewest pages the whole listing takes; a search takes a page
    per hundred labels of its scope it is to find, at least.
    """
    if not missing:
        return ()
    groups: dict[str, int] = {}
    for name in sorted(missing):
        term = search_term(name, names)
        groups[term] = groups.get(term, 0) + 1
    searching = sum(math.ceil(count / PAGE) for count in groups.values())
    listing = math.ceil(wanted / PAGE)
    return tuple(groups) if searching <= listing else None


def milestones_on_issues(titles: Collection[str], issues: Iterable[Issue],
                         project_id: int) -> tuple[Milestone, ...] | None:
    """This project's milestones named ``titles``, as ``issues`` show them; None when one of
    the titles is on none of them (only the listing can tell whether it exists).

    A group's milestone of the same title is not the project's: the listing, which shows only
    the project's own, would not have shown it either.
    """
    found: dict[str, Milestone] = {}
    for issue in issues:
        milestone = issue.milestone
        if milestone is not None and milestone.project_id == project_id \
                and milestone.title in titles:
            found.setdefault(milestone.title, milestone)
    return tuple(found.values()) if len(found) == len(set(titles)) else None
