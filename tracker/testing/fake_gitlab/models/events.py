"""Resource label and state events, as the issue's event endpoints list them.
"""

from __future__ import annotations

from typing import TypeVar

from tracker.testing.fake_gitlab.models.base import StateBase
from tracker.testing.fake_gitlab.models.records import Issue, LabelEvent, StateEvent

# A resource event; both kinds are listed per issue the same way.
_Event = TypeVar("_Event", LabelEvent, StateEvent)


class EventsModel(StateBase):
    """Reading an issue's resource label and state events."""

    def issue_label_events(self, issue: Issue) -> list[LabelEvent]:
        return self._issue_events(self.label_events, issue)

    def issue_state_events(self, issue: Issue) -> list[StateEvent]:
        return self._issue_events(self.state_events, issue)

    def _issue_events(self, events: dict[int, _Event], issue: Issue) -> list[_Event]:
        """The events of ``issue``, oldest first."""
        with self.lock:
            # Events are only ever added, each with a larger id than the last, and never
            # removed: the dict is already in id order.
            return [e for e in events.values() if e.issue_id == issue.id]
