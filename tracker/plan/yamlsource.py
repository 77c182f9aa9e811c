"""Read one YAML file safely, keeping where each value was written.

Plan files come from people, and a validator must point at the line to fix; it must also
stay fast and small on hostile input. So this reader refuses, with one clear error each:
anything but a regular file (a FIFO would hang the reader), files over a size cap, bytes that
are not UTF-8, YAML syntax errors, aliases (the only way to make a "billion laughs" bomb),
unknown tags, duplicate keys, absurd nesting and numbers too long to convert.

The file is read as a stream of YAML events, built into plain data without recursion, with
libyaml's parser when PyYAML has it (about twenty times faster than the pure-Python one) and the
pure-Python parser otherwise. Both give the same data, positions and messages: a syntax error
found by libyaml is parsed again by the pure-Python parser for its wording, except in files
too big for that to stay quick (see :data:`REPARSE_BYTES`).
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
import yaml.reader
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 50
# Python refuses to convert integers of more than 4300 digits (a guard against quadratic
# time); no plan needs a number this long, and the check must come before any conversion.
MAX_NUMBER_CHARACTERS = 100
# The pure-Python parser reads about 80 KiB a second: files up to this size are parsed again
# by it when libyaml finds a syntax error, so the message is worded the same either way.
REPARSE_BYTES = 256 * 1024

# libyaml's parser, when PyYAML was built with it; tests set it to None to check that the
# pure-Python path reads files the same way.
FAST_LOADER: type[Any] | None = getattr(yaml, "CSafeLoader", None)

KeyPath = tuple[str | int, ...]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_PLAIN_TAGS = {
    _STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    _TIMESTAMP_TAG,
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


@dataclass(frozen=True, order=True, slots=True)
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


# Where one value stands: the parser's mark of its key (None in a list), of itself, and the
# same for its children (a dict or a list shaped like the value, None for a scalar). A tree
# rather than a table keyed by full key paths, whose tuples grow with depth and cost hundreds
# of megabytes on a file at the size cap. Marks (0-based line and column) become positions
# only when asked for.
_Spot = tuple[Any, Any, Any]


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


@dataclass
class Document:
    """A parsed file: plain Python data, and where each value and key stands."""

    path: Path
    data: Any
    root: Position = Position(1, 1)
    spots: Any = None

    def where(self, path: KeyPath, *, key: bool = False) -> Position:
        """The position of the value at ``path`` (or of its key), else of its nearest parent."""
        key_at: Position | None = None
        value_at = self.root
        children = self.spots
        for part in path:
            found = (isinstance(children, dict) and isinstance(part, str) and part in children) or (
                isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children))
            if not found:
                break
            key_mark, value_mark, children = children[part]
            key_at = _position(key_mark) if key_mark else None
            value_at = _position(value_mark)
        return (key_at or value_at) if key else value_at


def shown(value: object, limit: int = 80) -> str:
    """``value`` as Python writes it (quoted, invisible characters escaped), cut to ``limit``.

    A message quotes what the file says; a hostile file's value can be a mebibyte long.
    """
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 4]}...{text[-1]}"


def file_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is, when it is not a regular file."""
    for test, name in _FILE_KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def _not_regular(kind: str) -> YamlError:
    return YamlError(f"this is {kind}, not a regular file: the tracker reads only regular "
                     "files; replace it with a plain YAML file or remove it")


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
    """Read a file as UTF-8 text, refusing files over :data:`MAX_FILE_BYTES`.

    Only a regular file is opened: opening a FIFO waits for a writer forever, and opening a
    device can act on it. The kind is checked before opening, then again on the open file,
    which is opened non-blocking so that a file swapped for a FIFO in between cannot hang.
    """
    try:
        kind = file_kind(path.stat().st_mode)
        if kind:
            raise _not_regular(kind)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            kind = file_kind(os.fstat(handle.fileno()).st_mode)
            if kind:
                raise _not_regular(kind)
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
    _check_printable(text)
    if FAST_LOADER is not None:
        try:
            return _parse(FAST_LOADER(text), path)
        except yaml.YAMLError as error:
            if len(text) > REPARSE_BYTES:
                raise _syntax_error(error) from None
            # libyaml words its errors its own way and refuses escapes that the pure-Python
            # parser reads (a lone surrogate, reported later with the key that holds it):
            # the pure-Python parser gives the message, the same with or without libyaml.
    return _parse(yaml.SafeLoader(text), path)


def _check_printable(text: str) -> None:
    """Refuse characters YAML does not allow, with the pure-Python reader's rule and position."""
    try:
        yaml.reader.Reader(text)
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        where = Position(before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1)
        name = unicodedata.name(chr(error.character), "control character")
        raise YamlError(f"the file holds a character YAML does not allow, U+{error.character:04X} "
                        f"({name}): remove it", where) from None


def _syntax_error(error: yaml.YAMLError) -> YamlError:
    if not isinstance(error, yaml.MarkedYAMLError):  # libyaml's reader: no line to give
        return YamlError(f"YAML syntax error: {str(error).splitlines()[0]}")
    mark = error.problem_mark or error.context_mark
    position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
    message = f"YAML syntax error: {error.problem or 'invalid YAML'}"
    if error.context and error.context_mark and error.context_mark is not mark:
        message += f" ({error.context} that starts on line {error.context_mark.line + 1})"
    return YamlError(message, position)


