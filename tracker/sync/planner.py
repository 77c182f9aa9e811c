"""Plan a push: desired state and observed state in, a list of actions out. No I/O.

For each YAML-owned field of an existing issue the planner compares three values: what the
YAML wants, what GitLab has, and what the last push wrote (a hash in the managed block).
GitLab unchanged since the last push: the YAML wins. GitLab changed and the YAML did not:
the person's edit stays and is reported. Both changed, differently: a conflict, reported and
left alone. Nothing is ever deleted. A label of the plan deleted from the project left every
issue at once: that is no person's edit of an issue, so the label goes back where it was.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

from tracker.gitlab.model import Issue, LabelNames
from tracker.i18n import N_
from tracker.sync import block
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
from tracker.sync.desired import DesiredIssue, DesiredState, issue_text, render_body
from tracker.sync.identity import resolve

_FIELD_NAMES = {"t": "title", "b": "description", "d": "due date", "m": "milestone",
                "l": "labels"}

LEFT_PLAN_MARK = "<!-- ogp-tracker:left-plan -->"
DUPLICATE_MARK = "<!-- ogp-tracker:duplicate -->"
TOLD_MARK = "<!-- ogp-tracker:told"


def left_plan_note(languages: Iterable[str]) -> str:
    """The note on the issue of an item that left the plan, in the plan's languages."""
    said = [issue_text(lang, "This item is no longer in the action plan: the issue is kept, "
                             "nothing is deleted.") for lang in languages]
    return LEFT_PLAN_MARK + "\n" + "\n\n".join(said)


def issue_url_iid(url: str, project_urls: Iterable[str]) -> int | None:
    """The iid of a follow-up link when it points at this project (or a former address)."""
    for base in project_urls:
        match = re.fullmatch(re.escape(base.rstrip("/")) + r"(?:/-)?/issues/(\d+)", url)
        if match:
            return int(match[1])
    return None


def plan_push(
    desired: DesiredState,
    observed: Observed,
    project_aliases: tuple[str, ...] = (),
    scope: frozenset[str] | None = None,
) -> list[Action]:
    """Every action that makes GitLab match ``desired``, in the order to apply them.

    ``scope`` names the plans this push is about (None: all of them): an item is marked as
    left the plan only when its plan is in scope.
    """
    names = desired.names
    actions: list[Action] = [
        CreateLabel(label.name, label.color, label.description)
        for label in desired.labels
        if label.name not in observed.labels
    ]
    # A label of the plan that does not exist is new, or was deleted: deleting a label takes
    # it off every issue, which is no one's edit of an issue. Those, and the labels an issue
    # lost without anyone taking them off (``observed.lost_labels``), count as still on the
    # issue if the last push had written them there: they go back on it, with no note.
    absent = frozenset(a.name for a in actions if isinstance(a, CreateLabel))
    milestones = {m.title: m for m in observed.milestones}
    for goal in desired.milestones:
        existing = milestones.get(goal.title)
        if existing is None:
            actions.append(CreateMilestone(goal.plan_id, goal.title, goal.description,
                                           goal.start_date, goal.due_date))
            continue
        changes = {k: v for k, v in (("start_date", goal.start_date),
                                     ("due_date", goal.due_date)) if getattr(existing, k) != v}
        if changes:
            actions.append(UpdateMilestone(existing.id, existing.title, changes))

    wanted_keys = {d.key for d in desired.issues}
    identity = observed.identity or resolve(wanted_keys, observed.issues, {})
    index = dict(identity.bound)
    adoptable = {issue.iid: issue for issue in observed.adoptable}
    project_urls = (observed.project_url, *project_aliases)
    refs = {key: issue.iid for key, issue in index.items()}
    closed = frozenset(key for key, issue in index.items() if issue.state == "closed")
    titles = {d.key: d.title for d in desired.issues}

    for key, newer in sorted(identity.extra.items()):
        actions.extend(_close_duplicate(key, issue, index[key], desired.languages)
                       for issue in newer)

    start = len(actions)
    adopted: list[Action] = []
    # New commitments' issues come first, so that each new milestone's issue is created
    # already naming its parent (one write fewer per milestone). Every other action on a
    # commitment comes after its milestones': its checklist lists them, and listing a
    # milestone is what says it was related to its parent (see _listed).
    first: list[Action] = []
    ordered = sorted(desired.issues, key=lambda d: d.kind == "commitment")
    for want in ordered:
        body = render_body(want, titles, refs, closed)
        have = index.get(want.key)
        if have is None:
            target = issue_url_iid(want.follow_up, project_urls) if want.follow_up else None
            candidate = adoptable.get(target) if target is not None else None
            if candidate is not None:
                adopted.append(_adopt(want, candidate, body, names))
                continue
            out = first if want.kind == "commitment" else actions
            if want.follow_up and target is None:
                out.append(Notice(want.key, f"its follow-up issue {want.follow_up} is not "
                                            "in this project: a new issue is created"))
            parent = index.get(want.commitment_id) if want.kind == "milestone" else None
            out.append(_create(want, body, parent.iid if parent else None))
            continue
        if block.parse(have.description) is None:
            actions.extend(_repair(want, have, body, names))
            continue
        lost = absent | observed.lost_labels.get(have.iid, frozenset())
        actions.extend(a for a in _update(want, have, body, names, lost)
                       if not (isinstance(a, TellOwner) and a.marker in observed.told))
        if want.kind == "milestone":
            parent = index.get(want.commitment_id)
            current = block.parse(have.description)
            if parent and current and current.link != parent.iid:
                actions.append(LinkIssues(want.key, have.iid, want.commitment_id, parent.iid))
            elif (parent and current and have.iid not in observed.linked
                  and not _listed(parent, have.iid)):
                # Created naming its parent, but a run stopped before the parent's checklist
                # listed it: the relation may be missing. Making it again is harmless.
                actions.append(LinkIssues(want.key, have.iid, want.commitment_id, parent.iid,
                                          recorded=True))
    actions[start:start] = first
    actions.extend(adopted)

    for key, gone in sorted(index.items()):
        if key in wanted_keys or block.parse(gone.description) is None:
            continue
        in_scope = scope is None or plan_of(gone, names) in scope
        if in_scope and names.left_plan not in gone.labels:
            actions.append(_left_plan(key, gone, names, desired.languages))
    return actions


