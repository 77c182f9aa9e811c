"""Run a push: observe GitLab, plan, apply, and again once for what the first round enabled.

The first round creates what is missing, each commitment's issue before its milestones', so
that a milestone's issue is created naming its parent and then related to it: two requests.
The second round writes each commitment's checklist with the new issue numbers. A run with
nothing to change stops after one read-only round.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker.config import Config
from tracker.errors import GitLabError, InputError
from tracker.files import write_atomic
from tracker.gitlab.client import GitLabClient, label_csv
from tracker.gitlab.http import UnknownOutcome
from tracker.gitlab.model import NEEDED_ROLE, Issue, LabelNames
from tracker.plan.model import PlanSet
from tracker.sync import block
from tracker.sync import identity as identity_module
from tracker.sync.actions import (
    Action,
    CloseDuplicate,
    Conflict,
    CreateIssue,
    CreateLabel,
    CreateMilestone,
    LinkIssues,
    MarkLeftPlan,
    Notice,
    Observed,
    TellOwner,
    UpdateIssue,
    UpdateMilestone,
)
from tracker.sync.desired import DesiredState, desired_state
from tracker.sync.evidence import (
    label_searches,
    labels_on_issues,
    milestones_on_issues,
    not_taken_off,
)
from tracker.sync.lease import Lease, gitlab_clock
from tracker.sync.planner import DUPLICATE_MARK, LEFT_PLAN_MARK, issue_url_iid, plan_of, plan_push
from tracker.sync.pushed import load_linked, pushed_path, save_pushed

ROUNDS = 2
FINDINGS_FORMAT = "ogp-tracker-push-findings"


class TooManyRemovals(InputError):
    """The push would mark more items as left the plan than it does without being told."""
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
    findings: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: created, updated, unchanged, conflicts."""
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.conflicts)} conflicts")


def existing_labels(client: GitLabClient, desired: DesiredState,
                    issues: tuple[Issue, ...]) -> frozenset[str]:
    """Which labels of the plan exist: those the issues carry, and of the others those a
    search by scope finds (or, when it costs no more, the listing of every label)."""
    wanted = [label.name for label in desired.labels]
    carried = labels_on_issues(wanted, issues)
    missing = [name for name in wanted if name not in carried]
    searches = label_searches(missing, len(wanted), desired.names)
    if searches is None:
        return client.label_names()
    return carried.union(*(client.label_names(term) for term in searches))


def observe(client: GitLabClient, desired: DesiredState, aliases: tuple[str, ...],
            known: Mapping[str, int]) -> Observed:
    """Read what the planner needs: the tracker's issues, labels, milestones, follow-ups.

    Labels and milestones the issues already show are not asked for again (see
    :mod:`tracker.sync.evidence`).
    """
    project = client.project()
    web_url = project.web_url
    identity, issues = identity_module.gather(
        client, desired.names, [d.key for d in desired.issues], known)
    seen = {issue.iid: issue for issue in issues}
    bound = {issue.iid for issue in identity.bound.values()}
    project_urls = (web_url, *aliases)
    adoptable = []
    for want in desired.issues:
        if want.key in identity.bound or not want.follow_up:
            continue
        iid = issue_url_iid(want.follow_up, project_urls)
        if iid is None or iid in bound:
            continue
        found = seen[iid] if iid in seen else client.issue(iid)
        if found is not None:
            adoptable.append(found)
    shown = (*issues, *adoptable)
    milestones = milestones_on_issues([m.title for m in desired.milestones], shown, project.id)
    return Observed(
        project_url=web_url,
        issues=issues,
        labels=existing_labels(client, desired, shown),
        milestones=milestones if milestones is not None else tuple(client.milestones()),
        adoptable=tuple(adoptable),
        identity=identity,
    )


def lost_labels(client: GitLabClient, desired: DesiredState, observed: Observed,
                actions: list[Action]) -> dict[int, frozenset[str]]:
    """Per issue the plan would tell about an edit of its labels: the existing labels of the
    plan it lacks that nobody took off it, as its label events show (see
    :mod:`tracker.sync.evidence`). A label deleted from the project left it without an
    event, and was made again (by a push stopped before putting it back on every issue, or
    by hand): its absence is no one's edit there. Labels that do not exist need no asking.
    """
    wanted = {d.key: d.labels for d in desired.issues}
    shown = {issue.iid: issue for issue in observed.issues}
    out: dict[int, frozenset[str]] = {}
    for iid, key in sorted({(a.iid, a.key) for a in actions
                            if isinstance(a, TellOwner) and a.field_name == "labels"}):
        issue = shown.get(iid)
        if issue is None:
            continue
        lacking = (wanted.get(key, frozenset()) & observed.labels) - frozenset(issue.labels)
        if lacking:
            lost = not_taken_off(lacking, client.label_events(iid))
            if lost:
                out[iid] = lost
    return out


