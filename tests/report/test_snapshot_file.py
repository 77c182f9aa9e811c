"""The snapshot file: round trip, atomic writing, and clear errors on bad files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from tracker.errors import InputError
from tracker.plan.load import schema as published_schema
from tracker.snapshot import (
    DEFAULT_SNAPSHOT_PATH,
    Comment,
    Issue,
    ItemState,
    LabelProblem,
    Project,
    PushFinding,
    Snapshot,
    StatusChange,
    load_snapshot,
    save_snapshot,
)
from tracker.status import Completion, MilestoneStatus

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
T1 = dt.datetime(2026, 6, 2, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def _snapshot() -> Snapshot:
    issue = Issue(7, "https://gitlab.example/g/p/-/issues/7", "opened", T0, T1)
    return Snapshot(
        generated_at=T1,
        project=Project("https://gitlab.example/g/p", "g/p"),
        items={
            "fr-22": ItemState(
                issue=issue,
                history=(StatusChange("limited", T0),),
                status_since=T0,
                completion=Completion.LIMITED,
                completion_source="label",
                comments=(
                    Comment(
                        11, "Ana", "ana", T1, "**bien**", "civil_society",
                        "https://gitlab.example/g/p/-/issues/7#note_11",
                    ),
                ),
            ),
            "fr-22.1": ItemState(
                issue=Issue(8, "https://gitlab.example/g/p/-/issues/8", "closed", T0, T1, T1),
                status=MilestoneStatus.COMPLETE,
                status_since=T1,
                history=(StatusChange("in-progress", T0), StatusChange("complete", T1)),
                notices=("several-status-labels", "claimed-by-several-issues"),
                label_problems=(LabelProblem("Status::in-progres", "status::in-progress"),
                                LabelProblem("status:done")),
                push_findings=(PushFinding("kept-edit", "title"),
                               PushFinding("conflict", "due date")),
                other_issues=(12, 15),
                hidden_comments=2,
            ),
        },
        notices=("issue-deleted",),
    )


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    """A saved snapshot loads back equal, times and time zones included."""
    path = tmp_path / "deep" / "snapshot.json"
    save_snapshot(_snapshot(), path)
    assert load_snapshot(path) == _snapshot()


def test_saved_file_matches_the_published_schema(tmp_path: Path) -> None:
    """What save_snapshot writes validates against snapshot.schema.json."""
    path = tmp_path / "snapshot.json"
    save_snapshot(_snapshot(), path)
    schema = published_schema("snapshot")
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["format"] == "ogp-tracker-snapshot"
    assert document["version"] == 1
    assert list(document["items"]) == ["fr-22", "fr-22.1"]


def test_missing_file_means_no_snapshot(tmp_path: Path) -> None:
    """No file yet is not an error: the report shows "no update yet"."""
    assert load_snapshot(tmp_path / "nothing.json") is None


def test_default_path_is_in_the_tracker_folder() -> None:
    """The documented default place is .tracker/snapshot.json."""
    assert Path(".tracker/snapshot.json") == DEFAULT_SNAPSHOT_PATH


def test_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    """After saving twice, only the snapshot itself is in the folder."""
    path = tmp_path / "snapshot.json"
    save_snapshot(_snapshot(), path)
    save_snapshot(_snapshot(), path)
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.json"]


def test_failed_save_keeps_the_old_file(tmp_path: Path) -> None:
    """A snapshot that cannot be written (naive time) leaves the previous file intact."""
    path = tmp_path / "snapshot.json"
    save_snapshot(_snapshot(), path)
    before = path.read_bytes()
    broken = Snapshot(dt.datetime(2026, 1, 1), Project("https://g.example/p", "p"))
    with pytest.raises(ValueError, match="no time zone"):
        save_snapshot(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ('{"format": "other"}', 'not an OGP Tracker snapshot'),
        (
            '{"format": "ogp-tracker-snapshot", "version": 2}',
            "snapshot version 2 is not supported (this tracker reads version 1)",
        ),
        (
            '{"format": "ogp-tracker-snapshot", "version": 1, "generated_at": "yesterday",'
            ' "project": {"web_url": "https://g.example/p", "path": "p"}, "items": {}}',
            "generated_at: 'yesterday' does not match",
        ),
        (
            '{"format": "ogp-tracker-snapshot", "version": 1,'
            ' "generated_at": "2026-02-30T00:00:00Z",'
            ' "project": {"web_url": "https://g.example/p", "path": "p"}, "items": {}}',
            "the snapshot holds an impossible value: day is out of range for month",
        ),
        (
            '{"format": "ogp-tracker-snapshot", "version": 1,'
            ' "generated_at": "2026-02-03T00:00:00Z",'
            ' "project": {"web_url": "https://g.example/p", "path": "p"},'
            ' "items": {"m1": {"comments": [{"id": "7"}]}}}',
            "items/m1/comments/0: 'author_name' is a required property",
        ),
        (
            '{"format": "ogp-tracker-snapshot", "version": 1,'
            ' "generated_at": "2026-02-03T00:00:00",'
            ' "project": {"web_url": "https://g.example/p", "path": "p"}, "items": {}}',
            "generated_at: '2026-02-03T00:00:00' does not match",
        ),
        (
            '{"format": "ogp-tracker-snapshot", "version": 1,'
            ' "generated_at": "2026-02-03T00:00:00Z",'
            ' "project": {"web_url": "https://g.example/p", "path": "p"},'
            ' "items": {"m1": {"status": "finished"}}}',
            "items/m1/status",
        ),
    ],
)
def test_bad_files_raise_a_clear_input_error(tmp_path: Path, content: str, message: str) -> None:
    """Corrupt, foreign, other-version or invalid files give an InputError naming the file."""
    path = tmp_path / "snapshot.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_snapshot(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