def plan_of(issue: Issue, names: LabelNames) -> str | None:
    """The plan an issue's item belonged to, from its ``plan::`` label (None if it lost it)."""
    head = f"{names.prefix}plan::"
    return next((label[len(head):] for label in issue.labels if label.startswith(head)), None)


def _close_duplicate(key: str, issue: Issue, kept: Issue,
                     languages: tuple[str, ...]) -> CloseDuplicate:
    said = [issue_text(lang, "This issue duplicates #%(kept)s, which follows the same item "
                             "of the action plan: the tracker closed it. Nothing is deleted; "
                             "please continue on #%(kept)s.") % {"kept": kept.iid}
            for lang in languages]
    description = (issue.description or "").replace(block.BEGIN, block.BROKEN)
    return CloseDuplicate(key, issue.iid, kept.iid, DUPLICATE_MARK + "\n" + "\n\n".join(said),
                          description)


def _repair(want: DesiredIssue, have: Issue, body: str, names: LabelNames) -> list[Action]:
    """Put back the managed block (below the people's text) and the labels of a bound issue."""
    block_text = block.render(want.key, _hashes(_fields(want, body), want.labels), body)
    lost = "managed block" if names.sync in have.labels else "managed block and sync label"
    return [
        Notice(want.key, f"issue #{have.iid} had lost its {lost}: repaired, the people's text "
                         "kept above the block"),
        _take_over(want, have, block.append(have.description, block_text), names,
                   f"repaired: {lost}", repair=True),
    ]


def _take_over(want: DesiredIssue, have: Issue, description: str, names: LabelNames,
               what: str, *, repair: bool = False) -> UpdateIssue:
    """Make an issue without a block the item's: block, plan-owned fields and labels."""
    changes: dict[str, str | None] = {"description": description}
    if have.title != want.title:
        changes["title"] = want.title
    if have.due_date != want.due_date:
        changes["due_date"] = want.due_date
    if have.milestone_title != want.milestone_title:
        changes["milestone_title"] = want.milestone_title
    reserved = _reserved(have.labels, names)
    return UpdateIssue(
        key=want.key, iid=have.iid, changes=changes,
        add_labels=tuple(sorted(want.labels - frozenset(have.labels))),
        remove_labels=tuple(sorted(reserved - want.labels)),
        fields=(what,), adopt=True, repair=repair,
    )


