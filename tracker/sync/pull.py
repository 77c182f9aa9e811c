"""Run a pull: bring status and public comments back from GitLab into the snapshot.

Only what may be public leaves this module: no confidential issue, no internal note, no
system note, no note by the tracker's own account, none by a moderated user.

It reads as little as it can:

- A cold pull (no snapshot yet, or ``--full``) lists the tracker's issues, then reads notes only
  of issues whose ``user_notes_count`` is not 0 (a count that includes internal notes: they are
  read, then left out), and label and state events only of milestone issues that may have
  changed since the push created or last wrote them: those that carry a status label, are
  closed, or whose ``updated_at`` is neither their ``created_at`` nor the time the push
  recorded after its last write (:mod:`tracker.sync.pushed`).
- Beside the snapshot, a small cache records each issue's ``updated_at``,
  ``user_notes_count``, labels and state, and GitLab's clock at the last pull and at the last
  full listing. The next pull lists only the issues updated since the last one
  (``updated_after``, minus :data:`OVERLAP` for GitLab's once-a-minute note bump and for clock
  skew) and reads again those whose fingerprint changed, or that were touched within two
  minutes of the last pull by someone else than the push. A deleted issue is never "updated",
  nor is an issue whose commenter GitLab has blocked, banned or deleted since: a full
  listing, every ``full_pull_every`` hours, notices the one and reads the comments again.

The snapshot is written first and the cache after it, atomically each: a crash can only make
the next pull fetch more.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tracker.config import Config
from tracker.files import write_atomic
from tracker.gitlab.client import GitLabClient
from tracker.gitlab.model import NEEDED_ROLE, Issue, LabelNames, Member, Note
from tracker.plan.model import Commitment, PlanSet
from tracker.snapshot import (
    NOTICE_CLAIMED_BY_SEVERAL,
    NOTICE_ISSUE_CONFIDENTIAL,
    NOTICE_ISSUE_DELETED,
    NOTICE_ISSUE_MOVED,
    NOTICE_SEVERAL_COMPLETION_LABELS,
    NOTICE_SEVERAL_STATUS_LABELS,
    AuthorRole,
    Comment,
    ItemState,
    LabelProblem,
    Project,
    PushFinding,
    Snapshot,
    StatusChange,
    load_snapshot,
    save_snapshot,
)
from tracker.snapshot import Issue as IssueState
from tracker.status import (
    COMPLETION_SCOPE,
    STATUS_SCOPE,
    Completion,
    Event,
    MilestoneStatus,
    completion_of,
    replay,
    status_of,
)
from tracker.sync import block
from tracker.sync import identity as identity_module
from tracker.sync.push import findings_path
from tracker.sync.pushed import load_pushed, pushed_path
from tracker.words import count

log = logging.getLogger("tracker.pull")

RECENT = dt.timedelta(minutes=2)
# GitLab moves updated_at for a new note at most once a minute (ThrottledTouch), and its clock
# and ours may differ a little: the incremental listing looks back this much further.
OVERLAP = dt.timedelta(minutes=5)
CACHE_VERSION = 2  # 2: the time of the last full listing; labels and state in fingerprints


@dataclass
class PullResult:
    """What a pull did, for the summary line."""

    items: int = 0
    fetched: int = 0
    comments: int = 0
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: items, issues read in detail, public comments."""
        return (f"{count(self.items, 'item')}, {count(self.fetched, 'issue')} read in "
                f"detail, {count(self.comments, 'public comment')}")


def _fingerprint(issue: Issue) -> list[Any]:
    """What says an issue changed. Labels and state too, though a change of them moves
    ``updated_at``: two changes within one tick of GitLab's clock would leave it as it was."""
    updated = issue.updated_at.isoformat() if issue.updated_at else None
    return [updated, issue.user_notes_count, sorted(issue.labels), issue.state]


def cache_path(snapshot_path: Path) -> Path:
    """Where the pull keeps what it saw, beside the snapshot."""
    return snapshot_path.with_name(snapshot_path.stem + ".cache.json")


def _load_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache, or a broken one: fetch everything, which is always safe
    return data if isinstance(data, dict) and data.get("version") == CACHE_VERSION else {}


