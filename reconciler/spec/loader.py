"""Turn the bytes of one YAML file into plain data plus the position of every key and item.

This module owns the YAML *syntax* (the schema of the content lives in `model.py`).
It is shaped around speed and hostile input:

- libyaml (ruamel.yaml.clib's C parser) produces the event stream, and this module
  builds plain dicts, lists and scalars from it in one flat loop with an explicit
  stack. That is as fast as ruamel's C-accelerated safe loader, never recurses (so
  deep nesting cannot exhaust the C or Python stack) and lets every limit be checked
  as the input is read, before any work is wasted on a hostile file.
- Scalars are resolved by the YAML 1.2 core schema, narrowed so that nothing is
  converted silently: timestamps, `0x10`, `0o17`, `on`/`off`/`yes`/`no` all stay the
  text the user wrote; only plain decimal integers, decimal floats, `true`/`false`
  and `null`/`~` become non-strings. Mapping keys are always text.
- Every mapping and sequence is recorded in a side table keyed by `id()` of the built
  object, with 1-based line and column of the collection, of each key and of each
  value. Aliases share the object they point to (and so its positions).

Limits (each refused with an `InputError` naming file, line and column):
- nesting deeper than `MAX_DEPTH` (32) collections;
- a scalar longer than `MAX_SCALAR` (65,536) characters;
- alias expansion: aliases (and merge keys) may add at most
  `ALIAS_BASE` (10,000) + `ALIAS_FACTOR` (10) x the nodes written so far. A
  "billion laughs" file is refused after reading a few hundred nodes;
- recursive aliases, more than one document per file, custom tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import ruamel.yaml.main
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.reader import ReaderError

from reconciler.core.errors import Location, Problem
from reconciler.spec.positions import KeyPositions, Loaded, Pos, Positions, Source
from reconciler.spec.syntax import syntax_problem


class _PureParser:
    """The pure-Python event stream, for interpreters without ruamel.yaml.clib."""

    def __init__(self, data: bytes) -> None:
        self._events = ruamel.yaml.main.YAML(typ="safe", pure=True).parse(data)

    def get_event(self) -> Any:
        return next(self._events, None)


_Parser: Any = getattr(ruamel.yaml.main, "CParser", None) or _PureParser

MAX_DEPTH = 32
MAX_SCALAR = 65_536
ALIAS_BASE = 10_000
ALIAS_FACTOR = 10


class _Refused(Exception):
    """Internal: stop reading this file, with one problem."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_MAYBE_NOT_TEXT = frozenset("0123456789+-.~nNtTfF")
_TAG = "tag:yaml.org,2002:"
_STR_TAGS = frozenset((None, "!", _TAG + "str"))


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) in (int, float),
    "bool": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}


def _resolve_plain(text: str) -> Any:
    if not text:
        return None
    if text[0] not in _MAYBE_NOT_TEXT:
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    lowered = text.lstrip("+-").lower()
    if lowered in (".inf", ".nan"):
        return float(text.replace(".", "", 1))
    return text


def _shown(tag: str) -> str:
    """A tag as the user wrote it: `!!str` rather than `tag:yaml.org,2002:str`."""
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _scalar(value: str, *, tag: str | None, style: str | None, pos: Pos) -> Any:
    if len(value) > MAX_SCALAR:
        raise _Refused(pos, f"value is {len(value):,} characters long; at most {MAX_SCALAR:,}")
    if tag is None:
        return value if style else _resolve_plain(value)
    if tag in _STR_TAGS:
        return value
    kind = tag[len(_TAG) :] if tag.startswith(_TAG) else ""
    if kind in _TYPE_CHECKS:
        resolved = _resolve_plain(value)
        if _TYPE_CHECKS[kind](resolved):
            return resolved
        raise _Refused(pos, f"{value!r} is not a valid !!{kind}")
    raise _Refused(pos, f"YAML tags like {_shown(tag)} are not supported; remove the tag")


