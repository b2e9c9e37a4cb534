"""One plan with every kind of action, as the renderers' tests read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reconciler.core.errors import Location, Problem
from reconciler.core.model import Action, ActionKind, Cause, Conflict, FieldChange, Plan

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def payload(name: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "ACTIVE",
    }
    body.update(over)
    return body


CREATE = Action(
    ActionKind.CREATE,
    "checkout-nightly",
    None,
    None,
    payload("checkout-nightly", comments="owned by checkout"),
    cause=Cause.DECLARED,
    location=Location("schedules/a.yaml", 3, 5),
)
RECREATE = Action(
    ActionKind.CREATE,
    "recreated",
    None,
    None,
    payload("recreated"),
    cause=Cause.DELETED_OUTSIDE,
    previous_id=11,
)
UPDATE = Action(
    ActionKind.UPDATE,
    "login-weekly",
    42,
    payload("login-weekly"),
    payload("login-weekly", scheduleType="WEEKLY", status="IN_ACTIVE"),
    changes=(
        FieldChange("scheduleType", "DAILY", "WEEKLY"),
        FieldChange("status", "ACTIVE", "IN_ACTIVE"),
    ),
    drift=(FieldChange("status", "ACTIVE", "IN_ACTIVE"),),
    cause=Cause.CHANGED,
)
DELETE = Action(
    ActionKind.DELETE,
    "old-smoke",
    7,
    payload("old-smoke"),
    None,
    cause=Cause.NOT_DECLARED,
)
ORPHAN = Action(
    ActionKind.ORPHAN,
    "left-over",
    8,
    payload("left-over"),
    None,
    cause=Cause.NOT_DECLARED,
)
CONFLICT = Action(
    ActionKind.CONFLICT,
    "taken",
    None,
    None,
    payload("taken"),
    cause=Cause.NAME_TAKEN,
    conflict=Conflict(Cause.NAME_TAKEN, ids=(99,)),
)
NOOP = Action(ActionKind.NOOP, "quiet", 5, payload("quiet"), payload("quiet"), cause=Cause.IN_SYNC)

WARNING = Problem(Location("schedules/a.yaml", 9, 7), "timezone IST is ambiguous", "warning")

FULL = Plan(
    actions=(CREATE, RECREATE, UPDATE, DELETE, ORPHAN, CONFLICT, NOOP),
    warnings=(WARNING,),
    details={"checkout-nightly": "favourite 'smoke': 12 test cases"},
)
QUIET = Plan(actions=(NOOP,))