def _scoped_values(labels: Iterable[str], prefix: str, scope: str) -> list[str]:
    head = f"{prefix}{scope}::"
    return [name[len(head):] for name in labels if name.startswith(head)]


def _created(issue: Issue) -> dt.datetime:
    return issue.created_at or issue.updated_at or dt.datetime.now(dt.UTC)


class _Reader:
    """Turns one issue and its notes and events into an :class:`ItemState`."""

    def __init__(self, client: GitLabClient, config: Config, names: LabelNames,
                 members: dict[int, Member], own_id: int) -> None:
        self.client = client
        self.names = names
        self.members = members
        self.moderated = set(config.moderated_users)
        self.own_id = own_id

    def events(self, iid: int, scope: str) -> list[Event]:
        head = f"{self.names.prefix}{scope}::"
        return [Event(e.created_at, e.action, e.label[len(head):], e.id)
                for e in self.client.label_events(iid)
                if e.label.startswith(head) and e.action in ("add", "remove")]

    def state_events(self, iid: int) -> list[Event]:
        return [Event(e.created_at, e.state, event_id=e.id)
                for e in self.client.state_events(iid)
                if e.state in ("closed", "reopened")]

    def is_public(self, note: Note) -> bool:
        return not (note.system or note.internal or note.author.id == self.own_id
                    or note.author.username in self.moderated)

    def comments(self, issue: Issue) -> tuple[tuple[Comment, ...], int]:
        """The public comments, and how many were left out for their author's account state."""
        if issue.user_notes_count == 0:
            return (), 0  # nobody wrote: no need to ask
        out = []
        hidden = 0
        for note in self.client.notes(issue.iid):
            if not self.is_public(note):
                continue
            if not note.author.is_active:  # blocked, banned or deleted: GitLab hides them too
                hidden += 1
                continue
            member = self.members.get(note.author.id)
            role: AuthorRole = ("administration" if member and member.access_level >= NEEDED_ROLE
                                else "civil_society")
            out.append(Comment(
                id=note.id, author_name=note.author.name,
                author_username=note.author.username, created_at=note.created_at,
                # Someone may paste the tracker's token into a comment: it is never republished.
                body=self.client.redact(note.body), author_role=role,
                web_url=f"{issue.web_url}#note_{note.id}",
            ))
        return tuple(out), hidden

    def last_added(self, issue: Issue, scope: str,
                   events: list[Event] | None = None) -> tuple[str | None, bool]:
        """The value of the issue's ``scope::`` label, and whether it carries several.

        On GitLab Free an issue can carry two labels of one scope: the one added last wins,
        as the label events tell (read only when needed, unless given).
        """
        current = _scoped_values(issue.labels, self.names.prefix, scope)
        if len(current) <= 1:
            return (current[0] if current else None), False
        if events is None:
            events = self.events(issue.iid, scope)
        added = {e.value: e.at for e in events if e.kind == "add"}
        oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
        return max(current, key=lambda value: added.get(value, oldest)), True

    def milestone(self, issue: Issue, untouched: bool = False) -> ItemState:
        """``untouched``: nobody changed the issue since the push wrote it, so its status
        history is its labels and state now: events are read only when those say more."""
        status_labels = _scoped_values(issue.labels, self.names.prefix, STATUS_SCOPE)
        label_events = self.events(issue.iid, STATUS_SCOPE) \
            if status_labels or not untouched else []
        state_events = self.state_events(issue.iid) \
            if issue.state == "closed" or not untouched else []
        events = label_events + state_events
        history = replay(_created(issue), events)
        label, several = self.last_added(issue, STATUS_SCOPE, label_events)
        status = status_of(issue.state == "closed", [label] if label else [])
        if history[-1][0] != status:  # events incomplete: trust what the issue shows now
            history.append((status, issue.updated_at or _created(issue)))
        comments, hidden = self.comments(issue)
        return ItemState(
            issue=_issue_state(issue), status=status, status_since=history[-1][1],
            history=tuple(StatusChange(str(s), at) for s, at in history),
            comments=comments, hidden_comments=hidden,
            notices=(NOTICE_SEVERAL_STATUS_LABELS,) if several else (),
        )

    def commitment(self, issue: Issue) -> tuple[ItemState, str | None]:
        """The commitment's issue and comments, and the completion label people chose."""
        label, several = self.last_added(issue, COMPLETION_SCOPE)
        comments, hidden = self.comments(issue)
        state = ItemState(issue=_issue_state(issue), comments=comments, hidden_comments=hidden,
                          notices=(NOTICE_SEVERAL_COMPLETION_LABELS,) if several else ())
        return state, label