def _at(event: Event) -> Position:
    mark = event.start_mark
    return Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)


class _Frame:
    """A mapping or list being filled, and the key waiting for its value in a mapping."""

    __slots__ = ("data", "is_mapping", "key", "key_at", "spots")

    def __init__(self, data: dict[str, Any] | list[Any], spots: dict[str, _Spot] | list[_Spot]):
        # Typed loosely: the loop below knows which kind it holds from is_mapping.
        self.data: Any = data
        self.spots: Any = spots
        self.is_mapping = isinstance(data, dict)
        self.key: str | None = None
        self.key_at: Any = None


def _parse(loader: Any, path: Path) -> Document:
    try:
        document = Document(path=path, data=None)
        loader.get_event()  # stream start
        if loader.check_event(StreamEndEvent):
            return document
        loader.get_event()  # document start
        _build(loader, document)
        loader.get_event()  # document end
        if not loader.check_event(StreamEndEvent):
            raise YamlError("the file holds several YAML documents ('---' starts a new one): "
                            "keep one document per file", _at(loader.get_event()))
        return document
    except yaml.YAMLError as error:
        if FAST_LOADER is not None and isinstance(loader, FAST_LOADER):
            raise
        raise _syntax_error(error) from None
    finally:
        loader.dispose()


def _build(loader: Any, document: Document) -> None:
    """Build the document's one node from events, iteratively: nesting costs no recursion.

    This loop runs once per value of the file (half a million in a hostile one), so it keeps
    the parser's marks as positions instead of making new objects, and compares event types
    directly.
    """
    stack: list[_Frame] = []
    get_event = loader.get_event
    while True:
        event = get_event()
        kind = type(event)
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()  # the value is already in its parent
            if not stack:
                return
            continue
        if kind is AliasEvent:
            raise YamlError(
                "YAML aliases (*name) are not allowed in plan files: "
                "write the value out in full instead of referring to an anchor", _at(event))
        if len(stack) >= MAX_DEPTH:
            raise YamlError(
                f"the YAML is nested more than {MAX_DEPTH} levels deep: "
                "flatten the structure (is a bracket left open?)", _at(event))
        parent = stack[-1] if stack else None
        if parent is not None and parent.is_mapping and parent.key is None:
            _take_key(loader, event, parent)
            continue
        value: Any
        children: dict[str, _Spot] | list[_Spot] | None = None
        if kind is ScalarEvent:
            value = _scalar(loader, event)
        else:
            if event.tag is not None and event.tag != "!" and event.tag not in _COLLECTION_TAGS:
                raise YamlError(f"the YAML tag {shown(event.tag)} is not allowed in plan files: "
                                "remove it", _at(event))
            value, children = ({}, {}) if kind is MappingStartEvent else ([], [])
        if parent is None:
            document.data, document.root, document.spots = value, _at(event), children
        elif parent.is_mapping:
            parent.data[parent.key] = value
            parent.spots[parent.key] = (parent.key_at, event.start_mark, children)
            parent.key = None
        else:
            parent.data.append(value)
            parent.spots.append((None, event.start_mark, children))
        if children is not None:
            stack.append(_Frame(value, children))
        elif parent is None:
            return


def _take_key(loader: Any, event: Event, frame: _Frame) -> None:
    if not isinstance(event, ScalarEvent):
        raise YamlError("a key must be a plain word, not a list or a mapping", _at(event))
    value = _scalar(loader, event)
    key = value if isinstance(value, str) else str(event.value)
    assert isinstance(frame.spots, dict)
    if key in frame.spots:
        first = frame.spots[key][0]
        raise YamlError(f"duplicate key {shown(key)} (first written on line {first.line + 1}): "
                        "keep only one of them", _at(event))
    frame.key, frame.key_at = key, event.start_mark


def _scalar(loader: Any, event: ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(ScalarNode, event.value, event.implicit)
    if tag not in _PLAIN_TAGS:
        raise YamlError(f"the YAML tag {shown(tag)} is not allowed in plan files: remove it",
                        _at(event))
    if tag in (_STR_TAG, _TIMESTAMP_TAG):
        # Dates stay text, as editors using the JSON Schema (YAML 1.2) see them.
        return event.value
    if tag in _NUMBER_TAGS and len(event.value) > MAX_NUMBER_CHARACTERS:
        raise YamlError(f"a number of {len(event.value)} characters is more than a plan needs: "
                        "shorten it, or put it in quotes if it is meant as text", _at(event))
    node = ScalarNode(tag, event.value, None, None, event.style)
    try:
        return SafeConstructor.yaml_constructors[tag](loader, node)
    # PyYAML's constructors fail on some empty or odd values (`!!bool ""`, `!!int "-"`) with
    # KeyError or IndexError rather than ValueError: the same mistake, the same message.
    except (ValueError, KeyError, IndexError):
        raise YamlError(f"{shown(event.value)} is not a valid value here: "
                        "put it in quotes if it is meant as text", _at(event)) from None



def iter_paths(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every (key path, value) pair in ``data``, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))
