"""GitLab's quick actions (``/close``, ``/label ~x``...) in issue descriptions and notes.

Two steps, as in GitLab:

* :func:`extract` is ``Gitlab::QuickActions::Extractor``: it deletes every ``\\r``, finds the
  lines that start with ``/<known command>`` (at column 0, outside fenced code, inline code
  spans, HTML blocks and ``>>>`` quotes, using GitLab's own regular expression), removes them
  and right-strips the text. Every *known* command is removed, whether or not it can run:
  ``/close`` in a new issue's description is removed but does nothing (the issue is not
  persisted yet), ``/merge`` in an issue is removed and ignored.
* :meth:`QuickActionsModel.interpret` is ``QuickActions::InterpretService``: each command
  runs only if its condition holds (the user's permission, the issue's state), and turns into
  the same parameters an API edit would send, so the update service records the same system
  notes and resource events.

Modelled: close, reopen, title, label/labels, unlabel/remove_label, relabel, due,
remove_due_date, confidential, assign, milestone. Other commands GitLab runs on issues answer
501 (never a silently wrong result); merge-request-only commands are removed and ignored, as
on an issue in GitLab.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.testing.fake_gitlab.errors import NotImplementedByFake
from tracker.testing.fake_gitlab.models.labels import LabelsModel
from tracker.testing.fake_gitlab.models.records import Issue, Label, Project, User

MODELLED = ("close", "reopen", "title", "label", "labels", "unlabel", "remove_label",
            "relabel", "due", "remove_due_date", "confidential", "assign", "milestone")
# Commands GitLab runs on issues that the fake does not model: 501 rather than a wrong result.
NOT_MODELLED_ON_ISSUES = (
    "award", "react", "blocked_by", "blocks", "board_move", "clone", "copy_metadata",
    "done", "duplicate", "epic", "estimate", "estimate_time", "health_status", "iteration",
    "lock", "move", "promote", "promote_to_incident", "relate", "remove_epic",
    "remove_estimate", "remove_health_status", "remove_iteration", "remove_milestone",
    "remove_parent", "remove_time_spent", "remove_weight", "reassign", "set_parent", "severity",
    "shrug", "spend", "spend_time", "subscribe", "tableflip", "timeline", "todo", "type",
    "unassign", "unlink", "unlock", "unrelate", "unsubscribe", "weight", "zoom", "remove_zoom",
    "add_contacts", "remove_contacts", "add_email", "remove_email", "create_merge_request",
    "convert_to_ticket", "checkin_reminder", "add_child", "remove_child", "status",
)
# Commands for merge requests and commits only: the extractor removes them from an issue's
# text all the same (it knows every definition), and they do nothing there.
OTHER_TARGETS = (
    "merge", "approve", "unapprove", "draft", "ready", "wip", "target_branch", "rebase",
    "squash", "submit_review", "tag", "request_review", "assign_reviewer", "unassign_reviewer",
    "remove_reviewer", "reviewer", "unlabel_reviewer",
)
KNOWN = tuple(dict.fromkeys((*MODELLED, *NOT_MODELLED_ON_ISSUES, *OTHER_TARGETS)))


def _commands_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    """GitLab's ``Extractor#commands_regex``, flags ``mix`` (Ruby's ``m`` is Python's ``S``;
    Ruby's ``^``/``$`` always work per line, Python's need ``M``)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(
        r"""
          (?P<code>^```.+?\n```$)
        | (?P<inline_code>^.*`\n*.+?\n*`$)
        | (?P<html>^<[^>]+?>\n.+?\n</[^>]+?>$)
        | (?P<quote>^>>>.+?\n>>>$)
        | (?:^/(?P<cmd>""" + alternatives + r""")(?:[ ](?P<arg>[^\n]*))?(?:\s*\n|$))
        """, re.M | re.S | re.I | re.X)


COMMANDS_REGEX = _commands_regex(KNOWN)
# Its code-span branch scans to the end of the text from every line start (13 ms for a
# 50-line plan text): the regex runs only when some line could be a command.
_LINE_STARTING_WITH_SLASH = re.compile(r"^/", re.M)