def told(client: GitLabClient, actions: list[Action]) -> frozenset[str]:
    """Which of the planned notes to owners are already on their issues (by marker)."""
    tells = [a for a in actions if isinstance(a, TellOwner)]
    found: set[str] = set()
    for iid in sorted({a.iid for a in tells}):
        bodies = [note.body for note in client.notes(iid)]
        found.update(a.marker for a in tells if a.iid == iid and any(a.marker in b for b in bodies))
    return frozenset(found)


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
        self.created: dict[str, int] = {}
        self.linked: set[int] = set()
        self.written: dict[int, str] = {}  # issue → its updated_at after this run's last write
        self.keep_lease: Callable[[], None] = lambda: None

    def run(self, actions: list[Action]) -> None:
        for action in actions:
            self.apply(action)
            self.progress(action)
            if action.writes:
                self.keep_lease()

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
        elif isinstance(action, CloseDuplicate):
            self._close_duplicate(action)
            self.result.updated += 1
        elif isinstance(action, TellOwner):
            self.client.create_note(action.iid, action.body)
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
        parent = action.parent_iid or self.created.get(action.parent_key or "")
        description = action.description
        if parent and not action.parent_iid:  # the parent was created earlier in this run
            parsed = block.parse(description)
            assert parsed is not None  # the planner wrote this block
            description = block.replace(description, block.render(
                parsed.key, parsed.hashes, parsed.body, parent))
        fields = {"title": action.title, "description": description,
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
        self.created[action.key] = made.iid
        self._wrote(made)
        if parent:  # its block names the parent already: relating them is the one write left
            self.client.link_issues(made.iid, parent)
            self.linked.add(made.iid)

    def _wrote(self, issue: Issue) -> None:
        if issue.updated_at is not None:
            self.written[issue.iid] = issue.updated_at.isoformat()

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
        self._wrote(self.issues[action.iid])

    def _link(self, action: LinkIssues) -> None:
        self.client.link_issues(action.iid, action.target_iid)
        self.linked.add(action.iid)
        if action.recorded:
            return
        current = self.issues.get(action.iid)
        parsed = block.parse(current.description if current else None)
        if current is None or parsed is None:
            return
        marker = block.render(parsed.key, parsed.hashes, parsed.body, action.target_iid)
        self.issues[action.iid] = self.client.update_issue(
            action.iid, {"description": block.replace(current.description, marker)})
        self._wrote(self.issues[action.iid])

    def _close_duplicate(self, action: CloseDuplicate) -> None:
        # The note first, marked, so a crash before the close cannot lead to a second note.
        if not any(DUPLICATE_MARK in note.body for note in self.client.notes(action.iid)):
            self.client.create_note(action.iid, action.note)
        self.client.update_issue(action.iid, {"state_event": "close",
                                              "remove_labels": self.names.sync,
                                              "description": action.description})

    def _left_plan(self, action: MarkLeftPlan) -> None:
        # The note first, marked, so a crash before the label cannot lead to a second note.
        notes = self.client.notes(action.iid)
        if not any(LEFT_PLAN_MARK in note.body for note in notes):
            self.client.create_note(action.iid, action.note)
        self.issues[action.iid] = self.client.update_issue(
            action.iid, {"add_labels": action.label, "description": action.description})


REMOVALS_ALLOWED = 20  # more items marked as left in one push need --allow-removals
REMOVALS_SHARE = 0.10  # likewise more than this share of one plan's issues (and over 3)


def _check_removals(actions: list[Action], observed: Observed, names: LabelNames) -> None:
    """Refuse to mark many items as left the plan at once: a wrong folder, most likely."""
    left = [a for a in actions if isinstance(a, MarkLeftPlan)]
    if not left:
        return
    per_plan = Counter(plan_of(i, names) for i in observed.issues)
    leaving = Counter(plan_of(i, names) for a in left for i in observed.issues if i.iid == a.iid)
    too_many = len(left) > REMOVALS_ALLOWED or any(
        count > 3 and count > REMOVALS_SHARE * per_plan[plan] for plan, count in leaving.items())
    if too_many:
        plans = ", ".join(f"{count} of {per_plan[plan]} in {plan or 'an unknown plan'}"
                          for plan, count in sorted(leaving.items(), key=str))
        raise TooManyRemovals(
            f"this push would mark {len(left)} items as no longer in the plan ({plans}). "
            "Nothing was written. If the plan really dropped them, run again with "
            "--allow-removals; if not, check the folder you pushed (tracker push --dry-run "
            "lists them).")


def preflight(client: GitLabClient) -> None:
    """Stop before any write when the token's role cannot do the push's writes."""
    connection = client.connect()
    if connection.is_admin:
        return
    level = client.access_level(connection.user.id)
    if level < NEEDED_ROLE:
        raise GitLabError(
            f"the token signs in as {connection.user.username}, who is {level.role} in "
            f"{connection.project.path}: the tracker needs the {NEEDED_ROLE.role} role or more "
            "to label and edit issues and to create labels and milestones. Nothing was "
            f"written. Give the token the {NEEDED_ROLE.role} role (project Settings > Access "
            "tokens, or Manage > Members), then run again.", operation="checking the role")


def _findings(actions: list[Action]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for action in actions:
        if isinstance(action, TellOwner):
            out.setdefault(action.key, []).append(
                {"kind": action.kind, "field": action.field_name})
    return out


def save_findings(path: Path, findings: dict[str, list[dict[str, str]]]) -> None:
    """What the push left for people to decide, per item: the pull adds it to the snapshot."""
    write_atomic(path, json.dumps({"format": FINDINGS_FORMAT, "version": 1,
                                   "items": findings}, indent=1) + "\n")


def findings_path(snapshot_path: Path) -> Path:
    """Beside the snapshot."""
    return snapshot_path.with_name("push-findings.json")


def push(
    config: Config,
    plans: PlanSet,
    *,
    dry_run: bool = False,
    scope: frozenset[str] | None = None,
    allow_removals: bool = False,
    progress: Callable[[Action], None] = lambda action: None,
    on_plan: Callable[[list[Action]], None] = lambda actions: None,
    on_wait: Callable[[str], None] = lambda message: None,
    client: GitLabClient | None = None,
) -> PushResult:
    """Make the GitLab project match ``plans``; with ``dry_run``, only say what would change.

    ``scope``: the plans this push is about (None: every plan); issues of other plans are
    neither read for removal nor written.
    """
    client = client or GitLabClient.from_config(config)
    connection = client.connect()
    # GitLab's time against this machine's, taken now: anything slow after connecting (the
    # published open data, the plan) must not shift it.
    clock = gitlab_clock(connection.server_time)
    names = LabelNames(config.label_prefix)
    desired = desired_state(plans, names, config.report_url)
    known_file = identity_module.known_path(config.snapshot)
    known = identity_module.known_items(known_file, connection.project.web_url,
                                        config.report_url)
    result = PushResult()
    lease = Lease(client, names.lease, ttl=config.lease_ttl, wait=config.lease_wait,
                  poll=config.lease_poll, on_wait=on_wait, now=clock)
    bound: dict[str, int] = {}
    linked = load_linked(pushed_path(config.snapshot), connection.project.web_url)
    written: dict[int, str] = {}
    try:
        for round_number in range(1, ROUNDS + 2):
            log.info("push, round %d: reading the project's issues, labels and milestones",
                     round_number)
            observed = replace(observe(client, desired, config.project_aliases, known | bound),
                               linked=frozenset(linked))
            assert observed.identity is not None
            bound.update((key, issue.iid) for key, issue in observed.identity.bound.items())
            actions = plan_push(desired, observed, config.project_aliases, scope)
            lost = lost_labels(client, desired, observed, actions)
            if lost:  # a deleted label, made again: no one's edit, so put it back
                observed = replace(observed, lost_labels=lost)
                actions = plan_push(desired, observed, config.project_aliases, scope)
            if round_number == 1:  # what is left for people, told already or not
                result.findings = _findings(actions)
            already = told(client, actions)
            if already:  # the same situation never gets a second note
                observed = replace(observed, told=already)
                actions = plan_push(desired, observed, config.project_aliases, scope)
            log.info("push, round %d: %d actions planned, %d of them writes", round_number,
                     len(actions), sum(a.writes for a in actions))
            writes = [a for a in actions if a.writes]
            if not result.planned:
                result.planned = actions
                if not allow_removals and not dry_run:
                    _check_removals(actions, observed, names)
            if dry_run or not writes:
                result.conflicts = [a for a in actions if isinstance(a, Conflict)]
                result.notices = [a for a in actions if isinstance(a, Notice)]
                break
            if not lease.held:
                preflight(client)
                lease.acquire()
                continue  # GitLab may have changed while we waited: look again
            on_plan(writes)
            result.conflicts, result.notices = [], []
            applier = _Applier(client, desired, observed, result, progress)
            applier.keep_lease = lease.keep
            applier.run(actions)
            bound.update(applier.created)
            linked |= applier.linked
            written |= applier.written
            if not any(isinstance(a, CreateIssue) or (isinstance(a, UpdateIssue) and a.adopt)
                       for a in writes):
                break  # only new issues give the next round anything to link or list
    finally:
        lease.release()
    if not dry_run:
        identity_module.save_known(known_file, connection.project.web_url, bound)
        save_findings(findings_path(config.snapshot), result.findings)
        save_pushed(pushed_path(config.snapshot), connection.project.web_url, written, linked)
    touched = {a.key for a in result.planned if isinstance(a, CreateIssue | UpdateIssue)}
    result.unchanged = max(0, len(desired.issues) - len(touched))
    return result
