"""What every renderer shares: symbols, the summary line, and time in plain words."""

from __future__ import annotations

import json
import json.encoder
from datetime import datetime

from reconciler import timekeeping as tk
from reconciler.core.model import Action, ActionKind, Payload, Plan
from reconciler.engine.diff import plain as plain  # one wording for plans and reasons
from reconciler.engine.plan import SEND_MARGIN, body_to_send
from reconciler.timekeeping.timing import ScheduleTiming

#: JSON text of a str, without ensure_ascii (the C function json.dumps itself uses).
_quoted = json.encoder.encode_basestring
#: `json.dumps(value, ensure_ascii=False, sort_keys=True)` without a new encoder per call.
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

SYMBOLS = {
    ActionKind.CREATE: "+",
    ActionKind.UPDATE: "~",
    ActionKind.REPLACE: "-/+",
    ActionKind.DELETE: "-",
    ActionKind.NOOP: " ",
    ActionKind.ORPHAN: "!",
    ActionKind.CONFLICT: "x",
    ActionKind.RENAME: "~",
}


_UNCHECKED_WORDS = {
    "live": "the live schedules (changes made in the Testsigma UI, schedules deleted there)",
    "names": "names already taken on the server (duplicates)",
    "account": "the test plans and favourites the YAML names",
}


def unchecked_note(plan: Plan) -> str | None:
    """What the plan did not check, said at its top; None when it checked everything."""
    skipped = [words for key, words in _UNCHECKED_WORDS.items() if key in plan.unchecked]
    if not skipped:
        return None
    listed = "; ".join(skipped)
    if plan.offline:
        return (
            "Offline plan: made without an API key, so it did not check "
            f"{listed}. Apply checks them before changing anything."
        )
    return f"Not checked by this plan: {listed}."


def headline(plan: Plan) -> str:
    """The first line of a plan: what will happen, or why nothing will (only when true)."""
    if plan.has_changes:
        return "The reconciler will perform the following actions:"
    conflicts, orphans = plan.count(ActionKind.CONFLICT), plan.count(ActionKind.ORPHAN)
    if not conflicts and not orphans:
        return "No changes. The declared schedules match the recorded state."
    pending = []
    if conflicts:
        pending.append(f"{conflicts} in conflict (not applied until resolved)")
    if orphans:
        pending.append(f"{orphans} orphaned (recorded, no longer declared; --prune deletes them)")
    return "Nothing to create, update or delete, but " + " and ".join(pending) + ":"


def field_value(plan: Plan, key: str, value: object) -> str:
    """A payload value as a plan shows it; a test plan id gets its name when it is known."""
    text = short(value)
    if key == "executionId" and isinstance(value, int) and value in plan.test_plan_names:
        return f"{text} ({plan.test_plan_names[value]})"
    return text


def rolled_forward(action: Action, *, now: datetime) -> str | None:
    """Why a create or update sends another `nextInterval` than declared, or None.

    A recurring schedule's anchor that has passed is sent as its next occurrence
    (Testsigma refuses past times); the plan shows the declared anchor, so it says so.
    """
    if action.kind not in (ActionKind.CREATE, ActionKind.UPDATE, ActionKind.RENAME):
        return None
    if action.after is None:
        return None
    try:
        if ScheduleTiming.from_payload(action.after, action.anchor).instant() > now + SEND_MARGIN:
            return None  # the anchor is still ahead: it is what is sent (most plans)
        sent = body_to_send(action.after, now=now, anchor=action.anchor)["nextInterval"]
    except ValueError:  # a ONCE whose time has passed: nothing is sent (reported elsewhere)
        return None
    if sent == action.after.get("nextInterval"):
        return None
    return (
        f"sends nextInterval {_quoted(sent)}, the next occurrence: the declared time has "
        "passed and Testsigma refuses past times"
    )


def summary_line(plan: Plan) -> str:
    """`Plan: 1 to create, 0 to update, 0 to delete; 2 unchanged, 1 orphaned.`"""
    c = plan.count
    conflicts = c(ActionKind.CONFLICT)
    replaces = c(ActionKind.REPLACE)
    renames = c(ActionKind.RENAME)
    return (
        f"Plan: {c(ActionKind.CREATE)} to create, {c(ActionKind.UPDATE)} to update, "
        + (f"{replaces} to replace, " if replaces else "")
        + f"{c(ActionKind.DELETE)} to delete"
        + (f", {renames} to rename" if renames else "")
        + f"; {c(ActionKind.NOOP)} unchanged, "
        f"{c(ActionKind.ORPHAN)} orphaned"
        + (f", {conflicts} in conflict (not applied)." if conflicts else ".")
    )


def timing(payload: Payload | None, *, now: datetime) -> str | None:
    """The schedule's timing in plain words (None without a payload)."""
    if not payload:
        return None
    t = ScheduleTiming.from_payload(payload)
    return tk.describe(t.anchor, t.schedule_type, t.zone, now)


def next_instant(payload: Payload | None, *, now: datetime) -> str | None:
    """The next firing as an ISO 8601 UTC instant, or None (a ONCE that has passed)."""
    if not payload:
        return None
    t = ScheduleTiming.from_payload(payload)
    upcoming = t.next_after(now)
    if upcoming is None:
        return None
    return t.instant(upcoming).isoformat().replace("+00:00", "Z")


def short(value: object) -> str:
    """A value as it reads in a plan: JSON, so strings are quoted and None is null.

    Plain strings and ints (nearly every field) skip `json.dumps`, which builds a
    new encoder per call when given options: a third of a large plan's rendering.
    The output is the same as `json.dumps(value, ensure_ascii=False, sort_keys=True)`.
    """
    kind = type(value)
    if kind is str:
        return _quoted(str(value))  # exactly a str: str() hands back the same object
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    return _dumps(value)


def action_title(action: Action) -> str:
    """`update nightly (id 1001)`; a rename reads `rename old -> new (id 1001)`."""
    ident = f" (id {action.id})" if action.id is not None else ""
    if action.kind is ActionKind.RENAME:
        return f"rename {action.renamed_from} -> {action.name}{ident}"
    return f"{action.kind.value} {action.name}{ident}"


def mostly_orphaned_warning(orphaned: int, recorded: int, *, workspace: str) -> str:
    """The plain warning when a plan leaves most of a workspace's schedules undeclared."""
    return (
        f"Warning: {orphaned} of the {recorded} schedules recorded in workspace `{workspace}` "
        "are not declared in the given YAML. Did you point at the whole tree (all the files "
        "this workspace manages)? If another team shares this state, give each team its own "
        "workspace (--workspace NAME)."
    )
