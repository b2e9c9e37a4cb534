"""Saved plans (`plan --out FILE`, `apply --plan FILE`) as versioned, signed JSON (pure).

A saved plan carries the state's lineage and serial when it was made, a
digest of the desired set, the options it was made with, and an HMAC-SHA256
signature of everything else, keyed by a secret that lives in the state
(one per workspace, made with it, never printed and never exported). Only
someone who can read the state can sign a plan for it, so an edited plan
(an added delete, a changed id) is refused even when its author recomputed a
checksum. Applying refuses (exit 3) when the state moved on, when the plan
belongs to another state, when the file was altered, or when an update or a
delete names an id that is not the one recorded for that name. `force` is
never read from the file: only the command line can override the safety
limits. It never holds the API key (nothing here ever sees it).

Reading a plan back is a JSON edge like the state's: each action's payloads are
checked into `SchedulePayload`s (`core.payload.read_payload`) and the `after`
payload's `nextInterval` is parsed here, once, into `Action.anchor`, which the
send rolls forward from.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from reconciler import timekeeping as tk
from reconciler.core.errors import Location, ReconcilerError, UnsafeError
from reconciler.core.model import (
    Action,
    ActionKind,
    Cause,
    Conflict,
    DesiredSet,
    FieldChange,
    Plan,
    RecordedSchedule,
    SchedulePayload,
)
from reconciler.core.payload import JsonValue, as_json, read_payload

#: 2: signed; 3: actions carry causes, not sentences; 4: actions in the one shape
#: `plan --format json` shows (`action_to_json`). Other versions are refused, not converted.
PLANFILE_VERSION = 4
_DOMAIN = b"testsigma-reconciler saved plan v4\n"


@dataclass(frozen=True, slots=True)
class SavedPlan:
    plan: Plan
    lineage: str
    serial: int
    desired_digest: str
    options: Mapping[str, JsonValue]


def desired_digest(desired: DesiredSet) -> str:
    """A digest of every declared payload (by name), to tell whether the YAML changed."""
    canonical: list[object] = [
        [s.name, dict(s.payload)] for s in sorted(desired.schedules, key=lambda s: s.name)
    ]
    if desired.moved:  # only when present: digests of files without `moved:` are unchanged
        canonical.append(["moved", [[m.source, m.target] for m in desired.moved]])
    return _sha256(canonical)


def plan_to_document(
    plan: Plan,
    *,
    lineage: str,
    serial: int,
    digest: str,
    options: Mapping[str, object],
    key: bytes,
) -> dict[str, object]:
    """The saved plan, signed with the state's plan `key`."""
    body = {
        "planfile_version": PLANFILE_VERSION,
        "lineage": lineage,
        "serial": serial,
        "desired_digest": digest,
        "options": {k: v for k, v in options.items() if k != "force"},
        "actions": [action_to_json(a) for a in plan.actions],
    }
    return {**body, "signature": _sign(key, body)}


def check_can_save(*, lock_holder: str | None, open_entries: Collection[int]) -> None:
    """Refuse to save a plan while an apply runs or left outcomes unknown.

    A plan saved then would describe a state that is about to change (or whose
    last changes are not known yet), and could be applied after it moved on.
    """
    if lock_holder is not None:
        raise UnsafeError(
            f"an apply is running ({lock_holder} holds the state lock), so a saved plan would "
            "be out of date at once: wait for it to finish, then plan again"
        )
    if open_entries:
        listed = ", ".join(str(e) for e in sorted(open_entries))
        raise UnsafeError(
            f"an earlier apply left actions with an unknown outcome (journal entries {listed}): "
            "run `reconciler apply` (or plan without --out) to resolve them, then save a plan"
        )


