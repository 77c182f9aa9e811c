"""``tracker import``: bring a real action plan into the plan YAML of commitments/."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.importers.canada import import_canada
from tracker.importers.common import ImportResult
from tracker.importers.etalab import import_etalab
from tracker.importers.usa import import_usa

_OUT = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("commitments"),
    show_default=True,
    help="The folder that holds one sub-folder per plan.",
)
_SOURCE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group(
    "import",
    epilog="""\b
Examples:
  tracker import etalab engagement-22.fr.md commitment-22.en.md --plan fr-2015-2017
  tracker import canada nap5.yaml
  tracker import usa open.usa.gov/ --update-date 2024-06""",
)
def import_group() -> None:
    """Bring a published action plan into the plan YAML (commitments/<plan-id>/).

    Importing again rewrites the same files byte for byte; only changed files are written.
    """


@import_group.command(
    epilog="""\b
Example:
  tracker import etalab engagement-22.fr.md commitment-22.en.md \\
      --plan fr-2015-2017 --out commitments/""",
)
@click.argument("fr_file", type=_SOURCE)
@click.argument("en_file", type=_SOURCE)
@click.option("--plan", "plan_id", required=True, help="The plan's id, such as fr-2015-2017.")
@_OUT
def etalab(fr_file: Path, en_file: Path, plan_id: str, out_dir: Path) -> None:
    """Import one commitment from Etalab Markdown, FR_FILE and EN_FILE.

    FR_FILE is the French file (# Engagement N), EN_FILE the English one (# Commitment N).

    The two files must have the same roadmap bullets; follow-up links are kept so the sync
    adopts the existing GitLab issues.
    """
    _report(import_etalab(fr_file, en_file, plan_id, out_dir))


@import_group.command(
    epilog="""\b
Examples:
  tracker import canada nap5.yaml                 # writes commitments/ca-2022-2024/
  tracker import canada nap6.yaml --plan ca-nap6 --out commitments/
  tracker import canada nap.yaml --institutions institutions.yml""",
)
@click.argument("table", type=_SOURCE)
@click.option("--plan", "plan_id", help="The plan's id (default: ca-<first year>-<last year>).")
@click.option(
    "--institutions",
    type=_SOURCE,
    help="A YAML file naming the bodies the built-in list lacks, one a line: "
    "'CSPS: {en: <English name>, fr: <French name>}' (a code or an acronym as the table "
    "writes it).",
)
@click.option(
    "--number",
    type=click.IntRange(min=1),
    help="The plan's number (default: from dataset_type: nap5 is the 5th, nap the 4th).",
)
@click.option(
    "--records",
    type=_SOURCE,
    help="The table's published records (CSV): the progress reported for each indicator, "
    "kept as its reported progress.",
)
@_OUT
def canada(
    table: Path, plan_id: str | None, institutions: Path | None, number: int | None,
    records: Path | None, out_dir: Path,
) -> None:
    """Import a whole plan from a Canada tracker TABLE (CKAN nap.yaml, nap5.yaml, nap6.yaml).

    Leads come from lead_dept, or for the 4th plan's table from the acronyms that end each
    milestone's label; a body the built-in list lacks is named with --institutions.
    """
    _report(import_canada(table, out_dir, plan_id, institutions, number, records))


@import_group.command(
    epilog="""\b
Examples:
  tracker import usa open.usa.gov/                # writes commitments/us-2022-2024/
  tracker import usa open.usa.gov/ --update-date 2024-06 --out commitments/""",
)
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--plan", "plan_id", help="The plan's id (default: us-2022-2024 for the 5th plan).")
@click.option(
    "--update-date",
    metavar="YYYY-MM",
    help="When the update in the pages' bodies (Progress Update, Evidence) was published; "
    "the pages do not say.",
)
@_OUT
def usa(folder: Path, plan_id: str | None, update_date: str | None, out_dir: Path) -> None:
    """Import a US plan from a checkout of open.usa.gov (FOLDER with _commitments/ and
    _subcommitments/) into an English-only plan.

    Sub-commitments become milestones, agencies their leads; the progress the pages report is
    kept under `reported`.
    """
    _report(import_usa(folder, out_dir, plan_id, update_date))


def _report(result: ImportResult) -> None:
    for written in result.files:
        click.echo(f"{'wrote' if written.changed else 'unchanged'} {written.path}")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    changed = sum(f.changed for f in result.files)
    noun = "commitment" if result.commitments == 1 else "commitments"
    click.echo(
        f"Imported {result.commitments} {noun} of plan {result.plan_id} into {result.folder}: "
        f"{changed} file(s) written, {len(result.files) - changed} unchanged."
    )