class _Frame:
    """An open mapping or sequence while its events are read."""

    __slots__ = ("anchor", "container", "entries", "key", "key_pos", "merges", "nodes", "pos")

    def __init__(self, container: Any, entries: Any, *, anchor: str | None, pos: Pos, nodes: int):
        self.container = container
        self.entries = entries
        self.anchor = anchor
        self.pos = pos
        self.nodes = nodes
        self.key: str | None = None
        self.key_pos: Pos = pos
        self.merges: list[dict[str, Any]] | None = None


class _Builder:
    """The event loop: one document's data and positions, with every limit enforced."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[Any, int] | None] = {}  # None: still open
        self.written = 0  # nodes as written
        self.nodes = 0  # nodes including what aliases expand to

    def alias(self, name: str, pos: Pos) -> Any:
        if name not in self.anchors:
            raise _Refused(pos, f"alias *{name} refers to no anchor &{name} defined before it")
        target = self.anchors[name]
        if target is None:
            raise _Refused(pos, f"alias *{name} is inside its own anchor (a recursive alias)")
        value, size = target
        self.nodes += size
        if self.nodes - self.written > ALIAS_BASE + ALIAS_FACTOR * self.written:
            raise _Refused(
                pos,
                "aliases expand to too many nodes (is this a 'billion laughs' file?): at most "
                f"{ALIAS_BASE:,} plus {ALIAS_FACTOR} per node written are allowed",
            )
        return value

    def open(self, event: Any, pos: Pos, *, depth: int) -> _Frame:
        """The frame of a mapping or sequence that starts at `event`, recorded at `pos`."""
        self.written += 1
        self.nodes += 1
        if depth >= MAX_DEPTH:
            raise _Refused(pos, f"nesting is deeper than {MAX_DEPTH} levels")
        is_map = type(event) is MappingStartEvent
        if event.tag not in (None, "!", _TAG + ("map" if is_map else "seq")):
            raise _Refused(pos, f"YAML tags like {_shown(event.tag)} are not supported")
        if event.anchor is not None:
            self.anchors[event.anchor] = None
        container: Any
        entries: Any
        if is_map:
            container, entries = {}, {}
            self.positions.mappings[id(container)] = (pos, entries)
        else:
            container, entries = [], []
            self.positions.sequences[id(container)] = (pos, entries)
        return _Frame(container, entries, anchor=event.anchor, pos=pos, nodes=self.nodes - 1)

    def build(self, events: Iterator[Any]) -> Any:
        """Consume events up to the end of one document's root node; return the root."""
        stack: list[_Frame] = []
        for event in events:
            kind = type(event)
            mark = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            if kind is ScalarEvent:
                self.written += 1
                self.nodes += 1
                value = event.value
                if event.tag is not None or len(value) > MAX_SCALAR:
                    value = _scalar(value, tag=event.tag, style=event.style, pos=pos)
                elif not event.style and (not value or value[0] in _MAYBE_NOT_TEXT):
                    value = _resolve_plain(value)  # else: text as written (most scalars)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
            elif kind is AliasEvent:
                value = self.alias(event.anchor, pos)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                stack.append(self.open(event, pos, depth=len(stack)))
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                value = frame.container if frame.merges is None else self.merged(frame)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, self.nodes - frame.nodes)
                pos = frame.pos
            else:
                continue
            if not stack:
                return value
            frame = stack[-1]
            if type(frame.container) is dict:
                # The usual cases inline, as `attach` does them: a text key, a new key's value.
                key = frame.key
                if key is None:
                    if type(value) is str:
                        frame.key = value
                        frame.key_pos = pos
                        continue
                elif key != "<<" and key not in frame.container:
                    frame.key = None
                    frame.container[key] = value
                    frame.entries[key] = (frame.key_pos, pos)
                    continue
            self.attach(frame, value, pos)
        return None

    def attach(self, frame: _Frame, value: Any, pos: Pos) -> None:
        container = frame.container
        if type(container) is list:
            container.append(value)
            frame.entries.append(pos)
            return
        key = frame.key
        if key is None:
            if isinstance(value, dict | list):
                raise _Refused(pos, "a mapping key must be plain text, not a list or mapping")
            frame.key = _key_text(value)
            frame.key_pos = pos
            return
        frame.key = None
        if key == "<<":
            self.add_merge(frame, value, pos)
            return
        entries: KeyPositions = frame.entries
        if key in container:
            first = entries[key][0]
            self.problems.append(
                Problem(
                    self.positions.at(frame.key_pos),
                    f"duplicate key `{key}` (first at line {first[0]}, column {first[1]})",
                )
            )
            return
        container[key] = value
        entries[key] = (frame.key_pos, pos)

    def add_merge(self, frame: _Frame, value: Any, pos: Pos) -> None:
        sources = value if isinstance(value, list) else [value]
        if not sources or not all(isinstance(s, dict) for s in sources):
            raise _Refused(pos, "a merge key `<<` takes a mapping or a list of mappings")
        if frame.merges is None:
            frame.merges = []
        frame.merges.extend(sources)

    def merged(self, frame: _Frame) -> dict[str, Any]:
        """The mapping of a frame with merge keys: explicit keys win, earlier merges win."""
        explicit: dict[str, Any] = frame.container
        result: dict[str, Any] = {}
        result_entries: KeyPositions = {}
        mappings = self.positions.mappings
        for source in reversed(frame.merges or ()):
            result.update(source)
            source_entry = mappings.get(id(source))
            if source_entry:
                result_entries.update(source_entry[1])
        result.update(explicit)
        result_entries.update(frame.entries)
        del mappings[id(explicit)]
        mappings[id(result)] = (frame.pos, result_entries)
        return result


