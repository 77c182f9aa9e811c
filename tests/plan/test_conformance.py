"""The quick schema check never passes a file jsonschema would find a problem in."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tracker.plan import yamlsource
from tracker.plan.conformance import conformance
from tracker.plan.load import schema

EXAMPLES = Path(__file__).resolve().parents[2] / "commitments"
ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, 1, -3, 1.0, 2.5, "", " ", "x", "fr", "FR", "fra", "2016-13",
    "2016-12", "2016-12-31", "http://x", "https://g.example/g/p/-/issues/3", "a b", "-x",
    "é", [], [""], ["x", "x"], ["a", "b"], {}, {"fr": ""}, {"fr": "x"}, {"xx": 1},
    {"fr": "x", "en": "y"}, {"1": "x"}, "x" * 300,
)


def _documents() -> list[tuple[str, Any]]:
    docs = []
    for path in sorted(EXAMPLES.rglob("*.yml")):
        name = "plan" if path.name == "plan.yml" else "commitment"
        docs.append((name, yamlsource.load(path).data))
    return docs


def _spots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _spots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _spots(item, (*path, index))
    return found


def _mutated(doc: Any, rng: random.Random) -> Any:
    """``doc`` with one to three random changes: a value replaced, a key added or removed."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        spot = rng.choice(_spots(doc))
        if not spot:
            continue
        *parents, last = spot
        holder = doc
        for part in parents:
            holder = holder[part]
        action = rng.random()
        if action < 0.6:
            holder[last] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action < 0.8 and isinstance(holder, dict):
            del holder[last]
        elif isinstance(holder, dict):
            holder[rng.choice(["extra", "titel", "fr", "milestones", "id"])] = copy.deepcopy(
                rng.choice(ODD_VALUES))
        elif isinstance(holder, list):
            holder.append(copy.deepcopy(holder[last]))
    return doc


def test_the_shipped_plans_pass_the_quick_check() -> None:
    """Valid files skip jsonschema: the check knows every keyword the schemas use."""
    for name, data in _documents():
        assert conformance(schema(name))(data), name


@pytest.mark.parametrize("seed", range(4))
def test_a_file_the_quick_check_passes_has_no_schema_error(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - repeatable mutations, not secrets
    docs = _documents()
    checks = {name: conformance(schema(name)) for name in ("plan", "commitment")}
    validators = {name: jsonschema.Draft202012Validator(schema(name))
                  for name in ("plan", "commitment")}
    passed = refused = 0
    for _ in range(500):
        name, data = rng.choice(docs)
        changed = _mutated(data, rng)
        valid = validators[name].is_valid(changed)
        if checks[name](changed):
            assert valid, changed
            passed += 1
        else:
            refused += valid
    assert passed > 30  # the mutations do not all break the file
    assert refused == 0  # and it refuses no valid file of these


@pytest.mark.parametrize("keyword", [
    {"type": "number"}, {"type": ["string", "null"]}, {"oneOf": [{"type": "string"}]},
    {"format": "date"}, {"$ref": "other.json#/x"}, {"$ref": "#/$defs/a~1b"},
    {"enum": [1, True]}, {"properties": {"a": {"$id": "x", "type": "string"}}},
])
def test_a_keyword_the_check_does_not_know_leaves_the_file_to_jsonschema(
        keyword: dict[str, Any]) -> None:
    assert not conformance({**keyword, "$defs": {"a/b": {}}})({"a": "x"})
