"""Positions answer None for anything the document does not hold (positions.py)."""

from __future__ import annotations

from reconciler.core.errors import Location
from reconciler.spec.loader import load_document
from reconciler.spec.positions import Source


def test_positions_of_what_is_written_and_none_for_what_is_not() -> None:
    loaded, problems = load_document(Source("f.yaml", b"a:\n  b: 1\nlist: [x, y]\n"))
    assert problems == [] and loaded is not None
    data, positions = loaded.data, loaded.positions
    assert positions.at((2, 3)) == Location("f.yaml", 2, 3)
    assert positions.of(data) == (1, 1)
    assert positions.of(data["list"]) == (3, 7)
    assert positions.key(data["a"], "b") == (2, 3)
    assert positions.value(data["a"], "b") == (2, 6)
    assert positions.item(data["list"], 1) == (3, 11)
    # absent keys, items past either end, and objects not from this document
    assert positions.key(data["a"], "c") is None
    assert positions.value(data["a"], "c") is None
    assert positions.item(data["list"], 2) is None
    assert positions.item(data["list"], -1) is None
    stranger: dict[str, int] = {"b": 1}
    assert positions.of(stranger) is None
    assert positions.key(stranger, "b") is None
    assert positions.value(stranger, "b") is None
    assert positions.item([], 0) is None
