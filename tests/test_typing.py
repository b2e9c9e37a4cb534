"""`typing.Any` stays out of the pure layers: core/, engine/, spec/ and timekeeping/.

Raw JSON is the adapter's business (reconciler/testsigma/ turns it into typed
values) and the state's and the CLI's edges; the pure layers take typed values
(`core.payload.SchedulePayload`, `LiveSchedule`, ...) or, for documents that are
arbitrary by nature (a favourite's query, a saved plan file), `object` and
`JsonValue`, which make the reader check before use. The gate reads the AST, so
an `Any` imported under another name, or reached as `typing.Any`, is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ("core", "engine", "spec", "timekeeping")
_TYPING = ("typing", "typing_extensions")

#: Modules of the pure layers that still use `Any`, each with the reason. The list may
#: only shrink: a module that stops using `Any` must leave it (the test says so).
KNOWN_ANY = {
    "reconciler/spec/loader.py": (
        "ruamel's parser and its events have no type stubs, and the event loop that "
        "builds the YAML tree is the loader's hot path (docs/PERFORMANCE.md)"
    ),
    "reconciler/spec/fields.py": (
        "pydantic's Field() is typed to return Any (so that it can stand as a field's "
        "default); the shared field factories pass that through"
    ),
}


def any_uses(path: Path) -> list[int]:
    """The lines of `path` that import `Any` from typing or name `typing.Any`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_aliases = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name in _TYPING
    }
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in _TYPING:
            if any(alias.name == "Any" for alias in node.names):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "Any"
            and isinstance(node.value, ast.Name)
            and node.value.id in typing_aliases
        ):
            lines.append(node.lineno)
    return sorted(lines)


def modules_using_any(root: Path) -> dict[str, list[int]]:
    """Every module of the pure packages under `root` that uses `Any`, with its lines."""
    found = {}
    for package in PURE_PACKAGES:
        for path in sorted((root / "reconciler" / package).rglob("*.py")):
            lines = any_uses(path)
            if lines:
                found[path.relative_to(root).as_posix()] = lines
    return found


def test_any_stays_out_of_the_pure_layers() -> None:
    found = modules_using_any(ROOT)
    unexpected = {name: lines for name, lines in found.items() if name not in KNOWN_ANY}
    assert unexpected == {}, "use a typed value, `object` or core.payload.JsonValue instead"


def test_the_list_of_exceptions_only_shrinks() -> None:
    found = modules_using_any(ROOT)
    no_longer = sorted(name for name in KNOWN_ANY if name not in found)
    assert no_longer == [], "these modules no longer use Any: take them out of KNOWN_ANY"


def test_the_gate_finds_any_however_it_is_spelled(tmp_path: Path) -> None:
    engine = tmp_path / "reconciler" / "engine"
    engine.mkdir(parents=True)
    (engine / "plain.py").write_text("from typing import Any\nx: Any = 1\n")
    (engine / "renamed.py").write_text("from typing import Any as Anything, cast\n")
    (engine / "dotted.py").write_text("import typing as t\n\n\ndef f(x: t.Any) -> None: ...\n")
    (engine / "clean.py").write_text("from typing import cast\nAny = object  # not typing's\n")
    (tmp_path / "reconciler" / "app").mkdir()
    (tmp_path / "reconciler" / "app" / "edge.py").write_text("from typing import Any\n")
    assert modules_using_any(tmp_path) == {
        "reconciler/engine/dotted.py": [4],
        "reconciler/engine/plain.py": [1],
        "reconciler/engine/renamed.py": [1],
    }
