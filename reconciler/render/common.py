"""What every renderer shares: symbols, the summary line, and time in plain words."""

from __future__ import annotations

import json
import json.encoder
from datetime import datetime
from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.model import Action, ActionKind, Payload, Plan
from reconciler.engine.diff import plain as plain  # one wording for plans and reasons

#: JSON text of a str, without ensure_ascii (the C function json.dumps itself uses).
_quoted = json.encoder.encode_basestring

SYMBOLS = {
    ActionKind.CREATE: "+",
    ActionKind.UPDATE: "~",
    ActionKind.DELETE: "-",
    ActionKind.NOOP: " ",
    ActionKind.ORPHAN: "!",
    ActionKind.CONFLICT: "x",
    ActionKind.RENAME: "~",
}


def summary_line(plan: Plan) -> str:
    """`Plan: 1 to create, 0 to update, 0 to delete; 2 unchanged, 1 orphaned.`"""
    c = plan.count
    conflicts = c(ActionKind.CONFLICT)
    renames = c(ActionKind.RENAME)
    return (
        f"Plan: {c(ActionKind.CREATE)} to create, {c(ActionKind.UPDATE)} to update, "
        f"{c(ActionKind.DELETE)} to delete"
        + (f", {renames} to rename" if renames else "")
        + f"; {c(ActionKind.NOOP)} unchanged, "
        f"{c(ActionKind.ORPHAN)} orphaned"
        + (f", {conflicts} in conflict (not applied)." if conflicts else ".")
    )


def timing(payload: Payload | None, *, now: datetime) -> str | None:
    """The schedule's timing in plain words, or None when it cannot be described."""
    if not payload:
        return None
    try:
        zone = tk.resolve_zone(str(payload["timezone"]))
        anchor = tk.parse_api(str(payload["nextInterval"]))
        return tk.describe(anchor, str(payload["scheduleType"]), zone, now)
    except (KeyError, ValueError):
        return None


def next_instant(payload: Payload | None, *, now: datetime) -> str | None:
    """The next firing as an ISO 8601 UTC instant, or None (a ONCE that has passed)."""
    if not payload:
        return None
    try:
        zone = tk.resolve_zone(str(payload["timezone"]))
        anchor = tk.parse_api(str(payload["nextInterval"]))
        upcoming = tk.next_occurrence_after(anchor, str(payload["scheduleType"]), zone, now)
    except (KeyError, ValueError):
        return None
    if upcoming is None:
        return None
    return tk.to_instant(upcoming, zone).isoformat().replace("+00:00", "Z")


def short(value: Any) -> str:
    """A value as it reads in a plan: JSON, so strings are quoted and None is null.

    Plain strings and ints (nearly every field) skip `json.dumps`, which builds a
    new encoder per call when given options: a third of a large plan's rendering.
    The output is the same as `json.dumps(value, ensure_ascii=False, sort_keys=True)`.
    """
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def action_title(action: Action) -> str:
    """`update nightly (id 1001)`; a rename reads `rename old -> new (id 1001)`."""
    ident = f" (id {action.id})" if action.id is not None else ""
    if action.kind is ActionKind.RENAME:
        return f"rename {action.renamed_from} -> {action.name}{ident}"
    return f"{action.kind.value} {action.name}{ident}"
