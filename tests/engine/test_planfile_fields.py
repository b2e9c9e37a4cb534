"""Saved plans carry every field an apply and its report need, and refuse in exact words."""

from __future__ import annotations

import pytest
from test_planfile import BODY, KEY, LINEAGE, create, delete, plan, read, saved, update

from reconciler.core.errors import Location, ReconcilerError, UnsafeError
from reconciler.core.model import (
    Action,
    ActionKind,
    Cause,
    Conflict,
    DesiredSchedule,
    DesiredSet,
    FieldChange,
    Move,
    RecordedSchedule,
)
from reconciler.engine.planfile import (
    check_can_save,
    check_current,
    check_ids,
    desired_digest,
    plan_from_document,
)


def test_conflicts_replacements_and_recreations_read_back_with_their_data() -> None:
    conflict = Conflict(
        Cause.UNKNOWN_OUTCOME, ids=(41, 42), entry_id=9, started_at="2026-11-29T08:00Z", detail="x"
    )
    actions = (
        Action(
            kind=ActionKind.CONFLICT,
            name="a",
            id=None,
            before=None,
            after=BODY,
            cause=Cause.UNKNOWN_OUTCOME,
            conflict=conflict,
            location=Location("s/a.yaml", 3, 5),
        ),
        Action(
            kind=ActionKind.REPLACE,
            name="b",
            id=12,
            before=BODY,
            after={**BODY, "scheduleType": "HOURLY"},
            cause=Cause.STUCK,
            changes=(FieldChange("scheduleType", "DAILY", "HOURLY"),),
            drift=(FieldChange("status", "ACTIVE", "IN_ACTIVE"),),
            behind_seconds=5400,
        ),
        Action(
            kind=ActionKind.CREATE,
            name="c",
            id=None,
            before=None,
            after=BODY,
            cause=Cause.DELETED_OUTSIDE,
            previous_id=77,
        ),
    )
    a, b, c = read(saved(*actions)).actions
    assert a.conflict == conflict and a.cause is Cause.UNKNOWN_OUTCOME
    assert str(a.location) == "s/a.yaml:3:5"
    assert b.changes == actions[1].changes and b.drift == actions[1].drift
    assert (b.behind_seconds, b.location) == (5400, None)
    assert (c.previous_id, c.conflict) == (77, None)


def test_a_conflict_without_data_reads_back_as_one() -> None:
    bare = Conflict(Cause.LOOKUP_FAILED)
    action = Action(
        kind=ActionKind.CONFLICT,
        name="a",
        id=None,
        before=None,
        after=BODY,
        cause=Cause.LOOKUP_FAILED,
        conflict=bare,
    )
    assert read(saved(action)).actions[0].conflict == bare


def test_refusals_say_what_to_do() -> None:
    with pytest.raises(UnsafeError) as running:
        check_can_save(lock_holder="ci@runner pid 9", open_entries=[])
    assert str(running.value) == (
        "an apply is running (ci@runner pid 9 holds the state lock), so a saved plan would "
        "be out of date at once: wait for it to finish, then plan again"
    )
    with pytest.raises(UnsafeError) as unknown:
        check_can_save(lock_holder=None, open_entries=[4, 3])
    assert str(unknown.value).endswith(
        "(journal entries 3, 4): run `reconciler apply` (or plan without --out) to resolve "
        "them, then save a plan"
    )
    doc = plan_from_document(saved(create("a")), source="p.json", key=KEY, lineage=LINEAGE)
    with pytest.raises(UnsafeError) as foreign:
        check_current(doc, lineage="other", serial=7, source="p.json")
    assert str(foreign.value) == (
        f"p.json was made against another state (lineage {LINEAGE}, this state is other): "
        "check --state, then plan again"
    )
    with pytest.raises(UnsafeError) as stale:
        check_current(doc, lineage=LINEAGE, serial=8, source="p.json")
    assert str(stale.value).endswith("Run `reconciler plan --out` again")


