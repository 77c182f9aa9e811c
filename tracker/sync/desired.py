"""What GitLab should hold for a plan: issues, labels and milestones, computed without I/O.

Each commitment and each milestone of its roadmap is one issue. The YAML owns the issue's
title, a managed block at the top of its description, its due date, its GitLab milestone and
its labels in the reserved scopes; everything else on the issue belongs to people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from tracker.gitlab.model import TITLE_MAX, LabelNames
from tracker.i18n import N_, translations
from tracker.plan.model import Commitment, Milestone, Plan, PlanSet, Text
from tracker.report_paths import commitment_path
from tracker.status import COMPLETION_LABELS, STATUS_LABELS
from tracker.sync.quickactions import neutralise

Kind = Literal["commitment", "milestone"]
ISSUE = "issue"  # the catalogs' context for issue texts: GitLab's words may differ from the site's


def issue_text(lang: str, message: str) -> str:
    """``message`` (an English id in the catalogs, context "issue") in ``lang``."""
    return translations(lang).pgettext(ISSUE, message)


@dataclass(frozen=True)
class DesiredLabel:
    """A project label the tracker makes sure exists."""

    name: str
    color: str
    description: str


@dataclass(frozen=True)
class DesiredMilestone:
    """The GitLab milestone that gathers one plan's issues."""

    plan_id: str
    title: str
    description: str
    start_date: str
    due_date: str


@dataclass(frozen=True)
class DesiredIssue:
    """One managed issue, as the YAML says it should be."""

    key: str
    kind: Kind
    plan_id: str
    commitment_id: str
    title: str
    labels: frozenset[str]
    due_date: str | None
    milestone_title: str
    follow_up: str | None
    children: tuple[tuple[str, int], ...]  # (key, depth) of roadmap items, for the checklist
    sections: tuple[tuple[str, str], ...]  # (language, Markdown) in display order


@dataclass(frozen=True)
class DesiredState:
    """Everything the push makes GitLab match."""

    issues: tuple[DesiredIssue, ...]
    labels: tuple[DesiredLabel, ...]
    milestones: tuple[DesiredMilestone, ...]
    names: LabelNames
    languages: tuple[str, ...] = ("en",)  # of the project-wide texts (labels, notes)


def _missing(lang: str) -> str:
    words = issue_text(lang, "translation missing")
    return f" _({words})_"


def _line(text: Text, lang: str, fallbacks: tuple[str, ...]) -> str:
    picked = text.pick(lang, fallbacks)
    if picked is None:
        return ""
    value, used = picked
    flat = " ".join(value.split())
    return flat if used == lang else flat + _missing(lang)


def _whole_title(plan: Plan, item_id: str, text: Text) -> str:
    picked = text.pick(plan.primary_language, plan.languages)
    words = " ".join(picked[0].split()) if picked else item_id
    return f"{item_id} · {words}"


def _title(plan: Plan, item_id: str, text: Text) -> str:
    title = _whole_title(plan, item_id, text)
    if len(title) <= TITLE_MAX:
        return title
    # Cut at the last word that fits, so the title never ends on half a word; the whole text
    # stays in the managed block. A single word longer than half the room is cut as it is.
    cut = title[: TITLE_MAX - 1]
    space = cut.rfind(" ")
    if space > TITLE_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.·–-") + "…"


def _title_is_cut(plan: Plan, item_id: str, text: Text) -> bool:
    return len(_whole_title(plan, item_id, text)) > TITLE_MAX


def _report_link(report_url: str | None, lang: str, plan_id: str,
                 commitment_id: str) -> str | None:
    if not report_url:
        return None
    return f"{report_url.rstrip('/')}/{commitment_path(lang, plan_id, commitment_id)}"


_TYPOGRAPHY = {"fr": (" :", "« ", " »"), "es": (":", "«", "»")}


def _typography(lang: str) -> tuple[str, str, str]:
    """Colon and quotation marks as each language writes them (English's by default)."""
    return _TYPOGRAPHY.get(lang, (":", "“", "”"))


def _field(lang: str, name: str, value: str) -> str:
    """``**Name**: value``, with the language's colon."""
    return f"**{name}**{_typography(lang)[0]} {value}"


