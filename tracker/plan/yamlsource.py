"""Read one YAML file safely, keeping where each value was written.

Plan files come from people, and a validator must point at the line to fix; it must also
stay fast and small on hostile input. So this reader refuses, with one clear error each:
files over a size cap, bytes that are not UTF-8, YAML syntax errors, aliases (the only way
to make a "billion laughs" bomb), unknown tags, duplicate keys and absurd nesting.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml.reader
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 50

KeyPath = tuple[str | int, ...]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    _TIMESTAMP_TAG,
}


_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a file."""

    line: int
    column: int


class YamlError(Exception):
    """The file cannot be read as plan YAML; ``position`` says where."""

    def __init__(self, message: str, position: Position = Position(1, 1)) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass
class Document:
    """A parsed file: plain Python data, and where each value and key stands."""

    path: Path
    data: Any
    values: dict[KeyPath, Position] = field(default_factory=dict)
    keys: dict[KeyPath, Position] = field(default_factory=dict)

    def where(self, path: KeyPath, *, key: bool = False) -> Position:
        """The position of the value at ``path`` (or of its key), else of its nearest parent."""
        table = self.keys if key else self.values
        for length in range(len(path), -1, -1):
            found = table.get(path[:length]) or self.values.get(path[:length])
            if found:
                return found
        return Position(1, 1)


def _mark(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and deep nesting while composing."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise YamlError(
                "YAML aliases (*name) are not allowed in plan files: "
                "write the value out in full instead of referring to an anchor",
                Position(event.start_mark.line + 1, event.start_mark.column + 1),
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise YamlError(
                    f"the YAML is nested more than {MAX_DEPTH} levels deep: "
                    "flatten the structure (is a bracket left open?)",
                    Position(event.start_mark.line + 1, event.start_mark.column + 1),
                )
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


def _decode(raw: bytes, path: Path) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(
            f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x}): "
            "save it as UTF-8 in your editor",
            Position(line, column),
        ) from None
    return text.removeprefix("\ufeff")


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing files over :data:`MAX_FILE_BYTES`."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise YamlError(f"cannot read the file: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(
            f"the file is larger than {MAX_FILE_BYTES // 1024} KiB: "
            "split the plan into one file per commitment"
        )
    return _decode(raw, path)


def load(path: Path) -> Document:
    """Parse ``path`` into a :class:`Document`; raise :class:`YamlError` on any problem."""
    text = read_text(path)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        where = Position(before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1)
        name = unicodedata.name(chr(error.character), "control character")
        raise YamlError(f"the file holds a character YAML does not allow, U+{error.character:04X} "
                        f"({name}): remove it", where) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        message = f"YAML syntax error: {error.problem or 'invalid YAML'}"
        if error.problem == "but found another document":
            message = ("the file holds several YAML documents ('---' starts a new one): "
                       "keep one document per file")
        elif error.context and error.context_mark and error.context_mark is not mark:
            message += f" ({error.context} that starts on line {error.context_mark.line + 1})"
        raise YamlError(message, position) from None
    finally:
        loader.dispose()
    document = Document(path=path, data=None)
    if node is not None:
        document.data = _convert(node, (), document, loader)
    return document


def _convert(node: Node, path: KeyPath, document: Document, loader: _Loader) -> Any:
    document.values[path] = _mark(node)
    if not isinstance(node, ScalarNode) and node.tag not in _COLLECTION_TAGS:
        raise YamlError(
            f"the YAML tag {node.tag!r} is not allowed in plan files: remove it", _mark(node)
        )
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _convert_key(key_node, loader)
            if key in result:
                first = document.keys[(*path, key)]
                raise YamlError(
                    f"duplicate key {key!r} (first written on line {first.line}): "
                    "keep only one of them",
                    _mark(key_node),
                )
            document.keys[(*path, key)] = _mark(key_node)
            result[key] = _convert(value_node, (*path, key), document, loader)
        return result
    if isinstance(node, SequenceNode):
        return [
            _convert(item, (*path, index), document, loader)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node, loader)


def _convert_key(node: Node, loader: _Loader) -> str:
    if not isinstance(node, ScalarNode):
        raise YamlError("a key must be a plain word, not a list or a mapping", _mark(node))
    value = _scalar(node, loader)
    return value if isinstance(value, str) else str(node.value)


def _scalar(node: Node, loader: _Loader) -> Any:
    assert isinstance(node, ScalarNode)
    if node.tag not in _PLAIN_TAGS:
        raise YamlError(
            f"the YAML tag {node.tag!r} is not allowed in plan files: remove it", _mark(node)
        )
    if node.tag == _TIMESTAMP_TAG:
        # Dates stay text, as editors using the JSON Schema (YAML 1.2) see them.
        return node.value
    return loader.construct_object(node, deep=True)


def iter_paths(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every (key path, value) pair in ``data``, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))
