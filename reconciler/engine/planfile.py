"""Saved plans (`plan --out FILE`, `apply --plan FILE`) as versioned JSON (pure).

A saved plan carries the state's lineage and serial when it was made, a
digest of the desired set, the options it was made with, and a checksum of
everything else. Applying it refuses (exit 3) when the state moved on, when it
belongs to another state, or when the file was altered: what is applied is
exactly what the reviewer saw. It never holds the API key (nothing here ever
sees it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.core.errors import Location, ReconcilerError, UnsafeError
from reconciler.core.model import (
    Action,
    ActionKind,
    Cause,
    Conflict,
    DesiredSet,
    FieldChange,
    Plan,
)

PLANFILE_VERSION = 2  # 2: actions carry causes, not sentences


@dataclass(frozen=True, slots=True)
class SavedPlan:
    plan: Plan
    lineage: str
    serial: int
    desired_digest: str
    options: Mapping[str, Any]


def desired_digest(desired: DesiredSet) -> str:
    """A digest of every declared payload (by name), to tell whether the YAML changed."""
    canonical: list[Any] = [
        [s.name, dict(s.payload)] for s in sorted(desired.schedules, key=lambda s: s.name)
    ]
    if desired.moved:  # only when present: digests of files without `moved:` are unchanged
        canonical.append(["moved", [[m.source, m.target] for m in desired.moved]])
    return _sha256(canonical)


def plan_to_document(
    plan: Plan, *, lineage: str, serial: int, digest: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    body = {
        "planfile_version": PLANFILE_VERSION,
        "lineage": lineage,
        "serial": serial,
        "desired_digest": digest,
        "options": dict(options),
        "actions": [_action(a) for a in plan.actions],
    }
    return {**body, "checksum": _sha256(body)}


def plan_from_document(doc: Any, *, source: str) -> SavedPlan:
    """Read a saved plan back; UnsafeError when altered, ReconcilerError when not a plan."""
    if not isinstance(doc, dict) or "planfile_version" not in doc:
        raise ReconcilerError(f"{source} is not a saved plan (write one with `plan --out`)")
    if doc.get("planfile_version") != PLANFILE_VERSION:
        raise ReconcilerError(
            f"{source} is a version {doc.get('planfile_version')!r} plan; this reconciler "
            f"reads version {PLANFILE_VERSION}"
        )
    body = {k: v for k, v in doc.items() if k != "checksum"}
    if doc.get("checksum") != _sha256(body):
        raise UnsafeError(
            f"{source} was altered after it was written (its checksum does not match): "
            "make a new plan with `reconciler plan --out`"
        )
    try:
        actions = tuple(_read_action(a) for a in body["actions"])
        return SavedPlan(
            plan=Plan(actions=actions),
            lineage=str(body["lineage"]),
            serial=int(body["serial"]),
            desired_digest=str(body["desired_digest"]),
            options=dict(body["options"]),
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
            f"at serial {serial} (another apply ran since). Run `reconciler plan --out` again"
        )


def _action(action: Action) -> dict[str, Any]:
    return {
        "action": action.kind.value,
        "name": action.name,
        "id": action.id,
        "before": dict(action.before) if action.before is not None else None,
        "after": dict(action.after) if action.after is not None else None,
        "changes": [[c.field, c.before, c.after] for c in action.changes],
        "drift": [[c.field, c.before, c.after] for c in action.drift],
        "cause": action.cause.value,
        "conflict": _conflict(action.conflict),
        "previous_id": action.previous_id,
        "behind_seconds": action.behind_seconds,
        "location": str(action.location) if action.location else None,
        "renamed_from": action.renamed_from,
    }


def _conflict(conflict: Conflict | None) -> dict[str, Any] | None:
    if conflict is None:
        return None
    return {
        "cause": conflict.cause.value,
        "ids": list(conflict.ids),
        "entry_id": conflict.entry_id,
        "started_at": conflict.started_at,
        "detail": conflict.detail,
    }


def _read_conflict(data: Mapping[str, Any] | None) -> Conflict | None:
    if data is None:
        return None
    return Conflict(
        cause=Cause(data["cause"]),
        ids=tuple(int(i) for i in data["ids"]),
        entry_id=data["entry_id"],
        started_at=data["started_at"],
        detail=str(data["detail"]),
    )


def _read_action(data: Mapping[str, Any]) -> Action:
    return Action(
        kind=ActionKind(data["action"]),
        name=str(data["name"]),
        id=None if data["id"] is None else int(data["id"]),
        before=data["before"],
        after=data["after"],
        changes=tuple(FieldChange(*c) for c in data["changes"]),
        drift=tuple(FieldChange(*c) for c in data["drift"]),
        cause=Cause(data["cause"]),
        conflict=_read_conflict(data["conflict"]),
        previous_id=data["previous_id"],
        behind_seconds=data["behind_seconds"],
        location=Location(str(data["location"])) if data["location"] else None,
        renamed_from=None if data.get("renamed_from") is None else str(data["renamed_from"]),
    )


def _sha256(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
