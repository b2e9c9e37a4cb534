"""Where things are written in a loaded YAML document (pure data).

`Source` is one input file as read; `Loaded` one document built from it: the
plain data plus `Positions`, the line and column of every mapping, key, value
and item, so each problem found later points at the place to fix
(docs/YAML.md "Rules"). `reconciler.spec.loader` builds them.

`FieldLocations` is what outlives the file: where each key of one schedule or
run is written, packed (a shared tuple of keys and an array of line/column
pairs, ~0.2 KiB instead of a dict of `Location`s, ~1 KiB) because every
declared schedule keeps one for the whole command.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from reconciler.core.errors import Location

#: (line, column) 1-based.
Pos = tuple[int, int]
#: key -> (key position, value position)
KeyPositions = dict[str, tuple[Pos, Pos]]


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: `label` is the path as the user gave it (used in every message)."""

    label: str
    data: bytes


@dataclass(slots=True)
class Positions:
    """Where each collection of a loaded document, its keys and its items are written."""

    label: str
    mappings: dict[int, tuple[Pos, KeyPositions]]
    sequences: dict[int, tuple[Pos, list[Pos]]]

    def at(self, pos: Pos) -> Location:
        return Location(self.label, pos[0], pos[1])

    def of(self, obj: object) -> Pos | None:
        """The position of a mapping or sequence, if `obj` is one from this document."""
        entry = self.mappings.get(id(obj)) or self.sequences.get(id(obj))
        return entry[0] if entry else None

    def key(self, mapping: object, key: str) -> Pos | None:
        entry = self.mappings.get(id(mapping))
        found = entry[1].get(key) if entry else None
        return found[0] if found else None

    def value(self, mapping: object, key: str) -> Pos | None:
        entry = self.mappings.get(id(mapping))
        found = entry[1].get(key) if entry else None
        return found[1] if found else None

    def item(self, sequence: object, index: int) -> Pos | None:
        entry = self.sequences.get(id(sequence))
        if entry is None or not 0 <= index < len(entry[1]):
            return None
        return entry[1][index]


@dataclass(slots=True)
class Loaded:
    """One document: its data (None for an empty file), positions, and where it starts.

    `positions` is keyed by `id()` of the collections in `data`: keep them together.
    """

    data: object
    positions: Positions
    start: Pos


#: Tuples of keys shared between items written with the same keys (bounded).
_KEY_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}
_MAX_POSITION = 0xFFFF_FFFF


class FieldLocations(Mapping[str, Location]):
    """Where each key of one item is written: a read-only mapping key -> `Location`.

    The `Location`s are made on lookup (only problems and warnings need them).
    """

    __slots__ = ("_file", "_keys", "_spots")

    def __init__(self, file: str, keys: Sequence[str], spots: Sequence[Pos]) -> None:
        shared = tuple(keys)
        if len(_KEY_TUPLES) >= 1024:
            _KEY_TUPLES.clear()
        self._file = file
        self._keys = _KEY_TUPLES.setdefault(shared, shared)
        flat = [number for spot in spots for number in spot]
        # Lines and columns fit 32 bits unless a file is gigabytes long.
        self._spots: Sequence[int] = (
            array("I", flat) if max(flat, default=0) <= _MAX_POSITION else tuple(flat)
        )

    def __getitem__(self, key: str) -> Location:
        try:
            index = 2 * self._keys.index(key)
        except ValueError:
            raise KeyError(key) from None
        return Location(self._file, self._spots[index], self._spots[index + 1])

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"FieldLocations({dict(self)!r})"
