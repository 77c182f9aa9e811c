"""Run a push: observe GitLab, plan, apply, and again once for what the first round enabled.

The first round creates what is missing; the second links each milestone's issue to its
commitment's and writes the commitment's checklist with the new issue numbers. A run with
nothing to change stops after one read-only round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.config import Config
from tracker.gitlab.client import GitLabClient, UnknownOutcome, label_csv
from tracker.gitlab.model import Issue, LabelNames
from tracker.plan.model import PlanSet
from tracker.sync import block
from tracker.sync.actions import (
    Action,
    Conflict,
    CreateIssue,
    CreateLabel,
    CreateMilestone,
    LinkIssues,
    MarkLeftPlan,
    Notice,
    Observed,
    UpdateIssue,
    UpdateMilestone,
)
from tracker.sync.desired import DesiredState, desired_state
from tracker.sync.planner import LEFT_PLAN_MARK, issue_url_iid, plan_push

ROUNDS = 2
log = logging.getLogger("tracker.push")


@dataclass
class PushResult:
    """What a push did, for the summary line."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    planned: list[Action] = field(default_factory=list)

    def summary(self) -> str:
        """One line: created, updated, unchanged, conflicts."""
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.conflicts)} conflicts")


def observe(client: GitLabClient, desired: DesiredState, aliases: tuple[str, ...]) -> Observed:
    """Read what the planner needs: managed issues, labels, milestones, follow-up issues."""
    issues = client.managed_issues(desired.names.sync)
    web_url = client.project().web_url
    known = {parsed.key for issue in issues if (parsed := block.parse(issue.description))}
    managed_iids = {issue.iid for issue in issues}
    project_urls = (web_url, *aliases)
    adoptable = []
    for want in desired.issues:
        if want.key in known or not want.follow_up:
            continue
        iid = issue_url_iid(want.follow_up, project_urls)
        if iid is not None and iid not in managed_iids:
            found = client.issue(iid)
            if found is not None:
                adoptable.append(found)
    return Observed(
        project_url=web_url,
        issues=tuple(issues),
        labels=client.label_names(),
        milestones=tuple(client.milestones()),
        adoptable=tuple(adoptable),
    )


