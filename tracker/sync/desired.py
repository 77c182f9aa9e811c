"""What GitLab should hold for a plan: issues, labels and milestones, computed without I/O.

Each commitment and each milestone of its roadmap is one issue. The YAML owns the issue's
title, a managed block at the top of its description, its due date, its GitLab milestone and
its labels in the reserved scopes; everything else on the issue belongs to people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from tracker.plan.model import Commitment, Milestone, Plan, PlanSet, Text
from tracker.report_paths import commitment_path
from tracker.status import COMPLETION_LABELS, COMPLETION_SCOPE, STATUS_LABELS, STATUS_SCOPE

TITLE_MAX = 255
LABEL_MAX = 200

Kind = Literal["commitment", "milestone"]

# Words of the managed block, per language; other languages fall back to English.
_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "commitment": "Engagement", "milestone": "Jalon", "plan": "Plan",
        "leads": "Institutions porteuses", "lead": "Porteur", "due": "Échéance",
        "start": "Début", "deliverable": "Livrable", "stakes": "Enjeux",
        "context": "Contexte et objectif", "description": "Description",
        "roadmap": "Feuille de route", "of": "de l'engagement", "missing": "traduction manquante",
        "report": "Suivi public", "contact": "Contact", "managed": (
            "Ce bloc est tenu à jour depuis le plan (fichiers YAML) : modifiez le plan plutôt "
            "que ce bloc. Écrivez vos propres notes en dessous ou en commentaire."),
    },
    "en": {
        "commitment": "Commitment", "milestone": "Milestone", "plan": "Plan",
        "leads": "Lead institutions", "lead": "Lead", "due": "Due",
        "start": "Start", "deliverable": "Deliverable", "stakes": "Stakes",
        "context": "Context and aim", "description": "Description",
        "roadmap": "Roadmap", "of": "of commitment", "missing": "translation missing",
        "report": "Public follow-up", "contact": "Contact", "managed": (
            "This block is kept up to date from the plan (YAML files): change the plan rather "
            "than this block. Write your own notes below it or as a comment."),
    },
}


def _words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


@dataclass(frozen=True)
class LabelNames:
    """The names of the tracker's labels, with the configured prefix."""

    prefix: str = ""

    @property
    def sync(self) -> str:
        """Carried by every issue the tracker manages, from the request that creates it."""
        return f"{self.prefix}ogp-tracker"

    @property
    def left_plan(self) -> str:
        """Added to the issue of an item removed from the YAML (nothing is ever deleted)."""
        return f"{self.prefix}left-plan"

    def scoped(self, scope: str, value: str) -> str:
        """``scope::value`` with the prefix, made safe for GitLab (no commas, bounded length)."""
        clean = re.sub(r"\s+", " ", value.replace(",", " ")).strip()
        return f"{self.prefix}{scope}::{clean}"[:LABEL_MAX]

    def theme(self, value: str) -> str:
        """Themes are several per issue, so they are plain labels, not exclusive scoped ones."""
        clean = re.sub(r"\s+", " ", value.replace(",", " ")).strip()
        return f"{self.prefix}theme: {clean}"[:LABEL_MAX]

    def is_reserved(self, name: str) -> bool:
        """Whether the YAML owns this label: people's other labels are never touched."""
        return name in (self.sync, self.left_plan) or any(
            name.startswith(f"{self.prefix}{scope}::") for scope in RESERVED_SCOPES
        ) or name.startswith(f"{self.prefix}theme: ")

    def status(self, value: str) -> str:
        """A milestone status label, which people apply."""
        return f"{self.prefix}{STATUS_SCOPE}::{value}"

    def completion(self, value: str) -> str:
        """A commitment completion label, which people apply to override the derived level."""
        return f"{self.prefix}{COMPLETION_SCOPE}::{value}"


RESERVED_SCOPES = ("plan", "commitment", "kind", "lead")


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


def _line(text: Text, lang: str, fallbacks: tuple[str, ...]) -> str:
    picked = text.pick(lang, fallbacks)
    if picked is None:
        return ""
    value, used = picked
    flat = " ".join(value.split())
    return flat if used == lang else f"{flat} _({_words(lang)['missing']})_"


def _title(plan: Plan, item_id: str, text: Text) -> str:
    picked = text.pick(plan.primary_language, plan.languages)
    words = " ".join(picked[0].split()) if picked else item_id
    title = f"{item_id} · {words}"
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _report_link(report_url: str | None, lang: str, plan_id: str,
                 commitment_id: str) -> str | None:
    if not report_url:
        return None
    return f"{report_url.rstrip('/')}/{commitment_path(lang, plan_id, commitment_id)}"


def _typography(lang: str) -> tuple[str, str, str]:
    """Colon and quotation marks as each language writes them."""
    return (" :", "« ", " »") if lang == "fr" else (":", "“", "”")


def _commitment_section(
    plan: Plan, c: Commitment, lang: str, report_url: str | None
) -> str:
    w, fb = _words(lang), plan.languages
    colon, _, _ = _typography(lang)
    out = [f"**{w['commitment']} {c.id}** · {w['plan']}{colon} {_line(plan.title, lang, fb)}"]
    leads = " ; ".join(_line(t, lang, fb) for t in c.lead_institutions)
    out.append(f"**{w['leads']}**{colon} {leads}")
    if c.start or c.end:
        out.append(f"**{w['due']}**{colon} {c.start or '…'} → {c.end or '…'}")
    if c.contact:
        out.append(f"**{w['contact']}**{colon} {c.contact.name}")
    for key in ("stakes", "context", "description"):
        text: Text = getattr(c, key)
        picked = text.pick(lang, fb)
        if picked:
            note = "" if picked[1] == lang else f" _({w['missing']})_"
            out.append(f"#### {w[key]}{note}\n\n{picked[0].strip()}")
    link = _report_link(report_url, lang, plan.id, c.id)
    if link:
        out.append(f"[{w['report']}]({link})")
    return "\n\n".join(out)


