"""Translate pydantic's validation errors into short, plain-English `Problem`s.

pydantic reports *what* failed as a path into the data (`('schedules', 3,
'scheduleType')`); the loader recorded *where* each key and item is written. This
module joins the two and words each error the way a user of this tool needs it:
what was expected, what was found, and a "did you mean" hint for near-miss keys.
pydantic's own wording never reaches the user.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from reconciler.core.errors import Location, Problem
from reconciler.core.model import SCHEDULE_TYPES, STATUSES
from reconciler.spec.fields import MAX_NAME, ExecutionConfigRef
from reconciler.spec.model import (
    Defaults,
    Document,
    MovedSpec,
    RunSpec,
    ScheduleSpec,
)
from reconciler.spec.positions import Pos, Positions


def _keys(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(field.alias or name for name, field in model.model_fields.items())


#: The keys allowed in a mapping, by the key (or list) it is the value of.
ALLOWED_KEYS: dict[str | None, tuple[str, ...]] = {
    None: _keys(Document),
    "defaults": _keys(Defaults),
    "schedules": _keys(ScheduleSpec),
    "runs": _keys(RunSpec),
    "executionConfig": _keys(ExecutionConfigRef),
    "moved": _keys(MovedSpec),
}
_CONTEXT_NAMES = {
    None: "the top level",
    "defaults": "`defaults`",
    "schedules": "a schedule",
    "runs": "a run",
    "executionConfig": "`executionConfig`",
    "moved": "a `moved` entry",
}
_ENUMS: dict[str, tuple[str, ...]] = {"scheduleType": SCHEDULE_TYPES, "status": STATUSES}


def describe(value: object) -> str:
    """A value as a user would recognise it in a message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    if len(text) > 60:
        return (
            json.dumps(text[:57], ensure_ascii=False)[:-1] + '..." ' + f"({len(text)} characters)"
        )
    return json.dumps(text, ensure_ascii=False)


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest choice to `word` (case-insensitively), if one is close."""
    by_lower = {c.lower(): c for c in choices}
    if word.lower() in by_lower:
        return by_lower[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def locate(
    loc: Sequence[str | int], data: object, positions: Positions, *, at_key: bool = False
) -> Location:
    """Where a pydantic `loc` points in the file: the deepest key or item it reaches.

    With `at_key`, a final mapping step points at the key rather than at its value.
    """
    pos: Pos = positions.of(data) or (1, 1)
    node = data
    for index, step in enumerate(loc):
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            use_key = at_key and (index == len(loc) - 1 or loc[index + 1] == "[key]")
            found = positions.key(node, step) if use_key else positions.value(node, step)
            pos = found or pos
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            pos = positions.item(node, step) or pos
            node = node[step]
        else:
            break
    return positions.at(pos)


def _field(loc: Sequence[str | int]) -> str:
    """The dotted name of what failed, from the innermost list item: `runtimeData.retries`."""
    names: list[str] = []
    container = ""
    for step in loc:
        if isinstance(step, int):
            container = names[-1] if names else container
            names = []
        elif step != "[key]":
            names.append(step)
    if names:
        return ".".join(names)
    return f"each item of `{container}`" if container else "the document"


def _container_context(loc: Sequence[str | int]) -> str | None:
    names = [step for step in loc[:-1] if isinstance(step, str)]
    return names[-1] if names and names[-1] in ALLOWED_KEYS else None


def _allowed(loc: Sequence[str | int]) -> tuple[str, ...]:
    return ALLOWED_KEYS.get(_container_context(loc), ())


def _unknown_key(key: str, loc: Sequence[str | int]) -> str:
    context = _container_context(loc)
    allowed = _allowed(loc)
    if context == "defaults" and key in ALLOWED_KEYS["schedules"] + ALLOWED_KEYS["runs"]:
        return f"`{key}` cannot go under `defaults`; set it on each schedule or run"
    message = f"unknown key `{key}` in {_CONTEXT_NAMES.get(context, 'this mapping')}"
    hint = suggest(key, allowed)
    if hint is not None:
        return f"{message}; did you mean `{hint}`?"
    extensions = " (or a key starting with `x-`, to hold anchors)" if context is None else ""
    return f"{message}; expected one of: {', '.join(allowed)}{extensions}"


def _message(error: ErrorDetails, field: str) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    got = describe(value)
    if kind == "literal_error" and field in _ENUMS:
        message = f"{field}: expected one of {', '.join(_ENUMS[field])}, got {got}"
        hint = suggest(str(value), _ENUMS[field]) if isinstance(value, str) else None
        return f"{message}; did you mean {hint}?" if hint else message
    if kind == "literal_error" and field == "version":
        return f"version: expected 1 (the only version of this format), got {got}"
    if kind == "value_error":
        reason = str(ctx.get("error", error["msg"]))
        if isinstance(value, dict):
            return f"{field}: {reason}"
        return f"{field}: {reason}, got {got}"
    if kind in ("string_type", "str_type"):
        quote = "; put it in quotes" if isinstance(value, int | float) else ""
        return f"{field}: expected text, got {got}{quote}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{field}: expected a mapping (key: value lines), got {got}"
    if kind == "list_type":
        return f"{field}: expected a list (lines starting with `- `), got {got}"
    if kind == "string_too_short":
        return f"{field}: must not be empty"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "?"
        return f"{field}: too long ({length} characters); at most {ctx.get('max_length')}"
    if kind == "too_long":
        return f"{field}: too many entries; at most {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch" and field == "nextInterval":
        return (
            f"nextInterval: expected a date and time like 2026-12-01T17:30:00 "
            f"(optionally with Z or +05:30), got {got}"
        )
    if kind == "string_pattern_mismatch":
        return f"{field}: must not contain control characters (like tabs or newlines), got {got}"
    return f"{field}: {error['msg'][0].lower()}{error['msg'][1:]}, got {got}"


def translate(errors: Sequence[ErrorDetails], data: object, positions: Positions) -> list[Problem]:
    """One Problem per pydantic error, at the offending key or value."""
    problems: list[Problem] = []
    seen: set[tuple[Location, str]] = set()
    # A key reported as unknown with a hint is not also reported as missing.
    hinted = {
        (tuple(error["loc"][:-1]), suggest(str(error["loc"][-1]), _allowed(error["loc"])))
        for error in errors
        if error["type"] == "extra_forbidden"
    }
    for error in errors:
        loc = error["loc"]
        kind = error["type"]
        if kind == "missing" and (tuple(loc[:-1]), loc[-1]) in hinted:
            continue
        if kind == "extra_forbidden":
            location = locate(loc, data, positions, at_key=True)
            message = _unknown_key(str(loc[-1]), loc)
        elif kind == "missing":
            location = locate(loc[:-1], data, positions)
            message = f"`{loc[-1]}` is required here but missing"
        else:
            location = locate(loc, data, positions, at_key=bool(loc) and loc[-1] == "[key]")
            message = _message(error, _field(loc))
        if (location, message) not in seen:
            seen.add((location, message))
            problems.append(Problem(location, message))
    return problems


__all__ = ["ALLOWED_KEYS", "MAX_NAME", "describe", "locate", "suggest", "translate"]
