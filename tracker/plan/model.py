"""The plan as data: plans, commitments and their tree of milestones.

These types are built by :mod:`tracker.plan.load` from validated YAML and read by every
other part (sync, report). They hold no I/O and never change once built.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
# The years a plan's date may fall in: any other is a typing mistake.
MIN_YEAR, MAX_YEAR = 1900, 2200


@dataclass(frozen=True)
class Text:
    """A human-facing text in several languages; a missing language is simply absent."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, lang: str) -> str | None:
        """The text in ``lang``, or None when that translation is missing or blank."""
        value = self.values.get(lang)
        return value if value and value.strip() else None

    def pick(self, lang: str, fallbacks: tuple[str, ...] = ()) -> tuple[str, str] | None:
        """The text in ``lang``, else in the first fallback that has it, with the language used.

        Callers show a "translation missing" note when the language used is not ``lang``:
        a missing translation is never silently replaced.
        """
        for candidate in (lang, *fallbacks):
            value = self.get(candidate)
            if value is not None:
                return value, candidate
        return None

    def missing(self, languages: tuple[str, ...]) -> tuple[str, ...]:
        """The languages among ``languages`` this text lacks."""
        return tuple(lang for lang in languages if self.get(lang) is None)

    def __bool__(self) -> bool:
        return any(v.strip() for v in self.values.values())


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date as plans write them: a day (``2016-12-01``) or a whole month (``2016-12``)."""

    year: int
    month: int
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError for anything else or a non-date."""
        match = _DATE_RE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD or YYYY-MM")
        year, month = int(match[1]), int(match[2])
        day = int(match[3]) if match[3] else None
        if not MIN_YEAR <= year <= MAX_YEAR:
            # Year 0 cannot be a date at all, 9999-12 has no following month to be late from,
            # and any year this far off is a typing mistake.
            raise ValueError(f"{text!r} is not a plausible date: write a year between "
                             f"{MIN_YEAR} and {MAX_YEAR}")
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has no month {month}: months run from 01 to 12")
        if day is not None:
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise ValueError(f"{text!r} is not a date: {year}-{month:02d} has {last} days")
        return cls(year, month, day)

    @property
    def first_day(self) -> dt.date:
        """The earliest day this covers (the 1st for a month)."""
        return dt.date(self.year, self.month, self.day or 1)

    @property
    def last_day(self) -> dt.date:
        """The latest day this covers: a milestone due "2016-12" is late only from 2017-01-01."""
        day = self.day or calendar.monthrange(self.year, self.month)[1]
        return dt.date(self.year, self.month, day)

    def iso(self) -> str:
        """The form it was written in: ``YYYY-MM`` or ``YYYY-MM-DD``."""
        base = f"{self.year:04d}-{self.month:02d}"
        return base if self.day is None else f"{base}-{self.day:02d}"

    def __str__(self) -> str:
        return self.iso()


@dataclass(frozen=True)
class Contact:
    """The point of contact of a commitment."""

    name: str
    role: Text = field(default_factory=Text)
    email: str | None = None


@dataclass(frozen=True)
class ReportSource:
    """Who published a report: its name in the plan's languages and its address."""

    name: Text
    url: str | None = None


@dataclass(frozen=True)
class Reported:
    """Progress a government published about an item, copied from its source (``reported:``).

    It is what the government said, not what the tracker saw: the report shows it in the item's
    timeline as reported by the government, before the tracker's own history. ``status`` is on
    the tracker's scale (a :class:`~tracker.status.MilestoneStatus` value, or ``limited`` /
    ``substantial`` for sources that report OGP completion levels); ``status_text`` keeps the
    source's own words.
    """

    source: ReportSource
    date: PartialDate | None = None
    period_start: PartialDate | None = None
    period_end: PartialDate | None = None
    status: str | None = None
    status_text: Text = field(default_factory=Text)
    progress: Text = field(default_factory=Text)
    evidence: Text = field(default_factory=Text)
    links: tuple[str, ...] = ()
    challenges: Text = field(default_factory=Text)


@dataclass(frozen=True)
class Milestone:
    """One item of a roadmap; it may have child milestones."""

    id: str
    title: Text
    description: Text = field(default_factory=Text)
    start: PartialDate | None = None
    due: PartialDate | None = None
    due_text: Text = field(default_factory=Text)
    # ``lead`` is the first of ``leads``, for readers that show one institution; ``leads``
    # names every institution that leads it, each on its own (never joined into one text).
    lead: Text = field(default_factory=Text)
    deliverable: Text = field(default_factory=Text)
    follow_up: str | None = None
    children: tuple[Milestone, ...] = ()
    leads: tuple[Text, ...] = ()
    official_url: Text = field(default_factory=Text)
    reported: tuple[Reported, ...] = ()


@dataclass(frozen=True)
class Commitment:
    """A commitment of a plan, with its roadmap."""

    id: str
    plan_id: str
    title: Text
    lead_institutions: tuple[Text, ...]
    milestones: tuple[Milestone, ...] = ()
    supporting_actors: tuple[Text, ...] = ()
    contact: Contact | None = None
    themes: tuple[Text, ...] = ()
    stakes: Text = field(default_factory=Text)
    context: Text = field(default_factory=Text)
    description: Text = field(default_factory=Text)
    start: PartialDate | None = None
    end: PartialDate | None = None
    follow_up: str | None = None
    source: str = ""
    official_url: Text = field(default_factory=Text)
    reported: tuple[Reported, ...] = ()

    def walk(self) -> Iterator[tuple[Milestone, Milestone | None]]:
        """Every milestone of the roadmap, depth first, with its parent (None at the top)."""

        def visit(
            items: tuple[Milestone, ...], parent: Milestone | None
        ) -> Iterator[tuple[Milestone, Milestone | None]]:
            for item in items:
                yield item, parent
                yield from visit(item.children, item)

        return visit(self.milestones, None)


@dataclass(frozen=True)
class Plan:
    """An OGP national action plan: the folder ``commitments/<id>/``."""

    id: str
    country: str
    title: Text
    period_start: PartialDate
    period_end: PartialDate
    languages: tuple[str, ...]
    primary_language: str
    commitments: tuple[Commitment, ...] = ()
    url: str | None = None
    gitlab_milestone: str | None = None

    # Cached: the report asks for them for each text it shows. A plan never changes.
    @functools.cached_property
    def ordered_languages(self) -> tuple[str, ...]:
        """The plan's languages, its primary one first: the order its texts are shown in."""
        return (self.primary_language, *self.other_languages)

    @functools.cached_property
    def other_languages(self) -> tuple[str, ...]:
        """The plan's languages after the primary one, in order."""
        return tuple(lang for lang in self.languages if lang != self.primary_language)

    @property
    def milestone_title(self) -> str:
        """Title of the GitLab milestone that gathers this plan's issues."""
        if self.gitlab_milestone:
            return self.gitlab_milestone
        picked = self.title.pick(self.primary_language, self.languages)
        return picked[0] if picked else self.id


@dataclass(frozen=True)
class PlanSet:
    """Every plan under ``commitments/``, in folder-name order."""

    plans: tuple[Plan, ...] = ()

    def commitments(self) -> Iterator[Commitment]:
        """Every commitment of every plan."""
        for plan in self.plans:
            yield from plan.commitments

    def plan(self, plan_id: str) -> Plan:
        """The plan with this id; KeyError when there is none."""
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise KeyError(plan_id)
