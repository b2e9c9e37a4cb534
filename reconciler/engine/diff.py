"""Field-level differences between two payloads (pure).

Payloads are compared as canonical dicts first: equal payloads — the common
case on a re-plan — cost one dict comparison. Only payloads that differ are
handed to deepdiff, whose report is flattened into `FieldChange`s with dotted
paths (`executionConfig.name`), in the order the API documents the fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from reconciler.core.model import PAYLOAD_FIELDS, FieldChange, FieldValue
from reconciler.core.payload import as_json

_MISSING = None
_PATH_PART = re.compile(r"\['([^']*)'\]|\[(\d+)\]")


def field_changes(
    before: Mapping[str, object], after: Mapping[str, object]
) -> tuple[FieldChange, ...]:
    """The fields that differ between `before` and `after` (payloads, or a payload with
    the server's values merged in), or () when equal."""
    if before == after:
        return ()
    from deepdiff import DeepDiff  # deferred: only paid for when something differs

    report = DeepDiff(dict(before), dict(after), verbose_level=2, ignore_order=False)
    changes: dict[str, FieldChange] = {}
    for kind in ("values_changed", "type_changes"):
        for path, change in report.get(kind, {}).items():
            key = _dotted(path)
            changes[key] = FieldChange(
                key, _value(change.get("old_value")), _value(change.get("new_value"))
            )
    for path, value in report.get("dictionary_item_added", {}).items():
        key = _dotted(path)
        changes[key] = FieldChange(key, _MISSING, _value(value))
    for path, value in report.get("dictionary_item_removed", {}).items():
        key = _dotted(path)
        changes[key] = FieldChange(key, _value(value), _MISSING)
    for kind in ("iterable_item_added", "iterable_item_removed"):
        for path in report.get(kind, {}):
            key = _dotted(path).rsplit(".", 1)[0]
            changes[key] = FieldChange(key, _get(before, key), _get(after, key))
    return tuple(sorted(changes.values(), key=lambda c: _order(c.field)))


def plain(value: object) -> str:
    """A value in running text (reasons, drift lines): strings bare, nothing as "(none)"."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _dotted(path: str) -> str:
    """deepdiff's `root['a']['b'][0]` as `a.b.0`."""
    return ".".join(
        m.group(1) if m.group(1) is not None else m.group(2) for m in _PATH_PART.finditer(path)
    )


def _get(payload: Mapping[str, object], dotted: str) -> FieldValue:
    value: object = payload
    for part in dotted.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return _value(value)


def _value(value: object) -> FieldValue:
    """A value deepdiff reports, typed: payloads are JSON objects, so it is JSON."""
    return as_json(value)


def _order(field: str) -> tuple[int, str]:
    top = field.split(".", 1)[0]
    rank = PAYLOAD_FIELDS.index(top) if top in PAYLOAD_FIELDS else len(PAYLOAD_FIELDS)
    return rank, field
