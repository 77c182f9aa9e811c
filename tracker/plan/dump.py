"""A stable YAML writer for plan files: the same data always gives the same bytes.

Keys follow the order of the published JSON schemas, texts list the plan's languages first,
multi-line texts are literal ``|`` blocks, lines are never folded, UTF-8 is written as is and
no anchor or alias is ever emitted. Each file starts with a ``yaml-language-server`` modeline so
editors validate it against the schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from tracker.plan.load import schema

# Files live in commitments/<plan-id>/, two levels below the project root that holds tracker/.
_MODELINE = "# yaml-language-server: $schema=../../tracker/schemas/{name}.schema.json\n"

# Far wider than any paragraph: PyYAML would otherwise fold long texts at 80 columns.
_NO_FOLDING = 1_000_000


def dump_plan(doc: Mapping[str, Any]) -> str:
    """The text of a ``plan.yml`` for ``doc`` (a mapping shaped like plan.schema.json)."""
    languages = tuple(doc.get("languages", ()))
    return _dump(doc, "plan", languages)


def dump_commitment(doc: Mapping[str, Any], languages: Sequence[str]) -> str:
    """The text of a commitment file; texts list ``languages`` first, in that order."""
    return _dump(doc, "commitment", tuple(languages))


def _dump(doc: Mapping[str, Any], schema_name: str, languages: tuple[str, ...]) -> str:
    root = schema(schema_name)
    ordered = _order(doc, root, root, languages, path="")
    body = yaml.dump(
        ordered,
        Dumper=_StableDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=_NO_FOLDING,
        indent=2,
    )
    return _MODELINE.format(name=schema_name) + body


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"unsupported $ref {ref!r} in the schema")
        node = root["$defs"][ref.removeprefix("#/$defs/")]
    return node


def _order(
    value: Any,
    node: Mapping[str, Any],
    root: Mapping[str, Any],
    languages: tuple[str, ...],
    path: str,
) -> Any:
    """``value`` rebuilt with every mapping's keys in schema order (a plain dict keeps it)."""
    node = _resolve(node, root)
    if isinstance(value, Mapping):
        properties: Mapping[str, Any] | None = node.get("properties")
        if properties is not None:
            unknown = sorted(set(value) - set(properties))
            if unknown:
                # A bug in an importer, not in the user's input: fail loudly.
                raise ValueError(f"{path or 'document'}: keys not in the schema: {unknown}")
            return {
                key: _order(value[key], properties[key], root, languages, f"{path}.{key}")
                for key in properties
                if key in value
            }
        # A text: {fr: ..., en: ...}, the plan's languages first, any other after, sorted.
        keys = [lang for lang in languages if lang in value]
        keys += sorted(key for key in value if key not in languages)
        return {key: value[key] for key in keys}
    if isinstance(value, list | tuple):
        items = node.get("items", {})
        return [
            _order(item, items, root, languages, f"{path}[{index}]")
            for index, item in enumerate(value)
        ]
    return value


class _StableDumper(yaml.SafeDumper):
    """SafeDumper with indented lists, literal blocks for multi-line text and no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key ("key:\n  - item"), as people write them.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_StableDumper.add_representer(str, _represent_str)
