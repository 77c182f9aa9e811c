"""The snapshot: what GitLab said about each tracked item, the last time ``tracker pull`` ran.

``tracker pull`` writes it; the report reads it and never talks to GitLab. The format is a
versioned JSON document described by ``tracker/schemas/snapshot.schema.json``::

    {"format": "ogp-tracker-snapshot", "version": 1, "generated_at": "...",
     "project": {...}, "items": {"<yaml id>": {...}}, "notices": [...]}

Its default place is :data:`DEFAULT_SNAPSHOT_PATH` (``.tracker/snapshot.json``), relative to
the folder the tracker runs in. Writing is atomic: a crash leaves the old file or the new one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tracker.errors import InputError
from tracker.files import write_atomic
from tracker.status import Completion, MilestoneStatus

FORMAT = "ogp-tracker-snapshot"
VERSION = 1
DEFAULT_SNAPSHOT_PATH = Path(".tracker") / "snapshot.json"

IssueState = Literal["opened", "closed"]
AuthorRole = Literal["administration", "civil_society"]
CompletionSource = Literal["derived", "label"]

# Codes `tracker pull` writes in `notices`; readers show unknown codes as they are.
NOTICE_ISSUE_DELETED = "issue-deleted"
NOTICE_ISSUE_MOVED = "issue-moved"
NOTICE_ISSUE_CONFIDENTIAL = "issue-confidential"
NOTICE_SEVERAL_STATUS_LABELS = "several-status-labels"
NOTICE_SEVERAL_COMPLETION_LABELS = "several-completion-labels"
NOTICE_CLAIMED_BY_SEVERAL = "claimed-by-several-issues"  # see ItemState.other_issues

FindingKind = Literal["kept-edit", "conflict"]


@dataclass(frozen=True)
class Project:
    """The GitLab project the issues live in."""

    web_url: str
    path: str


@dataclass(frozen=True)
class Issue:
    """The GitLab issue that mirrors one commitment or milestone."""

    iid: int
    web_url: str
    state: IssueState
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None = None


@dataclass(frozen=True)
class StatusChange:
    """The item took this status (or completion level) at ``since``."""

    status: str
    since: dt.datetime


@dataclass(frozen=True)
class Comment:
    """A public comment on an issue; ``body`` is untrusted Markdown."""

    id: int
    author_name: str
    author_username: str
    created_at: dt.datetime
    body: str
    author_role: AuthorRole
    web_url: str


@dataclass(frozen=True)
class LabelProblem:
    """A label on the item's issue that looks like a status or completion label but is not.

    ``suggestion`` is the closest valid label (``status::in-progress`` for
    ``Status::in-progres``), or None when none is close.
    """

    label: str
    suggestion: str | None = None


@dataclass(frozen=True)
class PushFinding:
    """What the last push left for a person to decide on this item's issue.

    ``kept-edit``: a person edited a plan-owned ``field`` on GitLab and the push kept it;
    ``conflict``: the field was edited on GitLab and changed in the plan, and was left alone.
    ``field`` is one of title, description, due date, milestone, labels.
    """

    kind: FindingKind
    field: str


@dataclass(frozen=True)
class ItemState:
    """What GitLab says about one commitment or milestone.

    ``status`` is a :class:`MilestoneStatus` value for milestones; commitments carry
    ``completion`` instead (and usually no status). ``history`` lists status changes, oldest
    first; for a commitment it lists completion levels.
    """

    issue: Issue | None = None
    status: MilestoneStatus | None = None
    status_since: dt.datetime | None = None
    history: tuple[StatusChange, ...] = ()
    completion: Completion | None = None
    completion_source: CompletionSource | None = None
    comments: tuple[Comment, ...] = ()
    notices: tuple[str, ...] = ()
    label_problems: tuple[LabelProblem, ...] = ()
    push_findings: tuple[PushFinding, ...] = ()
    # Newer issues that claim this item too (the oldest, ``issue``, is the one read).
    other_issues: tuple[int, ...] = ()
    # Public comments left out because their author is blocked, banned or deleted on GitLab.
    hidden_comments: int = 0


@dataclass(frozen=True)
class Snapshot:
    """Everything the report needs from GitLab, keyed by YAML id."""

    generated_at: dt.datetime
    project: Project
    items: Mapping[str, ItemState] = field(default_factory=dict)
    notices: tuple[str, ...] = ()

    def item(self, item_id: str) -> ItemState | None:
        """The state of the commitment or milestone with this YAML id, if pulled."""
        return self.items.get(item_id)


# --- reading -------------------------------------------------------------------------------


def load_snapshot(path: Path) -> Snapshot | None:
    """Read the snapshot at ``path``; None when there is no file yet.

    Raises :class:`InputError` when the file is not JSON, is another format or version, or
    does not match the schema: the message names the file and what is wrong.
    """
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the snapshot: {error}") from error
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: the snapshot is not valid JSON (line {error.lineno}, column "
            f"{error.colno}: {error.msg}); run `tracker pull` again to rebuild it"
        ) from error
    return snapshot_from_dict(data, source=str(path))


def snapshot_from_dict(data: Any, source: str = "snapshot") -> Snapshot:
    """Build a :class:`Snapshot` from its decoded JSON; :class:`InputError` if it is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{source}: not an OGP Tracker snapshot (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise InputError(
            f"{source}: snapshot version {data.get('version')!r} is not supported (this tracker "
            f"reads version {VERSION}); run `tracker pull` with this version to rebuild it"
        )
    try:
        # Fast path: building the objects checks enums, times and shape as it goes; the full
        # schema (slow on 50,000 comments) only runs to explain what is wrong.
        return _snapshot(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        errors = _schema_errors(data)
        if errors:
            listed = "\n".join(f"  - {message}" for message in errors[:20])
            more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
            raise InputError(
                f"{source}: the snapshot does not match its schema:\n{listed}{more}"
            ) from error
        raise InputError(f"{source}: the snapshot holds an impossible value: {error}") from error


def _snapshot(data: dict[str, Any]) -> Snapshot:
    project = data["project"]
    return Snapshot(
        generated_at=_datetime(data["generated_at"]),
        project=Project(web_url=_text(project["web_url"]), path=_text(project["path"])),
        items={_text(key): _item(value) for key, value in data["items"].items()},
        notices=tuple(_text(notice) for notice in data.get("notices", ())),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not a whole number")
    return value


def _choice(value: Any, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _status(value: Any) -> str:
    if value not in _HISTORY_VALUES:
        raise ValueError(f"{value!r} is neither a status nor a completion level")
    return str(value)


_HISTORY_VALUES = frozenset({*MilestoneStatus, *Completion})


def _schema_errors(data: Any) -> list[str]:
    # Imported here: jsonschema is slow to import and only reading/writing needs it.
    import jsonschema

    from tracker.plan.load import schema

    # Times are checked by a pattern in the schema, not by "format" (that needs extra packages).
    validator = jsonschema.Draft202012Validator(schema("snapshot"))
    messages = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        messages.append(f"{where}: {error.message}")
    return messages


def _datetime(text: str) -> dt.datetime:
    if not isinstance(text, str) or "T" not in text:
        raise ValueError(f"{text!r} is not an RFC 3339 date and time")
    moment = dt.datetime.fromisoformat(text)  # Python 3.11 reads the trailing "Z" too
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset: write Z or +01:00")
    return moment


def _optional_datetime(text: str | None) -> dt.datetime | None:
    return None if text is None else _datetime(text)


def _item(data: Mapping[str, Any]) -> ItemState:
    issue = data.get("issue")
    status = data.get("status")
    completion = data.get("completion")
    if data.get("completion_source") not in (None, "derived", "label"):
        raise ValueError(f"completion_source {data['completion_source']!r} is not known")
    return ItemState(
        issue=None
        if issue is None
        else Issue(
            iid=_int(issue["iid"]),
            web_url=_text(issue["web_url"]),
            state=_choice(issue["state"], ("opened", "closed")),
            created_at=_datetime(issue["created_at"]),
            updated_at=_datetime(issue["updated_at"]),
            closed_at=_optional_datetime(issue.get("closed_at")),
        ),
        status=None if status is None else MilestoneStatus(status),
        status_since=_optional_datetime(data.get("status_since")),
        history=tuple(
            StatusChange(status=_status(entry["status"]), since=_datetime(entry["since"]))
            for entry in data.get("history", ())
        ),
        completion=None if completion is None else Completion(completion),
        completion_source=data.get("completion_source"),
        comments=tuple(
            Comment(
                id=_int(comment["id"]),
                author_name=_text(comment["author_name"]),
                author_username=_text(comment["author_username"]),
                created_at=_datetime(comment["created_at"]),
                body=_text(comment["body"]),
                author_role=_choice(comment["author_role"], ("administration", "civil_society")),
                web_url=_text(comment["web_url"]),
            )
            for comment in data.get("comments", ())
        ),
        notices=tuple(_text(notice) for notice in data.get("notices", ())),
        label_problems=tuple(
            LabelProblem(label=_text(problem["label"]),
                         suggestion=_optional_text(problem.get("suggestion")))
            for problem in data.get("label_problems", ())
        ),
        push_findings=tuple(
            PushFinding(kind=_choice(finding["kind"], ("kept-edit", "conflict")),
                        field=_text(finding["field"]))
            for finding in data.get("push_findings", ())
        ),
        other_issues=tuple(_int(iid) for iid in data.get("other_issues", ())),
        hidden_comments=_int(data.get("hidden_comments", 0)),
    )


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


# --- writing -------------------------------------------------------------------------------


def snapshot_to_dict(snapshot: Snapshot) -> dict[str, Any]:
    """The JSON document of ``snapshot``, items sorted by id so diffs stay small."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": _iso(snapshot.generated_at),
        "project": {"web_url": snapshot.project.web_url, "path": snapshot.project.path},
        "items": {key: _item_to_dict(snapshot.items[key]) for key in sorted(snapshot.items)},
        "notices": list(snapshot.notices),
    }


def save_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write ``snapshot`` to ``path`` atomically, creating its folder if needed.

    The document goes to a temporary file in the same folder, is flushed to disk, then
    replaces ``path`` in one step: readers see the old snapshot or the new one, never half.
    """
    write_atomic(path, json.dumps(snapshot_to_dict(snapshot), ensure_ascii=False, indent=1)
                 + "\n")


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone: snapshot times must be aware")
    return moment.isoformat()


def _optional_iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else _iso(moment)


def _item_to_dict(item: ItemState) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if item.issue is not None:
        issue = item.issue
        result["issue"] = {
            "iid": issue.iid,
            "web_url": issue.web_url,
            "state": issue.state,
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _optional_iso(issue.closed_at),
        }
    else:
        result["issue"] = None
    result["status"] = None if item.status is None else str(item.status)
    result["status_since"] = _optional_iso(item.status_since)
    result["history"] = [
        {"status": change.status, "since": _iso(change.since)} for change in item.history
    ]
    result["completion"] = None if item.completion is None else str(item.completion)
    result["completion_source"] = item.completion_source
    result["comments"] = [
        {
            "id": comment.id,
            "author_name": comment.author_name,
            "author_username": comment.author_username,
            "created_at": _iso(comment.created_at),
            "body": comment.body,
            "author_role": comment.author_role,
            "web_url": comment.web_url,
        }
        for comment in item.comments
    ]
    result["notices"] = list(item.notices)
    # Written only when present, so snapshots of items without them stay as they were.
    if item.label_problems:
        result["label_problems"] = [{"label": p.label, "suggestion": p.suggestion}
                                    for p in item.label_problems]
    if item.push_findings:
        result["push_findings"] = [{"kind": f.kind, "field": f.field}
                                   for f in item.push_findings]
    if item.other_issues:
        result["other_issues"] = list(item.other_issues)
    if item.hidden_comments:
        result["hidden_comments"] = item.hidden_comments
    return result
