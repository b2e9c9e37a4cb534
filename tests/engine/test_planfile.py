"""Saved plans: signed with the state's key, checked against recorded ids, force never read."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from reconciler.core.errors import ReconcilerError, UnsafeError
from reconciler.core.model import Action, ActionKind, Cause, Plan, RecordedSchedule, SchedulePayload
from reconciler.engine.planfile import (
    check_can_save,
    check_current,
    check_ids,
    plan_from_document,
    plan_to_document,
)

KEY = bytes(range(32))
LINEAGE = "6d0f4a7e-lineage"
BODY: SchedulePayload = {
    "name": "nightly",
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "UTC",
    "status": "ACTIVE",
}


def plan(*actions: Action) -> Plan:
    return Plan(actions=actions)


def update(name: str, id_: int) -> Action:
    return Action(
        kind=ActionKind.UPDATE, name=name, id=id_, before=BODY, after=BODY, cause=Cause.CHANGED
    )


def create(name: str) -> Action:
    return Action(
        kind=ActionKind.CREATE, name=name, id=None, before=None, after=BODY, cause=Cause.DECLARED
    )


def delete(name: str, id_: int) -> Action:
    return Action(
        kind=ActionKind.DELETE, name=name, id=id_, before=BODY, after=None, cause=Cause.NOT_DECLARED
    )


def saved(*actions: Action, options: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = plan_to_document(
        plan(*actions),
        lineage=LINEAGE,
        serial=7,
        digest="d",
        options=options or {"prune": False, "targets": []},
        key=KEY,
    )
    return json.loads(json.dumps(doc))  # as written to and read from the file


def read(doc: Any, key: bytes = KEY) -> Plan:
    return plan_from_document(doc, source="plan.json", key=key, lineage=LINEAGE).plan


def test_a_signed_plan_reads_back_exactly() -> None:
    actions = (create("a"), update("b", 12))
    assert read(saved(*actions)).actions == actions


def test_a_forged_plan_with_a_recomputed_checksum_is_refused() -> None:
    """The attack of issue 12.7: add a delete of an id never owned, set force, recompute."""
    doc = saved(update("b", 12))
    doc["actions"].append({**doc["actions"][0], "action": "delete", "id": 1, "after": None})
    doc["options"]["force"] = True
    body = {k: v for k, v in doc.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for field in ("checksum", "signature"):  # an unkeyed digest fits nowhere
        forged = {**body, field: hashlib.sha256(text.encode()).hexdigest()}
        with pytest.raises(UnsafeError, match="altered after it was written"):
            read(forged)


def test_a_plan_signed_by_another_state_is_refused() -> None:
    with pytest.raises(UnsafeError, match="signature does not match"):
        read(saved(create("a")), key=b"another state's key")


def test_a_plan_of_another_lineage_says_so_before_the_signature() -> None:
    with pytest.raises(UnsafeError, match="made against another state"):
        plan_from_document(saved(create("a")), source="p", key=KEY, lineage="other")


def test_an_unsigned_version_one_plan_is_not_read() -> None:
    doc = {**saved(create("a")), "planfile_version": 1}
    with pytest.raises(ReconcilerError, match="version 1 plan"):
        read(doc)


def test_force_is_never_written_and_never_read() -> None:
    doc = saved(create("a"), options={"prune": True, "targets": [], "force": True})
    assert "force" not in doc["options"]
    reread = plan_from_document(doc, source="p", key=KEY, lineage=LINEAGE)
    assert "force" not in reread.options


def test_update_and_delete_ids_must_be_the_recorded_ones() -> None:
    recorded = {
        "b": RecordedSchedule(name="b", id=12, payload=BODY, applied_at="t"),
        "c": RecordedSchedule(name="c", id=13, payload=BODY, applied_at="t"),
    }
    check_ids(plan(update("b", 12), delete("c", 13), create("d")), recorded, source="p")
    with pytest.raises(UnsafeError) as refused:
        check_ids(
            plan(update("b", 99), delete("ghost", 1), create("c")),
            recorded,
            source="plan.json",
        )
    message = str(refused.value)
    assert "update 'b' names id 99, but that name is recorded with id 12" in message
    assert "delete 'ghost' names id 1, but that name is not recorded" in message
    assert "create 'c': already recorded (id 13)" in message


def test_a_moved_serial_makes_the_plan_stale() -> None:
    doc = plan_from_document(saved(create("a")), source="p", key=KEY, lineage=LINEAGE)
    check_current(doc, lineage=LINEAGE, serial=7, source="p")
    with pytest.raises(UnsafeError, match="stale"):
        check_current(doc, lineage=LINEAGE, serial=9, source="p")


def test_a_plan_is_not_saved_while_an_apply_runs_or_left_unknowns() -> None:
    check_can_save(lock_holder=None, open_entries=[])
    with pytest.raises(UnsafeError, match="an apply is running"):
        check_can_save(lock_holder="ci@runner pid 9", open_entries=[])
    with pytest.raises(UnsafeError, match="journal entries 3, 4"):
        check_can_save(lock_holder=None, open_entries=[4, 3])


def test_a_version_three_plan_is_refused_with_the_way_out() -> None:
    """Version 3 wrote changes and drift as lists: such a file is not converted (what was
    reviewed may not be what would be read); the message says to plan again."""
    doc = {**saved(update("b", 12)), "planfile_version": 3}
    doc["actions"][0]["changes"] = [["status", "ACTIVE", "IN_ACTIVE"]]
    with pytest.raises(ReconcilerError) as caught:
        read(doc)
    assert "version 3 plan" in caught.value.message
    assert "reads version 4 only" in caught.value.message
    assert "reconciler plan --out" in caught.value.message


def test_the_signature_covers_the_new_shape_of_a_change() -> None:
    doc = saved(update("b", 12).__class__(**{**_fields(update("b", 12)), "changes": ()}))
    doc["actions"][0]["changes"].append({"field": "status", "before": "A", "after": "B"})
    with pytest.raises(UnsafeError, match="altered after it was written"):
        read(doc)


def _fields(action: Action) -> dict[str, Any]:
    return {f: getattr(action, f) for f in action.__slots__}