def test_every_mismatched_id_is_listed_on_its_own_line() -> None:
    recorded = {"b": RecordedSchedule(name="b", id=12, payload=BODY, applied_at="t")}
    with pytest.raises(UnsafeError) as refused:
        check_ids(plan(update("b", 99), delete("ghost", 1)), recorded, source="plan.json")
    assert str(refused.value) == (
        "plan.json does not match the recorded state, so it is refused:\n"
        "  - update 'b' names id 99, but that name is recorded with id 12\n"
        "  - delete 'ghost' names id 1, but that name is not recorded"
    )


def test_any_edit_under_a_kept_signature_is_refused() -> None:
    conflict = Action(
        kind=ActionKind.CONFLICT,
        name="c",
        id=None,
        before=None,
        after=BODY,
        cause=Cause.NAME_TAKEN,
        conflict=Conflict(Cause.NAME_TAKEN, ids=(4,)),
    )
    edits = [
        lambda d: d["actions"][0].update(id=1),
        lambda d: d["actions"][1]["conflict"]["ids"].append(5),
        lambda d: d["options"].update(prune=True),
        lambda d: d.update(serial=8),
        lambda d: d.update(desired_digest="e"),
    ]
    for edit in edits:
        doc = saved(update("b", 12), conflict)
        edit(doc)
        with pytest.raises(UnsafeError, match="altered after it was written"):
            read(doc)


def test_the_signature_does_not_depend_on_the_order_of_keys_in_the_file() -> None:
    doc = saved(update("b", 12), options={"prune": True, "targets": ["b"]})
    shuffled = {k: doc[k] for k in reversed(list(doc))}
    shuffled["actions"] = [{k: a[k] for k in reversed(list(a))} for a in doc["actions"]]
    back = plan_from_document(shuffled, source="p", key=KEY, lineage=LINEAGE)
    assert back.plan.actions == (update("b", 12),)
    assert (back.lineage, back.serial, back.desired_digest) == (LINEAGE, 7, "d")
    assert back.options == {"prune": True, "targets": ["b"]}


@pytest.mark.parametrize("doc", [[], "plan", {"actions": []}])
def test_what_is_not_a_saved_plan_is_named_so(doc: object) -> None:
    with pytest.raises(ReconcilerError) as info:
        plan_from_document(doc, source="p.json", key=KEY, lineage=LINEAGE)
    assert str(info.value) == "p.json is not a saved plan (write one with `plan --out`)"


def test_another_lineage_names_both() -> None:
    with pytest.raises(UnsafeError) as info:
        plan_from_document(saved(create("a")), source="p.json", key=KEY, lineage="other")
    assert str(info.value) == (
        f"p.json was made against another state (lineage {LINEAGE}, this state is other): "
        "check --state and --workspace, then plan again"
    )


def declared(*payloads: dict[str, object], moves: tuple[Move, ...] = ()) -> DesiredSet:
    return DesiredSet(
        schedules=tuple(
            DesiredSchedule(str(p["name"]), p, Location(f"f{i}.yaml", i + 1, 3))
            for i, p in enumerate(payloads)
        ),
        moved=moves,
    )


def test_the_desired_digest_changes_with_any_declared_value_and_nothing_else() -> None:
    a, b = {**BODY, "name": "a"}, {**BODY, "name": "b"}
    base = desired_digest(declared(a, b))
    assert base == desired_digest(declared(dict(reversed(list(b.items()))), a))  # order, places
    assert base != desired_digest(declared(a, {**b, "scheduleType": "WEEKLY"}))
    assert base != desired_digest(declared(a, {**b, "name": "c"}))
    assert base != desired_digest(declared(a))
    move = (Move("old", "a", Location("m.yaml", 1, 1)),)
    assert base != desired_digest(declared(a, b, moves=move))
    other = (Move("old", "b", Location("m.yaml", 1, 1)),)
    assert desired_digest(declared(a, b, moves=move)) != desired_digest(declared(a, b, moves=other))
    assert len(base) == 64 and int(base, 16) >= 0
