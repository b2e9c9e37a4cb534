"""Saved plans: what is applied is exactly what was reviewed, against the state it was made on."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest

from reconciler.core.errors import Location, ReconcilerError, UnsafeError
from reconciler.core.model import (
    Action,
    ActionKind,
    DesiredSchedule,
    DesiredSet,
    FieldChange,
    Plan,
)
from reconciler.engine.planfile import (
    PLANFILE_VERSION,
    SavedPlan,
    _sha256,
    check_current,
    desired_digest,
    plan_from_document,
    plan_to_document,
)

PAYLOAD = {
    "name": "nightly",
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}
LINEAGE = "6f1c0d1e-lineage"


def sample_plan() -> Plan:
    return Plan(
        actions=(
            Action(
                ActionKind.CREATE,
                "nightly",
                None,
                None,
                PAYLOAD,
                reason="declared, not yet created",
                location=Location("schedules/a.yaml", 3, 5),
            ),
            Action(
                ActionKind.UPDATE,
                "weekly",
                42,
                {**PAYLOAD, "name": "weekly"},
                {**PAYLOAD, "name": "weekly", "scheduleType": "WEEKLY"},
                changes=(FieldChange("scheduleType", "DAILY", "WEEKLY"),),
                drift=(FieldChange("status", "ACTIVE", "IN_ACTIVE"),),
                reason="YAML changed: scheduleType",
                location=Location("schedules/b.yaml", 9, 5),
            ),
            Action(ActionKind.DELETE, "old", 7, {**PAYLOAD, "name": "old"}, None, reason="pruned"),
        )
    )


def document(**options: Any) -> dict[str, Any]:
    return plan_to_document(
        sample_plan(), lineage=LINEAGE, serial=5, digest="d" * 64, options=options
    )


def through_json(doc: dict[str, Any]) -> Any:
    return json.loads(json.dumps(doc))


def test_a_saved_plan_reads_back_as_the_same_plan() -> None:
    saved = plan_from_document(through_json(document(prune=True)), source="p.json")
    originals = sample_plan().actions
    assert [replace(a, location=None) for a in saved.plan.actions] == [
        replace(a, location=None) for a in originals
    ]
    assert [str(a.location) for a in saved.plan.actions] == [str(a.location) for a in originals]
    assert (saved.lineage, saved.serial, saved.desired_digest) == (LINEAGE, 5, "d" * 64)
    assert saved.options == {"prune": True}


def test_the_document_is_versioned_and_carries_the_state_it_was_made_on() -> None:
    doc = document()
    assert doc["planfile_version"] == PLANFILE_VERSION == 1
    assert doc["lineage"] == LINEAGE and doc["serial"] == 5
    assert [a["action"] for a in doc["actions"]] == ["create", "update", "delete"]
    assert doc["actions"][1]["changes"] == [["scheduleType", "DAILY", "WEEKLY"]]
    assert doc["actions"][0]["location"] == "schedules/a.yaml:3:5"


@pytest.mark.parametrize(
    "alter",
    [
        lambda d: d["actions"][0]["after"].__setitem__("executionId", 9999),
        lambda d: d["actions"].pop(2),
        lambda d: d["actions"][2].__setitem__("id", 8),
        lambda d: d.__setitem__("serial", 6),
        lambda d: d.__setitem__("lineage", "other"),
        lambda d: d["options"].__setitem__("prune", False),
        lambda d: d.__setitem__("desired_digest", "e" * 64),
        lambda d: d.__setitem__("checksum", "0" * 64),
        lambda d: d.pop("checksum"),
    ],
)
def test_an_altered_plan_is_refused(alter: Any) -> None:
    doc = through_json(document(prune=True))
    alter(doc)
    with pytest.raises(UnsafeError, match="altered after it was written"):
        plan_from_document(doc, source="p.json")


def test_something_else_is_not_a_saved_plan() -> None:
    for doc in ({}, [], "plan", {"actions": []}, None):
        with pytest.raises(ReconcilerError, match=r"p\.json is not a saved plan") as info:
            plan_from_document(doc, source="p.json")
        assert not isinstance(info.value, UnsafeError)


def test_another_version_is_refused_by_name() -> None:
    doc = through_json(document())
    doc["planfile_version"] = 2
    with pytest.raises(ReconcilerError, match="version 2 plan; this reconciler reads version 1"):
        plan_from_document(doc, source="p.json")


def test_a_well_signed_but_malformed_plan_is_an_error_not_a_crash() -> None:
    doc = through_json(document())
    del doc["checksum"]
    doc["actions"][0]["action"] = "explode"
    doc["checksum"] = _sha256(doc)
    with pytest.raises(ReconcilerError, match="not a readable saved plan"):
        plan_from_document(doc, source="p.json")


def saved(lineage: str = LINEAGE, serial: int = 5) -> SavedPlan:
    return SavedPlan(sample_plan(), lineage, serial, "d" * 64, {})


def test_a_plan_made_on_this_state_at_this_serial_is_current() -> None:
    check_current(saved(), lineage=LINEAGE, serial=5, source="p.json")


def test_a_plan_from_another_state_is_refused_even_at_the_same_serial() -> None:
    with pytest.raises(UnsafeError, match="made against another state") as info:
        check_current(saved(lineage="other-lineage"), lineage=LINEAGE, serial=5, source="p.json")
    assert "other-lineage" in str(info.value) and LINEAGE in str(info.value)


@pytest.mark.parametrize("now_at", [4, 6, 50])
def test_a_plan_made_before_the_state_moved_on_is_stale(now_at: int) -> None:
    with pytest.raises(UnsafeError, match="is stale") as info:
        check_current(saved(), lineage=LINEAGE, serial=now_at, source="p.json")
    assert "serial 5" in str(info.value) and f"serial {now_at}" in str(info.value)


def schedules(*payloads: dict[str, Any]) -> DesiredSet:
    return DesiredSet(
        schedules=tuple(
            DesiredSchedule(str(p["name"]), p, Location("f.yaml", i + 1, 1))
            for i, p in enumerate(payloads)
        )
    )


def test_the_desired_digest_changes_with_any_declared_value() -> None:
    base = desired_digest(schedules(PAYLOAD))
    assert base == desired_digest(schedules(copy.deepcopy(PAYLOAD)))
    assert base != desired_digest(schedules({**PAYLOAD, "status": "IN_ACTIVE"}))
    assert base != desired_digest(schedules(PAYLOAD, {**PAYLOAD, "name": "second"}))
    assert base != desired_digest(schedules())


def test_the_desired_digest_ignores_file_order_and_locations() -> None:
    a, b = {**PAYLOAD, "name": "a"}, {**PAYLOAD, "name": "b"}
    assert desired_digest(schedules(a, b)) == desired_digest(schedules(b, a))


def test_the_checksum_is_sha256_of_the_canonical_json_whatever_the_key_order() -> None:
    """A plan written by another version, or rewritten by a JSON tool, still verifies."""
    import hashlib

    plan = Plan(actions=(replace(sample_plan().actions[0], name="nächtlich"),))
    doc = plan_to_document(plan, lineage=LINEAGE, serial=5, digest="d" * 64, options={"a": 1})
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert doc["checksum"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    reordered = json.loads(json.dumps(dict(reversed(list(doc.items())))))
    assert plan_from_document(reordered, source="p.json").plan.actions[0].name == "nächtlich"


def test_an_action_without_a_location_reads_back_without_one() -> None:
    doc = through_json(document())
    assert doc["actions"][2]["location"] is None
    saved_plan = plan_from_document(doc, source="p.json")
    assert saved_plan.plan.actions[2].location is None


def test_an_altered_plan_says_to_make_a_new_one() -> None:
    doc = through_json(document())
    doc["serial"] = 9
    with pytest.raises(UnsafeError) as info:
        plan_from_document(doc, source="p.json")
    assert str(info.value) == (
        "p.json was altered after it was written (its checksum does not match): "
        "make a new plan with `reconciler plan --out`"
    )