def _reserved(labels: Iterable[str], names: LabelNames) -> frozenset[str]:
    return frozenset(name for name in labels if names.is_reserved(name))


def _fields(want: DesiredIssue, body: str) -> dict[str, str | None]:
    return {"t": want.title, "b": body, "d": want.due_date, "m": want.milestone_title}


def _hashes(values: Mapping[str, str | None], labels: Iterable[str]) -> dict[str, str]:
    out = {name: block.fingerprint(value) for name, value in values.items() if name != "b"}
    out["b"] = block.body_fingerprint(values["b"] or "")
    out["l"] = block.fingerprint(labels)
    return out


def _listed(parent: Issue, iid: int) -> bool:
    """Whether the parent's checklist (or a parent without a block) already names ``iid``."""
    current = block.parse(parent.description)
    return current is None or re.search(rf"^\s*- \[[ xX]\] #{iid} ", current.body,
                                        re.MULTILINE) is not None


def _create(want: DesiredIssue, body: str, parent_iid: int | None) -> CreateIssue:
    hashes = _hashes(_fields(want, body), want.labels)
    milestone = want.kind == "milestone"
    return CreateIssue(
        key=want.key,
        title=want.title,
        description=block.render(want.key, hashes, body, parent_iid),
        labels=tuple(sorted(want.labels)),
        due_date=want.due_date,
        milestone_title=want.milestone_title,
        parent_key=want.commitment_id if milestone else None,
        parent_iid=parent_iid,
    )


def _adopt(want: DesiredIssue, have: Issue, body: str, names: LabelNames) -> Action:
    if block.parse(have.description) is not None:
        return Notice(want.key, f"its follow-up issue #{have.iid} is managed for another item")
    hashes = _hashes(_fields(want, body), want.labels)
    description = block.replace(have.description, block.render(want.key, hashes, body))
    return _take_over(want, have, description, names, "adopted: managed block, title, labels")


def _update(
    want: DesiredIssue, have: Issue, body: str, names: LabelNames,
    lost: frozenset[str] = frozenset(),
) -> list[Action]:
    """``lost``: labels that left the issue without anyone taking them off (deleted from the
    project): those the plan wants count as still on it, and go back on it."""
    current = block.parse(have.description)
    assert current is not None  # the index holds only issues with a block
    desired = _fields(want, body)
    actual: dict[str, str | None] = {
        "t": have.title, "b": current.body, "d": have.due_date, "m": have.milestone_title,
    }
    reserved = _reserved(have.labels, names)
    gone = (want.labels - reserved) & lost
    out: list[Action] = []
    new_hashes = dict(current.hashes)
    changes: dict[str, str | None] = {}
    changed_fields: list[str] = []
    put_back: frozenset[str] = frozenset()

    for name in ("t", "b", "d", "m", "l"):
        if name == "l":
            want_hash = block.fingerprint(want.labels)
            held = _held(reserved, gone, current.hashes.get(name), want_hash)
            have_hash = block.fingerprint(held)
            same = reserved == want.labels
        elif name == "b":
            want_hash = block.body_fingerprint(desired["b"] or "")
            have_hash = block.body_fingerprint(actual["b"] or "")
            same = (desired["b"] or "").strip() == (actual["b"] or "").strip()
        else:
            want_hash = block.fingerprint(desired[name])
            have_hash = block.fingerprint(actual[name])
            same = desired[name] == actual[name]
        stored = current.hashes.get(name)
        if same:
            new_hashes[name] = want_hash
            continue
        # Equal hashes with unequal values: only checklist ticks differ, so refresh them.
        people_edited = stored is not None and have_hash != stored and want_hash != have_hash
        if people_edited:
            if stored == want_hash:
                out.append(Notice(want.key, f"issue #{have.iid}: the {_FIELD_NAMES[name]} was "
                                            "edited on GitLab; kept. Change the YAML to match, "
                                            "or undo the edit on GitLab"))
                out.append(_tell(want, have, "kept-edit", name, have_hash, want_hash))
                if name == "l":  # the plan and the issue had them: the edit was not that
                    put_back = gone
            else:
                out.append(Conflict(want.key, have.iid, _FIELD_NAMES[name],
                                    "edited on GitLab and changed in the YAML since the last "
                                    "push: left as it is on GitLab; reconcile them by hand"))
                out.append(_tell(want, have, "conflict", name, have_hash, want_hash))
            continue
        changed_fields.append(_FIELD_NAMES[name])
        new_hashes[name] = want_hash
        if name == "t":
            changes["title"] = want.title
        elif name == "d":
            changes["due_date"] = want.due_date
        elif name == "m":
            changes["milestone_title"] = want.milestone_title

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    if "labels" in changed_fields:
        add = tuple(sorted(want.labels - reserved))
        remove = tuple(sorted(reserved - want.labels))
    elif put_back:
        add = tuple(sorted(put_back | ({names.sync} - reserved)))
        changed_fields.append("labels put back")
    elif names.sync not in have.labels:
        # The sync label is how the tracker lists its issues, not a field people decide on:
        # whoever cleared the labels, it goes back (their other choices stay).
        add = (names.sync,)
        changed_fields.append("sync label")
    body_now = desired["b"] if "description" in changed_fields else current.body
    link = current.link
    new_block = block.render(want.key, new_hashes, body_now or "", link)
    old_block = block.render(want.key, current.hashes, current.body, link)
    if new_block != old_block:
        changes["description"] = block.replace(have.description, new_block)
    if changes or add or remove:
        out.append(UpdateIssue(want.key, have.iid, changes, add, remove,
                               tuple(changed_fields)))
    return out


