"""Fidelity: searching and filtering the issue list as the sync's repair needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tracker.testing.fake_gitlab import FakeGitLab
from tracker.testing.fake_gitlab.clock import iso


def _iids(project: Any, **filters: Any) -> list[int]:
    return sorted(i.iid for i in project.issues.list(get_all=True, **filters))


def test_search_terms_match_in_any_order_in_one_column(project: Any) -> None:
    """GitLab source: Gitlab::SQL::Pattern#fuzzy_search: each term of 3+ characters must
    appear (ANDed), in any order, within one column; columns are ORed."""
    hit = project.issues.create({"title": "Open data portal"})
    split = project.issues.create({"title": "Open budget", "description": "a portal"})
    assert _iids(project, search="portal open") == [hit.iid]
    assert split.iid not in _iids(project, search="portal open")


def test_search_in_title_or_description(project: Any) -> None:
    """GitLab docs: Issues API > List project issues: `in` is title, description or both."""
    title = project.issues.create({"title": "marker-abc"})
    body = project.issues.create({"title": "Other", "description": "<!-- marker-abc -->"})
    assert _iids(project, search="marker-abc") == [title.iid, body.iid]
    assert _iids(project, search="marker-abc", **{"in": "title"}) == [title.iid]
    assert _iids(project, search="marker-abc", **{"in": "description"}) == [body.iid]


def test_short_search_is_a_whole_value_match(project: Any) -> None:
    """GitLab source: with no term of 3 characters, the query must equal the column (ILIKE
    without wildcards), case insensitively."""
    exact = project.issues.create({"title": "AB"})
    project.issues.create({"title": "abc"})
    assert _iids(project, search="ab") == [exact.iid]


def test_quoted_phrase_is_one_term(project: Any) -> None:
    """GitLab source: split_query_to_search_terms keeps a "quoted phrase" as one term."""
    phrase = project.issues.create({"title": "open data portal"})
    project.issues.create({"title": "data is open"})
    assert _iids(project, search='"open data"') == [phrase.iid]


def test_filters_combine_for_an_incremental_walk(project: Any, fake_gitlab: FakeGitLab) -> None:
    """GitLab docs: Issues API > List project issues: iids[], updated_after, updated_before,
    search and order_by=updated_at combine (ANDed), on or after/before inclusive."""
    first = project.issues.create({"title": "tracker item one"})
    fake_gitlab.clock.advance(10)
    second = project.issues.create({"title": "tracker item two"})
    fake_gitlab.clock.advance(10)
    project.issues.create({"title": "something else"})
    fake_gitlab.clock.advance(10)
    first.description = "edited"
    first.save()
    edited = project.issues.get(first.iid)
    found = project.issues.list(get_all=True, search="tracker item",
                                iids=[first.iid, second.iid], order_by="updated_at",
                                sort="asc", updated_after=second.updated_at)
    assert [i.iid for i in found] == [second.iid, first.iid]
    before_the_edit = iso(fake_gitlab.clock.now() - timedelta(seconds=9))
    before = project.issues.list(get_all=True, search="tracker",
                                 updated_before=before_the_edit)
    assert [i.iid for i in before] == [second.iid]
    assert edited.updated_at > before_the_edit
