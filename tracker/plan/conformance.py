"""A quick yes to "does this document conform to its JSON Schema?", else "ask jsonschema".

jsonschema reports every problem of a file with the words the plan's problems are built from,
but it walks a valid file as slowly as an invalid one: reading a plan of 4,000 commitments
spent most of its schema time on files without any problem. :func:`conformance` compiles a
schema once into plain Python checks for the keywords the tracker's schemas use, and the
loader asks jsonschema only about the files those checks do not pass.

The checks may refuse a valid file (jsonschema then finds nothing to report), never pass an
invalid one: each is at least as strict as jsonschema's, and whatever they do not know for
sure (a keyword the schemas do not use, a number where a whole number is asked for, a list
of values that are not all text to keep unique) fails them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that say nothing about validity.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description",
                          "examples", "default"})
_TYPES: dict[str, type] = {"object": dict, "array": list, "string": str, "integer": int,
                           "boolean": bool}


def _never(_instance: Any) -> bool:
    return False


def conformance(schema: dict[str, Any]) -> Check:
    """A check that passes only documents that conform to ``schema`` (see the module doc)."""
    return _Compiler(schema).compile(schema)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._refs: dict[str, Check] = {}
        self._keywords: dict[str, Callable[[Any], Check]] = {
            "$ref": self._ref, "type": self._type, "required": self._required,
            "propertyNames": self._property_names, "items": self._items,
            "pattern": self._pattern, "minLength": self._min_length,
            "maxLength": self._max_length, "minItems": self._min_items,
            "minProperties": self._min_properties, "uniqueItems": self._unique_items,
            "enum": self._enum,
        }

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda _instance: True
        if not isinstance(schema, dict):
            return _never
        if "$id" in schema and schema is not self._root:
            return _never  # a resource of its own: its references resolve elsewhere
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("properties", "additionalProperties"):
                continue  # properties and additionalProperties are checked together below
            make = self._keywords.get(keyword)
            if make is None:
                return _never  # a keyword these checks do not know: jsonschema decides
            checks.append(make(value))
        if "properties" in schema or "additionalProperties" in schema:
            checks.append(self._object(schema.get("properties", {}),
                                       schema.get("additionalProperties", True)))
        if not checks:
            return lambda _instance: True
        if len(checks) == 1:
            return checks[0]
        return lambda instance: all(check(instance) for check in checks)

    def _ref(self, ref: Any) -> Check:
        prefix = "#/$defs/"
        name = ref[len(prefix):] if isinstance(ref, str) and ref.startswith(prefix) else ""
        definitions = self._root.get("$defs", {})
        # A plain name: no pointer escape (~0, ~1, %25) or deeper path to decode.
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name not in definitions:
            return _never
        if name not in self._refs:
            # Compiled on first use, through a cell: a definition may refer to itself.
            cell: list[Check] = []
            self._refs[name] = lambda instance: cell[0](instance)
            cell.append(self.compile(definitions[name]))
        return self._refs[name]

    def _type(self, name: Any) -> Check:
        kind = _TYPES.get(name) if isinstance(name, str) else None
        if kind is None:
            return _never
        # type() is, not isinstance(): a bool is no whole number, and anything unusual (a
        # float that is whole, a subclass) is left to jsonschema.
        return lambda instance: type(instance) is kind

    def _object(self, properties: dict[str, Any], additional: Any) -> Check:
        known = {name: self.compile(sub) for name, sub in properties.items()}
        others = None if additional is False else self.compile(additional)

        def check(instance: Any) -> bool:
            if type(instance) is not dict:
                return True
            for key, value in instance.items():
                sub = known.get(key)
                if sub is None:
                    if others is None or not others(value):
                        return False
                elif not sub(value):
                    return False
            return True

        return check

    def _required(self, names: list[str]) -> Check:
        return lambda instance: type(instance) is not dict or all(n in instance for n in names)

    def _property_names(self, schema: Any) -> Check:
        sub = self.compile(schema)
        return lambda instance: type(instance) is not dict or all(sub(k) for k in instance)

    def _items(self, schema: Any) -> Check:
        sub = self.compile(schema)
        return lambda instance: type(instance) is not list or all(sub(i) for i in instance)

    def _pattern(self, pattern: str) -> Check:
        search = re.compile(pattern).search
        return lambda instance: type(instance) is not str or search(instance) is not None

    def _min_length(self, least: int) -> Check:
        return lambda instance: type(instance) is not str or len(instance) >= least

    def _max_length(self, most: int) -> Check:
        return lambda instance: type(instance) is not str or len(instance) <= most

    def _min_items(self, least: int) -> Check:
        return lambda instance: type(instance) is not list or len(instance) >= least

    def _min_properties(self, least: int) -> Check:
        return lambda instance: type(instance) is not dict or len(instance) >= least

    def _unique_items(self, unique: bool) -> Check:
        if not unique:
            return lambda _instance: True
        return lambda instance: type(instance) is not list or (
            all(type(item) is str for item in instance) and len(set(instance)) == len(instance))

    def _enum(self, values: list[Any]) -> Check:
        if not all(type(value) is str for value in values):
            return _never
        allowed = frozenset(values)
        return lambda instance: type(instance) is str and instance in allowed