def _milestone_section(
    plan: Plan, c: Commitment, m: Milestone, lang: str, report_url: str | None
) -> str:
    w, fb = _words(lang), plan.languages
    colon, opening, closing = _typography(lang)
    out = [f"**{w['milestone']} {m.id}** · {w['of']} {c.id} "
           f"{opening}{_line(c.title, lang, fb)}{closing}"]
    due_words = _line(m.due_text, lang, fb)
    if m.due or due_words:
        due = " ".join(part for part in (str(m.due) if m.due else "", due_words and
                                         (f"({due_words})" if m.due else due_words)) if part)
        out.append(f"**{w['due']}**{colon} {due}")
    if m.start:
        out.append(f"**{w['start']}**{colon} {m.start}")
    lead = _line(m.lead, lang, fb) or " ; ".join(_line(t, lang, fb) for t in c.lead_institutions)
    out.append(f"**{w['lead']}**{colon} {lead}")
    if m.deliverable:
        out.append(f"**{w['deliverable']}**{colon} {_line(m.deliverable, lang, fb)}")
    picked = m.description.pick(lang, fb)
    if picked:
        note = "" if picked[1] == lang else f" _({w['missing']})_"
        out.append(f"{picked[0].strip()}{note}")
    link = _report_link(report_url, lang, plan.id, c.id)
    if link:
        out.append(f"[{w['report']}]({link})")
    return "\n\n".join(out)


def _languages(plan: Plan) -> tuple[str, ...]:
    return (plan.primary_language, *plan.other_languages)


def desired_state(plans: PlanSet, names: LabelNames, report_url: str | None) -> DesiredState:
    """Compute every issue, label and milestone the plans call for."""
    issues: list[DesiredIssue] = []
    milestones: list[DesiredMilestone] = []
    labels: dict[str, DesiredLabel] = {}

    def label(name: str, color: str, description: str) -> str:
        labels.setdefault(name, DesiredLabel(name, color, description))
        return name

    label(names.sync, "#6c757d", "Suivi OGP : issue tenue par ogp-tracker · "
                                 "OGP follow-up: issue managed by ogp-tracker")
    label(names.left_plan, "#6c757d", "Retiré du plan d'action · Removed from the action plan")
    for spec in STATUS_LABELS:
        label(names.status(spec.value), spec.color,
              f"{spec.description_fr} · {spec.description_en}")
    for spec in COMPLETION_LABELS:
        label(names.completion(spec.value), spec.color,
              f"{spec.description_fr} · {spec.description_en}")

    for plan in plans.plans:
        fb = plan.languages
        milestones.append(DesiredMilestone(
            plan_id=plan.id,
            title=plan.milestone_title,
            description=" · ".join(_line(plan.title, lang, fb) for lang in _languages(plan)),
            start_date=plan.period_start.first_day.isoformat(),
            due_date=plan.period_end.last_day.isoformat(),
        ))
        plan_label = label(names.scoped("plan", plan.id), "#004d99",
                           " · ".join(_line(plan.title, lang, fb) for lang in _languages(plan)))
        for c in plan.commitments:
            common = {
                plan_label,
                label(names.scoped("commitment", c.id), "#0072b2",
                      " · ".join(_line(c.title, lang, fb) for lang in _languages(plan))[:255]),
                names.sync,
            } | {
                label(names.theme(_line(t, plan.primary_language, fb)), "#8c8c8c", "Thème · Theme")
                for t in c.themes
            }
            first_lead = _line(c.lead_institutions[0], plan.primary_language, fb)
            lead_label = label(names.scoped("lead", first_lead), "#009e73",
                               "Institution porteuse · Lead institution")
            kind_c = label(names.scoped("kind", "commitment"), "#cc79a7", "Engagement · Commitment")
            kind_m = label(names.scoped("kind", "milestone"), "#e69f00", "Jalon · Milestone")
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
                               for lang in _languages(plan)),
            ))
            for m, _ in c.walk():
                lead = _line(m.lead, plan.primary_language, fb) or first_lead
                issues.append(DesiredIssue(
                    key=m.id, kind="milestone", plan_id=plan.id, commitment_id=c.id,
                    title=_title(plan, m.id, m.title),
                    labels=frozenset(common | {
                        label(names.scoped("lead", lead), "#009e73",
                              "Institution porteuse · Lead institution"), kind_m}),
                    due_date=m.due.last_day.isoformat() if m.due else None,
                    milestone_title=plan.milestone_title,
                    follow_up=m.follow_up,
                    children=(),
                    sections=tuple((lang, _milestone_section(plan, c, m, lang, report_url))
                                   for lang in _languages(plan)),
                ))
    return DesiredState(tuple(issues), tuple(labels.values()), tuple(milestones), names)


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
            w = _words(lang)
            lines = []
            for key, depth in issue.children:
                ref = f"#{refs[key]} " if key in refs else ""
                box = "x" if key in closed else " "
                lines.append(f"{'  ' * depth}- [{box}] {ref}{titles.get(key, key)}")
            block += f"\n\n#### {w['roadmap']}\n\n" + "\n".join(lines)
        parts.append(block)
    return "\n\n---\n\n".join(parts)