def _commitment_section(
    plan: Plan, c: Commitment, lang: str, report_url: str | None
) -> str:
    fb = plan.languages
    colon = _typography(lang)[0]
    commitment, plan_word = issue_text(lang, "Commitment"), issue_text(lang, "Plan")
    out = [f"**{commitment} {c.id}** · {plan_word}{colon} {_line(plan.title, lang, fb)}"]
    if _title_is_cut(plan, c.id, c.title):  # the title shows only its start: say it whole
        out.append(_field(lang, issue_text(lang, "Full text"), _line(c.title, lang, fb)))
    leads = " ; ".join(_line(t, lang, fb) for t in c.lead_institutions)
    out.append(_field(lang, issue_text(lang, "Lead institutions"), leads))
    if c.start or c.end:
        out.append(_field(lang, issue_text(lang, "Due"), f"{c.start or '…'} → {c.end or '…'}"))
    if c.contact:
        out.append(_field(lang, issue_text(lang, "Contact"), c.contact.name))
    for text, heading in ((c.stakes, issue_text(lang, "Stakes")),
                          (c.context, issue_text(lang, "Context and aim")),
                          (c.description, issue_text(lang, "Description"))):
        picked = text.pick(lang, fb)
        if picked:
            note = "" if picked[1] == lang else _missing(lang)
            out.append(f"#### {heading}{note}\n\n{picked[0].strip()}")
    link = _report_link(report_url, lang, plan.id, c.id)
    if link:
        follow_up = issue_text(lang, "Public follow-up")
        out.append(f"[{follow_up}]({link})")
    return "\n\n".join(out)


def _milestone_section(
    plan: Plan, c: Commitment, m: Milestone, lang: str, report_url: str | None
) -> str:
    fb = plan.languages
    _, opening, closing = _typography(lang)
    milestone, of = issue_text(lang, "Milestone"), issue_text(lang, "of commitment")
    out = [f"**{milestone} {m.id}** · {of} {c.id} {opening}{_line(c.title, lang, fb)}{closing}"]
    if _title_is_cut(plan, m.id, m.title):  # the title shows only its start: say it whole
        out.append(_field(lang, issue_text(lang, "Full text"), _line(m.title, lang, fb)))
    due_words = _line(m.due_text, lang, fb)
    if m.due or due_words:
        due = " ".join(part for part in (str(m.due) if m.due else "", due_words and
                                         (f"({due_words})" if m.due else due_words)) if part)
        out.append(_field(lang, issue_text(lang, "Due"), due))
    if m.start:
        out.append(_field(lang, issue_text(lang, "Start"), str(m.start)))
    lead = _line(m.lead, lang, fb) or " ; ".join(_line(t, lang, fb) for t in c.lead_institutions)
    out.append(_field(lang, issue_text(lang, "Lead"), lead))
    if m.deliverable:
        out.append(_field(lang, issue_text(lang, "Deliverable"),
                          _line(m.deliverable, lang, fb)))
    picked = m.description.pick(lang, fb)
    if picked:
        note = "" if picked[1] == lang else _missing(lang)
        out.append(f"{picked[0].strip()}{note}")
    link = _report_link(report_url, lang, plan.id, c.id)
    if link:
        follow_up = issue_text(lang, "Public follow-up")
        out.append(f"[{follow_up}]({link})")
    return "\n\n".join(out)


def project_languages(plans: PlanSet) -> tuple[str, ...]:
    """Every language of the plans, each plan's primary one first: for project-wide texts."""
    languages = (lang for plan in plans.plans for lang in plan.ordered_languages)
    return tuple(dict.fromkeys(languages)) or ("en",)


