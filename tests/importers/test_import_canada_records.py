"""`tracker import canada --records`: progress Canada reported, kept as `reported`.

The records are a synthetic fixture in the shape of the nap5 table's published records; the
table itself (real) gives the status scale and the reporting periods they are checked against.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from support_importers import NAP5, NAP5_RECORDS, load, milestones_by_id

from tracker.cli import cli

OUT = Path("out/ca-2022-2024")


def import_records(records: Path = NAP5_RECORDS) -> Result:
    """Import nap5 with ``records`` into out/."""
    return CliRunner().invoke(
        cli, ["import", "canada", str(NAP5), "--out", "out", "--records", str(records)]
    )


def write_records(*rows: str) -> Path:
    """A records file with the nap5 columns and ``rows``."""
    header = NAP5_RECORDS.read_text(encoding="utf-8").splitlines()[0]
    path = Path("records.csv")
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_records_become_reports_in_period_order_on_the_tables_scale() -> None:
    """C01.1.1's two records: 2022-12 limited, then 2023-06 substantial, with every text."""
    result = import_records()
    assert result.exit_code == 0, result.output
    indicator = milestones_by_id(load(OUT / "c01.yml"))["ca-2022-2024-c01.1.1"]
    first, second = indicator["reported"]
    assert (first["date"], first["status"]) == ("2022-12", "limited")
    assert first["status_text"] == {"en": "Limited progress", "fr": "Progrès limité"}
    assert (second["date"], second["status"]) == ("2023-06", "substantial")
    assert second["progress"]["fr"].startswith("- Enregistrement synthétique : dix")
    assert second["challenges"] == {"en": "Synthetic: staffing", "fr": "Synthétique : personnel"}
    assert second["links"] == [
        "https://example.org/synthetic/evidence", "https://example.org/synthetique/preuve",
    ]
    assert second["source"]["name"]["en"] == (
        "Government of Canada, open government tracker, reporting period 2023-06"
    )
    done = milestones_by_id(load(OUT / "c05.yml"))["ca-2022-2024-c05.1.1"]["reported"]
    assert [(r["date"], r["status"]) for r in done] == [("2024-03", "complete")]
    validated = CliRunner().invoke(cli, ["validate", "out"])
    assert validated.exit_code == 0, validated.output


def test_a_status_off_the_scale_is_refused_with_its_line() -> None:
    """A status code the table does not define is named with the CSV line and the scale."""
    path = write_records("2023-06,C01,C01.1,C01.1.1,OK,a,b,,,,")
    result = import_records(path)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: records.csv, line 2: status 'OK' is not on the table's scale "
        "(NS, LP, SP, C): fix it\n"
    )


def test_a_period_the_table_does_not_have_is_refused() -> None:
    """The reporting period must be one of the table's choices."""
    path = write_records(
        "2022-12,C01,C01.1,C01.1.1,C,a,b,,,,", "2021-05,C01,C01.1,C01.1.1,C,a,b,,,,"
    )
    result = import_records(path)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: records.csv, line 3: reporting period '2021-05' is not one of the table's "
        "(2022-03, 2022-06,"
    )


def test_an_unknown_indicator_is_refused() -> None:
    """A record about an indicator the table lacks is named, not dropped."""
    path = write_records("2023-06,C09,C09.1,C09.1.1,C,a,b,,,,")
    result = import_records(path)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: records.csv, line 2: indicator 'C09.1.1' is not in nap5.yaml: check the code "
        "or give the table of the same plan\n"
    )


def test_a_file_without_the_columns_is_refused() -> None:
    """A CSV that is not the table's records says which columns it needs."""
    Path("records.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = import_records(Path("records.csv"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: records.csv, line 1: no column 'reporting_period': the records need the "
        "columns reporting_period, indicators, status, progress_en, progress_fr (and may have "
        "evidence_en/fr, challenges_en/fr), named as the table's datastore_id\n"
    )