class _Applier:
    """Performs actions in order, remembering what each write returned."""

    def __init__(self, client: GitLabClient, desired: DesiredState, observed: Observed,
                 result: PushResult, progress: Callable[[Action], None]) -> None:
        self.client = client
        self.names = desired.names
        self.result = result
        self.progress = progress
        self.milestone_ids = {m.title: m.id for m in observed.milestones}
        self.issues: dict[int, Issue] = {i.iid: i for i in observed.issues}
        self.issues.update({i.iid: i for i in observed.adoptable})

    def run(self, actions: list[Action]) -> None:
        for action in actions:
            self.apply(action)
            self.progress(action)

    def apply(self, action: Action) -> None:
        if isinstance(action, CreateLabel):
            self.client.create_label(action.name, action.color, action.description)
        elif isinstance(action, CreateMilestone):
            self._create_milestone(action)
        elif isinstance(action, UpdateMilestone):
            self.client.update_milestone(action.milestone_id, action.changes)
        elif isinstance(action, CreateIssue):
            self._create_issue(action)
            self.result.created += 1
        elif isinstance(action, UpdateIssue):
            self._update_issue(action)
            self.result.updated += 1
        elif isinstance(action, LinkIssues):
            self._link(action)
        elif isinstance(action, MarkLeftPlan):
            self._left_plan(action)
            self.result.updated += 1
        elif isinstance(action, Conflict):
            self.result.conflicts.append(action)
        elif isinstance(action, Notice):
            self.result.notices.append(action)

    def _create_milestone(self, action: CreateMilestone) -> None:
        fields = {"title": action.title, "description": action.description,
                  "start_date": action.start_date, "due_date": action.due_date}
        try:
            made = self.client.create_milestone(fields)
        except UnknownOutcome:
            found = {m.title: m for m in self.client.milestones()}.get(action.title)
            made = found or self.client.create_milestone(fields)
        self.milestone_ids[made.title] = made.id

    def _milestone_id(self, title: str | None) -> int:
        return self.milestone_ids.get(title or "", 0)

    def _create_issue(self, action: CreateIssue) -> None:
        fields = {"title": action.title, "description": action.description,
                  "labels": label_csv(action.labels),
                  "milestone_id": self._milestone_id(action.milestone_title) or None}
        if action.due_date:
            fields["due_date"] = action.due_date
        try:
            made = self.client.create_issue(fields)
        except UnknownOutcome:
            # GitLab may have created it: look for its marker before trying again.
            made = self._find_created(action.key) or self.client.create_issue(fields)
        self.issues[made.iid] = made

    def _find_created(self, key: str) -> Issue | None:
        for issue in self.client.recent_managed_issues(self.names.sync):
            parsed = block.parse(issue.description)
            if parsed and parsed.key == key:
                return issue
        return None

    def _update_issue(self, action: UpdateIssue) -> None:
        changes: dict[str, object] = {}
        for name, value in action.changes.items():
            if name == "milestone_title":
                changes["milestone_id"] = self._milestone_id(value)
            elif name == "due_date":
                changes["due_date"] = value or ""
            else:
                changes[name] = value
        if action.add_labels:
            changes["add_labels"] = label_csv(action.add_labels)
        if action.remove_labels:
            changes["remove_labels"] = label_csv(action.remove_labels)
        self.issues[action.iid] = self.client.update_issue(action.iid, changes)

    def _link(self, action: LinkIssues) -> None:
        self.client.link_issues(action.iid, action.target_iid)
        current = self.issues.get(action.iid)
        parsed = block.parse(current.description if current else None)
        if current is None or parsed is None:
            return
        marker = block.render(parsed.key, parsed.hashes, parsed.body, action.target_iid)
        self.issues[action.iid] = self.client.update_issue(
            action.iid, {"description": block.replace(current.description, marker)})

    def _left_plan(self, action: MarkLeftPlan) -> None:
        # The note first, marked, so a crash before the label cannot lead to a second note.
        notes = self.client.notes(action.iid)
        if not any(LEFT_PLAN_MARK in note.body for note in notes):
            self.client.create_note(action.iid, action.note)
        self.issues[action.iid] = self.client.update_issue(
            action.iid, {"add_labels": action.label, "description": action.description})


def push(
    config: Config,
    plans: PlanSet,
    *,
    dry_run: bool = False,
    progress: Callable[[Action], None] = lambda action: None,
    on_plan: Callable[[list[Action]], None] = lambda actions: None,
    client: GitLabClient | None = None,
) -> PushResult:
    """Make the GitLab project match ``plans``; with ``dry_run``, only say what would change."""
    client = client or GitLabClient.from_config(config)
    client.connect()
    names = LabelNames(config.label_prefix)
    desired = desired_state(plans, names, config.report_url)
    result = PushResult()
    for round_number in range(1, ROUNDS + 1):
        log.info("push, round %d: reading the project's issues, labels and milestones",
                 round_number)
        observed = observe(client, desired, config.project_aliases)
        actions = plan_push(desired, observed, config.project_aliases)
        log.info("push, round %d: %d actions planned, %d of them writes", round_number,
                 len(actions), sum(a.writes for a in actions))
        if not result.planned:
            result.planned = actions
        writes = [a for a in actions if a.writes]
        if dry_run or not writes:
            result.conflicts = [a for a in actions if isinstance(a, Conflict)]
            result.notices = [a for a in actions if isinstance(a, Notice)]
            break
        on_plan(writes)
        result.conflicts, result.notices = [], []
        _Applier(client, desired, observed, result, progress).run(actions)
        if not any(isinstance(a, CreateIssue) or (isinstance(a, UpdateIssue) and a.adopt)
                   for a in writes):
            break  # only new issues give the next round anything to link or list
    touched = {a.key for a in result.planned if isinstance(a, CreateIssue | UpdateIssue)}
    result.unchanged = max(0, len(desired.issues) - len(touched))
    return result