def extract(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text without its commands, and the commands as ``(name, argument)``, in order."""
    commands: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        if match.group("cmd") is None:
            return match.group(0)  # code, HTML or quote: kept as it is
        commands.append((match.group("cmd").lower(), (match.group("arg") or "").strip()))
        return ""

    content = text.replace("\r", "")
    if _LINE_STARTING_WITH_SLASH.search(content) is not None:  # else the regex changes nothing,
        content = COMMANDS_REGEX.sub(replace, content)  # at a cost: see _commands_regex
    return content.rstrip(), commands


# Label#reference_pattern, simplified: ~name, ~"name with spaces", ~scope::value.
_LABEL_REFERENCE = re.compile(r'~(?:"(?P<quoted>[^"]+)"|(?P<plain>[\w\-?.&]+(?:::[\w\-?.&]+)*))')
_MILESTONE_REFERENCE = re.compile(r'%(?:"(?P<quoted>[^"]+)"|(?P<plain>[\w\-.]+))')
_IN_DAYS = re.compile(r"in (\d+) (day|week)s?", re.I)


@dataclass
class Interpretation:
    """What the commands do: the API parameters, GitLab's ``commands_changes`` and messages."""

    changes: dict[str, Any] = field(default_factory=dict)
    commands_changes: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _label_reference(label: Label) -> str:
    return f'~"{label.name}"'


def _pluralise(word: str, count: int) -> str:
    return word if count == 1 else f"{word}s"


def parse_due_date(argument: str, today: date) -> date | None:
    """Chronic's parse, for the forms the fake models: ISO dates, today, tomorrow,
    ``in N days|weeks``. Anything else is a 501: Chronic reads far more."""
    text = argument.strip().lower()
    if text in ("today", "tomorrow", "yesterday"):
        return today + timedelta(days={"today": 0, "tomorrow": 1, "yesterday": -1}[text])
    relative = _IN_DAYS.fullmatch(text)
    if relative:
        return today + timedelta(days=int(relative.group(1))
                                 * (7 if relative.group(2).lower() == "week" else 1))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotImplementedByFake(f"quick action /due {argument!r}") from None


class QuickActionsModel(LabelsModel):
    """``QuickActions::InterpretService`` for issues."""

    def interpret(self, project: Project, issue: Issue | None, user: User,
                  commands: list[tuple[str, str]]) -> Interpretation:
        """Turn ``commands`` into parameters for the create (``issue`` None: not persisted
        yet) or update service. Commands whose condition fails do nothing."""
        result = Interpretation()
        for name, argument in commands:
            if name in NOT_MODELLED_ON_ISSUES:
                raise NotImplementedByFake(f"quick action /{name}")
            if name in MODELLED:
                self._run(project, issue, user, name, argument, result)
        return result

    def _run(self, project: Project, issue: Issue | None, user: User, name: str,
             argument: str, result: Interpretation) -> None:
        metadata = self.can_set_metadata(user, project)
        may_update = issue is not None and self.can_update_issue(user, issue)
        changes, commands_changes = result.changes, result.commands_changes
        if name in ("close", "reopen"):
            wanted = "opened" if name == "close" else "closed"
            if issue is not None and issue.state == wanted and may_update:
                changes["state_event"] = commands_changes["state_event"] = name
                result.messages.append("Closed this issue." if name == "close"
                                       else "Reopened this issue.")
        elif name == "title":
            if may_update and argument:
                changes["title"] = commands_changes["title"] = argument
                result.messages.append(f'Changed the title to "{argument}".')
        elif name in ("label", "labels", "relabel"):
            labels = self._labels_named(project, argument)
            relabel = name == "relabel"
            if not metadata or not labels or (relabel and (issue is None
                                                           or not issue.label_ids)):
                return
            key, names_key = ("label_ids", "labels") if relabel else ("add_label_ids",
                                                                        "add_labels")
            ids = commands_changes.setdefault(key, [])
            ids.extend(lab.id for lab in labels if lab.id not in ids)
            names = changes.setdefault(names_key, [])
            names.extend(lab.name for lab in labels if lab.name not in names)
            references = " ".join(_label_reference(lab) for lab in labels)
            verb = "Replaced all labels with" if relabel else "Added"
            result.messages.append(
                f"{verb} {references} {_pluralise('label', len(labels))}.")
        elif name in ("unlabel", "remove_label"):
            if issue is None or not issue.label_ids or not metadata:
                return
            if not argument:
                changes["labels"], commands_changes["label_ids"] = [], []
                result.messages.append("Removed all labels.")
                return
            labels = self._labels_named(project, argument)
            if labels:
                ids = commands_changes.setdefault("remove_label_ids", [])
                ids.extend(lab.id for lab in labels if lab.id not in ids)
                changes.setdefault("remove_labels", []).extend(lab.name for lab in labels)
            references = " ".join(_label_reference(lab) for lab in labels)
            result.messages.append(f"Removed {references} {_pluralise('label', len(labels))}."
                                   if labels else "Removed all labels.")
        elif name == "due":
            if not metadata:
                return
            due = parse_due_date(argument, self.now().date())
            changes["due_date"] = due
            commands_changes["due_date"] = None if due is None else due.isoformat()
            if due is not None:
                result.messages.append(
                    f"Set the due date to {due.strftime('%b')} {due.day}, {due.year}.")
        elif name == "remove_due_date":
            if issue is not None and issue.due_date is not None and metadata:
                changes["due_date"] = commands_changes["due_date"] = None
                result.messages.append("Removed the due date.")
        elif name == "confidential":
            if metadata and (issue is None or not issue.confidential):
                changes["confidential"] = commands_changes["confidential"] = True
                result.messages.append("Made this issue confidential.")
        elif name == "assign":
            self._assign(project, issue, user, argument, result)
        elif name == "milestone":
            milestone = self._milestone_named(project, argument)
            if metadata and milestone is not None:
                changes["milestone_id"] = commands_changes["milestone_id"] = milestone
                title = self.milestones[milestone].title
                result.messages.append(f'Set the milestone to %"{title}".')

    def _labels_named(self, project: Project, argument: str) -> list[Label]:
        """``find_labels``: existing labels only (a quick action never creates one); with no
        ``~`` in the argument, its words are label names."""
        if "~" in argument:
            names = [m.group("quoted") or m.group("plain")
                     for m in _LABEL_REFERENCE.finditer(argument)]
        else:
            names = [a or b for a, b in re.findall(r'"([^"]+)"|([^ ]+)', argument)]
        found = [self.find_label(project, n) for n in names]
        return list({lab.id: lab for lab in found if lab is not None}.values())

    def _milestone_named(self, project: Project, argument: str) -> int | None:
        match = _MILESTONE_REFERENCE.search(argument)
        title = (match.group("quoted") or match.group("plain")) if match else argument.strip()
        for milestone_id in project.milestone_ids:
            milestone = self.milestones[milestone_id]
            if milestone.title == title and milestone.state == "active":
                return milestone_id
        return None

    def _assign(self, project: Project, issue: Issue | None, user: User, argument: str,
                result: Interpretation) -> None:
        if not self.can_set_metadata(user, project):
            return
        wanted = []
        for word in argument.replace(",", " ").split():
            if word == "me":
                wanted.append(user)
                continue
            match = next((u for u in self.users.values()
                          if u.username == word.removeprefix("@")), None)
            if match is not None and self.can_read_project(match, project):
                wanted.append(match)
        if not wanted:
            return
        # GitLab Free allows one assignee per issue: the first named wins; Premium adds.
        existing = [] if issue is None or self.tier == "free" else issue.assignee_ids
        ids = list(dict.fromkeys([*existing, *(u.id for u in wanted)]))
        if self.tier == "free":
            ids, wanted = ids[:1], wanted[:1]
        result.changes["assignee_ids"] = result.commands_changes["assignee_ids"] = ids
        result.messages.append("Assigned " + " and ".join(f"@{u.username}" for u in wanted)
                               + ".")
