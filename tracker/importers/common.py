"""What every importer shares: safe reading of source files and writing a plan folder."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.plan import yamlsource
from tracker.plan.dump import dump_commitment, dump_plan

# Real sources are well under 100 kB; the cap keeps a wrong file from filling memory.
MAX_SOURCE_BYTES = 5 * 1024 * 1024

_PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
# How yamlsource starts the message of a syntax error (the other refusals have their own words).
_SYNTAX_ERROR = "YAML syntax error: "


@dataclass(frozen=True)
class WrittenFile:
    """One file an import produced, and whether its bytes changed."""

    path: Path
    changed: bool


@dataclass
class ImportResult:
    """What an import did: the plan, the files it wrote and what the person should know."""

    plan_id: str
    folder: Path
    files: list[WrittenFile] = field(default_factory=list)
    commitments: int = 0
    warnings: list[str] = field(default_factory=list)


def read_text(path: Path, max_bytes: int | None = None) -> str:
    """The UTF-8 text of ``path``; InputError when it is missing, too big or not UTF-8.

    ``max_bytes`` lowers the cap below :data:`MAX_SOURCE_BYTES`.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file: check the path")
    size = path.stat().st_size
    limit = MAX_SOURCE_BYTES if max_bytes is None else min(max_bytes, MAX_SOURCE_BYTES)
    if size > limit:
        raise InputError(
            f"{path}: {size} bytes is more than the {limit} a plan source may have: "
            "is it the right file?"
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            f"{path}, line {line}: not valid UTF-8 (byte {data[error.start]:#04x}): "
            "save the file as UTF-8 and import it again"
        ) from None
    # A byte-order mark is harmless but would stick to the first heading or key.
    return text.removeprefix("\ufeff")


def load_yaml(path: Path) -> yamlsource.Document:
    """The YAML file ``path``, parsed safely, with the line of every key and value.

    Duplicate keys, aliases and custom tags are refused (a key written twice would otherwise
    silently drop one of the two values). InputError names the file and the line.
    """
    # Missing, oversized or non-UTF-8 files get the importers' wording; the YAML reader's
    # own cap is smaller than ours, so it applies here too.
    read_text(path, max_bytes=yamlsource.MAX_FILE_BYTES)
    try:
        return yamlsource.load(path)
    except yamlsource.YamlError as error:
        message = error.message
        if message.startswith(_SYNTAX_ERROR):
            message = f"not valid YAML ({message.removeprefix(_SYNTAX_ERROR)}): fix the syntax"
        raise InputError(f"{path}, line {error.position.line}: {message}") from None


def check_plan_id(plan_id: str) -> str:
    """``plan_id`` if it can name a plan folder; InputError otherwise."""
    if not _PLAN_ID_RE.match(plan_id):
        raise InputError(
            f"plan id {plan_id!r} is not valid: use lower-case letters, digits and '-', "
            "such as fr-2015-2017 or ca-2022-2024"
        )
    return plan_id


def clean_text(text: str) -> str:
    """``text`` without trailing spaces on its lines, runs of blank lines or outer blank lines.

    Trailing spaces would stop the YAML writer from using a readable literal block.
    """
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def write_plan(
    out_dir: Path,
    plan_id: str,
    plan_doc: Mapping[str, Any] | None,
    commitments: Sequence[tuple[str, Mapping[str, Any]]],
    languages: Sequence[str],
) -> ImportResult:
    """Write ``plan.yml`` (unless ``plan_doc`` is None) and ``<local>.yml`` per commitment.

    Files whose bytes would not change are left untouched, so a second import is a no-op.
    """
    folder = out_dir / check_plan_id(plan_id)
    folder.mkdir(parents=True, exist_ok=True)
    result = ImportResult(plan_id=plan_id, folder=folder, commitments=len(commitments))
    outputs: list[tuple[Path, str]] = []
    if plan_doc is not None:
        outputs.append((folder / "plan.yml", dump_plan(plan_doc)))
    for local, doc in commitments:
        outputs.append((folder / f"{local}.yml", dump_commitment(doc, languages)))
    for path, text in outputs:
        data = text.encode("utf-8")
        changed = not path.is_file() or path.read_bytes() != data
        if changed:
            path.write_bytes(data)
        result.files.append(WrittenFile(path, changed))
    return result


@dataclass
class ImportedCommitment:
    """One commitment read from a source: its local number, its document and any warnings."""

    local: str
    doc: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def text_of(**values: str | None) -> dict[str, str]:
    """A bilingual text from keyword languages, leaving out the missing or blank ones."""
    return {lang: value for lang, value in values.items() if value and value.strip()}