def plan_from_document(doc: object, *, source: str, key: bytes, lineage: str) -> SavedPlan:
    """Read a saved plan back: UnsafeError when altered or foreign, else ReconcilerError."""
    if not isinstance(doc, dict) or "planfile_version" not in doc:
        raise ReconcilerError(f"{source} is not a saved plan (write one with `plan --out`)")
    if doc.get("planfile_version") != PLANFILE_VERSION:
        # As Terraform does: a plan made by another version is never converted (what it
        # showed the reviewer may not be what this version would read), it is made anew.
        raise ReconcilerError(
            f"{source} is a version {doc.get('planfile_version')!r} plan; this reconciler "
            f"reads version {PLANFILE_VERSION} only: make a new plan with "
            "`reconciler plan --out` and review it again"
        )
    body = {k: v for k, v in doc.items() if k != "signature"}
    if body.get("lineage") != lineage:
        raise UnsafeError(
            f"{source} was made against another state (lineage {body.get('lineage')}, this "
            f"state is {lineage}): check --state and --workspace, then plan again"
        )
    signature = doc.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(key, body)):
        raise UnsafeError(
            f"{source} was altered after it was written, or was not written for this state "
            "(its signature does not match): make a new plan with `reconciler plan --out`"
        )
    try:
        actions = tuple(action_from_json(a) for a in body["actions"])
        options = as_json(body["options"])
        if not isinstance(options, dict):
            raise TypeError("options must be an object")
        return SavedPlan(
            plan=Plan(actions=actions),
            lineage=str(body["lineage"]),
            serial=int(body["serial"]),
            desired_digest=str(body["desired_digest"]),
            options=options,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReconcilerError(f"{source} is not a readable saved plan: {exc}") from None


def check_current(saved: SavedPlan, *, lineage: str, serial: int, source: str) -> None:
    """Refuse a plan made against another state, or before the state moved on."""
    if saved.lineage != lineage:
        raise UnsafeError(
            f"{source} was made against another state (lineage {saved.lineage}, this state is "
            f"{lineage}): check --state, then plan again"
        )
    if saved.serial != serial:
        raise UnsafeError(
            f"{source} is stale: it was made at state serial {saved.serial}, and the state is now "
            f"at serial {serial} (another apply or a state import ran since). Run "
            "`reconciler plan --out` again"
        )


def check_ids(plan: Plan, recorded: Mapping[str, RecordedSchedule], *, source: str) -> None:
    """Refuse a plan whose updates and deletes do not name the ids recorded for their names.

    Only recorded schedules may be changed; a create must be for a name not recorded.
    """
    problems: list[str] = []
    for action in plan.changing_actions:
        # A rename (or a renaming replace) changes the schedule recorded under its old name.
        name = action.renamed_from or action.name
        known = recorded.get(name)
        if action.kind is ActionKind.CREATE and known is not None:
            problems.append(f"create {name!r}: already recorded (id {known.id})")
        elif action.kind is not ActionKind.CREATE and (known is None or known.id != action.id):
            owned = "is not recorded" if known is None else f"is recorded with id {known.id}"
            problems.append(
                f"{action.kind.value} {name!r} names id {action.id}, but that name {owned}"
            )
    if problems:
        raise UnsafeError(
            f"{source} does not match the recorded state, so it is refused:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def action_to_json(action: Action) -> dict[str, object]:
    """The one JSON shape of an action: in saved plans, and (with words added) in
    `plan --format json` and `apply --format json` (render/json_doc.py).

    Every field is data (docs/STATE.md "The shape of an action"): `changes` are
    `{field, before, after}` (YAML side), `drift` is `{field, recorded, live}`,
    `cause` and `conflict.cause` are `core.model.Cause` values.
    """
    return {
        "action": action.kind.value,
        "name": action.name,
        "renamed_from": action.renamed_from,
        "id": action.id,
        "before": dict(action.before) if action.before is not None else None,
        "after": dict(action.after) if action.after is not None else None,
        "changes": [
            {"field": c.field, "before": c.before, "after": c.after} for c in action.changes
        ],
        "drift": [{"field": c.field, "recorded": c.before, "live": c.after} for c in action.drift],
        "cause": action.cause.value,
        "conflict": _conflict(action.conflict),
        "previous_id": action.previous_id,
        "behind_seconds": action.behind_seconds,
        "location": str(action.location) if action.location else None,
    }


def _read_location(text: object) -> Location | None:
    """`file:line:column` (or `file:line`, or `file`) back into a Location."""
    if not text:
        return None
    parts = str(text).rsplit(":", 2)
    numbers = [p for p in parts[1:] if p.isdigit()]
    if len(numbers) == 2 and len(parts) == 3:
        return Location(parts[0], int(parts[1]), int(parts[2]))
    head, _, tail = str(text).rpartition(":")
    if head and tail.isdigit():
        return Location(head, int(tail))
    return Location(str(text))


def _conflict(conflict: Conflict | None) -> dict[str, object] | None:
    if conflict is None:
        return None
    return {
        "cause": conflict.cause.value,
        "ids": list(conflict.ids),
        "entry_id": conflict.entry_id,
        "started_at": conflict.started_at,
        "detail": conflict.detail,
    }


def _object(data: object, what: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise TypeError(f"{what} must be an object, not {data!r}")
    return data


def _int(value: object, what: str) -> int | None:
    """A whole number or None from the file (a bool or text is not one)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"{what} must be a whole number, not {value!r}")


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"{what} must be a list, not {value!r}")
    return value


def _read_conflict(raw: object) -> Conflict | None:
    if raw is None:
        return None
    data = _object(raw, "conflict")
    return Conflict(
        cause=Cause(str(data["cause"])),
        ids=tuple(int(str(i)) for i in _list(data["ids"], "conflict ids")),
        entry_id=_int(data["entry_id"], "entry_id"),
        started_at=_text(data["started_at"]),
        detail=str(data["detail"]),
    )


def _changes(raw: object, what: str, old: str, new: str) -> tuple[FieldChange, ...]:
    """`{field, <old>, <new>}` objects back into FieldChanges."""
    changes = []
    for item in _list(raw, what):
        data = _object(item, what)
        changes.append(FieldChange(str(data["field"]), as_json(data[old]), as_json(data[new])))
    return tuple(changes)


def _payload(raw: object, what: str) -> SchedulePayload | None:
    return None if raw is None else read_payload(_object(raw, what))


def action_from_json(raw: object) -> Action:
    """The action `action_to_json` wrote (KeyError/TypeError/ValueError when it is not one)."""
    data = _object(raw, "an action")
    after = _payload(data["after"], "after")
    return Action(
        kind=ActionKind(str(data["action"])),
        name=str(data["name"]),
        id=_int(data["id"], "id"),
        before=_payload(data["before"], "before"),
        after=after,
        changes=_changes(data["changes"], "changes", "before", "after"),
        drift=_changes(data["drift"], "drift", "recorded", "live"),
        cause=Cause(str(data["cause"])),
        conflict=_read_conflict(data["conflict"]),
        previous_id=_int(data["previous_id"], "previous_id"),
        behind_seconds=_int(data["behind_seconds"], "behind_seconds"),
        location=_read_location(data["location"]),
        renamed_from=_text(data.get("renamed_from")),
        anchor=None if after is None else _anchor(after),
    )


def _anchor(after: SchedulePayload) -> datetime:
    """The file's edge: the one parse of the nextInterval this action will send."""
    if "nextInterval" not in after:
        raise ValueError(f"the payload of {after['name']!r} has no nextInterval")
    return tk.parse_api(after["nextInterval"])


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha256(data: object) -> str:
    return hashlib.sha256(_canonical(data)).hexdigest()


def _sign(key: bytes, body: object) -> str:
    return hmac.new(key, _DOMAIN + _canonical(body), hashlib.sha256).hexdigest()
