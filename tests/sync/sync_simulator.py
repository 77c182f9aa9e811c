"""Apply push actions the way GitLab would, to an observed state: for planner tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from tracker.gitlab.model import Issue, Milestone
from tracker.sync import block
from tracker.sync.actions import (
    Action,
    CreateIssue,
    CreateLabel,
    CreateMilestone,
    LinkIssues,
    MarkLeftPlan,
    Observed,
    TellOwner,
    UpdateIssue,
)

PROJECT = "https://gitlab.example/ogp/suivi"


def apply(observed: Observed, actions: list[Action]) -> Observed:
    """Apply actions the way GitLab would, to a new observed state."""
    issues = {i.iid: i for i in observed.issues}
    labels = set(observed.labels)
    milestones = list(observed.milestones)
    told = set(observed.told)
    linked = set(observed.linked)
    created: dict[str, int] = {}
    for action in actions:
        if isinstance(action, CreateLabel):
            labels.add(action.name)
        elif isinstance(action, CreateMilestone):
            milestones.append(Milestone(len(milestones) + 1, action.title, "",
                                                action.start_date, action.due_date, "active"))
        elif isinstance(action, CreateIssue):
            iid = max(issues, default=0) + 1
            description = action.description
            parent = action.parent_iid or created.get(action.parent_key or "")
            if parent and not action.parent_iid:  # as the applier does
                parsed = block.parse(description)
                assert parsed is not None
                description = block.replace(description, block.render(
                    parsed.key, parsed.hashes, parsed.body, parent))
            if parent:
                linked.add(iid)
            created[action.key] = iid
            issues[iid] = Issue(iid, action.title, description, "opened",
                                        action.labels, action.due_date, 1,
                                        action.milestone_title, f"{PROJECT}/-/issues/{iid}")
        elif isinstance(action, UpdateIssue | MarkLeftPlan):
            old = issues[action.iid]
            if isinstance(action, MarkLeftPlan):
                action = UpdateIssue(action.key, action.iid, {"description": action.description},
                                     (action.label,))
            changes = {k: v for k, v in action.changes.items() if k != "milestone_title"}
            if "milestone_title" in action.changes:
                changes["milestone_title"] = action.changes["milestone_title"]
            new_labels = (set(old.labels) | set(action.add_labels)) - set(action.remove_labels)
            issues[action.iid] = dataclasses.replace(old, labels=tuple(sorted(new_labels)),
                                                     **changes)  # type: ignore[arg-type]
        elif isinstance(action, TellOwner):
            told.add(action.marker)
        elif isinstance(action, LinkIssues):
            linked.add(action.iid)
            if action.recorded:
                continue
            old = issues[action.iid]
            parsed = block.parse(old.description)
            assert parsed is not None
            marker = block.render(parsed.key, parsed.hashes, parsed.body, action.target_iid)
            issues[action.iid] = dataclasses.replace(
                old, description=block.replace(old.description, marker))
    return dataclasses.replace(observed, issues=tuple(issues.values()),
                               labels=frozenset(labels), milestones=tuple(milestones),
                               told=frozenset(told), linked=frozenset(linked))


def converge(planner: Callable[[Observed], list[Action]], observed: Observed) -> Observed:
    """Plan and apply until nothing is left to write (at most three rounds)."""
    for _ in range(3):
        actions = [a for a in planner(observed) if a.writes]
        if not actions:
            return observed
        observed = apply(observed, actions)
    raise AssertionError("the push does not converge")


def writes(actions: list[Action]) -> list[Action]:
    """Only the actions that write."""
    return [a for a in actions if a.writes]


def edit(observed: Observed, key: str, **changes: object) -> Observed:
    """A person edits the issue of ``key`` on GitLab."""
    issues = []
    for issue in observed.issues:
        parsed = block.parse(issue.description)
        if parsed and parsed.key == key:
            issue = dataclasses.replace(issue, **changes)  # type: ignore[arg-type]
        issues.append(issue)
    return dataclasses.replace(observed, issues=tuple(issues))


def issue_of(observed: Observed, key: str) -> Issue:
    """The observed issue that carries ``key``'s marker."""
    for issue in observed.issues:
        parsed = block.parse(issue.description)
        if parsed and parsed.key == key:
            return issue
    raise KeyError(key)