LOST_TRIED = 8  # more lost labels than this on one issue: only all or none are tried


def _held(reserved: frozenset[str], lost: frozenset[str], stored: str | None,
          want_hash: str) -> frozenset[str]:
    """The plan's labels an issue has as far as people decided: those it carries, and those
    of ``lost`` (taken off by no one) that the last push had written on it.

    The block keeps only a fingerprint of what the last push wrote. When the plan's labels
    are unchanged since, that is the plan's labels: all of ``lost``. Otherwise a lost label
    may be one the plan has just gained (it did not exist: the push creates it), never on
    the issue: the ones that were are those whose return gives the fingerprint back. None
    fitting means people changed the labels too: the issue's own labels are what they left.
    """
    if not lost or stored is None:
        return reserved
    if stored == want_hash:
        return reserved | lost
    names = sorted(lost)
    sizes = range(len(names), -1, -1) if len(names) <= LOST_TRIED else (len(names), 0)
    for size in sizes:
        for some in itertools.combinations(names, size):
            if block.fingerprint(reserved | frozenset(some)) == stored:
                return reserved | frozenset(some)
    return reserved


_TOLD = {
    "kept-edit": N_(
        "**On GitLab, someone changed %(field)s of this issue, which no longer matches the "
        "action plan.** The tracker kept the change. Who decides: the commitment's owner, with "
        "the open-government team. To settle it, change the plan (its YAML file) to match, or "
        "restore on GitLab what the plan says."),
    "conflict": N_(
        "**Since the last sync, someone changed %(field)s of this issue both on GitLab and in "
        "the action plan.** The tracker left the issue as it is. Who decides: the commitment's "
        "owner, with the open-government team. To settle it, make the plan (its YAML file) "
        "and the issue say the same, by editing one or the other."),
}
_FIELD_WORDS = {"t": N_("the title"), "b": N_("the description"), "d": N_("the due date"),
                "m": N_("the milestone"), "l": N_("the labels")}


def _tell(want: DesiredIssue, have: Issue, kind: str, name: str, have_hash: str,
          want_hash: str) -> TellOwner:
    """One note for the owners, in the plan's languages; its marker names the situation."""
    marker = f"{TOLD_MARK} {kind} {name} {have_hash} {want_hash} -->"
    said = [issue_text(lang, _TOLD[kind]) % {"field": issue_text(lang, _FIELD_WORDS[name])}
            for lang, _ in want.sections]
    return TellOwner(want.key, have.iid, kind, _FIELD_NAMES[name], marker,
                     marker + "\n" + "\n\n".join(said))


def _left_plan(key: str, have: Issue, names: LabelNames,
               languages: tuple[str, ...]) -> MarkLeftPlan:
    current = block.parse(have.description)
    assert current is not None
    hashes = dict(current.hashes)
    hashes["l"] = block.fingerprint(_reserved(have.labels, names) | {names.left_plan})
    description = block.replace(
        have.description, block.render(key, hashes, current.body, current.link)
    )
    return MarkLeftPlan(key, have.iid, names.left_plan, left_plan_note(languages),
                        description)
