"""Where things are written in a loaded YAML document (pure data).

`Source` is one input file as read; `Loaded` one document built from it: the
plain data plus `Positions`, the line and column of every mapping, key, value
and item, so each problem found later points at the place to fix
(docs/YAML.md "Rules"). `reconciler.spec.loader` builds them.
"""

from __future__ import annotations

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
