"""The report model: counts, overdue flags, tables and timelines, computed without I/O."""

from __future__ import annotations

import datetime as dt

from tracker.plan.model import Commitment, Milestone, PartialDate, Plan, PlanSet, Text
from tracker.report.model import build_report, slugify
from tracker.snapshot import Comment, Issue, ItemState, Project, Snapshot, StatusChange
from tracker.status import Completion, MilestoneStatus

UTC = dt.UTC


def _t(fr: str, en: str | None = None) -> Text:
    return Text({"fr": fr, "en": en} if en else {"fr": fr})


def _plans() -> PlanSet:
    ministry = _t("Ministère de l'Économie", "Ministry of Economy")
    commitment = Commitment(
        id="c1",
        plan_id="p",
        title=_t("Un", "One"),
        lead_institutions=(ministry,),
        milestones=(
            Milestone("m1", _t("Jalon 1"), due=PartialDate(2026, 10),
                      children=(Milestone("m1.1", _t("Sous-jalon"), due=PartialDate(2026, 11)),)),
            Milestone("m2", _t("Jalon 2"), due=PartialDate(2026, 9, 30),
                      lead=_t("Agence", "Agency")),
            Milestone("m3", _t("Jalon 3")),
        ),
    )
    other = Commitment(id="c2", plan_id="p", title=_t("Deux"), lead_institutions=(ministry,))
    plan = Plan("p", "FR", _t("Plan"), PartialDate(2025, 1), PartialDate(2027, 12),
                ("fr", "en"), "fr", (commitment, other))
    return PlanSet((plan,))


def _at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=UTC)


def _snapshot() -> Snapshot:
    issue = Issue(1, "https://g.example/p/-/issues/1", "opened", _at(1), _at(20))
    comment = Comment(9, "Ana", "ana", _at(15), "ok", "civil_society", issue.web_url + "#note_9")
    return Snapshot(
        generated_at=_at(21),
        project=Project("https://g.example/p", "p"),
        items={
            "c1": ItemState(issue=issue, completion=Completion.LIMITED, completion_source="label",
                            status_since=_at(10), history=(StatusChange("limited", _at(10)),),
                            comments=(comment,)),
            "m1": ItemState(status=MilestoneStatus.COMPLETE, status_since=_at(12),
                            history=(StatusChange("in-progress", _at(2)),
                                     StatusChange("complete", _at(12)))),
            "m2": ItemState(status=MilestoneStatus.DELAYED, notices=("several-status-labels",)),
        },
    )


def test_counts_and_overdue_against_the_given_day() -> None:
    """Statuses are counted, and a month deadline is late only after that month ends."""
    report = build_report(_plans(), _snapshot(), dt.date(2026, 11, 30))
    view = report.plans[0]
    assert dict(view.status_counts) == {
        MilestoneStatus.NOT_STARTED: 0, MilestoneStatus.IN_PROGRESS: 0,
        MilestoneStatus.COMPLETE: 1, MilestoneStatus.DELAYED: 1, MilestoneStatus.WITHDRAWN: 0,
        None: 2,
    }
    assert dict(view.completion_counts)[Completion.LIMITED] == 1
    assert dict(view.completion_counts)[None] == 1
    assert [row.milestone.id for row in view.overdue] == ["m2"]  # m1.1 is due through Nov 30
    later = build_report(_plans(), _snapshot(), dt.date(2026, 12, 1))
    assert [row.milestone.id for row in later.plans[0].overdue] == ["m2", "m1.1"]


def test_commitment_row_and_milestone_tree() -> None:
    """A commitment knows its done/total, depth of each milestone, and its last update."""
    c1 = build_report(_plans(), _snapshot(), dt.date(2026, 11, 1)).plans[0].commitments[0]
    assert (c1.done, c1.total, c1.overdue) == (1, 4, 1)
    assert [(r.milestone.id, r.depth, r.parent_id) for r in c1.milestones] == [
        ("m1", 0, None), ("m1.1", 1, "m1"), ("m2", 0, None), ("m3", 0, None),
    ]
    assert c1.completion is Completion.LIMITED
    assert c1.completion_source == "label"
    assert c1.last_update == _at(20)
    assert c1.notices == (("m2", "several-status-labels"),)


def test_timeline_is_newest_first_and_mixes_statuses_and_comments() -> None:
    """The timeline interleaves status changes of every item with comments, newest first."""
    c1 = build_report(_plans(), _snapshot(), dt.date(2026, 11, 1)).plans[0].commitments[0]
    assert [(e.kind, e.item_id, e.at.day) for e in c1.timeline] == [
        ("comment", "c1", 15), ("status", "m1", 12), ("status", "c1", 10), ("status", "m1", 2),
    ]
    assert c1.comment_count == 1


def test_no_snapshot_means_no_update_for_everything() -> None:
    """Before any pull every milestone counts as "no update yet" and timelines are empty."""
    report = build_report(_plans(), None, dt.date(2026, 11, 1))
    view = report.plans[0]
    assert dict(view.status_counts)[None] == 4
    assert dict(view.completion_counts)[None] == 2
    assert report.generated_at is None
    assert report.recent == ()
    assert [row.milestone.id for row in view.overdue] == ["m2", "m1"]


def test_institutions_group_commitments_and_milestones() -> None:
    """Each lead institution lists what it leads; a milestone's own lead takes it over."""
    view = build_report(_plans(), None, dt.date(2026, 11, 1)).plans[0]
    by_slug = {i.slug: i for i in view.institutions}
    assert sorted(by_slug) == ["agence", "ministere-de-l-economie"]
    ministry = by_slug["ministere-de-l-economie"]
    assert [c.id for c in ministry.commitments] == ["c1", "c2"]
    assert [r.milestone.id for r in ministry.milestones] == ["m1", "m1.1", "m3"]
    assert [r.milestone.id for r in by_slug["agence"].milestones] == ["m2"]


def test_slugify_is_ascii_and_never_empty() -> None:
    """Slugs drop accents and punctuation, and an all-symbol name still gets one."""
    assert slugify("Secrétariat d’État  (SGMAP)") == "secretariat-d-etat-sgmap"
    assert slugify("—") == "institution"