def desired_state(plans: PlanSet, names: LabelNames, report_url: str | None) -> DesiredState:
    """Compute every issue, label and milestone the plans call for."""
    issues: list[DesiredIssue] = []
    milestones: list[DesiredMilestone] = []
    labels: dict[str, DesiredLabel] = {}

    def label(name: str, color: str, description: str) -> str:
        labels.setdefault(name, DesiredLabel(name, color, description))
        return name

    languages = project_languages(plans)

    def words(message: str) -> str:
        return " · ".join(issue_text(lang, message) for lang in languages)

    label(names.sync, "#6c757d", words(N_("OGP follow-up: issue managed by ogp-tracker")))
    label(names.left_plan, "#6c757d", words(N_("Removed from the action plan")))
    for spec in (*STATUS_LABELS, *COMPLETION_LABELS):
        scoped = names.status if spec in STATUS_LABELS else names.completion
        label(scoped(spec.value), spec.color, words(spec.description))

    for plan in plans.plans:
        fb = plan.languages
        milestones.append(DesiredMilestone(
            plan_id=plan.id,
            title=plan.milestone_title,
            description=" · ".join(_line(plan.title, lang, fb) for lang in plan.ordered_languages),
            start_date=plan.period_start.first_day.isoformat(),
            due_date=plan.period_end.last_day.isoformat(),
        ))
        in_order = plan.ordered_languages
        plan_label = label(names.scoped("plan", plan.id), "#004d99",
                           " · ".join(_line(plan.title, lang, fb) for lang in in_order))
        for c in plan.commitments:
            common = {
                plan_label,
                label(names.scoped("commitment", c.id), "#0072b2",
                      " · ".join(_line(c.title, lang, fb) for lang in in_order)[:255]),
                names.sync,
            } | {
                label(names.theme(_line(t, plan.primary_language, fb)), "#8c8c8c",
                      words(N_("Theme")))
                for t in c.themes
            }
            first_lead = _line(c.lead_institutions[0], plan.primary_language, fb)
            lead_label = label(names.scoped("lead", first_lead), "#009e73",
                               words(N_("Lead institution")))
            kind_c = label(names.scoped("kind", "commitment"), "#cc79a7", words(N_("Commitment")))
            kind_m = label(names.scoped("kind", "milestone"), "#e69f00", words(N_("Milestone")))
            depth: dict[str, int] = {}
            for m, parent in c.walk():
                depth[m.id] = depth[parent.id] + 1 if parent else 0
            children = tuple(depth.items())
            issues.append(DesiredIssue(
                key=c.id, kind="commitment", plan_id=plan.id, commitment_id=c.id,
                title=_title(plan, c.id, c.title),
                labels=frozenset(common | {lead_label, kind_c}),
                due_date=c.end.last_day.isoformat() if c.end else None,
                milestone_title=plan.milestone_title,
                follow_up=c.follow_up,
                children=children,
                sections=tuple((lang, _commitment_section(plan, c, lang, report_url))
                               for lang in plan.ordered_languages),
            ))
            for m, _ in c.walk():
                lead = _line(m.lead, plan.primary_language, fb) or first_lead
                issues.append(DesiredIssue(
                    key=m.id, kind="milestone", plan_id=plan.id, commitment_id=c.id,
                    title=_title(plan, m.id, m.title),
                    labels=frozenset(common | {
                        label(names.scoped("lead", lead), "#009e73",
                              words(N_("Lead institution"))), kind_m}),
                    due_date=m.due.last_day.isoformat() if m.due else None,
                    milestone_title=plan.milestone_title,
                    follow_up=m.follow_up,
                    children=(),
                    sections=tuple((lang, _milestone_section(plan, c, m, lang, report_url))
                                   for lang in plan.ordered_languages),
                ))
    return DesiredState(tuple(issues), tuple(labels.values()), tuple(milestones), names,
                        languages)


def render_body(
    issue: DesiredIssue,
    titles: Mapping[str, str],
    refs: Mapping[str, int],
    closed: frozenset[str],
) -> str:
    """The managed Markdown of ``issue``; ``refs`` maps item keys to known issue iids.

    The commitment's checklist links each milestone's issue once it exists and ticks it when
    that issue is closed.
    """
    parts = []
    for lang, text in issue.sections:
        block = text
        if issue.children:
            lines = []
            for key, depth in issue.children:
                ref = f"#{refs[key]} " if key in refs else ""
                box = "x" if key in closed else " "
                lines.append(f"{'  ' * depth}- [{box}] {ref}{titles.get(key, key)}")
            roadmap = issue_text(lang, "Roadmap")
            block += f"\n\n#### {roadmap}\n\n" + "\n".join(lines)
        parts.append(block)
    # Plan text is people's Markdown: a line of it starting with /close must show, not run.
    return neutralise("\n\n---\n\n".join(parts))