def _shape(label: str) -> str:
    """A label as its author probably meant it: lower case, ``::`` between scope and value."""
    text = re.sub(r"\s*:+\s*", "::", label.strip().lower(), count=1)
    return re.sub(r"[\s_]+", "-", text)


def label_problems(labels: Iterable[str], names: LabelNames) -> tuple[LabelProblem, ...]:
    """Labels that look like a status or completion label but are not one, with the closest."""
    valid = [names.status(s) for s in MilestoneStatus] + \
        [names.completion(c) for c in Completion]
    scopes = [f"{names.prefix}{STATUS_SCOPE}", f"{names.prefix}{COMPLETION_SCOPE}"]
    found = []
    for label in labels:
        if label in valid:
            continue
        shaped = _shape(label)
        scope = shaped.split("::", 1)[0] if "::" in shaped else shaped.split("-", 1)[0]
        if not difflib.get_close_matches(scope, scopes, n=1, cutoff=0.75):
            continue  # a label of people's own, not an attempt at a status
        close = [shaped] if shaped in valid else \
            difflib.get_close_matches(shaped, valid, n=1, cutoff=0.8)
        found.append(LabelProblem(label, close[0] if close else None))
    return tuple(found)


def _load_findings(path: Path) -> dict[str, tuple[PushFinding, ...]]:
    """What the last push left for people to decide, per item (nothing if no push ran here)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(key): tuple(PushFinding(kind=f["kind"], field=str(f["field"]))
                                for f in found if f.get("kind") in ("kept-edit", "conflict"))
                for key, found in data["items"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _issue_state(issue: Issue) -> IssueState:
    created = _created(issue)
    return IssueState(
        iid=issue.iid, web_url=issue.web_url,
        state="closed" if issue.state == "closed" else "opened",
        created_at=created, updated_at=issue.updated_at or created,
        closed_at=issue.closed_at,
    )


def _commitment(
    c: Commitment, state: ItemState, milestones: dict[str, ItemState], label: str | None,
) -> ItemState:
    """Completion: the level people chose with a label, else derived from the milestones."""
    merged = sorted((change.since, m.id, change.status) for m, _ in c.walk()
                    if (child := milestones.get(m.id)) for change in child.history)
    latest: dict[str, MilestoneStatus] = {}
    history: list[StatusChange] = []
    for since, child_id, status in merged:
        latest[child_id] = MilestoneStatus(status)
        level = completion_of(list(latest.values()))
        if not history or history[-1].status != level:
            history.append(StatusChange(str(level), since))
    derived = completion_of([now for m, _ in c.walk() if (child := milestones.get(m.id))
                             and (now := child.status) is not None])
    if label in set(Completion):
        return replace(state, completion=Completion(label), completion_source="label",
                       history=tuple(history))
    return replace(state, completion=derived, completion_source="derived",
                   history=tuple(history))


def _time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _bind_changed(keys: Iterable[str], known: dict[str, int], changed: Iterable[Issue],
                  names: LabelNames) -> dict[str, Issue] | None:
    """The changed issues by the item they follow, when no issue changed hands since the last
    pull; None when one may have (a block lost, copied or moved): then everything is listed.
    """
    wanted = set(keys)
    key_of = {iid: key for key, iid in known.items()}
    bound: dict[str, Issue] = {}
    for issue in changed:
        claimed = block.claimed_key(issue.description)
        was = key_of.get(issue.iid)
        if claimed is None and was is None:
            continue  # an issue of people's own
        if claimed is None:
            return None  # a followed issue lost its block
        if was is not None and claimed != was:
            return None  # it claims another item now
        if was is None and (claimed in known or names.sync not in issue.labels):
            return None  # a second claim on a followed item, or one without the sync label
        if claimed in wanted:
            bound[claimed] = issue
    return bound


def pull(
    config: Config,
    plans: PlanSet,
    *,
    snapshot_path: Path,
    full: bool = False,
    progress: Callable[[int, int], None] = lambda done, total: None,
    client: GitLabClient | None = None,
) -> PullResult:
    """Read GitLab and write the snapshot at ``snapshot_path``; the result for the summary."""
    client = client or GitLabClient.from_config(config)
    connection = client.connect()
    names = LabelNames(config.label_prefix)
    now = connection.server_time or dt.datetime.now(dt.UTC)
    previous = None if full else load_snapshot(snapshot_path)
    cache = {} if full or previous is None else _load_cache(cache_path(snapshot_path))
    seen: dict[str, Any] = cache.get("issues", {})
    last_pull = _time(cache.get("server_time"))
    full_at = _time(cache.get("full_at"))

    keys = [(c, key) for c in plans.commitments()
            for key in (c.id, *(m.id for m, _ in c.walk()))]
    web_url = connection.project.web_url
    known_file = identity_module.known_path(snapshot_path)
    known = identity_module.known_items(known_file, web_url, config.report_url)
    if previous is not None:
        known = {key: state.issue.iid for key, state in previous.items.items()
                 if state.issue is not None} | known
    pushed = load_pushed(pushed_path(snapshot_path), web_url)

    bound: dict[str, Issue] | None = None
    # Listing only what changed is safe when GitLab's clock dates the last pull (this
    # machine's may run ahead of GitLab's stamps) and every item of the plan was read then
    # (an item pushed from elsewhere, or a plan pulled alone before, was never listed).
    if (previous is not None and last_pull is not None and full_at is not None
            and connection.server_time is not None
            and all(previous.item(key) is not None for _, key in keys)
            and now - full_at < dt.timedelta(hours=config.full_pull_every)):
        log.info("pull: listing the issues updated since the last pull")
        changed = client.issues_updated_since(last_pull - OVERLAP)
        bound = _bind_changed([key for _, key in keys], known, changed, names)
        if bound is None:
            log.info("pull: an issue changed hands since the last pull: listing them all")
    incremental = bound is not None
    others: dict[str, tuple[int, ...]] = {}
    if bound is None:
        log.info("pull: finding the tracker's issues")
        identity, _ = identity_module.gather(client, names, [key for _, key in keys], known,
                                             search=set(known))
        bound = dict(identity.bound)
        others = {key: tuple(other.iid for other in extra)
                  for key, extra in identity.extra.items()}
        full_at = now
    elif previous is not None:
        others = {key: state.other_issues for key, state in previous.items.items()
                  if state.other_issues}
    members = client.members()
    reader = _Reader(client, config, names, members, connection.user.id)

    result = PullResult()
    claimed: list[str] = []  # project-wide notices: ids claimed by several issues
    items: dict[str, ItemState] = {}
    chosen: dict[str, str | None] = {}  # completion label people set, by commitment
    new_seen: dict[str, Any] = {}

    def keep(key: str, old_state: ItemState) -> None:
        """The item as the last pull left it: unchanged, so are its labels, and the
        completion level they chose."""
        items[key] = old_state
        if old_state.completion_source == "label":
            chosen[key] = old_state.completion

    log.info("pull: reading %d items", len(keys))
    for done, (commitment, key) in enumerate(keys, 1):
        progress(done, len(keys))
        issue = bound.get(key)
        old_state = previous.item(key) if previous else None
        if issue is None and incremental:
            if old_state is not None:  # not updated since the last pull: as it was
                keep(key, old_state)
                if old_state.issue is not None and str(old_state.issue.iid) in seen:
                    new_seen[str(old_state.issue.iid)] = seen[str(old_state.issue.iid)]
            if key in others and key in known:
                claimed.append(_claimed_notice(key, known[key], others[key]))
            continue
        if issue is None:
            if old_state is not None and old_state.issue:
                items[key] = ItemState(notices=(NOTICE_ISSUE_DELETED,))
            continue
        if others.get(key):
            claimed.append(_claimed_notice(key, issue.iid, others[key]))
        if issue.confidential:
            items[key] = ItemState(notices=(NOTICE_ISSUE_CONFIDENTIAL,))
            continue
        fingerprint = _fingerprint(issue)
        new_seen[str(issue.iid)] = fingerprint
        # Touched just before the last pull: a note deleted and another added within GitLab's
        # minute of throttling leave both updated_at and the count as they were, so read it
        # again; unless that touch was the push's own write (a push runs right before a pull).
        recent = (last_pull is not None and issue.updated_at is not None
                  and issue.updated_at >= last_pull - RECENT
                  and pushed.get(issue.iid) != issue.updated_at.isoformat())
        if (old_state is not None and not recent and not full
                and seen.get(str(issue.iid)) == fingerprint):
            keep(key, old_state)
            if not incremental and (old_state.comments or old_state.hidden_comments):
                # On a full listing, comments are read again: an author GitLab has blocked,
                # banned or deleted since leaves the issue's updated_at as it was.
                asked = client.requests
                comments, hidden = reader.comments(issue)
                items[key] = replace(old_state, comments=comments, hidden_comments=hidden)
                result.fetched += client.requests > asked  # none when the count fell to 0
            continue
        asked = client.requests
        if key == commitment.id:
            items[key], chosen[key] = reader.commitment(issue)
        else:
            items[key] = reader.milestone(issue, untouched=old_state is None and _untouched(
                issue, pushed))
        if client.requests > asked:  # its notes or events had to be asked for
            result.fetched += 1
        if issue.moved_to_id:
            items[key] = replace(items[key], notices=(*items[key].notices, NOTICE_ISSUE_MOVED))
        items[key] = replace(items[key], label_problems=label_problems(issue.labels, names))

    findings = _load_findings(findings_path(snapshot_path))
    for key, item in list(items.items()):
        # Applied to every item, read again or not: moderation and findings are of now.
        item_others = others.get(key, ())
        items[key] = replace(
            item,
            comments=tuple(c for c in item.comments if c.author_username not in reader.moderated),
            push_findings=findings.get(key, ()),
            other_issues=item_others,
            notices=tuple(n for n in item.notices if n != NOTICE_CLAIMED_BY_SEVERAL)
            + ((NOTICE_CLAIMED_BY_SEVERAL,) if item_others else ()),
        )

    milestone_states = {k: v for k, v in items.items() if v.status is not None}
    for commitment in plans.commitments():
        state = items.get(commitment.id)
        if state is not None and state.issue is not None:
            items[commitment.id] = _commitment(commitment, state, milestone_states,
                                               chosen.get(commitment.id))

    result.notices = claimed + [f"{key}: {notice}" for key, state in sorted(items.items())
                                for notice in state.notices]
    result.items = len(items)
    result.comments = sum(len(s.comments) for s in items.values())
    snapshot = Snapshot(
        generated_at=now,
        project=Project(web_url=connection.project.web_url, path=connection.project.path),
        items=items,
        notices=tuple(claimed),
    )
    save_snapshot(snapshot, snapshot_path)
    identity_module.save_known(known_file, web_url,
                               {key: issue.iid for key, issue in bound.items()})
    # After the snapshot: a crash in between leaves an old cache, which only costs re-reading.
    write_atomic(cache_path(snapshot_path), json.dumps(
        {"version": CACHE_VERSION, "issues": new_seen,
         "server_time": connection.server_time.isoformat() if connection.server_time else None,
         "full_at": full_at.isoformat() if full_at else None}))
    log.info("pull: snapshot written to %s", snapshot_path)
    return result


def _claimed_notice(key: str, iid: int, others: tuple[int, ...]) -> str:
    return (f"{key}: issues {', '.join(f'#{i}' for i in others)} claim it too; "
            f"#{iid}, the oldest, is read (the next push closes the others)")


def _untouched(issue: Issue, pushed: dict[int, str]) -> bool:
    """Whether nobody changed the issue since the push created it or last wrote it.

    Any change of labels or state moves ``updated_at``; so does a comment, at most once a
    minute, which costs only reading events that say nothing new.
    """
    if issue.updated_at is None:
        return False
    return issue.updated_at == issue.created_at or \
        pushed.get(issue.iid) == issue.updated_at.isoformat()