def _key_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _line_col(text: str, offset: int) -> Pos:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _check_text(source: Source) -> str:
    data = source.data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Refused((1, 1), "this file is UTF-16; save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        if b"\0" in data:
            message = "this is a binary file, not YAML text"
        else:
            message = (
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8"
            )
        raise _Refused((line, column), message) from None
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        char = bad.group()
        if char == "\0":
            raise _Refused(_line_col(text, bad.start()), "this is a binary file, not YAML text")
        raise _Refused(
            _line_col(text, bad.start()),
            f"character U+{ord(char):04X} is not allowed in YAML; remove it",
        )
    return text


def load_document(source: Source) -> tuple[Loaded | None, list[Problem]]:
    """Load one file. Returns (document or None, problems); never raises for bad input.

    An empty file (or one holding only comments, or `---` alone) gives a document
    whose data is None. With problems the document is None, except when they are
    only duplicate keys: then the first value of each key is kept, so the rest of
    the document can still be checked and its other problems reported too.
    """
    positions = Positions(source.label, {}, {})
    builder = _Builder(positions)
    start: Pos = (1, 1)
    text = ""
    try:
        text = _check_text(source)
        events = iter(_Parser(source.data).get_event, None)  # C-level: no frame per event
        data: Any = None
        documents = 0
        for event in events:
            if type(event) is DocumentStartEvent:
                documents += 1
                mark = event.start_mark
                if documents > 1:
                    raise _Refused(
                        (mark.line + 1, mark.column + 1),
                        "a second YAML document (`---`); put one document in each file",
                    )
                start = (mark.line + 1, mark.column + 1)
                data = builder.build(events)
                start = positions.of(data) or start
    except _Refused as refused:
        return None, [*builder.problems, Problem(positions.at(refused.pos), refused.message)]
    except MarkedYAMLError as exc:
        return None, [*builder.problems, syntax_problem(source.label, exc, text)]
    except ReaderError as exc:  # pragma: no cover - _check_text rejects these first
        return None, [Problem(Location(source.label), f"unreadable YAML: {exc.reason}")]
    except YAMLError as exc:  # pragma: no cover - other libyaml errors carry no mark
        return None, [Problem(Location(source.label), f"invalid YAML: {exc}")]
    # Duplicate keys keep the first value: the document is still checked, so its
    # other problems are reported in the same run.
    return Loaded(data, positions, start), builder.problems
