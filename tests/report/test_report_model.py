"""The report model: counts, overdue flags, tables and timelines, computed without I/O."""

from __future__ import annotations

import datetime as dt

from tracker.plan.model import Commitment, Milestone, PartialDate, Plan, PlanSet, Text
from tracker.report.language import guess_language
from tracker.report.model import build_report, slugify
from tracker.snapshot import (
    Comment,
    Issue,
    ItemState,
    LabelProblem,
    Project,
    PushFinding,
    Snapshot,
    StatusChange,
)
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


def _with(items: dict[str, ItemState], generated: dt.datetime | None = None) -> Snapshot:
    snapshot = _snapshot()
    return Snapshot(generated or snapshot.generated_at, snapshot.project,
                    {**snapshot.items, **items})


def _issue(iid: int, updated: dt.datetime) -> Issue:
    return Issue(iid, f"https://g.example/p/-/issues/{iid}", "opened", _at(1), updated)


def test_label_flapping_within_minutes_shows_only_what_was_settled() -> None:
    """Changes of one item minutes apart collapse to the last; a return to the same is none."""
    minute = dt.timedelta(minutes=1)
    start = _at(5, 9)
    history = tuple(StatusChange(status, start + n * minute) for n, status in enumerate(
        ["complete", "not-started", "delayed", "in-progress"]))
    later = (StatusChange("complete", _at(8)), StatusChange("in-progress", _at(8) + minute))
    snapshot = _with({"m3": ItemState(status=MilestoneStatus.IN_PROGRESS,
                                      history=(StatusChange("in-progress", _at(2)), *history,
                                               *later))})
    c1 = build_report(_plans(), snapshot, dt.date(2026, 11, 1)).plans[0].commitments[0]
    assert [(e.status, e.at) for e in c1.timeline if e.item_id == "m3"] == [
        ("in-progress", _at(2))]


def test_ties_follow_gitlab_order_and_changes_come_before_comments() -> None:
    """Events at the same second sort by GitLab's ids, status changes before comments."""
    same = _at(9, 12)
    issue = _issue(1, same)
    comments = tuple(Comment(note, "Ana", "ana", same, "ok", "civil_society", issue.web_url)
                     for note in (30, 12, 25))
    snapshot = _with({"m3": ItemState(issue=issue, status=MilestoneStatus.DELAYED,
                                      history=(StatusChange("delayed", same),),
                                      comments=comments)})
    c1 = build_report(_plans(), snapshot, dt.date(2026, 11, 1)).plans[0].commitments[0]
    at_same = [e for e in c1.timeline if e.at == same]
    assert [(e.kind, e.comment.id if e.comment else None) for e in reversed(at_same)] == [
        ("status", None), ("comment", 12), ("comment", 25), ("comment", 30)]


def test_long_timelines_fold_per_month_newest_first() -> None:
    """Past a dozen events the timeline is grouped by month, newest month first."""
    issue = _issue(1, _at(20))
    comments = tuple(Comment(n, "Ana", "ana", dt.datetime(2026, 1 + n % 10, 3, tzinfo=UTC),
                             "ok", "civil_society", issue.web_url) for n in range(1, 21))
    snapshot = _with({"m3": ItemState(issue=issue, comments=comments)})
    c1 = build_report(_plans(), snapshot, dt.date(2026, 11, 1)).plans[0].commitments[0]
    assert c1.folded
    months = [(m.first_day, len(m.events)) for m in c1.months]
    assert months[0] == (dt.date(2026, 10, 1), 6)  # 2 of these, c1 comment and change, m1 x2
    assert [day for day, _n in months] == sorted((day for day, _n in months), reverse=True)
    assert sum(n for _day, n in months) == len(c1.timeline)
    short = build_report(_plans(), _snapshot(), dt.date(2026, 11, 1)).plans[0].commitments[0]
    assert not short.folded


def test_planned_and_actual_dates() -> None:
    """A complete milestone knows when and how late; an open one, how late it is today."""
    c1 = build_report(_plans(), _snapshot(), dt.date(2026, 11, 30)).plans[0].commitments[0]
    rows = {row.milestone.id: row for row in c1.milestones}
    assert (rows["m1"].completed_at, rows["m1"].days_late) == (_at(12), -19)  # due Oct 31
    assert (rows["m2"].completed_at, rows["m2"].days_late) == (None, 61)  # due Sep 30
    assert (rows["m1.1"].completed_at, rows["m1.1"].days_late) == (None, None)  # not yet due
    assert rows["m3"].days_late is None  # no due date


def test_attention_lists_what_needs_a_person_most_blocking_first() -> None:
    """Labels, push findings, duplicates, gone and missing issues, lateness, idleness."""
    idle = _issue(5, dt.datetime(2026, 6, 1, tzinfo=UTC))
    snapshot = _with({
        "m1.1": ItemState(issue=idle, status=MilestoneStatus.IN_PROGRESS,
                          label_problems=(LabelProblem("Status::in-progres",
                                                       "status::in-progress"),),
                          push_findings=(PushFinding("conflict", "due date"),),
                          other_issues=(7,), notices=("claimed-by-several-issues",)),
        "m2": ItemState(status=MilestoneStatus.DELAYED, notices=("issue-deleted",)),
        "c2": ItemState(notices=("issue-confidential",)),
    })
    view = build_report(_plans(), snapshot, dt.date(2026, 11, 30)).plans[0]
    assert [(a.kind, a.item_id) for a in view.attention] == [
        ("label", "m1.1"), ("conflict", "m1.1"), ("claimed-twice", "m1.1"),
        ("issue-gone", "m2"), ("not-on-gitlab", "m1"), ("not-on-gitlab", "m3"),
        ("confidential", "c2"),
        ("overdue", "m2"), ("stale", "m1.1"),
    ]
    label, conflict, claimed, gone, *_rest, overdue, stale = view.attention
    assert (label.label, label.suggestion) == ("Status::in-progres", "status::in-progress")
    assert conflict.field == "due date"
    assert claimed.other_issues == (7,)
    assert gone.code == "issue-deleted"
    assert (overdue.days, overdue.institution_slugs) == (61, ("agence",))
    assert (stale.days, stale.since) == (182, idle.updated_at)
    groups = {g.slug: [a.item_id for a in g.entries] for g in view.attention_by_institution}
    assert groups["agence"] == ["m2", "m2"]
    assert "c1" not in groups["ministere-de-l-economie"]  # updated on Oct 20: not idle yet


def test_before_any_pull_only_lateness_needs_attention() -> None:
    """Without a snapshot nothing is "not on GitLab" or idle; overdue milestones still are."""
    view = build_report(_plans(), None, dt.date(2026, 11, 30)).plans[0]
    assert [(a.kind, a.item_id) for a in view.attention] == [
        ("overdue", "m2"), ("overdue", "m1")]


def test_comment_language_is_guessed_only_when_clear() -> None:
    """A French or English comment says so; a short or mixed one stays unmarked."""
    assert guess_language("Le compte rendu est publié et les données sont sur le site.") == "fr"
    assert guess_language("The report is out and the data will be on the site.") == "en"
    assert guess_language("OK, merci !") is None
    assert guess_language("https://example.org/data") is None
