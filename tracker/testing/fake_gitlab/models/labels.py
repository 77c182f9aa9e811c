"""Project labels and the labels of an issue, with their resource label events.
"""

from __future__ import annotations

import re
from datetime import datetime

from tracker.testing.fake_gitlab.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tracker.testing.fake_gitlab.models.base import StateBase
from tracker.testing.fake_gitlab.models.records import (
    DEFAULT_LABEL_COLOR,
    Issue,
    Label,
    LabelEvent,
    Project,
    User,
)

# ``update_label(description=UNCHANGED)``: the description was not sent.
UNCHANGED = object()


class LabelsModel(StateBase):
    """Project labels and the labels an issue carries."""

    def issue_labels(self, issue: Issue) -> list[Label]:
        return sorted((self.labels[i] for i in issue.label_ids), key=lambda lab: lab.name)

    def find_label(self, project: Project, name: str) -> Label | None:
        for label_id in project.label_ids:
            if self.labels[label_id].name == name:
                return self.labels[label_id]
        return None

    def _create_label(self, project: Project, name: str, color: str,
                      description: str | None) -> Label:
        label = Label(self._next_id("label"), project.id, name, color, description, self.now())
        self.labels[label.id] = label
        project.label_ids.append(label.id)
        return label

    def create_label(self, project: Project, user: User, *, name: str, color: str,
                     description: str | None = None) -> Label:
        with self.lock:
            if not self.can_set_metadata(user, project):
                raise Forbidden()
            if self.find_label(project, name) is not None:
                raise Conflict("Label already exists")
            errors: dict[str, list[str]] = {}
            if not name.strip():
                errors["title"] = ["can't be blank"]
            elif "," in name:
                errors["title"] = ["is invalid"]
            if not _valid_color(color):
                errors["color"] = ["must be a valid color code"]
            if errors:
                raise ValidationFailed(errors)
            return self._create_label(project, name, _normalise_color(color), description)

    def label_by_ref(self, project: Project, ref: str) -> Label:
        """``:label_id`` in a URL: the id, else the title (``find_label`` in GitLab's API
        helpers); 404 ``Label Not Found`` otherwise."""
        with self.lock:
            if ref.isdigit() and int(ref) in project.label_ids:
                return self.labels[int(ref)]
            label = self.find_label(project, ref)
            if label is None:
                raise NotFound("Label")
            return label

    def update_label(self, project: Project, user: User, ref: str, *,
                     new_name: str | None = None, color: str | None = None,
                     description: str | object | None = None) -> Label:
        """``Labels::UpdateService``: a name already taken or blank, or a bad color, is a 400
        validation error (``render_validation_error!``). ``description`` absent: pass
        ``UNCHANGED``."""
        with self.lock:
            label = self.label_by_ref(project, ref)
            if not self.can_set_metadata(user, project):
                raise Forbidden()
            errors: dict[str, list[str]] = {}
            if new_name is not None:
                other = self.find_label(project, new_name)
                if not new_name.strip():
                    errors["title"] = ["can't be blank"]
                elif "," in new_name:
                    errors["title"] = ["is invalid"]
                elif other is not None and other.id != label.id:
                    errors["title"] = ["has already been taken"]
            if color is not None and not _valid_color(color):
                errors["color"] = ["must be a valid color code"]
            if errors:
                raise ValidationFailed(errors)
            if new_name is not None:
                label.name = new_name
            if color is not None:
                label.color = _normalise_color(color)
            if description is not UNCHANGED:
                label.description = description if isinstance(description, str) else None
            return label

    def delete_label(self, project: Project, user: User, ref: str) -> None:
        """``Label#destroy``: its label links go with it, so it leaves every issue without a
        resource event and without touching ``updated_at``; earlier events keep their row
        with the label nullified (``ResourceLabelEvent#refresh_invalid_reference``), shown
        as ``"label": null``."""
        with self.lock:
            label = self.label_by_ref(project, ref)
            if not self.can_set_metadata(user, project):
                raise Forbidden()
            for issue_id in project.issues_by_iid.values():
                issue = self.issues[issue_id]
                if label.id in issue.label_ids:
                    issue.label_ids.remove(label.id)
            project.label_ids.remove(label.id)
            del self.labels[label.id]

    def project_labels(self, project: Project) -> list[Label]:
        with self.lock:
            return sorted((self.labels[i] for i in project.label_ids),
                          key=lambda lab: lab.name.lower())

    def label_issue_counts(self, label: Label) -> tuple[int, int]:
        opened = closed = 0
        project = self.projects[label.project_id]
        for issue_id in project.issues_by_iid.values():
            issue = self.issues[issue_id]
            if label.id in issue.label_ids:
                if issue.state == "opened":
                    opened += 1
                else:
                    closed += 1
        return opened, closed

    def _set_labels(self, project: Project, issue: Issue, user: User, names: list[str], *,
                    at: datetime) -> bool:
        """Give ``issue`` exactly ``names`` (order = order added), creating unknown labels.

        On the premium tier, scoped labels ``key::value`` are exclusive: of several labels
        with one scope, the last added stays (GitLab EE). On free, all stay, as on GitLab CE.
        Records resource label events; returns whether anything changed.
        """
        wanted: list[Label] = []
        for name in names:
            label = self.find_label(project, name)
            if label is None:
                label = self._create_label(project, name, DEFAULT_LABEL_COLOR, None)
            wanted.append(label)
        if self.tier == "premium":
            last_of_scope = {lab.scope: lab.id for lab in wanted if lab.scope is not None}
            wanted = [lab for lab in wanted
                      if lab.scope is None or last_of_scope[lab.scope] == lab.id]
        new_ids = [lab.id for lab in wanted]
        added = [i for i in new_ids if i not in issue.label_ids]
        removed = [i for i in issue.label_ids if i not in new_ids]
        for label_id, action in [*((i, "add") for i in added),
                                 *((i, "remove") for i in removed)]:
            event = LabelEvent(self._next_id("label_event"), issue.id, user.id, label_id,
                               action, at)
            self.label_events[event.id] = event
        issue.label_ids = new_ids
        return bool(added or removed)


_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_CSS_COLORS = {
    "red": "#ff0000", "green": "#008000", "blue": "#0000ff", "yellow": "#ffff00",
    "orange": "#ffa500", "purple": "#800080", "black": "#000000", "white": "#ffffff",
    "gray": "#808080", "grey": "#808080",
}


def _valid_color(color: str) -> bool:
    return bool(_HEX_COLOR.fullmatch(color)) or color.lower() in _CSS_COLORS


def _normalise_color(color: str) -> str:
    return _CSS_COLORS.get(color.lower(), color)


def text_color_for(color: str) -> str:
    """GitLab's ``LabelsHelper#text_color_for_bg``: dark text on light labels."""
    hex_part = color.lstrip("#")
    if len(hex_part) == 3:
        hex_part = "".join(c * 2 for c in hex_part)
    try:
        red, green, blue = (int(hex_part[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#FFFFFF"
    return "#333333" if (red * 299 + green * 587 + blue * 114) / 1000 > 186 else "#FFFFFF"
