"""`typing.Any` stays at the adapter's JSON edge: only reconciler/testsigma/ may use it.

Raw JSON is the adapter's business: reconciler/testsigma/ parses it and hands out
typed values (`dict[str, JsonValue]` answers, checked ids and schedules) that app/
checks before use; the stores check each column of a row (`tuple[object, ...]`)
at their edge (`state/_common.py`); the renderers build `dict[str, object]`; the
CLI names Rich's and click's types. Everything else takes typed values
(`core.payload.SchedulePayload`, `LiveSchedule`, ...) or, for documents that are
arbitrary by nature (a favourite's query, a saved plan file), `object` and
`JsonValue`, which make the reader check before use. reconciler/sandbox/ is an
independent emulator (it imports nothing else from reconciler) and keeps its own
rules. The gate reads the AST, so an `Any` imported under another name, or
reached as `typing.Any`, is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The packages that may use `Any`: the adapter's JSON edge, and the independent emulator.
ANY_ALLOWED = ("testsigma", "sandbox")
_TYPING = ("typing", "typing_extensions")

#: Modules outside those two that still use `Any`, each with the reason. The list may
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
    """Every module under `root`/reconciler outside `ANY_ALLOWED` that uses `Any`, with its
    lines."""
    package = root / "reconciler"
    found = {}
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] in ANY_ALLOWED:
            continue
        lines = any_uses(path)
        if lines:
            found[path.relative_to(root).as_posix()] = lines
    return found


def test_any_stays_at_the_adapters_edge() -> None:
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
    for package in ("app", "state", "render", "cli", "testsigma", "sandbox"):
        (tmp_path / "reconciler" / package).mkdir()
        (tmp_path / "reconciler" / package / "edge.py").write_text("from typing import Any\n")
    (tmp_path / "reconciler" / "__main__.py").write_text("import typing\nx: typing.Any\n")
    assert modules_using_any(tmp_path) == {
        "reconciler/__main__.py": [2],
        "reconciler/app/edge.py": [1],
        "reconciler/cli/edge.py": [1],
        "reconciler/engine/dotted.py": [4],
        "reconciler/engine/plain.py": [1],
        "reconciler/engine/renamed.py": [1],
        "reconciler/render/edge.py": [1],
        "reconciler/state/edge.py": [1],
    }


def test_the_adapter_hands_out_typed_values() -> None:
    """The client's public methods take and return typed values (`JsonValue` answers,
    `Mapping[str, object]` bodies): `Any` stays inside the adapter."""
    import re

    from reconciler.testsigma.client import TestsigmaClient

    untyped = {
        name: member.__annotations__
        for name, member in vars(TestsigmaClient).items()
        if not name.startswith("_") and callable(member)
        if re.search(r"\bAny\b", str(member.__annotations__))
    }
    assert untyped == {}
